"""收藏小店 (shop favourites): the platform exposes counts only (shared/wechat-platform-2026.md B.5).

``POST /channels/ec/favorites/count/get``, body ``{}`` → the accumulated number of users who favourited the shop
(``favor_uv_acc_all``) and the same by the scene they did it in: the shop home page, an order's detail page, a
product's detail page, any other scene. No per-user list and no event exist.

The emulator's counts are deterministic and grow with the shop's simulated clock (``Account.clock``, else the
platform time) from the day the shop opened: each scene gains a steady daily number of favourites, scaled per shop
by its appid, around 400 a day in all — the shape of seed 000 (12,000 favourites in a month). They never shrink.
"""

import hashlib

from sandbox.api.registry import SHOP, Call, endpoint

DAY = 86_400
# Favourites per day by scene for a shop of scale 1.0 (the all-scene count is their sum).
DAILY = {
    "favor_uv_acc_shop_homepage": 180,
    "favor_uv_acc_product_detail": 120,
    "favor_uv_acc_order_detail": 60,
    "favor_uv_acc_other_scene": 40,
}


def _scale_permille(appid: str) -> int:
    """500–1499: how busy this shop is, fixed by its appid."""
    return 500 + int(hashlib.sha256(appid.encode()).hexdigest()[:8], 16) % 1000


def favorites_counts(*, appid: str, opened: int, now: int) -> dict[str, int]:
    """The accumulated counts at ``now`` (Unix seconds) of a shop opened at ``opened``."""
    elapsed = max(0, now - opened)
    scale = _scale_permille(appid)
    counts = {field: per_day * scale * elapsed // (1000 * DAY) for field, per_day in DAILY.items()}
    return {"favor_uv_acc_all": sum(counts.values()), **counts}


@endpoint("/channels/ec/favorites/count/get", audience=SHOP)
def favorites_count_get(call: Call) -> dict:
    shop = call.account
    now = shop.clock or call.now
    # A shop without an opening time counts from 90 days before now.
    opened = shop.open_timestamp or now - 90 * DAY
    return favorites_counts(appid=shop.appid, opened=opened, now=now)

"""收藏小店 (shop favourites): the counts the platform exposes (shared/wechat-platform-2026.md B.5).

``POST /channels/ec/favorites/count/get`` with an empty body answers the accumulated number of users who favourited
the shop, in all and by the scene they did it in. There is no per-user list and no push event.
"""

from dataclasses import dataclass

from shopops.wechat.client import ShopClient
from shopops.wechat.types import as_int

FAVORITES_COUNT_PATH = "/channels/ec/favorites/count/get"


@dataclass(frozen=True)
class FavoritesCount:
    """Accumulated favourites (users, not events) at the time of the call."""

    total: int  # favor_uv_acc_all
    shop_homepage: int  # favor_uv_acc_shop_homepage 小店主页
    order_detail: int  # favor_uv_acc_order_detail 订单详情页
    product_detail: int  # favor_uv_acc_product_detail 商品详情页
    other_scene: int  # favor_uv_acc_other_scene 其他场景


class FavoritesClient(ShopClient):
    """``ShopClient`` plus the favourites counts (a read, retried on transient failures)."""

    def favorites_count(self) -> FavoritesCount:
        payload = self._read(FAVORITES_COUNT_PATH, {})
        return FavoritesCount(
            total=as_int(payload.get("favor_uv_acc_all")),
            shop_homepage=as_int(payload.get("favor_uv_acc_shop_homepage")),
            order_detail=as_int(payload.get("favor_uv_acc_order_detail")),
            product_detail=as_int(payload.get("favor_uv_acc_product_detail")),
            other_scene=as_int(payload.get("favor_uv_acc_other_scene")),
        )

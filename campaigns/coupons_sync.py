"""The sync of a shop's coupons through the core's sync engine (shopops.sync.engine), under the shop's own lease,
cursors, call log, failure counting and alerts, with two scan streams:

- ``coupons``: every coupon by status (coupon/get_list for 1 未生效, 2 生效, 200 过期或作废, 5 删除 — page by page,
  echoing ``page_ctx``, never jumping more than 10 pages: it walks 1, 2, 3 …), each fetched with coupon/get and
  upserted with its stock figures (campaigns.services.coupons.coupons_store). The cursor's ``next_key`` holds
  {status index, page, page_ctx}: a killed run resumes at the page it was on.
- ``user_coupons``: first the coupon uses of the orders synced since the last completed scan are rebuilt from their
  lines (``coupon_uses_refresh``), which notes every user coupon the orders name; receive events note theirs too.
  Then every user coupon not fetched yet, or still 生效中 (it may since have been used or expired), is fetched
  with get_user_coupon (its openid) and upserted. A user coupon the platform no longer knows (10021037) is skipped.

Push events ``channels_ec_coupon_*`` and ``channels_ec_user_coupon_*`` are handled by the engine's event step
through the same upserts (``coupon_events_handle``, registered in campaigns.apps).
"""

import json
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q

from campaigns.models import UserCoupon
from campaigns.services import coupons as services
from shopops.models import Shop
from shopops.sync import engine

STATUSES = (1, 2, 200, 5)
PAGE_SIZE = 100
USER_PAGE = 100
OVERLAP = timedelta(minutes=10)


@dataclass(frozen=True)
class Listing:
    ids: list
    next_key: str
    has_more: bool = False


def _coupon_page(client, next_key: str) -> Listing:
    state = json.loads(next_key) if next_key else {"i": 0, "p": 1, "ctx": ""}
    index, page, ctx = state["i"], state["p"], state["ctx"]
    while index < len(STATUSES):
        answer = client.coupon_list(status=STATUSES[index], page=page, page_size=PAGE_SIZE, page_ctx=ctx)
        more = bool(answer.coupon_ids) and page * PAGE_SIZE < answer.total
        nxt = {"i": index, "p": page + 1, "ctx": answer.page_ctx} if more else {"i": index + 1, "p": 1, "ctx": ""}
        if answer.coupon_ids:
            last = nxt["i"] >= len(STATUSES)
            return Listing(ids=answer.coupon_ids, next_key="" if last else json.dumps(nxt))
        index, page, ctx = nxt["i"], nxt["p"], nxt["ctx"]
    return Listing(ids=[], next_key="")


def coupon_stream(shop: Shop) -> engine.ScanStream:
    return engine.ScanStream(
        name="coupons",
        list_page=_coupon_page,
        fetch=lambda client, coupon_id: client.coupon_get(coupon_id),
        store=services.coupons_store,
    )


def user_coupon_stream(shop: Shop) -> engine.ScanStream:
    def list_page(client, next_key: str) -> Listing:
        if not next_key:
            done = engine.shop_subject(shop).cursor("user_coupons").completed_until
            services.coupon_uses_refresh(shop=shop, since=done - OVERLAP if done else None)
        rows = (
            UserCoupon.objects.for_shop(shop)
            .filter(Q(synced_at__isnull=True) | Q(status=UserCoupon.Status.VALID))
            .exclude(openid="")
            .filter(user_coupon_id__gt=next_key)
            .order_by("user_coupon_id")
            .values_list("openid", "user_coupon_id")[:USER_PAGE]
        )
        refs = list(rows)
        return Listing(ids=refs, next_key=refs[-1][1] if len(refs) == USER_PAGE else "")

    def store(*, shop, payloads, synced_at, **_):
        return services.user_coupons_store(shop=shop, payloads=[p for p in payloads if p], synced_at=synced_at)

    return engine.ScanStream(
        name="user_coupons",
        list_page=list_page,
        fetch=lambda client, ref: services._get_or_none(client.user_coupon_get, ref[0], ref[1]),
        store=store,
    )


def coupons_sync(*, shop: Shop, seconds: float | None = None, client=None) -> engine.RunReport:
    """One run of the shop's coupon streams (and its pending push events). See the module."""
    return engine.subject_sync(
        subject=engine.shop_subject(shop),
        streams=[coupon_stream(shop), user_coupon_stream(shop)],
        seconds=seconds,
        client=client,
    )

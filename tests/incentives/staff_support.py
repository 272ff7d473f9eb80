"""Orders forwarded by WeCom (企业微信) members, as the sync stores them: source_infos account_type 4 (the corp),
content_type 1 企微成员转发 with content_id = the member's userid."""

from datetime import UTC, datetime, timedelta

from shopops.channels import ACCOUNT_WECOM, CONTENT_WECOM_MEMBER_FORWARD, SALE_CHANNEL_LINKED, Channel
from shopops.models import Order
from tests.factories import OrderFactory, OrderLineFactory

PAID = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 Beijing, 2 November 2026
SETTLED = datetime(2026, 11, 16, 4, 0, tzinfo=UTC)  # 12:00 Beijing, 16 November 2026
AS_OF = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
CORP = "wwcorp0001"


def forwarded(userid: str) -> dict:
    return {
        "sale_channel": SALE_CHANNEL_LINKED, "account_type": ACCOUNT_WECOM, "account_id": CORP,
        "content_type": CONTENT_WECOM_MEMBER_FORWARD, "content_id": userid, "channel": Channel.WECOM_FORWARD,
    }  # fmt: skip


WECOM_CORP_ONLY = {  # the corp's account without a member forward: no member to reward
    "sale_channel": SALE_CHANNEL_LINKED, "account_type": ACCOUNT_WECOM, "account_id": CORP, "channel": Channel.OTHER,
}  # fmt: skip
NATURAL = {"channel": Channel.OTHER}


def make_order(shop, *lines, paid=PAID, settled=SETTLED, status=Order.Status.COMPLETED, order_id=None):
    """An order of ``lines`` — each (sku_id, real_price_fen, source fields) — paid at ``paid``, settled at
    ``settled`` (None: not yet)."""
    extra = {"order_id": order_id} if order_id else {}
    order = OrderFactory(
        shop=shop, status=status, create_time=paid - timedelta(minutes=1), pay_time=paid, settle_time=settled, **extra
    )
    for sku_id, price, source in lines:
        OrderLineFactory(order=order, sku_id=sku_id, sale_price_fen=price, real_price_fen=price, **source)
    return order

"""Orders as the sync stores them, shaped for the incentive rules: eligible and ineligible sources, settlements,
after-sales."""

from datetime import UTC, datetime, timedelta

from incentives.models import Accrual
from shopops.channels import (
    ACCOUNT_CHANNELS,
    ACCOUNT_MINIPROGRAM,
    ACCOUNT_MP,
    ACCOUNT_SERVICE,
    ACCOUNT_WECOM,
    Channel,
)
from shopops.models import Order
from tests.factories import AfterSaleFactory, OrderFactory, OrderLineFactory

PAID = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 Beijing, 2 November 2026
SETTLED = datetime(2026, 11, 16, 4, 0, tzinfo=UTC)  # 12:00 Beijing, 16 November 2026
AS_OF = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)

# (sale_channel, account_type, channel) of the sources the tests use
LINKED_MP = (0, ACCOUNT_MP, Channel.MP_ARTICLE)
LINKED_SERVICE = (0, ACCOUNT_SERVICE, Channel.SERVICE_ACCOUNT)
LINKED_WECOM = (0, ACCOUNT_WECOM, Channel.WECOM_FORWARD)
COOP_MINI = (1, ACCOUNT_MINIPROGRAM, Channel.MINIPROGRAM)
LINKED_FINDER = (0, ACCOUNT_CHANNELS, Channel.FINDER_LIVE)
COOP_MP = (1, ACCOUNT_MP, Channel.MP_ARTICLE)
NATURAL = (None, None, Channel.OTHER)


def make_order(shop, *lines, paid=PAID, settled=SETTLED, fee=10_000, status=Order.Status.COMPLETED, order_id=None):
    """An order of ``lines`` — each (sku_id, real_price_fen, source) with a source above — paid at ``paid``,
    settled at ``settled`` (None: not yet) with service fee ``fee``."""
    extra = {"order_id": order_id} if order_id else {}
    order = OrderFactory(
        shop=shop, status=status, create_time=paid - timedelta(minutes=1), pay_time=paid, settle_time=settled,
        commission_fee_fen=fee if settled else None, predict_commission_fee_fen=fee, **extra,
    )  # fmt: skip
    for sku_id, price, (sale_channel, account_type, channel) in lines:
        OrderLineFactory(
            order=order, sku_id=sku_id, sale_price_fen=price, real_price_fen=price, sale_channel=sale_channel,
            account_type=account_type, channel=channel, account_id=f"acct{account_type}" if account_type else "",
            account_nickname=f"账号{account_type}" if account_type else "",
        )  # fmt: skip
    return order


def refund(order, sku_id, fen, *, status="MERCHANT_REFUND_SUCCESS", at=None):
    return AfterSaleFactory(
        shop=order.shop, order_id=order.order_id, sku_id=sku_id, refund_amount_fen=fen, status=status,
        create_time=at or order.pay_time + timedelta(days=1),
    )  # fmt: skip


def accruals(shop):
    """The shop's accruals as (key, kind, amount_fen, basis_fen, booked_on ISO), in key order."""
    return [
        (a.key, a.kind, a.amount_fen, a.basis_fen, a.booked_on.isoformat())
        for a in Accrual.objects.for_shop(shop).order_by("key")
    ]

"""Builders shared by the plays tests: the shop's products and the orders a live leaves behind."""

from datetime import timedelta

from django.utils.translation import gettext, override

from shopops.models import Order
from tests.factories import ORDER_T0, OrderFactory, OrderLineFactory, ProductFactory, SkuFactory

LIVE = "export/" + "A" * 96
OTHER_LIVE = "export/" + "B" * 96


def prize(shop, **kwargs):
    product = ProductFactory(
        shop=shop, title="加厚针织开衫", product_id="10000000000001", min_price_fen=19900, **kwargs
    )
    SkuFactory(product=product, sku_id="20000000000001", sale_price_fen=19900)
    return product


def bag_product(shop, product_id="19000000000001"):
    return ProductFactory(shop=shop, title="福袋·加厚针织开衫", product_id=product_id, product_type=2)


def lottery_order(shop, *, live_id=LIVE, status=Order.Status.PAID, product_id="19000000000001", minutes=0):
    """A winner's 0-yuan order: payment_method 3, every price 0, one line of the 福袋 product."""
    order = OrderFactory(
        shop=shop,
        live_id=live_id,
        status=status,
        payment_method=3,
        order_price_fen=0,
        create_time=ORDER_T0 + timedelta(minutes=minutes),
    )
    OrderLineFactory(order=order, product_id=product_id, sale_price_fen=0)
    return order


def live_order(shop, *, price_fen, live_id=LIVE, paid=True, minutes=0):
    order = OrderFactory(
        shop=shop,
        live_id=live_id,
        payment_method=1 if paid else None,
        order_price_fen=price_fen,
        create_time=ORDER_T0 + timedelta(minutes=minutes),
        status=Order.Status.PAID if paid else Order.Status.UNPAID,
        pay_time=ORDER_T0 + timedelta(minutes=minutes + 1) if paid else None,
    )
    OrderLineFactory(order=order, product_id="10000000000001", sale_price_fen=price_fen)
    return order


def tr(msgid: str, **values) -> str:
    """``msgid`` as the console shows it (Chinese once the catalogue has it), with ``values`` filled in."""
    with override("zh-hans"):
        text = gettext(msgid)
    return text % values if values else text

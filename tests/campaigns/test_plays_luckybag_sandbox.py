"""福袋 results from a real sync: the sandbox plays WeChat (a 福袋抽奖商品 and its winners' 0-yuan orders), ShopOps
syncs products and orders over HTTP and reads the winners and the live's GMV from what it stored."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from campaigns.selectors import plays as selectors
from campaigns.services import plays as services
from sandbox import selectors as platform
from shopops.models import Order, Product
from shopops.sync import engine
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxfudai0000000001", "fudai5ecre700000000000000000001"


def test_winners_and_live_gmv_match_what_the_platform_holds(live_sandbox):
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=5, orders=250, seed=11, verbosity=0)
    report = engine.shop_sync(shop=shop, streams=("products", "orders"))
    assert report.stopped == ""

    remote = platform.order_payloads(APPID)
    lottery = [o for o in remote if o["order_detail"]["pay_info"].get("payment_method") == 3]
    assert lottery and Order.objects.filter(shop=shop, payment_method=3).count() == len(lottery)
    (bag_product,) = Product.objects.filter(shop=shop, product_type=2)
    prize = Product.objects.filter(shop=shop, product_type=1, deleted=False).first()

    live_id = lottery[0]["order_detail"]["ext_info"]["live_id"]
    winners = [o for o in lottery if o["order_detail"]["ext_info"]["live_id"] == live_id]
    gmv = sum(
        o["order_detail"]["price_info"]["order_price"]
        for o in remote
        if o["order_detail"]["ext_info"]["live_id"] == live_id and o["order_detail"]["pay_info"].get("pay_time")
    )
    bag = services.luckybag_save(
        shop=shop,
        name="开播福袋",
        prize_product_id=prize.product_id,
        bag_product_id=bag_product.product_id,
        quantity=len(winners),
        condition="follow",
        draw_at=datetime.fromtimestamp(winners[0]["create_time"], UTC),
        live_id=live_id,
        unit_cost_fen=1000,
    )
    read = selectors.luckybag_get_for_shop_or_404(shop=shop, pk=bag.pk)
    statuses = [o["status"] for o in winners]
    assert (read.winners, read.waiting, read.shipped, read.done) == (
        len(winners),
        sum(s in (20, 21) for s in statuses),
        statuses.count(30),
        statuses.count(100),
    )
    assert read.live_gmv_fen == gmv > 0
    assert sorted(o.order_id for o in selectors.luckybag_winners(bag=bag)) == sorted(o["order_id"] for o in winners)

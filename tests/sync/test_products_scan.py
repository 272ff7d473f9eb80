"""A full product scan over HTTP against the sandbox: complete the first time, and complete again the next time."""

import pytest
from django.core.management import call_command

from sandbox import selectors as platform
from shopops.models import Product, Sku
from shopops.sync import engine
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxpr0duc75can00001", "pr0duc75can5ecre70000000000000001"


def test_every_scan_lists_the_whole_catalogue(live_sandbox):
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=2, orders=20, seed=3, verbosity=0)
    # product/list/get leaves out drafts and the recycle bin; product/get answers the online version.
    listed = {p["product_id"]: p["product"] for p in platform.product_payloads(APPID) if p["status"] not in (0, 6, 9)}

    first = engine.shop_sync(shop=shop, streams=("products",))
    second = engine.shop_sync(shop=shop, streams=("products",))

    assert (first.stopped, second.stopped) == ("", "")
    assert first.fetched["products"] == second.fetched["products"] == len(listed) > 0
    assert {p.product_id: p.raw for p in Product.objects.filter(shop=shop, deleted=False)} == listed
    assert Sku.objects.filter(shop=shop).count() == sum(len(p.get("skus", [])) for p in listed.values())

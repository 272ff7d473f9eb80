import pytest
from django.core.management import call_command

from sandbox import selectors as platform
from tests.factories import ShopFactory


@pytest.fixture
def seeded(live_sandbox, request):
    """A shop (the test module's APPID and SECRET) whose 250-odd orders were all updated in the last 5 days: one
    window, pages of 100, 100 and the rest. Returns the shop and the platform's payloads by order id."""
    appid, secret = request.module.APPID, request.module.SECRET
    shop = ShopFactory(appid=appid, app_secret=secret)
    call_command("sandbox_seed", shop=appid, secret=secret, days=5, orders=250, seed=11, verbosity=0)
    remote = {p["order_id"]: p for p in platform.order_payloads(appid)}
    assert len(remote) // 100 == 2
    return shop, remote

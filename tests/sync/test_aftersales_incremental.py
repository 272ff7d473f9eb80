"""The after-sale stream polls by update time, over HTTP against the sandbox: a status change of an after-sale
created long before the last sync is found by the next incremental run even though its push never arrives."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from sandbox import selectors as platform
from shopops.models import AfterSale, ApiCall, InboundEvent, SyncCursor
from shopops.sync import engine
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxaf7er5a1e0000001", "af7er5a1e5ecre700000000000000001"
ANCHOR = 1796246011  # the platform's data ends here (2026-12-03 05:53 Beijing); our clock starts here too
LIST = "/channels/ec/aftersale/getaftersalelist"


def test_a_status_change_of_an_old_aftersale_is_found_without_its_push(live_sandbox, time_machine):
    time_machine.move_to(datetime.fromtimestamp(ANCHOR, tz=UTC), tick=True)
    shop = ShopFactory(appid=APPID, app_secret=SECRET)  # no push settings: nothing is ever delivered to us
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=20, orders=300, seed=5, anchor=ANCHOR, verbosity=0)
    engine.backfill_request(shop=shop, since=engine.now() - timedelta(days=21), streams=["aftersales"])
    first = engine.shop_sync(shop=shop, streams=("aftersales",))
    synced_until = SyncCursor.objects.get(shop=shop, stream="aftersales").completed_until
    seen = {a.after_sale_order_id: a.status for a in AfterSale.objects.filter(shop=shop)}
    assert first.stopped == ""
    assert seen == {p["after_sale_order_id"]: p["status"] for p in platform.aftersale_payloads(APPID)}

    # Two days go by on the platform; its push events are recorded there and never sent.
    time_machine.shift(timedelta(hours=48))
    call_command("sandbox_advance", shop=APPID, hours=48, no_deliver=True, verbosity=0)
    remote = {p["after_sale_order_id"]: p for p in platform.aftersale_payloads(APPID)}
    # Created more than a day (a whole after-sale window) before the cursor: a poll by creation time from the
    # cursor on never lists them again.
    old_and_changed = {
        i: p["status"]
        for i, p in remote.items()
        if i in seen and p["status"] != seen[i] and p["create_time"] < (synced_until - timedelta(days=1)).timestamp()
    }
    assert old_and_changed
    assert InboundEvent.objects.filter(shop=shop).count() == 0
    before = ApiCall.objects.filter(appid=APPID, endpoint=LIST).count()

    report = engine.shop_sync(shop=shop, streams=("aftersales",))

    # Three 24-hour windows by update time (each starting OVERLAP before the previous end) cover the two days.
    local = {a.after_sale_order_id: a for a in AfterSale.objects.filter(shop=shop)}
    assert (report.stopped, ApiCall.objects.filter(appid=APPID, endpoint=LIST).count() - before) == ("", 3)
    assert {i: local[i].status for i in old_and_changed} == old_and_changed
    assert {i: a.raw for i, a in local.items()} == remote

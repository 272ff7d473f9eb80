"""The fund-flow sync against the emulator over HTTP: one OrderFlow per paid order equal to the platform's
listorderflow entry to the fen, a re-run changes nothing, a run stopped by a platform error resumes at its page,
the settle push refreshes the order's flow, and the seeded fee mismatches are exactly the orders whose reduction
differs from the rules."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from incentives.flows_sync import STREAM, order_flows_sync
from incentives.models import OrderFlow
from incentives.models.flows import AMOUNT_FIELDS
from incentives.services.flows import order_flows_store
from sandbox import selectors as platform
from sandbox.api.funds import flow_of
from sandbox.faults import faults_configure
from sandbox.models import Order as PlatformOrder
from sandbox.models import TargetedFault
from shopops.models import SyncCursor
from shopops.sync import engine
from tests.factories import ShopFactory
from tests.sandbox.test_funds import due_reduction, refunded_by_line

APPID, SECRET = "wxorderflowsync001", "f" * 32
PATH = "/channels/ec/funds/listorderflow"


@pytest.fixture
def shop(live_sandbox):
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=30, orders=350, seed=5, fee_mismatch=150, verbosity=0)
    return shop


def platform_flows() -> dict[str, dict]:
    rows = PlatformOrder.objects.filter(shop__appid=APPID).exclude(status__in=(10, 250))
    return {row.order_id: flow_of(row.payload, row.plan) for row in rows}


def local_flows(shop) -> dict[str, dict]:
    fields = ["order_id", "order_state", "settle_state", *AMOUNT_FIELDS.values(), "product_list", "synced_at"]
    return {row["order_id"]: row for row in OrderFlow.objects.for_shop(shop).values(*fields)}


def assert_same(shop) -> None:
    expected, local = platform_flows(), local_flows(shop)
    assert set(local) == set(expected)
    for order_id, flow in expected.items():
        row = local[order_id]
        assert (row["order_state"], row["settle_state"]) == (flow["order_state"], flow["order_settle_state"])
        assert {column: row[column] for column in AMOUNT_FIELDS.values()} == {
            column: flow[key] for key, column in AMOUNT_FIELDS.items()
        }
        assert [(p["product_id"], p["count"], p["sale_price_fen"]) for p in row["product_list"]] == [
            (str(p["product_id"]), p["count"], p["sale_price"]) for p in flow["product_list"]
        ]


def test_sync_copies_every_flow_and_a_rerun_changes_nothing(shop):
    report = order_flows_sync(shop=shop)
    assert report.stopped == ""
    assert len(platform_flows()) > 300
    assert report.pages[STREAM] == len(platform_flows()) // 100 + 1
    assert_same(shop)
    before = local_flows(shop)

    again = order_flows_sync(shop=shop)
    assert again.stopped == ""
    assert local_flows(shop) == before  # synced_at included: nothing was written


def test_seeded_fee_mismatches_are_exactly_the_flows_off_the_rules(shop):
    assert order_flows_sync(shop=shop).stopped == ""
    orders = {o["order_id"]: o for o in platform.order_payloads(APPID)}
    refunded = refunded_by_line_of(APPID)
    off = {
        row.order_id
        for row in OrderFlow.objects.for_shop(shop).filter(settle_state=60)
        if row.fee_reduction_fen != due_reduction(orders[row.order_id], refunded)
    }
    assert off == set(platform.fee_anomalies(APPID))
    assert len(off) > 5
    unsettled = OrderFlow.objects.for_shop(shop).exclude(settle_state=60)
    assert all(row.fee_reduction_fen == 0 for row in unsettled)


def refunded_by_line_of(appid):
    import tests.sandbox.test_funds as funds

    previous, funds.SHOP = funds.SHOP, appid
    try:
        return refunded_by_line()
    finally:
        funds.SHOP = previous


def test_a_run_stopped_by_the_platform_resumes_at_its_page(shop):
    faults_configure(
        account=platform.account_get(APPID), targeted=[TargetedFault(path=PATH, first_call=3, errcode=45009)]
    )
    stopped = order_flows_sync(shop=shop)
    assert stopped.stopped == "QuotaExhaustedError"
    assert OrderFlow.objects.for_shop(shop).count() == 200
    cursor = SyncCursor.objects.get(shop=shop, stream=STREAM)
    assert cursor.next_key and cursor.pages_done == 2
    engine.shop_subject(shop).state().update(paused_until=None)

    resumed = order_flows_sync(shop=shop)
    assert resumed.stopped == ""
    assert resumed.pages[STREAM] == len(platform_flows()) // 100 + 1 - 2
    assert_same(shop)


def test_storing_the_same_entries_twice_writes_once(shop):
    flows = list(platform_flows().values())[:5]
    at = engine.now()
    first = order_flows_store(shop=shop, flows=flows, synced_at=at)
    second = order_flows_store(shop=shop, flows=flows, synced_at=at + timedelta(hours=1))
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert set(OrderFlow.objects.for_shop(shop).values_list("synced_at", flat=True)) == {at}
    other = ShopFactory()
    assert OrderFlow.objects.for_shop(other).count() == 0

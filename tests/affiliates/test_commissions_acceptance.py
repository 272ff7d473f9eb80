"""Acceptance (issue 10, item 2): a shop seeded in the emulator with deliberately mis-computed commission lines is
synced over HTTP; the difference list holds exactly the emulator's recorded set as ``platform_miscomputed``, and no
other line differs. Runs on SQLite and PostgreSQL alike (the reconciliation's SQL has a branch per database)."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from affiliates.models import CommissionLine, PlanTerms, PromotionPlan, Reason
from affiliates.services.commissions import commission_lines_refresh, orders_stored_receiver
from affiliates.services.talents import talents_sync
from sandbox import selectors as platform
from shopops.sync import engine
from shopops.sync.store import orders_stored
from tests.factories import ShopFactory

APPID = "wxh5commission001"
SECRET = "h5commissionsecret00000000000000"


def moment(unix: int | None) -> datetime | None:
    return None if unix is None else datetime.fromtimestamp(unix, UTC)


def plans_recorded(shop) -> None:
    """The emulator's plans with their whole terms history, as ShopOps holds them when it watched them from the
    start (created in the console, followed by every sync since). Not through ``plans_sync``: a plan it sees for
    the first time has no history on the platform's API (terms from the first sighting only), and the
    merchant-side API lists no agency plan."""
    for plan in platform.league_plans(APPID):
        agency = plan["agency"]
        row = PromotionPlan.objects.create(
            shop=shop,
            type=PromotionPlan.Type.NORMAL if agency else plan["type"],
            product_id=plan["product_id"],
            info_id="" if agency or plan["type"] == 1 else plan["promotion_plan_id"],
            headsupplier_appid=agency,
            status=PromotionPlan.Status.LISTED,
            ratio_percent=plan["ratio_pct"],
            service_ratio_percent=plan["service_ratio_pct"],
            talent_appids=plan["talents"] or [],
        )
        PlanTerms.objects.bulk_create(
            PlanTerms(shop=shop, plan=row, product_id=row.product_id, type=row.type, listed=t["listed"],
                      ratio_percent=t["ratio_pct"], service_ratio_percent=t["service_ratio_pct"],
                      talent_appids=t["talents"] or [], headsupplier_appid=agency, valid_to=moment(t["valid_to"]),
                      valid_from=moment(max(t["valid_from"], t["begin_time"] or 0)))
            for t in plan["terms"]
        )  # fmt: skip


@pytest.fixture
def commissions_on_sync():
    """The receiver the affiliates app connects in its AppConfig.ready, for this test whatever the app does."""
    orders_stored.connect(orders_stored_receiver, dispatch_uid="test-acceptance")
    yield
    orders_stored.disconnect(dispatch_uid="test-acceptance")


@pytest.mark.django_db(transaction=True)
def test_the_difference_list_is_exactly_the_emulators_miscomputed_set(live_sandbox, commissions_on_sync):
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    call_command("sandbox_seed", shop=APPID, secret=SECRET, days=5, orders=400, seed=5, miscompute=80, verbosity=0)
    wrong = platform.commission_anomalies(APPID)
    assert len(wrong) >= 5  # the seed gives a handful; the test means nothing without them

    plans_recorded(shop)
    talents_sync(shop=shop)
    engine.shop_sync(shop=shop)  # every stored page refreshes its orders' commission lines (orders_stored)

    lines = CommissionLine.objects.filter(shop=shop)
    entries = sum(len(p["order_detail"].get("commission_infos") or []) for p in platform.order_payloads(APPID))
    assert lines.count() == entries
    found = set(lines.filter(reason=Reason.PLATFORM_MISCOMPUTED).values_list("order_id", "sku_id", "party"))
    assert found == wrong
    assert list(lines.exclude(reason__in=[Reason.NONE, Reason.PLATFORM_MISCOMPUTED]).values_list("reason")) == []
    assert not lines.filter(reason=Reason.NONE).exclude(difference_fen=0).exists()

    # A whole-shop refresh finds the same.
    commission_lines_refresh(shop=shop)
    assert set(lines.exclude(reason=Reason.NONE).values_list("order_id", "sku_id", "party")) == wrong

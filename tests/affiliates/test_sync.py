"""An agency's own platform account synced through the core's sync engine, over real HTTP against the sandbox:
every stream equals the platform's rows; a run that dies resumes at its cursor; platform errors are recorded
(call log, cursor, alerts) and retried; the lease keeps a second run out."""

from collections import Counter
from datetime import timedelta

import pytest

from affiliates.models import (
    AgencyAlert,
    AgencyProduct,
    AgencySyncCursor,
    AgencySyncState,
    AgencyTalent,
    CommissionOrder,
    Cooperation,
    FundsFlow,
    Sharer,
)
from affiliates.sync import agency_subject, agency_sync
from sandbox.api.headsupplier import funds_flows
from sandbox.faults import faults_configure
from sandbox.models import Account, AgencyItem, TargetedFault
from sandbox.models import CommissionOrder as PlatformCommissionOrder
from sandbox.models import Cooperation as PlatformCooperation
from sandbox.services import shop_seed
from shopops.models import ApiCall
from shopops.sync import engine
from tests.factories import AgencyFactory, ShopFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

SHOP_A, SHOP_B = "wxagsyncshop00000a", "wxagsyncshop00000b"
AGENCY_APPID, AGENCY_SECRET = "wxagsyncagency0001", "a95ca5ecre7000000000000000000001"
ORDER_LIST = "/channels/ec/league/headsupplier/order/list/get"
ORDER_GET = "/channels/ec/league/headsupplier/order/get"
SIX_DAYS = timedelta(days=6)


class Crash(Exception):
    pass


def _seed(appid: str, *, days: int, orders: int) -> None:
    first = {"name": "星河带货机构", "appid": AGENCY_APPID, "secret": AGENCY_SECRET}
    shop_seed(appid=appid, seed=7, days=days, orders=orders, agencies=2, first_agency=first, miscompute_permille=100)


@pytest.fixture
def agency(live_sandbox):
    return AgencyFactory(name="星河带货机构", appid=AGENCY_APPID, app_secret=AGENCY_SECRET)


@pytest.fixture
def two_shops(agency):
    """The agency cooperates with two sandbox shops: A (20 days of orders, some commissions settled), a ShopOps
    shop too, and B (3 days), known to ShopOps only through the agency."""
    _seed(SHOP_A, days=20, orders=600)
    _seed(SHOP_B, days=3, orders=80)
    return agency, ShopFactory(appid=SHOP_A, app_secret="s" * 32)


@pytest.fixture
def recent(agency):
    """One shop whose agency commission orders (50 with this seed) were all updated in the last 5 days: one window
    of two pages (30 and the rest) when backfilled from 6 days ago."""
    _seed(SHOP_A, days=5, orders=600)
    assert 30 < len(_platform_orders()) <= 60
    return agency


@pytest.fixture
def quick_retries(settings):
    settings.WECHAT_BACKOFF_BASE = 0.01


def _account() -> Account:
    return Account.objects.get(appid=AGENCY_APPID)


def _platform_orders() -> dict:
    rows = PlatformCommissionOrder.objects.filter(agency__appid=AGENCY_APPID)
    return {(c.order_id, c.sku_id): c.payload for c in rows}


def _local_orders(agency) -> dict:
    return {(c.order_id, c.sku_id): c.raw for c in CommissionOrder.objects.filter(agency=agency)}


def _info(payload: dict) -> dict:
    return payload["order_detail"]["commission_info"]


def _answers(endpoint: str) -> list[int | None]:
    calls = ApiCall.objects.filter(appid=AGENCY_APPID, endpoint=endpoint).order_by("id")
    return list(calls.values_list("errcode", flat=True))


def _platform_fails(path: str, *, errcode: int, first_call: int = 1, times: int = 1) -> None:
    faults_configure(
        account=_account(), targeted=[TargetedFault(path=path, first_call=first_call, times=times, errcode=errcode)]
    )


# --- everything the account holds ---------------------------------------------------------------------------------


def test_a_full_run_stores_every_stream_equal_to_the_platform(two_shops):
    agency, shop_a = two_shops
    remote = _platform_orders()
    settled = [p for p in remote.values() if p["status"] == 100 and _info(p)["service_amount"] > 0]
    assert len(remote) > 40 and len(settled) > 5  # the seed gives every stream something to carry

    report = agency_sync(agency=agency)

    assert report.stopped == ""
    # Commission orders: every payload, parsed to the fen, with the expected amounts computed as they were stored.
    assert _local_orders(agency) == remote
    local = CommissionOrder.objects.filter(agency=agency)
    for column, total in {
        "actual_payment_fen": sum(p["order_detail"]["product_info"]["actual_payment"] for p in remote.values()),
        "service_amount_fen": sum(_info(p)["service_amount"] for p in remote.values()),
        "promoter_amount_fen": sum(
            _info(p)[f"{kind}_info"]["amount"]
            for p in remote.values()
            for kind in ("finder", "talent", "sharer")
            if f"{kind}_info" in _info(p)
        ),
    }.items():
        assert sum(local.values_list(column, flat=True)) == total, column
    kinds = Counter(k for p in remote.values() for k in ("finder", "talent", "sharer") if f"{k}_info" in _info(p))
    assert Counter(local.values_list("promoter_kind", flat=True)) == kinds
    sharer_order = local.filter(promoter_kind="sharer").first()
    sharer_info = _info(sharer_order.raw)["sharer_info"]
    assert (sharer_order.promoter_id, sharer_order.promoter_ratio_ppm, sharer_order.promoter_amount_fen) == (
        sharer_info["sharer_appid"],
        sharer_info["ratio"],
        sharer_info["amount"],
    )
    assert sharer_order.buyer_openid == sharer_order.raw["order_detail"]["buyer_info"]["open_id"]
    assert local.filter(expected_service_amount_fen=None).count() == 0  # commission_orders_reconcile ran
    assert local.filter(status=100, settled_at=None).count() == 0

    # Promoted products of both shops, with their commission terms.
    items = AgencyItem.objects.filter(agency__appid=AGENCY_APPID).select_related("shop")
    assert {
        (p.shop_appid, p.product_id): (p.status, p.ratio_ppm, p.service_ratio_ppm, p.link)
        for p in AgencyProduct.objects.filter(agency=agency)
    } == {
        (i.shop.appid, i.product_id): (i.status, i.ratio_ppm, i.service_ratio_ppm, i.payload["commission_info"]["link"])
        for i in items
    }

    # Cooperations: one row per shop, the ShopOps shop linked, the figures computed from the commission orders.
    def figures(appid):
        orders = [p for p in remote.values() if p["order_detail"]["shop_info"]["appid"] == appid]
        return (
            sum(p["order_detail"]["product_info"]["actual_payment"] for p in orders if p["status"] != 200),
            sum(_info(p)["service_amount"] for p in orders if p["status"] == 100),
            sum(_info(p)["service_amount"] for p in orders if p["status"] == 20),
            items.filter(shop__appid=appid).count(),
        )

    statuses = dict(PlatformCooperation.objects.filter(agency__appid=AGENCY_APPID).values_list("shop__appid", "status"))
    assert {
        c.shop_appid: (c.shop_id, c.agency_appid, c.status, c.gmv_fen, c.settled_fen, c.unsettled_fen, c.product_number)
        for c in Cooperation.objects.filter(agency=agency)
    } == {
        SHOP_A: (shop_a.pk, AGENCY_APPID, statuses[SHOP_A], *figures(SHOP_A)),
        SHOP_B: (None, AGENCY_APPID, statuses[SHOP_B], *figures(SHOP_B)),
    }

    # Bound talents and 推客: the seeded ones.
    promoters = _account().catalog["promoters"]
    assert set(AgencyTalent.objects.filter(agency=agency).values_list("talent_appid", flat=True)) == {
        t["info"]["talent_appid"] for t in promoters["talent"]
    }
    assert set(Sharer.objects.filter(agency=agency).values_list("sharer_appid", "nickname")) == {
        (s["info"]["sharer_appid"], s["info"]["nickname"]) for s in promoters["sharer"]
    }

    # Funds: one 分账 flow per settled commission order, the balance their sum, pending the unsettled fees.
    flows = funds_flows(_account())
    assert len(flows) == len(settled)
    assert {
        f.flow_id: (f.funds_type, f.amount_fen, f.balance_fen, f.order_id)
        for f in FundsFlow.objects.filter(agency=agency)
    } == {f["flow_id"]: (2, f["amount"], f["balance"], f["order_id"]) for f in flows}
    agency.refresh_from_db()
    assert agency.available_fen == sum(_info(p)["service_amount"] for p in settled) == flows[-1]["balance"]
    assert agency.pending_fen == sum(_info(p)["service_amount"] for p in remote.values() if p["status"] == 20)
    assert agency.funds_checked_at is not None

    # The calls are logged under the agency's AppID, with no shop.
    assert (
        ApiCall.objects.filter(appid=AGENCY_APPID, shop=None).count()
        == ApiCall.objects.filter(appid=AGENCY_APPID).count()
        > len(remote)
    )
    assert AgencySyncState.objects.get(agency=agency).lease_owner == ""

    # A second run finds the same rows (and keeps what ShopOps recorded on a cooperation).
    Cooperation.objects.filter(shop_appid=SHOP_B).update(reject_reason="recorded by ShopOps")
    rows = {
        model: set(model.objects.filter(agency=agency).values_list("pk", flat=True))
        for model in (CommissionOrder, AgencyProduct, Cooperation, AgencyTalent, Sharer, FundsFlow)
    }
    assert agency_sync(agency=agency).stopped == ""
    assert rows == {model: set(model.objects.filter(agency=agency).values_list("pk", flat=True)) for model in rows}
    assert _local_orders(agency) == remote
    assert Cooperation.objects.get(shop_appid=SHOP_B).reject_reason == "recorded by ShopOps"


def test_a_bound_sharer_no_longer_listed_is_removed_and_a_changed_setting_is_read_back(two_shops):
    agency, _ = two_shops
    assert agency_sync(agency=agency, streams=("sharers",)).stopped == ""
    account = _account()
    kept, gone = (s["info"]["sharer_appid"] for s in account.catalog["promoters"]["sharer"][:2])
    account.catalog["promoters"]["sharer"] = [
        s for s in account.catalog["promoters"]["sharer"] if s["info"]["sharer_appid"] != gone
    ]
    account.catalog["sharer_commission"] = {kept: [1, 3000]}
    account.save()

    assert agency_sync(agency=agency, streams=("sharers",)).stopped == ""

    sharers = {s.sharer_appid: (s.commission_type, s.commission_ratio) for s in Sharer.objects.filter(agency=agency)}
    assert gone not in sharers and sharers[kept] == (1, 3000) and len(sharers) == 2


# --- resuming, faults, the lease ------------------------------------------------------------------------------------


def test_a_run_that_dies_while_storing_resumes_at_the_first_page_not_stored(recent):
    agency = recent
    remote = _platform_orders()
    keys = []

    def crash_on_the_second_page(stream, cursor):
        keys.append(cursor.next_key)
        if len(keys) == 2:
            raise Crash

    with pytest.raises(Crash):
        agency_sync(
            agency=agency,
            streams=("commission_orders",),
            on_page=crash_on_the_second_page,
            backfill_since=engine.now() - SIX_DAYS,
        )

    # Page 1 is stored with its cursor; page 2 was lost with the crash.
    cursor = AgencySyncCursor.objects.get(agency=agency, stream="commission_orders")
    assert (CommissionOrder.objects.filter(agency=agency).count(), cursor.next_key, cursor.pages_done) == (
        30,
        keys[0],
        1,
    )
    stored = set(CommissionOrder.objects.filter(agency=agency).values_list("order_id", "sku_id"))
    listed_before = len(_answers(ORDER_LIST))

    report = agency_sync(agency=agency, streams=("commission_orders",))

    # Page 2 of the interrupted window, then one page for the minutes since (it starts OVERLAP earlier): page 1 is
    # neither listed nor fetched again.
    since = (cursor.window_end - engine.OVERLAP).timestamp()
    in_overlap = sum(1 for p in remote.values() if p["update_time"] >= since)
    assert (report.stopped, report.pages["commission_orders"]) == ("", 2)
    assert report.fetched["commission_orders"] == len(remote) - 30 + in_overlap
    assert len(_answers(ORDER_LIST)) == listed_before + 2
    assert _local_orders(agency) == remote
    assert stored < set(remote)
    cursor.refresh_from_db()
    assert (cursor.window_start, cursor.next_key, cursor.backfill_from) == (None, "", None)


def test_a_rate_limited_listing_is_recorded_paused_and_resumed(recent):
    agency = recent
    remote = _platform_orders()
    _platform_fails(ORDER_LIST, errcode=45011)
    started = engine.now()

    report = agency_sync(agency=agency, streams=("commission_orders",), backfill_since=engine.now() - SIX_DAYS)

    cursor = AgencySyncCursor.objects.get(agency=agency, stream="commission_orders")
    assert report.stopped == "RateLimitedError"
    assert cursor.last_error.startswith("RateLimitedError: errcode=45011")
    assert started < cursor.paused_until <= engine.now() + timedelta(minutes=1)
    assert _answers(ORDER_LIST) == [45011]
    assert CommissionOrder.objects.filter(agency=agency).count() == 0
    # Paused until the next minute: a run now does not call the platform.
    assert agency_sync(agency=agency, streams=("commission_orders",)).stopped == "paused"
    assert _answers(ORDER_LIST) == [45011]

    AgencySyncCursor.objects.filter(pk=cursor.pk).update(paused_until=engine.now())
    report = agency_sync(agency=agency, streams=("commission_orders",))

    assert report.stopped == "" and _local_orders(agency) == remote
    assert _answers(ORDER_LIST)[:2] == [45011, 0]


def test_a_transient_error_on_the_listing_is_retried_within_the_run(recent, quick_retries):
    agency = recent
    _platform_fails(ORDER_LIST, errcode=-1, times=2)

    report = agency_sync(agency=agency, streams=("commission_orders",), backfill_since=engine.now() - SIX_DAYS)

    assert report.stopped == "" and _local_orders(agency) == _platform_orders()
    assert _answers(ORDER_LIST)[:3] == [-1, -1, 0]


def test_rejected_credentials_raise_an_alert_that_a_good_run_resolves(recent):
    agency = recent
    agency.app_secret = "0" * 32
    agency.save()

    report = agency_sync(agency=agency, streams=("balance",))

    assert report.stopped == "CredentialError"
    alert = AgencyAlert.objects.get(agency=agency)
    assert (alert.kind, alert.resolved_at) == (AgencyAlert.Kind.CREDENTIALS, None)
    assert AgencySyncState.objects.get(agency=agency).consecutive_failures == 1
    assert AgencySyncCursor.objects.get(agency=agency, stream="balance").last_error.startswith("CredentialError")

    agency.app_secret = AGENCY_SECRET
    agency.save()
    assert agency_sync(agency=agency, streams=("balance",)).stopped == ""

    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert AgencySyncState.objects.get(agency=agency).consecutive_failures == 0


def test_a_second_run_while_one_holds_the_lease_changes_nothing(recent):
    agency = recent
    holder = engine.lease_owner_new()  # this process: alive, so its lease is not taken over
    assert engine.subject_lease_acquire(subject=agency_subject(agency), owner=holder) is True
    before = snapshot()

    report = agency_sync(agency=agency, backfill_since=engine.now() - SIX_DAYS)

    assert report.stopped == "busy"
    assert changes(before, snapshot()) == {}
    assert ApiCall.objects.filter(appid=AGENCY_APPID).count() == 0
    # Once released, the next run goes through.
    engine.subject_lease_release(subject=agency_subject(agency), owner=holder)
    assert agency_sync(agency=agency, streams=("commission_orders",)).stopped == ""


def test_an_agency_without_credentials_is_not_synced(db):
    agency = AgencyFactory(appid="")
    assert agency_sync(agency=agency).stopped == "not connected"
    assert not AgencySyncState.objects.exists()

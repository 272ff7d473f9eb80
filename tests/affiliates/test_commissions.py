"""Commission reconciliation (affiliates.services.commissions): the merchant's commission lines from orders'
``commission_infos`` beside the amounts the plan terms in force at pay time give, with the reason for every
difference; and the agency's commission orders checked against their own ratios. Exact values throughout."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from affiliates.models import CommissionLine, CommissionOrder, PlanTerms, PromotionPlan, Reason, Talent
from affiliates.services.commissions import (
    commission_lines_reconcile,
    commission_lines_refresh,
    commission_orders_reconcile,
    orders_stored_receiver,
)
from shopops.models import Order
from shopops.money import PPM_PER_PERCENT, commission_fen
from shopops.sync.store import orders_stored
from tests.factories import ORDER_T0, AfterSaleFactory, AgencyFactory, OrderFactory, OrderLineFactory, ShopFactory

pytestmark = pytest.mark.django_db

PRODUCT = "10000001"
TALENT = "wxtalent000000001"
FINDER = "sphFinder001"
AGENCY = "wxagency000000001"
PAID_AT = ORDER_T0 + timedelta(minutes=1)


# --- builders -----------------------------------------------------------------------------------------------------


def plan(shop, *, type=1, ratio=10, service=None, talents=(), agency="", since=None, until=None, listed=True):
    """A plan of PRODUCT with one terms row valid from ``since`` (a day before ORDER_T0) until ``until``."""
    plan = PromotionPlan.objects.create(
        shop=shop,
        type=type,
        product_id=PRODUCT,
        info_id=f"info{PromotionPlan.objects.count()}" if type != 1 else "",
        headsupplier_appid=agency,
        status=PromotionPlan.Status.LISTED,
        ratio_percent=ratio,
        service_ratio_percent=service,
        talent_appids=list(talents),
    )
    terms(plan, ratio=ratio, service=service, since=since, until=until, listed=listed)
    return plan


def terms(plan, *, ratio, service=None, since=None, until=None, listed=True):
    return PlanTerms.objects.create(
        shop=plan.shop,
        plan=plan,
        product_id=plan.product_id,
        type=plan.type,
        listed=listed,
        ratio_percent=ratio,
        service_ratio_percent=service,
        talent_appids=plan.talent_appids,
        headsupplier_appid=plan.headsupplier_appid,
        valid_from=since or ORDER_T0 - timedelta(days=1),
        valid_to=until,
    )


def entry(*, type=0, amount, status=1, talent_id="", finder_id="", openfinderid="", agency_id="", nickname="达人"):
    return {
        "sku_id": "",  # filled by order()
        "nickname": nickname,
        "type": type,
        "status": status,
        "amount": amount,
        "finder_id": finder_id,
        "openfinderid": openfinderid,
        "talent_id": talent_id,
        "agency_id": agency_id,
    }


def order(shop, *entries, paid=10000, sku="40000001", pay_time=PAID_AT, **order_fields):
    """An order of PRODUCT with one line of ``paid`` fen carrying ``entries``, paid at ``pay_time`` (the factory's
    own pay time follows a sequence shared by the whole test session: after enough orders of earlier tests it
    passed PAID_AT + 1 hour, and a plan's terms changed before the order was paid)."""
    o = OrderFactory(shop=shop, **order_fields)
    Order.objects.filter(pk=o.pk).update(pay_time=pay_time)
    infos = [{**e, "sku_id": sku} for e in entries]
    OrderLineFactory(order=o, product_id=PRODUCT, sku_id=sku, real_price_fen=paid, commission_infos=infos)
    return o


def line(o, party=0) -> CommissionLine:
    return CommissionLine.objects.get(order_id=o.order_id, party=party)


def summary(o, party=0) -> tuple:
    c = line(o, party)
    return (c.paid_fen, c.refunded_fen, c.platform_amount_fen, c.expected_ratio_ppm, c.expected_amount_fen,
            c.difference_fen, c.reason)  # fmt: skip


@pytest.fixture
def shop():
    return ShopFactory(appid="wxshop00000000001")


# --- merchant side ------------------------------------------------------------------------------------------------


def test_a_talent_line_under_the_open_plan_matches_to_the_fen(shop):
    plan(shop, ratio=15)
    o = order(shop, entry(amount=299, talent_id=TALENT, nickname="小鹿"), paid=1999)

    commission_lines_refresh(shop=shop)

    c = line(o)
    assert (c.sku_id, c.product_id, c.party, c.party_id, c.nickname, c.agency_appid, c.status) == (
        "40000001", PRODUCT, 0, TALENT, "小鹿", "", 1,
    )  # fmt: skip
    assert c.pay_time == Order.objects.get(pk=o.pk).pay_time
    # 1999 × 15% = 299.85 → 299 (commission_fen's floor)
    assert summary(o) == (1999, 0, 299, 150_000, 299, 0, "")
    assert c.terms == PlanTerms.objects.get()


def test_a_targeted_plan_naming_the_talent_beats_the_open_plan(shop):
    plan(shop, ratio=10)
    plan(shop, type=2, ratio=20, talents=[TALENT])
    named = order(shop, entry(amount=2000, talent_id=TALENT))
    other = order(shop, entry(amount=1000, talent_id="wxsomebodyelse001"))

    commission_lines_refresh(shop=shop)

    assert summary(named) == (10000, 0, 2000, 200_000, 2000, 0, "")
    assert summary(other) == (10000, 0, 1000, 100_000, 1000, 0, "")


def test_a_channels_account_is_matched_to_its_talent_for_a_targeted_plan(shop):
    Talent.objects.create(shop=shop, talent_appid=TALENT, finder_id=FINDER)
    plan(shop, ratio=10)
    plan(shop, type=3, ratio=25, talents=[TALENT])
    o = order(shop, entry(amount=2500, finder_id=FINDER, openfinderid="ofXYZ"))

    commission_lines_refresh(shop=shop)

    assert (line(o).party_id, summary(o)) == (FINDER, (10000, 0, 2500, 250_000, 2500, 0, ""))


def test_an_agency_sale_takes_the_agency_plan_ratio_and_service_ratio(shop):
    plan(shop, ratio=30)  # the open plan does not apply to an agency's sale
    plan(shop, ratio=12, service=3, agency=AGENCY)
    o = order(shop, entry(amount=1200, finder_id=FINDER), entry(type=1, amount=300, agency_id=AGENCY), paid=10000)

    commission_lines_refresh(shop=shop)

    assert (line(o, 0).agency_appid, line(o, 1).agency_appid, line(o, 1).party_id) == (AGENCY, AGENCY, AGENCY)
    assert summary(o, 0) == (10000, 0, 1200, 120_000, 1200, 0, "")
    assert summary(o, 1) == (10000, 0, 300, 30_000, 300, 0, "")


def test_the_terms_in_force_at_pay_time_count(shop):
    changed_at = PAID_AT + timedelta(hours=1)
    p = plan(shop, ratio=10, until=changed_at)
    terms(p, ratio=20, since=changed_at)
    before = order(shop, entry(amount=1000, talent_id=TALENT), pay_time=changed_at - timedelta(seconds=1))
    at = order(shop, entry(amount=2000, talent_id=TALENT), pay_time=changed_at)

    commission_lines_refresh(shop=shop)

    assert summary(before) == (10000, 0, 1000, 100_000, 1000, 0, "")
    assert summary(at) == (10000, 0, 2000, 200_000, 2000, 0, "")


def test_refunds_that_reached_the_buyer_reduce_the_base(shop):
    plan(shop, ratio=10)
    o = order(shop, entry(amount=700, talent_id=TALENT), paid=10000)
    sku = "40000001"
    AfterSaleFactory(
        shop=shop, order_id=o.order_id, sku_id=sku, status="MERCHANT_REFUND_SUCCESS", refund_amount_fen=2000
    )
    AfterSaleFactory(
        shop=shop, order_id=o.order_id, sku_id=sku, status="MERCHANT_RETURN_SUCCESS", refund_amount_fen=1000
    )
    AfterSaleFactory(shop=shop, order_id=o.order_id, sku_id=sku, status="USER_CANCELD", refund_amount_fen=5000)

    commission_lines_refresh(shop=shop)

    # base 10000 − 3000 = 7000; the cancelled after-sale refunded nothing
    assert summary(o) == (10000, 3000, 700, 100_000, 700, 0, "")


def test_a_refund_is_never_more_than_was_paid(shop):
    plan(shop, ratio=10)
    o = order(shop, entry(amount=0, talent_id=TALENT), paid=1000)
    AfterSaleFactory(shop=shop, order_id=o.order_id, sku_id="40000001", status="MERCHANT_REFUND_SUCCESS",
                     refund_amount_fen=1500)  # fmt: skip

    commission_lines_refresh(shop=shop)

    assert summary(o) == (1000, 1000, 0, 100_000, 0, 0, "")


def test_refund_clawback_both_ways(shop):
    plan(shop, ratio=10)
    # The platform has not clawed back a refund we hold: it still pays on the whole 10000.
    not_yet = order(shop, entry(amount=1000, talent_id=TALENT), paid=10000)
    AfterSaleFactory(shop=shop, order_id=not_yet.order_id, sku_id="40000001", status="MERCHANT_REFUND_SUCCESS",
                     refund_amount_fen=4000)  # fmt: skip
    # The platform clawed back a refund still in after-sale on our side.
    ahead = order(shop, entry(amount=600, talent_id=TALENT), paid=10000)
    AfterSaleFactory(shop=shop, order_id=ahead.order_id, sku_id="40000001", status="MERCHANT_PROCESSING",
                     refund_amount_fen=4000)  # fmt: skip

    commission_lines_refresh(shop=shop)

    assert summary(not_yet) == (10000, 4000, 1000, 100_000, 600, 400, Reason.REFUND_CLAWBACK)
    assert summary(ahead) == (10000, 0, 600, 100_000, 1000, -400, Reason.REFUND_CLAWBACK)


def test_plan_changed_when_the_amount_matches_other_terms_of_the_plan(shop):
    changed_at = PAID_AT + timedelta(hours=1)
    p = plan(shop, ratio=10, until=changed_at)
    terms(p, ratio=20, since=changed_at)
    o = order(shop, entry(amount=2000, talent_id=TALENT), paid=10000)  # paid under 10%, paid out at 20%

    commission_lines_refresh(shop=shop)

    assert summary(o) == (10000, 0, 2000, 100_000, 1000, 1000, Reason.PLAN_CHANGED)


def test_no_plan_in_force(shop):
    plan(shop, ratio=10, listed=False)  # delisted at pay time
    o = order(shop, entry(amount=500, talent_id=TALENT))
    nothing = order(shop, entry(amount=0, talent_id=TALENT), sku="40000002")

    commission_lines_refresh(shop=shop)

    assert summary(o) == (10000, 0, 500, None, None, 500, Reason.NO_PLAN)
    assert line(o).terms is None
    assert summary(nothing) == (10000, 0, 0, None, None, 0, "")


def test_anything_else_is_a_platform_miscomputation(shop):
    plan(shop, ratio=15)
    o = order(shop, entry(amount=300, talent_id=TALENT), paid=1999)  # 299 expected

    commission_lines_refresh(shop=shop)

    assert summary(o) == (1999, 0, 300, 150_000, 299, 1, Reason.PLATFORM_MISCOMPUTED)


def test_one_line_per_sku_and_party_the_sku_paid_over_its_lines(shop):
    plan(shop, ratio=10)
    o = order(shop, entry(amount=1500, talent_id=TALENT), paid=10000)
    infos = Order.objects.get(pk=o.pk).lines.get().commission_infos
    OrderLineFactory(order=o, product_id=PRODUCT, sku_id="40000001", real_price_fen=5000, commission_infos=infos)

    commission_lines_refresh(shop=shop)

    assert CommissionLine.objects.count() == 1
    assert summary(o) == (15000, 0, 1500, 100_000, 1500, 0, "")


def test_refreshing_again_writes_nothing_and_follows_changes(shop):
    plan(shop, ratio=10)
    o = order(shop, entry(amount=1000, talent_id=TALENT), entry(type=1, amount=0, agency_id=AGENCY))
    commission_lines_refresh(shop=shop)
    first = {c.pk: c.synced_at for c in CommissionLine.objects.all()}

    commission_lines_refresh(shop=shop)

    assert {c.pk: c.synced_at for c in CommissionLine.objects.all()} == first
    assert commission_lines_reconcile(shop=shop) == 0

    # The agency entry goes: its line goes; the talent line is no longer an agency sale.
    order_line = Order.objects.get(pk=o.pk).lines.get()
    order_line.commission_infos = order_line.commission_infos[:1]
    order_line.save()
    commission_lines_refresh(shop=shop, order_ids=[o.order_id])

    assert list(CommissionLine.objects.values_list("party", "agency_appid", "reason")) == [(0, "", "")]


def test_a_scoped_refresh_touches_only_those_orders(shop):
    plan(shop, ratio=10)
    a = order(shop, entry(amount=1000, talent_id=TALENT))
    b = order(shop, entry(amount=1000, talent_id=TALENT))

    commission_lines_refresh(shop=shop, order_ids=[a.order_id])

    assert list(CommissionLine.objects.values_list("order_id", flat=True)) == [a.order_id]
    assert not CommissionLine.objects.filter(order_id=b.order_id).exists()


def test_other_shops_are_left_alone(shop):
    other = ShopFactory()
    plan(shop, ratio=10)
    mine = order(shop, entry(amount=1000, talent_id=TALENT))
    theirs = order(other, entry(amount=1000, talent_id=TALENT))

    commission_lines_refresh(shop=shop)

    assert list(CommissionLine.objects.values_list("shop_id", "order_id")) == [(shop.pk, mine.order_id)]
    commission_lines_refresh(shop=other)
    assert summary(theirs) == (10000, 0, 1000, None, None, 1000, Reason.NO_PLAN)  # the plan is the first shop's


def test_the_refresh_runs_a_fixed_number_of_statements(shop):
    plan(shop, ratio=10)
    orders = [order(shop, entry(amount=1000, talent_id=TALENT), sku=f"4{i:07d}") for i in range(30)]

    with CaptureQueriesContext(connection) as few:
        commission_lines_refresh(shop=shop, order_ids=[o.order_id for o in orders[:3]])
    with CaptureQueriesContext(connection) as many:
        commission_lines_refresh(shop=shop, order_ids=[o.order_id for o in orders])
    empty = ShopFactory()
    with CaptureQueriesContext(connection) as some_shop:
        commission_lines_refresh(shop=empty)
    with CaptureQueriesContext(connection) as whole_shop:
        commission_lines_refresh(shop=shop)

    assert (CommissionLine.objects.count(), len(few), len(some_shop)) == (30, len(many), len(whole_shop))


def test_self_referral_is_copied_from_the_agency_commission_order(shop):
    agency = AgencyFactory(appid=AGENCY)
    plan(shop, ratio=12, service=3, agency=AGENCY)
    o = order(shop, entry(amount=1200), entry(type=1, amount=300, agency_id=AGENCY))
    commission_order(agency, order_id=o.order_id, sku_id="40000001", shop_appid=shop.appid, self_referral=True)

    commission_lines_refresh(shop=shop)

    assert list(CommissionLine.objects.order_by("party").values_list("party", "party_id", "self_referral")) == [
        (0, "", True),
        (1, AGENCY, True),
    ]


def test_the_sync_signal_refreshes_the_stored_orders(shop):
    plan(shop, ratio=10)
    o = order(shop, entry(amount=1000, talent_id=TALENT))
    orders_stored.connect(orders_stored_receiver, dispatch_uid="test-commissions")
    try:
        orders_stored.send(sender=Order, shop=shop, order_ids=[o.order_id])
    finally:
        orders_stored.disconnect(dispatch_uid="test-commissions")

    assert summary(o) == (10000, 0, 1000, 100_000, 1000, 0, "")


@settings(max_examples=40, deadline=None)
@given(base=st.integers(0, 10**10), percent=st.integers(0, 90))
def test_the_sql_floor_is_commission_fen(base, percent):
    shop = ShopFactory()
    plan(shop, ratio=percent)
    o = order(shop, entry(amount=0, talent_id=TALENT), paid=base)

    commission_lines_refresh(shop=shop)

    assert line(o).expected_amount_fen == commission_fen(base, percent * PPM_PER_PERCENT)


# --- agency side ----------------------------------------------------------------------------------------------------


def commission_order(agency, **fields) -> CommissionOrder:
    now = timezone.now()
    values = {
        "order_id": "3700000000000000001",
        "sku_id": "40000001",
        "shop_appid": "wxshop00000000001",
        "product_id": PRODUCT,
        "status": CommissionOrder.Status.UNSETTLED,
        "create_time": now,
        "update_time": now,
        "actual_payment_fen": 0,
        "raw": {},
        "synced_at": now,
        **fields,
    }
    return CommissionOrder.objects.create(agency=agency, **values)


def test_agency_orders_are_checked_against_their_own_ratios():
    agency = AgencyFactory(appid=AGENCY)
    ok = commission_order(agency, order_id="1", actual_payment_fen=1999, promoter_ratio_ppm=150_000,
                          promoter_amount_fen=299, service_ratio_ppm=30_000, service_amount_fen=59)  # fmt: skip
    wrong = commission_order(agency, order_id="2", actual_payment_fen=10000, promoter_ratio_ppm=100_000,
                             promoter_amount_fen=1003, service_ratio_ppm=20_000, service_amount_fen=200)  # fmt: skip
    untouched = commission_order(AgencyFactory(), order_id="3", actual_payment_fen=100, promoter_ratio_ppm=100_000)

    assert commission_orders_reconcile(agency=agency) == 2

    def checked(o):
        o.refresh_from_db()
        return (o.expected_service_amount_fen, o.expected_promoter_amount_fen, o.difference_fen, o.reason)

    assert checked(ok) == (59, 299, 0, "")
    assert checked(wrong) == (200, 1000, 3, Reason.PLATFORM_MISCOMPUTED)
    assert checked(untouched) == (None, None, 0, "")


def test_agency_reconcile_by_keys_and_self_referral():
    agency = AgencyFactory(appid=AGENCY)
    raw = {"order_detail": {"commission_info": {"sharer_info": {"opensharerid": "osBuyer"}}}}
    self_sold = commission_order(agency, order_id="1", promoter_kind="sharer", promoter_id="wxsharer",
                                 buyer_openid="osBuyer", raw=raw)  # fmt: skip
    by_id = commission_order(agency, order_id="2", promoter_kind="sharer", promoter_id="osOther",
                             buyer_openid="osOther")  # fmt: skip
    finder = commission_order(agency, order_id="3", promoter_kind="finder", promoter_id="osX", buyer_openid="osX")
    not_asked = commission_order(agency, order_id="4", promoter_kind="sharer", promoter_id="osY", buyer_openid="osY")

    keys = [("1", "40000001"), ("2", "40000001"), ("3", "40000001")]
    assert commission_orders_reconcile(agency=agency, keys=keys) == 3

    flags = dict(CommissionOrder.objects.values_list("order_id", "self_referral"))
    assert flags == {self_sold.order_id: True, by_id.order_id: True, finder.order_id: False, not_asked.order_id: False}

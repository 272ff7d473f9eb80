"""Every platform rule of promotion plans is refused by the console BEFORE any call: the stable code, no HTTP
attempt (no call-log row) and nothing changed. The same inputs sent straight to the emulator are refused with the
platform's errcode in tests/affiliates/test_plans_platform.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from affiliates.models import PromotionPlan
from affiliates.services import plans as services
from affiliates.services.plans import Period, PlanItem
from shopops.models import ApiCall
from tests.affiliates.plans_support import T0, cooperation, plan, refused, talent
from tests.factories import ProductFactory, ShopFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

Type, Status = PromotionPlan.Type, PromotionPlan.Status


@pytest.fixture
def shop():
    # Connected, so a rule that failed to refuse would reach for the network (and leave an ApiCall row).
    return ShopFactory(appid="wxplanrules0000001", app_secret="r" * 32)


@pytest.fixture
def products(shop):
    return [ProductFactory(shop=shop, product_id=f"p{n}") for n in range(25)]


def refused_before_call(call) -> tuple[str | None, str]:
    before = snapshot()
    outcome = refused(call)
    assert changes(before, snapshot()) == {}
    assert ApiCall.objects.count() == 0
    return outcome


def create(shop, *items, type=Type.NORMAL, talents=(), period=None):
    return lambda: services.plans_create(
        shop=shop,
        type=type,
        items=[PlanItem(product_id, ratio) for product_id, ratio in items],
        talent_appids=list(talents),
        period=period or Period(),
    )


@pytest.mark.parametrize("ratio", [-1, 91, 100])
def test_ratio_is_a_whole_percent_from_0_to_90(shop, products, ratio):
    assert refused_before_call(create(shop, ("p0", ratio))) == ("items", "ratio_out_of_range")


def test_a_batch_has_1_to_20_products(shop, products):
    assert refused_before_call(create(shop)) == ("items", "no_products")
    assert refused_before_call(create(shop, *[(f"p{n}", 10) for n in range(21)])) == ("items", "too_many_products")


def test_a_product_once_per_batch(shop, products):
    assert refused_before_call(create(shop, ("p0", 10), ("p1", 10), ("p0", 12))) == ("items", "duplicate_product")


def test_the_product_exists_and_is_on_sale(shop, products):
    ProductFactory(shop=shop, product_id="off", status=11)
    ProductFactory(shop=shop, product_id="gone", deleted=True)
    ProductFactory(product_id="elsewhere")  # another shop's product

    assert refused_before_call(create(shop, ("p0", 10), ("nope", 10))) == ("items", "unknown_product")
    assert refused_before_call(create(shop, ("gone", 10))) == ("items", "unknown_product")
    assert refused_before_call(create(shop, ("elsewhere", 10))) == ("items", "unknown_product")
    assert refused_before_call(create(shop, ("off", 10))) == ("items", "product_not_listed")


def test_exclusive_excludes_open_and_targeted_both_ways(shop, products):
    talent(shop, "talent-a")
    plan(shop, "p0", type=Type.NORMAL)
    plan(shop, "p1", type=Type.TARGETED, info_id="i1", talent_appids=["talent-a"])
    plan(shop, "p2", type=Type.EXCLUSIVE, info_id="i2", talent_appids=["talent-a"], status=Status.DELISTED)
    plan(shop, "p3", type=Type.EXCLUSIVE, info_id="i3", talent_appids=["talent-a"], status=Status.DELETED)

    for product_id in ("p0", "p1"):
        assert refused_before_call(create(shop, (product_id, 10), type=Type.EXCLUSIVE, talents=["talent-a"])) == (
            "items",
            "exclusive_conflict",
        )
    assert refused_before_call(create(shop, ("p2", 10), type=Type.NORMAL)) == ("items", "exclusive_conflict")
    plan(shop, "p4", type=Type.NORMAL)
    plan(shop, "p4", type=Type.EXCLUSIVE, info_id="i4", status=Status.PENDING)  # as the platform might have it
    assert refused_before_call(create(shop, ("p4", 10), type=Type.TARGETED, talents=["talent-a"])) == (
        "items",
        "exclusive_conflict",
    )


def test_targeted_needs_a_listed_open_plan(shop, products):
    talent(shop, "talent-a")
    plan(shop, "p1", type=Type.NORMAL, status=Status.DELISTED)

    for product_id in ("p0", "p1"):
        assert refused_before_call(create(shop, (product_id, 10), type=Type.TARGETED, talents=["talent-a"])) == (
            "items",
            "normal_plan_not_listed",
        )


def test_targeted_and_exclusive_name_1_to_30_valid_talents(shop, products):
    for n in range(31):
        talent(shop, f"t{n}")
    talent(shop, "invited", status=1)
    talent(shop, "ended", status=5)
    talent(shop, "blacklisted", blacklisted=True)
    talent(ShopFactory(), "someone-elses")
    exclusive = {"type": Type.EXCLUSIVE}

    assert refused_before_call(create(shop, ("p0", 10), **exclusive)) == ("talent_appids", "talents_required")
    assert refused_before_call(create(shop, ("p0", 10), talents=[f"t{n}" for n in range(31)], **exclusive)) == (
        "talent_appids",
        "too_many_talents",
    )
    for appid in ("invited", "ended", "blacklisted", "someone-elses", "unknown"):
        assert refused_before_call(create(shop, ("p0", 10), talents=["t0", appid], **exclusive)) == (
            "talent_appids",
            "invalid_talent",
        )


def test_a_period_ends_after_it_starts_and_in_the_future(shop, products):
    future = timezone.now() + timedelta(days=30)
    backwards = Period(begin_time=future, end_time=future - timedelta(days=1), forever=False)
    same = Period(begin_time=future, end_time=future, forever=False)
    open_ended = Period(begin_time=future, end_time=None, forever=False)
    over = Period(begin_time=T0 - timedelta(days=30), end_time=T0, forever=False)  # T0 is in the past

    for period in (backwards, same, open_ended, over):
        assert refused_before_call(create(shop, ("p0", 10), period=period)) == ("end_time", "period_invalid")


def test_a_talent_is_in_one_targeted_or_exclusive_plan_of_a_product(shop, products):
    talent(shop, "talent-a")
    talent(shop, "talent-b")
    plan(shop, "p0", type=Type.NORMAL)
    plan(shop, "p0", type=Type.TARGETED, info_id="i0", talent_appids=["talent-a"], status=Status.DELISTED)
    other = plan(shop, "p0", type=Type.TARGETED, info_id="i1", talent_appids=["talent-b"])

    assert refused_before_call(create(shop, ("p0", 10), type=Type.TARGETED, talents=["talent-b", "talent-a"])) == (
        "talent_appids",
        "talent_in_other_plan",
    )
    assert refused_before_call(
        lambda: services.plan_update(
            plan=other, ratio_percent=10, period=Period(), talent_appids=["talent-b", "talent-a"]
        )
    ) == ("talent_appids", "talent_in_other_plan")


def test_one_open_plan_per_product(shop, products):
    plan(shop, "p0", type=Type.NORMAL, status=Status.DELISTED)

    assert refused_before_call(create(shop, ("p0", 10))) == ("items", "plan_exists")


def test_agency_plans_go_to_a_cooperating_agency_with_both_ratios(shop, products):
    cooperation(shop, "wxagency000000001")
    cooperation(shop, "wxagency000000002", status=1)
    cooperation(ShopFactory(), "wxagency000000003")

    def offer(appid, *items):
        return lambda: services.agency_plans_create(
            shop=shop, headsupplier_appid=appid, items=[PlanItem(*item) for item in items], commission_type=1
        )

    for appid in ("wxagency000000002", "wxagency000000003", "wxunknown"):
        assert refused_before_call(offer(appid, ("p0", 10, 5))) == ("headsupplier_appid", "agency_not_cooperating")
    assert refused_before_call(offer("wxagency000000001", ("p0", 10, 91))) == ("items", "ratio_out_of_range")
    assert refused_before_call(offer("wxagency000000001", ("p0", 10, None))) == ("items", "ratio_out_of_range")
    assert refused_before_call(offer("wxagency000000001", ("p0", 95, 5))) == ("items", "ratio_out_of_range")
    assert refused_before_call(offer("wxagency000000001", ("p0", 10, 5), ("p0", 10, 5))) == (
        "items",
        "duplicate_product",
    )
    assert refused_before_call(offer("wxagency000000001", ("nope", 10, 5))) == ("items", "unknown_product")


def test_changes_check_the_same_rules_first(shop, products):
    talent(shop, "talent-a")
    open_plan = plan(shop, "p0", type=Type.NORMAL, status=Status.DELISTED)
    targeted = plan(shop, "p0", type=Type.TARGETED, info_id="i0", status=Status.DELISTED, talent_appids=["talent-a"])
    agency_plan = plan(shop, "p1", headsupplier_appid="wxagency000000001", service_ratio_percent=5)
    deleted = plan(shop, "p2", status=Status.DELETED)

    assert refused_before_call(lambda: services.plan_relist(plan=targeted)) == ("items", "normal_plan_not_listed")
    ProductFactory(shop=shop, product_id="off", status=11)
    off_sale = plan(shop, "off", status=Status.DELISTED)
    assert refused_before_call(lambda: services.plan_relist(plan=off_sale)) == ("items", "product_not_listed")
    assert refused_before_call(lambda: services.plan_update(plan=open_plan, ratio_percent=91, period=Period())) == (
        "ratio_percent",
        "ratio_out_of_range",
    )
    assert refused_before_call(
        lambda: services.plan_update(plan=targeted, ratio_percent=10, period=Period(), talent_appids=[])
    ) == ("items", "normal_plan_not_listed")
    assert refused_before_call(lambda: services.plan_delist(plan=open_plan)) == (None, "wrong_status")
    listed = plan(shop, "p3")
    assert refused_before_call(lambda: services.plan_relist(plan=listed)) == (None, "wrong_status")
    for row in (agency_plan, deleted):
        assert refused_before_call(lambda row=row: services.plan_delete(plan=row)) == (None, "not_editable")


def test_a_shop_without_credentials_is_refused_before_any_call():
    shop = ShopFactory(appid="", app_secret="")
    ProductFactory(shop=shop, product_id="p0")

    assert refused_before_call(create(shop, ("p0", 10))) == (None, "not_connected")

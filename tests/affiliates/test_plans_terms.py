"""The terms in force at a moment (affiliates.selectors.plans): what a commission line is checked against, by the
documented precedence — an agency plan for an agency line; a 专属/定向 plan naming the talent beats 普通; terms apply
on [valid_from, valid_to) and only when listed. The set-based variant and the SQL subquery agree with it."""

from datetime import timedelta

import pytest
from django.db.models import OuterRef, Value

from affiliates.models import PlanTerms, PromotionPlan
from affiliates.selectors.plans import plan_terms_at, plan_terms_in_force, plan_terms_subquery
from tests.affiliates.plans_support import T0, plan, terms
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

Type = PromotionPlan.Type
DAY = timedelta(days=1)


@pytest.fixture
def shop():
    return ShopFactory()


@pytest.fixture
def history(shop):
    """Product p0: 普通 10% from T0, 12% from T0+2d; 定向 for talent-a 20% from T0+1d to T0+3d, delisted from T0+3d;
    agency plan 15% from T0. Product p1: 专属 for talent-b 30% from T0+1d. Another shop: 普通 50% for p0."""
    normal = plan(shop, "p0", ratio_percent=12)
    terms(normal, valid_from=T0, valid_to=T0 + 2 * DAY, ratio_percent=10)
    terms(normal, valid_from=T0 + 2 * DAY)
    targeted = plan(shop, "p0", type=Type.TARGETED, info_id="i0", ratio_percent=20, talent_appids=["talent-a", "x"])
    terms(targeted, valid_from=T0 + DAY, valid_to=T0 + 3 * DAY)
    terms(targeted, valid_from=T0 + 3 * DAY, listed=False)
    agency = plan(shop, "p0", ratio_percent=15, service_ratio_percent=5, headsupplier_appid="wxagency1")
    terms(agency, valid_from=T0)
    exclusive = plan(shop, "p1", type=Type.EXCLUSIVE, info_id="i1", ratio_percent=30, talent_appids=["talent-b"])
    terms(exclusive, valid_from=T0 + DAY)
    terms(plan(ShopFactory(), "p0", ratio_percent=50), valid_from=T0)
    return shop


CASES = [
    # (product, talent, at, agency) → ratio in force (None: no plan)
    (("p0", "", T0 - DAY, ""), None),  # before any plan
    (("p0", "", T0, ""), 10),  # valid_from is inclusive
    (("p0", "talent-a", T0 + DAY / 2, ""), 10),  # the 定向 plan has not started
    (("p0", "talent-a", T0 + DAY, ""), 20),  # 定向 naming the talent beats 普通
    (("p0", "talent-z", T0 + DAY, ""), 10),  # another talent: 普通
    (("p0", "talent-a", T0 + 2 * DAY, ""), 20),
    (("p0", "", T0 + 2 * DAY, ""), 12),  # valid_to is exclusive: the new 普通 terms
    (("p0", "talent-a", T0 + 3 * DAY, ""), 12),  # the 定向 plan was delisted: 普通 again
    (("p0", "", T0 + DAY, "wxagency1"), 15),  # an agency line: the agency's plan
    (("p0", "talent-a", T0 + DAY, "wxagency2"), None),  # an agency without a plan: none (never 普通)
    (("p1", "talent-b", T0 + 2 * DAY, ""), 30),  # 专属 naming the talent
    (("p1", "talent-a", T0 + 2 * DAY, ""), None),  # 专属 only: no plan for anyone else
    (("p9", "talent-a", T0 + 2 * DAY, ""), None),
]


def test_plan_terms_at_follows_the_precedence(history):
    found = [
        plan_terms_at(history, product, talent, at, agency_appid=agency) for (product, talent, at, agency), _ in CASES
    ]

    assert [t.ratio_percent if t else None for t in found] == [ratio for _, ratio in CASES]


def test_the_set_based_lookup_agrees_in_one_query(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = plan_terms_in_force(shop=history, lines=[line for line, _ in CASES])

    assert [t.ratio_percent if t else None for t in found] == [ratio for _, ratio in CASES]


def test_the_sql_subquery_agrees(history):
    # Each case as a row of an outer query: the terms rows themselves serve as a carrier of a product id, with the
    # talent, moment and agency given as values.
    for (product, talent, at, agency), ratio in CASES:
        carrier = PlanTerms.objects.filter(pk=PlanTerms.objects.order_by("pk").values("pk")[:1])
        found = carrier.annotate(
            terms_pk=plan_terms_subquery(
                shop_id=history.pk, product_id=Value(product), talent_appid=Value(talent), at=at, agency_appid=agency
            )
        ).values_list("terms_pk", flat=True)
        (pk,) = found
        assert (PlanTerms.objects.get(pk=pk).ratio_percent if pk else None) == ratio, (product, talent, at, agency)


def test_the_subquery_correlates_with_the_outer_rows(history):
    """Used as intended: one expression over many outer rows (here the terms rows, each looked up at its own start)."""
    rows = (
        PlanTerms.objects.filter(shop=history, listed=True)
        .annotate(
            in_force=plan_terms_subquery(
                shop_id=OuterRef("shop_id"),
                product_id=OuterRef("product_id"),
                talent_appid=Value(""),
                at=OuterRef("valid_from"),
                agency_appid=OuterRef("headsupplier_appid"),
            )
        )
        .order_by("valid_from", "pk")
        .values_list("product_id", "ratio_percent", "in_force")
    )
    ratios = dict(PlanTerms.objects.values_list("pk", "ratio_percent"))
    assert [(product, ratio, ratios.get(found)) for product, ratio, found in rows] == [
        ("p0", 10, 10),
        ("p0", 15, 15),  # the agency's own row
        ("p0", 20, 10),  # no talent given: 普通
        ("p1", 30, None),  # 专属 only, no talent given
        ("p0", 12, 12),
    ]

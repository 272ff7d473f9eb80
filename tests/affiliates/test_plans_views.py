"""The promotion-plan pages without the platform: the list (filters, pagination, empty states, a fixed number of
queries), a plan with its terms history, the enrolment-state banner, confirmation before destructive actions,
another shop's plan answering 404 and an analyst refused every change."""

from datetime import timedelta

import pytest
from django.conf import settings

from affiliates.models import AffiliateSettings, PromotionPlan
from shopops.roles import Role
from tests.affiliates.plans_support import T0, cooperation, plan, talent, terms
from tests.factories import MembershipFactory, ProductFactory, ShopFactory
from tests.helpers import assert_constant_queries, console_url
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

Type, Status = PromotionPlan.Type, PromotionPlan.Status


@pytest.fixture
def web(client, owner):
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def listed_products(response) -> list[str]:
    return [p.product_id for p in response.context["plans"]]


def test_the_list_filters_by_type_status_and_product(web, shop):
    ProductFactory(shop=shop, product_id="p1", title="Green tea")
    plan(shop, "p1", type=Type.NORMAL)
    plan(shop, "p1", type=Type.TARGETED, info_id="i1", talent_appids=["t"])
    plan(shop, "p2", type=Type.EXCLUSIVE, info_id="i2", status=Status.DELISTED)
    plan(shop, "p3", headsupplier_appid="wxagency1", service_ratio_percent=5)
    plan(ShopFactory(), "p1")  # another shop's
    url = console_url("affiliate_plans", shop)

    assert sorted(listed_products(web.get(url))) == ["p1", "p1", "p2", "p3"]
    assert listed_products(web.get(url, {"type": Type.TARGETED})) == ["p1"]
    assert listed_products(web.get(url, {"type": "agency"})) == ["p3"]
    assert listed_products(web.get(url, {"status": Status.DELISTED})) == ["p2"]
    assert sorted(listed_products(web.get(url, {"product": "green"}))) == ["p1", "p1"]
    assert listed_products(web.get(url, {"product": "p3"})) == ["p3"]
    response = web.get(url, {"product": "nothing"})
    assert (listed_products(response), response.context["no_plans"]) == ([], False)
    assert "No plans match these filters" in response.content.decode()
    # A bad filter value shows every plan rather than an error.
    assert len(listed_products(web.get(url, {"status": "x"}))) == 4


def test_the_list_has_an_empty_state_and_pages(web, shop):
    url = console_url("affiliate_plans", shop)
    response = web.get(url)
    assert response.context["no_plans"] is True
    assert "No promotion plans yet" in response.content.decode()

    for n in range(51):
        plan(shop, f"p{n:02d}")
    first, second = web.get(url), web.get(url, {"page": 2})
    assert (len(first.context["plans"]), len(second.context["plans"])) == (50, 1)
    assert web.get(url, {"page": "abc"}).context["page"].number == 1


def test_the_list_runs_a_fixed_number_of_queries(web, shop):
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            i = next(counter)
            ProductFactory(shop=shop, product_id=f"q{i}")
            plan(shop, f"q{i}", type=Type.TARGETED, info_id=f"i{i}", talent_appids=["a", "b"])

    small, large = assert_constant_queries(web, console_url("affiliate_plans", shop), add)
    assert len(large.context["plans"]) == 50


def test_a_plan_shows_its_terms_history(web, shop):
    ProductFactory(shop=shop, product_id="p1", title="Green tea")
    talent(shop, "talent-a", nickname="Ann")
    row = plan(shop, "p1", type=Type.TARGETED, info_id="i1", ratio_percent=20, talent_appids=["talent-a"])
    terms(row, valid_from=T0, valid_to=T0 + timedelta(days=1), ratio_percent=15)
    terms(row, valid_from=T0 + timedelta(days=1))

    response = web.get(console_url("affiliate_plan_detail", shop, pk=row.pk))

    assert response.status_code == 200
    assert [(t.ratio_percent, t.valid_to) for t in response.context["history"]] == [
        (20, None),
        (15, T0 + timedelta(days=1)),
    ]
    assert response.context["plan"].talents == [("talent-a", "Ann")]
    page = response.content.decode()
    assert "Green tea" in page and "Ann" in page


def test_another_shops_plan_is_not_found(web, shop):
    other = plan(ShopFactory(), "p1")
    before = snapshot()

    for name in ("affiliate_plan_detail", "affiliate_plan_edit"):
        assert web.get(console_url(name, shop, pk=other.pk)).status_code == 404
    for action in ("delist", "relist", "delete"):
        assert web.get(console_url("affiliate_plan_action", shop, pk=other.pk, action=action)).status_code == 404
        assert web.post(console_url("affiliate_plan_action", shop, pk=other.pk, action=action)).status_code == 404
    assert web.post(console_url("affiliate_plan_edit", shop, pk=other.pk), {"ratio_percent": 5}).status_code == 404
    assert changes(before, snapshot()) == {}


def test_destructive_actions_ask_first(web, shop):
    row = plan(shop, "p1")

    response = web.get(console_url("affiliate_plan_action", shop, pk=row.pk, action="delete"))

    assert response.status_code == 200
    assert response.context["confirm_title"] == "Delete this plan?"
    assert web.get(console_url("affiliate_plan_action", shop, pk=row.pk, action="explode")).status_code == 404


def test_agency_and_deleted_plans_have_no_edit_page(web, shop):
    for row in (plan(shop, "p1", headsupplier_appid="wxagency1"), plan(shop, "p2", status=Status.DELETED)):
        assert web.get(console_url("affiliate_plan_edit", shop, pk=row.pk)).status_code == 404


def test_an_analyst_sees_the_plans_but_changes_nothing(client, shop):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)
    row = plan(shop, "p1")
    before = snapshot()

    assert client.get(console_url("affiliate_plans", shop)).status_code == 200
    assert client.get(console_url("affiliate_plan_detail", shop, pk=row.pk)).status_code == 200
    for name, kwargs in [
        ("affiliate_plan_create", {}),
        ("affiliate_agency_plan_create", {}),
        ("affiliate_plan_edit", {"pk": row.pk}),
        ("affiliate_plan_action", {"pk": row.pk, "action": "delete"}),
        ("affiliate_plans_sync", {}),
        ("affiliate_league_check", {}),
    ]:
        assert client.post(console_url(name, shop, **kwargs)).status_code == 403, name
    assert changes(before, snapshot()) == {}


def test_the_pages_say_when_the_alliance_is_not_enabled(web, shop):
    url = console_url("affiliate_plans", shop)
    assert "has not asked WeChat Shop yet" in web.get(url).content.decode()

    AffiliateSettings.objects.create(shop=shop, league=AffiliateSettings.League.NOT_ENABLED, league_checked_at=T0)
    page = web.get(url).content.decode()
    assert "优选联盟 is not enabled for this shop" in page
    assert "营销中心 › 优选联盟" in page
    assert 'id="league-check"' in page

    AffiliateSettings.objects.filter(shop=shop).update(league=AffiliateSettings.League.ENABLED)
    assert 'id="league-state"' not in web.get(url).content.decode()


def test_the_create_pages_offer_the_shops_talents_and_agencies(web, shop):
    talent(shop, "talent-a", nickname="Ann")
    talent(shop, "talent-b", blacklisted=True)
    talent(shop, "talent-c", status=1)
    cooperation(shop, "wxagency000000001", name="Agency One")
    cooperation(shop, "wxagency000000002", status=1)

    create = web.get(console_url("affiliate_plan_create", shop))
    agency = web.get(console_url("affiliate_agency_plan_create", shop))

    assert create.context["form"].fields["talent_appids"].choices == [("talent-a", "Ann (talent-a)")]
    assert agency.context["form"].fields["headsupplier_appid"].choices == [
        ("wxagency000000001", "Agency One (wxagency000000001)")
    ]
    assert create.context["items"].total_form_count() == 5
    assert web.get(console_url("affiliate_plan_create", shop), {"rows": 20}).context["items"].total_form_count() == 20

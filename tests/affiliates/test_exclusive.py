"""Exclusive terms (affiliates.services.exclusive): kept in ShopOps only; every rule refused with its code on its
field and nothing changed; the pages behind the shop scope; the terms an agency's bound talents hold."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from affiliates.models import AgencyTalent, ExclusiveTerm, Talent
from affiliates.selectors.talents import exclusive_terms_for_agency
from affiliates.services.exclusive import exclusive_term_create, exclusive_term_delete, exclusive_term_update
from shopops.models import ApiCall
from shopops.roles import Role
from tests.factories import AgencyFactory, MembershipFactory, ProductFactory, ShopFactory, SkuFactory
from tests.helpers import console_url, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db
Status = Talent.Status
NOW = datetime(2026, 3, 2, 4, 5, 6, tzinfo=UTC)


def talent_of(shop, appid="wxtalent0000000001", **fields) -> Talent:
    values = {"status": Status.ACCEPTED, "nickname": f"达人{appid[-2:]}", **fields}
    return Talent.objects.create(shop=shop, talent_appid=appid, **values)


def product_of(shop, product_id="10000001", prices=(5000, 8000), stocks=(3, 4), **fields):
    product = ProductFactory(shop=shop, product_id=product_id, **fields)
    for n, (price, stock) in enumerate(zip(prices, stocks, strict=True)):
        SkuFactory(shop=shop, product=product, sku_id=f"{product_id}{n}", sale_price_fen=price, stock_num=stock)
    return product


@pytest.fixture
def shop():
    return ShopFactory(name="示例小店")


@pytest.fixture
def talent(shop):
    return talent_of(shop)


@pytest.fixture
def product(shop):
    return product_of(shop, title="羊毛围巾")


def create(shop, talent, **overrides) -> ExclusiveTerm:
    values = {
        "product_id": "10000001",
        "floor_price_fen": 4000,
        "price_fen": 4500,
        "stock": 5,
        "title": "专属价围巾",
        "image_url": "https://img.example.com/a.jpg",
        **overrides,
    }
    return exclusive_term_create(shop=shop, talent=talent, **values)


def refused(call) -> dict[str, str]:
    with pytest.raises(ValidationError) as refusal:
        call()
    return {field: errors[0].code for field, errors in refusal.value.error_dict.items()}


def test_terms_are_kept_in_shopops(shop, talent, product):
    term = create(shop, talent, product_id=" 10000001 ", title=" 专属价围巾 ")

    term = ExclusiveTerm.objects.get(pk=term.pk)
    assert (term.shop, term.talent, term.product_id, term.floor_price_fen, term.price_fen, term.stock) == (
        shop,
        talent,
        "10000001",
        4000,
        4500,
        5,
    )
    assert (term.title, term.image_url) == ("专属价围巾", "https://img.example.com/a.jpg")
    assert ApiCall.objects.count() == 0


def test_the_limits_themselves_are_allowed(shop, talent, product):
    term = create(shop, talent, floor_price_fen=8000, price_fen=8000, stock=7, title="题" * 60, image_url="")

    assert (term.price_fen, term.stock, len(term.title)) == (8000, 7, 60)


@pytest.mark.parametrize(
    ("overrides", "codes"),
    [
        ({"price_fen": 3999}, {"price_fen": "below_floor"}),
        ({"price_fen": 8001, "floor_price_fen": 100}, {"price_fen": "above_product_price"}),
        ({"stock": 8}, {"stock": "stock_exceeds"}),
        ({"title": "题" * 61}, {"title": "title_too_long"}),
        ({"image_url": "not a url"}, {"image_url": "invalid"}),
        ({"image_url": "ftp://img.example.com/a.jpg"}, {"image_url": "invalid"}),
        ({"product_id": "99999999"}, {"product_id": "unknown_product"}),
        ({"stock": -1, "price_fen": -5}, {"stock": "invalid_amount", "price_fen": "invalid_amount"}),
        (
            {"price_fen": 1000, "stock": 99, "title": "题" * 61},
            {
                "price_fen": "below_floor",
                "stock": "stock_exceeds",
                "title": "title_too_long",
            },
        ),
    ],
)
def test_rules_refused_with_their_codes(shop, talent, product, overrides, codes):
    before = snapshot()

    assert refused(lambda: create(shop, talent, **overrides)) == codes
    assert changes(before, snapshot()) == {}


def test_a_product_gone_from_the_platform_or_of_another_shop_is_unknown(shop, talent, product):
    product_of(shop, product_id="10000002", deleted=True)
    product_of(ShopFactory(), product_id="10000003")

    for product_id in ("10000002", "10000003"):
        assert refused(lambda: create(shop, talent, product_id=product_id)) == {"product_id": "unknown_product"}  # noqa: B023
    assert ExclusiveTerm.objects.count() == 0


def test_without_synced_skus_the_products_lowest_price_is_its_price_and_nothing_is_in_stock(shop, talent):
    product_of(shop, product_id="10000004", prices=(), stocks=(), min_price_fen=6000)

    assert refused(lambda: create(shop, talent, product_id="10000004", price_fen=6001, stock=0)) == {
        "price_fen": "above_product_price"
    }
    assert refused(lambda: create(shop, talent, product_id="10000004", price_fen=6000, stock=1)) == {
        "stock": "stock_exceeds"
    }


def test_negative_sku_stock_counts_as_none(shop, talent):
    product_of(shop, product_id="10000005", prices=(5000, 5000), stocks=(-3, 2))

    assert refused(lambda: create(shop, talent, product_id="10000005", stock=3)) == {"stock": "stock_exceeds"}
    assert create(shop, talent, product_id="10000005", stock=2).stock == 2


@pytest.mark.parametrize(
    "fields",
    [{"status": Status.ENDED}, {"status": Status.REJECTED}, {"status": Status.ACCEPTED, "is_blacklisted": True}],
)
def test_terms_are_offered_only_to_an_invited_or_cooperating_talent_not_blacklisted(shop, product, fields):
    talent = talent_of(shop, appid="wxtalent0000000002", **fields)

    assert refused(lambda: create(shop, talent)) == {"talent": "talent_not_offered"}
    assert ExclusiveTerm.objects.count() == 0


def test_one_term_per_talent_and_product(shop, talent, product):
    create(shop, talent)
    before = snapshot()

    assert refused(lambda: create(shop, talent, price_fen=7000)) == {"product_id": "term_exists"}
    assert changes(before, snapshot()) == {}


def test_the_floor_is_held_by_the_database_too(shop, talent, product):
    term = create(shop, talent)

    with pytest.raises(IntegrityError), transaction.atomic():
        ExclusiveTerm.objects.filter(pk=term.pk).update(price_fen=3000)


def test_terms_are_edited_and_withdrawn(shop, talent, product):
    term = create(shop, talent)

    exclusive_term_update(term=term, floor_price_fen=5000, price_fen=6000, stock=7, title="", image_url="")
    term.refresh_from_db()
    assert (term.floor_price_fen, term.price_fen, term.stock, term.title, term.image_url) == (5000, 6000, 7, "", "")

    before = snapshot()
    assert refused(lambda: exclusive_term_update(term=term, floor_price_fen=6500, price_fen=6000, stock=7)) == {
        "price_fen": "below_floor"
    }
    assert changes(before, snapshot()) == {}

    exclusive_term_delete(term=term)
    assert ExclusiveTerm.objects.count() == 0


# --- what agencies see -----------------------------------------------------------------------------------------------


def test_an_agency_sees_the_terms_of_its_bound_talents_still_offered(shop, talent, product):
    agency, other = AgencyFactory(), AgencyFactory()
    AgencyTalent.objects.create(agency=agency, talent_appid=talent.talent_appid, synced_at=NOW)
    second_shop = ShopFactory(name="另一小店")
    same_talent_elsewhere = talent_of(second_shop)
    product_of(second_shop, product_id="20000001", title="茶具")
    ended = talent_of(shop, appid="wxtalent0000000003", status=Status.ENDED)
    AgencyTalent.objects.create(agency=agency, talent_appid=ended.talent_appid, synced_at=NOW)
    unbound = talent_of(shop, appid="wxtalent0000000004")
    mine = create(shop, talent, title="")
    theirs = create(second_shop, same_talent_elsewhere, product_id="20000001", price_fen=4000, floor_price_fen=1)
    create(shop, unbound)
    ExclusiveTerm.objects.create(
        shop=shop, talent=ended, product_id="10000001", floor_price_fen=1, price_fen=2, stock=1
    )  # offered before the cooperation ended

    terms = list(exclusive_terms_for_agency(agency=agency))

    assert [(t.pk, t.shop.name, t.talent.talent_appid, t.display_title) for t in terms] == [
        (theirs.pk, "另一小店", talent.talent_appid, "专属价围巾"),
        (mine.pk, "示例小店", talent.talent_appid, "羊毛围巾"),
    ]
    assert list(exclusive_terms_for_agency(agency=other)) == []


def test_the_agency_selector_is_one_query(shop, talent, product, django_assert_num_queries):
    agency = AgencyFactory()
    AgencyTalent.objects.create(agency=agency, talent_appid=talent.talent_appid, synced_at=NOW)
    create(shop, talent)

    with django_assert_num_queries(1):
        rows = [(t.shop.name, t.talent.nickname, t.display_title) for t in exclusive_terms_for_agency(agency=agency)]
    assert rows == [("示例小店", "达人01", "专属价围巾")]


# --- the pages -------------------------------------------------------------------------------------------------------


@pytest.fixture
def web(client, shop):
    member = MembershipFactory(shop=shop, role=Role.OPERATOR, user__username="olivia")
    client.force_login(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form(**overrides) -> dict:
    return {
        "product_id": "10000001",
        "price_fen": "45.00",
        "floor_price_fen": "40",
        "stock": "5",
        "title": "专属价围巾",
        "image_url": "",
        **overrides,
    }


def test_terms_are_created_edited_and_withdrawn_from_the_talents_page(web, shop, talent, product):
    page = web.get(console_url("affiliate_exclusive_create", shop, pk=talent.pk) + "?product_id=10000001")
    assert page.context["form"].initial["product_id"] == "10000001"
    assert (page.context["limits"].title, page.context["limits"].price_fen, page.context["limits"].stock) == (
        "羊毛围巾",
        8000,
        7,
    )

    response = web.post(console_url("affiliate_exclusive_create", shop, pk=talent.pk), form(), follow=True)

    term = ExclusiveTerm.objects.get()
    assert (term.price_fen, term.floor_price_fen, term.stock) == (4500, 4000, 5)
    assert flash_messages(response) == [
        "Exclusive terms for product 10000001 saved. Agencies the talent is bound to see them."
    ]
    assert "Kept in ShopOps only: WeChat Shop has no API for them." in response.content.decode()

    response = web.post(
        console_url("affiliate_exclusive_edit", shop, pk=term.pk), form(product_id="99", price_fen="50.5")
    )
    term.refresh_from_db()
    assert (response.status_code, term.product_id, term.price_fen) == (302, "10000001", 5050)

    assert web.get(console_url("affiliate_exclusive_delete", shop, pk=term.pk)).status_code == 200
    web.post(console_url("affiliate_exclusive_delete", shop, pk=term.pk))
    assert ExclusiveTerm.objects.count() == 0


def test_a_refused_term_shows_the_reason_on_its_field(web, shop, talent, product):
    before = snapshot()

    response = web.post(console_url("affiliate_exclusive_create", shop, pk=talent.pk), form(price_fen="39.99"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "price_fen": ["The exclusive price ¥39.99 is below your floor price ¥40.00."]
    }
    assert changes(before, snapshot()) == {}


def test_another_shops_talent_and_terms_are_not_found(web, shop):
    other = ShopFactory()
    their_talent = talent_of(other)
    product_of(other)
    term = create(other, their_talent)
    before = snapshot()

    assert web.get(console_url("affiliate_exclusive_create", shop, pk=their_talent.pk)).status_code == 404
    assert web.post(console_url("affiliate_exclusive_create", shop, pk=their_talent.pk), form()).status_code == 404
    assert web.post(console_url("affiliate_exclusive_edit", shop, pk=term.pk), form()).status_code == 404
    assert web.post(console_url("affiliate_exclusive_delete", shop, pk=term.pk)).status_code == 404
    assert changes(before, snapshot()) == {}


def test_an_analyst_may_not_change_terms(client, shop, talent, product):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)
    term = create(shop, talent)
    before = snapshot()

    assert client.post(console_url("affiliate_exclusive_create", shop, pk=talent.pk), form()).status_code == 403
    assert client.post(console_url("affiliate_exclusive_delete", shop, pk=term.pk)).status_code == 403
    assert changes(before, snapshot()) == {}

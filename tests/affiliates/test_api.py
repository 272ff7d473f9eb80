"""The agency API (/api/v1/partner/): who may call it (an agency's key or member; revoked and expired keys, console
users and staff refused), and that each agency sees exactly its own rows, with filters, ordering, cursor pages,
totals, fixed query counts and the schema."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from affiliates.models import (
    Agency,
    AgencyAPIKey,
    AgencyProduct,
    AgencyTalent,
    CommissionOrder,
    Cooperation,
    ExclusiveTerm,
    Talent,
)
from tests.factories import AgencyMemberFactory, MembershipFactory, ProductFactory, ShopFactory, UserFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=BEIJING)
SHOPS = "/api/v1/partner/shops/"
PRODUCTS = "/api/v1/partner/products/"
ORDERS = "/api/v1/partner/commission-orders/"
TOTALS = "/api/v1/partner/commission-orders/totals/"


# --- data -----------------------------------------------------------------------------------------------------------


def make_cooperation(agency, shop_appid, **fields) -> Cooperation:
    values = {"agency_appid": f"wxagency{agency.pk}", "status": Cooperation.Status.ACCEPTED, **fields}
    return Cooperation.objects.create(agency=agency, shop_appid=shop_appid, **values)


def make_product(agency, shop_appid, product_id, **fields) -> AgencyProduct:
    values = {"status": AgencyProduct.Status.LISTED, "ratio_ppm": 100_000, "service_ratio_ppm": 50_000, **fields}
    return AgencyProduct.objects.create(
        agency=agency, shop_appid=shop_appid, product_id=product_id, synced_at=T0, **values
    )


def make_order(agency, order_id, *, hours=0, **fields) -> CommissionOrder:
    """A commission order created ``hours`` after T0 (paid at the same moment unless given)."""
    created = T0 + timedelta(hours=hours)
    values = {
        "sku_id": "1",
        "update_time": created,
        "shop_appid": "wxshop_a",
        "shop_name": "甲店",
        "product_id": "p1",
        "status": CommissionOrder.Status.UNSETTLED,
        "pay_time": created,
        "actual_payment_fen": 1999,
        "promoter_kind": CommissionOrder.Promoter.FINDER,
        "promoter_id": "finder1",
        "promoter_ratio_ppm": 150_000,
        "promoter_amount_fen": 299,
        "service_ratio_ppm": 50_000,
        "service_amount_fen": 99,
        **fields,
    }
    return CommissionOrder.objects.create(
        agency=agency, order_id=order_id, create_time=created, raw={}, synced_at=created, **values
    )


def new_key(agency, **fields) -> str:
    _api_key, key = AgencyAPIKey.objects.create_key(agency=agency, name="ERP", **fields)
    return key


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def agencies():
    """Two agencies with the same shops, products and order ids in places, so only the agency tells rows apart."""
    mine, theirs = Agency.objects.create(name="甲机构"), Agency.objects.create(name="乙机构")
    return mine, theirs


@pytest.fixture
def mine(agencies):
    return agencies[0]


@pytest.fixture
def theirs(agencies):
    return agencies[1]


@pytest.fixture
def api(mine):
    return key_client(new_key(mine))


def order_keys(response) -> list[tuple[str, str]]:
    return [(row["order_id"], row["sku_id"]) for row in response.json()["results"]]


# --- who may call ---------------------------------------------------------------------------------------------------


def test_a_key_reads_its_agencys_rows_and_stamps_last_used(mine):
    key = new_key(mine)
    with time_machine.travel(T0, tick=False):
        response = key_client(key).get(SHOPS)
    assert response.status_code == 200
    assert AgencyAPIKey.objects.get(agency=mine).last_used_at == T0


def test_last_used_is_written_at_most_once_a_minute(mine, django_assert_num_queries):
    key = new_key(mine)
    client = key_client(key)
    with time_machine.travel(T0, tick=False):
        client.get(SHOPS)
    with time_machine.travel(T0 + timedelta(seconds=59), tick=False), django_assert_num_queries(2):
        assert client.get(SHOPS).status_code == 200  # the key with its agency, the page: no UPDATE
    assert AgencyAPIKey.objects.get(agency=mine).last_used_at == T0
    with time_machine.travel(T0 + timedelta(seconds=60), tick=False), django_assert_num_queries(3):
        assert client.get(SHOPS).status_code == 200  # one UPDATE more
    assert AgencyAPIKey.objects.get(agency=mine).last_used_at == T0 + timedelta(seconds=60)


def test_no_credentials_answer_401_with_the_key_challenge():
    response = APIClient().get(SHOPS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.data["detail"].code == "not_authenticated"


@pytest.mark.parametrize(
    "header, code",
    [
        ("Api-Key nosuchprefix.secret", "invalid_key"),
        ("Api-Key", "malformed_key"),
        ("Api-Key two words", "malformed_key"),
        ("api-key nosuchprefix.secret", "invalid_key"),  # the keyword is case-insensitive, like DRF's
    ],
)
def test_unknown_or_malformed_keys_answer_401(mine, header, code):
    new_key(mine)
    response = APIClient().get(SHOPS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.data["detail"].code == code


def test_a_wrong_secret_for_a_real_prefix_is_an_invalid_key_and_changes_nothing(mine):
    key = new_key(mine, revoked=True)
    prefix = key.partition(".")[0]
    before = snapshot()
    response = key_client(f"{prefix}.not-the-secret").get(SHOPS)
    assert (response.status_code, response.data["detail"].code) == (401, "invalid_key")  # not "revoked": no hint
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize(
    "fields, code",
    [({"revoked": True}, "key_revoked"), ({"expiry_date": T0 - timedelta(seconds=1)}, "key_expired")],
)
def test_revoked_and_expired_keys_answer_401_and_are_not_stamped(mine, fields, code):
    key = new_key(mine, **fields)
    make_cooperation(mine, "wxshop_a")
    with time_machine.travel(T0, tick=False):
        response = key_client(key).get(SHOPS)
    assert response.status_code == 401
    assert response.data["detail"].code == code
    assert "results" not in response.json()
    assert AgencyAPIKey.objects.get(agency=mine).last_used_at is None


def test_a_suspended_agencys_key_answers_403(mine):
    key = new_key(mine)
    Agency.objects.filter(pk=mine.pk).update(status=Agency.Status.SUSPENDED)
    response = key_client(key).get(SHOPS)
    assert (response.status_code, response.data["detail"].code) == (403, "agency_suspended")


@pytest.mark.parametrize("who", ["console_user", "staff", "shopless_user"])
def test_console_users_and_staff_are_refused_403(mine, who):
    make_cooperation(mine, "wxshop_a")
    user = {
        "console_user": lambda: MembershipFactory().user,
        "staff": lambda: UserFactory(is_staff=True, is_superuser=True),
        "shopless_user": UserFactory,
    }[who]()
    client = APIClient()
    client.force_login(user)
    for url in (SHOPS, PRODUCTS, ORDERS, TOTALS):
        response = client.get(url)
        assert (response.status_code, response.data["detail"].code) == (403, "not_agency"), url


def test_an_agency_member_reads_the_same_rows_by_session_or_token(mine, theirs):
    own = make_cooperation(mine, "wxshop_a")
    make_cooperation(theirs, "wxshop_a")
    member = AgencyMemberFactory(agency=mine)
    session = APIClient()
    session.force_login(member.user)
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=member.user).key}")
    for client in (session, token):
        response = client.get(SHOPS)
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [own.pk]


def test_a_members_request_costs_one_query_more_than_the_page(mine, django_assert_num_queries):
    make_cooperation(mine, "wxshop_a")
    client = APIClient()
    client.force_login(AgencyMemberFactory(agency=mine).user)
    client.get(SHOPS)
    with django_assert_num_queries(4):  # the session, the user, the member's agency, the page
        assert client.get(SHOPS).status_code == 200


def test_the_api_is_read_only(api):
    for method in ("post", "put", "patch", "delete"):
        assert getattr(api, method)(ORDERS).status_code == 405


# --- shops ------------------------------------------------------------------------------------------------------


def test_shops_are_the_agencys_cooperations_exactly(mine, theirs, api):
    first = make_cooperation(
        mine,
        "wxshop_a",
        shop_name="甲店",
        shop_headimg_url="https://img.example/a.png",
        invited_at=T0,
        decided_at=T0 + timedelta(days=1),
        gmv_fen=1234567,
        settled_fen=100,
        unsettled_fen=-5,
        product_number=3,
        synced_at=T0 + timedelta(days=2),
    )
    second = make_cooperation(
        mine, "wxshop_b", status=Cooperation.Status.REJECTED, reject_reason="类目不符", agency_appid="wxagency_x"
    )
    make_cooperation(theirs, "wxshop_a")
    response = api.get(SHOPS)
    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["previous"]) == (None, None)
    assert body["results"] == [
        {
            "id": first.pk,
            "shop_appid": "wxshop_a",
            "shop_name": "甲店",
            "shop_headimg_url": "https://img.example/a.png",
            "status": 2,
            "invited_at": "2026-03-01T10:00:00+08:00",
            "decided_at": "2026-03-02T10:00:00+08:00",
            "reject_reason": "",
            "gmv_fen": 1234567,
            "gmv_yuan": "12345.67",
            "settled_fen": 100,
            "settled_yuan": "1.00",
            "unsettled_fen": -5,
            "unsettled_yuan": "-0.05",
            "product_number": 3,
            "synced_at": "2026-03-03T10:00:00+08:00",
        },
        {
            "id": second.pk,
            "shop_appid": "wxshop_b",
            "shop_name": "",
            "shop_headimg_url": "",
            "status": 3,
            "invited_at": None,
            "decided_at": None,
            "reject_reason": "类目不符",
            "gmv_fen": None,
            "gmv_yuan": None,
            "settled_fen": None,
            "settled_yuan": None,
            "unsettled_fen": None,
            "unsettled_yuan": None,
            "product_number": None,
            "synced_at": None,
        },
    ]
    pending = api.get(SHOPS, {"status": 3}).json()["results"]
    assert [row["id"] for row in pending] == [second.pk]


# --- products -------------------------------------------------------------------------------------------------------


def test_products_are_the_agencys_with_exclusive_terms_for_its_bound_talents_only(mine, theirs, api):
    shop = ShopFactory(appid="wxshop_a")
    other_shop = ShopFactory(appid="wxshop_b")
    AgencyTalent.objects.create(agency=mine, talent_appid="talent_bound", nickname="小红", synced_at=T0)
    AgencyTalent.objects.create(agency=theirs, talent_appid="talent_theirs", synced_at=T0)
    AgencyTalent.objects.create(agency=mine, talent_appid="talent_blacklisted", synced_at=T0)
    cooperating = {"status": Talent.Status.ACCEPTED}
    bound = Talent.objects.create(shop=shop, talent_appid="talent_bound", nickname="小红", **cooperating)
    invited = Talent.objects.create(
        shop=shop, talent_appid="talent_invited", nickname="小蓝", status=Talent.Status.INVITING
    )
    AgencyTalent.objects.create(agency=mine, talent_appid="talent_invited", synced_at=T0)
    unbound = Talent.objects.create(shop=shop, talent_appid="talent_theirs", nickname="别人的达人", **cooperating)
    elsewhere = Talent.objects.create(shop=other_shop, talent_appid="talent_bound", nickname="小红", **cooperating)
    blacklisted = Talent.objects.create(
        shop=shop, talent_appid="talent_blacklisted", is_blacklisted=True, **cooperating
    )
    for talent, product_id, price, title in [
        (bound, "p1", 1500, ""),  # shown, under the product's title
        (invited, "p1", 1200, "小蓝专享"),  # shown, under its own title
        (unbound, "p1", 1000, ""),  # a talent of another agency: not shown
        (elsewhere, "p1", 900, ""),  # the same product id in a shop that does not promote it through the agency
        (blacklisted, "p1", 800, ""),  # the shop no longer offers it
        (bound, "p2", 800, ""),  # another product
    ]:
        ExclusiveTerm.objects.create(
            shop=talent.shop,
            talent=talent,
            product_id=product_id,
            floor_price_fen=500,
            price_fen=price,
            stock=7,
            title=title,
        )
    ProductFactory(shop=shop, product_id="p1", title="保温杯（店内）")
    make_cooperation(mine, "wxshop_a", shop_name="甲店")
    make_cooperation(theirs, "wxshop_a", shop_name="甲店（乙机构所见）")
    first = make_product(
        mine,
        "wxshop_a",
        "p1",
        title="保温杯",
        image_url="https://img.example/p1.png",
        min_price_fen=1999,
        start_time=T0,
        link="https://channels.weixin.qq.com/p1",
    )
    second = make_product(mine, "wxshop_c", "p9", status=AgencyProduct.Status.DELISTED)
    make_product(theirs, "wxshop_a", "p1")

    response = api.get(PRODUCTS)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": first.pk,
            "shop_appid": "wxshop_a",
            "shop_name": "甲店",
            "product_id": "p1",
            "title": "保温杯",
            "image_url": "https://img.example/p1.png",
            "min_price_fen": 1999,
            "min_price_yuan": "19.99",
            "status": 1,
            "ratio_ppm": 100000,
            "service_ratio_ppm": 50000,
            "start_time": "2026-03-01T10:00:00+08:00",
            "end_time": None,
            "link": "https://channels.weixin.qq.com/p1",
            "exclusive_terms": [
                {
                    "talent_appid": "talent_invited",
                    "talent_nickname": "小蓝",
                    "price_fen": 1200,
                    "price_yuan": "12.00",
                    "stock": 7,
                    "title": "小蓝专享",
                    "image_url": "",
                },
                {
                    "talent_appid": "talent_bound",
                    "talent_nickname": "小红",
                    "price_fen": 1500,
                    "price_yuan": "15.00",
                    "stock": 7,
                    "title": "保温杯（店内）",
                    "image_url": "",
                },
            ],
            "synced_at": "2026-03-01T10:00:00+08:00",
        },
        {
            "id": second.pk,
            "shop_appid": "wxshop_c",
            "shop_name": None,
            "product_id": "p9",
            "title": "",
            "image_url": "",
            "min_price_fen": None,
            "min_price_yuan": None,
            "status": 2,
            "ratio_ppm": 100000,
            "service_ratio_ppm": 50000,
            "start_time": None,
            "end_time": None,
            "link": "",
            "exclusive_terms": [],
            "synced_at": "2026-03-01T10:00:00+08:00",
        },
    ]
    assert [row["id"] for row in api.get(PRODUCTS, {"shop_appid": "wxshop_c"}).json()["results"]] == [second.pk]
    assert [row["id"] for row in api.get(PRODUCTS, {"status": 1}).json()["results"]] == [first.pk]


# --- commission orders ----------------------------------------------------------------------------------------------


def test_commission_orders_are_the_agencys_exactly_newest_first(mine, theirs, api):
    make_order(mine, "o1", hours=1)
    make_order(mine, "o2", hours=2, sku_id="7")
    make_order(mine, "o2", hours=3)
    make_order(theirs, "o1", hours=4)  # same order id, another agency
    make_order(theirs, "o9", hours=5)
    assert order_keys(api.get(ORDERS)) == [("o2", "1"), ("o2", "7"), ("o1", "1")]
    assert order_keys(key_client(new_key(theirs)).get(ORDERS)) == [("o9", "1"), ("o1", "1")]


def test_a_commission_order_in_full_and_another_agencys_answers_404(mine, theirs, api):
    make_order(
        mine,
        "3700000000001",
        sku_id="88",
        title="保温杯",
        thumb_img="https://img.example/t.png",
        order_status=100,
        settled_at=T0 + timedelta(days=8),
        status=CommissionOrder.Status.SETTLED,
        promotion_channel=1,
        promoter_kind=CommissionOrder.Promoter.SHARER,
        promoter_id="sharer1",
        promoter_nickname="小明",
        expected_promoter_amount_fen=299,
        expected_service_amount_fen=100,
        difference_fen=1,
        reason="platform_miscomputed",
        self_referral=True,
        buyer_openid="buyer-secret",
    )
    make_order(theirs, "3700000000002", sku_id="88")
    response = api.get(f"{ORDERS}3700000000001/88/")
    assert response.status_code == 200
    assert response.json() == {
        "order_id": "3700000000001",
        "sku_id": "88",
        "shop_appid": "wxshop_a",
        "shop_name": "甲店",
        "product_id": "p1",
        "title": "保温杯",
        "thumb_img": "https://img.example/t.png",
        "status": 100,
        "order_status": 100,
        "create_time": "2026-03-01T10:00:00+08:00",
        "update_time": "2026-03-01T10:00:00+08:00",
        "pay_time": "2026-03-01T10:00:00+08:00",
        "settled_at": "2026-03-09T10:00:00+08:00",
        "actual_payment_fen": 1999,
        "actual_payment_yuan": "19.99",
        "promotion_channel": 1,
        "promoter_kind": "sharer",
        "promoter_id": "sharer1",
        "promoter_nickname": "小明",
        "promoter_ratio_ppm": 150000,
        "promoter_amount_fen": 299,
        "promoter_amount_yuan": "2.99",
        "service_ratio_ppm": 50000,
        "service_amount_fen": 99,
        "service_amount_yuan": "0.99",
        "expected_promoter_amount_fen": 299,
        "expected_promoter_amount_yuan": "2.99",
        "expected_service_amount_fen": 100,
        "expected_service_amount_yuan": "1.00",
        "difference_fen": 1,
        "difference_yuan": "0.01",
        "reason": "platform_miscomputed",
        "self_referral": True,
    }
    assert "buyer-secret" not in response.content.decode()
    assert api.get(f"{ORDERS}3700000000002/88/").status_code == 404  # another agency's
    assert api.get(f"{ORDERS}3700000000001/89/").status_code == 404  # no such SKU


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"shop_appid": "wxshop_b"}, ["o4"]),
        ({"product_id": "p2"}, ["o3"]),
        ({"status": 100}, ["o2"]),
        ({"promoter_kind": "sharer"}, ["o5"]),
        ({"pay_time_after": "2026-03-01T12:00:00+08:00"}, ["o4", "o3"]),  # from, included; o5 is not paid
        ({"pay_time_before": "2026-03-01T12:00:00+08:00"}, ["o2", "o1"]),  # until, excluded
        ({"pay_time_after": "2026-03-01T11:00", "pay_time_before": "2026-03-01T13:00"}, ["o3", "o2"]),  # Beijing
        ({"created_after": "2026-03-01T04:00:00Z"}, ["o5", "o4", "o3"]),  # 12:00 Beijing
        ({"created_before": "2026-03-02"}, ["o5", "o4", "o3", "o2", "o1"]),  # a day alone is its midnight
        ({"created_after": "2026-03-02"}, []),
        ({"shop_appid": "wxshop_a", "status": 20, "ordering": "create_time"}, ["o1", "o3", "o5"]),
        ({"ordering": "-update_time"}, ["o1", "o5", "o4", "o3", "o2"]),
        ({"ordering": "update_time"}, ["o2", "o3", "o4", "o5", "o1"]),
        ({"status": ""}, ["o5", "o4", "o3", "o2", "o1"]),  # an empty filter filters nothing
    ],
)
def test_commission_order_filters_and_ordering(mine, theirs, api, params, expected):
    make_order(mine, "o1", hours=0, update_time=T0 + timedelta(days=9))
    make_order(mine, "o2", hours=1, status=CommissionOrder.Status.SETTLED)
    make_order(mine, "o3", hours=2, product_id="p2")
    make_order(mine, "o4", hours=3, shop_appid="wxshop_b", status=CommissionOrder.Status.CANCELLED)
    make_order(mine, "o5", hours=4, promoter_kind=CommissionOrder.Promoter.SHARER, pay_time=None)
    make_order(theirs, "o6", hours=2)  # matches most filters, never shown
    response = api.get(ORDERS, params)
    assert response.status_code == 200
    assert [order_id for order_id, _sku in order_keys(response)] == expected


@pytest.mark.parametrize("url", [ORDERS, TOTALS])
@pytest.mark.parametrize(
    "params, errors",
    [
        ({"status": "7"}, {"status": "invalid_choice"}),
        ({"promoter_kind": "boss"}, {"promoter_kind": "invalid_choice"}),
        ({"pay_time_after": "yesterday"}, {"pay_time_after": "invalid"}),
        ({"created_before": "1999-12-31"}, {"created_before": "out_of_range"}),
        ({"created_after": "9999-12-31T23:59:59"}, {"created_after": "out_of_range"}),
        ({"shop_appid": "x" * 33}, {"shop_appid": "max_length"}),
        (
            {
                "created_after": "2026-03-02",
                "created_before": "2026-03-01",
                "pay_time_after": "2026-03-01",
                "pay_time_before": "2026-03-01",
            },
            {"created_before": "range_reversed", "pay_time_before": "range_reversed"},
        ),
    ],
)
def test_bad_filters_answer_400_with_the_fields_errors(mine, api, url, params, errors):
    make_order(mine, "o1")
    response = api.get(url, params)
    assert response.status_code == 400
    assert {field: [error.code for error in field_errors] for field, field_errors in response.data.items()} == {
        field: [code] for field, code in errors.items()
    }


def test_a_bad_ordering_answers_400(api):
    response = api.get(ORDERS, {"ordering": "buyer_openid"})
    assert response.status_code == 400
    assert response.data["ordering"][0].code == "invalid_choice"


def test_cursor_pages_walk_every_order_once_even_when_new_orders_arrive(mine, api):
    for hour in range(7):
        make_order(mine, f"o{hour}", hours=hour)
    make_order(mine, "o3", sku_id="2", hours=3)  # a tie on create_time: the id decides
    seen = []
    url, params = ORDERS, {"page_size": 3}
    while url:
        body = api.get(url, params).json()
        seen += [(row["order_id"], row["sku_id"]) for row in body["results"]]
        url, params = body["next"], None
        if len(seen) == 3:
            make_order(mine, "late", hours=10)  # newer than everything: on no later page
    assert seen == [
        ("o6", "1"),
        ("o5", "1"),
        ("o4", "1"),
        ("o3", "2"),
        ("o3", "1"),
        ("o2", "1"),
        ("o1", "1"),
        ("o0", "1"),
    ]


def test_page_size_is_capped_at_200(mine, api):
    CommissionOrder.objects.bulk_create(
        [
            CommissionOrder(
                agency=mine,
                order_id=f"o{n}",
                sku_id="1",
                shop_appid="wxshop_a",
                product_id="p1",
                status=20,
                create_time=T0,
                update_time=T0,
                actual_payment_fen=1,
                raw={},
                synced_at=T0,
            )
            for n in range(201)
        ]
    )
    body = api.get(ORDERS, {"page_size": 1000}).json()
    assert len(body["results"]) == 200
    assert body["next"] is not None


def test_totals_per_status_over_the_same_filters(mine, theirs, api):
    make_order(mine, "o1", actual_payment_fen=1000, promoter_amount_fen=150, service_amount_fen=50)
    make_order(mine, "o2", actual_payment_fen=2001, promoter_amount_fen=300, service_amount_fen=100)
    make_order(mine, "o3", status=100, actual_payment_fen=500, promoter_amount_fen=75, service_amount_fen=25)
    make_order(mine, "o4", status=200, shop_appid="wxshop_b", actual_payment_fen=9, promoter_amount_fen=1)
    make_order(theirs, "o5", actual_payment_fen=100000, promoter_amount_fen=10000, service_amount_fen=5000)

    def total(count, payment, promoter, service):
        return {
            "count": count,
            "actual_payment_fen": payment,
            "actual_payment_yuan": f"{payment // 100}.{payment % 100:02d}",
            "promoter_amount_fen": promoter,
            "promoter_amount_yuan": f"{promoter // 100}.{promoter % 100:02d}",
            "service_amount_fen": service,
            "service_amount_yuan": f"{service // 100}.{service % 100:02d}",
        }

    assert api.get(TOTALS).json() == {
        "pending": total(2, 3001, 450, 150),
        "settled": total(1, 500, 75, 25),
        "cancelled": total(1, 9, 1, 99),
    }
    assert api.get(TOTALS, {"shop_appid": "wxshop_b"}).json() == {
        "pending": total(0, 0, 0, 0),
        "settled": total(0, 0, 0, 0),
        "cancelled": total(1, 9, 1, 99),
    }
    assert api.get(TOTALS, {"ordering": "nonsense"}).status_code == 200  # the totals have no order to choose


# --- fixed query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, queries",
    [
        (SHOPS, 2),  # the key with its agency, the page
        (PRODUCTS, 3),  # … and the exclusive terms of the page's products
        (ORDERS, 2),
        (TOTALS, 2),  # the key, one aggregate
        (f"{ORDERS}o0/1/", 2),
    ],
)
def test_query_counts_do_not_grow_with_rows(mine, django_assert_num_queries, url, queries):
    key = new_key(mine)
    AgencyAPIKey.objects.filter(agency=mine).update(last_used_at=T0)  # recently used: no UPDATE in the count
    shop = ShopFactory(appid="wxshop_a")
    AgencyTalent.objects.create(agency=mine, talent_appid="t1", synced_at=T0)
    talent = Talent.objects.create(shop=shop, talent_appid="t1", status=Talent.Status.ACCEPTED)
    client = key_client(key)
    for rows in (1, 6):
        for n in range(rows):
            make_cooperation(mine, f"wxshop_{rows}_{n}")
            make_product(mine, "wxshop_a", f"p{rows}_{n}")
            ExclusiveTerm.objects.create(
                shop=shop, talent=talent, product_id=f"p{rows}_{n}", floor_price_fen=1, price_fen=2, stock=1
            )
            make_order(mine, f"o{n}", sku_id=str(rows), hours=n)
        with time_machine.travel(T0 + timedelta(seconds=30), tick=False), django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200


# --- the schema -----------------------------------------------------------------------------------------------------


def test_every_partner_endpoint_is_in_the_schema_with_the_key_scheme(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    partner = {path: ops for path, ops in schema["paths"].items() if path.startswith("/api/v1/partner/")}
    assert sorted(partner) == [
        "/api/v1/partner/commission-orders/",
        "/api/v1/partner/commission-orders/totals/",
        "/api/v1/partner/commission-orders/{order_id}/{sku_id}/",
        "/api/v1/partner/products/",
        "/api/v1/partner/shops/",
    ]
    for path, operations in partner.items():
        assert sorted(operations) == ["get"], path
        assert {"agencyApiKey": []} in operations["get"]["security"], path
    assert schema["components"]["securitySchemes"]["agencyApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "An agency's API key from the partner portal, sent as `Authorization: Api-Key <key>`.",
    }
    list_params = {p["name"] for p in schema["paths"]["/api/v1/partner/commission-orders/"]["get"]["parameters"]}
    assert list_params == {
        "cursor",
        "page_size",
        "shop_appid",
        "product_id",
        "status",
        "promoter_kind",
        "pay_time_after",
        "pay_time_before",
        "created_after",
        "created_before",
        "ordering",
    }


def test_refusals_speak_chinese_by_default_and_english_when_chosen(mine, api):
    make_order(mine, "o1")
    response = api.get(ORDERS, {"created_before": "1999-12-31"})
    assert response.json() == {"created_before": ["请选择 2000-01-01 至 2099-12-31 之间的日期。"]}
    api.cookies["django_language"] = "en"
    response = api.get(ORDERS, {"created_before": "1999-12-31"})
    assert response.json() == {"created_before": ["Choose a day from 2000-01-01 to 2099-12-31."]}

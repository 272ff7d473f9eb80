"""The partner portal (/partner/): two agencies with data, each sees only its own on every page and in every file,
another agency's object answers 404 and changes nothing, list pages run a fixed number of queries, a suspended
agency's portal is closed. Invitations, 推客 commissions and API keys have their own modules (test_partner_*.py);
the data both use is built here (``portal_data``)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from affiliates.models import (
    Agency,
    AgencyAPIKey,
    AgencyProduct,
    AgencyTalent,
    CommissionOrder,
    Cooperation,
    ExclusiveTerm,
    FundsFlow,
    Sharer,
    Talent,
)
from affiliates.services.commissions import commission_order_rollups_rebuild
from tests.factories import AgencyMemberFactory, ShopFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in March 2026, Beijing time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=BEIJING)


# --- data ----------------------------------------------------------------------------------------------------------


@dataclass
class AgencyData:
    agency: Agency
    user: object
    cooperating: Cooperation
    invitation: Cooperation
    products: list[AgencyProduct] = field(default_factory=list)
    orders: list[CommissionOrder] = field(default_factory=list)
    sharers: list[Sharer] = field(default_factory=list)
    flows: list[FundsFlow] = field(default_factory=list)
    key: AgencyAPIKey | None = None


def cooperation(agency: Agency, shop_appid: str, shop_name: str, status: int, **values) -> Cooperation:
    return Cooperation.objects.create(
        agency=agency,
        agency_appid=agency.appid or f"wxagency{agency.pk:010d}",
        shop_appid=shop_appid,
        shop_name=shop_name,
        status=status,
        **values,
    )


def product(agency: Agency, shop_appid: str, product_id: str, **values) -> AgencyProduct:
    defaults = {
        "title": f"商品{product_id}",
        "status": AgencyProduct.Status.LISTED,
        "ratio_ppm": 200_000,
        "service_ratio_ppm": 100_000,
        "synced_at": timezone.now(),
    }
    return AgencyProduct.objects.create(
        agency=agency, shop_appid=shop_appid, product_id=product_id, **{**defaults, **values}
    )


def commission(agency: Agency, order_id: str, *, shop_appid: str, status: int, created: datetime, **values):
    defaults = {
        "sku_id": "1",
        "shop_name": "",
        "product_id": "p1",
        "title": "商品",
        "update_time": created,
        "pay_time": created,
        "actual_payment_fen": 0,
        "raw": {},
        "synced_at": timezone.now(),
    }
    row = CommissionOrder.objects.create(
        agency=agency,
        order_id=order_id,
        shop_appid=shop_appid,
        status=status,
        create_time=created,
        **{**defaults, **values},
    )
    commission_order_rollups_rebuild(agency=agency)  # as the reconciliation keeps them
    return row


def sharer(agency: Agency, appid: str, nickname: str, **values) -> Sharer:
    return Sharer.objects.create(
        agency=agency, sharer_appid=appid, nickname=nickname, synced_at=timezone.now(), **values
    )


def flow(agency: Agency, flow_id: str, funds_type: int, amount: int, balance: int, day: int) -> FundsFlow:
    return FundsFlow.objects.create(
        agency=agency,
        flow_id=flow_id,
        funds_type=funds_type,
        amount_fen=amount,
        balance_fen=balance,
        bookkeeping_time=at(day),
        synced_at=timezone.now(),
    )


UNSETTLED, SETTLED, CANCELLED = 20, 100, 200


def portal_data() -> tuple[AgencyData, AgencyData]:
    """Two agencies, 甲 and 乙, each with cooperations, products, commission orders, 推客, funds flows and a key.
    Both promote for the shop wxshopshared000001, so rows of one shop never tell the agencies apart."""
    a_member = AgencyMemberFactory(agency__name="甲机构", agency__appid="wxagencya00000001")
    b_member = AgencyMemberFactory(agency__name="乙机构", agency__appid="wxagencyb00000001")
    a, b = a_member.agency, b_member.agency
    a_data = AgencyData(
        agency=a,
        user=a_member.user,
        cooperating=cooperation(
            a, "wxshopshared000001", "共享小店", Cooperation.Status.ACCEPTED, gmv_fen=123_400, decided_at=at(1)
        ),
        invitation=cooperation(a, "wxshopainvite00001", "邀请甲的小店", Cooperation.Status.INVITING, invited_at=at(2)),
    )
    b_data = AgencyData(
        agency=b,
        user=b_member.user,
        cooperating=cooperation(b, "wxshopshared000001", "共享小店", Cooperation.Status.ACCEPTED, decided_at=at(1)),
        invitation=cooperation(b, "wxshopbinvite00001", "邀请乙的小店", Cooperation.Status.INVITING, invited_at=at(3)),
    )
    a_data.products = [
        product(a, "wxshopshared000001", "1001", link="https://weixin.qq.com/sl/promote-1001", ratio_ppm=155_000),
        product(a, "wxshopainvite00001", "1002", status=AgencyProduct.Status.DELISTED),
    ]
    b_data.products = [product(b, "wxshopshared000001", "1001", link="https://weixin.qq.com/sl/promote-b-1001")]
    a_data.sharers = [
        sharer(a, "sharer_a1", "阿一", commission_type=1, commission_ratio=1550),
        sharer(a, "sharer_a2", "阿二"),
    ]
    b_data.sharers = [sharer(b, "sharer_b1", "乙一")]
    shop = "wxshopshared000001"
    a_data.orders = [
        commission(
            a,
            "3700000000000000001",
            shop_appid=shop,
            shop_name="共享小店",
            status=UNSETTLED,
            created=at(1),
            product_id="1001",
            actual_payment_fen=10_000,
            service_ratio_ppm=100_000,
            service_amount_fen=1_000,
            promoter_kind="sharer",
            promoter_id="sharer_a1",
            promoter_nickname="阿一",
            promoter_ratio_ppm=200_000,
            promoter_amount_fen=2_000,
        ),
        commission(
            a,
            "3700000000000000002",
            shop_appid=shop,
            shop_name="共享小店",
            status=SETTLED,
            created=at(2),
            pay_time=at(3),
            product_id="1002",
            actual_payment_fen=5_000,
            service_amount_fen=500,
            promoter_kind="finder",
            promoter_id="finder1",
            promoter_amount_fen=500,
        ),
        commission(
            a,
            "3700000000000000003",
            shop_appid="wxshopainvite00001",
            status=CANCELLED,
            created=at(5),
            product_id="1001",
            actual_payment_fen=3_000,
            service_amount_fen=300,
            promoter_kind="sharer",
            promoter_id="sharer_a1",
            promoter_amount_fen=600,
        ),
        commission(
            a,
            "3700000000000000004",
            shop_appid="wxshopainvite00001",
            status=SETTLED,
            created=at(6),
            pay_time=at(8),
            product_id="1001",
            actual_payment_fen=2_000,
            service_amount_fen=200,
            promoter_kind="sharer",
            promoter_id="sharer_a2",
            promoter_amount_fen=400,
        ),
    ]
    b_data.orders = [
        commission(
            b,
            "3700000000000000009",
            shop_appid=shop,
            status=UNSETTLED,
            created=at(4),
            product_id="1001",
            actual_payment_fen=7_000,
            service_amount_fen=700,
            promoter_kind="sharer",
            promoter_id="sharer_b1",
            promoter_amount_fen=1_400,
        ),
        # 乙 sells through a 推客 whose AppID 甲 also has: 甲's results never count it.
        commission(
            b,
            "3700000000000000010",
            shop_appid=shop,
            status=SETTLED,
            created=at(4),
            product_id="1001",
            actual_payment_fen=9_000,
            service_amount_fen=900,
            promoter_kind="sharer",
            promoter_id="sharer_a1",
            promoter_amount_fen=1_800,
        ),
    ]
    a_data.flows = [
        flow(a, "fa1", FundsFlow.Type.PROFIT_SHARING, 500, 500, 4),
        flow(a, "fa2", FundsFlow.Type.WITHDRAWAL, -300, 200, 6),
        flow(a, "fa3", FundsFlow.Type.PROFIT_SHARING, 200, 400, 9),
    ]
    b_data.flows = [flow(b, "fb1", FundsFlow.Type.PROFIT_SHARING, 900, 900, 5)]
    a_data.key = AgencyAPIKey.objects.create_key(agency=a, name="甲的ERP")[0]
    b_data.key = AgencyAPIKey.objects.create_key(agency=b, name="乙的ERP")[0]
    return a_data, b_data


@pytest.fixture
def data():
    return portal_data()


@pytest.fixture
def a_client(client, data):
    client.force_login(data[0].user)
    return client


# --- every page holds the agency's own rows, and only those --------------------------------------------------------


def _ids(rows, key, attr):
    return [getattr(row[key], attr) for row in rows]


def test_each_agency_sees_only_its_own_rows_on_every_page(client, data):
    a, b = data
    expected = {
        a.agency.pk: {
            "pending": ["wxshopainvite00001"],
            "cooperating": ["wxshopshared000001"],
            "shops": ["wxshopainvite00001", "wxshopshared000001"],
            "products": [("wxshopainvite00001", "1002"), ("wxshopshared000001", "1001")],
            "commissions": ["3700000000000000004", "3700000000000000003", "3700000000000000002", "3700000000000000001"],
            "sharers": ["sharer_a1", "sharer_a2"],
            "flows": ["fa3", "fa2", "fa1"],
            "keys": ["甲的ERP"],
        },
        b.agency.pk: {
            "pending": ["wxshopbinvite00001"],
            "cooperating": ["wxshopshared000001"],
            "shops": ["wxshopbinvite00001", "wxshopshared000001"],
            "products": [("wxshopshared000001", "1001")],
            "commissions": ["3700000000000000010", "3700000000000000009"],
            "sharers": ["sharer_b1"],
            "flows": ["fb1"],
            "keys": ["乙的ERP"],
        },
    }
    for side in (a, b):
        client.force_login(side.user)
        want = expected[side.agency.pk]
        home = client.get(reverse("partner:home")).context
        assert [c.shop_appid for c in home["pending"]] == want["pending"]
        assert [c.shop_appid for c in home["cooperating"]] == want["cooperating"]
        shops = client.get(reverse("partner:shops")).context
        assert _ids(shops["rows"], "cooperation", "shop_appid") == want["shops"]
        products = client.get(reverse("partner:products")).context
        assert [(r["product"].shop_appid, r["product"].product_id) for r in products["rows"]] == want["products"]
        commissions = client.get(reverse("partner:commissions")).context
        assert [row["order_id"] for row in commissions["rows"]] == want["commissions"]
        sharers = client.get(reverse("partner:sharers")).context
        assert _ids(sharers["rows"], "sharer", "sharer_appid") == want["sharers"]
        assert [f.flow_id for f in client.get(reverse("partner:funds")).context["flows"]] == want["flows"]
        assert [k.name for k in client.get(reverse("partner:api_keys")).context["keys"]] == want["keys"]


def test_the_home_page_totals_count_the_agencys_own_commission_orders(a_client, data):
    totals = a_client.get(reverse("partner:home")).context["totals"]
    assert (totals.pending.count, totals.pending.service_fen, totals.pending.promoter_fen) == (1, 1_000, 2_000)
    assert (totals.settled.count, totals.settled.service_fen, totals.settled.payment_fen) == (2, 700, 7_000)
    assert (totals.cancelled.count, totals.cancelled.service_fen) == (1, 300)


def test_sharers_show_what_each_sold_for_this_agency_only(a_client, data):
    rows = {row["sharer"].sharer_appid: row for row in a_client.get(reverse("partner:sharers")).context["rows"]}
    one, two = rows["sharer_a1"], rows["sharer_a2"]
    # 阿一: order 1 (pending); order 3 is cancelled and 乙's order 10 names the same AppID: neither counts.
    assert (one["results"].orders, one["results"].gmv_fen, one["results"].pending_fen, one["results"].settled_fen) == (
        1,
        10_000,
        2_000,
        0,
    )
    assert (two["results"].orders, two["results"].gmv_fen, two["results"].settled_fen) == (1, 2_000, 400)
    assert (one["ratio_percent"], two["ratio_percent"]) == ("15.5%", "")


def test_products_show_ratios_as_percent_the_link_and_its_qr_code(a_client, data):
    a, _b = data
    page = a_client.get(reverse("partner:products"))
    html = page.content.decode()
    assert "15.5%" in html and "10.0%" in html
    assert 'value="https://weixin.qq.com/sl/promote-1001"' in html
    qr_url = reverse("partner:product_qr", kwargs={"pk": a.products[0].pk})
    assert f'src="{qr_url}"' in html
    response = a_client.get(qr_url)
    expected = io.BytesIO()
    segno.make("https://weixin.qq.com/sl/promote-1001", error="m").save(expected, kind="png", scale=6, border=2)
    assert (response.status_code, response["Content-Type"], response.content) == (200, "image/png", expected.getvalue())
    # A product without a link has no QR code.
    assert a_client.get(reverse("partner:product_qr", kwargs={"pk": a.products[1].pk})).status_code == 404


def test_products_show_the_exclusive_terms_shops_offer_the_agencys_bound_talents(a_client, data):
    a, _b = data
    shop = ShopFactory(name="共享小店", appid="wxshopshared000001")
    talent = Talent.objects.create(
        shop=shop, talent_appid="talent_a", nickname="甲的达人", status=Talent.Status.ACCEPTED
    )
    other = Talent.objects.create(
        shop=shop, talent_appid="talent_x", nickname="别家的达人", status=Talent.Status.ACCEPTED
    )
    AgencyTalent.objects.create(agency=a.agency, talent_appid="talent_a", synced_at=timezone.now())
    ExclusiveTerm.objects.create(
        shop=shop, talent=talent, product_id="1001", floor_price_fen=800, price_fen=990, stock=50, title="专属款"
    )
    ExclusiveTerm.objects.create(
        shop=shop, talent=other, product_id="1001", floor_price_fen=800, price_fen=900, stock=5
    )
    rows = a_client.get(reverse("partner:products")).context["rows"]
    terms = {r["product"].product_id: [(t.talent.talent_appid, t.price_fen, t.stock) for t in r["terms"]] for r in rows}
    assert terms == {"1001": [("talent_a", 990, 50)], "1002": []}


# --- commission orders: filters, totals, exports -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "order_ids"),
    [
        ({"shop": "wxshopainvite00001"}, ["3700000000000000004", "3700000000000000003"]),
        ({"product": "1002"}, ["3700000000000000002"]),
        ({"promoter": "sharer"}, ["3700000000000000004", "3700000000000000003", "3700000000000000001"]),
        ({"status": "100"}, ["3700000000000000004", "3700000000000000002"]),
        ({"date_from": "2026-03-02", "date_to": "2026-03-05"}, ["3700000000000000003", "3700000000000000002"]),
        (
            {"period": "paid", "date_from": "2026-03-03", "date_to": "2026-03-05"},
            ["3700000000000000003", "3700000000000000002"],
        ),
        ({"period": "paid", "date_from": "2026-03-08"}, ["3700000000000000004"]),
    ],
)
def test_commission_filters(a_client, query, order_ids):
    rows = a_client.get(reverse("partner:commissions"), query).context["rows"]
    assert [r["order_id"] for r in rows] == order_ids


def test_commission_totals_are_those_of_the_filtered_set(a_client):
    context = a_client.get(reverse("partner:commissions"), {"shop": "wxshopainvite00001"}).context
    totals = context["totals"]
    assert (totals.pending.count, totals.settled.count, totals.cancelled.count) == (0, 1, 1)
    assert (totals.settled.service_fen, totals.settled.promoter_fen, totals.cancelled.payment_fen) == (200, 400, 3_000)
    assert context["page"].paginator.count == 2


def test_a_filter_that_is_not_understood_is_shown_and_not_applied(a_client):
    response = a_client.get(
        reverse("partner:commissions"), {"status": "7", "date_from": "2026-03-09", "date_to": "2026-03-01"}
    )
    form = response.context["form"]
    assert {name: [e.code for e in errors.as_data()] for name, errors in form.errors.items()} == {
        "status": ["invalid_choice"],
        "date_to": ["date_range"],
    }
    assert len(response.context["rows"]) == 4
    assert "Some filters were not understood" in response.content.decode() or "筛选条件" in response.content.decode()


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_export_holds_the_filtered_rows_of_this_agency_with_ids_as_text(a_client):
    response = a_client.get(reverse("partner:commissions_csv"), {"promoter": "sharer"})
    assert response.status_code == 200
    rows = _csv_rows(response)
    assert len(rows[0]) == 21
    assert [row[0] for row in rows[1:]] == [
        '="3700000000000000004"',
        '="3700000000000000003"',
        '="3700000000000000001"',
    ]
    first = rows[-1]
    assert (first[3], first[4], first[10], first[15], first[17]) == (
        '="wxshopshared000001"',
        '="1001"',
        "100.00",
        "20.00",
        "10.00",
    )


def test_each_agency_exports_only_its_own_rows(client, data):
    for side, expected in zip(data, (4, 2), strict=True):
        client.force_login(side.user)
        ids = [row[0] for row in _csv_rows(client.get(reverse("partner:commissions_csv")))[1:]]
        newest_first = sorted(side.orders, key=lambda o: (o.create_time, o.pk), reverse=True)
        assert ids == [f'="{o.order_id}"' for o in newest_first]
        assert len(ids) == expected


def test_the_xlsx_export_holds_the_same_rows(a_client):
    response = a_client.get(reverse("partner:commissions_xlsx"), {"status": "100"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [(row[0], row[10], row[17]) for row in rows[1:]] == [
        ("3700000000000000004", 20.0, 2.0),
        ("3700000000000000002", 50.0, 5.0),
    ]


def test_an_export_with_a_filter_that_is_not_understood_is_refused(a_client):
    response = a_client.get(reverse("partner:commissions_csv"), {"status": "7"})
    assert response.status_code == 400


# --- another agency's objects --------------------------------------------------------------------------------------


def test_another_agencys_objects_answer_404_and_nothing_changes(a_client, data):
    _a, b = data
    urls = [
        reverse("partner:invitation_decide", kwargs={"pk": b.invitation.pk}),
        reverse("partner:product_qr", kwargs={"pk": b.products[0].pk}),
        reverse("partner:sharer_edit", kwargs={"pk": b.sharers[0].pk}),
        reverse("partner:api_key_revoke", kwargs={"prefix": b.key.prefix}),
    ]
    before = snapshot()
    for url in urls:
        assert a_client.get(url).status_code == 404, url
        posted = {"decision": "accept", "commission_type": 1, "commission_ratio": "10"}
        assert a_client.post(url, posted).status_code in (404, 405), url
    assert changes(before, snapshot()) == {}


# --- fixed query counts --------------------------------------------------------------------------------------------

LIST_PAGES = {
    # url name: queries (session, user, the user's agency membership, the agency, then the page's own)
    "partner:home": 7,
    "partner:shops": 6,
    "partner:products": 8,
    "partner:commissions": 7,
    "partner:sharers": 7,
    "partner:funds": 6,
    "partner:api_keys": 5,
}


def _more_rows(a: AgencyData, n: int) -> None:
    agency = a.agency
    for i in range(n):
        cooperation(agency, f"wxshopmore{n}{i:07d}", f"更多{i}", Cooperation.Status.ACCEPTED)
        cooperation(agency, f"wxshopinvi{n}{i:07d}", f"邀请{i}", Cooperation.Status.INVITING)
        product(agency, f"wxshopmore{n}{i:07d}", f"9{n}{i}", link=f"https://weixin.qq.com/sl/{n}{i}")
        commission(agency, f"39{n}{i:05d}", shop_appid="wxshopshared000001", status=SETTLED, created=at(10))
        sharer(agency, f"sharer_more{n}{i}", f"更多推客{i}")
        flow(agency, f"fmore{n}{i}", FundsFlow.Type.PROFIT_SHARING, 1, 1, 10)
        AgencyAPIKey.objects.create_key(agency=agency, name=f"key{n}{i}")


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_list_pages_run_a_fixed_number_of_queries(a_client, data, django_assert_num_queries, url_name):
    a, _b = data
    url = reverse(url_name)
    a_client.get(url)  # the session's first request stamps its start (one more query, once)
    with django_assert_num_queries(LIST_PAGES[url_name]):
        assert a_client.get(url).status_code == 200
    _more_rows(a, 6)
    with django_assert_num_queries(LIST_PAGES[url_name]):
        assert a_client.get(url).status_code == 200


def test_a_long_list_is_paged_and_keeps_its_filters(a_client, data):
    a, _b = data
    for i in range(60):
        commission(a.agency, f"38{i:05d}", shop_appid="wxshopainvite00001", status=SETTLED, created=at(12))
    response = a_client.get(reverse("partner:commissions"), {"shop": "wxshopainvite00001", "page": "2"})
    page = response.context["page"]
    assert (page.number, page.paginator.num_pages, page.paginator.count, len(response.context["rows"])) == (
        2,
        2,
        62,
        12,
    )
    assert 'href="?shop=wxshopainvite00001&amp;page=1"' in response.content.decode()
    # Not a number: the first page; past the end: the last.
    assert a_client.get(reverse("partner:commissions"), {"page": "x"}).context["page"].number == 1
    assert a_client.get(reverse("partner:commissions"), {"page": "99"}).context["page"].number == 2


def test_empty_pages_say_what_will_appear(client):
    member = AgencyMemberFactory()
    client.force_login(member.user)
    for name in ("partner:shops", "partner:products", "partner:commissions", "partner:sharers", "partner:funds"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "empty-state" in response.content.decode(), name


# --- a suspended agency --------------------------------------------------------------------------------------------

PAGES = (
    "partner:home",
    "partner:shops",
    "partner:products",
    "partner:commissions",
    "partner:commissions_csv",
    "partner:commissions_xlsx",
    "partner:sharers",
    "partner:funds",
    "partner:api_keys",
)


def test_a_suspended_agencys_portal_stays_closed(a_client, data):
    a, _b = data
    Agency.objects.filter(pk=a.agency.pk).update(status=Agency.Status.SUSPENDED)
    before = snapshot()
    for name in PAGES:
        response = a_client.get(reverse(name))
        assert response.status_code == 403, name
        assert response.templates[0].name == "partner/closed.html"
    object_urls = [
        reverse("partner:invitation_decide", kwargs={"pk": a.invitation.pk}),
        reverse("partner:sharer_edit", kwargs={"pk": a.sharers[0].pk}),
        reverse("partner:api_key_revoke", kwargs={"prefix": a.key.prefix}),
        reverse("partner:api_key_create"),
    ]
    for url in object_urls:
        assert a_client.post(url, {"decision": "accept", "name": "新的"}).status_code == 403, url
    assert changes(before, snapshot()) == {}

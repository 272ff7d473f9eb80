"""The console's commission pages: the commission list and the difference list with their filters, totals,
pagination and downloads; a fixed number of queries whatever the number of lines; another shop's lines never
shown; roles."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from affiliates.models import CommissionLine, Reason
from affiliates.services.commissions import commission_rollups_rebuild
from shopops.roles import Role
from tests.factories import ORDER_T0, MembershipFactory, ShopFactory

pytestmark = pytest.mark.django_db


def commission_line(shop, n, **fields) -> CommissionLine:
    """A reconciled line: order 37…n paid ``n`` hours after ORDER_T0, 10% of 10000 expected; the shop's roll-ups
    summed again, as the reconciliation keeps them."""
    values = {
        "order_id": f"37{n:017d}",
        "sku_id": "40000001",
        "product_id": "10000001",
        "party": CommissionLine.Party.TALENT,
        "party_id": "wxtalent000000001",
        "nickname": "小鹿",
        "status": CommissionLine.Status.UNSETTLED,
        "pay_time": ORDER_T0 + timedelta(hours=n),
        "paid_fen": 10000,
        "platform_amount_fen": 1000,
        "expected_ratio_ppm": 100_000,
        "expected_amount_fen": 1000,
        "synced_at": ORDER_T0,
        **fields,
    }
    line = CommissionLine.objects.create(shop=shop, **values)
    commission_rollups_rebuild(shop=shop)
    return line


@pytest.fixture
def owner_client(owner_client):
    """The shop owner's client, reading the pages in English (the texts below are the msgids)."""
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return owner_client


def url(name, shop, query="") -> str:
    return reverse(f"console:{name}", kwargs={"shop": shop.public_id}) + (f"?{query}" if query else "")


@pytest.fixture
def lines(shop):
    """Three lines of the shop: one matching, one mis-computed by 3 fen, one agency line with a plan change; and a
    line of another shop that must never show."""
    commission_line(ShopFactory(), 9, order_id="3799999999999999999", platform_amount_fen=5,
                    difference_fen=-995, reason=Reason.PLATFORM_MISCOMPUTED)  # fmt: skip
    return [
        commission_line(shop, 1),
        commission_line(shop, 2, platform_amount_fen=1003, difference_fen=3, reason=Reason.PLATFORM_MISCOMPUTED),
        commission_line(
            shop,
            3,
            party=CommissionLine.Party.AGENCY,
            party_id="wxagency000000001",
            nickname="星河机构",
            agency_appid="wxagency000000001",
            platform_amount_fen=200,
            expected_ratio_ppm=30_000,
            expected_amount_fen=300,
            difference_fen=-100,
            reason=Reason.PLAN_CHANGED,
        ),  # fmt: skip
    ]


def order_ids(response) -> list[str]:
    return [row["line"].order_id for row in response.context["rows"]]


def test_the_commission_list_shows_the_shops_lines_with_totals(owner_client, shop, lines):
    response = owner_client.get(url("affiliate_commissions", shop))

    assert response.status_code == 200
    assert order_ids(response) == [lines[2].order_id, lines[1].order_id, lines[0].order_id]
    totals = response.context["totals"]
    assert (totals.lines, totals.platform_fen, totals.expected_fen, totals.difference_fen) == (3, 2203, 2300, -97)
    content = response.content.decode()
    assert "3799999999999999999" not in content
    assert "¥10.03" in content and "-¥0.97" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("reason=any", [3, 2]),
        ("reason=match", [1]),
        ("reason=plan_changed", [3]),
        ("party=1", [3]),
        ("agency=wxagency000000001", [3]),
        ("talent=wxtalent000000001", [2, 1]),
        ("product=10000002", []),
        ("month=2026-11", [3, 2, 1]),
        ("month=2026-12", []),
        ("q=3700000000000000002", [2]),
    ],
)
def test_the_list_filters(owner_client, shop, lines, query, expected):
    response = owner_client.get(url("affiliate_commissions", shop, query))

    assert order_ids(response) == [f"37{n:017d}" for n in expected]


def test_an_invalid_filter_is_reported_and_filters_nothing(owner_client, shop, lines):
    response = owner_client.get(url("affiliate_commissions", shop, "month=2026-13&reason=nonsense&party=1"))

    assert set(response.context["form"].errors) == {"month", "reason"}
    assert order_ids(response) == [lines[2].order_id]
    assert "Some filters were not understood" in response.content.decode()


def test_the_difference_list_shows_only_differences_with_totals_per_reason(owner_client, shop, lines):
    response = owner_client.get(url("affiliate_differences", shop))

    assert order_ids(response) == [lines[2].order_id, lines[1].order_id]
    assert [(t.reason, t.lines, t.difference_fen) for t in response.context["by_reason"]] == [
        (Reason.PLAN_CHANGED, 1, -100),
        (Reason.PLATFORM_MISCOMPUTED, 1, 3),
    ]
    assert response.context["totals"].difference_fen == -97

    only = owner_client.get(url("affiliate_differences", shop, "reason=platform_miscomputed"))
    assert order_ids(only) == [lines[1].order_id]


def test_empty_states(owner_client, shop):
    assert "No commissions yet" in owner_client.get(url("affiliate_commissions", shop)).content.decode()
    assert "No differences" in owner_client.get(url("affiliate_differences", shop)).content.decode()
    filtered = owner_client.get(url("affiliate_commissions", shop, "product=1"))
    assert "No commission lines match these filters" in filtered.content.decode()


def test_pages_of_fifty(owner_client, shop):
    for n in range(1, 53):
        commission_line(shop, n)

    first = owner_client.get(url("affiliate_commissions", shop))
    last = owner_client.get(url("affiliate_commissions", shop, "page=2"))

    assert (len(first.context["rows"]), first.context["totals"].lines) == (50, 52)
    assert order_ids(last) == [f"37{n:017d}" for n in (2, 1)]


@pytest.mark.parametrize("name", ["affiliate_commissions", "affiliate_differences"])
def test_a_fixed_number_of_queries(owner_client, shop, name, django_assert_num_queries):
    for n in range(1, 4):
        commission_line(shop, n, reason=Reason.PLATFORM_MISCOMPUTED, difference_fen=1)
    owner_client.get(url(name, shop))  # session and caches warm
    with django_assert_num_queries(10 if name == "affiliate_differences" else 9) as few:
        owner_client.get(url(name, shop))
    for n in range(4, 80):
        commission_line(shop, n, reason=Reason.PLATFORM_MISCOMPUTED, difference_fen=1)
    with django_assert_num_queries(len(few.captured_queries)):
        owner_client.get(url(name, shop, "page=2"))


def test_csv_export_holds_the_filtered_lines_with_ids_as_text(owner_client, shop, lines):
    response = owner_client.get(url("affiliate_commissions_csv", shop, "differences=1"))

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Order id", "Paid", "Product id"]
    assert [r[0] for r in rows[1:]] == [f'="{lines[2].order_id}"', f'="{lines[1].order_id}"']
    assert rows[2][9:17] == ["100.00", "0.00", "10.03", "10.00%", "10.00", "0.03", "Platform mis-computed", "No"]
    assert "commission" in response["Content-Disposition"].lower() or "filename" in response["Content-Disposition"]


def test_xlsx_export(owner_client, shop, lines):
    response = owner_client.get(url("affiliate_commissions_xlsx", shop, "party=1"))

    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(v[0], v[5], v[11], v[14], v[15]) for v in values] == [
        (lines[2].order_id, "wxagency000000001", 2, -1, "Plan changed after payment")
    ]


def test_a_refused_filter_makes_no_file(owner_client, shop, lines):
    response = owner_client.get(url("affiliate_commissions_csv", shop, "month=someday"))

    assert response.status_code == 400
    assert "No file was made" in response.content.decode()


def test_another_shops_pages_are_404(owner_client):
    other = ShopFactory()
    for name in ("affiliate_commissions", "affiliate_differences", "affiliate_commissions_csv"):
        assert owner_client.get(url(name, other)).status_code == 404


def test_an_analyst_reads_and_exports(client, shop, lines):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)

    assert client.get(url("affiliate_commissions", shop)).status_code == 200
    assert client.get(url("affiliate_commissions_csv", shop)).status_code == 200

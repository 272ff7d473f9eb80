"""The commission report: commission and GMV by agency, talent, product and month (exact sums, GMV counted once
per order line), its chart data, CSV and XLSX, a fixed number of queries, and other shops' lines left out."""

import csv
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from affiliates.models import CommissionLine, Reason
from tests.affiliates.test_commissions_views import commission_line
from tests.factories import ORDER_T0, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

AGENCY = "wxagency000000001"
TALENT = "wxtalent000000001"
DECEMBER = 24 * 20  # hours after ORDER_T0 (2026-11-20): a payment in December 2026


@pytest.fixture
def owner_client(owner_client):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return owner_client


@pytest.fixture
def lines(shop):
    """An agency sale (promoter 1200 + service 300 on 10000 paid), a talent sale of the same product in November
    (1000 on 10000) and one of another product in December (500 on 5000, platform 3 fen over); another shop's."""
    ProductFactory(shop=shop, product_id="10000001", title="保温杯")
    commission_line(ShopFactory(), 50, platform_amount_fen=99999)
    agency = {"agency_appid": AGENCY, "product_id": "10000001"}
    commission_line(shop, 1, party_id="sphFinder001", nickname="阿远", platform_amount_fen=1200,
                    expected_amount_fen=1200, **agency)  # fmt: skip
    commission_line(shop, 1, party=CommissionLine.Party.AGENCY, party_id=AGENCY, nickname="星河机构",
                    platform_amount_fen=300, expected_amount_fen=300, **agency)  # fmt: skip
    commission_line(shop, 2, party_id=TALENT)
    commission_line(shop, DECEMBER, party_id=TALENT, product_id="10000002", paid_fen=5000, platform_amount_fen=503,
                    expected_amount_fen=500, difference_fen=3, reason=Reason.PLATFORM_MISCOMPUTED)  # fmt: skip


def report(client, shop, query=""):
    response = client.get(reverse("console:affiliate_reports", kwargs={"shop": shop.public_id}) + "?" + query)
    assert response.status_code == 200
    return response


def sums(response) -> list[tuple]:
    return [
        (r["key"], r["name"], r["lines"], r["gmv_fen"], r["platform_fen"], r["expected_fen"], r["difference_fen"])
        for r in response.context["rows"]
    ]


def test_by_agency(owner_client, shop, lines):
    response = report(owner_client, shop, "by=agency")

    assert sums(response) == [(AGENCY, "星河机构", 2, 10000, 1500, 1500, 0)]
    assert response.context["totals"] == {
        "lines": 2, "gmv_fen": 10000, "platform_fen": 1500, "expected_fen": 1500, "difference_fen": 0,
    }  # fmt: skip


def test_by_talent(owner_client, shop, lines):
    assert sums(report(owner_client, shop, "by=talent")) == [
        (TALENT, "小鹿", 2, 15000, 1503, 1500, 3),
        ("sphFinder001", "阿远", 1, 10000, 1200, 1200, 0),
    ]


def test_by_product_counts_gmv_once_per_order_line(owner_client, shop, lines):
    response = report(owner_client, shop, "by=product")

    assert sums(response) == [
        ("10000001", "保温杯", 3, 20000, 2500, 2500, 0),
        ("10000002", "", 1, 5000, 503, 500, 3),
    ]
    assert response.context["totals"]["gmv_fen"] == 25000


def test_by_month_in_order_with_the_chart(owner_client, shop, lines):
    response = report(owner_client, shop, "by=month")

    assert sums(response) == [("2026-11", "", 3, 20000, 2500, 2500, 0), ("2026-12", "", 1, 5000, 503, 500, 3)]
    chart = response.context["chart"]
    assert (chart["labels"], chart["line"]) == (["2026-11", "2026-12"], True)
    assert [s["fen"] for s in chart["series"]] == [[20000, 5000], [2500, 503]]
    assert 'id="report-chart-data"' in response.content.decode()


def test_months_limit_the_report(owner_client, shop, lines):
    assert sums(report(owner_client, shop, "by=month&month_from=2026-12&month_to=2026-12")) == [
        ("2026-12", "", 1, 5000, 503, 500, 3)
    ]
    refused = report(owner_client, shop, "by=month&month_from=2026-12&month_to=2026-11")
    assert set(refused.context["form"].errors) == {"month_to"}
    assert len(refused.context["rows"]) == 2  # the range is left out whole


def test_empty_report(owner_client, shop):
    assert "Nothing to report" in report(owner_client, shop).content.decode()


def test_a_fixed_number_of_queries(owner_client, shop, lines, django_assert_num_queries):
    report(owner_client, shop, "by=product")
    with django_assert_num_queries(9) as few:
        report(owner_client, shop, "by=product")
    for n in range(3, 40):
        commission_line(shop, n, product_id=f"2{n:07d}")
    with django_assert_num_queries(len(few.captured_queries)):
        report(owner_client, shop, "by=product&page=2")


def test_csv_and_xlsx_hold_every_group(owner_client, shop, lines):
    kwargs = {"shop": shop.public_id}
    response = owner_client.get(reverse("console:affiliate_reports_csv", kwargs=kwargs) + "?by=product")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        [
            "Product id",
            "Name",
            "Commission lines",
            "GMV (¥)",
            "Platform commission (¥)",
            "Expected commission (¥)",
            "Difference (¥)",
        ],  # fmt: skip
        ['="10000001"', "保温杯", "3", "200.00", "25.00", "25.00", "0.00"],
        ['="10000002"', "", "1", "50.00", "5.03", "5.00", "0.03"],
    ]

    response = owner_client.get(reverse("console:affiliate_reports_xlsx", kwargs=kwargs) + "?by=month")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        ("2026-11", "", 3, 200, 25, 25, 0),
        ("2026-12", "", 1, 50, 5.03, 5, 0.03),
    ]


def test_another_shops_report_is_404(owner_client):
    other = ShopFactory()
    for name in ("affiliate_reports", "affiliate_reports_csv", "affiliate_reports_xlsx"):
        assert owner_client.get(reverse(f"console:{name}", kwargs={"shop": other.public_id})).status_code == 404


def test_the_months_are_beijing_months(owner_client, shop):
    # 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Beijing
    commission_line(shop, 1, pay_time=ORDER_T0.replace(day=30, hour=16, minute=30))
    commission_line(shop, 2, pay_time=ORDER_T0.replace(day=30, hour=15, minute=30))

    assert [r[0] for r in sums(report(owner_client, shop, "by=month"))] == ["2026-11", "2026-12"]

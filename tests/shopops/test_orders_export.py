"""Order exports: the page's filter, one row per order line, CSV with a BOM, XLSX that opens, the shop's rows only."""

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shopops import exports
from shopops.channels import Channel
from shopops.models import Order
from shopops.roles import Role
from tests.factories import MembershipFactory, OrderFactory, OrderLineFactory, ShopFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "Order id",
    "Created",
    "Paid",
    "Status",
    "Product id",
    "Product",
    "SKU id",
    "Quantity",
    "Unit price (¥)",
    "Line paid (¥)",
    "Channel",
    "Account",
    "Account id",
    "Coupon used",
    "In after-sale",
    "Settled",
]
BOM = b"\xef\xbb\xbf"
CREATED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def shop(db):
    return ShopFactory(name="华东旗舰店")


@pytest.fixture
def owner_client(client, shop):
    client.force_login(MembershipFactory(shop=shop, role=Role.OWNER).user)
    return client


@pytest.fixture
def orders(shop):
    live = OrderFactory(
        shop=shop,
        order_id="3720000000000000001",
        create_time=CREATED,
        pay_time=CREATED + timedelta(minutes=1),
        settle_time=CREATED + timedelta(days=10),
        aftersale_count=1,
        order_price_fen=5470,
    )
    OrderLineFactory(
        order=live,
        product_id="10001",
        sku_id="20001",
        title="保温杯 500ml",
        sku_cnt=2,
        sale_price_fen=1990,
        real_price_fen=3480,
        channel=Channel.FINDER_LIVE,
        account_id="sph123",
        account_nickname="好物直播间",
        coupons=[{"coupon_type": 1, "coupon_id": "77", "discounted_price": 500}],
    )
    OrderLineFactory(
        order=live,
        product_id="10002",
        sku_id="20002",
        title='=HYPERLINK("http://evil")',
        sku_cnt=1,
        sale_price_fen=1990,
        real_price_fen=1990,
        channel=Channel.OTHER,
    )
    unpaid = OrderFactory(
        shop=shop,
        order_id="3720000000000000002",
        status=Order.Status.UNPAID,
        create_time=CREATED + timedelta(hours=1),
        pay_time=None,
    )
    OrderLineFactory(order=unpaid, product_id="10003", sku_id="20003", title="杯套", channel=Channel.MP_ARTICLE)
    # Another shop's order on the same live stream: never in this shop's export.
    theirs = OrderFactory(order_id="3729999999999999999", create_time=CREATED)
    OrderLineFactory(order=theirs, title="别家的货", channel=Channel.FINDER_LIVE, account_id="sph123")
    return {"live": live, "unpaid": unpaid, "theirs": theirs}


def wall_clock(*args) -> datetime:
    """A Shanghai wall-clock time as openpyxl reads it back: Excel cells have no time zone."""
    return datetime(*args, tzinfo=UTC).replace(tzinfo=None)


def _url(shop, fmt, **params):
    url = reverse(f"console:orders_{fmt}", kwargs={"shop": shop.public_id})
    return f"{url}?{urlencode(params)}" if params else url


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8"))))


# Ids are ="…" formulas whose value is the id as text: Excel and WPS round 19-digit numbers (exports._csv_id).
LIVE_ROWS = [
    [
        '="3720000000000000001"',
        "2026-11-20 10:00:00",
        "2026-11-20 10:01:00",
        "Awaiting shipment",
        '="10001"',
        "保温杯 500ml",
        '="20001"',
        "2",
        "19.90",
        "34.80",
        "Channels live stream",
        "好物直播间",
        '="sph123"',
        "Yes",
        "Yes",
        "Yes",
    ],
    [
        '="3720000000000000001"',
        "2026-11-20 10:00:00",
        "2026-11-20 10:01:00",
        "Awaiting shipment",
        '="10002"',
        '\'=HYPERLINK("http://evil")',  # a formula is defused
        '="20002"',
        "1",
        "19.90",
        "19.90",
        "Natural traffic and other",
        "",
        "",
        "No",
        "Yes",
        "Yes",
    ],
]
UNPAID_ROW = [
    '="3720000000000000002"',
    "2026-11-20 11:00:00",
    "",
    "Awaiting payment",
    '="10003"',
    "杯套",
    '="20003"',
    "1",
    "19.90",
    "19.90",
    "Official account article",
    "",
    "",
    "No",
    "No",
    "No",
]


def test_csv_has_a_bom_and_one_row_per_line_of_the_filtered_orders(owner_client, shop, orders):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # Filtered by channel: the whole live order comes out (both its lines), as on the page.
    assert _csv_rows(owner_client.get(_url(shop, "csv", channel="finder_live"))) == [HEADER, *LIVE_ROWS]
    # No filter, oldest first: every line of every order of this shop, and nothing of the other shop's.
    assert _csv_rows(owner_client.get(_url(shop, "csv", sort="created"))) == [HEADER, *LIVE_ROWS, UNPAID_ROW]
    assert _csv_rows(owner_client.get(_url(shop, "csv", settled="no"))) == [HEADER, UNPAID_ROW]
    assert _csv_rows(owner_client.get(_url(shop, "csv", status=100))) == [HEADER]


def test_csv_ids_survive_excel_as_text_after_the_bom(owner_client, shop, orders):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = b"".join(owner_client.get(_url(shop, "csv", settled="no")).streaming_content)
    # Byte for byte: the BOM, the header, then the unpaid order's line with every id as a quoted ="…" formula.
    assert body == (
        BOM + b"Order id,Created,Paid,Status,Product id,Product,SKU id,Quantity,Unit price (\xc2\xa5),"
        b"Line paid (\xc2\xa5),Channel,Account,Account id,Coupon used,In after-sale,Settled\r\n"
        + '"=""3720000000000000002""",2026-11-20 11:00:00,,Awaiting payment,"=""10003""",杯套,"=""20003""",1,19.90,'
        "19.90,Official account article,,,No,No,No\r\n".encode()
    )


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("3720000000000000001", '="3720000000000000001"'),  # 19 digits: a number would keep 15 of them
        ("0012345", '="0012345"'),  # leading zeros
        ("1E5", '="1E5"'),  # would read as 100000
        ('a"b', '="a""b"'),  # a quote cannot end the formula's string early
        ("", ""),
        ("=1+1", '="=1+1"'),  # inside the string, a formula is only text
        ("9" * 256, "9" * 256),  # past a formula string's 255 characters: plain text
        ("=" + "9" * 255, "'=" + "9" * 255),  # ... and defused like any text
    ],
)
def test_id_cells(value, cell):
    table = exports.Table(columns=[exports.Column("id", exports.Kind.ID)], rows=[[value]])
    body = b"".join(exports.csv_response(table, filename="t.csv").streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [["id"], [cell]]


def test_csv_in_chinese_keeps_the_chinese_text(owner_client, shop, orders):
    rows = _csv_rows(owner_client.get(_url(shop, "csv", channel="finder_live")))
    assert rows[1][3:6] == ["待发货", '="10001"', "保温杯 500ml"]
    assert rows[1][10:12] == ["视频号直播", "好物直播间"]


def test_csv_file_name_has_the_shop_and_the_date(owner_client, shop, orders):
    response = owner_client.get(_url(shop, "csv"))
    today = timezone.localdate().strftime("%Y%m%d")
    # Django encodes a non-ASCII file name per RFC 5987.
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(f'订单-华东旗舰店-{today}.csv')}"
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_xlsx_opens_and_holds_the_same_rows(owner_client, shop, orders):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = owner_client.get(_url(shop, "xlsx", sort="created"))
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(f'orders-华东旗舰店-{today}.xlsx')}"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"PK\x03\x04"
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["Orders"]
    rows = [list(row) for row in book["Orders"].iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert rows[1] == [
        "3720000000000000001",
        wall_clock(2026, 11, 20, 10, 0),
        wall_clock(2026, 11, 20, 10, 1),
        "Awaiting shipment",
        "10001",
        "保温杯 500ml",
        "20001",
        2,
        19.9,
        34.8,
        "Channels live stream",
        "好物直播间",
        "sph123",
        "Yes",
        "Yes",
        "Yes",
    ]
    # Text stays text: the formula-looking title is not a formula in a cell written as a string.
    assert rows[2][5] == '=HYPERLINK("http://evil")'
    # Ids are string cells (never numbers Excel would round), without the "number stored as text" warning.
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book["Orders"]
    assert [(cell.value, cell.data_type) for cell in (sheet["A2"], sheet["E2"], sheet["G2"], sheet["M2"])] == [
        ("3720000000000000001", "s"),
        ("10001", "s"),
        ("20001", "s"),
        ("sph123", "s"),
    ]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert (
        '<ignoredErrors><ignoredError sqref="A1:A1048576 E1:E1048576 G1:G1048576 M1:M1048576" '
        'numberStoredAsText="1"/></ignoredErrors>'
    ) in sheet_xml
    assert rows[3][:4] == ["3720000000000000002", wall_clock(2026, 11, 20, 11, 0), None, "Awaiting payment"]
    assert len(rows) == 4


def test_xlsx_in_chinese_keeps_the_chinese_text(owner_client, shop, orders):
    response = owner_client.get(_url(shop, "xlsx", channel="finder_live"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    (sheet,) = book.worksheets
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[5] for row in rows[1:]] == ["保温杯 500ml", '=HYPERLINK("http://evil")']
    assert rows[1][3] == "待发货"
    assert rows[1][10] == "视频号直播"
    assert "别家的货" not in str(rows)


def test_export_rejects_unreadable_filters(owner_client, shop, orders):
    response = owner_client.get(_url(shop, "csv", status="abc"))
    assert response.status_code == 400
    assert owner_client.get(_url(shop, "xlsx", created_from="yesterday")).status_code == 400


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"channel": "finder_live", "paid_from": "2026-11-21", "paid_to": "2026-11-20"},
            "Paid to: The end date is before the start date.",
        ),
        ({"created_to": "9999-12-31"}, "Created to: Choose a day from 2000-01-01 to 2099-12-31."),  # was a 500
        ({"created_from": "0001-01-01"}, "Created from: Choose a day from 2000-01-01 to 2099-12-31."),
    ],
)
def test_export_refuses_a_refused_date_range_whole_with_the_reason(owner_client, shop, orders, fmt, params, error):
    # The list would show the other filters' orders with the error; a file cannot carry the error, so none is made.
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = owner_client.get(_url(shop, fmt, **params))
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == f"No file was made: these filters were not understood.\n{error}\n"


def test_analyst_can_export(client, shop, orders):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _csv_rows(client.get(_url(shop, "csv", settled="no"))) == [HEADER, UNPAID_ROW]
    assert client.get(_url(shop, "xlsx")).status_code == 200
    assert client.post(_url(shop, "csv")).status_code == 405


def test_another_shops_member_cannot_export_this_shop(client, shop, orders):
    stranger = MembershipFactory(role=Role.OWNER)
    client.force_login(stranger.user)
    assert client.get(_url(shop, "csv")).status_code == 404
    assert client.get(_url(shop, "xlsx")).status_code == 404
    # Their own export holds nothing of this shop's.
    rows = _csv_rows(client.get(_url(stranger.shop, "csv")))
    assert rows[1:] == []


def test_export_runs_a_fixed_number_of_queries(owner_client, shop):
    def export_queries():
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(_url(shop, "csv"))
            rows = _csv_rows(response)
        return len(queries), len(rows) - 1

    owner_client.get(_url(shop, "csv"))
    order = OrderFactory(shop=shop)
    OrderLineFactory(order=order)
    few = export_queries()
    for _ in range(30):
        OrderLineFactory(order=OrderFactory(shop=shop))
    many = export_queries()
    assert (few[1], many[1]) == (1, 31)
    assert few[0] == many[0]


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # the header and two rows per sheet
    table = exports.Table(
        columns=[exports.Column("编号", exports.Kind.INT), exports.Column("金额", exports.Kind.MONEY)],
        rows=iter([(n, n * 101) for n in range(1, 6)]),
    )
    response = exports.xlsx_response(table, filename="t.xlsx", sheet_name="订单")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["订单", "订单 (2)", "订单 (3)"]
    assert [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets] == [
        [["编号", "金额"], [1, 1.01], [2, 2.02]],
        [["编号", "金额"], [3, 3.03], [4, 4.04]],
        [["编号", "金额"], [5, 5.05]],
    ]


def test_csv_defuses_every_formula_start_but_not_numbers():
    table = exports.Table(
        columns=[exports.Column("text"), exports.Column("money", exports.Kind.MONEY)],
        rows=iter([("=1+1", -150), ("+86 138", 0), ("-x", 5), ("@SUM(A1)", 100), ("plain", None)]),
    )
    body = b"".join(exports.csv_response(table, filename="t.csv").streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [
        ["text", "money"],
        ["'=1+1", "-1.50"],
        ["'+86 138", "0.00"],
        ["'-x", "0.05"],
        ["'@SUM(A1)", "1.00"],
        ["plain", ""],
    ]

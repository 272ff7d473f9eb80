"""Downloads: tables streamed as CSV (UTF-8 with a BOM, so Excel shows Chinese) or written to XLSX.

Both formats take the same input: column definitions and an iterator of rows, so a table is defined once and each
row is built once, while the file is written. Nothing holds the whole table in memory: the CSV streams chunk by
chunk over the query's iterator, and XlsxWriter in ``constant_memory`` mode flushes every row to a temporary file
that is then sent with ``FileResponse`` (and deleted when the response closes).

Platform ids stay text in both formats (``Kind.ID``): a string cell in XLSX, a ="…" formula in CSV (see
``_csv_id``), so Excel and WPS neither round a 19-digit order id nor drop leading zeros.

Money is integer fen up to the last step. CSV cells get the exact yuan text (``1234.56``); XLSX cells get a number
with the ``0.00`` format, because only a number cell lets a merchant sum a column (Excel stores every number as a
binary double: the conversion happens at the file boundary and nothing is computed from it).
"""

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_range

from shopops.channels import Channel
from shopops.models import Order
from shopops.money import fen_to_yuan, yuan_str

CSV_CHUNK_ROWS = 500
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header row included
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A text cell starting with one of these is a formula to a spreadsheet (CSV injection): product titles and account
# nicknames come from third parties, so such text is prefixed with an apostrophe, which spreadsheets hide.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Kind(StrEnum):
    TEXT = "text"
    ID = "id"  # a platform id (order, product, SKU, after-sale, coupon, live …): text that must stay exactly text
    INT = "int"
    MONEY = "money"  # integer fen
    DATETIME = "datetime"  # aware datetime, shown in the project's time zone


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: int = 14


@dataclass(frozen=True)
class Table:
    """A download: columns (headers already translated) and rows of plain values, one per column."""

    columns: Sequence[Column]
    rows: Iterable[Sequence]


def safe_filename(*parts: str, extension: str) -> str:
    """``订单-华东旗舰店-20261126.csv``: the parts joined by dashes, without characters file systems refuse."""
    name = "-".join(re.sub(r'[\\/:*?"<>|\s]+', "_", part).strip("_") for part in parts if part)
    return f"{name}.{extension}"


def _local(value: datetime) -> datetime:
    return timezone.localtime(value, timezone.get_default_timezone())


# Excel and WPS Spreadsheets read a CSV cell that looks like a number as a number: a 19-digit order id keeps 15
# significant digits (3720000000000000001 becomes 3.72E+18 and saves back as 3720000000000000000), and leading
# zeros go. An id is therefore written as the formula ="…", whose value is the text itself: both programs (and
# LibreOffice) show exactly the digits and keep them as text; the csv module quotes it as "=""…""", the form long
# used with Excel for exactly this. The alternatives fail one of the two: an apostrophe is hidden only when typed
# into a cell, so a CSV shows it as part of the id; a leading tab stays in the value, so the id no longer matches
# the same id elsewhere (VLOOKUP, copy and paste). A formula's string holds at most 255 characters; a longer value
# (no platform id is) is written as plain text.
ID_FORMULA_MAX = 255


def _csv_id(value) -> str:
    text = str(value)
    if not text:
        return ""
    if len(text) > ID_FORMULA_MAX:
        return _csv_text(text)
    return '="' + text.replace('"', '""') + '"'


def _csv_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(kind: Kind, value) -> str | int:
    if value is None:
        return ""
    if kind is Kind.ID:
        return _csv_id(value)
    if kind is Kind.MONEY:
        return yuan_str(value)
    if kind is Kind.DATETIME:
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if kind is Kind.INT:
        return value
    return _csv_text(str(value))


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_chunks(table: Table) -> Iterator[str]:
    writer = csv.writer(_Echo())
    kinds = [c.kind for c in table.columns]
    yield "\ufeff" + writer.writerow([c.header for c in table.columns])
    chunk = []
    for row in table.rows:
        chunk.append(writer.writerow([_csv_cell(k, v) for k, v in zip(kinds, row, strict=True)]))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def csv_response(table: Table, *, filename: str) -> StreamingHttpResponse:
    """Stream ``table`` as CSV: UTF-8 with a byte-order mark, one chunk per few hundred rows."""
    response = StreamingHttpResponse(_csv_chunks(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _xlsx_writer(workbook, table: Table, sheet_name: str) -> Callable[[], object]:
    """A function that adds a sheet (``name``, ``name (2)`` …) with the header row and sizes the columns."""
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    count = 0

    def new_sheet():
        nonlocal count
        count += 1
        sheet = workbook.add_worksheet(sheet_name if count == 1 else f"{sheet_name} ({count})")
        for i, column in enumerate(table.columns):
            sheet.set_column(i, i, column.width)
            sheet.write_string(0, i, column.header, bold)
        sheet.freeze_panes(1, 0)
        # Id columns hold digits as text on purpose: no "number stored as text" warning on each of their cells.
        id_columns = [xl_range(0, i, XLSX_MAX_ROWS - 1, i) for i, c in enumerate(table.columns) if c.kind is Kind.ID]
        if id_columns:
            sheet.ignore_errors({"number_stored_as_text": " ".join(id_columns)})
        return sheet

    return new_sheet


def xlsx_response(table: Table, *, filename: str, sheet_name: str) -> FileResponse:
    """Write ``table`` to a temporary XLSX file in constant memory and send it; the file goes when the response does.

    A table longer than Excel's row limit continues on further sheets.
    """
    tmp = tempfile.NamedTemporaryFile(prefix="shopops-export-", suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        workbook = xlsxwriter.Workbook(
            tmp.name,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "remove_timezone": True,
            },
        )
        money = workbook.add_format({"num_format": "0.00"})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        new_sheet = _xlsx_writer(workbook, table, sheet_name[:31])
        kinds = [c.kind for c in table.columns]
        sheet, r = new_sheet(), 0
        for row in table.rows:
            r += 1
            if r >= XLSX_MAX_ROWS:
                sheet, r = new_sheet(), 1
            for c, (kind, value) in enumerate(zip(kinds, row, strict=True)):
                if value is None:
                    continue
                if kind is Kind.MONEY:
                    sheet.write_number(r, c, fen_to_yuan(value), money)
                elif kind is Kind.DATETIME:
                    sheet.write_datetime(r, c, _local(value).replace(tzinfo=None), when)
                elif kind is Kind.INT:
                    sheet.write_number(r, c, value)
                else:  # TEXT and ID: a string cell, never a number, whatever the text looks like
                    sheet.write_string(r, c, str(value))
        workbook.close()
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


# --- the order export --------------------------------------------------------------------------------------------


def order_lines_table(lines: Iterable) -> Table:
    """The order export: one row per order line, because a merchant reconciles products and channels per line.

    Order-level values (order id, times, status, after-sale, settled) repeat on each line of the order; amounts
    are per line (unit price and what the buyer paid for the line), so a column sum is a true total. Headers and
    labels are translated now, in the request's language, before the rows stream.
    """
    statuses = {value: str(label) for value, label in Order.Status.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    yes, no = _("Yes"), _("No")
    columns = [
        Column(_("Order id"), Kind.ID, width=22),
        Column(_("Created"), Kind.DATETIME, width=20),
        Column(_("Paid"), Kind.DATETIME, width=20),
        Column(_("Status"), width=12),
        Column(_("Product id"), Kind.ID, width=16),
        Column(_("Product"), width=36),
        Column(_("SKU id"), Kind.ID, width=16),
        Column(_("Quantity"), Kind.INT, width=8),
        Column(_("Unit price (¥)"), Kind.MONEY, width=12),
        Column(_("Line paid (¥)"), Kind.MONEY, width=12),
        Column(_("Channel"), width=16),
        Column(_("Account"), width=20),
        Column(_("Account id"), Kind.ID, width=20),
        Column(_("Coupon used"), width=10),
        Column(_("In after-sale"), width=10),
        Column(_("Settled"), width=10),
    ]

    def rows():
        for line in lines:
            order = line.order
            yield (
                order.order_id,
                order.create_time,
                order.pay_time,
                statuses.get(order.status, str(order.status)),
                line.product_id,
                line.title,
                line.sku_id,
                line.sku_cnt,
                line.sale_price_fen,
                line.real_price_fen,
                channels.get(line.channel, line.channel),
                line.account_nickname or line.account_id,
                line.account_id,
                yes if line.coupons else no,
                yes if order.aftersale_count > 0 else no,
                yes if order.settle_time else no,
            )

    return Table(columns=columns, rows=rows())

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from incentives.exports import statement_csv_response, statement_xlsx_response
from incentives.selectors.ledger import StatementLine, balance, statement, statements
from incentives.services.ledger import post_journal, reverse_journal
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db
RECEIVABLE, INCOME, CARD = "fee_rebate_receivable", "incentive_income", "growth_card:GC1"


def rebate(shop, key, day, fen, memo=""):
    return post_journal(
        shop=shop, key=key, kind="accrual", booked_on=day, entries=[(RECEIVABLE, fen), (INCOME, -fen)], memo=memo
    )


@pytest.fixture
def november(shop):
    """October: 1,000 fen accrued. November: 250 + 4,321 accrued, the October accrual reversed, 99 moved to a growth
    card (a credit on the receivable). December: 7 accrued. Another shop's journals on the same account code."""
    october = rebate(shop, "a:oct", date(2026, 10, 31), 1000)
    rebate(shop, "a:n1", date(2026, 11, 1), 250, memo="=cmd|' /C calc'!A0")
    rebate(shop, "a:n2", date(2026, 11, 30), 4321)
    reverse_journal(journal=october, key="r:oct", booked_on=date(2026, 11, 15), memo="退款")
    post_journal(
        shop=shop,
        key="card:n",
        kind="growth_card",
        booked_on=date(2026, 11, 20),
        entries=[(CARD, 99), (RECEIVABLE, -99)],
    )
    rebate(shop, "a:dec", date(2026, 12, 1), 7)
    rebate(ShopFactory(), "a:n1", date(2026, 11, 2), 555_555)
    return statement(shop, RECEIVABLE, date(2026, 11, 17))


def test_a_month_statement(november, shop):
    s = november
    assert (s.account.code, s.month, s.opening_fen) == (RECEIVABLE, date(2026, 11, 1), 1000)
    assert s.lines == [
        StatementLine(date(2026, 11, 1), "a:n1", "accrual", "=cmd|' /C calc'!A0", None, 250, 1250),
        StatementLine(date(2026, 11, 15), "r:oct", "accrual", "退款", "a:oct", -1000, 250),
        StatementLine(date(2026, 11, 20), "card:n", "growth_card", "", None, -99, 151),
        StatementLine(date(2026, 11, 30), "a:n2", "accrual", "", None, 4321, 4472),
    ]
    assert (s.debit_total_fen, s.credit_total_fen, s.closing_fen) == (4571, 1099, 4472)
    # opening + debits − credits = closing = the balance as sums of entries, to the fen
    assert s.opening_fen + s.debit_total_fen - s.credit_total_fen == s.closing_fen
    assert s.opening_fen == balance(shop, RECEIVABLE, until=date(2026, 10, 31))
    assert s.closing_fen == balance(shop, RECEIVABLE, until=date(2026, 11, 30))
    assert s.opening_fen + sum(line.amount_fen for line in s.lines) == s.closing_fen


def test_statements_of_every_account(november, shop):
    month = statements(shop, date(2026, 11, 1))
    assert [s.account.code for s in month] == [RECEIVABLE, CARD, INCOME]  # by code
    by_code = {s.account.code: s for s in month}
    assert [(c, by_code[c].opening_fen, by_code[c].closing_fen) for c in sorted(by_code)] == [
        (RECEIVABLE, 1000, 4472),
        (CARD, 0, 99),
        (INCOME, -1000, -4571),
    ]
    # The month's entries of all accounts sum to 0: every journal balances.
    assert sum(s.debit_total_fen - s.credit_total_fen for s in by_code.values()) == 0
    assert statements(shop, date(2026, 9, 1)) == []
    assert statement(shop, "growth_card:unknown", date(2026, 11, 1)) is None


def test_an_empty_month_carries_the_balance(november, shop):
    s = statement(shop, RECEIVABLE, date(2027, 2, 1))
    assert (s.opening_fen, s.lines, s.debit_total_fen, s.credit_total_fen, s.closing_fen) == (4479, [], 0, 0, 4479)


def test_another_shop_sees_nothing_of_this_one(november, shop):
    assert statement(ShopFactory(), CARD, date(2026, 11, 1)) is None


def _csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _yuan(cell) -> Decimal:
    return Decimal(cell) if cell not in ("", None) else Decimal(0)


def test_the_csv_export_is_the_statement(november):
    with translation.override("en"):  # the rows are written as the response streams
        response = statement_csv_response(november)
        header, opening, *entries, closing = _csv_rows(response)
    assert response["Content-Disposition"] == 'attachment; filename="statement-fee_rebate_receivable-2026-11.csv"'
    assert header == ["Date", "Journal", "Kind", "Memo", "Reverses", "Debit (¥)", "Credit (¥)", "Balance (¥)"]
    assert opening == ["2026-11-01", "", "Opening balance", "", "", "", "", "10.00"]
    assert entries == [
        ["2026-11-01", '="a:n1"', "accrual", "'=cmd|' /C calc'!A0", "", "2.50", "", "12.50"],
        ["2026-11-15", '="r:oct"', "accrual", "退款", '="a:oct"', "", "10.00", "2.50"],
        ["2026-11-20", '="card:n"', "growth_card", "", "", "", "0.99", "1.51"],
        ["2026-11-30", '="a:n2"', "accrual", "", "", "43.21", "", "44.72"],
    ]
    assert closing == ["", "", "Closing balance", "", "", "45.71", "10.99", "44.72"]
    assert sum(_yuan(r[5]) for r in entries) * 100 == november.debit_total_fen == _yuan(closing[5]) * 100
    assert sum(_yuan(r[6]) for r in entries) * 100 == november.credit_total_fen == _yuan(closing[6]) * 100


def test_the_xlsx_export_is_the_statement(november):
    with translation.override("zh-hans"):
        response = statement_xlsx_response(november)
    assert (
        response["Content-Disposition"].endswith('-fee_rebate_receivable-2026-11.xlsx"')
        or "2026-11.xlsx" in (response["Content-Disposition"])
    )
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["2026-11"]
    rows = list(sheet.iter_rows(values_only=True))
    header, opening, *entries, closing = rows
    assert len(header) == 8 and len(entries) == 4
    assert [r[1] for r in entries] == ["a:n1", "r:oct", "card:n", "a:n2"]
    assert opening[7] == 10 and closing[7] == 44.72

    def fen(value):  # a number cell with two places back to integer fen
        return int((Decimal(str(value)) * 100).to_integral_value()) if value is not None else 0

    assert [fen(r[5]) - fen(r[6]) for r in entries] == [line.amount_fen for line in november.lines]
    assert sum(fen(r[5]) for r in entries) == november.debit_total_fen == fen(closing[5])
    assert sum(fen(r[6]) for r in entries) == november.credit_total_fen == fen(closing[6])
    assert [fen(r[7]) for r in entries] == [line.balance_fen for line in november.lines]

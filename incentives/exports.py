"""Downloads of the incentive ledger: an account's monthly statement as CSV or XLSX (shopops.exports writes both).

The file is the statement, row for row: an opening row, one row per entry (debit and credit in separate columns,
the running balance beside them), and a closing row with the month's debit and credit totals and the closing
balance. So the sum of the debit column over the entry rows is the closing row's debit total, and both equal
``Statement.debit_total_fen`` to the fen (the same for credits); money stays integer fen until the file is written.
"""

from django.utils.translation import gettext as _

from incentives.selectors.ledger import Statement
from shopops.exports import Column, Kind, Table, csv_response, safe_filename, xlsx_response


def statement_table(statement: Statement) -> Table:
    """The statement as a download table, headers and labels in the current language."""
    columns = [
        Column(_("Date"), width=12),
        Column(_("Journal"), Kind.ID, width=36),
        Column(_("Kind"), width=14),
        Column(_("Memo"), width=30),
        Column(_("Reverses"), Kind.ID, width=36),
        Column(_("Debit (¥)"), Kind.MONEY, width=14),
        Column(_("Credit (¥)"), Kind.MONEY, width=14),
        Column(_("Balance (¥)"), Kind.MONEY, width=14),
    ]

    def rows():
        first = statement.month.isoformat()
        yield (first, "", _("Opening balance"), "", "", None, None, statement.opening_fen)
        for line in statement.lines:
            yield (
                line.booked_on.isoformat(),
                line.journal_key,
                line.kind,
                line.memo,
                line.reverses_key or "",
                line.debit_fen or None,
                line.credit_fen or None,
                line.balance_fen,
            )
        yield (
            "",
            "",
            _("Closing balance"),
            "",
            "",
            statement.debit_total_fen,
            statement.credit_total_fen,
            statement.closing_fen,
        )

    return Table(columns=columns, rows=rows())


def statement_filename(statement: Statement, *, extension: str) -> str:
    """``账单-fee_rebate_receivable-2026-11.csv`` (the word translated)."""
    return safe_filename(
        _("statement"), statement.account.code.replace(":", "-"), statement.month.strftime("%Y-%m"), extension=extension
    )


def statement_csv_response(statement: Statement):
    return csv_response(statement_table(statement), filename=statement_filename(statement, extension="csv"))


def statement_xlsx_response(statement: Statement):
    return xlsx_response(
        statement_table(statement),
        filename=statement_filename(statement, extension="xlsx"),
        sheet_name=statement.month.strftime("%Y-%m"),
    )

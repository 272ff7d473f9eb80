"""Download of a WeCom staff member's month statement as CSV (shopops.exports writes it).

The file is the statement, row for row: an opening row, one row per ledger entry of the member's payable account
(accrued, reversed and paid in separate columns, the amount owed after it beside them), and a closing row with the
month's totals. Money stays integer fen until the file is written, so the columns sum to the page's figures.
"""

from django.utils.translation import gettext as _

from incentives.selectors.staff import StaffStatement
from shopops.exports import Column, Kind, Table, csv_response, safe_filename


def staff_statement_table(statement: StaffStatement) -> Table:
    columns = [
        Column(_("Date"), width=12),
        Column(_("Journal"), Kind.ID, width=36),
        Column(_("Memo"), width=30),
        Column(_("Accrued (¥)"), Kind.MONEY, width=14),
        Column(_("Reversed (¥)"), Kind.MONEY, width=14),
        Column(_("Paid (¥)"), Kind.MONEY, width=14),
        Column(_("Owed (¥)"), Kind.MONEY, width=14),
    ]
    month = statement.month

    def rows():
        yield (month.month.isoformat(), "", _("Opening balance"), None, None, None, month.opening_fen)
        for line in statement.lines:
            accrued = line.owed_fen if line.kind == "accrued" else None
            reversed_ = -line.owed_fen if line.kind == "reversed" else None
            paid = -line.owed_fen if line.kind == "paid" else None
            yield (line.booked_on.isoformat(), line.journal_key, line.memo, accrued, reversed_, paid, line.balance_fen)
        yield ("", "", _("Closing balance"), month.accrued_fen, month.reversed_fen, month.paid_fen, month.closing_fen)

    return Table(columns=columns, rows=rows())


def staff_statement_csv_response(statement: StaffStatement):
    member = statement.month.member
    filename = safe_filename(
        _("staff statement"), member.userid, statement.month.month.strftime("%Y-%m"), extension="csv"
    )
    return csv_response(staff_statement_table(statement), filename=filename)

"""Downloads of commission data, in the shapes of ``shopops.exports`` (CSV with ids as ="…" text, XLSX with number
cells for money): the commission lines (list and differences, filtered like the page) and the report's groups.
Headers and labels are translated when the table is made, in the request's language."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from affiliates.models import CommissionLine, Reason
from affiliates.selectors.commissions import ReportBy
from shopops.exports import Column, Kind, Table
from shopops.money import format_percent


def commission_lines_table(lines: Iterable[CommissionLine]) -> Table:
    """One row per commission line: the platform's amount beside the expected one, the difference and its reason."""
    parties = {value: str(label) for value, label in CommissionLine.Party.choices}
    statuses = {value: str(label) for value, label in CommissionLine.Status.choices}
    reasons = {value: str(label) for value, label in Reason.choices}
    yes, no = _("Yes"), _("No")
    columns = [
        Column(_("Order id"), Kind.ID, width=22),
        Column(_("Paid"), Kind.DATETIME, width=20),
        Column(_("Product id"), Kind.ID, width=16),
        Column(_("SKU id"), Kind.ID, width=16),
        Column(_("Party"), width=10),
        Column(_("Party id"), Kind.ID, width=22),
        Column(_("Nickname"), width=20),
        Column(_("Agency AppID"), Kind.ID, width=20),
        Column(_("Status"), width=10),
        Column(_("Line paid (¥)"), Kind.MONEY, width=12),
        Column(_("Refunded (¥)"), Kind.MONEY, width=12),
        Column(_("Platform commission (¥)"), Kind.MONEY, width=14),
        Column(_("Expected ratio"), width=10),
        Column(_("Expected commission (¥)"), Kind.MONEY, width=14),
        Column(_("Difference (¥)"), Kind.MONEY, width=12),
        Column(_("Reason"), width=18),
        Column(_("Self-referral"), width=10),
    ]

    def rows():
        for line in lines:
            yield (
                line.order_id,
                line.pay_time,
                line.product_id,
                line.sku_id,
                parties.get(line.party, str(line.party)),
                line.party_id,
                line.nickname,
                line.agency_appid,
                statuses.get(line.status, str(line.status)),
                line.paid_fen,
                line.refunded_fen,
                line.platform_amount_fen,
                format_percent(line.expected_ratio_ppm, places=2, empty=""),
                line.expected_amount_fen,
                line.difference_fen,
                reasons.get(line.reason, line.reason) if line.reason else "",
                yes if line.self_referral else no,
            )

    return Table(columns=columns, rows=rows())


def commission_report_table(rows: Iterable[dict], *, by: str, titles: dict[str, str]) -> Table:
    """The report's groups: key and name, lines, GMV, the platform's and the expected commission, difference."""
    key_column = {
        ReportBy.AGENCY: Column(_("Agency AppID"), Kind.ID, width=20),
        ReportBy.TALENT: Column(_("Talent id"), Kind.ID, width=22),
        ReportBy.PRODUCT: Column(_("Product id"), Kind.ID, width=16),
        ReportBy.MONTH: Column(_("Month"), width=10),
    }[by]
    key = {ReportBy.AGENCY: "agency_appid", ReportBy.TALENT: "party_id", ReportBy.PRODUCT: "product_id"}.get(
        by, "month"
    )
    columns = [
        key_column,
        Column(_("Name"), width=30),
        Column(_("Commission lines"), Kind.INT, width=10),
        Column(_("GMV (¥)"), Kind.MONEY, width=14),
        Column(_("Platform commission (¥)"), Kind.MONEY, width=14),
        Column(_("Expected commission (¥)"), Kind.MONEY, width=14),
        Column(_("Difference (¥)"), Kind.MONEY, width=12),
    ]

    def cells():
        for row in rows:
            value = row[key]
            label = value.strftime("%Y-%m") if by == ReportBy.MONTH else value
            name = titles.get(value, "") if by == ReportBy.PRODUCT else row["name"] or ""
            yield (
                label,
                name,
                row["lines"],
                row["gmv_fen"],
                row["platform_fen"],
                row["expected_fen"],
                row["difference_fen"],
            )

    return Table(columns=columns, rows=cells())

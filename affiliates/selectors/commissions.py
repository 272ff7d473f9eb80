"""Reads of the shop's commission lines: the filtered list with its totals, the differences by reason, and the
report of commission and GMV by agency, talent, product or month. Every query starts from the shop.

GMV in the report is what buyers paid for the lines that carry commission, counted once per order line: on its
talent/promoter row (party 0), or on its agency row when the platform listed no promoter. By agency, it is the
agency's sales (its rows).

The report and the totals read the shop's roll-up rows (``CommissionRollup``, kept by the reconciliation), not its
lines: a few rows per month and party instead of the shop's whole history. Only a filter the roll-up has no column
for (one order) sums the lines themselves.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from affiliates.models import CommissionLine, Cooperation, Reason, Talent
from affiliates.models.commissions import CommissionRollup
from shopops.models import Product, Shop

# The reason filter's values beside the reasons themselves.
DIFFERENCES = "any"  # every line with a difference
MATCHING = "match"  # every line without one


@dataclass(frozen=True)
class CommissionFilters:
    reason: str = ""  # a reason, DIFFERENCES, MATCHING, or "" for every line
    party: int | None = None
    agency: str = ""  # agency AppID
    talent: str = ""  # a talent AppID (its channels id too) or the party id on the line
    product: str = ""  # product id
    month: date | None = None  # any day of the month, in the project's time zone
    order_id: str = ""


def _month_bounds(day: date) -> tuple[datetime, datetime]:
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = day.replace(day=1)
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return datetime.combine(start, time.min, tz), datetime.combine(end, time.min, tz)


def _filtered(rows: QuerySet, *, shop: Shop, filters: CommissionFilters) -> QuerySet:
    """``rows`` (the shop's lines or roll-up rows: the same columns) narrowed by every filter but the month and the
    order."""
    if filters.reason == DIFFERENCES:
        rows = rows.exclude(reason=Reason.NONE)
    elif filters.reason == MATCHING:
        rows = rows.filter(reason=Reason.NONE)
    elif filters.reason:
        rows = rows.filter(reason=filters.reason)
    if filters.party is not None:
        rows = rows.filter(party=filters.party)
    if filters.agency:
        rows = rows.filter(agency_appid=filters.agency)
    if filters.talent:
        finder_ids = Talent.objects.filter(shop=shop, talent_appid=filters.talent).exclude(finder_id="")
        rows = rows.filter(
            Q(party=CommissionLine.Party.TALENT),
            Q(party_id=filters.talent) | Q(party_id__in=finder_ids.values("finder_id")),
        )
    if filters.product:
        rows = rows.filter(product_id=filters.product)
    return rows


def commission_lines_for_shop(*, shop: Shop, filters: CommissionFilters = CommissionFilters()) -> QuerySet:
    """The shop's commission lines matching ``filters``, newest payment first."""
    lines = _filtered(CommissionLine.objects.filter(shop=shop), shop=shop, filters=filters)
    if filters.month:
        start, end = _month_bounds(filters.month)
        lines = lines.filter(pay_time__gte=start, pay_time__lt=end)
    if filters.order_id:
        lines = lines.filter(order_id=filters.order_id)
    return lines.order_by("-pay_time", "order_id", "sku_id", "party", "party_id")


def _rollups_for_shop(*, shop: Shop, filters: CommissionFilters) -> QuerySet | None:
    """The shop's roll-up rows matching ``filters``, or None when a filter needs the lines (one order)."""
    if filters.order_id:
        return None
    rows = _filtered(CommissionRollup.objects.filter(shop=shop), shop=shop, filters=filters)
    if filters.month:
        rows = rows.filter(month=filters.month.replace(day=1))
    return rows


@dataclass(frozen=True)
class Totals:
    lines: int
    paid_fen: int
    refunded_fen: int
    platform_fen: int
    expected_fen: int
    difference_fen: int


TOTAL_SUMS = {  # Totals' field: (the line's column, the roll-up's)
    "paid_fen": ("paid_fen", "paid_fen"),
    "refunded_fen": ("refunded_fen", "refunded_fen"),
    "platform_fen": ("platform_amount_fen", "platform_fen"),
    "expected_fen": ("expected_amount_fen", "expected_fen"),
    "difference_fen": ("difference_fen", "difference_fen"),
}


def commission_totals(*, shop: Shop, filters: CommissionFilters = CommissionFilters()) -> Totals:
    """Count and sums of the shop's lines matching ``filters`` in one query, from the roll-up (paid and refunded per
    party row: a line sold through an agency counts its paid amount on both of its rows)."""
    rollups = _rollups_for_shop(shop=shop, filters=filters)
    if rollups is None:
        rows, which, count = commission_lines_for_shop(shop=shop, filters=filters), 0, Count("id")
    else:
        rows, which, count = rollups, 1, Sum("lines")
    sums = {name: Sum(columns[which], default=0) for name, columns in TOTAL_SUMS.items()}
    return Totals(**rows.order_by().aggregate(lines=Coalesce(count, 0), **sums))


@dataclass(frozen=True)
class ReasonTotal:
    reason: str
    label: str
    lines: int
    difference_fen: int


def difference_totals_by_reason(*, shop: Shop, filters: CommissionFilters) -> list[ReasonTotal]:
    """Per reason present among the shop's lines matching ``filters`` (differences only): how many lines and their
    summed difference, from the roll-up."""
    labels = dict(Reason.choices)
    rollups = _rollups_for_shop(shop=shop, filters=filters)
    if rollups is None:
        rows, count = commission_lines_for_shop(shop=shop, filters=filters), Count("id")
    else:
        rows, count = rollups, Sum("lines")
    rows = (
        rows.exclude(reason=Reason.NONE)
        .order_by()
        .values("reason")
        .annotate(lines=count, difference_fen=Sum("difference_fen", default=0))
        .order_by("reason")
    )
    return [
        ReasonTotal(r["reason"], str(labels.get(r["reason"], r["reason"])), r["lines"], r["difference_fen"])
        for r in rows
    ]


def commission_filter_hints(*, shop: Shop) -> dict[str, list[tuple[str, str]]]:
    """Suggestions for the agency and talent filters (two small queries): the shop's agencies (cooperation rows)
    and talents, as (id, name)."""
    agencies = Cooperation.objects.filter(shop=shop).order_by("agency_name").values_list("agency_appid", "agency_name")
    talents = Talent.objects.filter(shop=shop).order_by("nickname").values_list("talent_appid", "nickname")
    return {"agencies": list(agencies), "talents": list(talents)}


# --- the report ----------------------------------------------------------------------------------------------------


class ReportBy:
    AGENCY = "agency"
    TALENT = "talent"
    PRODUCT = "product"
    MONTH = "month"
    ALL = (AGENCY, TALENT, PRODUCT, MONTH)


def commission_report_for_shop(
    *, shop: Shop, by: str, month_from: date | None = None, month_to: date | None = None
) -> QuerySet:
    """Commission and GMV of the shop's lines paid in ``month_from``…``month_to`` (whole months, both included),
    grouped ``by`` agency (agency sales only), talent (party-0 rows, 推客 without an id together), product or
    month, from the roll-up. Rows are dicts: key, name, lines, gmv_fen, platform_fen, expected_fen,
    difference_fen; the biggest commission first (by month: in month order)."""
    rows = CommissionRollup.objects.filter(shop=shop)
    if month_from or month_to or by == ReportBy.MONTH:
        rows = rows.exclude(month=CommissionRollup.UNPAID_MONTH)
    if month_from:
        rows = rows.filter(month__gte=month_from.replace(day=1))
    if month_to:
        rows = rows.filter(month__lte=month_to.replace(day=1))
    agency = Q(party=CommissionLine.Party.AGENCY)
    gmv = Sum("gmv_fen", default=0)
    if by == ReportBy.AGENCY:
        rows, key, gmv = rows.exclude(agency_appid=""), "agency_appid", Sum("paid_fen", filter=agency, default=0)
        name = Max("nickname", filter=agency)
    elif by == ReportBy.TALENT:
        rows, key, name = rows.filter(party=CommissionLine.Party.TALENT), "party_id", Max("nickname")
        gmv = Sum("paid_fen", default=0)
    elif by == ReportBy.PRODUCT:
        key, name = "product_id", Value("")
    elif by == ReportBy.MONTH:
        key, name = "month", Value("")
    else:
        raise ValueError(f"unknown report dimension {by!r}")
    rows = (
        rows.order_by()
        .values(key)
        .annotate(
            name=name,
            lines=Sum("lines"),
            gmv_fen=gmv,
            platform_fen=Sum("platform_fen", default=0),
            expected_fen=Sum("expected_fen", default=0),
            difference_fen=Sum("difference_fen", default=0),
        )
    )
    return rows.order_by(key) if by == ReportBy.MONTH else rows.order_by("-platform_fen", key)


REPORT_SUMS = ("lines", "gmv_fen", "platform_fen", "expected_fen", "difference_fen")


def report_totals(rows: QuerySet) -> dict[str, int]:
    """The report's grand totals, summed over its groups in one query."""
    totals = rows.order_by().aggregate(**{f"total_{name}": Sum(name) for name in REPORT_SUMS})
    return {name: totals[f"total_{name}"] or 0 for name in REPORT_SUMS}


def product_titles(*, shop: Shop, product_ids: list[str] | None = None) -> dict[str, str]:
    """Titles of the shop's synced products (these, or all) by id, in one query."""
    products = Product.objects.filter(shop=shop)
    if product_ids is not None:
        products = products.filter(product_id__in=product_ids)
    return dict(products.values_list("product_id", "title"))

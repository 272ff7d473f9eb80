"""Reads of the shop's commission lines: the filtered list with its totals, the differences by reason, and the
report of commission and GMV by agency, talent, product or month. Every query starts from the shop.

GMV in the report is what buyers paid for the lines that carry commission, counted once per order line: on its
talent/promoter row (party 0), or on its agency row when the platform listed no promoter. By agency, it is the
agency's sales (its rows).
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from affiliates.models import CommissionLine, Cooperation, Reason, Talent
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


def commission_lines_for_shop(*, shop: Shop, filters: CommissionFilters = CommissionFilters()) -> QuerySet:
    """The shop's commission lines matching ``filters``, newest payment first."""
    lines = CommissionLine.objects.filter(shop=shop)
    if filters.reason == DIFFERENCES:
        lines = lines.exclude(reason=Reason.NONE)
    elif filters.reason == MATCHING:
        lines = lines.filter(reason=Reason.NONE)
    elif filters.reason:
        lines = lines.filter(reason=filters.reason)
    if filters.party is not None:
        lines = lines.filter(party=filters.party)
    if filters.agency:
        lines = lines.filter(agency_appid=filters.agency)
    if filters.talent:
        finder_ids = Talent.objects.filter(shop=shop, talent_appid=filters.talent).exclude(finder_id="")
        lines = lines.filter(
            Q(party=CommissionLine.Party.TALENT),
            Q(party_id=filters.talent) | Q(party_id__in=finder_ids.values("finder_id")),
        )
    if filters.product:
        lines = lines.filter(product_id=filters.product)
    if filters.month:
        start, end = _month_bounds(filters.month)
        lines = lines.filter(pay_time__gte=start, pay_time__lt=end)
    if filters.order_id:
        lines = lines.filter(order_id=filters.order_id)
    return lines.order_by("-pay_time", "order_id", "sku_id", "party", "party_id")


@dataclass(frozen=True)
class Totals:
    lines: int
    paid_fen: int
    refunded_fen: int
    platform_fen: int
    expected_fen: int
    difference_fen: int


def _sums() -> dict:
    zero = Value(0)
    return {
        "lines": Count("id"),
        "paid_fen": Coalesce(Sum("paid_fen"), zero),
        "refunded_fen": Coalesce(Sum("refunded_fen"), zero),
        "platform_fen": Coalesce(Sum("platform_amount_fen"), zero),
        "expected_fen": Coalesce(Sum("expected_amount_fen"), zero),
        "difference_fen": Coalesce(Sum("difference_fen"), zero),
    }


def commission_totals(lines: QuerySet) -> Totals:
    """Count and sums of ``lines`` in one query (paid and refunded per party row: a line sold through an agency
    counts its paid amount on both of its rows)."""
    return Totals(**lines.order_by().aggregate(**_sums()))


@dataclass(frozen=True)
class ReasonTotal:
    reason: str
    label: str
    lines: int
    difference_fen: int


def difference_totals_by_reason(lines: QuerySet) -> list[ReasonTotal]:
    """Per reason present in ``lines`` (differences only): how many lines and their summed difference."""
    labels = dict(Reason.choices)
    rows = (
        lines.exclude(reason=Reason.NONE)
        .order_by()
        .values("reason")
        .annotate(lines=Count("id"), difference_fen=Coalesce(Sum("difference_fen"), Value(0)))
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


def _counted_once() -> Q:
    """The row that carries an order line's GMV: its party-0 row, or its agency row when it has none (the
    subquery only for agency rows)."""
    promoter = CommissionLine.objects.filter(
        shop_id=OuterRef("shop_id"), order_id=OuterRef("order_id"), sku_id=OuterRef("sku_id"), party=0
    )
    return Q(party=CommissionLine.Party.TALENT) | (Q(party=CommissionLine.Party.AGENCY) & ~Exists(promoter))


def commission_report_for_shop(
    *, shop: Shop, by: str, month_from: date | None = None, month_to: date | None = None
) -> QuerySet:
    """Commission and GMV of the shop's lines paid in ``month_from``…``month_to`` (whole months, both included),
    grouped ``by`` agency (agency sales only), talent (party-0 rows, 推客 without an id together), product or
    month. Rows are dicts: key, name, lines, gmv_fen, platform_fen, expected_fen, difference_fen; the biggest
    commission first (by month: in month order)."""
    lines = CommissionLine.objects.filter(shop=shop)
    if month_from:
        lines = lines.filter(pay_time__gte=_month_bounds(month_from)[0])
    if month_to:
        lines = lines.filter(pay_time__lt=_month_bounds(month_to)[1])
    zero = Value(0)
    gmv = Q()
    if by == ReportBy.AGENCY:
        lines, key, gmv = lines.exclude(agency_appid=""), "agency_appid", Q(party=CommissionLine.Party.AGENCY)
        name = Max("nickname", filter=Q(party=CommissionLine.Party.AGENCY))
    elif by == ReportBy.TALENT:
        lines, key, name = lines.filter(party=CommissionLine.Party.TALENT), "party_id", Max("nickname")
    elif by == ReportBy.PRODUCT:
        key, name, gmv = "product_id", Value(""), _counted_once()
    elif by == ReportBy.MONTH:
        lines = lines.exclude(pay_time=None).annotate(month=TruncMonth("pay_time"))
        key, name, gmv = "month", Value(""), _counted_once()
    else:
        raise ValueError(f"unknown report dimension {by!r}")
    rows = (
        lines.order_by()
        .values(key)
        .annotate(
            name=name,
            lines=Count("id"),
            gmv_fen=Coalesce(Sum("paid_fen", filter=gmv), zero),
            platform_fen=Coalesce(Sum("platform_amount_fen"), zero),
            expected_fen=Coalesce(Sum("expected_amount_fen"), zero),
            difference_fen=Coalesce(Sum("difference_fen"), zero),
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

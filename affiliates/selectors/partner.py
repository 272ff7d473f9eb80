"""Reads for the partner portal (/partner/): everything an agency (带货机构) sees of its own alliance data.

One scope: every query starts from the signed-in member's agency (``agency_for_user``) and filters on it, so another
agency's cooperation, product, commission order, 推客, funds flow or API key never appears in a list, a count, a
total or an export, and answers 404 when named in a URL (``…_get_for_agency_or_404``).

List pages run a fixed number of queries whatever their size: a page is one query, its count one more (the
commission list takes its count from the totals it shows anyway), and what a row needs from elsewhere (the shop's
name, a 推客's results, exclusive terms) is one grouped query for the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from affiliates.models import (
    Agency,
    AgencyAPIKey,
    AgencyProduct,
    CommissionOrder,
    Cooperation,
    FundsFlow,
    Sharer,
)
from affiliates.models.commissions import CommissionOrderRollup


def agency_for_user(user) -> Agency | None:
    """The agency whose portal ``user`` may use (None when they are no agency's member), in one query."""
    return Agency.objects.filter(members__user=user).first() if user.is_authenticated else None


def _get_or_404(queryset: QuerySet, **lookup):
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


# --- shops and invitations -----------------------------------------------------------------------------------------


def cooperations_for_agency(*, agency: Agency, status: int | None = None) -> QuerySet[Cooperation]:
    """The agency's cooperations with shops (every status unless ``status`` is given): pending invitations first,
    then cooperating shops, then the ended ones, each newest first."""
    rows = Cooperation.objects.filter(agency=agency)
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("status", "-invited_at", "-id")


def cooperation_get_for_agency_or_404(*, agency: Agency, pk: int) -> Cooperation:
    return _get_or_404(Cooperation.objects.filter(agency=agency), pk=pk)


def shop_choices_for_agency(*, agency: Agency) -> list[tuple[str, str]]:
    """(shop AppID, shop name) of every shop the agency has a cooperation row with, for filters."""
    rows = Cooperation.objects.filter(agency=agency).order_by("shop_name", "shop_appid")
    return [(appid, name or appid) for appid, name in rows.values_list("shop_appid", "shop_name")]


# --- commission orders ---------------------------------------------------------------------------------------------


class Period(StrEnum):
    """Which date a commission order's period filter reads."""

    CREATED = "created"
    PAID = "paid"


@dataclass(frozen=True)
class CommissionFilters:
    """What the commission list, its totals and both exports are filtered by; empty values filter nothing. Dates
    are days in the project's time zone (Beijing), both ends included."""

    shop_appid: str = ""
    product_id: str = ""
    promoter_kind: str = ""
    status: int | None = None
    period: Period = Period.CREATED
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def commission_orders_for_agency(*, agency: Agency, filters: CommissionFilters) -> QuerySet[CommissionOrder]:
    """The agency's commission orders matching ``filters``, newest created first. The one filter the list, the totals
    and both exports share, so a file holds exactly the rows the page counts."""
    rows = CommissionOrder.objects.filter(agency=agency)
    if filters.shop_appid:
        rows = rows.filter(shop_appid=filters.shop_appid)
    if filters.product_id:
        rows = rows.filter(product_id=filters.product_id)
    if filters.promoter_kind:
        rows = rows.filter(promoter_kind=filters.promoter_kind)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    field = "pay_time" if filters.period is Period.PAID else "create_time"
    if filters.date_from:
        rows = rows.filter(**{f"{field}__gte": _day_start(filters.date_from)})
    if filters.date_to:
        rows = rows.filter(**{f"{field}__lt": _day_start(filters.date_to + timedelta(days=1))})
    return rows.order_by("-create_time", "-id")


@dataclass(frozen=True)
class StatusTotal:
    """Commission orders of one status: how many, what they were paid (commissionable), the agency's service fee
    and the promoters' commission, in fen."""

    count: int = 0
    payment_fen: int = 0
    service_fen: int = 0
    promoter_fen: int = 0


@dataclass(frozen=True)
class CommissionTotals:
    pending: StatusTotal
    settled: StatusTotal
    cancelled: StatusTotal

    @property
    def count(self) -> int:
        return self.pending.count + self.settled.count + self.cancelled.count


TOTAL_STATUSES = {
    "pending": CommissionOrder.Status.UNSETTLED,
    "settled": CommissionOrder.Status.SETTLED,
    "cancelled": CommissionOrder.Status.CANCELLED,
}
TOTAL_FIELDS = {
    "payment_fen": "actual_payment_fen",
    "service_fen": "service_amount_fen",
    "promoter_fen": "promoter_amount_fen",
}


def _rollups_for_agency(*, agency: Agency, filters: CommissionFilters) -> QuerySet | None:
    """The agency's commission-order roll-up rows matching ``filters``, or None when a filter needs the commission
    orders themselves (a product)."""
    if filters.product_id:
        return None
    rows = CommissionOrderRollup.objects.filter(agency=agency)
    if filters.shop_appid:
        rows = rows.filter(shop_appid=filters.shop_appid)
    if filters.promoter_kind:
        rows = rows.filter(promoter_kind=filters.promoter_kind)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    field = "paid_day" if filters.period is Period.PAID else "created_day"
    if field == "paid_day" and (filters.date_from or filters.date_to):
        rows = rows.exclude(paid_day=CommissionOrderRollup.UNPAID_DAY)
    if filters.date_from:
        rows = rows.filter(**{f"{field}__gte": filters.date_from})
    if filters.date_to:
        rows = rows.filter(**{f"{field}__lte": filters.date_to})
    return rows


def commission_totals_for_agency(*, agency: Agency, filters: CommissionFilters) -> CommissionTotals:
    """The totals of the agency's commission orders matching ``filters`` (``commission_totals``), in one query over
    its roll-up rows (``CommissionOrderRollup``, kept by the reconciliation) instead of every commission order."""
    rollups = _rollups_for_agency(agency=agency, filters=filters)
    if rollups is None:
        return commission_totals(commission_orders_for_agency(agency=agency, filters=filters))
    sums = rollups.order_by().values("status").annotate(count=Sum("count"), **{n: Sum(n) for n in TOTAL_FIELDS})
    by_status = {row.pop("status"): row for row in sums}
    return CommissionTotals(**{key: StatusTotal(**by_status.get(status, {})) for key, status in TOTAL_STATUSES.items()})


def _totals(values: dict) -> CommissionTotals:
    return CommissionTotals(
        **{
            key: StatusTotal(**{name: values[f"{key}__{name}"] for name in ("count", *TOTAL_FIELDS)})
            for key in TOTAL_STATUSES
        }
    )


def commission_totals(rows: QuerySet[CommissionOrder]) -> CommissionTotals:
    """Pending (20), settled (100) and cancelled (200) totals of ``rows``, in one aggregate query. Every status of the
    platform is one of the three, so the counts add up to the number of rows."""
    aggregates = {}
    for key, status in TOTAL_STATUSES.items():
        only = Q(status=status)
        aggregates[f"{key}__count"] = Count("pk", filter=only)
        for name, field in TOTAL_FIELDS.items():
            aggregates[f"{key}__{name}"] = Sum(field, filter=only, default=0)
    return _totals(rows.order_by().aggregate(**aggregates))


class CountedPaginator(Paginator):
    """A paginator told its count (from an aggregate the page runs anyway) instead of running COUNT(*) itself."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


# What a row of the list shows (``affiliates.views.partner.commission_rows``): the page reads nothing else.
COMMISSION_LIST_FIELDS = (
    "order_id", "sku_id", "product_id", "title", "shop_name", "shop_appid", "promoter_kind", "promoter_nickname",
    "self_referral", "status", "create_time", "pay_time", "actual_payment_fen", "service_amount_fen",
    "service_ratio_ppm", "promoter_amount_fen", "promoter_ratio_ppm", "difference_fen", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class CommissionPage:
    page: Page
    totals: CommissionTotals


def commission_page_for_agency(
    *, agency: Agency, filters: CommissionFilters, page: str | int | None, per_page: int
) -> CommissionPage:
    """One page of the filtered commission orders with the totals of the whole filtered set: two queries (the totals,
    from the roll-up, which also count the rows, then the page: LIMIT 50 on the index of the ordering). A page number
    that is not a number is the first page, one past the end the last (``Paginator.get_page``)."""
    rows = commission_orders_for_agency(agency=agency, filters=filters)
    totals = commission_totals_for_agency(agency=agency, filters=filters)
    paginator = CountedPaginator(rows.only(*COMMISSION_LIST_FIELDS), per_page, count=totals.count)
    return CommissionPage(page=paginator.get_page(page), totals=totals)


# --- promoted products ---------------------------------------------------------------------------------------------


def products_for_agency(*, agency: Agency, shop_appid: str = "", status: int | None = None) -> QuerySet[AgencyProduct]:
    """Products shops promote through the agency, with ``shop_name`` from the agency's cooperation with the shop
    (a subquery: no second query per row)."""
    rows = AgencyProduct.objects.filter(agency=agency)
    if shop_appid:
        rows = rows.filter(shop_appid=shop_appid)
    if status is not None:
        rows = rows.filter(status=status)
    shop_name = Cooperation.objects.filter(agency=agency, shop_appid=OuterRef("shop_appid")).values("shop_name")[:1]
    return rows.annotate(shop_name=Subquery(shop_name)).defer("raw").order_by("shop_appid", "product_id", "id")


def product_get_for_agency_or_404(*, agency: Agency, pk: int) -> AgencyProduct:
    return _get_or_404(AgencyProduct.objects.filter(agency=agency), pk=pk)


# --- 推客 ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharerResults:
    """What one 推客 sold for the agency: commission orders not cancelled, what they were paid (GMV) and the 推客's
    commission on them, pending (20) and settled (100), in fen."""

    orders: int = 0
    gmv_fen: int = 0
    pending_fen: int = 0
    settled_fen: int = 0


def sharers_for_agency(*, agency: Agency) -> QuerySet[Sharer]:
    return Sharer.objects.filter(agency=agency).order_by("nickname", "id")


def sharer_results_for_agency(*, agency: Agency, sharer_appids: list[str]) -> dict[str, SharerResults]:
    """Per 推客 AppID (from ``sharer_appids``, typically a page of them): their results from the agency's commission
    orders a 推客 promoted (``promoter_kind`` sharer, ``promoter_id`` the 推客's AppID). One grouped query."""
    rows = (
        CommissionOrder.objects.filter(
            agency=agency, promoter_kind=CommissionOrder.Promoter.SHARER, promoter_id__in=sharer_appids
        )
        .exclude(status=CommissionOrder.Status.CANCELLED)
        .order_by()
        .values("promoter_id")
        .annotate(
            orders=Count("pk"),
            gmv_fen=Sum("actual_payment_fen", default=0),
            pending_fen=Sum("promoter_amount_fen", filter=Q(status=CommissionOrder.Status.UNSETTLED), default=0),
            settled_fen=Sum("promoter_amount_fen", filter=Q(status=CommissionOrder.Status.SETTLED), default=0),
        )
    )
    return {row.pop("promoter_id"): SharerResults(**row) for row in rows}


def sharer_get_for_agency_or_404(*, agency: Agency, pk: int) -> Sharer:
    return _get_or_404(Sharer.objects.filter(agency=agency), pk=pk)


# --- funds ---------------------------------------------------------------------------------------------------------


def funds_flows_for_agency(*, agency: Agency, funds_type: int | None = None) -> QuerySet[FundsFlow]:
    """The agency's funds flows, newest booked first, of one type (提现 withdrawal, 分账 commission) if given."""
    rows = FundsFlow.objects.filter(agency=agency)
    if funds_type is not None:
        rows = rows.filter(funds_type=funds_type)
    return rows.order_by("-bookkeeping_time", "-id")


# --- API keys ------------------------------------------------------------------------------------------------------


def api_keys_for_agency(*, agency: Agency) -> QuerySet[AgencyAPIKey]:
    """The agency's API keys, usable ones first, newest first. Never the key itself: only its hash is stored."""
    return AgencyAPIKey.objects.filter(agency=agency).order_by("revoked", "-created")


def api_key_get_for_agency_or_404(*, agency: Agency, prefix: str) -> AgencyAPIKey:
    """An API key of the agency by its public prefix (what the list shows and the URL names)."""
    return _get_or_404(AgencyAPIKey.objects.filter(agency=agency), prefix=prefix)

"""Reads for the agency API (``/api/v1/partner/``). Every query starts from the agency: another agency's rows are
in no list, total or detail (a detail answers 404).

Filters arrive validated (affiliates.api's filter serializers); date ranges are half-open: ``…_after`` is
included, ``…_before`` is not, so consecutive ranges never count an order twice.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from affiliates.models import Agency, AgencyProduct, CommissionOrder, Cooperation, ExclusiveTerm
from affiliates.selectors.talents import exclusive_terms_for_agency

# filter name → ORM lookup on CommissionOrder
COMMISSION_ORDER_LOOKUPS = {
    "shop_appid": "shop_appid",
    "product_id": "product_id",
    "status": "status",
    "promoter_kind": "promoter_kind",
    "pay_time_after": "pay_time__gte",
    "pay_time_before": "pay_time__lt",
    "created_after": "create_time__gte",
    "created_before": "create_time__lt",
}
# the sums reported per status by commission_order_totals
TOTAL_AMOUNTS = ("actual_payment_fen", "promoter_amount_fen", "service_amount_fen")
TOTAL_STATUSES = {
    "pending": CommissionOrder.Status.UNSETTLED,
    "settled": CommissionOrder.Status.SETTLED,
    "cancelled": CommissionOrder.Status.CANCELLED,
}


def cooperations_for_agency(*, agency: Agency, status: int | None = None) -> QuerySet[Cooperation]:
    """The shops the agency cooperates with or was invited by (one row per shop), optionally of one status."""
    cooperations = Cooperation.objects.filter(agency=agency)
    return cooperations if status is None else cooperations.filter(status=status)


def agency_products_for_agency(
    *, agency: Agency, shop_appid: str | None = None, status: int | None = None
) -> QuerySet[AgencyProduct]:
    """The products shops promote through the agency, optionally of one shop or status."""
    products = AgencyProduct.objects.filter(agency=agency)
    if shop_appid is not None:
        products = products.filter(shop_appid=shop_appid)
    return products if status is None else products.filter(status=status)


def exclusive_terms_by_product(
    *, agency: Agency, products: Iterable[AgencyProduct]
) -> dict[tuple[str, str], list[ExclusiveTerm]]:
    """The exclusive terms shops offer the agency's bound talents (``exclusive_terms_for_agency``: the portal's
    rule) for ``products``, by (shop AppID, product id), cheapest first: one query whatever the number of
    products."""
    products = list(products)
    if not products:
        return {}
    terms = (
        exclusive_terms_for_agency(agency=agency)
        .filter(
            shop__appid__in={product.shop_appid for product in products},
            product_id__in={product.product_id for product in products},
        )
        .order_by("price_fen", "id")
    )
    wanted = {(product.shop_appid, product.product_id) for product in products}
    by_product = defaultdict(list)
    for term in terms:
        key = (term.shop.appid, term.product_id)
        if key in wanted:  # the IN lists above cross shops and products; keep only the pairs asked for
            by_product[key].append(term)
    return dict(by_product)


def commission_orders_for_agency(*, agency: Agency, filters: dict | None = None) -> QuerySet[CommissionOrder]:
    """The agency's commission orders matching ``filters`` (names of ``COMMISSION_ORDER_LOOKUPS``; others are
    ignored, e.g. ``ordering``)."""
    filters = filters or {}
    lookups = {
        COMMISSION_ORDER_LOOKUPS[name]: value for name, value in filters.items() if name in COMMISSION_ORDER_LOOKUPS
    }
    return CommissionOrder.objects.filter(agency=agency, **lookups)


def commission_order_get_for_agency_or_404(*, agency: Agency, order_id: str, sku_id: str) -> CommissionOrder:
    order = CommissionOrder.objects.filter(agency=agency, order_id=order_id, sku_id=sku_id).first()
    if order is None:
        raise Http404
    return order


def commission_order_totals(*, agency: Agency, filters: dict | None = None) -> dict[str, dict[str, int]]:
    """Per status (pending = not settled, settled, cancelled): the number of commission orders and the sums of
    their commissionable amount, promoter commission and service fee, in fen, over the filtered set. One aggregate
    query; a status without orders sums to 0."""
    aggregates = {}
    for label, status in TOTAL_STATUSES.items():
        of_status = Q(status=status)
        aggregates[f"{label}__count"] = Count("id", filter=of_status)
        for amount in TOTAL_AMOUNTS:
            aggregates[f"{label}__{amount}"] = Coalesce(Sum(amount, filter=of_status), 0)
    # Totals of a single status filter still report all three keys (the others as 0): the filter applies first.
    row = commission_orders_for_agency(agency=agency, filters=filters).aggregate(**aggregates)
    totals = {label: {} for label in TOTAL_STATUSES}
    for key, value in row.items():
        label, name = key.split("__")
        totals[label][name] = value
    return totals

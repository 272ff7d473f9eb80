"""Reads for the agency API (``/api/v1/partner/``) beyond the partner portal's own (affiliates.selectors.partner,
which the API shares so that both show the same rows): commission orders by time ranges, one commission order by
its platform key, and the exclusive terms of a page of products. Every query starts from the agency: another
agency's rows are in no list or total, and a detail answers 404.

Time ranges are half-open: ``…_after`` is included, ``…_before`` is not, so consecutive ranges never count an order
twice.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404

from affiliates.models import Agency, AgencyProduct, CommissionOrder, ExclusiveTerm
from affiliates.selectors.partner import CommissionFilters, commission_orders_for_agency
from affiliates.selectors.talents import exclusive_terms_for_agency

# time-range filter name → ORM lookup on CommissionOrder
RANGE_LOOKUPS = {
    "pay_time_after": "pay_time__gte",
    "pay_time_before": "pay_time__lt",
    "created_after": "create_time__gte",
    "created_before": "create_time__lt",
}


def commission_orders_in_ranges(*, agency: Agency, filters: dict) -> QuerySet[CommissionOrder]:
    """The agency's commission orders matching ``filters``: shop AppID, product id, status and promoter kind as the
    portal filters them (``commission_orders_for_agency``), then the time ranges of ``RANGE_LOOKUPS`` (an order
    not paid is outside every pay-time range). Other keys (``ordering``) are ignored."""
    portal_filters = CommissionFilters(
        shop_appid=filters.get("shop_appid", ""),
        product_id=filters.get("product_id", ""),
        promoter_kind=filters.get("promoter_kind", ""),
        status=filters.get("status"),
    )
    ranges = {RANGE_LOOKUPS[name]: value for name, value in filters.items() if name in RANGE_LOOKUPS}
    return commission_orders_for_agency(agency=agency, filters=portal_filters).filter(**ranges)


def commission_order_get_for_agency_or_404(*, agency: Agency, order_id: str, sku_id: str) -> CommissionOrder:
    order = CommissionOrder.objects.filter(agency=agency, order_id=order_id, sku_id=sku_id).first()
    if order is None:
        raise Http404
    return order


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

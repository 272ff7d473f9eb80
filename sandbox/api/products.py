"""Products and stock."""

from sandbox.api import params
from sandbox.api.registry import Call, endpoint
from sandbox.models import Product

PAGE_MAX = 30
# Without a status filter: everything but never-listed drafts (0), the recycle bin (6) and deleted (9).
HIDDEN_BY_DEFAULT = (0, 6, 9)


@endpoint("/channels/ec/product/list/get")
def product_list(call: Call) -> dict:
    size = params.page_size(call, high=PAGE_MAX, required=True)
    status = params.integer(call, "status")
    queryset = Product.objects.filter(shop=call.account)
    queryset = queryset.filter(status=status) if status is not None else queryset.exclude(status__in=HIDDEN_BY_DEFAULT)
    rows, next_key, has_more = params.keyset_page(call, queryset, ["product_id"], size)
    return {"product_ids": [row[0] for row in rows], "next_key": next_key, "total_num": queryset.count()}


def _product(call: Call) -> Product:
    product_id = params.platform_id(call, "product_id")
    product = Product.objects.filter(shop=call.account, product_id=product_id).first()
    if product is None:
        raise call.invalid("product_id does not exist")  # UNCONFIRMED: no specific code is documented
    return product


@endpoint("/channels/ec/product/get")
def product_get(call: Call) -> dict:
    """data_type 1 (default): online data only; 2: the draft only; 3: both — without ``product`` when the
    product is not listed (status != 5)."""
    data_type = params.integer(call, "data_type", default=1, low=1, high=3)
    product = _product(call)
    answer = {}
    if data_type == 1 and product.payload is not None:
        answer["product"] = product.payload
    if data_type == 3 and product.payload is not None and product.status == 5:
        answer["product"] = product.payload
    if data_type in (2, 3):
        answer["edit_product"] = product.edit_payload
    return answer


@endpoint("/channels/ec/product/stock/get")
def stock_get(call: Call) -> dict:
    product = _product(call)
    sku_id = params.platform_id(call, "sku_id")
    skus = (product.payload or product.edit_payload)["skus"]
    sku = next((s for s in skus if s["sku_id"] == sku_id), None)
    if sku is None:
        raise call.invalid("sku_id does not exist")
    return {
        "data": {
            "normal_stock_num": sku["stock_num"],
            "limited_discount_stock_num": 0,
            "warehouse_stocks": [],
            "total_stock_num": sku["stock_num"],
            "finder_stock_num": 0,
        }
    }

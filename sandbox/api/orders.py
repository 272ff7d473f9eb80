"""Orders: list (by time window), search, detail."""

from sandbox.api import params
from sandbox.api.errors import ApiError
from sandbox.api.registry import Call, endpoint
from sandbox.models import Buyer, Order

WEEK = 7 * 86400
PAGE_MAX = 100
# The status filter of list/search: 20 and 30 include 21 (部分发货); 250 means every cancellation, 200 included
# (UNCONFIRMED: the filter enum says "250 订单取消"). Other values match exactly.
STATUS_FILTER = {20: (20, 21), 30: (21, 30), 250: (200, 250)}


def _status_filter(queryset, status: int | None):
    if status is None:
        return queryset
    return queryset.filter(status__in=STATUS_FILTER.get(status, (status,)))


@endpoint("/channels/ec/order/list/get")
def order_list(call: Call) -> dict:
    """Ordered by (update_time, order_id) when update_time_range is given, else by (create_time, order_id);
    both ranges together must both match."""
    created = params.time_range(call, "create_time_range", max_seconds=WEEK)
    updated = params.time_range(call, "update_time_range", max_seconds=WEEK)
    if created is None and updated is None:
        raise call.invalid("create_time_range or update_time_range is required")
    status = params.integer(call, "status")
    openid = params.string(call, "openid")
    size = params.page_size(call, high=PAGE_MAX)
    queryset = _status_filter(Order.objects.filter(shop=call.account), status)
    if created:
        queryset = queryset.filter(create_time__gte=created[0], create_time__lte=created[1])
    if updated:
        queryset = queryset.filter(update_time__gte=updated[0], update_time__lte=updated[1])
    if openid:
        queryset = queryset.filter(openid=openid)
    key = "update_time" if updated else "create_time"
    rows, next_key, has_more = params.keyset_page(call, queryset, [key, "order_id"], size, "order_id")
    return {"order_id_list": [row[0] for row in rows], "next_key": next_key, "has_more": has_more}


# The address fields a modify-address request can change; hash_code and the phone's extra info are the platform's own.
ADDRESS_FIELDS = (
    "user_name",
    "postal_code",
    "province_name",
    "city_name",
    "county_name",
    "detail_info",
    "national_code",
    "tel_number",
    "house_number",
)


def address_under_review(delivery: dict) -> bool:
    """A modify-address request waits for the merchant: ``address_under_review`` (an AddressInfo) is present and
    differs from ``address_info`` (once approved it overwrites address_info, and the two are equal)."""
    review, current = delivery.get("address_under_review"), delivery.get("address_info") or {}
    return isinstance(review, dict) and any(review.get(k) != current.get(k) for k in ADDRESS_FIELDS)


def _matches(order: dict, condition: dict, openids: set[str] | None) -> bool:
    detail = order["order_detail"]
    lines = detail["product_infos"]
    ext = detail["ext_info"]
    address = detail["delivery_info"]["address_info"]
    checks = {
        "title": lambda v: any(v in line["title"] for line in lines),
        "sku_code": lambda v: any(line["sku_code"] == v for line in lines),
        "tel_number_last4": lambda v: address.get("tel_number", "").endswith(v),
        "merchant_notes": lambda v: v in ext.get("merchant_notes", ""),
        "customer_notes": lambda v: v in ext.get("customer_notes", ""),
        "present_order_id": lambda v: order.get("present_order_id_str") == str(v),
        "address_under_review": lambda v: address_under_review(detail["delivery_info"]) == v,
    }
    for name, check in checks.items():
        value = condition.get(name)
        if value not in (None, "") and not check(value):
            return False
    return openids is None or order["openid"] in openids


@endpoint("/channels/ec/order/search")
def order_search(call: Call) -> dict:
    """search_condition: order_id (exact), title / merchant_notes / customer_notes (contains), sku_code,
    user_name (the receiver's real name), tel_number_last4, address_under_review (true: a modify-address request
    waits for the merchant; false: none does), present_order_id.
    Ordered by (create_time, order_id); same response shape as list/get."""
    condition = call.body.get("search_condition")
    if not isinstance(condition, dict):
        raise call.invalid("search_condition is required")
    order_id = params.platform_id(call, "order_id", required=False, source=condition)
    status = params.integer(call, "status")
    in_aftersale = params.integer(call, "on_aftersale_order_exist", low=0, high=1)
    size = params.page_size(call, high=PAGE_MAX)
    queryset = _status_filter(Order.objects.filter(shop=call.account), status)
    if order_id:
        queryset = queryset.filter(order_id=order_id)
    openids = None
    if condition.get("user_name"):
        openids = {
            b.openid
            for b in Buyer.objects.filter(shop=call.account).only("openid", "address")
            if b.address.get("user_name") == condition["user_name"]
        }
    cursor = params.decode_key(call, 2)
    if cursor is not None:
        queryset = queryset.filter(params.after(["create_time", "order_id"], cursor))
    found, has_more = [], False
    for row in queryset.order_by("create_time", "order_id").only("order_id", "create_time", "payload").iterator(500):
        payload = row.payload
        if in_aftersale is not None and (payload["aftersale_detail"]["on_aftersale_order_cnt"] > 0) != bool(
            in_aftersale
        ):
            continue
        if not _matches(payload, condition, openids):
            continue
        if len(found) == size:
            has_more = True
            break
        found.append(row)
    next_key = params.encode_key(found[-1].create_time, found[-1].order_id) if found else call.body.get("next_key", "")
    return {"order_id_list": [r.order_id for r in found], "next_key": next_key or "", "has_more": has_more}


@endpoint("/channels/ec/order/get")
def order_get(call: Call) -> dict:
    """``encode_sensitive_info`` is accepted; addresses and phone numbers are always desensitised here."""
    order_id = params.platform_id(call, "order_id")
    params.boolean(call, "encode_sensitive_info")
    found = Order.objects.filter(shop=call.account, order_id=order_id).values_list("payload", flat=True)[:1]
    if not found:
        raise ApiError(100002)
    return {"order": found[0]}

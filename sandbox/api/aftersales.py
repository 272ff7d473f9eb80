"""After-sale orders."""

from sandbox.api import params
from sandbox.api.registry import Call, endpoint
from sandbox.models import AfterSale

DAY = 86400
PAGE = 100  # UNCONFIRMED: the request has no page_size; the platform's page length is not documented.


def _window(call: Call, kind: str) -> tuple[int, int] | None:
    """The ``begin_<kind>_time``/``end_<kind>_time`` pair (unix s, both ends included), None when neither is given.
    The two are used together and are at most 24 hours apart."""
    begin_key, end_key = f"begin_{kind}_time", f"end_{kind}_time"
    begin = params.integer(call, begin_key, low=0)
    end = params.integer(call, end_key, low=0)
    if begin is None and end is None:
        return None
    if begin is None or end is None:
        raise call.invalid(f"{begin_key} and {end_key} are used together")
    if begin > end:
        raise call.invalid(f"{begin_key} must not be after {end_key}")
    if end - begin > DAY:
        raise call.invalid(f"{end_key} - {begin_key} must not exceed 24 hours")
    return begin, end


@endpoint("/channels/ec/aftersale/getaftersalelist")
def aftersale_list(call: Call) -> dict:
    """By creation time (begin_create_time/end_create_time) or by update time (begin_update_time/end_update_time):
    one pair is required ("成对使用，必选其一"). Pages are in (update_time, id) order when the update pair is given,
    else in (create_time, id) order. UNCONFIRMED: both pairs together; here both must match, as in order/list/get.
    """
    created = _window(call, "create")
    updated = _window(call, "update")
    if created is None and updated is None:
        raise call.invalid("begin_create_time/end_create_time or begin_update_time/end_update_time is required")
    queryset = AfterSale.objects.filter(shop=call.account)
    if created:
        queryset = queryset.filter(create_time__gte=created[0], create_time__lte=created[1])
    if updated:
        queryset = queryset.filter(update_time__gte=updated[0], update_time__lte=updated[1])
    key = "update_time" if updated else "create_time"
    rows, next_key, has_more = params.keyset_page(
        call, queryset, [key, "after_sale_order_id"], PAGE, "after_sale_order_id"
    )
    return {"after_sale_order_id_list": [row[0] for row in rows], "next_key": next_key, "has_more": has_more}


@endpoint("/channels/ec/aftersale/getaftersaleorder")
def aftersale_get(call: Call) -> dict:
    """UNCONFIRMED: an unknown id answers 40097 (no specific code is documented)."""
    aftersale_id = params.platform_id(call, "after_sale_order_id")
    payload = (
        AfterSale.objects.filter(shop=call.account, after_sale_order_id=aftersale_id)
        .values_list("payload", flat=True)
        .first()
    )
    if payload is None:
        raise call.invalid("after_sale_order_id does not exist")
    return {"after_sale_order": payload}

"""After-sale orders."""

from sandbox.api import params
from sandbox.api.registry import Call, endpoint
from sandbox.models import AfterSale

DAY = 86400
PAGE = 100  # UNCONFIRMED: the request has no page_size; the platform's page length is not documented.


@endpoint("/channels/ec/aftersale/getaftersalelist")
def aftersale_list(call: Call) -> dict:
    """By creation time: begin_create_time <= create_time <= end_create_time, at most 24 h apart."""
    begin = params.integer(call, "begin_create_time", required=True, low=0)
    end = params.integer(call, "end_create_time", required=True, low=0)
    if begin > end:
        raise call.invalid("begin_create_time must not be after end_create_time")
    if end - begin > DAY:
        raise call.invalid("end_create_time - begin_create_time must not exceed 24 hours")
    queryset = AfterSale.objects.filter(shop=call.account, create_time__gte=begin, create_time__lte=end)
    rows, next_key, has_more = params.keyset_page(
        call, queryset, ["create_time", "after_sale_order_id"], PAGE, "after_sale_order_id"
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

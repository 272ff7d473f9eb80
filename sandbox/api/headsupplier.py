"""联盟带货机构 (agency / headsupplier) APIs, called with the agency's own token; bad arguments answer 10024000."""

from sandbox.api import params
from sandbox.api.errors import (
    HEADSUPPLIER_INVALID_APPID,
    HEADSUPPLIER_NO_SUCH_ITEM,
    HEADSUPPLIER_PARAM_ERROR,
    ApiError,
)
from sandbox.api.registry import AGENCY, Call, endpoint
from sandbox.models import AgencyItem, CommissionOrder, Cooperation

WEEK = 7 * 86400
PAGE_MAX = 30


def agency_endpoint(path: str):
    return endpoint(path, audience=AGENCY, param_error=HEADSUPPLIER_PARAM_ERROR)


@agency_endpoint("/channels/ec/league/headsupplier/order/list/get")
def commission_order_list(call: Call) -> dict:
    """Filters: appid (shop), finder_id, openfinderid, sharer_appid and a ≤7-day create/update window (one
    required) — or order_id, which overrides them all. Ordered by (time, order_id, sku_id)."""
    size = params.page_size(call, high=PAGE_MAX)
    queryset = CommissionOrder.objects.filter(agency=call.account)
    order_id = params.platform_id(call, "order_id", required=False)
    key = "create_time"
    if order_id:
        queryset = queryset.filter(order_id=order_id)
    else:
        created = params.time_range(call, "create_time_range", max_seconds=WEEK)
        updated = params.time_range(call, "update_time_range", max_seconds=WEEK)
        if created is None and updated is None:
            raise call.invalid("create_time_range or update_time_range is required")
        if created:
            queryset = queryset.filter(create_time__gte=created[0], create_time__lte=created[1])
        if updated:
            queryset = queryset.filter(update_time__gte=updated[0], update_time__lte=updated[1])
            key = "update_time"
        for name, column in (
            ("appid", "shop__appid"),
            ("finder_id", "finder_id"),
            ("openfinderid", "openfinderid"),
            ("sharer_appid", "sharer_appid"),
        ):
            value = params.string(call, name)
            if value:
                queryset = queryset.filter(**{column: value})
    rows, next_key, has_more = params.keyset_page(
        call, queryset, [key, "order_id", "sku_id"], size, "order_id", "sku_id"
    )
    return {"list": [{"order_id": o, "sku_id": s} for o, s in rows], "next_key": next_key, "has_more": has_more}


@agency_endpoint("/channels/ec/league/headsupplier/order/get")
def commission_order_get(call: Call) -> dict:
    order_id = params.platform_id(call, "order_id")
    sku_id = params.platform_id(call, "sku_id")
    payload = (
        CommissionOrder.objects.filter(agency=call.account, order_id=order_id, sku_id=sku_id)
        .values_list("payload", flat=True)
        .first()
    )
    if payload is None:
        raise ApiError(10024006)
    return {"commssion_order": payload}  # sic: the official field name


@agency_endpoint("/channels/ec/league/headsupplier/item/list/get")
def item_list(call: Call) -> dict:
    """Products shops promote through this agency; ``appid`` narrows to one shop. Response list[{appid,
    product_id}] (UNCONFIRMED shape), ordered by (shop appid, product_id)."""
    size = params.page_size(call, high=PAGE_MAX)
    queryset = AgencyItem.objects.filter(agency=call.account)
    appid = params.string(call, "appid")
    if appid:
        queryset = queryset.filter(shop__appid=appid)
    rows, next_key, has_more = params.keyset_page(call, queryset, ["shop__appid", "product_id"], size)
    return {"list": [{"appid": a, "product_id": p} for a, p in rows], "next_key": next_key, "has_more": has_more}


@agency_endpoint("/channels/ec/league/headsupplier/item/get")
def item_get(call: Call) -> dict:
    """10024003 for an appid that is no shop cooperating with this agency, 10024004 for a product it does not
    promote through this agency."""
    appid = params.string(call, "appid", required=True)
    product_id = params.platform_id(call, "product_id")
    if not Cooperation.objects.filter(agency=call.account, shop__appid=appid).exists():
        raise ApiError(HEADSUPPLIER_INVALID_APPID)
    payload = (
        AgencyItem.objects.filter(agency=call.account, shop__appid=appid, product_id=product_id)
        .values_list("payload", flat=True)
        .first()
    )
    if payload is None:
        raise ApiError(HEADSUPPLIER_NO_SUCH_ITEM)
    return {"item": payload}


@agency_endpoint("/channels/ec/league/headsupplier/shop/list/get")
def shop_list(call: Call) -> dict:
    size = params.page_size(call, high=PAGE_MAX)
    queryset = Cooperation.objects.filter(agency=call.account)
    rows, next_key, has_more = params.keyset_page(call, queryset, ["shop__appid"], size, "shop__appid")
    shops = {
        c.shop.appid: c
        for c in Cooperation.objects.filter(agency=call.account, shop__appid__in=[r[0] for r in rows]).select_related(
            "shop"
        )
    }
    return {
        "shop_list": [
            {
                "base_info": {
                    "appid": appid,
                    "headimg_url": shops[appid].shop.headimg_url,
                    "nickname": shops[appid].shop.name,
                },
                "status": shops[appid].status,
            }
            for (appid,) in rows
        ],
        "next_key": next_key,
        "has_more": has_more,
    }

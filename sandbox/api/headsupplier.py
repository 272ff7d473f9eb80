"""联盟带货机构 (agency / headsupplier) APIs and the agency's 推客 (promoter) APIs, called with the agency's own
token; bad arguments answer 10024000. Everything an agency reads here but its commission orders and items is
computed from those (shop figures, funds) or from its seeded catalog (推客, bound talents)."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from sandbox.api import params
from sandbox.api.errors import (
    HEADSUPPLIER_INVALID_APPID,
    HEADSUPPLIER_NO_SUCH_ITEM,
    HEADSUPPLIER_PARAM_ERROR,
    ApiError,
)
from sandbox.api.registry import AGENCY, Call, endpoint
from sandbox.lifecycle import COMMISSION_CANCELLED, COMMISSION_SETTLED, COMMISSION_UNSETTLED
from sandbox.models import AgencyItem, CommissionOrder, Cooperation

WEEK = 7 * 86400
PAGE_MAX = 30
BEIJING = ZoneInfo("Asia/Shanghai")
FUNDS_PROFIT_SHARING = 2  # funds_type 2 分账 (1 is 提现, a withdrawal)
FLOW_PAGE_MAX, FLOW_NEXT_KEY_FROM = 100, 5000
SHARER_PAGE_MAX, TALENT_PAGE_MAX = 20, 10


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


@agency_endpoint("/channels/ec/league/headsupplier/shop/get")
def shop_get(call: Call) -> dict:
    """One cooperating shop with its figures for this agency, computed from the commission orders and items
    (UNCONFIRMED meanings: ``gmv`` the commissionable amount of orders not cancelled, ``settle_amount`` /
    ``unsettle_amount`` the agency's service fees settled / not yet settled, the "today" counts by the shop's
    simulated day in Beijing time). 10024003 for a shop not cooperating with this agency."""
    appid = params.string(call, "appid", required=True)
    cooperation = Cooperation.objects.filter(agency=call.account, shop__appid=appid).select_related("shop").first()
    if cooperation is None:
        raise ApiError(HEADSUPPLIER_INVALID_APPID)
    shop = cooperation.shop
    day_start = _day_start(shop.clock or call.now)
    orders = list(
        CommissionOrder.objects.filter(agency=call.account, shop=shop).values_list("status", "create_time", "payload")
    )
    items = AgencyItem.objects.filter(agency=call.account, shop=shop)
    fees = dict.fromkeys((COMMISSION_UNSETTLED, COMMISSION_SETTLED), 0)
    for status, _, payload in orders:
        if status in fees:
            fees[status] += payload["order_detail"]["commission_info"]["service_amount"]
    return {
        "shop_detail": {
            "base_info": {"appid": shop.appid, "headimg_url": shop.headimg_url, "nickname": shop.name},
            "data_info": {
                "gmv": sum(
                    p["order_detail"]["product_info"]["actual_payment"]
                    for status, _, p in orders
                    if status != COMMISSION_CANCELLED
                ),
                "product_number": items.count(),
                "settle_amount": fees[COMMISSION_SETTLED],
                "unsettle_amount": fees[COMMISSION_UNSETTLED],
                "product_number_today": items.filter(update_time__gte=day_start).count(),
                "product_number_sold_today": len(
                    {
                        p["order_detail"]["product_info"]["product_id"]
                        for _, created, p in orders
                        if created >= day_start
                    }
                ),
            },
            "status": cooperation.status,
            "approved_time": cooperation.update_time if cooperation.status == 2 else 0,
        }
    }


def _day_start(moment: int) -> int:
    beijing = datetime.fromtimestamp(moment, tz=BEIJING)
    return int(beijing.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())


# --- funds: computed from the settled commission orders ------------------------------------------------------------
#
# UNCONFIRMED model: what the platform pays an agency is its service fee (机构服务费); each settled commission order
# books one 分账 flow (funds_type 2) of its service amount at its profit-sharing time, and no withdrawal is seeded.
# The available balance is the sum of those flows, the pending balance the service amounts not settled yet.


def funds_flows(agency) -> list[dict]:
    """The agency's flows, oldest first (by booking time, then flow id), each with the balance after it."""
    flows = []
    settled = CommissionOrder.objects.filter(agency=agency, status=COMMISSION_SETTLED).values_list("payload", flat=True)
    for payload in settled:
        info = payload["order_detail"]["commission_info"]
        if info["service_amount"] <= 0 or not info.get("profit_sharding_suc_time"):
            continue
        key = f"{agency.appid}:{payload['order_id']}:{payload['sku_id']}"
        flows.append(
            {
                "flow_id": str(int(hashlib.sha256(key.encode()).hexdigest()[:15], 16)),
                "funds_type": FUNDS_PROFIT_SHARING,
                "amount": info["service_amount"],
                "bookkeeping_time": info["profit_sharding_suc_time"],
                "remark": "佣金分账",
                "order_id": payload["order_id"],
                "withdraw_id": "",
            }
        )
    flows.sort(key=lambda f: (f["bookkeeping_time"], f["flow_id"]))
    balance = 0
    for flow in flows:
        balance += flow["amount"]
        flow["balance"] = balance
    return flows


@agency_endpoint("/channels/ec/league/headsupplier/funds/balance/get")
def funds_balance(call: Call) -> dict:
    flows = funds_flows(call.account)
    pending = CommissionOrder.objects.filter(agency=call.account, status=COMMISSION_UNSETTLED).values_list(
        "payload", flat=True
    )
    return {
        "available_amount": flows[-1]["balance"] if flows else 0,
        "pending_amount": sum(p["order_detail"]["commission_info"]["service_amount"] for p in pending),
    }


@agency_endpoint("/channels/ec/league/headsupplier/funds/flowlist/get")
def funds_flow_list(call: Call) -> dict:
    """Flow ids booked in [start_time, end_time] (both or neither), optionally of one funds_type, ``page`` (from
    1) of ``page_size`` (default 10, at most 100: UNCONFIRMED); ``next_key`` (the last flow's sort key) continues
    after that flow instead, and is required once page × page_size reaches 5000."""
    page = params.integer(call, "page", default=1, low=1)
    size = params.page_size(call, high=FLOW_PAGE_MAX)
    start = params.integer(call, "start_time", low=0)
    end = params.integer(call, "end_time", low=0)
    if (start is None) != (end is None):
        raise call.invalid("start_time and end_time go together")
    if start is not None and start > end:
        raise call.invalid("start_time must not be after end_time")
    funds_type = params.integer(call, "funds_type")
    flows = [
        f
        for f in funds_flows(call.account)
        if (start is None or start <= f["bookkeeping_time"] <= end)
        and (funds_type is None or f["funds_type"] == funds_type)
    ]
    after = params.decode_key(call, 2)
    if after is not None:
        flows = [f for f in flows if (f["bookkeeping_time"], f["flow_id"]) > tuple(after)]
    elif page * size >= FLOW_NEXT_KEY_FROM:
        raise call.invalid("next_key is required for pages this deep")
    else:
        flows = flows[(page - 1) * size :]
    shown = flows[:size]
    last = shown[-1] if shown else None
    return {
        "flow_ids": [f["flow_id"] for f in shown],
        "has_more": len(flows) > size,
        "next_key": params.encode_key(last["bookkeeping_time"], last["flow_id"]) if last else "",
    }


@agency_endpoint("/channels/ec/league/headsupplier/funds/flowdetail/get")
def funds_flow_detail(call: Call) -> dict:
    """The flow with its balance after it; bookkeeping_time is a string, as documented. An unknown flow answers
    10024000 (the documented 不存在该流水 has no code in our sources)."""
    flow_id = params.platform_id(call, "flow_id")
    found = next((f for f in funds_flows(call.account) if f["flow_id"] == flow_id), None)
    if found is None:
        raise call.invalid("不存在该流水")
    return {"funds_flow": {**found, "bookkeeping_time": str(found["bookkeeping_time"])}}


# --- 推客 and bound talents (/channels/ec/promoter/…): the agency's promoters as seeded in its catalog ---------------


def _promoters(agency, kind: str) -> list[dict]:
    return [p["info"] for p in (agency.catalog or {}).get("promoters", {}).get(kind, [])]


def _bind_time(agency) -> int:
    """When the seeded promoters were bound: the agency's first cooperation (UNCONFIRMED, the seed has no date)."""
    first = Cooperation.objects.filter(agency=agency).order_by("update_time").values_list("update_time", flat=True)
    return first.first() or 0


def _avatar(appid: str) -> str:
    return f"https://wx.qlogo.cn/mmhead/{hashlib.sha256(appid.encode()).hexdigest()[:32]}/0"


def _list_page(call: Call, entries: list[dict], key: str, size: int) -> tuple[list[dict], str, bool]:
    """Entries sorted by ``key`` after next_key (the last entry's key), one page."""
    after = params.decode_key(call, 1)
    ordered = sorted((e for e in entries if after is None or e[key] > after[0]), key=lambda e: e[key])
    shown = ordered[:size]
    return shown, params.encode_key(shown[-1][key]) if shown else "", len(ordered) > size


@agency_endpoint("/channels/ec/promoter/get_bind_sharer_list")
def bind_sharer_list(call: Call) -> dict:
    """The agency's 推客 (by sharer_appid or sharer_openid, or all), page_size ≤ 20 (UNCONFIRMED). The commission
    setting is what set_sharer_commission_info last stored (0 / 0 before: UNCONFIRMED)."""
    size = params.page_size(call, high=SHARER_PAGE_MAX)
    appid, openid = params.string(call, "sharer_appid"), params.string(call, "sharer_openid")
    settings = (call.account.catalog or {}).get("sharer_commission", {})
    bound = _bind_time(call.account)
    sharers = [
        {
            "sharer_appid": s["sharer_appid"],
            "nickname": s["nickname"],
            "head_img_url": _avatar(s["sharer_appid"]),
            "bind_time": bound,
            "commission_type": settings.get(s["sharer_appid"], [0, 0])[0],
            "commission_ratio": settings.get(s["sharer_appid"], [0, 0])[1],
        }
        for s in _promoters(call.account, "sharer")
        if (not appid or s["sharer_appid"] == appid) and (not openid or s["opensharerid"] == openid)
    ]
    shown, next_key, _ = _list_page(call, sharers, "sharer_appid", size)
    return {"sharer_info_list": shown, "next_key": next_key}


@agency_endpoint("/channels/ec/promoter/set_sharer_commission_info")
def set_sharer_commission_info(call: Call) -> dict:
    """Store a bound 推客's commission setting: commission_type ≥ 0, commission_ratio 0–10000 (万分数 per SKIT,
    UNCONFIRMED). 10024000 for a 推客 not bound to this agency."""
    appid = params.string(call, "sharer_appid", required=True)
    commission_type = params.integer(call, "commission_type", required=True, low=0)
    ratio = params.integer(call, "commission_ratio", required=True, low=0, high=10_000)
    if appid not in {s["sharer_appid"] for s in _promoters(call.account, "sharer")}:
        raise call.invalid("this 推客 is not bound to the agency")
    with transaction.atomic():
        account = type(call.account).objects.select_for_update().get(pk=call.account.pk)
        account.catalog.setdefault("sharer_commission", {})[appid] = [commission_type, ratio]
        account.save(update_fields=["catalog", "updated_at"])
    return {}


@agency_endpoint("/channels/ec/promoter/get_bind_talent_list")
def bind_talent_list(call: Call) -> dict:
    """The talents bound to the agency (or one, by talent_appid), page_size ≤ 10."""
    size = params.page_size(call, high=TALENT_PAGE_MAX)
    appid = params.string(call, "talent_appid")
    bound = _bind_time(call.account)
    talents = [
        {
            "talent_appid": t["talent_appid"],
            "talent_nickname": t["nickname"],
            "talent_head_img": _avatar(t["talent_appid"]),
            "bind_time": bound,
            "related_finder_exportname_list": [],
            "related_mp_biz_appid_list": [],
        }
        for t in _promoters(call.account, "talent")
        if not appid or t["talent_appid"] == appid
    ]
    shown, next_key, has_more = _list_page(call, talents, "talent_appid", size)
    return {"talent_list": shown, "next_key": next_key, "has_more": has_more}


def _promoted_item(call: Call) -> tuple[str, AgencyItem]:
    """The 推客 (by sharer_appid or sharer_openid) and the item (shop_appid or head_supplier_appid, with
    product_id or product_short_link — one of each pair) a promotion link is asked for; 10024000 for a 推客 not
    bound to the agency, 10024004 for a product it does not promote."""
    pairs = (
        ("sharer_appid", "sharer_openid"),
        ("shop_appid", "head_supplier_appid"),
        ("product_id", "product_short_link"),
    )
    given = {}
    for pair in pairs:
        named = [name for name in pair if call.body.get(name) not in (None, "")]
        if len(named) != 1:
            raise call.invalid(f"give exactly one of {' / '.join(pair)}")
        given[named[0]] = (
            params.platform_id(call, named[0]) if named[0] == "product_id" else params.string(call, named[0])
        )
    sharer = next(
        (
            s
            for s in _promoters(call.account, "sharer")
            if given.get("sharer_appid") in (None, s["sharer_appid"])
            and given.get("sharer_openid") in (None, s["opensharerid"])
        ),
        None,
    )
    if sharer is None:
        raise call.invalid("this 推客 is not bound to the agency")
    items = AgencyItem.objects.filter(agency=call.account, status=1)
    if "shop_appid" in given:
        items = items.filter(shop__appid=given["shop_appid"])
    elif given["head_supplier_appid"] != call.account.appid:
        raise ApiError(HEADSUPPLIER_INVALID_APPID)
    if "product_id" in given:
        item = items.filter(product_id=given["product_id"]).first()
    else:
        item = next((i for i in items if i.payload["commission_info"].get("link") == given["product_short_link"]), None)
    if item is None:
        raise ApiError(HEADSUPPLIER_NO_SUCH_ITEM)
    return sharer["sharer_appid"], item


def _promotion_token(call: Call, kind: str) -> str:
    sharer_appid, item = _promoted_item(call)
    key = f"{kind}:{call.account.appid}:{sharer_appid}:{item.shop_id}:{item.product_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


@agency_endpoint("/channels/ec/promoter/get_product_promotion_link_info")
def product_promotion_link(call: Call) -> dict:
    """A stable short link per (agency, 推客, product)."""
    return {"short_link": f"https://store.weixin.qq.com/s/{_promotion_token(call, 'link')}"}


@agency_endpoint("/channels/ec/promoter/get_product_promotion_qrcode_info")
def product_promotion_qrcode(call: Call) -> dict:
    """A stable QR-code URL per (agency, 推客, product); the sandbox serves no image there."""
    return {"qrcode_url": f"https://store.weixin.qq.com/qrcode/{_promotion_token(call, 'qrcode')}.png"}

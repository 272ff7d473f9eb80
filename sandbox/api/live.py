"""Live (直播): the shop's live notices (直播预告) and live records, the live dashboards, and the agency's 推客 APIs for
live notices (share links, QR codes, reservation counts). wechat-platform-2026.md B.4; the data is computed by
sandbox.gen_live from the catalog and the shop clock, so it lines up with the orders' ``live_id``.

There is no API for 预约有礼 (binding a coupon to a notice) nor for the users who reserved: neither is served here.
"""

import hashlib
import json
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from sandbox import gen_live
from sandbox.api import params
from sandbox.api.errors import HEADSUPPLIER_INVALID_APPID, HEADSUPPLIER_PARAM_ERROR, ApiError
from sandbox.api.headsupplier import _promoters
from sandbox.api.registry import AGENCY, Call, endpoint
from sandbox.models import Account, Cooperation, Order

BEIJING = ZoneInfo("Asia/Shanghai")
PAID_STATUSES = (20, 21, 30, 100, 200)  # paid at some point (200: cancelled after a full refund)
PROMOTER_TYPE_FINDER = 1  # 关联账号类型: 视频号 (UNCONFIRMED enum)
DASHBOARD_PAGE = 100  # live_items per getlivelist answer (UNCONFIRMED)


def _clock(account: Account) -> int:
    return int(account.clock if account.clock is not None else 0)


# --- shop side (the linked 视频号's own notices and lives) ---------------------------------------------------


@endpoint("/channels/ec/finderlive/getfinderlivenoticerecordlist")
def notice_record_list(call: Call) -> dict:
    """The shop's 视频号 live notices: published ones whose live has not ended more than a week ago."""
    return {"live_notice_list": gen_live.notices(call.account.catalog, _clock(call.account))}


@endpoint("/channels/ec/finderlive/getfinderliverecordlist")
def live_record_list(call: Call) -> dict:
    """The lives of the last 30 days, newest first."""
    now = _clock(call.account)
    found = gen_live.lives(call.account.catalog, now, since=now - gen_live.RECORD_HISTORY, until=now)
    return {"live_list": [gen_live.live_record(live, now) for live in reversed(found)]}


def _ds_bounds(call: Call) -> tuple[int, int]:
    raw = call.body.get("ds")
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    try:
        day = datetime.strptime(text, "%Y%m%d").replace(tzinfo=BEIJING)
    except ValueError:
        raise call.invalid("ds must be a date yyyyMMdd") from None
    start = int(day.timestamp())
    return start, start + gen_live.DAY - 1


@endpoint("/channels/livedashboard/getlivelist")
def dashboard_live_list(call: Call) -> dict:
    """The lives that started on local day ``ds`` (yyyyMMdd)."""
    since, until = _ds_bounds(call)
    found = gen_live.lives(call.account.catalog, _clock(call.account), since=since, until=until)
    items = [{"export_id": live["export_id"], "create_time": live["start_time"]} for live in found]
    return {"trace_id": secrets.token_hex(8), "live_items": items[:DASHBOARD_PAGE], "has_more": False}


def _json(value: dict) -> str:
    """The dashboard's blocks come as JSON text inside the JSON answer (WxJava parses them a second time)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@endpoint("/channels/livedashboard/getlivedata")
def dashboard_live_data(call: Call) -> dict:
    """One live's dashboard: e-commerce figures from its paid orders (those whose live_id is the export_id),
    audience figures drawn from the export id. 40097 for an export id of none of the shop's lives."""
    export_id = params.string(call, "export_id", required=True)
    now = _clock(call.account)
    live = gen_live.find_live(call.account.catalog, now, export_id)
    if live is None:
        raise call.invalid("export_id is not a live of this account")
    orders = Order.objects.filter(
        shop=call.account, status__in=PAID_STATUSES, payload__order_detail__ext_info__live_id=export_id
    ).values_list("openid", "payload__order_detail__price_info__order_price")
    gmv = pay_pv = 0
    buyers = set()
    for openid, price in orders:
        gmv += int(price or 0)
        pay_pv += 1
        buyers.add(openid)
    seen = gen_live.audience(export_id, len(buyers))
    ended = now >= live["start_time"] + seen["live_duration"]
    index = {
        "like_uv_over_new_watch_uv": {"value": seen["like_permyriad"], "percentile": 50, "median_7_days": 0},
        "comment_uv_over_new_watch_uv": {"value": seen["comment_permyriad"], "percentile": 50, "median_7_days": 0},
        "average_watch_seconds": {
            "value": seen["average_watch_seconds_per_audience"],
            "percentile": 50,
            "median_7_days": 0,
        },
    }
    summary = {k: seen[k] for k in ("new_watch_uv", "max_online_watch_uv", "impression_uv")}
    summary["average_watch_seconds_per_audience"] = seen["average_watch_seconds_per_audience"]
    return {
        "trace_id": secrets.token_hex(8),
        "live_dashboard_data": _json(
            {
                "live_dashboard_data": {"summary": summary},
                "live_duration": min(seen["live_duration"], max(now - live["start_time"], 0)),
                "start_time": live["start_time"],
            }
        ),
        "live_comparison_index": _json(
            {"is_living": not ended, "on_air": index if not ended else {}, "ended": index if ended else {}}
        ),
        "live_ec_data_summary": _json(
            {
                "total_gmv": gmv,
                "total_pay_pv": pay_pv,
                "total_pay_uv": len(buyers),
                "cumulative_audience_count": seen["new_watch_uv"],
                "customer_price": gmv // len(buyers) if buyers else 0,
            }
        ),
        "live_ec_conversion_metric": _json({}),
        "live_ec_profile": _json({}),
        "live_distribution_channel": _json({}),
        "single_live_ec_spu_data_page_v2": _json({}),
    }


# --- agency side: 推客 promoting a shop's (or a bound talent's) live notice -----------------------------------


def agency_endpoint(path: str):
    return endpoint(path, audience=AGENCY, param_error=HEADSUPPLIER_PARAM_ERROR)


def _sharer(call: Call, *, required: bool) -> str:
    appid = params.string(call, "sharer_appid", required=required)
    if appid and appid not in {s["sharer_appid"] for s in _promoters(call.account, "sharer")}:
        raise call.invalid("this 推客 is not bound to the agency")
    return appid


def _shop_finder(call: Call) -> tuple[Account, dict]:
    """The cooperating shop (shop_appid) and its linked 视频号 (promoter_id, promoter_type 1)."""
    shop_appid = params.string(call, "shop_appid", required=True)
    promoter_id = params.string(call, "promoter_id", required=True)
    promoter_type = params.integer(call, "promoter_type", required=True)
    shop = Account.objects.filter(appid=shop_appid, kind=Account.Kind.SHOP).first()
    if shop is None or not Cooperation.objects.filter(agency=call.account, shop=shop, status=2).exists():
        raise ApiError(HEADSUPPLIER_INVALID_APPID, "no cooperation with this shop")
    finder = next((f for f in gen_live._finders(shop.catalog) if f["finder_id"] == promoter_id), None)
    if promoter_type != PROMOTER_TYPE_FINDER or finder is None:
        raise call.invalid("promoter_id is not a 视频号 linked to the shop")
    return shop, finder


def _talent(call: Call) -> str:
    appid = params.string(call, "talent_appid", required=True)
    if appid not in {t["talent_appid"] for t in _promoters(call.account, "talent")}:
        raise call.invalid("talent_appid is not bound to the agency")
    return appid


def _shop_notice(call: Call) -> tuple[Account, dict, dict]:
    shop, finder = _shop_finder(call)
    notice_id = params.platform_id(call, "notice_id")
    found = gen_live.find_notice(shop.catalog, _clock(shop), notice_id)
    if found is None or found[0]["finder_id"] != finder["finder_id"]:
        raise call.invalid("notice_id is not a notice of this 视频号")
    return shop, finder, found[1]


def _token(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:24]


@agency_endpoint("/channels/ec/promoter/get_shop_live_notice_record_list")
def shop_live_notice_record_list(call: Call) -> dict:
    """A cooperating shop's 视频号 live notices (SKIT names the list ``live_record_list``)."""
    shop, finder = _shop_finder(call)
    found = gen_live.notices(shop.catalog, _clock(shop), finder_id=finder["finder_id"])
    rows = [{k: n[k] for k in ("notice_id", "description", "start_time")} for n in found]
    return {"live_record_list": rows}


@agency_endpoint("/channels/ec/promoter/get_shop_live_notice_promoter_share_link")
def shop_live_notice_share_link(call: Call) -> dict:
    """A stable share link per (agency, 推客, notice); without sharer_appid, the agency's own."""
    _shop, _finder, found = _shop_notice(call)
    sharer = _sharer(call, required=False)
    return {"promoter_share_link": f"promoter_share:{_token('notice', call.account.appid, sharer, found['notice_id'])}"}


@agency_endpoint("/channels/ec/promoter/get_shop_live_notice_record_qr_code")
def shop_live_notice_qrcode(call: Call) -> dict:
    _shop, _finder, found = _shop_notice(call)
    sharer = _sharer(call, required=False)
    token = _token("notice-qr", call.account.appid, sharer, found["notice_id"])
    return {"qrcode_url": f"https://store.weixin.qq.com/qrcode/{token}.png"}


@agency_endpoint("/channels/ec/promoter/get_live_notice_record_list")
def talent_live_notice_record_list(call: Call) -> dict:
    """A bound talent's notices. The sandbox simulates no talent's lives: the list is empty (UNCONFIRMED)."""
    _talent(call)
    _sharer(call, required=False)
    return {"live_notice_record_list": []}


@agency_endpoint("/channels/ec/promoter/get_live_notice_promoter_share_link")
def talent_live_notice_share_link(call: Call) -> dict:
    """For a bound talent's notice: none is simulated, so every notice_id answers 10024000."""
    _talent(call)
    _sharer(call, required=False)
    params.platform_id(call, "notice_id")
    raise call.invalid("notice_id is not a notice of this talent")


@agency_endpoint("/channels/ec/promoter/get_live_notice_record_qr_code")
def talent_live_notice_qrcode(call: Call) -> dict:
    _talent(call)
    _sharer(call, required=False)
    params.platform_id(call, "notice_id")
    raise call.invalid("notice_id is not a notice of this talent")


@agency_endpoint("/channels/ec/promoter/get_live_notice_reservation_info")
def live_notice_reservation_info(call: Call) -> dict:
    """Reservations made through one 推客's link for a notice of a shop cooperating with the agency: a count."""
    notice_id = params.platform_id(call, "live_notice_id")
    sharer = _sharer(call, required=True)
    shops = Account.objects.filter(
        kind=Account.Kind.SHOP, agency_cooperations__agency=call.account, agency_cooperations__status=2
    ).only("catalog", "clock")
    for shop in shops:
        found = gen_live.find_notice(shop.catalog, _clock(shop), notice_id)
        if found is not None:
            return {"count": gen_live.reservations(notice_id, found[1]["start_time"], _clock(shop), sharer)}
    raise call.invalid("live_notice_id is not a notice the agency may promote")

"""The sync of an agency's own platform account (its headsupplier and 推客 APIs, with its own AppID and AppSecret),
run by the core's sync engine exactly as a shop's: same lease, cursors, call log, failure counting, pauses and
alerts (shopops.sync.engine.Subject), with the agency's rows (affiliates.models.sync) and the streams below.

Streams, in the order a full run takes them:

- ``shops`` (scan): the cooperating shops, each with its figures (shop/list/get, then shop/get per shop), upserted
  into ``Cooperation`` by (shop AppID, agency AppID): the agency is set, the ShopOps shop linked when one has that
  AppID, and what ShopOps recorded itself (invitation and decision times, the reason for declining) kept.
- ``products`` (scan): every item each cooperating shop promotes through the agency (item/list/get per shop, then
  item/get), upserted into ``AgencyProduct``; items the scan no longer finds are removed.
- ``commission_orders`` (windowed by update time, ≤ 7 days a window): commission order keys, then order/get for
  the stale ones, upserted set-based into ``CommissionOrder``; the expected amounts are computed in the same
  transaction (affiliates.services.commissions.commission_orders_reconcile).
- ``funds_flows`` (windowed by booking time): flow ids (funds/flowlist/get), then funds/flowdetail/get, into
  ``FundsFlow``.
- ``balance`` (one call): the available and pending balance onto the ``Agency``.
- ``talents`` and ``sharers`` (scans): bound talents and 推客, upserted; those no longer bound are removed.

Push: the agency's own events (``head_supplier_commission_order_update``, ``head_supplier_item_update``) are not
received; polling by update time finds every change they would announce, at the next run.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Value, When

from affiliates.models import (
    Agency,
    AgencyAlert,
    AgencyProduct,
    AgencySyncCursor,
    AgencySyncState,
    AgencyTalent,
    CommissionOrder,
    Cooperation,
    FundsFlow,
    Sharer,
)
from affiliates.services import plans
from affiliates.services.commissions import commission_lines_reconcile, commission_orders_reconcile
from shopops.bulk import rows_write
from shopops.models import Shop
from shopops.platform import agency_client
from shopops.sync import engine
from shopops.wechat.types import as_dict, as_id, as_int, as_list, as_str, platform_time

Stream = AgencySyncCursor.Stream
# Stream names in the order a run takes them (plain strings: they travel in task arguments).
ALL_STREAMS = ("shops", "products", "commission_orders", "funds_flows", "balance", "talents", "sharers")
# What the 5-minute schedule polls; the catalogue-like rest is scanned hourly.
FREQUENT_STREAMS = ("commission_orders", "funds_flows", "balance")
HOURLY_STREAMS = ("shops", "products", "talents", "sharers")
COMMISSION_WINDOW = timedelta(days=7)
FUNDS_WINDOW = timedelta(days=7)  # UNCONFIRMED: funds/flowlist/get documents no limit; the order list's is kept
FUNDS_PAGE_SIZE = 100


@dataclass(frozen=True)
class Listing:
    """A listed page as the engine reads it: ``ids`` (any hashable key, or the records themselves for a scan
    without details), ``next_key`` ("" on the last page) and ``has_more``."""

    ids: list
    next_key: str
    has_more: bool = False


def agency_subject(agency: Agency) -> engine.Subject:
    """The agency as a sync subject of the engine; its calls are logged under its AppID (no shop)."""
    return engine.Subject(
        instance=agency,
        field="agency",
        state_model=AgencySyncState,
        cursor_model=AgencySyncCursor,
        alert_model=AgencyAlert,
        client=lambda log: agency_client(agency, log=log),
    )


def agency_sync(
    *,
    agency: Agency,
    streams: tuple[str, ...] = ALL_STREAMS,
    seconds: float | None = None,
    on_page: Callable | None = None,
    client=None,
    backfill_since: datetime | None = None,
) -> engine.RunReport:
    """Run the agency's syncs of ``streams`` (in the order of ``ALL_STREAMS``) under its lease, for at most
    ``seconds``; with ``backfill_since``, re-read the windowed streams from then (``engine.subject_sync``).
    ``report.stopped`` is "not connected" (nothing done) for an agency without both credentials, else as
    ``engine.subject_sync`` says ("busy", "paused", "time", "lease lost" or the error class)."""
    if not (agency.appid and agency.app_secret):
        return engine.RunReport(stopped="not connected")
    unknown = set(streams) - set(ALL_STREAMS)
    if unknown:
        raise ValueError(f"unknown agency streams: {', '.join(sorted(unknown))}")
    definitions = agency_streams(agency)
    return engine.subject_sync(
        subject=agency_subject(agency),
        streams=[definitions[name] for name in ALL_STREAMS if name in streams],
        seconds=seconds,
        on_page=on_page,
        client=client,
        backfill_since=backfill_since,
    )


def agency_streams(agency: Agency) -> dict[str, engine.WindowedStream | engine.ScanStream]:
    """The agency's streams by name (the products scan walks the shops the agency cooperates with)."""
    streams = [
        engine.ScanStream(
            name=Stream.SHOPS,
            list_page=_shops_page,
            fetch=lambda c, appid: c.headsupplier_shop_get(shop_appid=appid),
            store=cooperations_store,
        ),
        engine.ScanStream(
            name=Stream.PRODUCTS,
            list_page=lambda c, key: _products_page(c, key, shops=_cooperating_shops(agency)),
            fetch=lambda c, key: c.headsupplier_item_get(shop_appid=key[0], product_id=key[1]),
            store=agency_products_store,
            finish=_forget_unlisted(AgencyProduct),
        ),
        engine.WindowedStream(
            name=Stream.COMMISSION_ORDERS,
            max_window=COMMISSION_WINDOW,
            list_page=_commission_orders_page,
            fetch=lambda c, key: c.headsupplier_order_get(*key),
            store=commission_orders_store,
            synced=_commission_orders_synced,
        ),
        engine.WindowedStream(
            name=Stream.FUNDS_FLOWS,
            max_window=FUNDS_WINDOW,
            list_page=_funds_flows_page,
            fetch=lambda c, flow_id: c.headsupplier_funds_flow_get(flow_id),
            store=funds_flows_store,
            synced=engine.synced_by_platform_id(FundsFlow, "flow_id"),
        ),
        engine.ScanStream(
            name=Stream.BALANCE,
            list_page=lambda c, key: Listing(ids=[c.headsupplier_funds_balance()], next_key=""),
            fetch=None,
            store=balance_store,
        ),
        engine.ScanStream(
            name=Stream.TALENTS,
            list_page=lambda c, key: _records(c.promoter_bind_talent_list(page_size=10, next_key=key)),
            fetch=None,
            store=agency_talents_store,
            finish=_forget_unlisted(AgencyTalent),
        ),
        engine.ScanStream(
            name=Stream.SHARERS,
            list_page=lambda c, key: _records(c.promoter_bind_sharer_list(page_size=20, next_key=key)),
            fetch=None,
            store=sharers_store,
            finish=_forget_unlisted(Sharer),
        ),
    ]
    return {stream.name: stream for stream in streams}


# --- listing ------------------------------------------------------------------------------------------------------


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _records(page) -> Listing:
    return Listing(ids=page.records, next_key=page.next_key)


def _shops_page(client, key: str) -> Listing:
    page = client.headsupplier_shop_list(page_size=30, next_key=key)
    return Listing(ids=[s.appid for s in page.shops if s.appid], next_key=page.next_key if page.has_more else "")


def _cooperating_shops(agency: Agency) -> list[str]:
    return sorted(Cooperation.objects.filter(agency=agency).values_list("shop_appid", flat=True))


def _products_page(client, key: str, *, shops: list[str]) -> Listing:
    """The next non-empty page of promoted items, walking the shops in AppID order. The scan's key is
    ``<shop appid> <the item list's next_key>``; each id is (shop appid, product id)."""
    shop, _, item_key = key.partition(" ")
    remaining = [s for s in shops if s >= shop] if shop else shops
    for i, appid in enumerate(remaining):
        page = client.headsupplier_item_list(shop_appid=appid, page_size=30, next_key=item_key if appid == shop else "")
        if page.has_more and page.next_key:
            next_key = f"{appid} {page.next_key}"
        else:
            next_key = f"{remaining[i + 1]} " if i + 1 < len(remaining) else ""
        if page.ids:
            return Listing(ids=[(appid, pid) for pid in page.ids], next_key=next_key)
    return Listing(ids=[], next_key="")


def _commission_orders_page(client, start: datetime, end: datetime, key: str) -> Listing:
    page = client.headsupplier_order_list(update_start=_ts(start), update_end=_ts(end), page_size=30, next_key=key)
    return Listing(ids=page.keys, next_key=page.next_key, has_more=page.has_more)


def _funds_flows_page(client, start: datetime, end: datetime, key: str) -> Listing:
    """The flow list pages by number (with the platform's next_key past the 5000th flow): the cursor's key is
    ``<page> <the platform's next_key>``."""
    number, _, platform_key = key.partition(" ")
    page_number = int(number) if number else 1
    page = client.headsupplier_funds_flow_list(
        page=page_number, page_size=FUNDS_PAGE_SIZE, start_time=_ts(start), end_time=_ts(end), next_key=platform_key
    )
    more = page.has_more and bool(page.ids)
    return Listing(ids=page.ids, next_key=f"{page_number + 1} {page.next_key}" if more else "", has_more=more)


def _commission_orders_synced(*, agency: Agency, ids: list[tuple[str, str]]) -> dict:
    rows = CommissionOrder.objects.filter(agency=agency, order_id__in={o for o, _ in ids})
    return {(o, s): at for o, s, at in rows.values_list("order_id", "sku_id", "synced_at")}


def _forget_unlisted(model) -> Callable:
    """A scan's ``finish``: the agency's rows of ``model`` that the scan did not write are no longer on the
    platform (unbound, no longer promoted) and are removed."""

    def finish(*, agency: Agency, scan_started: datetime) -> None:
        model.objects.filter(agency=agency, synced_at__lt=scan_started).delete()

    return finish


# --- storing ------------------------------------------------------------------------------------------------------


def _upsert(model, rows: list[dict], *keys: str) -> None:
    """Upsert the agency's rows of ``model`` by (agency, *keys): every other column takes the new value."""
    unique = {"id", "agency", *keys}
    update = [f.name for f in model._meta.concrete_fields if f.name not in unique]
    rows_write(model, rows, unique_fields=["agency", *keys], update_fields=update)


def _clip(model, field: str, value: str) -> str:
    return value[: model._meta.get_field(field).max_length]


def commission_order_fields(payload: dict) -> dict:
    """The columns of a ``CommissionOrder`` from order/get's ``commssion_order``: the promoter is whoever the
    payload names (推客 ``sharer_info``, else 带货助手 ``talent_info``, else 视频号 ``finder_info``) with their
    ratio (ppm) and amount (fen); times are the platform's Unix seconds."""
    detail = as_dict(payload.get("order_detail"))
    shop, product = as_dict(detail.get("shop_info")), as_dict(detail.get("product_info"))
    order, commission = as_dict(detail.get("order_info")), as_dict(detail.get("commission_info"))
    kind, promoter_id, promoter = "", "", {}
    for key, candidate, id_key in (
        ("sharer_info", CommissionOrder.Promoter.SHARER, "sharer_appid"),
        ("talent_info", CommissionOrder.Promoter.TALENT, "talent_appid"),
        ("finder_info", CommissionOrder.Promoter.FINDER, "openfinderid"),
    ):
        if as_dict(commission.get(key)):
            kind, promoter = candidate, as_dict(commission.get(key))
            promoter_id = as_str(promoter.get(id_key))
            break
    return {
        "order_id": as_id(payload.get("order_id")),
        "sku_id": as_id(payload.get("sku_id")),
        "shop_appid": as_str(shop.get("appid")),
        "shop_name": _clip(CommissionOrder, "shop_name", as_str(shop.get("shop_name"))),
        "product_id": as_id(product.get("product_id")),
        "title": _clip(CommissionOrder, "title", as_str(product.get("title"))),
        "thumb_img": as_str(product.get("thumb_img")),
        "status": as_int(payload.get("status")),
        "order_status": as_int(order.get("order_status"), default=None),
        "create_time": platform_time(payload.get("create_time")),
        "update_time": platform_time(payload.get("update_time")),
        "pay_time": platform_time(order.get("pay_time")),
        "settled_at": platform_time(commission.get("profit_sharding_suc_time")),
        "actual_payment_fen": as_int(product.get("actual_payment")),
        "promotion_channel": as_int(commission.get("promotion_channel"), default=None),
        "promoter_kind": kind,
        "promoter_id": promoter_id,
        "promoter_nickname": _clip(CommissionOrder, "promoter_nickname", as_str(promoter.get("nickname"))),
        "promoter_ratio_ppm": as_int(promoter.get("ratio")),
        "promoter_amount_fen": as_int(promoter.get("amount")),
        "service_ratio_ppm": as_int(commission.get("service_ratio")),
        "service_amount_fen": as_int(commission.get("service_amount")),
        "buyer_openid": as_str(as_dict(detail.get("buyer_info")).get("open_id")),
    }


# What ShopOps computes itself (commission_orders_reconcile) is never overwritten by a sync.
COMMISSION_ORDER_SYNCED = [*commission_order_fields({}), "raw", "synced_at"]
COMMISSION_ORDER_UPDATE = [f for f in COMMISSION_ORDER_SYNCED if f not in ("order_id", "sku_id")]


def commission_orders_store(*, agency: Agency, payloads: list[dict], synced_at: datetime) -> None:
    """Upsert the commission orders by (agency, order_id, sku_id) in one statement, then compute their expected
    amounts and reasons (``commission_orders_reconcile``) in the same transaction."""
    rows = [{"agency_id": agency.pk, "raw": p, "synced_at": synced_at, **commission_order_fields(p)} for p in payloads]
    if not rows:
        return
    rows_write(
        CommissionOrder, rows, unique_fields=["agency", "order_id", "sku_id"], update_fields=COMMISSION_ORDER_UPDATE
    )
    commission_orders_reconcile(agency=agency, keys=[(r["order_id"], r["sku_id"]) for r in rows])


def funds_flows_store(*, agency: Agency, payloads: list[dict], synced_at: datetime) -> None:
    rows = [
        {
            "agency_id": agency.pk,
            "flow_id": as_id(p.get("flow_id")),
            "funds_type": as_int(p.get("funds_type")),
            "amount_fen": as_int(p.get("amount")),
            "balance_fen": as_int(p.get("balance")),
            "bookkeeping_time": platform_time(p.get("bookkeeping_time")),
            "remark": _clip(FundsFlow, "remark", as_str(p.get("remark"))),
            "order_id": as_id(p.get("order_id")),
            "withdraw_id": as_id(p.get("withdraw_id")),
            "synced_at": synced_at,
        }
        for p in payloads
    ]
    _upsert(FundsFlow, rows, "flow_id")


def balance_store(*, agency: Agency, payloads: list[dict], listed, synced_at: datetime) -> None:
    (balance,) = payloads
    Agency.objects.filter(pk=agency.pk).update(
        available_fen=balance["available_amount"], pending_fen=balance["pending_amount"], funds_checked_at=synced_at
    )


def cooperations_store(*, agency: Agency, payloads: list[dict], listed, synced_at: datetime) -> None:
    """Upsert the cooperations by (shop AppID, agency AppID) from shop/get's ``shop_detail``: the platform's status
    and figures; the agency, and the ShopOps shop that has the AppID (if any). What ShopOps recorded (invited_at,
    reject_reason) stays; decided_at, when ShopOps has none, becomes the platform's approval time."""
    details = [(as_dict(p.get("base_info")), as_dict(p.get("data_info")), p) for p in payloads]
    appids = [as_str(base.get("appid")) for base, _, _ in details]
    shops = dict(Shop.objects.filter(appid__in=[a for a in appids if a]).values_list("appid", "pk"))
    rows = [
        {
            "shop_id": shops.get(as_str(base.get("appid"))),
            "agency_id": agency.pk,
            "shop_appid": as_str(base.get("appid")),
            "shop_name": _clip(Cooperation, "shop_name", as_str(base.get("nickname"))),
            "shop_headimg_url": as_str(base.get("headimg_url")),
            "agency_appid": agency.appid,
            "agency_name": _clip(Cooperation, "agency_name", agency.name),
            "status": as_int(detail.get("status")),
            "gmv_fen": as_int(data.get("gmv")),
            "settled_fen": as_int(data.get("settle_amount")),
            "unsettled_fen": as_int(data.get("unsettle_amount")),
            "product_number": as_int(data.get("product_number")),
            "synced_at": synced_at,
            "created_at": synced_at,
            "updated_at": synced_at,
        }
        for base, data, detail in details
        if as_str(base.get("appid"))
    ]
    update = [name for name in rows[0] if name not in ("shop_appid", "agency_appid", "created_at")] if rows else []
    rows_write(Cooperation, rows, unique_fields=["shop_appid", "agency_appid"], update_fields=update)
    approved = {
        as_str(base.get("appid")): platform_time(detail.get("approved_time"))
        for base, _, detail in details
        if platform_time(detail.get("approved_time"))
    }
    if approved:
        Cooperation.objects.filter(agency_appid=agency.appid, shop_appid__in=approved, decided_at=None).update(
            decided_at=Case(*(When(shop_appid=a, then=Value(at)) for a, at in approved.items()))
        )


def agency_products_store(*, agency: Agency, payloads: list[dict], listed, synced_at: datetime) -> None:
    """Upsert the promoted items by (agency, shop AppID, product id) from item/get: product_info for the title,
    image and lowest price, commission_info for the status, ratios (ppm), period and link."""
    rows = []
    for item in payloads:
        product, commission = as_dict(item.get("product_info")), as_dict(item.get("commission_info"))
        prices = [as_int(s.get("sale_price")) for s in map(as_dict, as_list(product.get("skus"))) if "sale_price" in s]
        min_price = product.get("min_price")
        rows.append(
            {
                "agency_id": agency.pk,
                "shop_appid": as_str(item.get("appid")),
                "product_id": as_id(item.get("product_id")),
                "title": _clip(AgencyProduct, "title", as_str(product.get("title"))),
                "image_url": as_str((as_list(product.get("head_imgs")) or [""])[0]),
                "min_price_fen": as_int(min_price) if min_price is not None else min(prices, default=None),
                "status": as_int(commission.get("status")),
                "ratio_ppm": as_int(commission.get("ratio")),
                "service_ratio_ppm": as_int(commission.get("service_ratio")),
                "start_time": platform_time(commission.get("start_time")),
                "end_time": platform_time(commission.get("end_time")),
                "link": as_str(commission.get("link")),
                "raw": item,
                "synced_at": synced_at,
            }
        )
    _upsert(AgencyProduct, rows, "shop_appid", "product_id")
    # The shops' side: an agency plan made in the WeChat backend is known to the shop's console only from here.
    for shop_appid in sorted({row["shop_appid"] for row in rows}):
        items = [row for row in rows if row["shop_appid"] == shop_appid]
        for shop in plans.agency_plans_learn(
            headsupplier_appid=agency.appid, shop_appid=shop_appid, items=items, at=synced_at
        ):
            commission_lines_reconcile(shop=shop)


def agency_talents_store(*, agency: Agency, payloads: list[dict], listed, synced_at: datetime) -> None:
    rows = [
        {
            "agency_id": agency.pk,
            "talent_appid": as_str(t.get("talent_appid")),
            "nickname": _clip(AgencyTalent, "nickname", as_str(t.get("talent_nickname"))),
            "head_img": as_str(t.get("talent_head_img")),
            "bind_time": platform_time(t.get("bind_time")),
            "synced_at": synced_at,
        }
        for t in payloads
        if as_str(t.get("talent_appid"))
    ]
    _upsert(AgencyTalent, rows, "talent_appid")


def sharers_store(*, agency: Agency, payloads: list[dict], listed, synced_at: datetime) -> None:
    rows = [
        {
            "agency_id": agency.pk,
            "sharer_appid": as_str(s.get("sharer_appid")),
            "nickname": _clip(Sharer, "nickname", as_str(s.get("nickname"))),
            "head_img_url": as_str(s.get("head_img_url")),
            "bind_time": platform_time(s.get("bind_time")),
            "commission_type": as_int(s.get("commission_type"), default=None),
            "commission_ratio": as_int(s.get("commission_ratio"), default=None),
            "synced_at": synced_at,
        }
        for s in payloads
        if as_str(s.get("sharer_appid"))
    ]
    _upsert(Sharer, rows, "sharer_appid")

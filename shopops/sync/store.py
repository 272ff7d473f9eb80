"""Set-based upserts of platform payloads into the local copy, keyed by platform id.

Writing the same payloads twice leaves the same rows (only ``synced_at`` moves), so a repeated window, a resumed
page or a duplicated push changes nothing.

After a page of orders or after-sales is stored, ``orders_stored`` is sent (inside the page's transaction) with the
shop and the platform ids of the orders concerned, so the apps that derive rows from orders refresh exactly those
orders (affiliates' commission lines) or queue them (the incentives' hourly evaluation). A signal because the core
must not import the apps: an app connects its receiver in its ``AppConfig.ready``. The core's own derived rows, the
daily roll-ups, are refreshed by an explicit call before the signal (``shopops.services.rollups``) for the pay days
the page touched.
"""

from collections import defaultdict
from datetime import datetime
from functools import reduce
from operator import or_

from django.db.models import Q
from django.dispatch import Signal

from shopops.bulk import rows_write
from shopops.days import pay_day
from shopops.models import AfterSale, AfterSaleStatusChange, Order, OrderLine, Product, Shop, Sku
from shopops.services.rollups import order_pay_days, sales_rollups_refresh
from shopops.sync import parse


def _updatable(model, *exclude: str) -> list[str]:
    keep = {"id", "shop", *exclude}
    return [f.name for f in model._meta.concrete_fields if f.name not in keep]


ORDER_FIELDS = _updatable(Order, "order_id")
LINE_FIELDS = _updatable(OrderLine, "order", "line_no")
AFTERSALE_FIELDS = _updatable(AfterSale, "after_sale_order_id")
PRODUCT_FIELDS = _updatable(Product, "product_id", "seen_at")
SKU_FIELDS = _updatable(Sku, "sku_id")

# Sent with ``shop`` and ``order_ids`` (platform order ids) after orders, or after-sales of those orders, were stored.
orders_stored = Signal()


def _upsert_by_platform_id(model, rows: list[dict], id_field: str, update_fields: list[str]) -> dict[str, int]:
    """Upsert one shop's rows keyed by their platform id; returns each platform id's primary key."""
    written = rows_write(
        model, rows, unique_fields=["shop", id_field], update_fields=update_fields, returning=[id_field, "id"]
    )
    return dict(written)


def orders_store(*, shop: Shop, payloads: list[dict], synced_at: datetime) -> None:
    """Upsert orders and their lines; lines the platform no longer lists are removed."""
    if not payloads:
        return
    orders = [{"shop_id": shop.pk, "raw": p, "synced_at": synced_at, **parse.order_fields(p)} for p in payloads]
    # The days these orders counted on before this page, and the days they count on now.
    days = order_pay_days(shop=shop, order_ids=[order["order_id"] for order in orders])
    days |= {pay_day(order["pay_time"]) for order in orders if order["pay_time"]}
    pks = _upsert_by_platform_id(Order, orders, "order_id", ORDER_FIELDS)
    lines, orders_by_line_count = [], defaultdict(list)
    for order, payload in zip(orders, payloads, strict=True):
        pk = pks[order["order_id"]]
        fields = parse.order_line_fields(payload)
        orders_by_line_count[len(fields)].append(pk)
        lines += [{"shop_id": shop.pk, "order_id": pk, **f} for f in fields]
    rows_write(OrderLine, lines, unique_fields=["order", "line_no"], update_fields=LINE_FIELDS)
    # Lines are numbered 1..n: anything above an order's n is gone (one condition per distinct n, not per order).
    OrderLine.objects.filter(
        reduce(or_, (Q(order_id__in=ids, line_no__gt=n) for n, ids in orders_by_line_count.items()))
    ).delete()
    sales_rollups_refresh(shop=shop, days=days)
    orders_stored.send(sender=Order, shop=shop, order_ids=[order["order_id"] for order in orders])


def aftersales_store(*, shop: Shop, payloads: list[dict], synced_at: datetime) -> None:
    """Upsert after-sales and append a status-history entry for every new or changed status."""
    if not payloads:
        return
    rows = [{"shop_id": shop.pk, "raw": p, "synced_at": synced_at, **parse.aftersale_fields(p)} for p in payloads]
    ids = [r["after_sale_order_id"] for r in rows]
    known, known_orders = {}, set()
    for aftersale_id, status, order_id in AfterSale.objects.filter(shop=shop, after_sale_order_id__in=ids).values_list(
        "after_sale_order_id", "status", "order_id"
    ):
        known[aftersale_id] = status
        known_orders.add(order_id)
    pks = _upsert_by_platform_id(AfterSale, rows, "after_sale_order_id", AFTERSALE_FIELDS)
    AfterSaleStatusChange.objects.bulk_create(
        AfterSaleStatusChange(
            aftersale_id=pks[r["after_sale_order_id"]], status=r["status"], changed_at=r["update_time"]
        )
        for r in rows
        if known.get(r["after_sale_order_id"]) != r["status"]
    )
    # The orders refunded, and any order a re-synced after-sale named before.
    order_ids = sorted(({r["order_id"] for r in rows} | known_orders) - {""})
    # A refund counts on the day its order was paid; it changes the base a commission is computed on.
    sales_rollups_refresh(shop=shop, days=order_pay_days(shop=shop, order_ids=order_ids))
    orders_stored.send(sender=AfterSale, shop=shop, order_ids=order_ids)


def products_store(*, shop: Shop, payloads: list[dict], synced_at: datetime) -> int:
    """Upsert the products whose payload changed (by fingerprint) with their SKUs; return how many changed."""
    rows = [
        {"shop_id": shop.pk, "raw": p, "synced_at": synced_at, "seen_at": synced_at, **parse.product_fields(p)}
        for p in payloads
    ]
    known = dict(
        Product.objects.filter(shop=shop, product_id__in=[r["product_id"] for r in rows]).values_list(
            "product_id", "fingerprint"
        )
    )
    rows = [r for r in rows if known.get(r["product_id"]) != r["fingerprint"]]
    if not rows:
        return 0
    pks = _upsert_by_platform_id(Product, rows, "product_id", PRODUCT_FIELDS)
    skus = [
        {"shop_id": shop.pk, "product_id": pks[r["product_id"]], **f} for r in rows for f in parse.sku_fields(r["raw"])
    ]
    rows_write(Sku, skus, unique_fields=["shop", "sku_id"], update_fields=SKU_FIELDS)
    Sku.objects.filter(product_id__in=pks.values()).exclude(sku_id__in=[s["sku_id"] for s in skus]).delete()
    return len(rows)


def products_seen(*, shop: Shop, product_ids: list[str], at: datetime) -> None:
    """Stamp the products a scan page listed (a product listed again is no longer gone)."""
    Product.objects.filter(shop=shop, product_id__in=product_ids).update(seen_at=at, deleted=False)


def products_mark_deleted(*, shop: Shop, scan_started: datetime) -> int:
    """After a full scan: products the scan did not list are flagged as gone, not deleted (orders refer to them)."""
    return Product.objects.filter(shop=shop, deleted=False, seen_at__lt=scan_started).update(deleted=True)

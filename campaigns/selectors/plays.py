"""Reads for 福袋, 粉丝团 and 点赞买: the shop's plans, and their results measured from the synced orders.

- A 福袋's winners are the live's 0-yuan lottery orders: ``payment_method`` 3 (抽奖商品0元订单) with the live's
  ``live_id``, narrowed to the 福袋抽奖商品 (``product_type`` 2) when the plan names it. Their fulfilment is the
  order status: 待发货 (20, 21), 已发货 (30), 已完成 (100).
- A live's GMV is what its paid, not cancelled orders with that ``live_id`` cost the buyers (``order_price``), as the
  home page counts GMV; read from the daily live roll-up (``shopops.models.LiveDay``).
- A 点赞买 campaign's orders are the lines of its product (and SKU) in paid orders created in its period and sold
  at no more than the floor price.

Every query starts from the shop; another shop's plan answers 404. Lists run a fixed number of queries whatever the
row count: 福袋 results are correlated subqueries over the lottery orders and the live roll-up, 点赞买 results one
query per page (``liketobuy_results``).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from campaigns.models import FanClub, LikeToBuy, LuckyBag, ProductCost
from shopops.days import pay_day
from shopops.db import SERIAL, pg_settings
from shopops.models import LiveDay, Order, OrderLine, Product, Shop, Sku

LOTTERY_PAYMENT_METHOD = 3  # pay_info.payment_method: 抽奖商品0元订单
LUCKY_BAG_PRODUCT_TYPE = 2  # product_type: 福袋抽奖商品
WAITING = (Order.Status.PAID, Order.Status.PARTLY_SHIPPED)
SHIPPED = (Order.Status.SHIPPED,)
DONE = (Order.Status.COMPLETED,)


def luckybags_for_shop(*, shop: Shop) -> QuerySet:
    """The shop's 福袋 plans, latest draw first; ``luckybag_results`` adds their results."""
    return LuckyBag.objects.filter(shop=shop)


def luckybag_results(bags: list[LuckyBag]) -> list[LuckyBag]:
    """Set on each bag ``winners``, ``waiting``, ``shipped`` and ``done`` (its lottery orders by fulfilment),
    ``live_gmv_fen`` and ``prize_title``; returns the bags. Four grouped queries whatever the number of bags (the
    lottery orders of the bags' lives by status, and by 福袋 product; the lives' GMV; the prizes' titles)."""
    if not bags:
        return bags
    shop_id, lives = bags[0].shop_id, {bag.live_id for bag in bags if bag.live_id}
    lottery = Order.objects.filter(shop_id=shop_id, live_id__in=lives, payment_method=LOTTERY_PAYMENT_METHOD)
    by_live = {
        (row["live_id"], row["status"]): row["n"]
        for row in lottery.order_by().values("live_id", "status").annotate(n=Count("pk"))
    }
    by_product = {
        (row["order__live_id"], row["product_id"], row["order__status"]): row["n"]
        for row in OrderLine.objects.filter(
            order__in=lottery, product_id__in={bag.bag_product_id for bag in bags if bag.bag_product_id}
        )
        .order_by()
        .values("order__live_id", "product_id", "order__status")
        .annotate(n=Count("order", distinct=True))
    }
    gmv = dict(
        LiveDay.objects.filter(shop_id=shop_id, live_id__in=lives)
        .order_by()
        .values("live_id")
        .annotate(gmv=Sum("gmv_fen"))
        .values_list("live_id", "gmv")
    )
    titles = dict(
        Product.objects.filter(shop_id=shop_id, product_id__in={bag.prize_product_id for bag in bags}).values_list(
            "product_id", "title"
        )
    )
    for bag in bags:
        if bag.bag_product_id:
            counts = {
                status: n
                for (live, product, status), n in by_product.items()
                if (live, product) == (bag.live_id, bag.bag_product_id)
            }
        else:
            counts = {status: n for (live, status), n in by_live.items() if live == bag.live_id}
        # A bag without a live matches nothing: its lives are left out of every query.
        bag.winners = sum(counts.values())
        bag.waiting, bag.shipped, bag.done = (sum(counts.get(s, 0) for s in g) for g in (WAITING, SHIPPED, DONE))
        bag.live_gmv_fen = gmv.get(bag.live_id, 0)
        bag.prize_title = titles.get(bag.prize_product_id)
    return bags


def luckybag_get_for_shop_or_404(*, shop: Shop, pk: int) -> LuckyBag:
    bag = luckybags_for_shop(shop=shop).filter(pk=pk).first()
    if bag is None:
        raise Http404
    return luckybag_results([bag])[0]


def luckybag_winners(*, bag: LuckyBag) -> QuerySet:
    """The bag's lottery orders, in draw order, with the status that says whether the prize has shipped."""
    orders = Order.objects.filter(shop_id=bag.shop_id, live_id=bag.live_id, payment_method=LOTTERY_PAYMENT_METHOD)
    if not bag.live_id:
        return orders.none()
    if bag.bag_product_id:
        orders = orders.filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), product_id=bag.bag_product_id)))
    return orders.order_by("create_time", "pk").only(
        "order_id", "status", "create_time", "openid", "order_price_fen", "live_id"
    )


@dataclass(frozen=True)
class Live:
    """A live seen in the shop's orders: its export id, when its first order was paid, its paid orders and GMV."""

    live_id: str
    first_order: datetime
    orders: int
    gmv_fen: int


def recent_lives(*, shop: Shop, days: int = 30, limit: int = 50) -> list[Live]:
    """Lives the shop's orders were paid in over the last ``days`` days, latest first (what a 福袋 can belong to)."""
    since = pay_day(timezone.now()) - timedelta(days=days)
    rows = (
        LiveDay.objects.for_shop(shop)
        .filter(day__gte=since)
        .values("live_id")
        .annotate(first=Min("first_paid_at"), n=Sum("orders"), gmv=Sum("gmv_fen"))
        .order_by("-first", "live_id")[:limit]
    )
    return [Live(r["live_id"], r["first"], r["n"], r["gmv"]) for r in rows]


def live_for_day(*, shop: Shop, day) -> str:
    """The live a date names: the live of that day's lottery orders, else the day's live with most orders; ""
    when the shop's orders show no live that day."""
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    orders = Order.objects.filter(shop=shop, create_time__gte=start, create_time__lt=start + timedelta(days=1))
    orders = orders.exclude(live_id="")
    row = (
        orders.values("live_id")
        .annotate(
            lottery=Count("pk", filter=Q(payment_method=LOTTERY_PAYMENT_METHOD)),
            n=Count("pk"),
        )
        .order_by("-lottery", "-n", "live_id")
        .first()
    )
    return row["live_id"] if row else ""


def lucky_bag_products(*, shop: Shop) -> QuerySet:
    """The 福袋抽奖商品 WeChat made for the shop's lucky bags (product_type 2), newest id first."""
    return Product.objects.filter(shop=shop, product_type=LUCKY_BAG_PRODUCT_TYPE).order_by("-product_id")


# --- costs ----------------------------------------------------------------------------------------------------------


def unit_cost(*, shop: Shop, product_id: str, sku_id: str = "") -> int | None:
    """The merchant's unit cost of the SKU, else of the product; None when none was entered."""
    costs = dict(
        ProductCost.objects.filter(shop=shop, product_id=product_id, sku_id__in={"", sku_id}).values_list(
            "sku_id", "unit_cost_fen"
        )
    )
    return costs.get(sku_id, costs.get(""))


def product_get_for_shop_or_404(*, shop: Shop, product_id: str) -> Product:
    product = Product.objects.filter(shop=shop, product_id=product_id).first()
    if product is None:
        raise Http404
    return product


def product_choices(*, shop: Shop) -> list[tuple[str, str]]:
    """The shop's ordinary products on sale, for a prize or a campaign: (product id, "title (id)")."""
    rows = Product.objects.filter(shop=shop, deleted=False, product_type=1).order_by("title", "product_id")
    return [(pid, f"{title} ({pid})") for pid, title in rows.values_list("product_id", "title")]


def sku_choices(*, shop: Shop) -> list[tuple[str, str]]:
    rows = Sku.objects.filter(shop=shop, product__deleted=False).order_by("product__title", "sku_id")
    return [(sid, f"{title} · {sid}") for sid, title in rows.values_list("sku_id", "product__title")]


# --- 粉丝团 ---------------------------------------------------------------------------------------------------------


def fanclub_for_shop(*, shop: Shop) -> FanClub:
    """The shop's fan club record; an unsaved blank one before anything was recorded."""
    return FanClub.objects.filter(shop=shop).first() or FanClub(shop=shop)


# --- 点赞买 ---------------------------------------------------------------------------------------------------------


def _campaign_lines_sql(campaign: LikeToBuy) -> tuple[str, list]:
    """``FROM … WHERE …`` of the campaign's lines (alias ``l``, their orders ``o``), its values as parameters, so
    the database plans each campaign's period on its own: it reads the orders created then (a correlated subquery
    is planned once for every period, and at a million orders read every line of the product)."""
    line, order = (connection.ops.quote_name(m._meta.db_table) for m in (OrderLine, Order))
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"""
        FROM {line} l INNER JOIN {order} o ON o.id = l.order_id
        WHERE l.shop_id = %s AND o.shop_id = %s AND l.product_id = %s AND o.create_time >= %s
          AND o.create_time < %s AND o.pay_time IS NOT NULL AND l.real_price_fen <= %s * l.sku_cnt
    """
    # ``o.shop_id`` as well: the (shop, create time) index is probed only with both.
    shop = campaign.shop_id
    params = [shop, shop, campaign.product_id, adapt(campaign.starts_at), adapt(campaign.ends_at)]
    params.append(campaign.floor_price_fen)
    if campaign.sku_id:
        sql, params = f"{sql} AND l.sku_id = %s", [*params, campaign.sku_id]
    return sql, params


def liketobuys_for_shop(*, shop: Shop) -> QuerySet:
    """The shop's 点赞买 plans, latest first, each with ``product_title``; ``liketobuy_results`` adds their orders."""
    return LikeToBuy.objects.filter(shop=shop).annotate(
        product_title=Subquery(
            Product.objects.filter(shop=OuterRef("shop"), product_id=OuterRef("product_id")).values("title")[:1]
        )
    )


def liketobuy_results(campaigns: list[LikeToBuy]) -> list[LikeToBuy]:
    """Set ``orders``, ``units`` and ``sales_fen`` (what buyers paid) on each campaign; returns them. One query: a
    UNION ALL of one aggregate per campaign."""
    parts, params = [], []
    for campaign in campaigns:
        sql, values = _campaign_lines_sql(campaign)
        parts.append(f"SELECT %s, COUNT(DISTINCT l.order_id), SUM(l.sku_cnt), SUM(l.real_price_fen) {sql}")
        params += [campaign.pk, *values]
    rows = {}
    if parts:
        # Each part reads a few hundred orders by index: serially (see shopops.db.SERIAL).
        with transaction.atomic(), pg_settings(SERIAL), connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = {pk: row for pk, *row in cursor.fetchall()}
    for campaign in campaigns:
        # PostgreSQL sums bigints as numeric; an empty sum is NULL.
        campaign.orders, campaign.units, campaign.sales_fen = (int(v or 0) for v in rows.get(campaign.pk, (0, 0, 0)))
    return campaigns


def liketobuy_get_for_shop_or_404(*, shop: Shop, pk: int) -> LikeToBuy:
    campaign = liketobuys_for_shop(shop=shop).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return liketobuy_results([campaign])[0]


def liketobuy_lines(*, campaign: LikeToBuy) -> QuerySet:
    """The campaign's order lines, oldest first, with their order."""
    sql, params = _campaign_lines_sql(campaign)
    lines = OrderLine.objects.filter(pk__in=RawSQL(f"SELECT l.id {sql}", params))
    return lines.select_related("order").order_by("order__create_time", "order_id", "line_no")

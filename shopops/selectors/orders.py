"""Reads for the console's orders area: the filtered order list (as a page or as an export) and one order.

``orders_for_shop`` is the one filter: the list page and both exports start from it, so an export holds exactly
the orders the page lists for the same filter. Every query starts from the shop; another shop's orders never
appear, and another shop's order id answers 404.

Performance on shops with 100k+ orders:

- conditions on order lines are ``EXISTS`` subqueries (no join, no ``DISTINCT``), each scoped to the shop so the
  ``(shop, …)`` line indexes apply;
- pages are keyset pages (``after`` / ``before`` cursors on the sort key and the primary key) that fetch one row
  more than they show to know whether another page follows: nothing ever counts the whole filtered set;
- a page runs two queries whatever its size (the orders without their payload, then their lines).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shopops.models import AfterSale, AfterSaleStatusChange, Order, OrderLine, Shop
from shopops.sync.parse import free_gift_mains
from shopops.wechat.types import as_dict, as_id, as_int, as_list, as_str, platform_time

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]

# The after-sale statuses that are no longer "in after-sale", by the platform's own definition (order/search:
# "除了以下几种售后单状态外其它的都是正在售后的状态"). Every other status is open — a merchant's rejection
# (MERCHANT_REJECT_*) and RETURN_CLOSED too: the buyer may apply again or escalate. The platform counts the open ones
# in ``on_aftersale_order_cnt`` (``Order.aftersale_count``).
AFTERSALE_NOT_OPEN = frozenset(
    {
        "USER_CANCELD",
        "MERCHANT_REFUND_RETRY_FAIL",
        "MERCHANT_FAIL",
        "MERCHANT_REFUND_SUCCESS",
        "MERCHANT_RETURN_SUCCESS",
    }
)
# Of those, the ones that ended with the money back (the dashboard's refunds count these).
AFTERSALE_REFUNDED = frozenset({"MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS"})


@dataclass(frozen=True)
class OrderFilters:
    """What the merchant narrowed the order list to. Empty values filter nothing.

    Dates are calendar days in the shop's time zone (Asia/Shanghai), both ends included. ``account`` matches a
    line's source account id or its nickname; ``product`` a line's product id or SKU id. ``coupon_used`` means a
    line used at least one coupon (its ``order_product_coupon_info_list`` is not empty); ``in_aftersale`` is the
    platform's ``on_aftersale_order_cnt > 0`` (an after-sale still open: any status outside
    ``AFTERSALE_NOT_OPEN``, a merchant's rejection included), the same meaning as the platform's own search filter
    ``on_aftersale_order_exist``; ``settled`` means the platform reported a settlement time.
    """

    order_id: str = ""
    status: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    paid_from: date | None = None
    paid_to: date | None = None
    channel: str = ""
    account: str = ""
    product: str = ""
    coupon_used: bool | None = None
    in_aftersale: bool | None = None
    settled: bool | None = None

    def active(self) -> dict[str, object]:
        """The filters that narrow the list, by name."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value not in (None, "")}


class OrderSort(StrEnum):
    CREATED_DESC = "-created"
    CREATED_ASC = "created"
    PAID_DESC = "-paid"
    PAID_ASC = "paid"
    AMOUNT_DESC = "-amount"
    AMOUNT_ASC = "amount"

    @property
    def key(self) -> str:
        return self.value.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


_SORT_FIELDS = {"created": "create_time", "paid": "pay_time", "amount": "order_price_fen"}
# Unpaid orders have no pay time; they come last in both directions of the pay-time sort.
_NULLABLE = frozenset({"pay_time"})


def _day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the project's time zone (Asia/Shanghai), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def _has_line(shop: Shop, condition: Q) -> Exists:
    return Exists(OrderLine.objects.filter(condition, shop=shop, order=OuterRef("pk")))


def orders_for_shop(*, shop: Shop, filters: OrderFilters) -> QuerySet[Order]:
    """The shop's orders narrowed by ``filters`` (unordered). Never another shop's; never fails on a filter."""
    f = filters
    qs = Order.objects.for_shop(shop)
    if f.order_id:
        qs = qs.filter(order_id__contains=f.order_id)
    if f.status is not None:
        qs = qs.filter(status=f.status)
    if f.created_from:
        qs = qs.filter(create_time__gte=_day_start(f.created_from))
    if f.created_to:
        qs = qs.filter(create_time__lt=_day_start(f.created_to + timedelta(days=1)))
    if f.paid_from:
        qs = qs.filter(pay_time__gte=_day_start(f.paid_from))
    if f.paid_to:
        qs = qs.filter(pay_time__lt=_day_start(f.paid_to + timedelta(days=1)))
    if f.channel:
        qs = qs.filter(_has_line(shop, Q(channel=f.channel)))
    if f.account:
        qs = qs.filter(_has_line(shop, Q(account_id=f.account) | Q(account_nickname=f.account)))
    if f.product:
        qs = qs.filter(_has_line(shop, Q(product_id=f.product) | Q(sku_id=f.product)))
    if f.coupon_used is not None:
        # `coupons` is a JSON list: `= '[]'` compares JSON values on both SQLite and PostgreSQL.
        used = _has_line(shop, ~Q(coupons=[]))
        qs = qs.filter(used if f.coupon_used else ~used)
    if f.in_aftersale is not None:
        qs = qs.filter(aftersale_count__gt=0) if f.in_aftersale else qs.filter(aftersale_count=0)
    if f.settled is not None:
        qs = qs.filter(settle_time__isnull=not f.settled)
    return qs


def _ordering(sort: OrderSort, *, prefix: str = "", reverse: bool = False) -> list:
    """ORDER BY for ``sort`` (ties broken by primary key in the same direction), or its exact reverse."""
    field = _SORT_FIELDS[sort.key]
    descending = sort.descending != reverse
    key = F(prefix + field)
    if field in _NULLABLE:
        # Unpaid orders last when reading forwards, hence first when reading a page backwards.
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        key = key.desc(**nulls) if descending else key.asc(**nulls)
    else:
        # No NULLS clause on a NOT NULL column: PostgreSQL then walks the (shop, field) index for the order.
        key = key.desc() if descending else key.asc()
    pk = F(prefix + "id")
    return [key, pk.desc() if descending else pk.asc()]


@dataclass(frozen=True)
class Cursor:
    """A position in a sorted list: the sort key of one order and its primary key.

    Encoded into the URL as ``<value>_<pk>``: times as Unix microseconds, amounts as fen, a missing pay time as
    ``n``. A token that does not parse is ignored (the list starts from the beginning).
    """

    value: int | None
    pk: int

    def encode(self) -> str:
        return f"{'n' if self.value is None else self.value}_{self.pk}"

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        value, sep, pk = (token or "").partition("_")
        if not sep:
            return None
        try:
            cursor = cls(value=None if value == "n" else int(value), pk=int(pk))
        except ValueError:
            return None
        # Both must fit the database's 64-bit integers.
        if not 0 < cursor.pk < 2**63 or (cursor.value is not None and not -(2**63) < cursor.value < 2**63):
            return None
        return cursor

    @classmethod
    def of(cls, order: Order, sort: OrderSort) -> Cursor:
        value = getattr(order, _SORT_FIELDS[sort.key])
        if isinstance(value, datetime):
            delta = value - datetime(1970, 1, 1, tzinfo=UTC)
            value = delta // timedelta(microseconds=1)
        return cls(value=value, pk=order.pk)

    def sort_value(self, sort: OrderSort):
        if self.value is None or sort.key == "amount":
            return self.value
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=self.value)


def _beyond(sort: OrderSort, cursor: Cursor, *, backwards: bool) -> Q:
    """Rows strictly after ``cursor`` in the order of ``sort`` (or strictly before it, ``backwards``)."""
    field = _SORT_FIELDS[sort.key]
    nullable = field in _NULLABLE
    value = cursor.sort_value(sort)
    # Forwards in a descending sort means smaller values; backwards flips it.
    smaller = sort.descending != backwards
    cmp = "lt" if smaller else "gt"
    same_value_pk = Q(**{f"id__{cmp}": cursor.pk})
    if value is None:  # the cursor sits among the unpaid orders, which come last
        if backwards:
            return Q(**{f"{field}__isnull": False}) | (Q(**{f"{field}__isnull": True}) & same_value_pk)
        return Q(**{f"{field}__isnull": True}) & same_value_pk
    condition = Q(**{f"{field}__{cmp}": value}) | (Q(**{field: value}) & same_value_pk)
    if nullable and not backwards:
        condition |= Q(**{f"{field}__isnull": True})
    return condition


def _position(sort: OrderSort, token: str, *, backwards: bool) -> Q | None:
    """The condition for rows past the cursor ``token``; None for no token or one that names no possible row."""
    cursor = Cursor.decode(token)
    if cursor is None:
        return None
    try:
        return _beyond(sort, cursor, backwards=backwards)
    except OverflowError:  # a hand-made time beyond the year 9999
        return None


@dataclass(frozen=True)
class OrderPage:
    """One page of orders, each with its ``lines`` loaded. Cursors are "" where there is no such page."""

    orders: list[Order]
    next_cursor: str
    prev_cursor: str


def order_page_for_shop(
    *,
    shop: Shop,
    filters: OrderFilters,
    sort: OrderSort = OrderSort.CREATED_DESC,
    page_size: int = DEFAULT_PAGE_SIZE,
    after: str = "",
    before: str = "",
) -> OrderPage:
    """A page of the filtered orders with their lines, in two queries whatever ``page_size`` is.

    ``after`` continues past a cursor (the next page), ``before`` goes back from one (the previous page); with
    neither, or an unreadable cursor, the first page. ``page_size`` must be one of ``PAGE_SIZES`` (ValueError).
    """
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page_size must be one of {PAGE_SIZES}")
    lines = Prefetch("lines", queryset=OrderLine.objects.order_by("line_no"))
    qs = orders_for_shop(shop=shop, filters=filters).defer("raw").prefetch_related(lines)
    after_position = _position(sort, after, backwards=False)
    before_position = None if after_position is not None else _position(sort, before, backwards=True)

    if before_position is not None:
        rows = list(qs.filter(before_position).order_by(*_ordering(sort, reverse=True))[: page_size + 1])
        more_before = len(rows) > page_size
        rows = rows[:page_size][::-1]
        if not rows:
            return OrderPage(orders=[], next_cursor="", prev_cursor="")
        return OrderPage(
            orders=rows,
            next_cursor=Cursor.of(rows[-1], sort).encode(),
            prev_cursor=Cursor.of(rows[0], sort).encode() if more_before else "",
        )

    if after_position is not None:
        qs = qs.filter(after_position)
    rows = list(qs.order_by(*_ordering(sort))[: page_size + 1])
    more_after = len(rows) > page_size
    rows = rows[:page_size]
    return OrderPage(
        orders=rows,
        next_cursor=Cursor.of(rows[-1], sort).encode() if more_after else "",
        prev_cursor=Cursor.of(rows[0], sort).encode() if after_position is not None and rows else "",
    )


def order_lines_for_export(*, shop: Shop, filters: OrderFilters, sort: OrderSort) -> QuerySet[OrderLine]:
    """Every line of the filtered orders with its order (payload left out), in the page's order, then by line.

    One query; iterate it with ``.iterator(chunk_size=…)`` to stream without holding the set in memory.
    """
    orders = orders_for_shop(shop=shop, filters=filters).values("pk")
    return (
        OrderLine.objects.filter(shop=shop, order__in=orders)
        .select_related("order")
        .defer("order__raw")
        .order_by(*_ordering(sort, prefix="order__"), "line_no")
    )


def order_accounts_for_shop(*, shop: Shop, limit: int = 200) -> list[tuple[str, str]]:
    """The source accounts seen on the shop's order lines as (account id, nickname), by id, for the filter's hints.

    A loose index scan: one probe of the ``(shop, account_id, account_nickname)`` index per distinct account, so
    the cost grows with the number of accounts (dozens), not with the number of lines (millions), as a DISTINCT
    over the lines would. Where an account's nickname changed, the greatest one is shown.
    """
    # The table name is the model's own; every value is a query parameter.
    lines = connection.ops.quote_name(OrderLine._meta.db_table)
    sql = f"""
        WITH RECURSIVE accounts (account_id, n) AS (
            SELECT MIN(account_id), 1 FROM {lines} WHERE shop_id = %s AND account_id > ''
            UNION ALL
            SELECT (SELECT MIN(account_id) FROM {lines} WHERE shop_id = %s AND account_id > a.account_id), a.n + 1
            FROM accounts a WHERE a.account_id IS NOT NULL AND a.n < %s
        )
        SELECT a.account_id,
               (SELECT MAX(account_nickname) FROM {lines} WHERE shop_id = %s AND account_id = a.account_id)
        FROM accounts a WHERE a.account_id IS NOT NULL ORDER BY a.account_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [shop.pk, shop.pk, limit, shop.pk])
        return [(account_id, nickname or "") for account_id, nickname in cursor.fetchall()]


def order_get_for_shop_or_404(*, shop: Shop, order_id: str) -> Order:
    """One order of the shop with its lines (two queries). Another shop's order id answers 404, like a missing one."""
    lines = Prefetch("lines", queryset=OrderLine.objects.order_by("line_no"))
    order = Order.objects.for_shop(shop).filter(order_id=order_id).prefetch_related(lines).first()
    if order is None:
        raise Http404
    return order


def aftersales_for_order(*, shop: Shop, order: Order) -> list[AfterSale]:
    """The shop's after-sales of ``order``, oldest first, each with its status history (two queries at most)."""
    history = Prefetch("status_changes", queryset=AfterSaleStatusChange.objects.order_by("changed_at", "id"))
    return list(
        AfterSale.objects.for_shop(shop)
        .filter(order_id=order.order_id)
        .defer("raw")
        .prefetch_related(history)
        .order_by("create_time", "id")
    )


# --- one order's detail, read from its platform payload ------------------------------------------------------------

# The AddressInfo fields a modify-address request changes (hash_code, use_tel_number and tel_number_ext_info are the
# platform's bookkeeping, not the address).
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


def address_change_pending(delivery: dict) -> bool:
    """A modify-address request waits for the merchant.

    ``delivery_info.address_under_review`` is an AddressInfo: the address the buyer asked for. Once the merchant
    approves, the platform copies it over ``address_info`` and the two are equal, so its presence says nothing; the
    request is pending only while the two differ (the platform's own advice: "通过对比这两个值是不一致则为审批中").
    """
    review, current = delivery.get("address_under_review"), as_dict(delivery.get("address_info"))
    if not isinstance(review, dict) or not review:
        return False
    return any(as_str(review.get(name)) != as_str(current.get(name)) for name in ADDRESS_FIELDS)


def aftersale_is_open(status: str) -> bool:
    """Whether the platform counts an after-sale in this status as still in after-sale."""
    return status not in AFTERSALE_NOT_OPEN


@dataclass(frozen=True)
class PackageItem:
    sku_id: str
    title: str
    count: int


@dataclass(frozen=True)
class Package:
    """One entry of ``delivery_info.delivery_product_info``; ``deliver_type`` is the platform's code (None: none)."""

    company: str
    waybill_id: str
    time: datetime | None
    deliver_type: int | None
    items: list[PackageItem]


@dataclass(frozen=True)
class OrderDelivery:
    """What ``delivery_info`` (and the notes in ``ext_info``) say. Buyer data comes unmasked: masking is the
    page's business. ``present`` is False when the payload has no delivery_info at all."""

    present: bool
    deliver_method: int | None
    recipient_name: str
    region: str
    address_change_pending: bool
    packages: list[Package]
    ship_done_time: datetime | None
    confirm_receipt_time: datetime | None
    customer_notes: str
    merchant_notes: str


@dataclass(frozen=True)
class LineCoupon:
    coupon_type: int | None
    coupon_id: str
    user_coupon_id: str
    discount_fen: int


@dataclass(frozen=True)
class LineCommission:
    """One ``commission_infos`` entry: ``type`` 0 达人 / 1 带货机构, ``status`` 1 未结算 / 2 已结算 (None: none)."""

    type: int
    status: int | None
    nickname: str
    account: str
    amount_fen: int


@dataclass(frozen=True)
class GiftMain:
    """What a free gift came with (``free_gift_info.main_product_list``); ``title`` from the order's own lines."""

    product_id: str
    sku_id: str
    title: str
    task_id: str
    gift_cnt: int


@dataclass(frozen=True)
class LineDetail:
    line: OrderLine
    coupons: list[LineCoupon]
    commissions: list[LineCommission]
    gift_for: list[GiftMain]


@dataclass(frozen=True)
class OrderDetail:
    """One order as its detail page shows it: the row, its lines with their coupons, commissions and gift links,
    the delivery, the buyer's unionid, the payment method code and the after-sales (oldest first, with history)."""

    order: Order
    lines: list[LineDetail]
    delivery: OrderDelivery
    unionid: str
    payment_method: int | None
    aftersales: list[AfterSale]


def _line_coupons(line: OrderLine) -> list[LineCoupon]:
    return [
        LineCoupon(
            coupon_type=as_int(c.get("coupon_type"), None),
            coupon_id=as_id(c.get("coupon_id")),
            user_coupon_id=as_id(c.get("user_coupon_id")),
            discount_fen=as_int(c.get("discounted_price")),
        )
        for c in as_list(line.coupons)
        if isinstance(c, dict)
    ]


def _line_commissions(line: OrderLine) -> list[LineCommission]:
    return [
        LineCommission(
            type=as_int(c.get("type")),  # missing reads as 0 (达人), the value a zero-omitting encoder leaves out
            status=as_int(c.get("status"), None),
            nickname=as_str(c.get("nickname")),
            account=as_id(c.get("agency_id") or c.get("talent_id") or c.get("finder_id") or c.get("openfinderid")),
            amount_fen=as_int(c.get("amount")),
        )
        for c in as_list(line.commission_infos)
        if isinstance(c, dict)
    ]


def _line_details(raw: dict, lines: list[OrderLine]) -> list[LineDetail]:
    products = as_list(as_dict(raw.get("order_detail")).get("product_infos"))
    titles = {line.sku_id: line.title for line in lines}
    details = []
    for line in lines:
        product = as_dict(products[line.line_no - 1]) if 0 < line.line_no <= len(products) else {}
        gift_for = [
            GiftMain(title=titles.get(main["sku_id"], ""), **main)
            for main in (free_gift_mains(product) if line.is_free_gift else [])
        ]
        details.append(
            LineDetail(line=line, coupons=_line_coupons(line), commissions=_line_commissions(line), gift_for=gift_for)
        )
    return details


def _delivery(raw: dict, lines: list[OrderLine]) -> OrderDelivery:
    detail = as_dict(raw.get("order_detail"))
    delivery = as_dict(detail.get("delivery_info"))
    address = as_dict(delivery.get("address_info"))
    ext = as_dict(detail.get("ext_info"))
    titles = {line.sku_id: line.title for line in lines}
    packages = []
    for package in map(as_dict, as_list(delivery.get("delivery_product_info"))):
        items = [
            PackageItem(
                sku_id=as_id(item.get("sku_id")),
                title=titles.get(as_id(item.get("sku_id")), ""),
                count=as_int(item.get("product_cnt")),
            )
            for item in map(as_dict, as_list(package.get("product_infos")))
        ]
        packages.append(
            Package(
                company=as_str(package.get("delivery_name")) or as_id(package.get("delivery_id")),
                waybill_id=as_id(package.get("waybill_id")),
                time=platform_time(package.get("delivery_time")),
                deliver_type=as_int(package.get("deliver_type"), None),
                items=items,
            )
        )
    region = " ".join(as_str(address.get(k)) for k in ("province_name", "city_name", "county_name") if address.get(k))
    return OrderDelivery(
        present=bool(delivery),
        deliver_method=as_int(delivery.get("deliver_method"), None),
        recipient_name=as_str(address.get("user_name")),
        region=region,
        address_change_pending=address_change_pending(delivery),
        packages=packages,
        ship_done_time=platform_time(delivery.get("ship_done_time")),
        confirm_receipt_time=platform_time(ext.get("confirm_receipt_time")),
        customer_notes=as_str(ext.get("customer_notes")),
        merchant_notes=as_str(ext.get("merchant_notes")),
    )


def order_detail_for_shop_or_404(*, shop: Shop, order_id: str) -> OrderDetail:
    """One order of the shop read for its detail page, in four queries at most however many lines and after-sales
    it has. Another shop's order id answers 404, like a missing one. Fields the payload lacks read as empty."""
    order = order_get_for_shop_or_404(shop=shop, order_id=order_id)
    lines = list(order.lines.all())  # prefetched
    raw = as_dict(order.raw)
    pay = as_dict(as_dict(raw.get("order_detail")).get("pay_info"))
    return OrderDetail(
        order=order,
        lines=_line_details(raw, lines),
        delivery=_delivery(raw, lines),
        unionid=as_id(raw.get("unionid")),
        payment_method=as_int(pay.get("payment_method"), None),
        aftersales=aftersales_for_order(shop=shop, order=order),
    )

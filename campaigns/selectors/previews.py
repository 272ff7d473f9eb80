"""Reads for live previews: lists, the checklist, results after the live (from the orders whose live_id is the
live's export id, and its dashboard), promoters with their reservations and orders, the 预约有礼 funnel."""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import ConsoleNotification, LivePreview, PostPaymentEntry, PreviewPromoter
from campaigns.selectors.coupons import coupons_by_id
from shopops.models import Order, OrderLine, Shop
from shopops.money import ratio_ppm

# Where each step is done in WeChat (no API exists for any of them but reading the notice).
WHERE_NOTICE = _("视频号助手 → 直播 → 直播预告 → 创建预告")
WHERE_COUPONS = _("视频号助手 → 直播 → 直播预告 → 编辑预告 → 关联优惠券")
WHERE_GIFT = _("视频号助手 → 直播 → 直播预告 → 预约有礼 (then call the 预约有礼 component in the shop's mini-program)")
WHERE_PROMOTERS = _(
    "视频号助手 → 直播 → 直播预告 → 推广 (推广员 QR codes); agencies' 推客 via the 联盟带货机构 platform"
)
WHERE_POST_PAYMENT = _("微信支付商户平台 → 支付后预约 (three entries: success page, voucher profile, voucher content)")


def coupon_stock(*, shop: Shop, coupon_id: str) -> dict | None:
    """The stock figures ({"receive_num", "used_num"}) of our copy of a platform coupon; None while the coupon is
    not synced (the funnel then shows the step as unknown instead of guessing)."""
    coupon = coupons_by_id(shop, [coupon_id]).get(coupon_id)
    return None if coupon is None else {"receive_num": coupon.receive_num, "used_num": coupon.used_num}


def previews_for_shop(*, shop: Shop, when: str = "") -> QuerySet[LivePreview]:
    """The shop's previews with their promoter count; ``when`` "upcoming" / "past" filters on the start time."""
    rows = (
        LivePreview.objects.for_shop(shop)
        .annotate(promoter_count=Count("promoters"))
        .select_related("reminder")
        .order_by("-start_time", "-pk")
    )
    now = timezone.now()
    if when == "upcoming":
        rows = rows.filter(start_time__gt=now).order_by("start_time", "pk")
    elif when == "past":
        rows = rows.filter(start_time__lte=now)
    return rows


def preview_get_for_shop_or_404(*, shop: Shop, pk: int) -> LivePreview:
    return get_object_or_404(LivePreview.objects.for_shop(shop).select_related("shop"), pk=pk)


def promoter_get_for_shop_or_404(*, shop: Shop, pk: int) -> PreviewPromoter:
    return get_object_or_404(PreviewPromoter.objects.for_shop(shop).select_related("preview"), pk=pk)


def notifications_for_shop(*, shop: Shop) -> QuerySet[ConsoleNotification]:
    return ConsoleNotification.objects.for_shop(shop)


def reminder_checklist(preview: LivePreview) -> list[dict]:
    """What should be ready when the live starts, each with where it is done in WeChat."""
    entries = preview.post_payment or {}
    return [
        {
            "key": "notice",
            "label": str(_("Notice created in WeChat")),
            "done": bool(preview.notice_id),
            "where": str(WHERE_NOTICE),
        },
        {
            "key": "coupons",
            "label": str(_("Coupons bound to the notice")),
            "done": bool(preview.bound_coupon_ids),
            "where": str(WHERE_COUPONS),
        },
        {
            "key": "gift",
            "label": str(_("预约有礼 gift coupon set and shown")),
            "done": bool(preview.gift_coupon_id and preview.gift_placements),
            "where": str(WHERE_GIFT),
        },
        {
            "key": "promoters",
            "label": str(_("Promoters invited")),
            "done": preview.promoters.exists(),
            "where": str(WHERE_PROMOTERS),
        },
        {
            "key": "post_payment",
            "label": str(_("支付后预约 entries set")),
            "done": all(entries.get(key) for key in PostPaymentEntry.values),
            "where": str(WHERE_POST_PAYMENT),
        },
    ]


def post_payment_checklist(preview: LivePreview) -> list[dict]:
    entries = preview.post_payment or {}
    return [{"key": key, "label": label, "done": bool(entries.get(key))} for key, label in PostPaymentEntry.choices]


# --- results after the live ------------------------------------------------------------


@dataclass
class CouponUse:
    coupon_id: str
    uses: int  # user coupons used (one user coupon may spread over several lines)
    orders: int
    discount_fen: int


@dataclass
class PreviewResults:
    """From the shop's paid orders (pay time set) whose live_id is the live's export id."""

    orders: int = 0
    buyers: int = 0
    gmv_fen: int = 0
    coupon_uses: int = 0
    coupon_discount_fen: int = 0
    coupons: list[CouponUse] = field(default_factory=list)
    by_agency: dict[str, int] = field(default_factory=dict)  # agency appid -> orders with its 推客 lines


def _live_orders(preview: LivePreview) -> QuerySet[Order]:
    # ``live_id <> ''`` restates the partial (shop, live_id) index's condition: SQLite takes a partial index only
    # when the query names its condition (it scanned the shop's orders three times a page without it).
    live = Order.objects.for_shop(preview.shop).filter(live_id=preview.live_export_id, pay_time__isnull=False)
    return live.exclude(live_id="")


def preview_results(preview: LivePreview) -> PreviewResults | None:
    """None before the live is known (no export id). Three queries whatever the order count."""
    if not preview.live_export_id:
        return None
    orders = _live_orders(preview)
    totals = orders.aggregate(
        orders=Count("pk"), buyers=Count("openid", distinct=True), gmv=Sum("order_price_fen", default=0)
    )
    results = PreviewResults(orders=totals["orders"], buyers=totals["buyers"], gmv_fen=totals["gmv"])
    lines = OrderLine.objects.filter(shop=preview.shop, order__in=orders.values("pk"))
    per_coupon: dict[str, dict] = {}
    for order_id, coupons in lines.exclude(coupons=[]).values_list("order_id", "coupons"):
        for entry in coupons or []:
            coupon_id = str(entry.get("coupon_id") or "")
            row = per_coupon.setdefault(coupon_id, {"uses": set(), "orders": set(), "discount": 0})
            row["uses"].add(str(entry.get("user_coupon_id") or f"{order_id}:{coupon_id}"))
            row["orders"].add(order_id)
            row["discount"] += int(entry.get("discounted_price") or 0)
    results.coupons = sorted(
        (
            CouponUse(coupon_id=cid, uses=len(r["uses"]), orders=len(r["orders"]), discount_fen=r["discount"])
            for cid, r in per_coupon.items()
        ),
        key=lambda c: (-c.uses, c.coupon_id),
    )
    results.coupon_uses = sum(c.uses for c in results.coupons)
    results.coupon_discount_fen = sum(c.discount_fen for c in results.coupons)
    agencies = (
        lines.exclude(promoter_head_supplier_id="")
        .values("promoter_head_supplier_id")
        .annotate(n=Count("order", distinct=True))
    )
    results.by_agency = {row["promoter_head_supplier_id"]: row["n"] for row in agencies}
    return results


@dataclass
class PromoterRow:
    promoter: PreviewPromoter
    reservations: int | None
    reservations_source: str  # "platform" / "entered" / ""
    orders: int | None


def promoter_rows(preview: LivePreview, results: PreviewResults | None) -> list[PromoterRow]:
    """Each promoter with its reservations (the agency's count for a 推客, else the operator's) and orders (a 推客's
    agency's live orders — the platform does not tell 推客 of one agency apart in a shop's order — else entered)."""
    rows = []
    for promoter in preview.promoters.all():
        if promoter.reservations_platform is not None:
            reservations, source = promoter.reservations_platform, "platform"
        elif promoter.reservations_entered is not None:
            reservations, source = promoter.reservations_entered, "entered"
        else:
            reservations, source = None, ""
        if promoter.kind == PreviewPromoter.Kind.SHARER:
            orders = results.by_agency.get(promoter.agency_appid, 0) if results else None
        else:
            orders = promoter.orders_entered
        rows.append(PromoterRow(promoter, reservations, source, orders))
    return rows


@dataclass
class FunnelStep:
    key: str
    label: str
    count: int | None
    conversion_ppm: int | None  # of the previous known step


def gift_funnel(preview: LivePreview, results: PreviewResults | None, promoters: list[PromoterRow]) -> list[FunnelStep]:
    """预约有礼: reservations → gift coupons received → used in the live → orders, with the conversion per step.

    Reservations: the operator's total when entered, else the promoters' counts added up (no API gives a notice's
    total). Received: the gift coupon's stock (``coupon_stock`` hook; unknown until coupons are synced). Used and
    orders: the live's paid orders whose lines used the gift coupon."""
    reservations = preview.reservations_entered
    if reservations is None:
        known = [row.reservations for row in promoters if row.reservations is not None]
        reservations = sum(known) if known else None
    received = used = orders = None
    if preview.gift_coupon_id:
        stock = coupon_stock(shop=preview.shop, coupon_id=preview.gift_coupon_id)
        received = stock.get("receive_num") if stock else None
        if results is not None:
            gift = next((c for c in results.coupons if c.coupon_id == preview.gift_coupon_id), None)
            used, orders = (gift.uses, gift.orders) if gift else (0, 0)
    steps, previous = [], None
    for key, label, count in (
        ("reservations", _("Reservations"), reservations),
        ("received", _("Gift coupons received"), received),
        ("used", _("Used in the live"), used),
        ("orders", _("Orders"), orders),
    ):
        conversion = ratio_ppm(count, previous) if count is not None and previous else None
        steps.append(FunnelStep(key, str(label), count, conversion))
        if count is not None:
            previous = count
    return steps

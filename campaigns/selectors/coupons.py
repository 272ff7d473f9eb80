"""Reads for coupons: the list (filters, fixed query count), one coupon, coupons by platform id (for live previews)
and each coupon's performance — received → used → orders → GMV, cost and ROI — computed in SQL from the coupon
uses read from the stored orders (campaigns.models.CouponUse)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404

from campaigns.models import Coupon, UserCoupon
from shopops.models import CouponSales, Shop
from shopops.money import ratio_ppm

LIST_COLUMNS = (
    "id",
    "shop_id",
    "coupon_id",
    "type",
    "status",
    "name",
    "discount_num",
    "discount_fee_fen",
    "product_cnt",
    "product_price_fen",
    "total_num",
    "issued_num",
    "receive_num",
    "used_num",
    "receive_start",
    "receive_end",
    "create_time",
)


def coupons_for_shop(*, shop: Shop, status: int | None = None, type: int | None = None) -> QuerySet[Coupon]:
    """The shop's coupons, newest first, with only the columns the list shows."""
    queryset = Coupon.objects.for_shop(shop).only(*LIST_COLUMNS)
    if status is not None:
        queryset = queryset.filter(status=status)
    if type is not None:
        queryset = queryset.filter(type=type)
    return queryset.order_by("-create_time", "-id")


def coupon_get_for_shop_or_404(*, shop: Shop, pk: int) -> Coupon:
    return get_object_or_404(Coupon.objects.for_shop(shop), pk=pk)


def coupons_by_id(shop: Shop, coupon_ids: Iterable[str]) -> dict[str, Coupon]:
    """The shop's coupons with these platform coupon ids, by id (ids it does not hold are absent)."""
    ids = {str(cid) for cid in coupon_ids if cid}
    return {c.coupon_id: c for c in Coupon.objects.for_shop(shop).filter(coupon_id__in=ids)}


@dataclass(frozen=True)
class Performance:
    """One coupon's funnel. ``received`` and ``used`` are the platform's stock figures; ``orders``, ``gmv_fen`` and
    ``cost_fen`` come from the paid orders that used it (``cost_fen``: the discount it gave on them)."""

    received: int
    used: int
    orders: int
    gmv_fen: int
    cost_fen: int

    @property
    def use_rate_ppm(self) -> int | None:
        return ratio_ppm(self.used, self.received)

    @property
    def roi_ppm(self) -> int | None:
        """GMV per fen of discount, in ppm (2.5 yuan of GMV per yuan given: 2 500 000)."""
        return ratio_ppm(self.gmv_fen, self.cost_fen)

    @property
    def roi(self) -> str:
        ppm = self.roi_ppm
        return "—" if ppm is None else f"{ppm / 1_000_000:.2f}"


def coupon_performance(*, shop: Shop, coupons: Iterable[Coupon]) -> dict[str, Performance]:
    """Each coupon's performance by coupon_id, in one query of the daily coupon roll-up (``CouponSales``: paid
    orders by pay day), whatever the number of coupons and orders."""
    coupons = list(coupons)
    figures = {
        row["coupon_id"]: row
        for row in CouponSales.objects.for_shop(shop)
        .filter(coupon_id__in=[c.coupon_id for c in coupons])
        .values("coupon_id")
        .annotate(orders=Sum("orders"), gmv=Sum("gmv_fen"), cost=Sum("discount_fen"))
        .order_by()
    }
    result = {}
    for coupon in coupons:
        row = figures.get(coupon.coupon_id, {})
        result[coupon.coupon_id] = Performance(
            received=coupon.receive_num,
            used=coupon.used_num,
            orders=row.get("orders") or 0,
            gmv_fen=row.get("gmv") or 0,
            cost_fen=row.get("cost") or 0,
        )
    return result


def user_coupons_for_coupon(*, coupon: Coupon, limit: int = 20) -> list[UserCoupon]:
    return list(
        UserCoupon.objects.for_shop(coupon.shop)
        .filter(coupon_id=coupon.coupon_id)
        .order_by("-receive_time", "-id")[:limit]
    )

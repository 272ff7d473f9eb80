"""Reads of the 订单与卡包 (Orders & Cards) analytics and the favourites page, all from the core's daily roll-ups
(``shopops.models.rollups``: ``BuyerDay``, ``CouponDay``) and the favourites snapshots, never from the orders, in a
fixed number of queries whatever the number of orders.

Definitions (paid orders and Beijing pay days as on the home page, ``shopops.selectors.dashboard``):

- **repeat buyer** on a day: a buyer (non-empty openid) who has a paid order of this shop on an earlier day.
  **Repurchase GMV** is the GMV of repeat buyers' orders; its share is repurchase GMV ÷ GMV (ppm). Orders of a
  buyer's first day all count as new, however many there are. History starts with the synced orders: a buyer
  whose earlier orders predate the sync looks new.
- **new buyer** of a period: a buyer whose first paid day is in the period. **By entry scene**: the order scene
  (``ext_info.order_scene``) of the buyer's orders on that day; a buyer with orders from two scenes that day
  counts in both, so the scenes may add up to more than the period's new buyers.
- **gifting**: orders placed as gifts (``is_present``, 送礼), their number and GMV.
- **favourites**: the platform's accumulated count (``FavoritesSnapshot``); a day's growth is its snapshot minus the
  day before's (unknown when either is missing), a period's the last snapshot in it minus the last before it.
- **收藏券** performance: paid orders whose lines used the marked coupon id (``CouponDay``): orders, buyers, the GMV
  of those orders and the discount given. The **funnel** favourites → buyers → GMV puts the favourites gained in
  the period beside the buyers who used the 收藏券 (only those who favourited the shop get it) and the GMV of all
  their orders in the period: the platform gives no per-user favourites, so this is the aggregate it allows.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, F, Q, Subquery, Sum, When

from campaigns.models import FavoritesSnapshot, FavouriteCoupon
from shopops.models import BuyerDay, BuyerSince, CouponDay, CouponSales, OrderDay, Shop
from shopops.money import ratio_ppm

# ext_info.order_scene, 0 when the order has none (shopops.channels SCENE_*).
SCENES = (1, 2, 3, 4, 5, 6, 0)


@dataclass(frozen=True)
class Day:
    day: date
    orders: int = 0
    gmv_fen: int = 0
    repeat_gmv_fen: int = 0
    present_orders: int = 0
    present_gmv_fen: int = 0


@dataclass(frozen=True)
class SceneBuyers:
    order_scene: int
    buyers: int
    new_buyers: int

    @property
    def new_share_ppm(self) -> int | None:
        return ratio_ppm(self.new_buyers, self.buyers)


@dataclass(frozen=True)
class FavouritesDay:
    day: date
    total: int | None  # the snapshot of the day, None without one
    gained: int | None  # the day's growth, None unless both this and the day before have a snapshot
    scenes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class OrdersCards:
    start: date
    end: date
    days: list[Day]
    buyers: int
    new_buyers: int
    scenes: list[SceneBuyers]
    favourites: list[FavouritesDay]

    @property
    def gmv_fen(self) -> int:
        return sum(d.gmv_fen for d in self.days)

    @property
    def orders(self) -> int:
        return sum(d.orders for d in self.days)

    @property
    def repeat_gmv_fen(self) -> int:
        return sum(d.repeat_gmv_fen for d in self.days)

    @property
    def repeat_share_ppm(self) -> int | None:
        return ratio_ppm(self.repeat_gmv_fen, self.gmv_fen)

    @property
    def present_orders(self) -> int:
        return sum(d.present_orders for d in self.days)

    @property
    def present_gmv_fen(self) -> int:
        return sum(d.present_gmv_fen for d in self.days)

    @property
    def present_share_ppm(self) -> int | None:
        return ratio_ppm(self.present_gmv_fen, self.gmv_fen)

    @property
    def new_share_ppm(self) -> int | None:
        return ratio_ppm(self.new_buyers, self.buyers)

    @property
    def favourites_gained(self) -> int | None:
        return favourites_gained(self.favourites)


def favourites_gained(days: list["FavouritesDay"]) -> int | None:
    """The period's growth: the last snapshot of the period minus the one of the day before it (None without)."""
    known = [d.total for d in days[1:] if d.total is not None]
    if not known or days[0].total is None:
        return None
    return known[-1] - days[0].total


def _period(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _order_days(shop: Shop, start: date, end: date):
    return OrderDay.objects.for_shop(shop).filter(day__gte=start, day__lte=end)


def _daily(shop: Shop, start: date, end: date) -> list[Day]:
    rows = (
        _order_days(shop, start, end)
        .values("day")
        .annotate(
            orders_sum=Sum("orders"),
            gmv=Sum("gmv_fen"),
            repeat=Sum("repeat_gmv_fen"),
            presents=Sum("present_orders"),
            present_gmv=Sum("present_gmv_fen"),
        )
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    return [
        Day(
            day=day,
            orders=by_day[day]["orders_sum"],
            gmv_fen=by_day[day]["gmv"],
            repeat_gmv_fen=by_day[day]["repeat"],
            present_orders=by_day[day]["presents"],
            present_gmv_fen=by_day[day]["present_gmv"],
        )
        if day in by_day
        else Day(day=day)
        for day in _period(start, end)
    ]


def _buyer_rows(shop: Shop, start: date, end: date) -> dict[int, dict]:
    """Buyers and new buyers of the period per order scene (``BuyerSince.ALL_SCENES``: of any scene), one query:
    a buyer counts on their first day in the period (``since`` None or before ``start``)."""
    first_in_period = Q(since__isnull=True) | Q(since__lt=start)
    rows = (
        BuyerSince.objects.for_shop(shop)
        .filter(day__gte=start, day__lte=end)
        .values("order_scene")
        .annotate(
            buyers=Sum(Case(When(first_in_period, then=F("buyers")), default=0)),
            new=Sum("new_buyers"),
        )
        .order_by()
    )
    return {row["order_scene"]: row for row in rows}


def _buyer_counts(shop: Shop, start: date, end: date) -> tuple[int, int, list[SceneBuyers]]:
    """(buyers, new buyers, by scene) of the period (a buyer in two scenes is one buyer of the period)."""
    rows = _buyer_rows(shop, start, end)
    scenes = [
        SceneBuyers(order_scene=scene, buyers=rows[scene]["buyers"], new_buyers=rows[scene]["new"])
        for scene in SCENES
        if scene in rows and rows[scene]["buyers"]
    ]
    every = rows.get(BuyerSince.ALL_SCENES, {"buyers": 0, "new": 0})
    return every["buyers"], every["new"], scenes


def favourites_days(*, shop: Shop, start: date, end: date) -> list[FavouritesDay]:
    """One entry per day from the day before ``start`` to ``end``: its snapshot and its growth."""
    days = _period(start - timedelta(days=1), end)
    snapshots = {s.day: s for s in FavoritesSnapshot.objects.for_shop(shop).filter(day__gte=days[0], day__lte=end)}
    out = []
    for day in days:
        snap, before = snapshots.get(day), snapshots.get(day - timedelta(days=1))
        out.append(
            FavouritesDay(
                day=day,
                total=snap.total if snap else None,
                gained=snap.total - before.total if snap and before else None,
                scenes={name: getattr(snap, name) for name in FavoritesSnapshot.SCENES} if snap else {},
            )
        )
    return out


def orders_cards_for_shop(*, shop: Shop, start: date, end: date) -> OrdersCards:
    """The 订单与卡包 figures of ``start``–``end`` (Beijing days, both included): four queries."""
    buyers, new_buyers, scenes = _buyer_counts(shop, start, end)
    return OrdersCards(
        start=start,
        end=end,
        days=_daily(shop, start, end),
        buyers=buyers,
        new_buyers=new_buyers,
        scenes=scenes,
        favourites=favourites_days(shop=shop, start=start, end=end),
    )


@dataclass(frozen=True)
class CouponDayFigures:
    day: date
    orders: int = 0
    gmv_fen: int = 0
    discount_fen: int = 0


@dataclass(frozen=True)
class Favourites:
    start: date
    end: date
    latest: FavoritesSnapshot | None
    days: list[FavouritesDay]
    coupon_id: str  # the marked 收藏券, "" when none
    coupon_days: list[CouponDayFigures]
    buyers: int  # the shop's buyers in the period
    gmv_fen: int  # the shop's GMV in the period

    @property
    def gained(self) -> int | None:
        return favourites_gained(self.days)

    @property
    def coupon_orders(self) -> int:
        return sum(d.orders for d in self.coupon_days)

    @property
    def coupon_gmv_fen(self) -> int:
        return sum(d.gmv_fen for d in self.coupon_days)

    @property
    def coupon_discount_fen(self) -> int:
        return sum(d.discount_fen for d in self.coupon_days)


def favourite_coupon_id(*, shop: Shop) -> str:
    return FavouriteCoupon.objects.for_shop(shop).values_list("coupon_id", flat=True).first() or ""


def coupon_buyers_figures(*, shop: Shop, coupon_id: str, start: date, end: date) -> tuple[int, int]:
    """The coupon's distinct buyers in ``start``–``end`` and the GMV of all their paid orders in it (two queries
    over every buyer-day of the period: the worker runs this, see ``FunnelFigures``)."""
    uses = CouponDay.objects.for_shop(shop).filter(coupon_id=coupon_id, day__gte=start, day__lte=end).exclude(openid="")
    buyers = uses.values("openid").distinct().count()
    gmv = (
        BuyerDay.objects.for_shop(shop)
        .filter(day__gte=start, day__lte=end, openid__in=Subquery(uses.values("openid")))
        .aggregate(gmv=Sum("gmv_fen", default=0))["gmv"]
    )
    return buyers, gmv


def favourites_for_shop(*, shop: Shop, start: date, end: date) -> Favourites:
    """The favourites page: snapshots, the 收藏券's performance by day and the period's buyers and GMV. At most
    five queries (three without a marked coupon); the funnel's buyer figures come from ``FunnelFigures``."""
    coupon_id = favourite_coupon_id(shop=shop)
    days = favourites_days(shop=shop, start=start, end=end)
    latest = FavoritesSnapshot.objects.for_shop(shop).filter(day__lte=end).order_by("-day").first()
    coupon_days = []
    if coupon_id:
        by_day = {
            row["day"]: row
            for row in CouponSales.objects.for_shop(shop)
            .filter(coupon_id=coupon_id, day__gte=start, day__lte=end)
            .values("day", n=F("orders"), gmv=F("gmv_fen"), discount=F("discount_fen"))
        }
        coupon_days = [
            CouponDayFigures(day=d, orders=by_day[d]["n"], gmv_fen=by_day[d]["gmv"], discount_fen=by_day[d]["discount"])
            if d in by_day
            else CouponDayFigures(day=d)
            for d in _period(start, end)
        ]
    buyers = _buyer_rows(shop, start, end).get(BuyerSince.ALL_SCENES, {"buyers": 0})["buyers"]
    gmv = _order_days(shop, start, end).aggregate(gmv=Sum("gmv_fen", default=0))["gmv"]
    return Favourites(
        start=start,
        end=end,
        latest=latest,
        days=days,
        coupon_id=coupon_id,
        coupon_days=coupon_days,
        buyers=buyers,
        gmv_fen=gmv,
    )

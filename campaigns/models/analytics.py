"""Favourites (收藏小店) figures the analytics pages read beside the core's daily order roll-ups
(``shopops.models.rollups``): a daily snapshot of the platform's accumulated counts, which coupon is the shop's
favourite-shop coupon (收藏券), and the funnel's buyer figures of a period, computed in the background."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop, ShopScopedQuerySet


class FavoritesSnapshot(models.Model):
    """The platform's accumulated favourites (``/channels/ec/favorites/count/get``) as read on one Beijing day.

    One row per shop and day: a second reading the same day replaces the first (the task can run twice). Counts
    are users, accumulated since the shop opened; a period's growth is the difference of two snapshots.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    day = models.DateField(_("day"))
    taken_at = models.DateTimeField(_("read at"))
    total = models.PositiveIntegerField(_("favourites"))
    shop_homepage = models.PositiveIntegerField(_("from the shop home page"))
    order_detail = models.PositiveIntegerField(_("from an order's page"))
    product_detail = models.PositiveIntegerField(_("from a product's page"))
    other_scene = models.PositiveIntegerField(_("from other scenes"))

    objects = ShopScopedQuerySet.as_manager()

    SCENES = ("shop_homepage", "order_detail", "product_detail", "other_scene")

    class Meta:
        verbose_name = _("favourites snapshot")
        verbose_name_plural = _("favourites snapshots")
        ordering = ["shop", "-day"]
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="favoritessnapshot_unique_day")]

    def __str__(self):
        return f"{self.day} {self.total}"


class FavouriteCoupon(models.Model):
    """The coupon the merchant marks as the shop's favourite-shop coupon (收藏券: handed to users who favourite the
    shop, set up in the 微信小店 backend). Referenced by the platform's ``coupon_id``; one per shop."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    coupon_id = models.CharField(_("coupon id"), max_length=64)
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("favourite-shop coupon")
        verbose_name_plural = _("favourite-shop coupons")
        ordering = ["shop"]

    def __str__(self):
        return self.coupon_id


class FunnelFigures(models.Model):
    """The favourites funnel's buyer figures of one period: the 收藏券's distinct buyers and the GMV of all their
    paid orders in the period. Neither is a sum of daily roll-ups (a buyer of two days counts once; their GMV
    depends on the whole period), and at a million orders they read every buyer-day of the period, so the worker
    computes them (``campaigns.services.analytics.funnel_figures_compute``) and the page shows the last result.

    ``buyers`` and ``gmv_fen`` are None until first computed; ``requested_at`` is when the page last asked."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    coupon_id = models.CharField(_("coupon id"), max_length=64)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    buyers = models.PositiveIntegerField(_("buyers"), null=True, blank=True)
    gmv_fen = models.BigIntegerField(_("GMV (fen)"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("favourites funnel figures")
        verbose_name_plural = _("favourites funnel figures")
        ordering = ["shop", "-end", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "coupon_id", "start", "end"], name="funnelfigures_unique_period")
        ]

    def __str__(self):
        return f"{self.coupon_id} {self.start}–{self.end}"

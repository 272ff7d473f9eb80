"""Favourites (收藏小店) figures the analytics pages read beside the core's daily order roll-ups
(``shopops.models.rollups``): a daily snapshot of the platform's accumulated counts, and which coupon is the
shop's favourite-shop coupon (收藏券)."""

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

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop, TimeStampedModel


class AffiliateSettings(TimeStampedModel):
    """A shop's alliance settings: whether 优选联盟 is enabled (learned from the platform: 10023007 means it is
    not), and the thresholds a talent must meet before ShopOps sends an invitation."""

    class League(models.TextChoices):
        UNKNOWN = "unknown", _("Not checked yet")
        ENABLED = "enabled", _("Enabled")
        NOT_ENABLED = "not_enabled", _("Not enabled")

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="affiliate_settings")
    league = models.CharField(_("优选联盟"), max_length=12, choices=League.choices, default=League.UNKNOWN)
    league_checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    min_fans = models.PositiveIntegerField(_("minimum fans"), default=0)
    min_sale_gmv_30d_fen = models.BigIntegerField(_("minimum 30-day GMV (fen)"), default=0)
    categories = models.JSONField(_("categories"), default=list, blank=True)

    class Meta:
        verbose_name = _("alliance settings")
        verbose_name_plural = _("alliance settings")

    def __str__(self):
        return str(self.shop)


class Talent(TimeStampedModel):
    """A 达人 (talent, formerly 带货者/promoter) the shop works with, and the platform's figures for them."""

    class Status(models.IntegerChoices):
        INITIAL = 0, _("Not invited")
        INVITING = 1, _("Invitation sent")
        ACCEPTED = 2, _("Cooperating")
        REJECTED = 3, _("Declined")
        INVITATION_CANCELLED = 4, _("Invitation cancelled")
        ENDED = 5, _("Cooperation ended")
        DELETED = 10, _("Deleted")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="talents", verbose_name=_("shop"))
    talent_appid = models.CharField(_("talent AppID"), max_length=64)
    finder_id = models.CharField(_("channels id"), max_length=64, blank=True)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    head_img = models.URLField(_("avatar"), max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices, default=Status.INITIAL)
    invite_time = models.DateTimeField(_("invited at"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    fans = models.PositiveIntegerField(_("fans"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=64, blank=True)
    is_blacklisted = models.BooleanField(_("blacklisted"), default=False)
    blacklist_reason = models.CharField(_("blacklist reason"), max_length=200, blank=True)
    total_sale_gmv_fen = models.BigIntegerField(_("total GMV (fen)"), default=0)
    sale_gmv_30d_fen = models.BigIntegerField(_("30-day GMV (fen)"), default=0)
    total_order_num = models.PositiveIntegerField(_("total orders"), default=0)
    order_num_30d = models.PositiveIntegerField(_("30-day orders"), default=0)
    sale_product_num_30d = models.PositiveIntegerField(_("30-day products sold"), default=0)
    window_product_num = models.PositiveIntegerField(_("products in window"), default=0)
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("talent")
        verbose_name_plural = _("talents")
        ordering = ["-sale_gmv_30d_fen", "nickname", "id"]
        constraints = [models.UniqueConstraint(fields=["shop", "talent_appid"], name="talent_unique_per_shop")]
        indexes = [models.Index(fields=["shop", "status"], name="talent_shop_status")]

    def __str__(self):
        return self.nickname or self.talent_appid


class ExclusiveTerm(TimeStampedModel):
    """What the shop offers one talent for one product: price (not below the floor the merchant set), stock
    (not above what exists), title and image. Kept in ShopOps (the platform has no API for it) and shown to the
    talent's agency in the partner portal."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="exclusive_terms", verbose_name=_("shop"))
    talent = models.ForeignKey(Talent, on_delete=models.CASCADE, related_name="exclusive_terms")
    product_id = models.CharField(_("product id"), max_length=32)
    floor_price_fen = models.BigIntegerField(_("floor price (fen)"))
    price_fen = models.BigIntegerField(_("exclusive price (fen)"))
    stock = models.PositiveIntegerField(_("stock"))
    title = models.CharField(_("title"), max_length=60, blank=True)
    image_url = models.URLField(_("image"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("exclusive terms")
        verbose_name_plural = _("exclusive terms")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["talent", "product_id"], name="exclusiveterm_one_per_talent_product"),
            models.CheckConstraint(
                condition=models.Q(price_fen__gte=models.F("floor_price_fen")), name="exclusiveterm_not_below_floor"
            ),
        ]

    def __str__(self):
        return f"{self.talent} · {self.product_id}"

"""Live previews (直播预告), their promoters, the start-time reminder, 预约有礼 and 支付后预约.

The platform owns the notices (read by ``campaigns.services.previews.previews_sync``); a preview the operator plans
before creating it in WeChat is kept here until a notice with the same start time appears, and then the two merge
into one row. What has no API — binding coupons and the 预约有礼 gift coupon to a notice, the 支付后预约 entries,
the reservations through the merchant's own links — is planned and recorded here; the page says where in WeChat
each step is done. Coupons are stored as platform ``coupon_id`` strings (the Coupon copy lives in
campaigns.models.coupons; this module does not import it).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop, ShopScopedQuerySet, TimeStampedModel


class GiftPlacement(models.TextChoices):
    """Where the 预约有礼 gift coupon is shown to users (seed 001)."""

    MINI_PROGRAM = "mini_program", _("Reservation-gift component in the shop's mini-program")
    PUBLIC = "public", _("Platform public scenes (distributed automatically)")
    REMINDER = "reminder", _("Live-start reminder message")


class PostPaymentEntry(models.TextChoices):
    """The three entries shown after payment (支付后预约)."""

    SUCCESS_PAGE = "success_page", _("Payment success page: 视频号 profile")
    VOUCHER_PROFILE = "voucher_profile", _("Payment voucher: 视频号 profile")
    VOUCHER_CONTENT = "voucher_content", _("Payment voucher: 视频号 content (live reservation)")


class LivePreview(TimeStampedModel):
    """A 直播预告: read from the platform (``notice_id`` set) or planned here (``notice_id`` blank) until it appears."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    notice_id = models.CharField(_("notice id"), max_length=32, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    start_time = models.DateTimeField(_("start time"))
    nickname = models.CharField(_("视频号"), max_length=100, blank=True)
    finder_id = models.CharField(_("视频号 id"), max_length=64, blank=True)
    platform_status = models.SmallIntegerField(_("platform status"), null=True, blank=True)
    status_wording = models.CharField(_("platform status text"), max_length=32, blank=True)
    planned = models.BooleanField(_("planned in ShopOps"), default=False)
    seen_at = models.DateTimeField(_("last read from the platform"), null=True, blank=True)
    bound_coupon_ids = models.JSONField(_("bound coupons"), default=list, blank=True)
    gift_coupon_id = models.CharField(_("reservation gift coupon"), max_length=32, blank=True)
    gift_placements = models.JSONField(_("gift coupon shown in"), default=list, blank=True)
    reservations_entered = models.PositiveIntegerField(_("reservations (entered)"), null=True, blank=True)
    post_payment = models.JSONField(_("post-payment entries"), default=dict, blank=True)
    live_export_id = models.CharField(_("live export id"), max_length=255, blank=True)
    dashboard = models.JSONField(_("live dashboard"), default=dict, blank=True)
    dashboard_at = models.DateTimeField(_("dashboard read at"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("live preview")
        verbose_name_plural = _("live previews")
        ordering = ["-start_time", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "notice_id"], condition=~models.Q(notice_id=""), name="livepreview_notice_once"
            )
        ]
        indexes = [models.Index(fields=["shop", "-start_time"], name="livepreview_shop_start")]

    def __str__(self):
        return self.topic


class PreviewPromoter(TimeStampedModel):
    """Someone promoting a preview: an agency's 推客 (share link and reservation count from the agency APIs) or the
    merchant's own link with its QR code (reservations entered by the operator: no API gives them)."""

    class Kind(models.TextChoices):
        SHARER = "sharer", _("Agency 推客")
        OWN = "own", _("Merchant's own link")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    preview = models.ForeignKey(
        LivePreview, on_delete=models.CASCADE, related_name="promoters", verbose_name=_("live preview")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    agency_appid = models.CharField(_("agency AppID"), max_length=32, blank=True)
    sharer_appid = models.CharField(_("推客 AppID"), max_length=64, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    qrcode_url = models.URLField(_("QR code URL"), max_length=500, blank=True)
    reservations_entered = models.PositiveIntegerField(_("reservations (entered)"), null=True, blank=True)
    reservations_platform = models.PositiveIntegerField(_("reservations (platform)"), null=True, blank=True)
    reservations_at = models.DateTimeField(_("reservations read at"), null=True, blank=True)
    orders_entered = models.PositiveIntegerField(_("orders (entered)"), null=True, blank=True)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("preview promoter")
        verbose_name_plural = _("preview promoters")
        ordering = ["preview", "kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["preview", "agency_appid", "sharer_appid"],
                condition=models.Q(kind="sharer"),
                name="previewpromoter_sharer_once",
            )
        ]

    def __str__(self):
        return self.name


class PreviewReminder(models.Model):
    """The start-time reminder of a preview, claimed once: the row is created in the same transaction as the
    notification it sends, and the unique preview makes a second claim fail, whatever the worker restarts."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    preview = models.OneToOneField(
        LivePreview, on_delete=models.CASCADE, related_name="reminder", verbose_name=_("live preview")
    )
    sent_at = models.DateTimeField(_("sent at"))
    checklist = models.JSONField(_("checklist"), default=list)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("preview reminder")
        verbose_name_plural = _("preview reminders")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return str(self.preview)


class ConsoleNotification(models.Model):
    """A notification shown in the console (and logged): what ShopOps "sends" to the shop's operators."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"), db_index=False)
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("console notification")
        verbose_name_plural = _("console notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "kind", "key"], name="notification_once")]
        indexes = [models.Index(fields=["shop", "-created_at"], name="notification_shop_created")]

    def __str__(self):
        return self.title

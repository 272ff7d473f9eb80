from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop, TimeStampedModel


class PromotionPlan(TimeStampedModel):
    """One promotion plan of a shop's product in 优选联盟 (league item), as the platform holds it.

    Type 1 普通 is keyed by the product (one per product); types 2 定向 and 3 专属 by the platform's ``info_id``
    (newer: ``promotion_plan_id``); an agency plan (``headsupplier_appid`` set) is added through
    ``league/item/headsupplier/batchadd``. Ratios are the platform's whole percent (0–90). The terms in force over
    time are kept in ``PlanTerms`` so a commission is checked against the plan at the order's pay time.
    """

    class Type(models.IntegerChoices):
        NORMAL = 1, _("Open to all (普通)")
        TARGETED = 2, _("Targeted (定向)")
        EXCLUSIVE = 3, _("Exclusive (专属)")

    class Status(models.IntegerChoices):
        LISTED = 1, _("Listed")
        DELISTED = 2, _("Delisted")
        DELETED = 4, _("Deleted")
        BELOW_THRESHOLD = 5, _("Below the entry threshold")
        PENDING = 10, _("Not yet in effect")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="promotion_plans", verbose_name=_("shop"))
    type = models.PositiveSmallIntegerField(_("type"), choices=Type.choices)
    product_id = models.CharField(_("product id"), max_length=32)
    info_id = models.CharField(_("plan id (info_id)"), max_length=64, blank=True)
    promotion_plan_id = models.CharField(_("promotion plan id"), max_length=64, blank=True)
    headsupplier_appid = models.CharField(_("agency AppID"), max_length=32, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices, default=Status.PENDING)
    ratio_percent = models.PositiveSmallIntegerField(_("commission ratio (%)"))
    service_ratio_percent = models.PositiveSmallIntegerField(_("service ratio (%)"), null=True, blank=True)
    commission_type = models.PositiveSmallIntegerField(_("commission type"), null=True, blank=True)
    talent_appids = models.JSONField(_("talents"), default=list, blank=True)
    begin_time = models.DateTimeField(_("starts"), null=True, blank=True)
    end_time = models.DateTimeField(_("ends"), null=True, blank=True)
    forever = models.BooleanField(_("no end date"), default=True)
    is_sale_forbidden = models.BooleanField(_("sale forbidden"), default=False)
    is_banned = models.BooleanField(_("banned"), default=False)
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)
    raw = models.JSONField(_("platform payload"), default=dict, blank=True)

    class Meta:
        verbose_name = _("promotion plan")
        verbose_name_plural = _("promotion plans")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "product_id"],
                condition=models.Q(type=1, headsupplier_appid=""),
                name="plan_one_normal_per_product",
            ),
            models.UniqueConstraint(
                fields=["shop", "info_id"], condition=~models.Q(info_id=""), name="plan_unique_info_id"
            ),
            models.UniqueConstraint(
                fields=["shop", "headsupplier_appid", "product_id"],
                condition=~models.Q(headsupplier_appid=""),
                name="plan_one_agency_plan_per_product",
            ),
        ]
        indexes = [models.Index(fields=["shop", "product_id", "type"], name="plan_shop_product")]

    def __str__(self):
        return f"{self.get_type_display()} {self.product_id}"


class PlanTerms(models.Model):
    """The terms of a plan from ``valid_from`` until ``valid_to`` (None: still in force). A change of ratio,
    talents, period or status closes the open row and opens a new one, in one transaction."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    plan = models.ForeignKey(PromotionPlan, on_delete=models.CASCADE, related_name="terms", verbose_name=_("plan"))
    product_id = models.CharField(_("product id"), max_length=32)
    type = models.PositiveSmallIntegerField(_("type"), choices=PromotionPlan.Type.choices)
    listed = models.BooleanField(_("listed"))
    ratio_percent = models.PositiveSmallIntegerField(_("commission ratio (%)"))
    service_ratio_percent = models.PositiveSmallIntegerField(_("service ratio (%)"), null=True, blank=True)
    talent_appids = models.JSONField(_("talents"), default=list, blank=True)
    headsupplier_appid = models.CharField(_("agency AppID"), max_length=32, blank=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan terms")
        verbose_name_plural = _("plan terms")
        ordering = ["plan", "valid_from"]
        indexes = [models.Index(fields=["shop", "product_id", "valid_from"], name="planterms_lookup")]

    def __str__(self):
        return f"{self.plan_id} {self.ratio_percent}% from {self.valid_from:%Y-%m-%d %H:%M}"

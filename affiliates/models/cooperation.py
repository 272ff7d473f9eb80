from django.db import models
from django.utils.translation import gettext_lazy as _

from affiliates.models.agencies import Agency
from shopops.models import Shop, TimeStampedModel


class Cooperation(TimeStampedModel):
    """A shop ↔ agency cooperation in 优选联盟, one row seen from both sides: the shop's members see it when
    ``shop`` is theirs, the agency's members when ``agency`` is theirs. Either side may be outside ShopOps (only
    its AppID known). Statuses are the platform's (headsupplier shop/list/get)."""

    class Status(models.IntegerChoices):
        INVITING = 1, _("Invitation pending")
        ACCEPTED = 2, _("Cooperating")
        REJECTED = 3, _("Declined")
        INVITATION_CANCELLED = 4, _("Invitation cancelled")
        ENDED = 5, _("Cooperation ended")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="agency_cooperations")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="cooperations")
    shop_appid = models.CharField(_("shop AppID"), max_length=32)
    shop_name = models.CharField(_("shop name"), max_length=100, blank=True)
    shop_headimg_url = models.URLField(_("shop avatar"), max_length=500, blank=True)
    agency_appid = models.CharField(_("agency AppID"), max_length=32)
    agency_name = models.CharField(_("agency name"), max_length=100, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), choices=Status.choices)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reject_reason = models.CharField(_("reason for declining"), max_length=200, blank=True)
    # What the platform reports (headsupplier shop/get data_info), as of synced_at.
    gmv_fen = models.BigIntegerField(_("GMV (fen)"), null=True, blank=True)
    settled_fen = models.BigIntegerField(_("settled (fen)"), null=True, blank=True)
    unsettled_fen = models.BigIntegerField(_("not settled (fen)"), null=True, blank=True)
    product_number = models.PositiveIntegerField(_("products"), null=True, blank=True)
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cooperation")
        verbose_name_plural = _("cooperations")
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop_appid", "agency_appid"], name="cooperation_one_per_pair")]
        indexes = [
            models.Index(fields=["shop", "status"], name="cooperation_shop_status"),
            models.Index(fields=["agency", "status"], name="cooperation_agency_status"),
        ]

    def __str__(self):
        return f"{self.shop_name or self.shop_appid} ↔ {self.agency_name or self.agency_appid}"

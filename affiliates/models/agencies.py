from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from shopops.fields import EncryptedTextField
from shopops.models import TimeStampedModel


class Agency(TimeStampedModel):
    """A 带货机构 (head supplier): signs in to the partner portal and sees only its own data."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("name"), max_length=100)
    appid = models.CharField(_("AppID"), max_length=32, blank=True)
    app_secret = EncryptedTextField(_("AppSecret"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # The agency's funds on the platform (headsupplier funds/balance/get), as of ``funds_checked_at``.
    available_fen = models.BigIntegerField(_("available balance (fen)"), null=True, blank=True)
    pending_fen = models.BigIntegerField(_("pending balance (fen)"), null=True, blank=True)
    funds_checked_at = models.DateTimeField(_("balance checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class AgencyMember(TimeStampedModel):
    """A portal user. One agency per user: portal accounts are separate from console accounts."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="members", verbose_name=_("agency"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agency_membership",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")
        ordering = ["agency", "user__username"]

    def __str__(self):
        return f"{self.user} @ {self.agency}"


class AgencyAPIKey(AbstractAPIKey):
    """A key for ``/api/v1/partner/``: stored hashed (djangorestframework-api-key), named, revocable, scoped to
    one agency. ``last_used_at`` is set when a request authenticates with it."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("agency"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("agency API key")
        verbose_name_plural = _("agency API keys")
        ordering = ["-created"]

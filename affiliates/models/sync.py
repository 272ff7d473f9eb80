"""Where the sync of an agency's own platform account stands: its lease and pause, one cursor per stream and its
alerts. The same rows as a shop's (shopops.models.platform), made from the same abstract bases, so that the one
engine (shopops.sync.engine) syncs both; affiliates.sync defines the agency's streams."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from affiliates.models.agencies import Agency
from shopops.models.platform import SyncAlertBase, SyncCursorBase, SyncStateBase


class AgencySyncStream(models.TextChoices):
    COMMISSION_ORDERS = "commission_orders", _("Commission orders")
    FUNDS_FLOWS = "funds_flows", _("Funds flows")
    BALANCE = "balance", _("Balance")
    SHOPS = "shops", _("Cooperating shops")
    PRODUCTS = "products", _("Promoted products")
    TALENTS = "talents", _("Bound talents")
    SHARERS = "sharers", _("推客")


class AgencySyncCursor(SyncCursorBase):
    """An agency's cursor for one of its streams."""

    Stream = AgencySyncStream

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="sync_cursors", verbose_name=_("agency"))
    stream = models.CharField(_("stream"), max_length=24, choices=AgencySyncStream.choices)

    class Meta:
        verbose_name = _("agency sync cursor")
        verbose_name_plural = _("agency sync cursors")
        constraints = [models.UniqueConstraint(fields=["agency", "stream"], name="agencysynccursor_one_per_stream")]

    def __str__(self):
        return f"{self.agency} {self.stream}"


class AgencySyncState(SyncStateBase):
    """An agency's sync lease and pause."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="sync_state", verbose_name=_("agency"))

    class Meta:
        verbose_name = _("agency sync state")
        verbose_name_plural = _("agency sync states")

    def __str__(self):
        return str(self.agency)


class AgencyAlert(SyncAlertBase):
    """Something the agency must act on (its AppSecret rejected, its quota exhausted); one open alert per kind."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("agency"))

    class Meta:
        verbose_name = _("agency alert")
        verbose_name_plural = _("agency alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind"], condition=models.Q(resolved_at=None), name="agencyalert_one_open_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.agency}: {self.get_kind_display()}"

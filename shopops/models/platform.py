"""Rows about talking to the WeChat platform: tokens, the call log, sync cursors and leases, push events, alerts.

The sync rows come as abstract bases (``SyncCursorBase``, ``SyncStateBase``, ``SyncAlertBase``) with the shop's
concrete ones here; a feature app that syncs another subject (affiliates: an agency) makes its own concrete rows
from the same bases, and the one engine writes both (shopops.sync.engine.Subject)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopops.fields import EncryptedTextField
from shopops.models.tenancy import Shop


class PlatformToken(models.Model):
    """The cached access token of one appid, shared by every process (web, workers)."""

    appid = models.CharField(_("AppID"), max_length=32, unique=True)
    token = EncryptedTextField(_("access token"))
    expires_at = models.FloatField(_("expires at (unix seconds)"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("platform access token")
        verbose_name_plural = _("platform access tokens")

    def __str__(self):
        return self.appid


class ApiCall(models.Model):
    """One HTTP attempt to the platform. Never holds tokens, secrets, bodies or buyer data."""

    shop = models.ForeignKey(  # indexed by apicall_shop_recent (shop, -created_at)
        Shop,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_calls",
        verbose_name=_("shop"),
        db_index=False,
    )
    appid = models.CharField(_("AppID"), max_length=32, db_index=True)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    errcode = models.IntegerField(_("errcode"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=60, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    request_id = models.CharField(_("request id"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("called at"), db_index=True)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "-created_at"], name="apicall_shop_recent")]

    def __str__(self):
        return f"{self.endpoint} {self.errcode if self.errcode is not None else self.http_status}"


class SyncStream(models.TextChoices):
    ORDERS = "orders", _("Orders")
    AFTERSALES = "aftersales", _("After-sales")
    PRODUCTS = "products", _("Products")


class SyncCursorBase(models.Model):
    """Where one (subject, stream) sync stands: the fields the sync engine (shopops.sync.engine) keeps for a shop,
    and for any other subject a feature app gives it (an agency). Saved with every page, so a killed run resumes at
    that page. A concrete cursor adds the subject's foreign key and its ``stream`` field with its own choices.

    ``completed_until`` is the platform time up to which everything is synced. While a window is open,
    ``window_start``/``window_end`` and ``next_key`` say which page comes next.
    """

    completed_until = models.DateTimeField(_("completed until"), null=True, blank=True)
    window_start = models.DateTimeField(_("window start"), null=True, blank=True)
    window_end = models.DateTimeField(_("window end"), null=True, blank=True)
    next_key = models.TextField(_("next key"), blank=True)
    backfill_from = models.DateTimeField(_("backfill from"), null=True, blank=True)
    pages_done = models.PositiveIntegerField(_("pages done"), default=0)
    items_done = models.PositiveIntegerField(_("items done"), default=0)
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)

    class Meta:
        abstract = True


class SyncCursor(SyncCursorBase):
    """A shop's cursor for one of its streams (orders, after-sales, products)."""

    Stream = SyncStream

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_cursors", verbose_name=_("shop"))
    stream = models.CharField(_("stream"), max_length=16, choices=SyncStream.choices)

    class Meta:
        verbose_name = _("sync cursor")
        verbose_name_plural = _("sync cursors")
        constraints = [models.UniqueConstraint(fields=["shop", "stream"], name="synccursor_one_per_stream")]

    def __str__(self):
        return f"{self.shop} {self.stream}"


class SyncStateBase(models.Model):
    """Per sync subject: the lease that lets one sync run at a time, and why syncing is paused. A concrete state
    adds a one-to-one key to its subject."""

    lease_owner = models.CharField(_("lease owner"), max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    pause_reason = models.TextField(_("pause reason"), blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)

    class Meta:
        abstract = True


class SyncState(SyncStateBase):
    """A shop's lease and pause."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="sync_state", verbose_name=_("shop"))

    class Meta:
        verbose_name = _("sync state")
        verbose_name_plural = _("sync states")

    def __str__(self):
        return str(self.shop)


class InboundEvent(models.Model):
    """A push event from the platform, stored once (by the hash of its decrypted body) and processed by a task."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="inbound_events", verbose_name=_("shop"))
    key = models.CharField(_("key"), max_length=64)
    event = models.CharField(_("event"), max_length=80, db_index=True)
    payload = models.JSONField(_("payload"))
    platform_time = models.DateTimeField(_("platform time"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    deliveries = models.PositiveIntegerField(_("deliveries"), default=1)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "key"], name="inboundevent_once")]
        indexes = [models.Index(fields=["shop", "processed_at"], name="inboundevent_pending")]

    def __str__(self):
        return f"{self.event} {self.key[:12]}"


class CallbackNonce(models.Model):
    """(timestamp, nonce) pairs already accepted on a shop's callback: the same request twice is a replay."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop"))
    timestamp = models.BigIntegerField(_("timestamp"))
    nonce = models.CharField(_("nonce"), max_length=64)

    class Meta:
        verbose_name = _("callback nonce")
        verbose_name_plural = _("callback nonces")
        constraints = [models.UniqueConstraint(fields=["shop", "timestamp", "nonce"], name="callbacknonce_once")]

    def __str__(self):
        return f"{self.timestamp}/{self.nonce}"


class SyncAlertKind(models.TextChoices):
    QUOTA = "quota", _("Daily API quota exhausted")
    IP_WHITELIST = "ip_whitelist", _("Server IP not whitelisted")
    PERMISSION = "permission", _("API permission missing")
    CREDENTIALS = "credentials", _("AppID or AppSecret rejected")
    SYNC_FAILING = "sync_failing", _("Sync keeps failing")


class SyncAlertBase(models.Model):
    """Something the account's owner must know about (quota exhausted, IP not whitelisted), raised by the sync
    engine and resolved by the next run that goes through. A concrete alert adds its subject's foreign key and the
    constraint that keeps one open alert per (subject, kind)."""

    Kind = SyncAlertKind

    kind = models.CharField(_("kind"), max_length=20, choices=SyncAlertKind.choices)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def advice(self) -> str:
        """What the owner should do, in their language; ``message`` keeps the platform's own words."""
        return str(ALERT_ADVICE[self.kind])


class ShopAlert(SyncAlertBase):
    """A shop's alert; shown in the console."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("shop"))

    class Meta:
        verbose_name = _("shop alert")
        verbose_name_plural = _("shop alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind"], condition=models.Q(resolved_at=None), name="shopalert_one_open_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.shop}: {self.get_kind_display()}"


ALERT_ADVICE = {
    SyncAlertKind.QUOTA: _("Syncing stops until tomorrow (Beijing time) and then resumes by itself."),
    SyncAlertKind.IP_WHITELIST: _(
        "Add this server's outbound IP address to the IP whitelist in the WeChat Shop backend (开发设置)."
    ),
    SyncAlertKind.PERMISSION: _(
        "The shop has not granted this API. Check the feature is enabled and the permission set is authorised."
    ),
    SyncAlertKind.CREDENTIALS: _("Check the AppID and AppSecret on the platform connection page."),
    SyncAlertKind.SYNC_FAILING: _("Syncing is paused for 30 minutes after repeated failures; see sync health."),
}

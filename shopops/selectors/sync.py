"""Reads for sync health and the platform connection: where each stream stands, why it stopped, what the
platform answered, and what the merchant should do about it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_q.models import Schedule

from shopops.models import ApiCall, InboundEvent, ShopAlert, SyncCursor, SyncState
from shopops.models.platform import ALERT_ADVICE

STREAMS = (SyncCursor.Stream.ORDERS, SyncCursor.Stream.AFTERSALES, SyncCursor.Stream.PRODUCTS)

# The schedule that runs each stream (shopops/management/commands/setup_schedules.py), and what to say when it has
# not been set up in this database.
STREAM_SCHEDULES = {
    SyncCursor.Stream.ORDERS: ("shopops:sync-orders", _("every 5 minutes")),
    SyncCursor.Stream.AFTERSALES: ("shopops:sync-orders", _("every 5 minutes")),
    SyncCursor.Stream.PRODUCTS: ("shopops:sync-products", _("every hour")),
}

# Error classes of shopops.wechat.errors, by name (the engine stores "ClassName: errcode=… errmsg" in last_error),
# mapped to what the merchant should do. The alert kinds reuse the alerts' own advice.
_ADVICE_BY_ERROR = {
    "CredentialError": ALERT_ADVICE[ShopAlert.Kind.CREDENTIALS],
    "IpNotWhitelistedError": ALERT_ADVICE[ShopAlert.Kind.IP_WHITELIST],
    "ApiPermissionError": ALERT_ADVICE[ShopAlert.Kind.PERMISSION],
    "QuotaExhaustedError": ALERT_ADVICE[ShopAlert.Kind.QUOTA],
    "RateLimitedError": _("Too many calls this minute: the sync waits for the next minute and continues by itself."),
    "TokenInvalidError": _(
        "The platform rejected the access token twice in a row. Try again; if it repeats, "
        "check that no other system resets this shop's AppSecret."
    ),
    "NetworkError": _(
        "The WeChat platform could not be reached from this server. It is retried automatically; if "
        "it lasts, check the server's outbound network."
    ),
    "ServerError": _("The WeChat platform answered with a server error. It is retried automatically."),
    "BusyError": _("The WeChat platform is busy (errcode -1). It is retried automatically."),
    "InvalidArgumentError": _(
        "The platform refused a request as invalid. Please tell support, quoting the request id."
    ),
    "NotFoundError": _("The platform no longer has an object the sync asked for. Please tell support if it repeats."),
    "WrongStateError": _(
        "WeChat Shop does not allow this in the status the platform now has, which changed meanwhile. "
        "Refresh to see where it stands."
    ),
}
_DEFAULT_ADVICE = _("Look the errcode up in the WeChat Shop documentation, or tell support quoting the request id.")


def advice_for_error(error_class: str) -> str:
    """What to do about a platform error, by the name of its class in shopops.wechat.errors."""
    return str(_ADVICE_BY_ERROR.get(error_class, _DEFAULT_ADVICE))


# The same error classes in a few words, for the call log's error column and the headline of a stream's error: what
# happened, in the merchant's language. The class name and errcode stay on the page as the technical detail.
_SUMMARY_BY_ERROR = {
    "CredentialError": _("The AppID or AppSecret was refused"),
    "IpNotWhitelistedError": _("This server's IP address is not on the whitelist"),
    "ApiPermissionError": _("The shop may not use this API"),
    "QuotaExhaustedError": _("Today's API quota is used up"),
    "RateLimitedError": _("Too many calls this minute"),
    "TokenInvalidError": _("The access token was refused"),
    "NetworkError": _("No answer from the platform (timeout or connection failure)"),
    "ServerError": _("The platform answered with a server error"),
    "BusyError": _("The platform was busy"),
    "InvalidArgumentError": _("The platform refused the request as invalid"),
    "NotFoundError": _("Not found on the platform"),
    "WrongStateError": _("The platform's status changed meanwhile"),
}
_DEFAULT_SUMMARY = _("The platform returned an error")


def error_summary(error_class: str) -> str:
    """A platform error in a few plain words, by the name of its class in shopops.wechat.errors ("" for none)."""
    if not error_class:
        return ""
    return str(_SUMMARY_BY_ERROR.get(error_class, _DEFAULT_SUMMARY))


def error_class_of(last_error: str) -> str:
    """The error class named at the start of a stored ``last_error`` ("IpNotWhitelistedError: errcode=…")."""
    head, _sep, _rest = last_error.partition(":")
    return head.strip() if _sep else ""


@dataclass
class StreamHealth:
    """Where one stream of one shop stands, as the sync health page shows it (views may add display fields)."""

    stream: str
    label: str
    cursor: SyncCursor | None
    lag: timedelta | None  # now - completed_until
    next_run: datetime | None
    schedule_text: str
    running: bool  # a run is under way (or between two time-boxed tasks of one run)
    stalled: bool  # a run started and stopped on an error; the next scheduled run resumes it
    backfill_share: int | None  # percent of the backfill period covered, while backfilling
    paused_until: datetime | None  # the stream's own pause (per-minute rate limit)
    error_class: str
    advice: str
    error_summary: str = ""  # the last error in a few plain words (``error_summary``)

    @property
    def in_progress(self) -> bool:
        return self.running or self.stalled


def sync_state_for_shop(*, shop) -> SyncState | None:
    return SyncState.objects.filter(shop=shop).first()


def sync_lease_active(state: SyncState | None, *, now: datetime) -> bool:
    return bool(state and state.lease_owner and state.lease_expires_at and state.lease_expires_at > now)


def sync_next_runs() -> dict[str, datetime | None]:
    """The next run of each of our sync schedules, by schedule name (one query)."""
    names = {name for name, _text in STREAM_SCHEDULES.values()}
    return dict(Schedule.objects.filter(name__in=names).values_list("name", "next_run"))


def sync_streams_for_shop(*, shop, now: datetime, state: SyncState | None = None) -> list[StreamHealth]:
    """One ``StreamHealth`` per stream (orders, after-sales, products), whether or not it ever ran. Two queries.

    A windowed stream is in progress while its cursor has ``running_since``; a product scan while it has a
    ``window_start`` (the scan's start). It counts as running while the shop's lease is held or no error came
    since it started; otherwise it is stalled on that error. The backfill share is
    (window end − backfill from) / (now − backfill from).
    """
    cursors = {c.stream: c for c in SyncCursor.objects.filter(shop=shop)}
    next_runs = sync_next_runs()
    lease = sync_lease_active(state, now=now)
    health = []
    for stream in STREAMS:
        cursor = cursors.get(stream)
        schedule_name, schedule_text = STREAM_SCHEDULES[stream]
        started = None
        if cursor is not None:
            started = cursor.window_start if stream == SyncCursor.Stream.PRODUCTS else cursor.running_since
        errored = bool(started and cursor.last_error and cursor.last_error_at and cursor.last_error_at >= started)
        running = bool(started) and (lease or not errored)
        share = None
        if cursor is not None and started and cursor.backfill_from and now > cursor.backfill_from:
            covered = cursor.window_end or cursor.completed_until or cursor.backfill_from
            ratio = (covered - cursor.backfill_from) / (now - cursor.backfill_from)
            share = max(0, min(100, int(ratio * 100)))
        error_class = error_class_of(cursor.last_error) if cursor and cursor.last_error else ""
        paused = cursor.paused_until if cursor else None
        health.append(
            StreamHealth(
                stream=stream,
                label=str(SyncCursor.Stream(stream).label),
                cursor=cursor,
                lag=now - cursor.completed_until if cursor and cursor.completed_until else None,
                next_run=next_runs.get(schedule_name),
                schedule_text=str(schedule_text),
                running=running,
                stalled=bool(started) and not running,
                backfill_share=share,
                paused_until=paused if paused and paused > now else None,
                error_class=error_class,
                advice=advice_for_error(error_class) if cursor and cursor.last_error else "",
                error_summary=error_summary(error_class or "WeChatError") if cursor and cursor.last_error else "",
            )
        )
    return health


ENDPOINTS_LOOKBACK = timedelta(days=30)


def api_call_endpoints(*, shop, now: datetime) -> list[str]:
    """The endpoints this shop called in the last 30 days, for the log's filter (one query over the shop's
    recent calls only: the log itself grows without end)."""
    calls = ApiCall.objects.filter(shop=shop, created_at__gte=now - ENDPOINTS_LOOKBACK)
    return list(calls.order_by("endpoint").values_list("endpoint", flat=True).distinct())


def api_calls_for_shop(*, shop, endpoint: str = "", errors_only: bool = False, day: date | None = None):
    """This shop's outbound platform calls, newest first. ``errors_only`` keeps the attempts that raised;
    ``day`` is a calendar day in the console's time zone (Beijing time)."""
    calls = ApiCall.objects.filter(shop=shop)
    if endpoint:
        calls = calls.filter(endpoint=endpoint)
    if errors_only:
        calls = calls.filter(~Q(error="") | Q(http_status__gte=400))
    if day is not None:
        start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
        calls = calls.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    return calls.order_by("-created_at", "-id")


# A page number past this one is past the end of any shop's log, and its OFFSET still fits a bigint.
CALLS_MAX_PAGE = 1_000_000


def api_calls_page(calls, *, page: str | None, per_page: int) -> tuple[list[ApiCall], int, bool]:
    """One page of ``calls`` (from ``api_calls_for_shop``): its rows, its number and whether an older page follows.

    Like ``Paginator.get_page``: a page that is not a number is the first one, and one past the end is the last
    one (the first when there are none). No COUNT over the log (it only grows) unless the page asked for is past
    its end; one more row than a page says whether there is a next one.
    """
    try:
        number = min(max(1, int(page or 1)), CALLS_MAX_PAGE)
    except ValueError:  # not a number, or more digits than int() reads
        number = 1
    rows = list(calls[(number - 1) * per_page : number * per_page + 1])
    if not rows and number > 1:
        number = max(1, -(-calls.count() // per_page))
        rows = list(calls[(number - 1) * per_page : number * per_page + 1])
    return rows[:per_page], number, len(rows) > per_page


def inbound_event_latest(*, shop) -> InboundEvent | None:
    """The last push event the callback received for this shop."""
    return InboundEvent.objects.filter(shop=shop).order_by("-received_at", "-id").first()


def inbound_events_pending_count(*, shop) -> int:
    return InboundEvent.objects.filter(shop=shop, processed_at=None).count()

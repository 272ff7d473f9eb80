"""Asking for syncs: "sync now" and "backfill from a date". Each request checks that the shop can sync, raises
``ValidationError`` when refused (changing nothing), and only queues the work (django-q2, after commit); nothing
here runs a sync in a request."""

import secrets
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shopops import tasks
from shopops.models import Shop, SyncState
from shopops.selectors.sync import sync_lease_active
from shopops.sync import engine

BEIJING = ZoneInfo("Asia/Shanghai")
ALL_STREAMS = ("orders", "aftersales", "products")
SYNC_RUNNING = _("A sync of this shop is running right now. Follow its progress on this page.")


def _check_can_sync(shop: Shop, *, at: datetime) -> None:
    """Refused ``not_connected``, ``shop_inactive``, ``sync_paused`` (params ``until``, ``reason``) or
    ``sync_running``."""
    if not shop.is_connected:
        raise ValidationError(_("Connect the shop first: enter its AppID and AppSecret."), code="not_connected")
    if shop.status != Shop.Status.ACTIVE:
        raise ValidationError(
            _("The shop is not active in ShopOps. Set it active in the shop settings to sync."), code="shop_inactive"
        )
    state = SyncState.objects.filter(shop=shop).first()
    if state and state.paused_until and state.paused_until > at:
        raise ValidationError(
            _("Syncing is paused until %(until)s (%(reason)s). It resumes by itself then."),
            code="sync_paused",
            params={
                "until": timezone.localtime(state.paused_until).strftime("%Y-%m-%d %H:%M"),
                "reason": state.pause_reason,
            },
        )
    if sync_lease_active(state, now=at):
        raise ValidationError(SYNC_RUNNING, code="sync_running")


def sync_now_request(*, shop: Shop) -> None:
    """Queue one run of every stream (orders, after-sales, products) for this shop, after commit.

    Refused when the shop is not connected or not active, while syncing is paused, and while a run is going on.
    """
    _check_can_sync(shop, at=engine.now())
    tasks.queue_sync(shop_id=shop.pk, streams=ALL_STREAMS)


def backfill_earliest(*, today: date) -> date:
    """The earliest day a backfill may start from: the same day one year ago (28 February for a 29th)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


@transaction.atomic
def sync_backfill_request(*, shop: Shop, since: date) -> datetime:
    """Re-read the shop's orders and after-sales updated since 00:00 (Beijing time) of ``since``, and queue the
    run. ``since`` may be neither in the future (``date_in_future``) nor more than a year ago (``date_too_early``,
    param ``earliest``); the shop must be able to sync (as ``sync_now_request``).

    The cursors are rewritten under the shop's sync lease, so a run cannot overwrite them half way; while a run
    holds the lease the request is refused. Returns the moment the backfill starts from.
    """
    at = engine.now()
    today = at.astimezone(BEIJING).date()
    if since > today:
        raise ValidationError({"since": ValidationError(_("The date cannot be in the future."), code="date_in_future")})
    earliest = backfill_earliest(today=today)
    if since < earliest:
        raise ValidationError(
            {
                "since": ValidationError(
                    _("Choose %(earliest)s or later: a backfill reaches back one year at most."),
                    code="date_too_early",
                    params={"earliest": earliest.isoformat()},
                )
            }
        )
    _check_can_sync(shop, at=at)
    owner = f"backfill-{secrets.token_hex(8)}"
    if not engine.lease_acquire(shop=shop, owner=owner):
        raise ValidationError(SYNC_RUNNING, code="sync_running")
    start = datetime.combine(since, time.min, tzinfo=BEIJING)
    try:
        engine.backfill_request(shop=shop, since=start)
    finally:
        engine.lease_release(shop=shop, owner=owner)
    tasks.queue_sync(shop_id=shop.pk)
    return start

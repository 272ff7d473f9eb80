"""Writes for live previews (直播预告): the sync from the platform (notices, their lives and dashboards), the plans
the operator keeps here (topic, start, coupons, 预约有礼 gift, 支付后预约), the promoters and the start-time reminder.

A failed platform call changes nothing local and reaches the user verbatim (errcode + errmsg) as a ValidationError.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from affiliates.selectors.cooperation import cooperating_for_shop
from affiliates.selectors.partner import sharers_for_agency
from campaigns.models import (
    ConsoleNotification,
    GiftPlacement,
    LivePreview,
    PostPaymentEntry,
    PreviewPromoter,
    PreviewReminder,
)
from campaigns.selectors.previews import reminder_checklist
from linked_accounts.selectors.linked_accounts import linked_channels_for_shop
from shopops.models import Shop
from shopops.platform import ApiCallLog, credentials_client, shop_client
from shopops.wechat.errors import WeChatError
from shopops.wechat.live import LiveAgencyClient, LiveClient

logger = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
COUPON_ID_MAX = 32
# How late a reminder may still go out: a worker down longer than this around the start sends none (the live is
# long under way; the page still shows the checklist).
REMINDER_GRACE = timedelta(hours=6)
# A live's dashboard read this long after its start is final (the generated lives last a day; UNCONFIRMED when the
# platform stops changing a dashboard): later syncs do not read it again.
DASHBOARD_FINAL = timedelta(days=2)


def refusal(error: WeChatError) -> ValidationError:
    """A platform refusal as the user reads it: WeChat's own code and message, verbatim."""
    return ValidationError(
        _("WeChat refused the request: errcode %(errcode)s, %(errmsg)s"),
        code="platform_error",
        params={"errcode": error.errcode, "errmsg": error.errmsg or type(error).__name__},
    )


def _coupon_ids(values) -> list[str]:
    out = []
    for value in values or []:
        text = str(value).strip()
        if not text:
            continue
        if not text.isdigit() or len(text) > COUPON_ID_MAX:
            raise ValidationError({"bound_coupon_ids": _("A coupon id is digits only: %(value)s") % {"value": text}})
        if text not in out:
            out.append(text)
    return out


# --- sync ------------------------------------------------------------


@dataclass
class PreviewSyncReport:
    created: int = 0
    merged: int = 0
    updated: int = 0
    dashboards: int = 0
    problems: list[str] = field(default_factory=list)


def _aware(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def previews_sync(*, shop: Shop, client: LiveClient | None = None, now: datetime | None = None) -> PreviewSyncReport:
    """Read the linked 视频号's notices and store them: a new notice whose start time equals a planned preview's
    merges into it (keeping the plan), others are created or updated by notice id. Then, for previews whose live
    has started, find the live (dashboard getlivelist of the start day: the live created at or after the start,
    nearest first) and read its dashboard. A failed notice read raises (nothing stored); a failed dashboard read is
    reported and skipped."""
    log = None
    if client is None:
        log = ApiCallLog(shop=shop, appid=shop.appid)
        client = shop_client(shop, log=log, client_class=LiveClient)
    try:
        return _previews_sync(shop, client, now or timezone.now())
    finally:
        if log is not None:
            log.flush()


def _previews_sync(shop: Shop, client: LiveClient, now: datetime) -> PreviewSyncReport:
    notices = client.live_notices()
    channels = _channels_by_nickname(shop)
    report = PreviewSyncReport()
    with transaction.atomic():
        known = {p.notice_id: p for p in LivePreview.objects.for_shop(shop).select_for_update().exclude(notice_id="")}
        planned = {}
        for preview in LivePreview.objects.for_shop(shop).select_for_update().filter(notice_id="").order_by("pk"):
            planned.setdefault(preview.start_time, preview)
        for notice in notices:
            start = _aware(notice.start_time)
            preview = known.get(notice.notice_id)
            if preview is None and start in planned:
                preview = planned.pop(start)
                report.merged += 1
            elif preview is None:
                preview = LivePreview(shop=shop, topic=notice.description or notice.notice_id, start_time=start)
                report.created += 1
            else:
                report.updated += 1
            preview.notice_id = notice.notice_id
            preview.start_time = start
            preview.topic = notice.description or preview.topic
            preview.nickname = notice.nickname
            preview.finder_id = channels.get(notice.nickname, preview.finder_id)
            preview.platform_status = notice.status
            preview.status_wording = notice.status_wording
            preview.seen_at = now
            preview.save()
    _sync_lives(shop, client, now, report)
    return report


def _channels_by_nickname(shop: Shop) -> dict[str, str]:
    return {row.nickname: row.account_id for row in linked_channels_for_shop(shop=shop)}


def _sync_lives(shop: Shop, client: LiveClient, now: datetime, report: PreviewSyncReport) -> None:
    started = LivePreview.objects.for_shop(shop).filter(start_time__lte=now, start_time__gte=now - timedelta(days=30))
    for preview in started.exclude(notice_id=""):
        if preview.dashboard_at and preview.dashboard_at >= preview.start_time + DASHBOARD_FINAL:
            continue  # read after the live had long ended: final
        try:
            if not preview.live_export_id:
                day = preview.start_time.astimezone(BEIJING).date()
                start = int(preview.start_time.timestamp())
                lives = sorted(
                    (live for live in client.dashboard_lives(day) if live.create_time >= start),
                    key=lambda live: live.create_time,
                )
                if not lives:
                    continue
                preview.live_export_id = lives[0].export_id
            board = client.dashboard_live_data(preview.live_export_id)
        except WeChatError as error:
            report.problems.append(f"{preview.notice_id}: {error.errcode} {error.errmsg}")
            continue
        preview.dashboard = {
            "new_watch_uv": board.new_watch_uv,
            "max_online_watch_uv": board.max_online_watch_uv,
            "like_permyriad": board.like_permyriad,
            "comment_permyriad": board.comment_permyriad,
            "total_gmv_fen": board.total_gmv_fen,
            "total_pay_pv": board.total_pay_pv,
            "total_pay_uv": board.total_pay_uv,
            "is_living": board.is_living,
            "live_duration_s": board.live_duration_s,
        }
        preview.dashboard_at = now
        preview.save(update_fields=["live_export_id", "dashboard", "dashboard_at", "updated_at"])
        report.dashboards += 1


# --- the operator's plan ------------------------------------------------------------


def preview_plan(*, shop: Shop, topic: str, start_time: datetime, finder_id: str = "") -> LivePreview:
    """A preview planned before it exists in WeChat (创建于 视频号助手 → 直播 → 直播预告): kept until a notice with
    the same start time is read, then merged into it."""
    topic = (topic or "").strip()
    if not topic:
        raise ValidationError({"topic": _("Give the live a topic.")})
    if start_time <= timezone.now():
        raise ValidationError({"start_time": _("The start time must be in the future.")})
    start_time = start_time.replace(second=0, microsecond=0)
    return LivePreview.objects.create(
        shop=shop, topic=topic[:200], start_time=start_time, finder_id=finder_id, planned=True
    )


def preview_update(
    *,
    preview: LivePreview,
    bound_coupon_ids=None,
    gift_coupon_id: str = "",
    gift_placements=None,
    reservations_entered: int | None = None,
    post_payment=None,
    topic: str | None = None,
) -> LivePreview:
    """Record the coupons bound to the notice, the 预约有礼 gift coupon and where it shows, the operator's count of
    reservations and the 支付后预约 entries set up. Only a planned (not yet read) preview's topic is editable."""
    bound = _coupon_ids(bound_coupon_ids)
    gift = (gift_coupon_id or "").strip()
    if gift and (not gift.isdigit() or len(gift) > COUPON_ID_MAX):
        raise ValidationError({"gift_coupon_id": _("A coupon id is digits only: %(value)s") % {"value": gift}})
    places = [p for p in (gift_placements or []) if p in GiftPlacement.values]
    if gift_placements and len(places) != len(set(gift_placements)):
        raise ValidationError({"gift_placements": _("Unknown place for the gift coupon.")})
    if gift and not places:
        raise ValidationError({"gift_placements": _("Say where the gift coupon is shown.")})
    entries = {key: bool((post_payment or {}).get(key)) for key in PostPaymentEntry.values}
    if reservations_entered is not None and reservations_entered < 0:
        raise ValidationError({"reservations_entered": _("Reservations cannot be negative.")})
    preview.bound_coupon_ids = bound
    preview.gift_coupon_id = gift
    preview.gift_placements = places
    preview.reservations_entered = reservations_entered
    preview.post_payment = entries
    if topic is not None and not preview.notice_id:
        if not topic.strip():
            raise ValidationError({"topic": _("Give the live a topic.")})
        preview.topic = topic.strip()[:200]
    preview.save()
    return preview


def preview_delete(*, preview: LivePreview) -> None:
    """Only a planned preview not yet read from the platform can be deleted (a notice is deleted in WeChat)."""
    if preview.notice_id:
        raise ValidationError(_("This notice exists in WeChat: delete it in 视频号助手 → 直播 → 直播预告."))
    preview.delete()


# --- promoters ------------------------------------------------------------


def agency_sharers(*, shop: Shop) -> list[tuple[object, list]]:
    """(agency, its 推客) for every agency cooperating with the shop, read through the affiliates selectors."""
    out = []
    for cooperation in cooperating_for_shop(shop=shop):
        agency = cooperation.agency
        if agency is not None and agency.appid and agency.app_secret:
            out.append((agency, list(sharers_for_agency(agency=agency))))
    return out


def _agency_client(agency) -> LiveAgencyClient:
    # A private token store, as affiliates does: shopops.platform.agency_client builds a plain AgencyClient only.
    return credentials_client(appid=agency.appid, secret=agency.app_secret, client_class=LiveAgencyClient)


def promoter_add_sharer(*, preview: LivePreview, agency_appid: str, sharer_appid: str) -> PreviewPromoter:
    """An agency 推客 promoting the preview: its share link and QR code from the agency's
    get_shop_live_notice_promoter_share_link / get_shop_live_notice_record_qr_code. Needs a notice read from the
    platform and the 视频号 it belongs to."""
    if not preview.notice_id or not preview.finder_id:
        raise ValidationError(
            _("An agency 推客 can promote this preview once its notice is read from WeChat and its 视频号 is linked.")
        )
    found = None
    for agency, sharers in agency_sharers(shop=preview.shop):
        if agency.appid == agency_appid:
            found = (agency, next((s for s in sharers if s.sharer_appid == sharer_appid), None))
    if found is None or found[1] is None:
        raise ValidationError({"sharer": _("Choose a 推客 of an agency cooperating with the shop.")})
    agency, sharer = found
    if PreviewPromoter.objects.filter(preview=preview, agency_appid=agency_appid, sharer_appid=sharer_appid).exists():
        raise ValidationError({"sharer": _("This 推客 already promotes the preview.")})
    client = _agency_client(agency)
    key = {"shop_appid": preview.shop.appid, "finder_id": preview.finder_id, "notice_id": preview.notice_id}
    try:
        link = client.shop_live_notice_share_link(**key, sharer_appid=sharer_appid)
        qrcode = client.shop_live_notice_qrcode(**key, sharer_appid=sharer_appid)
        count = client.live_notice_reservations(notice_id=preview.notice_id, sharer_appid=sharer_appid)
    except WeChatError as error:
        raise refusal(error) from None
    return PreviewPromoter.objects.create(
        shop=preview.shop,
        preview=preview,
        kind=PreviewPromoter.Kind.SHARER,
        name=sharer.nickname or sharer_appid,
        agency_appid=agency_appid,
        sharer_appid=sharer_appid,
        link=link,
        qrcode_url=qrcode,
        reservations_platform=count,
        reservations_at=timezone.now(),
    )


def promoter_add_own(*, preview: LivePreview, name: str, link: str) -> PreviewPromoter:
    """The merchant's own promoter (a staff member, a group, a 公众号 article…) with the link it shares; ShopOps
    draws its QR code. The link is the one WeChat gives (视频号助手 → 直播 → 直播预告 → 推广), or a mini-program page
    that calls wx.reserveChannelsLive."""
    name, link = (name or "").strip(), (link or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the promoter a name.")
    if not link:
        errors["link"] = _("Give the link this promoter shares.")
    if errors:
        raise ValidationError(errors)
    return PreviewPromoter.objects.create(
        shop=preview.shop, preview=preview, kind=PreviewPromoter.Kind.OWN, name=name[:100], link=link[:500]
    )


def promoter_record(
    *, promoter: PreviewPromoter, reservations_entered: int | None, orders_entered: int | None
) -> PreviewPromoter:
    """The operator's counts where no API gives them (own links)."""
    for key, value in (("reservations_entered", reservations_entered), ("orders_entered", orders_entered)):
        if value is not None and value < 0:
            raise ValidationError({key: _("Counts cannot be negative.")})
    promoter.reservations_entered = reservations_entered
    promoter.orders_entered = orders_entered
    promoter.save(update_fields=["reservations_entered", "orders_entered", "updated_at"])
    return promoter


def promoters_refresh(*, preview: LivePreview) -> int:
    """Re-read each agency 推客's reservation count (get_live_notice_reservation_info). All or nothing."""
    agencies = {agency.appid: agency for agency, _sharers in agency_sharers(shop=preview.shop)}
    counts = {}
    for promoter in preview.promoters.filter(kind=PreviewPromoter.Kind.SHARER):
        agency = agencies.get(promoter.agency_appid)
        if agency is None:
            continue
        try:
            counts[promoter.pk] = _agency_client(agency).live_notice_reservations(
                notice_id=preview.notice_id, sharer_appid=promoter.sharer_appid
            )
        except WeChatError as error:
            raise refusal(error) from None
    now = timezone.now()
    with transaction.atomic():
        for pk, count in counts.items():
            PreviewPromoter.objects.filter(pk=pk).update(reservations_platform=count, reservations_at=now)
    return len(counts)


def promoter_delete(*, promoter: PreviewPromoter) -> None:
    promoter.delete()


# --- the start-time reminder ------------------------------------------------------------


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Send the reminder of every preview whose start time has come (within REMINDER_GRACE) and that has none yet.

    Exactly once per preview: each is claimed by creating its PreviewReminder row, in the same transaction as the
    console notification that is the sending. A second run, a retried task, or a worker restarted after a kill -9
    finds the row (or fails on its unique preview) and sends nothing; a run killed before its commit leaves no row
    and the next run sends it. Returns how many were sent by this call."""
    now = now or timezone.now()
    due = (
        LivePreview.objects.filter(start_time__lte=now, start_time__gt=now - REMINDER_GRACE, reminder__isnull=True)
        .select_related("shop")
        .order_by("start_time", "pk")
    )
    sent = 0
    for preview in due:
        try:
            with transaction.atomic():
                sent += _send_reminder(preview, now)
        except IntegrityError:
            continue  # claimed by a concurrent run
    return sent


def _send_reminder(preview: LivePreview, now: datetime) -> int:
    checklist = reminder_checklist(preview)
    PreviewReminder.objects.create(shop=preview.shop, preview=preview, sent_at=now, checklist=checklist)
    with override(settings.LANGUAGE_CODE):
        lines = [("✓ " if item["done"] else "✗ ") + str(item["label"]) for item in checklist]
        title = _("Live starting: %(topic)s") % {"topic": preview.topic}
    ConsoleNotification.objects.create(
        shop=preview.shop,
        kind="preview_reminder",
        key=str(preview.pk),
        title=title[:200],
        body="\n".join(lines),
        link=reverse("console:preview_detail", kwargs={"shop": preview.shop.public_id, "pk": preview.pk}),
        created_at=now,
    )
    logger.info("preview reminder sent: shop=%s preview=%s %s", preview.shop.appid, preview.pk, preview.topic)
    return 1

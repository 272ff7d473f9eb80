"""Writes about shop ↔ agency cooperations (带货机构合作) in 优选联盟, from both sides of the one ``Cooperation`` row.

The merchant invites an agency, cancels a pending invitation or ends a cooperation (``cooperation_invite``,
``cooperation_cancel``, ``cooperation_end``), and with the emulator reads its list back (``cooperations_refresh``);
the agency accepts or declines a pending invitation (``cooperation_decide``, called by the partner portal).

The real platform has no API for any of these: the merchant invites in the 微信小店 backend (优选联盟 → 机构合作) and
the agency answers in 联盟带货机构管理平台. With the emulator (``settings.WECHAT_SANDBOX_ONLY_APIS`` on) each write is
sent to its SANDBOX-ONLY endpoint first (shopops.wechat.alliance) and the row follows; on the real platform the
row is recorded in ShopOps only, the page tells the user where to do the same in WeChat, and the agency's own sync
(affiliates.sync, headsupplier shop/list/get) later confirms the status the platform reports.

Every refusal is a ``ValidationError`` with a stable code and changes nothing: ``not_connected`` (the shop has no
AppID, or the agency no platform credentials when the call must be made), ``invalid_appid``, ``invitation_pending``,
``already_cooperating``, ``wrong_state``, ``reason_required``, ``reason_too_long``, and the platform's refusals
(``unknown_account``, ``wrong_state``, ``not_available_on_platform``, ``platform_refused``, ``platform_unclear``).
django-auditlog records every row change with the request's user.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from affiliates.models import Agency, Cooperation
from shopops.forms.validators import appid_validator
from shopops.models import Shop
from shopops.platform import ApiCallLog, credentials_client, shop_client
from shopops.selectors.sync import advice_for_error
from shopops.wechat.alliance import AllianceAgencyClient, AllianceClient
from shopops.wechat.errors import NetworkError, ServerError, WeChatError, WrongStateError
from shopops.wechat.linking import SandboxOnlyUnavailable
from shopops.wechat.types import platform_time

Status = Cooperation.Status
REASON_MAX = 200
# The emulator's refusals of its SANDBOX-ONLY alliance API (sandbox/api/alliance.py): no such shop or agency,
# already invited or cooperating, nothing pending, not cooperating; a real platform answers the paths 40066.
NO_SUCH_ACCOUNT, ALREADY, NOT_PENDING, NOT_COOPERATING = 10091001, 10091002, 10091003, 10091004
INVALID_URL = 40066
# Where each side does it on the real platform, for the pages (the same words in the console and the portal).
SHOP_BACKEND = _("the 微信小店 backend (优选联盟 → 机构合作)")
AGENCY_BACKEND = _("联盟带货机构管理平台")


def sandbox_only_apis_enabled() -> bool:
    """Whether the emulator's SANDBOX-ONLY alliance endpoints are called (on with the emulator, off with the real
    platform): when off, cooperation changes are recorded in ShopOps only."""
    return bool(settings.WECHAT_SANDBOX_ONLY_APIS)


def cooperation_qs_select_for_update():
    """The one way to lock cooperation rows."""
    return Cooperation.objects.select_for_update()


# --- talking to the platform ------------------------------------------------------------------------------------------


@contextmanager
def _shop_session(shop: Shop) -> Iterator[AllianceClient]:
    log = ApiCallLog(shop=shop, appid=shop.appid)
    try:
        yield shop_client(shop, log=log, client_class=AllianceClient)
    finally:
        log.flush()


@contextmanager
def _agency_session(agency: Agency) -> Iterator[AllianceAgencyClient]:
    log = ApiCallLog(shop=None, appid=agency.appid)
    try:
        # A private token store: shopops.platform.agency_client builds a plain AgencyClient only.
        yield credentials_client(
            appid=agency.appid, secret=agency.app_secret, log=log, client_class=AllianceAgencyClient
        )
    finally:
        log.flush()


def _refusal(error: WeChatError) -> ValidationError:
    """What to tell the user about a refused alliance call, with a stable code."""
    if isinstance(error, SandboxOnlyUnavailable) or error.errcode == INVALID_URL:
        return ValidationError(
            _("WeChat Shop offers no API for this: do it in %(where)s."),
            code="not_available_on_platform",
            params={"where": SHOP_BACKEND},
        )
    if error.errcode == NO_SUCH_ACCOUNT:
        return ValidationError(
            _("WeChat Shop knows no shop or agency with this AppID (%(errmsg)s)."),
            code="unknown_account",
            params={"errcode": error.errcode, "errmsg": error.errmsg},
        )
    if error.errcode == ALREADY:
        return ValidationError(
            _(
                "WeChat Shop already lists an invitation to this agency or a cooperation with it. Refresh the "
                "agencies to show it here."
            ),
            code="already_cooperating",
            params={"errcode": error.errcode, "errmsg": error.errmsg},
        )
    if isinstance(error, WrongStateError) or error.errcode in (NOT_PENDING, NOT_COOPERATING):
        return ValidationError(
            _("WeChat Shop refused: the cooperation's status has changed meanwhile (%(errmsg)s)."),
            code="wrong_state",
            params={"errcode": error.errcode, "errmsg": error.errmsg},
        )
    if isinstance(error, NetworkError | ServerError):
        return ValidationError(
            _("WeChat Shop did not answer clearly (%(error)s), so it may or may not have done it. Sync to see."),
            code="platform_unclear",
            params={"error": type(error).__name__},
        )
    return ValidationError(
        _("WeChat Shop refused: errcode %(errcode)s, %(errmsg)s. %(advice)s"),
        code="platform_refused",
        params={
            "errcode": error.errcode if error.errcode is not None else "—",
            "errmsg": error.errmsg,
            "advice": advice_for_error(type(error).__name__),
        },
    )


def _call(session, subject, method: Callable, *, field: str | None = None):
    """Make one SANDBOX-ONLY call through ``session(subject)``; a platform error becomes the refusal (on
    ``field`` if given)."""
    with session(subject) as client:
        try:
            return method(client)
        except WeChatError as error:
            refused = _refusal(error)
            raise (ValidationError({field: refused}) if field else refused) from None


# --- the merchant's side ----------------------------------------------------------------------------------------------


def _require_shop_appid(shop: Shop) -> None:
    """The shop's AppID names the cooperation; telling the emulator needs its AppSecret too."""
    if not shop.appid or (sandbox_only_apis_enabled() and not shop.is_connected):
        raise ValidationError(
            _("Connect the shop to WeChat Shop first: enter its AppID and AppSecret."), code="not_connected"
        )


def cooperation_invite(*, shop: Shop, agency_appid: str, agency_name: str = "") -> Cooperation:
    """Invite the agency ``agency_appid`` to cooperate with the shop; the row waits as pending (1 邀请中).

    An agency whose earlier invitation was declined or cancelled, or whose cooperation ended, is invited again on
    its existing row. The agency's ShopOps account (``Agency`` with that AppID), if any, is linked so its portal
    shows the invitation. Refused on ``agency_appid``: ``invalid_appid``, ``invitation_pending``,
    ``already_cooperating``; ``not_connected`` when the shop has no AppID; the platform's refusals.
    """
    agency_appid, agency_name = agency_appid.strip(), agency_name.strip()[:100]
    try:
        appid_validator(agency_appid)
    except ValidationError as exc:
        raise ValidationError({"agency_appid": ValidationError(exc.messages[0], code="invalid_appid")}) from None
    _require_shop_appid(shop)
    _refuse_duplicate(Cooperation.objects.filter(shop_appid=shop.appid, agency_appid=agency_appid).first())
    if sandbox_only_apis_enabled():
        _call(
            _shop_session,
            shop,
            lambda client: client.alliance_invite(headsupplier_appid=agency_appid),
            field="agency_appid",
        )
    agency = Agency.objects.filter(appid=agency_appid).order_by("pk").first()
    try:
        with transaction.atomic():
            row = cooperation_qs_select_for_update().filter(shop_appid=shop.appid, agency_appid=agency_appid).first()
            if row is None:
                row = Cooperation(shop_appid=shop.appid, agency_appid=agency_appid)
            elif not sandbox_only_apis_enabled():
                _refuse_duplicate(row)
            row.shop, row.shop_name = shop, shop.name[:100]
            row.agency = agency or row.agency
            row.agency_name = agency_name or (agency.name if agency else "") or row.agency_name
            row.status, row.invited_at, row.decided_at, row.reject_reason = Status.INVITING, timezone.now(), None, ""
            row.save()
    except IntegrityError:
        # The same invitation recorded at the same moment by someone else: theirs stands.
        raise ValidationError(
            {
                "agency_appid": ValidationError(
                    _("This agency already has a pending invitation."), code="invitation_pending"
                )
            }
        ) from None
    return row


def _refuse_duplicate(row: Cooperation | None) -> None:
    if row is not None and row.status == Status.INVITING:
        raise ValidationError(
            {
                "agency_appid": ValidationError(
                    _("This agency already has a pending invitation."), code="invitation_pending"
                )
            }
        )
    if row is not None and row.status == Status.ACCEPTED:
        raise ValidationError(
            {
                "agency_appid": ValidationError(
                    _("The shop already cooperates with this agency."), code="already_cooperating"
                )
            }
        )


def cooperation_cancel(*, cooperation: Cooperation) -> Cooperation:
    """Withdraw the shop's pending invitation (→ 4 取消邀请). Refused (``wrong_state``) unless it is pending."""
    return _shop_change(
        cooperation,
        expected=Status.INVITING,
        status=Status.INVITATION_CANCELLED,
        method="alliance_cancel",
        message=_("Only a pending invitation can be cancelled; this cooperation is “%(status)s”."),
    )


def cooperation_end(*, cooperation: Cooperation) -> Cooperation:
    """End an accepted cooperation (→ 5 取消合作). Refused (``wrong_state``) unless the agency cooperates."""
    return _shop_change(
        cooperation,
        expected=Status.ACCEPTED,
        status=Status.ENDED,
        method="alliance_end",
        message=_("Only an accepted cooperation can be ended; this cooperation is “%(status)s”."),
    )


def _shop_change(cooperation: Cooperation, *, expected: int, status: int, method: str, message) -> Cooperation:
    _check_state(cooperation, expected, message)
    shop = cooperation.shop
    _require_shop_appid(shop)
    if sandbox_only_apis_enabled():
        _call(_shop_session, shop, lambda client: getattr(client, method)(headsupplier_appid=cooperation.agency_appid))
    with transaction.atomic():
        row = cooperation_qs_select_for_update().get(pk=cooperation.pk)
        if not sandbox_only_apis_enabled():
            _check_state(row, expected, message)  # recorded only: whoever was first stands
        row.status, row.decided_at = status, timezone.now()
        row.save()
    return row


def _check_state(cooperation: Cooperation, expected: int, message) -> None:
    if cooperation.status != expected:
        raise ValidationError(message, code="wrong_state", params={"status": cooperation.get_status_display()})


def cooperations_refresh(*, shop: Shop) -> int:
    """SANDBOX-ONLY: read the shop's agency cooperations from the emulator (its alliance list) and store what it
    says: status, the agency's name, its reason for declining, when it was invited or decided. Returns how many rows
    changed; running it twice changes nothing the second time. On the real platform there is no such list for a
    shop (``not_available_on_platform``): the cooperating agencies' own sync brings their statuses."""
    if not sandbox_only_apis_enabled():
        raise ValidationError(
            _("WeChat Shop offers no API for this: do it in %(where)s."),
            code="not_available_on_platform",
            params={"where": SHOP_BACKEND},
        )
    _require_shop_appid(shop)
    listing = _call(_shop_session, shop, lambda client: client.alliance_list())
    agencies = {a.appid: a for a in Agency.objects.filter(appid__in=[c.headsupplier_appid for c in listing])}
    changed = 0
    with transaction.atomic():
        rows = {row.agency_appid: row for row in cooperation_qs_select_for_update().filter(shop_appid=shop.appid)}
        for entry in listing:
            if entry.status not in Status.values or not entry.headsupplier_appid:
                continue
            row = rows.get(entry.headsupplier_appid) or Cooperation(
                shop_appid=shop.appid, agency_appid=entry.headsupplier_appid
            )
            before = _listed_fields(row)
            row.shop, row.shop_name = shop, shop.name[:100]
            row.agency = agencies.get(entry.headsupplier_appid) or row.agency
            row.agency_name = entry.nickname[:100] or row.agency_name
            row.reject_reason = entry.reason[:REASON_MAX] if entry.status == Status.REJECTED else ""
            if row.status != entry.status:
                at = platform_time(entry.update_time) or timezone.now()
                if entry.status == Status.INVITING:
                    row.invited_at, row.decided_at = at, None
                else:
                    row.decided_at = at
                row.status = entry.status
            if _listed_fields(row) != before:
                row.save()
                changed += 1
    return changed


def _listed_fields(row: Cooperation) -> tuple:
    return (row.shop_id, row.agency_id, row.agency_name, row.status, row.reject_reason, row.invited_at, row.decided_at)


# --- the agency's side ------------------------------------------------------------------------------------------------


def cooperation_decide(*, agency: Agency, cooperation: Cooperation, accept: bool, reason: str = "") -> Cooperation:
    """The agency accepts (→ 2 已接受) or declines (→ 3 已拒绝, with its reason) a shop's pending invitation.

    Refused with ``wrong_state`` unless the cooperation is this agency's and pending (checked again under the row
    lock), ``reason_required`` (on ``reason``) for declining without a reason, ``reason_too_long`` over 200
    characters, ``not_connected`` when the emulator must be told and the agency has no platform credentials, and the
    platform's refusals. On the real platform the answer is recorded in ShopOps only: the agency also answers in
    联盟带货机构管理平台, and its next sync confirms it.
    """
    reason = reason.strip() if not accept else ""
    if not accept and not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why you decline the invitation."), code="reason_required")}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Keep the reason to %(max)d characters (it has %(length)d)."),
                    code="reason_too_long",
                    params={"max": REASON_MAX, "length": len(reason)},
                )
            }
        )
    _check_decidable(agency, cooperation)
    if sandbox_only_apis_enabled():
        if not (agency.appid and agency.app_secret):
            raise ValidationError(
                _("The agency's platform AppID and AppSecret are not set, so WeChat Shop cannot be told."),
                code="not_connected",
            )
        _call(
            _agency_session,
            agency,
            lambda client: client.alliance_decide(appid=cooperation.shop_appid, accept=accept, reason=reason),
        )
    with transaction.atomic():
        row = cooperation_qs_select_for_update().get(pk=cooperation.pk)
        if not sandbox_only_apis_enabled():
            _check_decidable(agency, row)
        row.status = Status.ACCEPTED if accept else Status.REJECTED
        row.decided_at, row.reject_reason = timezone.now(), reason
        row.save()
    return row


def _check_decidable(agency: Agency, cooperation: Cooperation) -> None:
    if cooperation.agency_id != agency.pk or cooperation.status != Status.INVITING:
        raise ValidationError(
            _("Only a pending invitation to your agency can be accepted or declined."), code="wrong_state"
        )

"""Writes an agency (带货机构) makes in the partner portal: its 推客's commission settings and its API keys.

Each service takes the agency it acts for and an object already scoped to it (the views fetch it with the portal's
selectors, so another agency's object never gets here), checks its rule, and refuses with a ``ValidationError``
carrying a stable code, changing nothing:

- 推客 commission: ``not_connected`` (the agency has no platform credentials), ``ratio_out_of_range``,
  ``platform_unclear`` (the platform gave no clear answer: it may or may not have changed it) and
  ``platform_refused`` (any other platform error; ``params["errcode"]`` says which).
- API keys: ``name_required``, ``name_taken`` (a usable key of the agency has that name), ``too_many_keys``,
  ``already_revoked``.

Changes to API keys are recorded by django-auditlog (shopops.audit) with the acting user taken from the request.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from affiliates.models import Agency, AgencyAPIKey, Sharer
from shopops import platform
from shopops.selectors.sync import advice_for_error
from shopops.wechat.errors import NetworkError, ServerError, WeChatError

# --- 推客 commission settings ----------------------------------------------------------------------------------------

# set_sharer_commission_info's commission_ratio is in 万分之一 (one ten-thousandth, per SKIT; the official unit is
# UNCONFIRMED, shared/wechat-platform-2026.md B.2): a percent is 100 of them. The portal asks for a percent.
SHARER_RATIO_PER_PERCENT = 100
# The platform's published range for a 推客's share (平台分佣 10–90%, press; UNCONFIRMED): the portal refuses
# anything above 90% before calling, and leaves the lower bound to the platform, which answers for itself.
SHARER_MAX_PERCENT = 90


def sharer_commission_set(*, agency: Agency, sharer: Sharer, commission_type: int, commission_ratio: int) -> Sharer:
    """Give one of the agency's 推客 a new commission setting on the platform (``set_sharer_commission_info``), then
    store it on the row. ``commission_ratio`` is in the platform's unit (``SHARER_RATIO_PER_PERCENT`` per percent).

    The platform call comes first, outside any transaction: the row changes only once the platform has accepted.
    Refusals are errors of ``commission_ratio`` (range) or of the form (not connected, platform).
    """
    if sharer.agency_id != agency.pk:
        raise ValueError("the 推客 is not the agency's")
    if not 0 <= commission_ratio <= SHARER_MAX_PERCENT * SHARER_RATIO_PER_PERCENT:
        raise ValidationError(
            {
                "commission_ratio": ValidationError(
                    _("A 推客's commission ratio is between 0%% and %(max)s%%."),
                    code="ratio_out_of_range",
                    params={"max": SHARER_MAX_PERCENT},
                )
            }
        )
    if not (agency.appid and agency.app_secret):
        raise ValidationError(
            _("Your agency's platform account is not connected yet: ShopOps support enters its AppID and AppSecret."),
            code="not_connected",
        )
    log = platform.ApiCallLog(shop=None, appid=agency.appid)
    try:
        platform.agency_client(agency, log=log).promoter_sharer_commission_set(
            sharer_appid=sharer.sharer_appid, commission_type=commission_type, commission_ratio=commission_ratio
        )
    except WeChatError as error:
        raise _refusal(error) from None
    finally:
        log.flush()
    with transaction.atomic():
        row = Sharer.objects.select_for_update().get(pk=sharer.pk, agency=agency)
        row.commission_type, row.commission_ratio, row.synced_at = commission_type, commission_ratio, timezone.now()
        row.save(update_fields=["commission_type", "commission_ratio", "synced_at"])
    return row


def _refusal(error: WeChatError) -> ValidationError:
    if isinstance(error, NetworkError | ServerError):
        return ValidationError(
            _("WeChat did not answer clearly (%(error)s), so it may or may not have changed it. Refresh to see."),
            code="platform_unclear",
            params={"error": type(error).__name__},
        )
    return ValidationError(
        _("WeChat refused: errcode %(errcode)s, %(errmsg)s. %(advice)s"),
        code="platform_refused",
        params={
            "errcode": error.errcode if error.errcode is not None else "—",
            "errmsg": error.errmsg,
            "advice": advice_for_error(type(error).__name__),
        },
    )


# --- API keys --------------------------------------------------------------------------------------------------------

MAX_USABLE_KEYS = 20


def _agency_locked(agency: Agency) -> Agency:
    """The agency row, locked: two key creations at once take turns, so the name and count checks hold."""
    return Agency.objects.select_for_update().get(pk=agency.pk)


@transaction.atomic
def api_key_create(*, agency: Agency, name: str) -> tuple[AgencyAPIKey, str]:
    """A new API key for ``/api/v1/partner/``, named so the agency knows which system holds it. Returns the row and
    the key itself: only its hash is stored, so this is the one time anyone sees it.

    Refused (errors of ``name``): ``name_required``, ``name_taken`` (a usable key has the name), ``too_many_keys``
    (``MAX_USABLE_KEYS`` usable ones already).
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": ValidationError(_("Name the key."), code="name_required")})
    _agency_locked(agency)
    usable = AgencyAPIKey.objects.filter(agency=agency, revoked=False)
    if usable.filter(name=name).exists():
        raise ValidationError(
            {"name": ValidationError(_("A key named “%(name)s” exists."), code="name_taken", params={"name": name})}
        )
    if usable.count() >= MAX_USABLE_KEYS:
        raise ValidationError(
            {
                "name": ValidationError(
                    _("Your agency has %(max)s usable keys: revoke one it no longer needs first."),
                    code="too_many_keys",
                    params={"max": MAX_USABLE_KEYS},
                )
            }
        )
    api_key = AgencyAPIKey(agency=agency, name=name)
    api_key.full_clean(exclude=["id", "prefix", "hashed_key"])
    key = AgencyAPIKey.objects.assign_key(api_key)
    api_key.save()
    return api_key, key


@transaction.atomic
def api_key_revoke(*, agency: Agency, api_key: AgencyAPIKey) -> AgencyAPIKey:
    """Revoke one of the agency's keys: requests with it are refused from now on. It stays listed, revoked; revoking
    cannot be undone. Refused (``already_revoked``) for a key revoked before."""
    row = AgencyAPIKey.objects.select_for_update().get(pk=api_key.pk, agency=agency)
    if row.revoked:
        raise ValidationError(
            _("The key “%(name)s” was already revoked."), code="already_revoked", params={"name": row.name}
        )
    row.revoked = True
    row.save(update_fields=["revoked"])
    return row

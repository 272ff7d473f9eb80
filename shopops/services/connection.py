"""Writes about a shop's link to the WeChat platform: its credentials, the connection test and the push settings.
Each service checks its business rule and raises ``ValidationError`` with a stable code when refused, changing
nothing (the outbound-call log aside: every platform call leaves its ``ApiCall`` row). Writes run atomically; the
platform is asked outside any transaction. Asking for syncs is in ``shopops.services.sync``.

Credentials have this one place: the console's connection page replaces them only after the platform accepted them
(``shop_credentials_replace``); support staff may correct the AppID in the admin (``shop_appid_correct``).

Secrets never reach the audit log: django-auditlog leaves the secret columns out (shopops.audit), so a change to
them is recorded here as an entry that names the fields and hides the values.
"""

import secrets
import string
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop
from shopops.platform import ApiCallLog, DbTokenStore, credentials_client, shop_client
from shopops.selectors.sync import advice_for_error
from shopops.wechat.errors import TransientError, WeChatError
from shopops.wechat.types import ShopInfo

PUSH_TOKEN_LENGTH = 32  # the platform accepts 3 to 32 letters or digits
AES_KEY_LENGTH = 43  # exactly 43 letters or digits: base64 of a 32-byte AES key without its "="
_ALPHANUMERIC = string.ascii_letters + string.digits
# A connection test is a person waiting: one retry of a transient failure, not the sync's four.
CONNECTION_TEST_ATTEMPTS = 2


def _audit_secrets_changed(shop: Shop, fields: list[str]) -> None:
    LogEntry.objects.log_create(
        shop,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={field: ["(hidden)", "(changed)"] for field in fields},
    )


def _shop_locked(shop: Shop) -> Shop:
    """The shop's row read again and locked until the transaction ends (call it inside one). ``shop`` was loaded
    at the start of the request, before the platform was asked: a write made from it could revert what another
    request changed meanwhile (a regenerated push Token, a paused shop). The services change this fresh copy,
    save only the columns they own, and copy them back to the caller's object (``_copy_back``)."""
    return Shop.objects.select_for_update().get(pk=shop.pk)


def _copy_back(locked: Shop, shop: Shop, fields: list[str]) -> None:
    for field in (*fields, "updated_at"):
        setattr(shop, field, getattr(locked, field))


def _forget_cached_token(appid: str) -> None:
    """Drop the shared access token of ``appid``, so that the next call fetches one with the stored AppSecret."""
    if not appid:
        return
    store = DbTokenStore()
    cached = store.get(appid)
    if cached:
        store.invalidate(appid, cached[0])


# --- credentials and the connection test -------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionTestResult:
    """What basics/info/get answered: the shop's info, or the platform's error with a hint in plain words."""

    info: ShopInfo | None = None
    errcode: int | None = None
    errmsg: str = ""
    request_id: str = ""
    error_class: str = ""
    hint: str = ""
    transient: bool = False  # the platform could not be asked (network, 5xx, busy): the answer says nothing

    @property
    def ok(self) -> bool:
        return self.info is not None


def _basics_info(client, log: ApiCallLog) -> ConnectionTestResult:
    """basics/info/get through ``client``: the connection test of whatever credentials the client holds."""
    try:
        return ConnectionTestResult(info=client.basics_info())
    except WeChatError as exc:
        name = type(exc).__name__
        return ConnectionTestResult(
            errcode=exc.errcode,
            errmsg=exc.errmsg,
            request_id=exc.request_id,
            error_class=name,
            hint=advice_for_error(name),
            transient=isinstance(exc, TransientError),
        )
    finally:
        log.flush()


def shop_connection_test(*, shop: Shop) -> ConnectionTestResult:
    """Call basics/info/get with the stored credentials and report what the platform answered.

    The cached access token is dropped first, so a wrong AppSecret shows up now (as the token call's error)
    instead of at the token's expiry. Every HTTP attempt is logged as an ``ApiCall`` of the shop. Refused
    (``not_connected``) when the AppID or AppSecret is missing.
    """
    if not shop.is_connected:
        raise ValidationError(_("Enter the AppID and AppSecret first."), code="not_connected")
    log = ApiCallLog(shop=shop, appid=shop.appid)
    _forget_cached_token(shop.appid)
    return _basics_info(shop_client(shop, log=log, max_attempts=CONNECTION_TEST_ATTEMPTS), log)


def credentials_test(*, shop: Shop, appid: str, app_secret: str) -> ConnectionTestResult:
    """The connection test of credentials that are not (yet) stored: basics/info/get with a token fetched for them
    alone, so the shared cached token is neither used nor changed. The calls are logged as the shop's."""
    log = ApiCallLog(shop=shop, appid=appid)
    client = credentials_client(appid=appid, secret=app_secret, log=log, max_attempts=CONNECTION_TEST_ATTEMPTS)
    return _basics_info(client, log)


# The platform's errcodes that point at the AppID rather than the AppSecret (invalid appid, appid missing).
_APPID_ERRCODES = frozenset({40013, 41002})


def shop_appid_check(*, shop: Shop, appid: str) -> None:
    """Refused (``appid_taken``, on ``appid``) when another shop uses the AppID."""
    if appid and Shop.objects.filter(appid=appid).exclude(pk=shop.pk).exists():
        raise ValidationError(
            {"appid": ValidationError(_("Another shop already uses this AppID."), code="appid_taken")}
        )


# What to do about credentials the platform refused, said on the connection form itself (the sync's general advice
# for a credential error sends the owner to this very page).
CREDENTIAL_ADVICE = {
    "appid": _("Check the AppID in the WeChat Shop backend (店铺管理 › 开发设置)."),
    "app_secret": _(
        "Copy the AppSecret again from the WeChat Shop backend (店铺管理 › 开发设置); if it was reset there, enter "
        "the new one."
    ),
}


def _rejected(result: ConnectionTestResult) -> ValidationError:
    """The refusal of credentials the platform did not accept: on the field its errcode points at, with what to do
    first and the errcode and the platform's message as the technical detail. ``platform_unreachable`` when it
    could not be asked."""
    field = "appid" if result.errcode in _APPID_ERRCODES else "app_secret"
    advice = CREDENTIAL_ADVICE[field] if result.error_class == "CredentialError" else result.hint
    params = {"errcode": result.errcode, "errmsg": result.errmsg, "advice": advice}
    if result.transient:
        error = ValidationError(
            _(
                "The credentials could not be checked: the platform did not answer. %(advice)s Nothing was saved. "
                "(%(errmsg)s)"
            ),
            code="platform_unreachable",
            params=params,
        )
    else:
        error = ValidationError(
            _(
                "WeChat Shop refused these credentials. %(advice)s Nothing was saved: the stored credentials are "
                "unchanged. (errcode %(errcode)s: %(errmsg)s)"
            ),
            code="credentials_rejected",
            params=params,
        )
    return ValidationError({field: error})


def shop_credentials_replace(
    *, shop: Shop, appid: str, app_secret: str, replace_working: bool = False
) -> ConnectionTestResult:
    """Test an AppID and AppSecret against the platform (basics/info/get) and store them only if it accepts them.

    Refused, changing nothing (the shop row and the cached tokens stay; the platform calls are logged):
    - ``appid_taken`` (on ``appid``) when another shop uses the AppID, before any call;
    - ``credentials_rejected`` / ``platform_unreachable`` (on ``appid`` for the platform's AppID errcodes, on
      ``app_secret`` otherwise) when the platform refuses them or cannot be asked, with its errcode and errmsg and
      what to do (params ``errcode``, ``errmsg``, ``advice``);
    - ``confirm_replace`` when the stored credentials are different and still work, unless ``replace_working``:
      replacing a working connection is the owner's explicit choice (params ``current`` and ``new``: the shop
      names the platform gave for each).

    Once stored, the cached access token of the old AppID (and of the new one) is forgotten and the change of the
    AppSecret is audited with hidden values (the AppID's change by django-auditlog). Returns the new credentials'
    test result. The platform is asked outside any transaction: no row is locked while waiting for it.
    """
    shop_appid_check(shop=shop, appid=appid)
    result = credentials_test(shop=shop, appid=appid, app_secret=app_secret)
    if not result.ok:
        raise _rejected(result)
    unchanged = (appid, app_secret) == (shop.appid, shop.app_secret)
    if not unchanged and not replace_working and shop.is_connected:
        current = credentials_test(shop=shop, appid=shop.appid, app_secret=shop.app_secret)
        if current.ok:
            raise ValidationError(
                _(
                    "The stored credentials work: they connect the shop “%(current)s”. Replace them with these, "
                    "which connect “%(new)s”?"
                ),
                code="confirm_replace",
                params={"current": current.info.nickname, "new": result.info.nickname},
            )
    if not unchanged:
        _credentials_store(shop=shop, appid=appid, app_secret=app_secret)
    return result


@transaction.atomic
def _credentials_store(*, shop: Shop, appid: str, app_secret: str | None) -> None:
    """Store the AppID and (unless None) the AppSecret on the shop's locked, freshly read row, writing those
    columns only; audit and forget the cached tokens of what changed. Compared with the row, not with ``shop``:
    nothing is written when the row already holds them. Refused (``appid_taken``) when another shop uses the
    AppID."""
    locked = _shop_locked(shop)  # also: one change of a shop's credentials at a time
    shop_appid_check(shop=locked, appid=appid)
    old_appid = locked.appid
    changed = [
        field
        for field, value in (("appid", appid), ("app_secret", app_secret))
        if value is not None and getattr(locked, field) != value
    ]
    if changed:
        locked.appid = appid
        if app_secret is not None:
            locked.app_secret = app_secret
        locked.save(update_fields=[*changed, "updated_at"])
        if "app_secret" in changed:
            _audit_secrets_changed(locked, ["app_secret"])
        _forget_cached_token(old_appid)
        _forget_cached_token(appid)
    _copy_back(locked, shop, ["appid", "app_secret"])


def shop_appid_correct(*, shop: Shop, appid: str) -> Shop:
    """Support staff's correction of a shop's AppID (the admin). Not tested against the platform: support neither
    sees nor enters the AppSecret, so the owner tests the connection afterwards. Refused (``appid_taken``) when
    another shop uses it; a change forgets the cached access tokens of the old and the new AppID, exactly as the
    owner's replacement does, and is audited by django-auditlog. Only the AppID column is written."""
    _credentials_store(shop=shop, appid=appid, app_secret=None)
    return shop


# --- push settings ---------------------------------------------------------------------------------------


def _random_alphanumeric(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


@transaction.atomic
def shop_push_settings_generate(*, shop: Shop) -> Shop:
    """Give the shop a new push Token and EncodingAESKey (stored encrypted).

    The previous pair stops working at once: pushes signed or encrypted with it are refused until the new pair is
    entered in the WeChat Shop backend. Only those two columns are written (on the locked, freshly read row).
    """
    fields = ["push_token", "encoding_aes_key"]
    locked = _shop_locked(shop)
    locked.push_token = _random_alphanumeric(PUSH_TOKEN_LENGTH)
    locked.encoding_aes_key = _random_alphanumeric(AES_KEY_LENGTH)
    locked.save(update_fields=[*fields, "updated_at"])
    _audit_secrets_changed(locked, fields)
    _copy_back(locked, shop, fields)
    return shop


@transaction.atomic
def shop_push_settings_set(*, shop: Shop, push_token: str, encoding_aes_key: str) -> Shop:
    """Store a push Token and EncodingAESKey the merchant already entered in the WeChat Shop backend (stored
    encrypted; the change is audited with hidden values). The values are not tested here: the platform proves them
    with its next push, which the connection page shows under the last push received. What changed is decided
    against the locked, freshly read row, and only those columns are written."""
    locked = _shop_locked(shop)
    changed = [
        field
        for field, value in (("push_token", push_token), ("encoding_aes_key", encoding_aes_key))
        if getattr(locked, field) != value
    ]
    if changed:
        locked.push_token, locked.encoding_aes_key = push_token, encoding_aes_key
        locked.save(update_fields=[*changed, "updated_at"])
        _audit_secrets_changed(locked, changed)
    _copy_back(locked, shop, ["push_token", "encoding_aes_key"])
    return shop

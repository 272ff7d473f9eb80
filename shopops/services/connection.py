"""Writes about a shop's link to the WeChat platform: its credentials, the connection test and the push settings.
Each service checks its business rule, raises ``ValidationError`` when refused (changing nothing), and runs
atomically. Asking for syncs is in ``shopops.services.sync``.

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
from shopops.platform import ApiCallLog, DbTokenStore, shop_client
from shopops.selectors.sync import advice_for_error
from shopops.wechat.errors import WeChatError
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


def _forget_cached_token(appid: str) -> None:
    """Drop the shared access token of ``appid``, so that the next call fetches one with the stored AppSecret."""
    if not appid:
        return
    store = DbTokenStore()
    cached = store.get(appid)
    if cached:
        store.invalidate(appid, cached[0])


# --- credentials and the connection test -------------------------------------------------------------------


@transaction.atomic
def shop_credentials_update(*, shop: Shop, appid: str, app_secret: str = "") -> Shop:
    """Set the shop's AppID and, when given, its AppSecret (blank keeps the stored one: it is never shown back).

    An AppID another shop uses is refused. A changed AppID or AppSecret drops the cached access token, so the next
    call proves the new credentials rather than riding on a token fetched with the old ones.
    """
    if appid and Shop.objects.filter(appid=appid).exclude(pk=shop.pk).exists():
        raise ValidationError({"appid": _("Another shop already uses this AppID.")})
    old_appid = shop.appid
    secret_changed = bool(app_secret) and app_secret != shop.app_secret
    shop.appid = appid
    if secret_changed:
        shop.app_secret = app_secret
    shop.full_clean()
    shop.save()
    if secret_changed:
        _audit_secrets_changed(shop, ["app_secret"])
    if secret_changed or appid != old_appid:
        _forget_cached_token(old_appid)
        _forget_cached_token(appid)
    return shop


@dataclass(frozen=True)
class ConnectionTestResult:
    """What basics/info/get answered: the shop's info, or the platform's error with a hint in plain words."""

    info: ShopInfo | None = None
    errcode: int | None = None
    errmsg: str = ""
    request_id: str = ""
    error_class: str = ""
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.info is not None


def shop_connection_test(*, shop: Shop) -> ConnectionTestResult:
    """Call basics/info/get with the stored credentials and report what the platform answered.

    The cached access token is dropped first, so a wrong AppSecret shows up now (as the token call's error)
    instead of at the token's expiry. Every HTTP attempt is logged as an ``ApiCall`` of the shop. Refused
    (``ValidationError``) when the AppID or AppSecret is missing.
    """
    if not shop.appid or not shop.app_secret:
        raise ValidationError(_("Enter the AppID and AppSecret first."))
    log = ApiCallLog(shop=shop, appid=shop.appid)
    _forget_cached_token(shop.appid)
    client = shop_client(shop, log=log, max_attempts=CONNECTION_TEST_ATTEMPTS)
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
        )
    finally:
        log.flush()


# --- push settings ---------------------------------------------------------------------------------------


def _random_alphanumeric(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


@transaction.atomic
def shop_push_settings_generate(*, shop: Shop) -> Shop:
    """Give the shop a new push Token and EncodingAESKey (stored encrypted).

    The previous pair stops working at once: pushes signed or encrypted with it are refused until the new pair is
    entered in the WeChat Shop backend.
    """
    shop.push_token = _random_alphanumeric(PUSH_TOKEN_LENGTH)
    shop.encoding_aes_key = _random_alphanumeric(AES_KEY_LENGTH)
    shop.save(update_fields=["push_token", "encoding_aes_key", "updated_at"])
    _audit_secrets_changed(shop, ["push_token", "encoding_aes_key"])
    return shop

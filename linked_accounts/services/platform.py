"""Talking to the platform about linked and cooperation accounts: one call-logged client session per action, the
platform's refusals in the merchant's words with a stable code, and the shop-wide linking state row lock.

The linked-account calls use the sandbox's SANDBOX-ONLY API (shopops.wechat.linking). When ShopOps talks to the
real platform (``settings.WECHAT_SANDBOX_ONLY_APIS`` off) they are refused before any HTTP, code
``not_available_on_platform``; a platform that answers them anyway with 40066 (invalid url) gets the same refusal.
Every HTTP attempt leaves an ``ApiCall`` row.

Refusal codes: ``not_connected``, ``not_available_on_platform``, one per platform business code (``REFUSAL_CODES``),
``platform_unclear`` (a write that got no clear answer: it may or may not have happened) and ``platform_refused``
(any other platform error; ``params["errcode"]`` says which).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linked_accounts.models import LinkingState
from shopops.models import Shop
from shopops.platform import ApiCallLog, shop_client
from shopops.selectors.sync import advice_for_error
from shopops.wechat.errors import NetworkError, ServerError, WeChatError
from shopops.wechat.linking import LinkingClient, SandboxOnlyUnavailable

# The sandbox's business codes (sandbox/linking.py), SANDBOX-ONLY like its linked-account API.
ALREADY_LINKED, INVITATION_PENDING, CREATOR_NEEDS_SAME_ADMIN = 10090001, 10090002, 10090003
INVITATION_NOT_FOUND, INVITATION_NOT_PENDING, NOT_LINKED = 10090004, 10090005, 10090006
# The cooperation API's documented refusals (shared/wechat-platform-2026.md A.1 #12).
COOP_SHARER_ID_INVALID, COOP_WRONG_STATE = 803131000, 788191005
INVALID_URL = 40066

REFUSALS = {
    ALREADY_LINKED: _(
        "WeChat Shop already lists this account as linked to the shop. Refresh the linked accounts to show it here."
    ),
    INVITATION_PENDING: _("An invitation to this account is already waiting for an answer on WeChat Shop."),
    CREATOR_NEEDS_SAME_ADMIN: _(
        "WeChat Shop refused creator sales: the Channels account's super admin is not the shop's super admin."
    ),
    INVITATION_NOT_FOUND: _("WeChat Shop does not know this invitation. Refresh the linked accounts."),
    INVITATION_NOT_PENDING: _(
        "The invitation was answered or ended meanwhile. Refresh the linked accounts to see what became of it."
    ),
    NOT_LINKED: _("WeChat Shop no longer lists this account as linked. Refresh the linked accounts."),
    COOP_SHARER_ID_INVALID: _("WeChat Shop does not know this account id. Check the AppID or original id."),
    COOP_WRONG_STATE: _(
        "WeChat Shop refused: the account's cooperation status has changed meanwhile. Refresh the list to see it."
    ),
}
# The stable code of each platform refusal above (ValidationError.code); tests and callers branch on these.
REFUSAL_CODES = {
    ALREADY_LINKED: "already_linked",
    INVITATION_PENDING: "invitation_pending",
    CREATOR_NEEDS_SAME_ADMIN: "creator_needs_same_admin",
    INVITATION_NOT_FOUND: "invitation_not_found",
    INVITATION_NOT_PENDING: "not_pending",
    NOT_LINKED: "not_linked",
    COOP_SHARER_ID_INVALID: "invalid_account_id",
    COOP_WRONG_STATE: "wrong_state",
}
NOT_AVAILABLE = _("WeChat Shop offers no API for this: do it in the WeChat Shop backend (店铺管理 › 关联账号).")


def sandbox_only_apis_enabled() -> bool:
    """Whether the sandbox's SANDBOX-ONLY linked-account API may be called: on with the emulator, off with the real
    platform (``settings.WECHAT_SANDBOX_ONLY_APIS``)."""
    return bool(settings.WECHAT_SANDBOX_ONLY_APIS)


def require_sandbox_only_apis(*, field: str | None = None) -> None:
    """Refuse (code ``not_available_on_platform``), before any HTTP, an action only the SANDBOX-ONLY API can do,
    when ShopOps talks to the real platform."""
    if not sandbox_only_apis_enabled():
        error = ValidationError(NOT_AVAILABLE, code="not_available_on_platform")
        raise ValidationError({field: error}) if field else error


def require_connection(shop: Shop) -> None:
    """Refuse (code ``not_connected``) a platform call for a shop without its AppID and AppSecret."""
    if not shop.is_connected:
        raise ValidationError(
            _("Connect the shop to WeChat Shop first: enter its AppID and AppSecret."), code="not_connected"
        )


@contextmanager
def platform_session(shop: Shop) -> Iterator[LinkingClient]:
    """A client for the shop whose calls are written to the call log when the block ends, however it ends. Its
    SANDBOX-ONLY methods refuse without HTTP when ShopOps talks to the real platform."""
    require_connection(shop)
    log = ApiCallLog(shop=shop, appid=shop.appid)
    try:
        yield shop_client(shop, log=log, client_class=LinkingClient, sandbox_only_apis=sandbox_only_apis_enabled())
    finally:
        log.flush()


def refusal(error: WeChatError, *, field: str | None = None, write: bool = False) -> ValidationError:
    """What to tell the merchant about a failed platform call, as a ValidationError with a stable code (on
    ``field`` if given)."""
    if isinstance(error, SandboxOnlyUnavailable) or error.errcode == INVALID_URL:
        refused = ValidationError(NOT_AVAILABLE, code="not_available_on_platform")
    elif error.errcode in REFUSALS:
        refused = ValidationError(
            REFUSALS[error.errcode], code=REFUSAL_CODES[error.errcode], params={"errcode": error.errcode}
        )
    elif write and isinstance(error, NetworkError | ServerError):
        refused = ValidationError(
            _("WeChat Shop did not answer clearly (%(error)s), so it may or may not have done it. Refresh to see."),
            code="platform_unclear",
            params={"error": type(error).__name__},
        )
    else:
        refused = ValidationError(
            _("WeChat Shop refused: errcode %(errcode)s, %(errmsg)s. %(advice)s"),
            code="platform_refused",
            params={
                "errcode": error.errcode if error.errcode is not None else "—",
                "errmsg": error.errmsg,
                "advice": advice_for_error(type(error).__name__),
            },
        )
    return ValidationError({field: refused}) if field else refused


def linking_state_locked(shop: Shop) -> LinkingState:
    state, _created = LinkingState.objects.select_for_update().get_or_create(shop=shop)
    return state

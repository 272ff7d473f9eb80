"""Talking to the platform about linked and cooperation accounts: one call-logged client session per action, the
platform's refusals in the merchant's words, and the shop-wide linking state row lock.

The linked-account calls use the sandbox's SANDBOX-ONLY API (shopops.wechat.linking); a real platform answers them
40066, which becomes "do it in the WeChat Shop backend". Every HTTP attempt leaves an ``ApiCall`` row.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from linked_accounts.models import LinkingState
from shopops.models import Shop
from shopops.platform import ApiCallLog, shop_client
from shopops.selectors.sync import advice_for_error
from shopops.wechat.errors import NetworkError, ServerError, WeChatError
from shopops.wechat.linking import LinkingClient

# The sandbox's business codes (sandbox/linking.py), SANDBOX-ONLY like its linked-account API.
ALREADY_LINKED, INVITATION_PENDING, CREATOR_NEEDS_SAME_ADMIN = 10090001, 10090002, 10090003
INVITATION_NOT_FOUND, INVITATION_NOT_PENDING, NOT_LINKED = 10090004, 10090005, 10090006
COOP_ALREADY_BOUND, COOP_NOT_PENDING, COOP_NOT_BOUND = 10090101, 10090102, 10090103
INVALID_URL = 40066
WECOM_NO_USER = 914911002

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
    COOP_ALREADY_BOUND: _("This account is already bound to the shop as a cooperation account."),
    COOP_NOT_PENDING: _("There is no pending invitation for this account any more. Refresh the list."),
    COOP_NOT_BOUND: _("This account is not bound to the shop any more. Refresh the list."),
}
NOT_AVAILABLE = _("WeChat Shop offers no API for this: do it in the WeChat Shop backend (店铺管理 › 关联账号).")


def _require_connection(shop: Shop) -> None:
    if not shop.appid or not shop.app_secret:
        raise ValidationError(_("Connect the shop to WeChat Shop first: enter its AppID and AppSecret."))


@contextmanager
def platform_session(shop: Shop) -> Iterator[LinkingClient]:
    """A client for the shop whose calls are written to the call log when the block ends, however it ends."""
    _require_connection(shop)
    log = ApiCallLog(shop=shop, appid=shop.appid)
    try:
        yield shop_client(shop, log=log, client_class=LinkingClient)
    finally:
        log.flush()


def refusal(error: WeChatError, *, field: str | None = None, write: bool = False) -> ValidationError:
    """What to tell the merchant about a failed platform call, as a ValidationError (on ``field`` if given)."""
    if error.errcode in REFUSALS:
        message = REFUSALS[error.errcode]
    elif error.errcode == INVALID_URL:
        message = NOT_AVAILABLE
    elif write and isinstance(error, NetworkError | ServerError):
        message = _(
            "WeChat Shop did not answer clearly (%(error)s), so it may or may not have done it. Refresh to see."
        ) % {"error": type(error).__name__}
    else:
        message = _("WeChat Shop refused: errcode %(errcode)s, %(errmsg)s. %(advice)s") % {
            "errcode": error.errcode if error.errcode is not None else "—",
            "errmsg": error.errmsg,
            "advice": advice_for_error(type(error).__name__),
        }
    return ValidationError({field: message} if field else message)


def linking_state_locked(shop: Shop) -> LinkingState:
    state, _created = LinkingState.objects.select_for_update().get_or_create(shop=shop)
    return state

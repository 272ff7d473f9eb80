"""Talking to 优选联盟 for one shop: a call-logged client session that learns whether the shop has enabled the
alliance, and the platform's refusals in the merchant's words with a stable code.

Enrolment state. The platform has no "am I enrolled" call: every merchant-side league call answers 10023007 when
优选联盟 is not enabled for the shop. So the first league call per shop learns it, and every later call keeps it
current: 10023007 → ``AffiliateSettings.league = not_enabled``; a call that the platform answered (success, or a
league business refusal 10023xxx, which it gives only to an enrolled shop) → ``enabled``. A transport failure or
token error says nothing about enrolment and leaves the state as it was. The state is the platform's fact, not an
operator's change: it is written with a plain UPDATE (no audit entry), outside any caller's transaction, so a
refused write that rolls back cannot take the learned state with it.

Refusal codes (``ValidationError.code``): ``not_connected`` (no AppID/AppSecret), ``league_not_enabled`` (10023007),
one per league business code (``REFUSAL_CODES``; the console's own pre-checks use the same codes, see
affiliates.services.plans), ``platform_unclear`` (a write that got no clear answer) and ``platform_refused`` (any
other error). Every refusal that came from the platform carries its errcode and errmsg verbatim in the message and
in ``params``.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from affiliates.models import AffiliateSettings
from shopops.models import Shop
from shopops.platform import ApiCallLog, shop_client
from shopops.selectors.sync import advice_for_error
from shopops.wechat.client import ShopClient
from shopops.wechat.errors import NetworkError, ServerError, WeChatError

LEAGUE_NOT_ENABLED = 10023007
LEAGUE_CODES = range(10023000, 10024000)  # the merchant-side league APIs' business codes

# The platform's business codes of the league item APIs (wechat-platform.md §5.1, 2026 §B.1) → our stable codes.
REFUSAL_CODES = {
    10023000: "invalid_param",
    10023001: "invalid_talent",
    10023100: "invalid_type",
    10023101: "duplicate_product",
    10023102: "over_limit",
    10023103: "unknown_product",
    10023104: "product_not_listed",
    10023105: "exclusive_conflict",
    10023106: "normal_plan_not_listed",
    LEAGUE_NOT_ENABLED: "league_not_enabled",
}
# What each means, in the platform's sense.
MEANINGS = {
    10023000: _("a parameter is invalid"),
    10023001: _("a talent is not valid for this shop (unknown, not cooperating or blacklisted)"),
    10023100: _("the plan type is invalid"),
    10023101: _("the same product appears twice"),
    10023102: _("too many products or talents in one request"),
    10023103: _("the product does not exist"),
    10023104: _("the product is not on sale in the shop"),
    10023105: _("an exclusive plan cannot exist beside an open or targeted plan for the same product"),
    10023106: _("a targeted plan needs the product's open plan to be listed"),
    LEAGUE_NOT_ENABLED: _("优选联盟 is not enabled for this shop"),
}
NOT_ENABLED_HELP = _(
    "优选联盟 is not enabled for this shop. The shop's super admin enables it in the 微信小店 backend "
    "(营销中心 › 优选联盟) after agreeing to its terms; then come back and check again."
)


def require_connection(shop: Shop) -> None:
    """Refuse (code ``not_connected``) a platform call for a shop without its AppID and AppSecret."""
    if not shop.is_connected:
        raise ValidationError(
            _("Connect the shop to WeChat Shop first: enter its AppID and AppSecret."), code="not_connected"
        )


@contextmanager
def league_session(shop: Shop, *, write: bool = False) -> Iterator[ShopClient]:
    """A client for the shop's league calls. Every HTTP attempt is written to the call log when the block ends;
    the enrolment state is learned from how the platform answered; a ``WeChatError`` raised in the block leaves it
    as a ``ValidationError`` (see ``refusal``; ``write`` says whether an unclear answer may have changed
    something). Call it outside a transaction: the state it learns must survive the caller's rollback."""
    require_connection(shop)
    log = ApiCallLog(shop=shop, appid=shop.appid)
    try:
        yield shop_client(shop, log=log)
    except WeChatError as error:
        if error.errcode == LEAGUE_NOT_ENABLED:
            league_state_record(shop=shop, enabled=False)
        elif error.errcode in LEAGUE_CODES:
            league_state_record(shop=shop, enabled=True)
        raise refusal(error, write=write) from None
    else:
        league_state_record(shop=shop, enabled=True)
    finally:
        log.flush()


def refusal(error: WeChatError, *, write: bool = False) -> ValidationError:
    """What to tell the merchant about a failed league call: our reading of its code, then the platform's own
    errcode and errmsg, verbatim."""
    params = {"errcode": error.errcode if error.errcode is not None else "—", "errmsg": error.errmsg}
    if error.errcode == LEAGUE_NOT_ENABLED:
        return ValidationError(NOT_ENABLED_HELP, code="league_not_enabled", params=params)
    if error.errcode in REFUSAL_CODES:
        return ValidationError(
            _("WeChat Shop refused: %(meaning)s (errcode %(errcode)s, %(errmsg)s)."),
            code=REFUSAL_CODES[error.errcode],
            params={**params, "meaning": MEANINGS[error.errcode]},
        )
    if write and isinstance(error, NetworkError | ServerError):
        return ValidationError(
            _("WeChat Shop did not answer clearly (%(error)s), so it may or may not have done it. Sync to see."),
            code="platform_unclear",
            params={**params, "error": type(error).__name__},
        )
    return ValidationError(
        _("WeChat Shop refused: errcode %(errcode)s, %(errmsg)s. %(advice)s"),
        code="platform_refused",
        params={**params, "advice": advice_for_error(type(error).__name__)},
    )


def league_state_record(*, shop: Shop, enabled: bool) -> None:
    """Store what a league call showed about the shop's enrolment, with the time it was seen."""
    state = AffiliateSettings.League.ENABLED if enabled else AffiliateSettings.League.NOT_ENABLED
    with transaction.atomic():
        AffiliateSettings.objects.get_or_create(shop=shop)
        AffiliateSettings.objects.filter(shop=shop).update(
            league=state, league_checked_at=timezone.now(), updated_at=timezone.now()
        )


def league_state_check(*, shop: Shop) -> str:
    """Ask the platform again whether 优选联盟 is enabled (the cheapest league read: one plan of type 普通) and
    return the state learned. Refused like any league call (``league_not_enabled`` when it is not, with the help
    text saying where to enable it)."""
    with league_session(shop) as client:
        client.league_item_list(type=1, page_size=1, need_total_num=False)
    return AffiliateSettings.League.ENABLED

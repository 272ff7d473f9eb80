"""Access tokens: issuing (cgi-bin/token, cgi-bin/stable_token) and checking them on every call.

Lifetimes use the platform's wall clock (sandbox.clock.platform_now), not a shop's simulated clock. The faults that
act on tokens (invalidate, expire) are in sandbox.faults.
"""

import secrets

from django.db import transaction

from sandbox.api.errors import ACCESS_TOKEN_EXPIRED, INVALID_CREDENTIAL, ApiError
from sandbox.models import AccessToken, Account

TOKEN_TTL = 7200
STABLE_OVERLAP = 300  # the platform issues the next stable token 5 minutes before the current one expires
FORCE_REFRESH_PER_DAY = 20
FORCE_REFRESH_INTERVAL = 30
CN_OFFSET = 8 * 3600


def account_for_token(token: str, now: int) -> Account:
    """The account a token belongs to. 41001 missing, 40001 unknown or replaced/invalidated, 42001 expired."""
    if not token:
        raise ApiError(41001)
    # The catalog (large JSON) is never needed to answer a call; [:1] avoids first()'s ORDER BY.
    rows = AccessToken.objects.select_related("account", "account__faults").defer("account__catalog")
    row = next(iter(rows.filter(token=token)[:1]), None)
    if row is None or row.invalidated_at is not None:
        raise ApiError(INVALID_CREDENTIAL)
    if row.expired_by_fault or now >= row.expires_at:
        raise ApiError(ACCESS_TOKEN_EXPIRED)
    return row.account


def check_credentials(appid: str, secret: str) -> Account:
    """40013 for an unknown appid, 40125 for a wrong secret.

    Choice: a wrong AppSecret answers 40125 "invalid appsecret" (as community reports for the token endpoints)
    rather than the older 40001 "invalid credential", so a client can tell a bad secret from a bad token.
    """
    if not appid:
        raise ApiError(41002)
    if not secret:
        raise ApiError(41004)
    account = Account.objects.filter(appid=appid).first()
    if account is None:
        raise ApiError(40013)
    if not secrets.compare_digest(account.secret, secret):
        raise ApiError(40125)
    return account


def _new_token() -> str:
    return secrets.token_urlsafe(102)  # 136 characters, like real tokens; clients must store >= 512


def _valid(account: Account, kind: str, now: int):
    return AccessToken.objects.filter(
        account=account, kind=kind, invalidated_at__isnull=True, expired_by_fault=False, expires_at__gt=now
    )


@transaction.atomic
def token_issue_basic(account: Account, now: int) -> AccessToken:
    """cgi-bin/token: a fresh token every call; the previous cgi-bin/token tokens of the appid stop working
    (40001) at once. Stable tokens are not affected (the two kinds are isolated)."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    AccessToken.objects.filter(account=account, kind=AccessToken.Kind.BASIC, invalidated_at__isnull=True).update(
        invalidated_at=now
    )
    return AccessToken.objects.create(
        account=account, token=_new_token(), kind=AccessToken.Kind.BASIC, issued_at=now, expires_at=now + TOKEN_TTL
    )


@transaction.atomic
def token_issue_stable(account: Account, now: int, *, force_refresh: bool) -> AccessToken:
    """cgi-bin/stable_token.

    Normal mode: the current token while more than 5 minutes remain; in its last 5 minutes the next token (as if
    issued at expiry − 300 s), with both valid until the old one expires — so ``expires_in`` >= 300 always.
    ``force_refresh``: invalidates the current stable tokens and issues a new one; at most 20 per natural day
    (Asia/Shanghai) → 45009, and at least 30 s after the previous forced refresh → 45011 (codes UNCONFIRMED).
    """
    Account.objects.select_for_update().filter(pk=account.pk).first()
    stable = AccessToken.Kind.STABLE
    if force_refresh:
        forced = AccessToken.objects.filter(account=account, kind=stable, by_force_refresh=True)
        last = forced.order_by("-issued_at").first()
        if last is not None and now - last.issued_at < FORCE_REFRESH_INTERVAL:
            raise ApiError(45011, "force_refresh is allowed once every 30 seconds")
        day_start = (now + CN_OFFSET) // 86400 * 86400 - CN_OFFSET
        if forced.filter(issued_at__gte=day_start).count() >= FORCE_REFRESH_PER_DAY:
            raise ApiError(45009, "force_refresh is limited to 20 times a day")
        _valid(account, stable, now).update(invalidated_at=now)
        return AccessToken.objects.create(
            account=account,
            token=_new_token(),
            kind=stable,
            issued_at=now,
            expires_at=now + TOKEN_TTL,
            by_force_refresh=True,
        )
    current = _valid(account, stable, now).order_by("-expires_at").first()
    if current is not None and now < current.expires_at - STABLE_OVERLAP:
        return current
    issued = current.expires_at - STABLE_OVERLAP if current is not None else now
    return AccessToken.objects.create(
        account=account, token=_new_token(), kind=stable, issued_at=issued, expires_at=issued + TOKEN_TTL
    )

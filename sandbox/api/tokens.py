"""cgi-bin/token and cgi-bin/stable_token (for shops and agencies alike: tokens are per appid)."""

from sandbox.api import auth
from sandbox.api.errors import ApiError
from sandbox.api.registry import NO_TOKEN, Call, endpoint


def _answer(token, now: int) -> dict:
    return {"access_token": token.token, "expires_in": token.expires_at - now}


@endpoint("/cgi-bin/token", method="GET", audience=NO_TOKEN)
def token(call: Call) -> dict:
    """Query ``grant_type=client_credential&appid=…&secret=…``. Each call issues a new token and the previous
    cgi-bin/token token stops working (UNCONFIRMED for shops; standard for WeChat accounts)."""
    if call.query.get("grant_type") != "client_credential":
        raise ApiError(40002)
    account = auth.check_credentials(call.query.get("appid", ""), call.query.get("secret", ""))
    return _answer(auth.token_issue_basic(account, call.now), call.now)


@endpoint("/cgi-bin/stable_token", audience=NO_TOKEN)
def stable_token(call: Call) -> dict:
    body = call.body
    if body.get("grant_type") != "client_credential":
        raise ApiError(40002)
    appid, secret = body.get("appid") or "", body.get("secret") or ""
    if not isinstance(appid, str) or not isinstance(secret, str):
        raise ApiError(40097, "appid and secret must be strings")
    force = body.get("force_refresh", False)
    if not isinstance(force, bool):
        raise ApiError(40097, "force_refresh must be a boolean")
    account = auth.check_credentials(appid, secret)
    return _answer(auth.token_issue_stable(account, call.now, force_refresh=force), call.now)

"""Errors raised by the WeChat Shop API client.

Every failed platform call ends in exactly one ``WeChatError`` subclass, chosen from the platform's ``errcode`` by the
single table ``ERRCODE_CLASSES`` (or by the transport when there is no errcode: network failure, HTTP 5xx, a body that
is not JSON). Callers branch on the class, never on errmsg text. Turning an error into words for a person is the
console's job, not the client's.
"""

import math
import re
from collections.abc import Mapping

# Real errmsg values end in a request id: "api unauthorized rid: 672cb740-21e9056a-4358cd94".
_RID_IN_ERRMSG = re.compile(r"rid:\s*([0-9A-Za-z][0-9A-Za-z-]*)")
# The platform documents no request-id header; these are the names gateways and the sandbox plausibly use.
REQUEST_ID_HEADERS = ("Request-Id", "X-Request-Id")


def request_id_from(errmsg: str, headers: Mapping[str, str] | None = None) -> str:
    """The platform's request id: the ``rid: …`` suffix of errmsg, else a request-id header, else ""."""
    match = _RID_IN_ERRMSG.search(errmsg or "")
    if match:
        return match.group(1)
    for name in REQUEST_ID_HEADERS:
        value = (headers or {}).get(name)
        if value:
            return str(value)
    return ""


def _restore(cls: type["WeChatError"], state: dict) -> "WeChatError":
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error._summary())
    return error


class WeChatError(Exception):
    """A platform call failed. Plain ``WeChatError`` means a nonzero errcode the table does not classify.

    ``errcode`` is None when the platform gave none (network failure, non-JSON body). ``request_id`` is the id to
    quote to WeChat support, "" when unknown. Carries no token, secret or body.
    """

    def __init__(
        self,
        *,
        errcode: int | None = None,
        errmsg: str = "",
        request_id: str | None = None,
        http_status: int | None = None,
        endpoint: str = "",
    ) -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.request_id = request_id_from(errmsg) if request_id is None else request_id
        self.http_status = http_status
        self.endpoint = endpoint
        super().__init__(self._summary())

    def _summary(self) -> str:
        return f"{self.endpoint} errcode={self.errcode} http={self.http_status}: {self.errmsg}"

    def __reduce__(self):
        # The keyword-only constructor defeats Exception's default pickling (cls(*args)); task queues pickle errors.
        return _restore, (type(self), dict(self.__dict__))


class TransientError(WeChatError):
    """The call may succeed if repeated unchanged. Reads retry these with backoff; writes never do."""


class BusyError(TransientError):
    """errcode -1, "system error": the platform is busy."""


class ServerError(TransientError):
    """HTTP 5xx, or an answer that is not a usable JSON object (non-JSON body, missing required block)."""


class NetworkError(TransientError):
    """No answer: connection refused or reset, connect or read timeout. ``http_status`` and ``errcode`` are None."""


class TokenInvalidError(WeChatError):
    """The access_token was rejected (40001, 40014, 42001). The client renews it and retries once, then raises."""


class RateLimitedError(WeChatError):
    """45011, the per-minute quota. ``retry_at`` (unix s) is the start of the next minute; the client never sleeps."""

    def __init__(self, *, retry_at: float = 0.0, **kwargs) -> None:
        self.retry_at = retry_at
        super().__init__(**kwargs)


class QuotaExhaustedError(WeChatError):
    """45009, the daily quota of this API is used up; nothing succeeds until the quota resets or is cleared."""


class ApiPermissionError(WeChatError):
    """The shop or app may not call this API (48001, 48004, 50001, 50002, feature not enabled)."""


class IpNotWhitelistedError(WeChatError):
    """45035 / 61004: this server's IP is not on the shop's API whitelist."""


class CredentialError(WeChatError):
    """The appid or secret is wrong: the token endpoint refused them. Retrying cannot help."""


class InvalidArgumentError(WeChatError):
    """The platform refused the request's shape or values (40097, 47001, business "param error" codes …)."""


class NotFoundError(WeChatError):
    """The object asked for does not exist (order, commission order, coupon, league product, …)."""


class WrongStateError(WeChatError):
    """The platform refused an action its object's current status does not allow (788191005 "业务流程异常，请参考
    业务状态机": inviting a bound cooperation account, cancelling one no longer pending, …). Our copy is stale."""


# The one table from errcode to class. Codes not listed here raise plain WeChatError.
_CLASS_CODES: dict[type[WeChatError], tuple[int, ...]] = {
    BusyError: (-1,),
    TokenInvalidError: (40001, 40014, 42001),
    RateLimitedError: (45011,),
    QuotaExhaustedError: (45009,),
    ApiPermissionError: (
        48001,
        48004,
        50001,
        50002,
        10023007,  # 优选联盟 not enabled for the shop
        914911003,  # 企业微信 has not authorised the shop
    ),
    IpNotWhitelistedError: (45035, 61004),
    CredentialError: (40013, 40125, 41002, 40002),
    InvalidArgumentError: (
        40003,  # invalid openid
        40066,  # invalid url
        40097,  # invalid args
        41018,  # missing component_appid
        43002,  # require POST
        44002,  # empty post data
        45002,  # content size out of limit
        47001,  # data format error
        6060456,  # illegal characters (order search)
        10021036,  # coupon page jumped too far from the previous one
        10023000,  # league: param error
        10023001,  # league: invalid finder_id
        10023100,  # league: bad type
        10023101,  # league: duplicate product_id
        10023102,  # league: too many items
        10024000,  # headsupplier: param error
        10024003,  # headsupplier: invalid appid
        10071048,  # promoter: param error
        803131000,  # cooperation: invalid sharer_id
        914910001,  # wecom: illegal parameter
    ),
    NotFoundError: (
        100002,  # order not found
        10021037,  # coupon not found
        10023103,  # league: product not found
        10024004,  # headsupplier: no such item
        10024006,  # commission order not found
        914911002,  # wecom: user_id not found
    ),
    WrongStateError: (788191005,),  # cooperation: 业务流程异常
}
ERRCODE_CLASSES: dict[int, type[WeChatError]] = {code: cls for cls, codes in _CLASS_CODES.items() for code in codes}


def next_minute(now: float) -> float:
    """The first second of the minute after ``now`` (unix s): when a 45011 minute quota opens again."""
    return float(math.floor(now / 60) * 60 + 60)


def error_for_errcode(
    *,
    errcode: int,
    errmsg: str,
    endpoint: str,
    http_status: int | None,
    now: float,
    headers: Mapping[str, str] | None = None,
    token_endpoint: bool = False,
) -> WeChatError:
    """Build the error for a nonzero ``errcode`` from ``ERRCODE_CLASSES``.

    At the token endpoint a "token invalid" code can only mean the AppSecret is wrong (the official table reads 40001
    as "bad AppSecret or invalid token"), so it becomes ``CredentialError``: renewing the token would loop.
    """
    cls = ERRCODE_CLASSES.get(errcode, WeChatError)
    if token_endpoint and cls is TokenInvalidError:
        cls = CredentialError
    fields = {
        "errcode": errcode,
        "errmsg": errmsg,
        "request_id": request_id_from(errmsg, headers),
        "http_status": http_status,
        "endpoint": endpoint,
    }
    if cls is RateLimitedError:
        return RateLimitedError(retry_at=next_minute(now), **fields)
    return cls(**fields)

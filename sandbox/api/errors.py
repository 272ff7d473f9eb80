"""Platform error codes and the exception handlers raise. errmsg texts are the official ones where known."""

import secrets

from sandbox.clock import platform_now

ERRMSG = {
    -1: "system error",
    40001: (
        "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, "
        "more details at https://mmbizurl.cn/s/JtxxFh33r"
    ),
    40002: "invalid grant_type",
    40013: "invalid appid",
    40066: "invalid url",
    40097: "invalid args",
    40125: "invalid appsecret",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    42001: "access_token expired",
    43002: "require POST method",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit must slower retry next minute",
    47001: "data format error",
    48001: "api unauthorized",
    100002: "order not exist",
    10024000: "param error",
    10024003: "不合法的appid",
    10024004: "不存在该商品",
    10024006: "commission order not exist",
}

INVALID_CREDENTIAL, ACCESS_TOKEN_EXPIRED = 40001, 42001
INVALID_ARGS, HEADSUPPLIER_PARAM_ERROR = 40097, 10024000
HEADSUPPLIER_INVALID_APPID, HEADSUPPLIER_NO_SUCH_ITEM = 10024003, 10024004


class ApiError(Exception):
    """An answer with ``errcode`` != 0. ``detail`` is appended to the official errmsg."""

    def __init__(self, errcode: int, detail: str = "", *, errmsg: str | None = None):
        super().__init__(errcode, detail)
        self.errcode = errcode
        self.detail = detail
        self.errmsg = errmsg or ERRMSG.get(errcode, "error")

    def body(self, rid: str) -> dict:
        text = f"{self.errmsg}: {self.detail}" if self.detail else self.errmsg
        return {"errcode": self.errcode, "errmsg": f"{text} rid: {rid}"}


def new_rid() -> str:
    """A request id shaped like the platform's ("672cb740-21e9056a-4358cd94": hex time, then random)."""
    return f"{int(platform_now()):08x}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"

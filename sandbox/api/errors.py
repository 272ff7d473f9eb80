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
    40003: "invalid openid",
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
    # Coupons (official get_list / get_user_coupon_list pages).
    10021001: "优惠券状态不对",
    10021036: "页码与上次请求相差过大",
    10021037: "优惠券不存在",
    # 优选联盟, merchant side (official batchadd page; 10023007's text UNCONFIRMED).
    10023000: "参数错误",
    10023001: "不合法的finder_id",
    10023007: "优选联盟未开通",
    10023100: "type类型错误",
    10023101: "不允许相同product_id",
    10023102: "操作数量超过限制",
    10023103: "不存在该商品",
    10023104: "该小店商品未上架",
    10023105: "普通/定向计划与专属计划互斥",
    10023106: "普通计划非上架状态该定向计划无法上架",
    # SANDBOX-ONLY alliance invitations (sandbox/api/alliance.py): the sandbox's own codes.
    10091001: "no such shop or agency",
    10091002: "already invited or cooperating",
    10091003: "no pending invitation",
    10091004: "not cooperating",
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

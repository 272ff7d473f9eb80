"""企业微信: the shop-side ids of a linked WeCom corp and of its members (shared/wechat-platform.md §8).

The corp must be a linked account of the shop (sale_channel 0, account_type 4, not unlinked); a member must be in
the corp's ``members`` (the 微信小店 app's visibility range). ``extra.authorized`` False plays a corp that has not
authorised the shop (914911003).
"""

from sandbox.api import params
from sandbox.api.errors import ApiError
from sandbox.api.registry import Call, endpoint
from sandbox.linking import SALE_CHANNEL_LINKED, WECOM, digest
from sandbox.models import LinkedAccount

ILLEGAL, NOT_LINKED, NO_USER, NOT_AUTHORISED = 914910001, 914911001, 914911002, 914911003
ERRMSG = {
    ILLEGAL: "参数非法",
    NOT_LINKED: "未绑定企业为关联账号",
    NO_USER: "查询不到user_id",
    NOT_AUTHORISED: "企业微信未授权微信小店",
}


def _error(code: int, detail: str = "") -> ApiError:
    return ApiError(code, detail, errmsg=ERRMSG[code])


@endpoint("/channels/ec/wecom/get_wecom_id", param_error=ILLEGAL)
def get_wecom_id(call: Call) -> dict:
    corp_id = params.string(call, "corp_id", required=True)
    user_id = params.string(call, "user_id")
    corp = LinkedAccount.objects.filter(
        shop=call.account, sale_channel=SALE_CHANNEL_LINKED, account_type=WECOM, account_id=corp_id
    ).first()
    if corp is None or not corp.extra.get("linked", True):
        raise _error(NOT_LINKED)
    if not corp.extra.get("authorized", True):
        raise _error(NOT_AUTHORISED)
    wecom_user_id = ""
    if user_id:
        member = next((m for m in corp.extra.get("members", []) if m.get("user_id") == user_id), None)
        if member is None:
            raise _error(NO_USER)
        wecom_user_id = member["wecom_user_id"]
    wecom_corp_id = corp.extra.get("wecom_corp_id") or "wc" + digest("wecom", corp_id)[:30]
    return {"data": {"wecom_corp_id": wecom_corp_id, "wecom_user_id": wecom_user_id}}

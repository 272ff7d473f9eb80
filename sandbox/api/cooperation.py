"""合作账号 (a 公众号 or 小程序 connected as a sales channel): list, invitation QR code, cancel, unbind.

shared/wechat-platform.md §8. The request and response fields of qrcode/generate, cancel and unbind come from SKIT
(UNCONFIRMED officially); so does the unbind path, served at both the SKIT path (/invitation/unbind) and WxJava's
(/unbind), since Appendix B leaves the choice open. Refusals use the official codes: 803131000 "sharer_id 非法" (a
malformed or unknown sharer_id) and 788191005 "业务流程异常，请参考业务状态机" (the account's status does not allow
it). The decisions of the invited side are taken in the admin or with ``manage.py sandbox_invitation``
(sandbox/linking.py).
"""

from sandbox import linking, qrimage
from sandbox.api import params
from sandbox.api.errors import ApiError
from sandbox.api.registry import Call, endpoint


def _sharer_type(call: Call) -> int:
    value = params.integer(call, "sharer_type", required=True)
    if value not in (linking.MP, linking.MINIPROGRAM):
        raise call.invalid("sharer_type must be 2 (公众号) or 3 (小程序)")
    return value


def refused(error: linking.LinkingError) -> ApiError:
    return ApiError(error.errcode, error.detail, errmsg=linking.ERRMSG[error.errcode])


@endpoint("/channels/ec/cooperation/list")
def cooperation_list(call: Call) -> dict:
    """Every cooperation account of that kind, the most recently changed first ("按更新时间倒序"); times in ms."""
    return {"data_list": linking.cooperation_list(shop=call.account, sharer_type=_sharer_type(call))}


@endpoint("/channels/ec/cooperation/invitation/qrcode/generate")
def qrcode_generate(call: Call) -> dict:
    """A QR code the 公众号/小程序 ``sharer_id`` (its AppId) scans to accept; the account shows as 4 邀请接受中."""
    sharer_type = _sharer_type(call)
    appid = params.string(call, "sharer_id", required=True)
    try:
        invitation = linking.cooperation_invite(shop=call.account, sharer_type=sharer_type, appid=appid)
    except linking.InvalidArgument as error:
        raise call.invalid(str(error)) from None
    except linking.LinkingError as error:
        raise refused(error) from None
    text = f"https://store.weixin.qq.com/cooperation/invite?shop={call.account.appid}&sharer={appid}&t={invitation.pk}"
    return {"data": {"qrcode_base64": qrimage.png_base64(text)}}


@endpoint("/channels/ec/cooperation/invitation/cancel")
def invitation_cancel(call: Call) -> dict:
    """Withdraw the pending invitation of ``sharer_id``: 7 邀请店铺取消."""
    sharer_type = _sharer_type(call)
    sharer_id = params.string(call, "sharer_id", required=True)
    try:
        linking.cooperation_cancel(shop=call.account, sharer_type=sharer_type, sharer_id=sharer_id)
    except linking.LinkingError as error:
        raise refused(error) from None
    return {}


def _unbind(call: Call) -> dict:
    sharer_type = _sharer_type(call)
    sharer_id = params.string(call, "sharer_id", required=True)
    try:
        linking.cooperation_unbind(shop=call.account, sharer_type=sharer_type, sharer_id=sharer_id)
    except linking.LinkingError as error:
        raise refused(error) from None
    return {}


endpoint("/channels/ec/cooperation/invitation/unbind")(_unbind)
endpoint("/channels/ec/cooperation/unbind")(_unbind)

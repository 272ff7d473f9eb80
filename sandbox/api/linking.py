"""SANDBOX-ONLY / UNCONFIRMED: the shop's linked accounts (关联账号), as the WeChat Shop backend manages them.

The platform documents no shop API for linked accounts (shared/wechat-platform.md §8), so these paths are the
sandbox's own, under ``/sandbox-only/linked_account/``: a real platform answers them 40066 (invalid url). They are
called like every platform API (POST JSON, the shop's access_token in the query) and answer in the platform's style
(``errcode``/``errmsg``, business errors 10090001–10090006 listed in sandbox/linking.py). What they emulate is the
backend's 店铺管理-关联账号 page: look an account up, invite it, see the invitation's fate, list the linked accounts,
unlink one, change a 视频号's selling identity (1 店铺自营, 2 达人带货).

account_type numbers are the order attribution's (source_infos): 1 视频号, 2 公众号, 4 企业微信, 6 服务号.
"""

from sandbox import linking
from sandbox.api import params
from sandbox.api.cooperation import refused
from sandbox.api.registry import Call, endpoint

PREFIX = "/sandbox-only/linked_account"


def _account(call: Call) -> tuple[int, str]:
    return params.integer(call, "account_type", required=True), params.string(call, "account_id", required=True)


def _run(call: Call, action, **kwargs):
    try:
        return action(shop=call.account, **kwargs)
    except linking.InvalidArgument as error:
        raise call.invalid(str(error)) from None
    except linking.LinkingError as error:
        raise refused(error) from None


@endpoint(f"{PREFIX}/profile/get")
def profile_get(call: Call) -> dict:
    """{account_type, account_id} → profile{nickname, original_id, super_admin_id (视频号), shop_super_admin_id}."""
    account_type, account_id = _account(call)
    return {"profile": _run(call, linking.profile, account_type=account_type, account_id=account_id)}


@endpoint(f"{PREFIX}/list")
def linked_list(call: Call) -> dict:
    """{} → shop_super_admin_id, account_list[{account_type, account_id, nickname, original_id, link_time,
    selling_identity, super_admin_id, bind_finder_id, bind_finder_nickname, bind_time}] (linked accounts only)."""
    linking.expire_overdue(call.account)
    return {
        "shop_super_admin_id": linking.shop_super_admin(call.account),
        "account_list": [linking.linked_view(row) for row in linking.linked_rows(call.account)],
    }


@endpoint(f"{PREFIX}/invitation/create")
def invitation_create(call: Call) -> dict:
    """{account_type, account_id, selling_identity (视频号: 1 or 2)} → invitation{invitation_id, status, …}."""
    account_type, account_id = _account(call)
    identity = params.integer(call, "selling_identity", default=0)
    invitation = _run(
        call,
        linking.invitation_create,
        account_type=account_type,
        account_id=account_id,
        selling_identity=identity,
    )
    return {"invitation": linking.invitation_view(invitation)}


@endpoint(f"{PREFIX}/invitation/get")
def invitation_get(call: Call) -> dict:
    """{invitation_id} → invitation{…, status: pending | accepted | rejected | expired | cancelled, decide_time}."""
    invitation_id = params.string(call, "invitation_id", required=True)
    return {"invitation": linking.invitation_view(_run(call, linking.invitation_get, invitation_id=invitation_id))}


@endpoint(f"{PREFIX}/invitation/cancel")
def invitation_cancel(call: Call) -> dict:
    invitation_id = params.string(call, "invitation_id", required=True)
    return {"invitation": linking.invitation_view(_run(call, linking.invitation_cancel, invitation_id=invitation_id))}


@endpoint(f"{PREFIX}/unlink")
def unlink(call: Call) -> dict:
    account_type, account_id = _account(call)
    _run(call, linking.account_unlink, account_type=account_type, account_id=account_id)
    return {}


@endpoint(f"{PREFIX}/selling_identity/set")
def selling_identity_set(call: Call) -> dict:
    account_id = params.string(call, "account_id", required=True)
    identity = params.integer(call, "selling_identity", required=True)
    _run(call, linking.selling_identity_set, account_id=account_id, selling_identity=identity)
    return {}

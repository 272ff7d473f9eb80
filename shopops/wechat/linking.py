"""SANDBOX-ONLY / UNCONFIRMED: the shop's linked accounts (关联账号) over the sandbox's own API.

The platform documents no shop API for linked accounts (shared/wechat-platform.md §8: "no list API for the shop
itself found"); merchants link accounts in the WeChat Shop backend (店铺管理-关联账号-去关联). The sandbox stands in
for that backend with the paths below (sandbox/api/linking.py). They follow the platform's conventions (POST JSON,
``access_token`` in the query, ``errcode``/``errmsg``), so the client treats them like any platform API; the real
platform answers them 40066 (invalid url), which callers turn into "do it in the WeChat Shop backend". A client
built with ``sandbox_only_apis=False`` (ShopOps pointed at the real platform) refuses them itself, before any HTTP,
with ``SandboxOnlyUnavailable``.

account_type numbers are the order attribution's: 1 视频号, 2 公众号, 4 企业微信, 6 服务号; selling_identity is
1 店铺自营 or 2 达人带货 (视频号 only).
"""

from shopops.wechat.client import ShopClient, _check_id, _required_block, _without_none
from shopops.wechat.errors import WeChatError
from shopops.wechat.types import as_dict, as_list

PREFIX = "/sandbox-only/linked_account"
LINKABLE_TYPES = (1, 2, 4, 6)
SELLING_IDENTITIES = (1, 2)


def _check_account_type(value: int) -> int:
    if value not in LINKABLE_TYPES:
        raise ValueError("account_type must be 1 (视频号), 2 (公众号), 4 (企业微信) or 6 (服务号)")
    return value


class SandboxOnlyUnavailable(WeChatError):
    """A SANDBOX-ONLY call the client refused without sending it: the real platform has no such API."""


class LinkingClient(ShopClient):
    """``ShopClient`` plus the sandbox's linked-account API. Reads are retried like every read; writes never.

    With ``sandbox_only_apis=False`` every method below raises ``SandboxOnlyUnavailable`` before any HTTP (not even
    an access token is fetched for it); the inherited platform APIs work as usual.
    """

    def __init__(self, *args, sandbox_only_apis: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.sandbox_only_apis = sandbox_only_apis

    def _sandbox_only(self, path: str) -> str:
        if not self.sandbox_only_apis:
            raise SandboxOnlyUnavailable(errmsg="SANDBOX-ONLY API: not called on the real platform", endpoint=path)
        return path

    def linked_account_profile(self, *, account_type: int, account_id: str) -> dict:
        """An account as the invite form shows it: ``nickname``, ``original_id``, ``super_admin_id`` (视频号), and
        ``shop_super_admin_id``."""
        path = self._sandbox_only(f"{PREFIX}/profile/get")
        body = {"account_type": _check_account_type(account_type), "account_id": _check_id("account_id", account_id)}
        return _required_block(self._read(path, body), "profile", path)

    def linked_account_list(self) -> dict:
        """``{"shop_super_admin_id": str, "account_list": [linked account, …]}`` (linked accounts only)."""
        payload = self._read(self._sandbox_only(f"{PREFIX}/list"), {})
        return {
            "shop_super_admin_id": str(payload.get("shop_super_admin_id") or ""),
            "account_list": [as_dict(entry) for entry in as_list(payload.get("account_list"))],
        }

    def linked_invitation_create(self, *, account_type: int, account_id: str, selling_identity: int = 0) -> dict:
        """Invite an account; returns the invitation (``invitation_id``, ``status`` "pending", times)."""
        path = self._sandbox_only(f"{PREFIX}/invitation/create")
        if account_type == 1 and selling_identity not in SELLING_IDENTITIES:
            raise ValueError("a 视频号 is invited with selling_identity 1 (店铺自营) or 2 (达人带货)")
        body = _without_none(
            {
                "account_type": _check_account_type(account_type),
                "account_id": _check_id("account_id", account_id),
                "selling_identity": selling_identity if account_type == 1 else None,
            }
        )
        return _required_block(self._write(path, body), "invitation", path)

    def linked_invitation_get(self, invitation_id: str) -> dict:
        """The invitation now: ``status`` pending, accepted, rejected, expired or cancelled, ``decide_time``."""
        path = self._sandbox_only(f"{PREFIX}/invitation/get")
        return _required_block(
            self._read(path, {"invitation_id": _check_id("invitation_id", invitation_id)}), "invitation", path
        )

    def linked_invitation_cancel(self, invitation_id: str) -> dict:
        path = self._sandbox_only(f"{PREFIX}/invitation/cancel")
        body = {"invitation_id": _check_id("invitation_id", invitation_id)}
        return _required_block(self._write(path, body), "invitation", path)

    def linked_account_unlink(self, *, account_type: int, account_id: str) -> None:
        path = self._sandbox_only(f"{PREFIX}/unlink")
        body = {"account_type": _check_account_type(account_type), "account_id": _check_id("account_id", account_id)}
        self._write(path, body)

    def linked_selling_identity_set(self, *, account_id: str, selling_identity: int) -> None:
        path = self._sandbox_only(f"{PREFIX}/selling_identity/set")
        if selling_identity not in SELLING_IDENTITIES:
            raise ValueError("selling_identity must be 1 (店铺自营) or 2 (达人带货)")
        body = {"account_id": _check_id("account_id", account_id), "selling_identity": selling_identity}
        self._write(path, body)

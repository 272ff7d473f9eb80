"""SANDBOX-ONLY / UNCONFIRMED: a shop and an agency (带货机构) agreeing to cooperate in the 优选联盟, over the sandbox's
own API.

The platform has no API for it: the merchant invites an agency in the 微信小店 backend (优选联盟 → 机构合作) and the
agency answers in the 联盟带货机构管理平台; the agency then sees the shop in headsupplier shop/list/get. The sandbox
stands in for both pages with the paths below (sandbox/api/alliance.py), in the platform's conventions (POST JSON,
``access_token`` in the query, ``errcode``/``errmsg``; its own codes 10091001 no such shop or agency, 10091002
already invited or cooperating, 10091003 no pending invitation, 10091004 not cooperating). The real platform answers
them 40066 (invalid url). A client built with ``sandbox_only_apis=False`` refuses them before any HTTP with
``SandboxOnlyUnavailable``, like shopops.wechat.linking.

Cooperation status: 1 邀请中, 2 已接受, 3 已拒绝, 4 取消邀请, 5 取消合作.
"""

from shopops.wechat.client import AgencyClient, ShopClient, _check_id, _required_block
from shopops.wechat.linking import SandboxOnlyUnavailable
from shopops.wechat.types import AllianceCooperation, as_dict, as_id, as_int, as_list, as_str

PREFIX = "/sandbox-only/league/headsupplier"
REASON_MAX = 200


def _cooperation(block: dict) -> AllianceCooperation:
    return AllianceCooperation(
        shop_appid=as_id(block.get("shop_appid")),
        headsupplier_appid=as_id(block.get("headsupplier_appid")),
        nickname=as_str(block.get("nickname")),
        status=as_int(block.get("status")),
        update_time=as_int(block.get("update_time")),
        reason=as_str(block.get("reason")),
    )


class _SandboxOnly:
    """The switch both sides share: with ``sandbox_only_apis=False`` every SANDBOX-ONLY path is refused before any
    HTTP (not even an access token is fetched); the inherited platform APIs work as usual."""

    def __init__(self, *args, sandbox_only_apis: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.sandbox_only_apis = sandbox_only_apis

    def _sandbox_only(self, path: str) -> str:
        if not self.sandbox_only_apis:
            raise SandboxOnlyUnavailable(errmsg="SANDBOX-ONLY API: not called on the real platform", endpoint=path)
        return path

    def _alliance_write(self, name: str, body: dict) -> AllianceCooperation:
        path = self._sandbox_only(f"{PREFIX}/{name}")
        return _cooperation(_required_block(self._write(path, body), "cooperation", path))


class AllianceClient(_SandboxOnly, ShopClient):
    """``ShopClient`` plus the shop's side of agency cooperations. All but ``alliance_list`` are writes (never
    retried)."""

    def alliance_invite(self, *, headsupplier_appid: str) -> AllianceCooperation:
        """Invite an agency: status 1 until it answers; again after a refusal, a cancel or an end."""
        return self._alliance_write(
            "invite", {"headsupplier_appid": _check_id("headsupplier_appid", headsupplier_appid)}
        )

    def alliance_cancel(self, *, headsupplier_appid: str) -> AllianceCooperation:
        """Withdraw a pending invitation (status 4)."""
        return self._alliance_write(
            "cancel", {"headsupplier_appid": _check_id("headsupplier_appid", headsupplier_appid)}
        )

    def alliance_end(self, *, headsupplier_appid: str) -> AllianceCooperation:
        """End a cooperation (status 5)."""
        return self._alliance_write("end", {"headsupplier_appid": _check_id("headsupplier_appid", headsupplier_appid)})

    def alliance_list(self) -> list[AllianceCooperation]:
        """Every agency cooperation of the shop, by agency appid."""
        payload = self._read(self._sandbox_only(f"{PREFIX}/list"), {})
        return [_cooperation(as_dict(entry)) for entry in as_list(payload.get("cooperation_list"))]


class AllianceAgencyClient(_SandboxOnly, AgencyClient):
    """``AgencyClient`` plus the agency's answer to a shop's invitation."""

    def alliance_decide(self, *, appid: str, accept: bool, reason: str = "") -> AllianceCooperation:
        """Accept (2) or decline (3) the pending invitation of shop ``appid``; ``reason`` (≤ 200 characters) is kept
        with a refusal. ValueError for a non-boolean ``accept`` or a longer reason. Write: never retried."""
        if not isinstance(accept, bool):
            raise ValueError("accept must be True or False")
        if len(reason) > REASON_MAX:
            raise ValueError(f"reason must be at most {REASON_MAX} characters")
        body = {"appid": _check_id("appid", appid), "accept": accept, "reason": reason}
        return self._alliance_write("shop/decide", body)

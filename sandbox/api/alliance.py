"""SANDBOX-ONLY / UNCONFIRMED: a shop and an agency (带货机构) agreeing to cooperate in the 优选联盟.

The platform has no API for it: the merchant invites an agency in the 微信小店 backend (优选联盟 → 机构合作) and the
agency answers in the 联盟带货机构管理平台. The sandbox stands in for both pages with the paths below, under
``/sandbox-only/league/headsupplier/`` (a real platform answers them 40066), called like every platform API (POST
JSON, access_token in the query). The agency sees the result in headsupplier shop/list/get (status 1 邀请中,
2 已接受, 3 已拒绝, 4 取消邀请, 5 取消合作). Times follow the shop's clock.

Shop token:
- ``…/invite`` {headsupplier_appid} → 1 and an Invitation (kind headsupplier_cooperation) the agency answers here,
  in the admin or with ``manage.py sandbox_invitation``; again after 3/4/5. 10091001 no such agency, 10091002
  already invited or cooperating.
- ``…/cancel`` {headsupplier_appid}: 1 → 4 (10091003 when nothing is pending).
- ``…/end`` {headsupplier_appid}: 2 → 5 (10091004 when not cooperating). Agency plans stay as they are.
- ``…/list`` {} → cooperation_list[{headsupplier_appid, nickname, status, update_time, reason}] (reason: the
  agency's, when it declined).
Agency token:
- ``…/shop/decide`` {appid (the shop), accept: bool, reason (≤ 200 characters)} → 2 or 3. 10091001 no such shop,
  10091003 nothing pending.
Each answers ``cooperation{shop_appid, headsupplier_appid, status, update_time, reason}``.
"""

from django.db import transaction

from sandbox import services
from sandbox.api import params
from sandbox.api.errors import ApiError
from sandbox.api.registry import AGENCY, Call, endpoint
from sandbox.invitations import KIND_HEADSUPPLIER
from sandbox.models import Account, Cooperation, Invitation

PREFIX = "/sandbox-only/league/headsupplier"
NO_SUCH_ACCOUNT, ALREADY, NOT_PENDING, NOT_COOPERATING = 10091001, 10091002, 10091003, 10091004
INVITED, ACCEPTED, CANCELLED, ENDED = 1, 2, 4, 5
REASON_MAX = 200


def _latest_invitation(cooperation: Cooperation) -> Invitation | None:
    return (
        Invitation.objects.filter(kind=KIND_HEADSUPPLIER, account=cooperation.shop, counterpart=cooperation.agency)
        .order_by("-pk")
        .first()
    )


def _view(cooperation: Cooperation) -> dict:
    invitation = _latest_invitation(cooperation)
    return {
        "shop_appid": cooperation.shop.appid,
        "headsupplier_appid": cooperation.agency.appid,
        "nickname": cooperation.agency.name,
        "status": cooperation.status,
        "update_time": cooperation.update_time,
        "reason": (invitation.payload.get("reason", "") if invitation else ""),
    }


def _clock(shop: Account, call: Call) -> int:
    return shop.clock if shop.clock is not None else call.now


def _agency(call: Call) -> Account:
    appid = params.string(call, "headsupplier_appid", required=True)
    agency = Account.objects.filter(appid=appid, kind=Account.Kind.AGENCY).first()
    if agency is None:
        raise ApiError(NO_SUCH_ACCOUNT, appid)
    return agency


def _cooperation(shop: Account, agency: Account) -> Cooperation | None:
    return (
        Cooperation.objects.select_for_update()
        .filter(shop=shop, agency=agency)
        .select_related("shop", "agency")
        .first()
    )


@endpoint(f"{PREFIX}/invite")
def invite(call: Call) -> dict:
    agency, now = _agency(call), _clock(call.account, call)
    with transaction.atomic():
        cooperation = _cooperation(call.account, agency)
        if cooperation is not None and cooperation.status in (INVITED, ACCEPTED):
            raise ApiError(ALREADY, f"status {cooperation.status}")
        if cooperation is None:
            cooperation = Cooperation(shop=call.account, agency=agency)
        cooperation.status, cooperation.update_time = INVITED, now
        cooperation.save()
        Invitation.objects.create(
            kind=KIND_HEADSUPPLIER,
            account=call.account,
            counterpart=agency,
            reference=agency.appid,
            create_time=now,
            payload={"shop_appid": call.account.appid, "agency_appid": agency.appid},
        )
    return {"cooperation": _view(cooperation)}


@endpoint(f"{PREFIX}/cancel")
def cancel(call: Call) -> dict:
    agency, now = _agency(call), _clock(call.account, call)
    with transaction.atomic():
        cooperation = _cooperation(call.account, agency)
        if cooperation is None or cooperation.status != INVITED:
            raise ApiError(NOT_PENDING)
        cooperation.status, cooperation.update_time = CANCELLED, now
        cooperation.save(update_fields=["status", "update_time"])
        Invitation.objects.filter(
            kind=KIND_HEADSUPPLIER, account=call.account, counterpart=agency, status=Invitation.Status.PENDING
        ).update(status=Invitation.Status.CANCELLED, decided_time=now)
    return {"cooperation": _view(cooperation)}


@endpoint(f"{PREFIX}/end")
def end(call: Call) -> dict:
    agency, now = _agency(call), _clock(call.account, call)
    with transaction.atomic():
        cooperation = _cooperation(call.account, agency)
        if cooperation is None or cooperation.status != ACCEPTED:
            raise ApiError(NOT_COOPERATING)
        cooperation.status, cooperation.update_time = ENDED, now
        cooperation.save(update_fields=["status", "update_time"])
    return {"cooperation": _view(cooperation)}


@endpoint(f"{PREFIX}/list")
def cooperation_list(call: Call) -> dict:
    rows = Cooperation.objects.filter(shop=call.account).select_related("shop", "agency").order_by("agency__appid")
    return {"cooperation_list": [_view(c) for c in rows]}


@endpoint(f"{PREFIX}/shop/decide", audience=AGENCY)
def decide(call: Call) -> dict:
    appid = params.string(call, "appid", required=True)
    accept = call.body.get("accept")
    if not isinstance(accept, bool):
        raise call.invalid("accept must be true or false")
    reason = params.string(call, "reason")
    if len(reason) > REASON_MAX:
        raise call.invalid(f"reason must be at most {REASON_MAX} characters")
    shop = Account.objects.filter(appid=appid, kind=Account.Kind.SHOP).first()
    if shop is None:
        raise ApiError(NO_SUCH_ACCOUNT, appid)
    with transaction.atomic():
        cooperation = _cooperation(shop, call.account)
        invitation = (
            Invitation.objects.filter(
                kind=KIND_HEADSUPPLIER, account=shop, counterpart=call.account, status=Invitation.Status.PENDING
            )
            .order_by("-pk")
            .first()
        )
        if cooperation is None or cooperation.status != INVITED or invitation is None:
            raise ApiError(NOT_PENDING)
        invitation.payload = {**invitation.payload, "reason": reason}
        invitation.save(update_fields=["payload"])
        services.invitation_decide(invitation=invitation, accept=accept)
        cooperation.refresh_from_db()
    return {"cooperation": _view(cooperation)}

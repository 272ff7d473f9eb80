"""Linked accounts (关联账号) and cooperation accounts (合作账号) on the platform's side.

Cooperation accounts follow shared/wechat-platform.md §8: ``cooperation/list`` by ``sharer_type`` (2 公众号, 3 小程序)
with statuses 1 已绑定, 2 已解绑, 3 邀请已拒绝, 4 邀请接受中, 5 邀请接受超时, 6 邀请接受失败, 7 邀请店铺取消 and
millisecond times; ``sharer_id`` is the 公众号's original id (gh_…) or the 小程序's AppId.

Linked accounts have no documented shop API (§8: "no list API for the shop itself found", UNCONFIRMED). The
sandbox offers its own, SANDBOX-ONLY, under ``/sandbox-only/linked_account/…`` (sandbox/api/linking.py), standing
in for what a merchant does in the WeChat Shop backend (店铺管理-关联账号-去关联): invite an account, see whether the
invitation was answered, list the linked accounts, unlink one, change a 视频号's selling identity.

State (nothing new in the schema):

- ``LinkedAccount`` rows with sale_channel 0 are the shop's linked accounts; ``extra`` holds ``linked`` (False once
  unlinked, missing means True), ``link_time``/``unlink_time`` (Unix s), for a 视频号 ``selling_identity``
  (1 店铺自营, 2 达人带货) and ``super_admin_id`` (its 超管, an opaque id), for a 公众号/服务号 the 视频号 it is bound
  to (``bind_finder_id``, ``bind_finder_nickname``, ``bind_time``), for a 企业微信 ``wecom_corp_id``, ``members``
  and ``authorized``.
- ``LinkedAccount`` rows with sale_channel 1 are cooperation accounts; ``extra`` holds ``status`` (1–7) and the
  ``invite_time``/``bind_time``/``unbind_time``/``reject_time``/``cancel_time`` (milliseconds, 0 = never).
- ``Invitation`` rows of kind ``linked_account`` (``reference`` = the invitation id the API hands out) and
  ``cooperation_account`` (``reference`` = the invited AppId). The other side decides them through the admin or
  ``manage.py sandbox_invitation``; an invitation left unanswered for ``INVITATION_TTL`` expires.

Times are the shop's simulated clock (``Account.clock``), like every generated date.
"""

import hashlib
import re

from django.db import transaction

from sandbox.clock import platform_now
from sandbox.models import Account, Invitation, LinkedAccount

DAY = 86400
# UNCONFIRMED: how long the other side has to answer. The backend shows invitations as "邀请中" for days.
INVITATION_TTL = 7 * DAY

SALE_CHANNEL_LINKED, SALE_CHANNEL_COOPERATION = 0, 1
CHANNELS, MP, MINIPROGRAM, WECOM, SERVICE = 1, 2, 3, 4, 6
LINKABLE_TYPES = (CHANNELS, MP, WECOM, SERVICE)
SELF_OPERATED, CREATOR = 1, 2

COOP_BOUND, COOP_UNBOUND, COOP_REJECTED, COOP_PENDING, COOP_TIMED_OUT, COOP_FAILED, COOP_CANCELLED = range(1, 8)

KIND_LINKED = "linked_account"
KIND_COOPERATION = "cooperation_account"

APPID = re.compile(r"^wx[0-9A-Za-z]{16}$")
# UNCONFIRMED id shapes, matching the generated data: 视频号 ids "sph…", 企业微信 corp ids "ww" + 16.
ID_PATTERNS = {
    CHANNELS: re.compile(r"^sph[0-9A-Za-z]{6,30}$"),
    MP: APPID,
    SERVICE: APPID,
    WECOM: re.compile(r"^ww[0-9A-Za-z]{16}$"),
}
TYPE_NAMES = {CHANNELS: "视频号", MP: "公众号", MINIPROGRAM: "小程序", WECOM: "企业", SERVICE: "服务号"}

# SANDBOX-ONLY business errors (the platform documents none for these flows).
ALREADY_LINKED = 10090001
INVITATION_PENDING = 10090002
CREATOR_NEEDS_SAME_ADMIN = 10090003
INVITATION_NOT_FOUND = 10090004
INVITATION_NOT_PENDING = 10090005
NOT_LINKED = 10090006
# The cooperation API's documented errors (shared/wechat-platform-2026.md A.1 #12): an unknown or malformed sharer_id,
# and an action the account's status does not allow (inviting a bound account, cancelling or unbinding the wrong one).
SHARER_ID_INVALID = 803131000
COOP_WRONG_STATUS = 788191005
ERRMSG = {
    ALREADY_LINKED: "account already linked to the shop",
    INVITATION_PENDING: "an invitation to this account is already pending",
    CREATOR_NEEDS_SAME_ADMIN: "creator selling identity needs the same super admin as the shop",
    INVITATION_NOT_FOUND: "invitation not exist",
    INVITATION_NOT_PENDING: "invitation is not pending",
    NOT_LINKED: "account is not linked to the shop",
    SHARER_ID_INVALID: "sharer_id 非法",
    COOP_WRONG_STATUS: "业务流程异常，请参考业务状态机",
}


class LinkingError(ValueError):
    """A refused request, with the business errcode the API answers."""

    def __init__(self, errcode: int, detail: str = ""):
        super().__init__(f"{ERRMSG.get(errcode, 'error')}{': ' + detail if detail else ''}")
        self.errcode = errcode
        self.detail = detail


class InvalidArgument(ValueError):
    """The request's shape is wrong (the API answers 40097)."""


def shop_now(shop: Account) -> int:
    return shop.clock or int(platform_now())


def digest(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


def _linked(row: LinkedAccount) -> bool:
    return row.extra.get("linked", True)


# --- who is who ------------------------------------------------------------------------------------------------


def shop_super_admin(shop: Account) -> str:
    """The shop's super admin (超级管理员): generated with the catalog, derived from the appid before that."""
    return (shop.catalog or {}).get("super_admin_id") or "adm_" + digest("admin", shop.appid)[:16]


def _known(shop: Account, account_id: str) -> dict:
    """What the platform knows of an account anywhere: a row of this shop, another shop's, or a talent."""
    row = (
        LinkedAccount.objects.filter(shop=shop, account_id=account_id).order_by("pk").first()
        or LinkedAccount.objects.filter(account_id=account_id).order_by("pk").first()
    )
    if row is not None:
        return {"nickname": row.nickname, "original_id": row.original_id, **row.extra}
    for talent in (shop.catalog or {}).get("talents", []):
        if talent.get("finder_id") == account_id:
            return {"nickname": talent["nickname"]}
    return {}


def profile(*, shop: Account, account_type: int, account_id: str) -> dict:
    """The account as the invite form shows it: nickname, original id, and a 视频号's super admin.

    Unknown but well-formed ids are answered with a derived nickname: any real account can be invited.
    """
    _check_account(account_type, account_id)
    known = _known(shop, account_id)
    nickname = known.get("nickname") or f"{TYPE_NAMES[account_type]}{account_id[-4:]}"
    original_id = known.get("original_id") or ""
    if account_type in (MP, SERVICE) and not original_id:
        original_id = "gh_" + digest("gh", account_id)[:12]
    admin = ""
    if account_type == CHANNELS:
        admin = known.get("super_admin_id") or "adm_" + digest("admin", account_id)[:16]
    return {
        "account_type": account_type,
        "account_id": account_id,
        "nickname": nickname,
        "original_id": original_id,
        "super_admin_id": admin,
        "shop_super_admin_id": shop_super_admin(shop),
    }


def _check_account(account_type: int, account_id: str) -> None:
    if account_type not in LINKABLE_TYPES:
        raise InvalidArgument("account_type must be 1 (视频号), 2 (公众号), 4 (企业微信) or 6 (服务号)")
    if not ID_PATTERNS[account_type].match(account_id or ""):
        raise InvalidArgument(f"account_id is not a valid id for account_type {account_type}")


# --- linked accounts -----------------------------------------------------------------------------------------------


def linked_rows(shop: Account):
    return [
        row
        for row in LinkedAccount.objects.filter(shop=shop, sale_channel=SALE_CHANNEL_LINKED).order_by("pk")
        if _linked(row)
    ]


def linked_view(row: LinkedAccount) -> dict:
    extra = row.extra
    view = {
        "account_type": row.account_type,
        "account_id": row.account_id,
        "nickname": row.nickname,
        "original_id": row.original_id,
        "link_time": extra.get("link_time", 0),
        "selling_identity": 0,
        "super_admin_id": "",
        "bind_finder_id": "",
        "bind_finder_nickname": "",
        "bind_time": 0,
    }
    if row.account_type == CHANNELS:
        view["selling_identity"] = extra.get("selling_identity", SELF_OPERATED)
        view["super_admin_id"] = extra.get("super_admin_id") or "adm_" + digest("admin", row.account_id)[:16]
    if row.account_type in (MP, SERVICE) and extra.get("bind_finder_id"):
        view.update(
            bind_finder_id=extra["bind_finder_id"],
            bind_finder_nickname=extra.get("bind_finder_nickname", ""),
            bind_time=extra.get("bind_time", 0),
        )
    return view


def _linked_row(shop: Account, account_type: int, account_id: str) -> LinkedAccount | None:
    row = LinkedAccount.objects.filter(
        shop=shop, sale_channel=SALE_CHANNEL_LINKED, account_type=account_type, account_id=account_id
    ).first()
    return row if row is not None and _linked(row) else None


def invitation_view(invitation: Invitation) -> dict:
    p = invitation.payload
    return {
        "invitation_id": invitation.reference,
        "account_type": p["account_type"],
        "account_id": p["account_id"],
        "nickname": p["nickname"],
        "selling_identity": p.get("selling_identity", 0),
        "status": invitation.status,
        "create_time": invitation.create_time,
        "expire_time": invitation.create_time + INVITATION_TTL,
        "decide_time": invitation.decided_time or 0,
    }


@transaction.atomic
def invitation_create(*, shop: Account, account_type: int, account_id: str, selling_identity: int) -> Invitation:
    """Invite an account to link with the shop. Refused when it is linked already, when an invitation to it is
    pending, and for a 达人带货 视频号 whose super admin is not the shop's."""
    expire_overdue(shop)
    found = profile(shop=shop, account_type=account_type, account_id=account_id)
    if account_type == CHANNELS and selling_identity not in (SELF_OPERATED, CREATOR):
        raise InvalidArgument("selling_identity must be 1 (店铺自营) or 2 (达人带货) for a 视频号")
    if _linked_row(shop, account_type, account_id) is not None:
        raise LinkingError(ALREADY_LINKED)
    if _pending(shop, KIND_LINKED).filter(payload__account_id=account_id).exists():
        raise LinkingError(INVITATION_PENDING)
    if account_type == CHANNELS and selling_identity == CREATOR and found["super_admin_id"] != shop_super_admin(shop):
        raise LinkingError(CREATOR_NEEDS_SAME_ADMIN)
    invitation = Invitation.objects.create(
        kind=KIND_LINKED,
        account=shop,
        create_time=shop_now(shop),
        payload={
            "account_type": account_type,
            "account_id": account_id,
            "nickname": found["nickname"],
            "original_id": found["original_id"],
            "super_admin_id": found["super_admin_id"],
            "selling_identity": selling_identity if account_type == CHANNELS else 0,
        },
    )
    invitation.reference = str(7_000_000_000_000_000 + invitation.pk)
    invitation.save(update_fields=["reference"])
    return invitation


def invitation_get(*, shop: Account, invitation_id: str) -> Invitation:
    expire_overdue(shop)
    invitation = Invitation.objects.filter(account=shop, kind=KIND_LINKED, reference=invitation_id).first()
    if invitation is None:
        raise LinkingError(INVITATION_NOT_FOUND)
    return invitation


def invitation_cancel(*, shop: Account, invitation_id: str) -> Invitation:
    invitation = invitation_get(shop=shop, invitation_id=invitation_id)
    if invitation.status != Invitation.Status.PENDING:
        raise LinkingError(INVITATION_NOT_PENDING, f"it is {invitation.status}")
    return invitation_end(invitation=invitation, status=Invitation.Status.CANCELLED)


@transaction.atomic
def account_unlink(*, shop: Account, account_type: int, account_id: str) -> LinkedAccount:
    _check_account(account_type, account_id)
    row = _linked_row(shop, account_type, account_id)
    if row is None:
        raise LinkingError(NOT_LINKED)
    row.extra = {**row.extra, "linked": False, "unlink_time": shop_now(shop)}
    row.save(update_fields=["extra"])
    return row


@transaction.atomic
def selling_identity_set(*, shop: Account, account_id: str, selling_identity: int) -> LinkedAccount:
    """店铺自营 ↔ 达人带货 for a linked 视频号; 达人带货 only when its super admin is the shop's."""
    if selling_identity not in (SELF_OPERATED, CREATOR):
        raise InvalidArgument("selling_identity must be 1 (店铺自营) or 2 (达人带货)")
    row = _linked_row(shop, CHANNELS, account_id)
    if row is None:
        raise LinkingError(NOT_LINKED)
    if selling_identity == CREATOR and linked_view(row)["super_admin_id"] != shop_super_admin(shop):
        raise LinkingError(CREATOR_NEEDS_SAME_ADMIN)
    row.extra = {**row.extra, "selling_identity": selling_identity}
    row.save(update_fields=["extra"])
    return row


def linked_invitation_decided(invitation: Invitation, accept: bool) -> None:
    """The invited account answered: accepting links it (again, if it was unlinked before)."""
    if invitation.decided_time >= invitation.create_time + INVITATION_TTL:
        raise ValueError("this invitation expired before it was answered")
    if not accept:
        return
    p = invitation.payload
    row, _ = LinkedAccount.objects.get_or_create(
        shop=invitation.account,
        sale_channel=SALE_CHANNEL_LINKED,
        account_id=p["account_id"],
        defaults={"account_type": p["account_type"], "nickname": p["nickname"], "original_id": p["original_id"]},
    )
    extra = {**row.extra, "linked": True, "link_time": invitation.decided_time}
    extra.pop("unlink_time", None)
    if p["account_type"] == CHANNELS:
        extra.update(selling_identity=p["selling_identity"], super_admin_id=p["super_admin_id"])
    if p["account_type"] == WECOM:
        extra.setdefault("wecom_corp_id", "wc" + digest("wecom", p["account_id"])[:30])
        extra.setdefault("members", [])
    row.account_type, row.nickname, row.original_id, row.extra = (
        p["account_type"],
        p["nickname"],
        p["original_id"],
        extra,
    )
    row.save()


# --- cooperation accounts ------------------------------------------------------------------------------------------


def _coop_rows(shop: Account, sharer_type: int):
    return LinkedAccount.objects.filter(shop=shop, sale_channel=SALE_CHANNEL_COOPERATION, account_type=sharer_type)


def sharer_id_of(row: LinkedAccount) -> str:
    """The 公众号's original id (gh_…), the 小程序's AppId."""
    return row.original_id if row.account_type == MP and row.original_id else row.account_id


def cooperation_view(row: LinkedAccount) -> dict:
    extra = row.extra
    return {
        "sharer_id": sharer_id_of(row),
        "sharer_name": row.nickname,
        "sharer_type": row.account_type,
        "status": extra.get("status", COOP_BOUND),
        "bind_time": extra.get("bind_time", 0),
        "unbind_time": extra.get("unbind_time", 0),
        "reject_time": extra.get("reject_time", 0),
        "cancel_time": extra.get("cancel_time", 0),
    }


def _coop_updated(row: LinkedAccount) -> int:
    """When the account last changed (ms): the latest of its recorded times."""
    return max(row.extra.get(name, 0) for name in ("update_time", "invite_time", *_COOP_TIMES))


def cooperation_list(*, shop: Account, sharer_type: int) -> list[dict]:
    """Newest change first ("按更新时间倒序"); ties newest row first."""
    expire_overdue(shop)
    rows = sorted(_coop_rows(shop, sharer_type), key=lambda row: (_coop_updated(row), row.pk), reverse=True)
    return [cooperation_view(row) for row in rows]


def _coop_row(shop: Account, sharer_type: int, sharer_id: str) -> LinkedAccount | None:
    rows = _coop_rows(shop, sharer_type)
    if sharer_type == MP:
        return rows.filter(original_id=sharer_id).first() or rows.filter(account_id=sharer_id).first()
    return rows.filter(account_id=sharer_id).first()


@transaction.atomic
def cooperation_invite(*, shop: Account, sharer_type: int, appid: str) -> Invitation:
    """A new invitation for the 公众号/小程序 ``appid`` (status 4), or the pending one again; refused when bound."""
    if sharer_type not in (MP, MINIPROGRAM):
        raise InvalidArgument("sharer_type must be 2 (公众号) or 3 (小程序)")
    if not APPID.match(appid or ""):
        raise LinkingError(SHARER_ID_INVALID, "the AppId of the 公众号 or 小程序 (UNCONFIRMED: required here)")
    expire_overdue(shop)
    row = _coop_rows(shop, sharer_type).filter(account_id=appid).first()
    pending = _pending(shop, KIND_COOPERATION).filter(reference=appid).first()
    if row is not None and row.extra.get("status", COOP_BOUND) == COOP_BOUND:
        raise LinkingError(COOP_WRONG_STATUS, "already bound")
    if row is not None and pending is not None:
        return pending
    now = shop_now(shop)
    if row is None:
        known = _known(shop, appid)
        original_id = known.get("original_id") or ("gh_" + digest("gh", appid)[:12] if sharer_type == MP else "")
        row = LinkedAccount(
            shop=shop,
            sale_channel=SALE_CHANNEL_COOPERATION,
            account_type=sharer_type,
            account_id=appid,
            nickname=known.get("nickname") or f"合作{TYPE_NAMES[sharer_type]}{appid[-4:]}",
            original_id=original_id,
        )
    row.extra = {
        "status": COOP_PENDING,
        "invite_time": now * 1000,
        "bind_time": 0,
        "unbind_time": 0,
        "reject_time": 0,
        "cancel_time": 0,
    }
    row.save()
    return Invitation.objects.create(
        kind=KIND_COOPERATION,
        account=shop,
        reference=appid,
        create_time=now,
        payload={"sharer_type": sharer_type, "appid": appid, "sharer_id": sharer_id_of(row)},
    )


def cooperation_cancel(*, shop: Account, sharer_type: int, sharer_id: str) -> Invitation:
    expire_overdue(shop)
    row = _coop_row(shop, sharer_type, sharer_id)
    if row is None:
        raise LinkingError(SHARER_ID_INVALID)
    pending = _pending(shop, KIND_COOPERATION).filter(reference=row.account_id).first()
    if pending is None:
        raise LinkingError(COOP_WRONG_STATUS, "no pending invitation")
    return invitation_end(invitation=pending, status=Invitation.Status.CANCELLED)


@transaction.atomic
def cooperation_unbind(*, shop: Account, sharer_type: int, sharer_id: str) -> LinkedAccount:
    row = _coop_row(shop, sharer_type, sharer_id)
    if row is None:
        raise LinkingError(SHARER_ID_INVALID)
    if row.extra.get("status", COOP_BOUND) != COOP_BOUND:
        raise LinkingError(COOP_WRONG_STATUS, "not bound")
    row.extra = {**row.extra, "status": COOP_UNBOUND, "unbind_time": shop_now(shop) * 1000}
    row.save(update_fields=["extra"])
    return row


_COOP_TIMES = ("bind_time", "unbind_time", "reject_time", "cancel_time")
_COOP_END = {
    Invitation.Status.ACCEPTED: (COOP_BOUND, "bind_time"),
    Invitation.Status.REJECTED: (COOP_REJECTED, "reject_time"),
    Invitation.Status.EXPIRED: (COOP_TIMED_OUT, ""),
    Invitation.Status.FAILED: (COOP_FAILED, ""),
    Invitation.Status.CANCELLED: (COOP_CANCELLED, "cancel_time"),
}


def _cooperation_ended(invitation: Invitation) -> None:
    """The cooperation account's status follows its invitation's end."""
    row = _coop_rows(invitation.account, invitation.payload["sharer_type"]).filter(account_id=invitation.reference)
    row = row.first()
    if row is None:
        return
    status, time_field = _COOP_END[invitation.status]
    row.extra = {**row.extra, "status": status, "update_time": invitation.decided_time * 1000}
    if time_field:
        row.extra[time_field] = invitation.decided_time * 1000
    row.save(update_fields=["extra"])


def cooperation_invitation_decided(invitation: Invitation, accept: bool) -> None:
    if invitation.decided_time >= invitation.create_time + INVITATION_TTL:
        raise ValueError("this invitation expired before it was answered")
    _cooperation_ended(invitation)


# --- invitations that end without an answer ------------------------------------------------------------------------


def _pending(shop: Account, kind: str):
    return Invitation.objects.filter(account=shop, kind=kind, status=Invitation.Status.PENDING)


@transaction.atomic
def invitation_end(*, invitation: Invitation, status: str, at: int | None = None) -> Invitation:
    """End a pending invitation without an answer: cancelled by the shop, expired, or failed on the platform.

    Raises ValueError when it is no longer pending (nothing changes).
    """
    if status not in (Invitation.Status.CANCELLED, Invitation.Status.EXPIRED, Invitation.Status.FAILED):
        raise ValueError(f"an invitation cannot end as {status}")
    if status == Invitation.Status.FAILED and invitation.kind != KIND_COOPERATION:
        raise ValueError("only cooperation invitations fail (status 6 邀请接受失败)")
    invitation = Invitation.objects.select_for_update().select_related("account").get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValueError("this invitation has already been decided")
    invitation.status = status
    invitation.decided_time = at if at is not None else shop_now(invitation.account)
    invitation.save(update_fields=["status", "decided_time"])
    if invitation.kind == KIND_COOPERATION:
        _cooperation_ended(invitation)
    return invitation


def expire_overdue(shop: Account) -> int:
    """Mark this shop's linked and cooperation invitations unanswered for INVITATION_TTL as expired."""
    deadline = shop_now(shop) - INVITATION_TTL
    overdue = (
        _pending(shop, KIND_LINKED).filter(create_time__lte=deadline)
        | _pending(shop, KIND_COOPERATION).filter(create_time__lte=deadline)
    ).order_by("pk")
    count = 0
    for invitation in overdue:
        invitation_end(
            invitation=invitation, status=Invitation.Status.EXPIRED, at=invitation.create_time + INVITATION_TTL
        )
        count += 1
    return count


def pending_for(*, shop: Account, account_id: str) -> list[Invitation]:
    """The shop's pending linked or cooperation invitations to ``account_id`` (an id, or a cooperation AppId)."""
    expire_overdue(shop)
    linked = _pending(shop, KIND_LINKED).filter(payload__account_id=account_id)
    cooperation = _pending(shop, KIND_COOPERATION).filter(reference=account_id)
    return list((linked | cooperation).order_by("pk"))

"""Writes about the shop's linked accounts (关联账号: 视频号, 公众号, 服务号, 企业微信) and its WeCom staff.

Each service checks its business rule and raises ``ValidationError`` when refused, changing nothing; a rule the
console can decide from what it already knows (selling identity, display accounts) is decided without calling the
platform. A write the platform must make goes to the platform first; the local rows follow in one transaction,
with a ``LinkedAccountEvent`` for every change of a linked account. django-auditlog records every row change with
the acting user (the request's, set by its middleware).

The other side's decisions (accept, reject, let expire, unlink, bind) are learnt by polling
(``linked_accounts_refresh``). The linked-account calls use the sandbox's SANDBOX-ONLY API
(shopops.wechat.linking). With the real platform (``settings.WECHAT_SANDBOX_ONLY_APIS`` off) every action that
needs it is refused before any HTTP (code ``not_available_on_platform``): the operator links accounts in the WeChat
Shop backend and records them here (``linked_account_record``), and orders naming them verify them. Every HTTP
attempt leaves an ``ApiCall`` row. Cooperation accounts are in ``linked_accounts.services.cooperation``.

Every refusal is a ``ValidationError`` with a stable ``code`` (on a field where the form has one); events store an
action code and parameters, never text (``LinkedAccountEvent.describe`` makes the text when it is shown).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linked_accounts.models import (
    DISPLAY_KINDS,
    KIND_OF_ACCOUNT_TYPE,
    AccountKind,
    LinkedAccount,
    LinkedAccountEvent,
    LinkingState,
    WecomStaff,
)
from linked_accounts.services.platform import (
    CREATOR_NEEDS_SAME_ADMIN,
    NOT_LINKED,
    linking_state_locked,
    platform_session,
    refusal,
    require_connection,
    require_sandbox_only_apis,
    sandbox_only_apis_enabled,
)
from shopops.channels import CONTENT_WECOM_MEMBER_FORWARD
from shopops.models import OrderLine, Shop
from shopops.wechat.errors import NotFoundError, WeChatError
from shopops.wechat.types import as_id, as_int, as_str, platform_time

Status = LinkedAccount.Status
Identity = LinkedAccount.SellingIdentity
Action = LinkedAccountEvent.Action

# selling_identity numbers of the sandbox's linked-account API (SANDBOX-ONLY): 1 店铺自营, 2 达人带货.
IDENTITY_NUMBERS = {Identity.SELF_OPERATED: 1, Identity.CREATOR: 2}
IDENTITY_OF_NUMBER = {number: identity for identity, number in IDENTITY_NUMBERS.items()}
# The invitation statuses invitation/get reports, and what they make of a pending row.
INVITATION_ENDINGS = {
    "accepted": (Status.ACCEPTED, Action.ACCEPTED),
    "rejected": (Status.REJECTED, Action.REJECTED),
    "expired": (Status.EXPIRED, Action.EXPIRED),
    "cancelled": (Status.CANCELLED, Action.CANCELLED),
}
# At most this many WeCom members are resolved (wecom/get_wecom_id) per refresh; the rest wait for the next one.
WECOM_MEMBERS_PER_REFRESH = 200


def _now() -> datetime:
    return timezone.now()


def _event(
    account: LinkedAccount,
    action: str,
    *,
    actor=None,
    from_status: str = "",
    to_status: str = "",
    params: dict | None = None,
    by_platform: bool = False,
    at: datetime | None = None,
) -> LinkedAccountEvent:
    return LinkedAccountEvent.objects.create(
        shop_id=account.shop_id,
        linked_account=account,
        action=action,
        from_status=from_status,
        to_status=to_status,
        params=params or {},
        actor=actor,
        by_platform=by_platform,
        occurred_at=at or _now(),
    )


def _set_status(account: LinkedAccount, status: str, action: str, **event) -> None:
    """Move the (locked) row to ``status`` and record it; a display account stops being one when unlinked."""
    previous = account.status
    account.status = status
    at = event.get("at") or _now()
    if status == Status.ACCEPTED:
        account.linked_at, account.ended_at = at, None
    elif status != Status.PENDING:
        account.ended_at = at
    was_display = account.is_display and status != Status.ACCEPTED
    if was_display:
        account.is_display = False
    account.save()
    _event(account, action, from_status=previous, to_status=status, **event)
    if was_display:
        _event(account, Action.DISPLAY_OFF, params={"reason": "unlinked"}, **event)


def _lock(account: LinkedAccount) -> LinkedAccount:
    return LinkedAccount.objects.select_for_update().get(pk=account.pk)


# --- the rules ------------------------------------------------------------------------------------------------------


def check_creator_allowed(*, account_name: str, account_admin: str, shop_admin: str) -> None:
    """达人带货 only when the 视频号's super admin is the same WeChat user as the shop's (seed 001).

    Refused on ``selling_identity``: ``creator_admin_unknown`` when either is unknown, ``creator_needs_same_admin``
    when they differ (``params`` name both).
    """
    if not account_admin or not shop_admin:
        raise ValidationError(
            {
                "selling_identity": ValidationError(
                    _(
                        "Creator sales need the Channels account's super admin to be the shop's super admin, and "
                        "ShopOps does not know both yet. Refresh the linked accounts, then try again."
                    ),
                    code="creator_admin_unknown",
                )
            }
        )
    if account_admin != shop_admin:
        raise ValidationError(
            {
                "selling_identity": ValidationError(
                    _(
                        "“%(name)s” can sell as a creator only if its super admin is the same WeChat user as the "
                        "shop's super admin. WeChat Shop reports %(account_admin)s for the Channels account and "
                        "%(shop_admin)s for the shop. Keep “Shop's own products”, or make the shop's super admin the "
                        "Channels account's super admin first."
                    ),
                    code="creator_needs_same_admin",
                    params={"name": account_name, "account_admin": account_admin, "shop_admin": shop_admin},
                )
            }
        )


# --- linked accounts ------------------------------------------------------------------------------------------------


def linked_account_invite(
    *, shop: Shop, kind: str, account_id: str, selling_identity: str = "", actor=None
) -> LinkedAccount:
    """Invite a 视频号, 公众号, 服务号 or 企业微信 to link with the shop; the row waits as ``pending``.

    Refused when an invitation to the account is pending or it is linked already, when a 视频号 has no selling
    identity, and for 达人带货 when the 视频号's super admin is not the shop's (the platform reports both). An
    account whose earlier invitation ended, or which was unlinked, may be invited again: its row is reused.

    Codes: ``not_available_on_platform`` (real platform, before anything else), ``invitation_pending`` and
    ``already_linked`` (on ``account_id``), ``selling_identity_required``, ``creator_admin_unknown``,
    ``creator_needs_same_admin`` (on ``selling_identity``), ``not_connected``, and the platform's refusals.
    """
    require_sandbox_only_apis()
    account_id = account_id.strip()
    _refuse_duplicate(shop=shop, kind=kind, account_id=account_id)
    selling_identity = _checked_identity(kind, selling_identity)
    account_type = LinkedAccount(kind=kind).account_type
    with platform_session(shop) as client:
        try:
            profile = client.linked_account_profile(account_type=account_type, account_id=account_id)
        except WeChatError as error:
            raise refusal(error, field="account_id") from None
        nickname = as_str(profile.get("nickname")) or account_id
        if selling_identity == Identity.CREATOR:
            check_creator_allowed(
                account_name=nickname,
                account_admin=as_str(profile.get("super_admin_id")),
                shop_admin=as_str(profile.get("shop_super_admin_id")),
            )
        try:
            invitation = client.linked_invitation_create(
                account_type=account_type,
                account_id=account_id,
                selling_identity=IDENTITY_NUMBERS.get(selling_identity, 0),
            )
        except WeChatError as error:
            field = "selling_identity" if error.errcode == CREATOR_NEEDS_SAME_ADMIN else "account_id"
            raise refusal(error, field=field, write=True) from None
    with transaction.atomic():
        state = linking_state_locked(shop)
        shop_admin = as_str(profile.get("shop_super_admin_id"))[:64]
        if shop_admin and shop_admin != state.shop_super_admin_id:
            state.shop_super_admin_id = shop_admin
            state.save()
        account = LinkedAccount.objects.select_for_update().filter(
            shop=shop, kind=kind, account_id=account_id
        ).first() or LinkedAccount(shop=shop, kind=kind, account_id=account_id, status="")
        previous = account.status
        account.nickname = nickname[:100]
        account.original_id = as_str(profile.get("original_id"))[:32]
        account.super_admin_id = as_str(profile.get("super_admin_id"))[:64]
        account.selling_identity = selling_identity
        account.invitation_id = as_id(invitation.get("invitation_id"))[:32]
        account.invited_by, account.invited_at = actor, _now()
        account.origin = LinkedAccount.Origin.INVITED
        account.status, account.linked_at, account.ended_at = Status.PENDING, None, None
        account.save()
        _event(
            account,
            Action.INVITED,
            actor=actor,
            from_status=previous,
            to_status=Status.PENDING,
            params=_identity_params(selling_identity),
        )
    return account


def _refuse_duplicate(*, shop: Shop, kind: str, account_id: str, rows=None) -> LinkedAccount | None:
    """The shop's row for the account, unless it is pending (``invitation_pending``) or linked
    (``already_linked``), both refused on ``account_id``."""
    existing = (
        (rows if rows is not None else LinkedAccount.objects.for_shop(shop))
        .filter(kind=kind, account_id=account_id)
        .first()
    )
    if existing is not None and existing.status == Status.PENDING:
        raise ValidationError(
            {
                "account_id": ValidationError(
                    _("An invitation to this account is already waiting for an answer."), code="invitation_pending"
                )
            }
        )
    if existing is not None and existing.status == Status.ACCEPTED:
        raise ValidationError(
            {"account_id": ValidationError(_("This account is already linked to the shop."), code="already_linked")}
        )
    return existing


def _checked_identity(kind: str, selling_identity: str) -> str:
    """A 视频号 needs a selling identity (``selling_identity_required``); other kinds have none."""
    if kind != AccountKind.CHANNELS:
        return ""
    if selling_identity not in Identity.values:
        raise ValidationError(
            {
                "selling_identity": ValidationError(
                    _("Choose how this Channels account sells."), code="selling_identity_required"
                )
            }
        )
    return selling_identity


def _identity_params(selling_identity: str) -> dict:
    return {"selling_identity": selling_identity} if selling_identity else {}


def linked_account_record(
    *, shop: Shop, kind: str, account_id: str, nickname: str, selling_identity: str = "", actor=None
) -> LinkedAccount:
    """Record an account the operator linked in the WeChat Shop backend (店铺管理 › 关联账号), where the real
    platform has no API for it: the row is linked, with origin "recorded", and no platform call is made at all.

    Orders placed from then on that name the account as a linked account verify it
    (``selectors.linked_accounts.recorded_verifications``). An account whose invitation ended, or which was
    unlinked, is recorded on its existing row. Refused with ``invalid_kind`` (on ``kind``), ``account_id_required``,
    ``invitation_pending`` or ``already_linked`` (on ``account_id``), ``selling_identity_required`` (a 视频号 without
    one); nothing changes then.
    """
    if kind not in AccountKind.values:
        raise ValidationError({"kind": ValidationError(_("Choose the account type."), code="invalid_kind")})
    account_id, nickname = account_id.strip(), nickname.strip()
    if not account_id:
        raise ValidationError({"account_id": ValidationError(_("Enter the account id."), code="account_id_required")})
    selling_identity = _checked_identity(kind, selling_identity)
    try:
        with transaction.atomic():
            rows = LinkedAccount.objects.select_for_update().filter(shop=shop)
            account = _refuse_duplicate(shop=shop, kind=kind, account_id=account_id, rows=rows)
            account = account or LinkedAccount(shop=shop, kind=kind, account_id=account_id, status="")
            previous = account.status
            account.nickname = nickname[:100]
            account.selling_identity = selling_identity
            account.origin = LinkedAccount.Origin.RECORDED
            account.recorded_by, account.recorded_at = actor, _now()
            account.invitation_id = ""
            account.status, account.linked_at, account.ended_at = Status.ACCEPTED, None, None
            account.save()
            _event(
                account,
                Action.RECORDED,
                actor=actor,
                from_status=previous,
                to_status=Status.ACCEPTED,
                params=_identity_params(selling_identity),
                at=account.recorded_at,
            )
    except IntegrityError:
        # Someone recorded or found the same account at the same moment: theirs stands.
        raise ValidationError(
            {"account_id": ValidationError(_("This account is already linked to the shop."), code="already_linked")}
        ) from None
    return account


def linked_account_cancel_invitation(*, linked_account: LinkedAccount, actor=None) -> LinkedAccount:
    """Withdraw a pending invitation. Refused (``not_pending``) for anything not pending, and when it was answered
    meanwhile; ``not_available_on_platform`` on the real platform."""
    require_sandbox_only_apis()
    if linked_account.status != Status.PENDING:
        raise ValidationError(_("Only a pending invitation can be cancelled."), code="not_pending")
    with platform_session(linked_account.shop) as client:
        try:
            answer = client.linked_invitation_cancel(linked_account.invitation_id)
        except WeChatError as error:
            raise refusal(error, write=True) from None
    with transaction.atomic():
        account = _lock(linked_account)
        if account.status != Status.PENDING:
            return account
        at = platform_time(answer.get("decide_time"))
        _set_status(account, Status.CANCELLED, Action.CANCELLED, actor=actor, at=at)
    return account


def linked_account_unlink(*, linked_account: LinkedAccount, actor=None) -> LinkedAccount:
    """Unlink a linked account; it stops being a display account. An account the platform already lists as
    unlinked is unlinked here too. Refused (``not_linked``) for an account not linked; ``not_available_on_platform``
    on the real platform, where accounts are unlinked in the WeChat Shop backend."""
    require_sandbox_only_apis()
    if linked_account.status != Status.ACCEPTED:
        raise ValidationError(_("Only a linked account can be unlinked."), code="not_linked")
    with platform_session(linked_account.shop) as client:
        try:
            client.linked_account_unlink(account_type=linked_account.account_type, account_id=linked_account.account_id)
        except WeChatError as error:
            if error.errcode != NOT_LINKED:
                raise refusal(error, write=True) from None
    with transaction.atomic():
        account = _lock(linked_account)
        if account.status == Status.ACCEPTED:
            _set_status(account, Status.UNLINKED, Action.UNLINKED, actor=actor)
    return account


def linked_account_set_selling_identity(
    *, linked_account: LinkedAccount, selling_identity: str, actor=None
) -> LinkedAccount:
    """Switch a linked 视频号 between 店铺自营 (the shop's own products, with its coupons and flash sales) and
    达人带货 (selling for other shops). 达人带货 is refused, without asking the platform, unless the super admins
    the platform reported for the 视频号 and the shop are the same WeChat user.

    Codes, all on ``selling_identity``: ``not_available_on_platform`` (real platform), ``not_channels``,
    ``not_linked``, ``selling_identity_required``, ``creator_admin_unknown``, ``creator_needs_same_admin``, and the
    platform's refusals.
    """
    require_sandbox_only_apis(field="selling_identity")
    if linked_account.kind != AccountKind.CHANNELS:
        raise ValidationError(
            {
                "selling_identity": ValidationError(
                    _("Only a Channels account has a selling identity."), code="not_channels"
                )
            }
        )
    if linked_account.status != Status.ACCEPTED:
        raise ValidationError(
            {
                "selling_identity": ValidationError(
                    _("Only a linked account's selling identity can change."), code="not_linked"
                )
            }
        )
    if selling_identity not in Identity.values:
        raise ValidationError(
            {"selling_identity": ValidationError(_("Choose a selling identity."), code="selling_identity_required")}
        )
    if selling_identity == linked_account.selling_identity:
        return linked_account
    if selling_identity == Identity.CREATOR:
        state = LinkingState.objects.filter(shop_id=linked_account.shop_id).first()
        check_creator_allowed(
            account_name=str(linked_account),
            account_admin=linked_account.super_admin_id,
            shop_admin=state.shop_super_admin_id if state else "",
        )
    with platform_session(linked_account.shop) as client:
        try:
            client.linked_selling_identity_set(
                account_id=linked_account.account_id, selling_identity=IDENTITY_NUMBERS[selling_identity]
            )
        except WeChatError as error:
            raise refusal(error, field="selling_identity", write=True) from None
    with transaction.atomic():
        account = _lock(linked_account)
        previous = account.selling_identity
        account.selling_identity = selling_identity
        account.save()
        _event(account, Action.SELLING_IDENTITY, actor=actor, params={"from": previous, "to": selling_identity})
    return account


def linked_account_set_display(*, linked_account: LinkedAccount, actor=None) -> LinkedAccount:
    """Make a linked 视频号, 公众号 or 服务号 the shop's display account of its kind, replacing the previous one.

    The swap happens under a lock on the shop's accounts of that kind, so two concurrent choices end with one
    display account (the database allows no more: ``linkedaccount_one_display_per_kind``). Refused with
    ``display_kind`` for a 企业微信, ``display_needs_linked`` for an account not linked.
    """
    if linked_account.kind not in DISPLAY_KINDS:
        raise ValidationError(
            _("Only a Channels account, an official account or a service account can be shown on the home page."),
            code="display_kind",
        )
    with transaction.atomic():
        rows = list(
            LinkedAccount.objects.select_for_update()
            .filter(shop_id=linked_account.shop_id, kind=linked_account.kind)
            .order_by("pk")
        )
        account = next(row for row in rows if row.pk == linked_account.pk)
        if account.status != Status.ACCEPTED:
            raise ValidationError(_("Only a linked account can be a display account."), code="display_needs_linked")
        if account.is_display:
            return account
        for previous in rows:
            if previous.is_display:
                previous.is_display = False
                previous.save()
                _event(previous, Action.DISPLAY_OFF, actor=actor, params={"reason": "replaced", "by": str(account)})
        account.is_display = True
        account.save()
        _event(account, Action.DISPLAY_ON, actor=actor)
    return account


def linked_account_clear_display(*, linked_account: LinkedAccount, actor=None) -> LinkedAccount:
    """Stop showing the account on the home page (its kind then has no display account)."""
    with transaction.atomic():
        account = _lock(linked_account)
        if account.is_display:
            account.is_display = False
            account.save()
            _event(account, Action.DISPLAY_OFF, actor=actor)
    return account


def linked_account_record_binding(
    *, linked_account: LinkedAccount, finder: LinkedAccount | None, actor=None
) -> LinkedAccount:
    """Record which 视频号 a linked 公众号/服务号 is bound to (公众平台账号绑定视频号), or that it is bound to none.

    The binding is made on the 公众平台 or 视频号 side, not in the shop: this records what the merchant sees there.
    A refresh replaces it with what the platform reports, when it reports one. Refused on ``finder``:
    ``binding_kind`` (not a 公众号/服务号), ``not_linked``, ``finder_not_linked`` (not one of the shop's linked
    视频号).
    """
    if linked_account.kind not in (AccountKind.MP, AccountKind.SERVICE):
        raise ValidationError(
            {
                "finder": ValidationError(
                    _("Only an official account or a service account binds a Channels account."), code="binding_kind"
                )
            }
        )
    if linked_account.status != Status.ACCEPTED:
        raise ValidationError(
            {"finder": ValidationError(_("Only a linked account's binding can be recorded."), code="not_linked")}
        )
    if finder is not None and (
        finder.shop_id != linked_account.shop_id or finder.kind != AccountKind.CHANNELS or not finder.is_linked
    ):
        raise ValidationError(
            {
                "finder": ValidationError(
                    _("Choose one of the shop's linked Channels accounts."), code="finder_not_linked"
                )
            }
        )
    with transaction.atomic():
        account = _lock(linked_account)
        finder_id = finder.account_id if finder else ""
        if finder_id == account.bound_finder_id:
            return account
        account.bound_finder_id = finder_id
        account.bound_finder_nickname = finder.nickname if finder else ""
        account.bound_at = _now() if finder else None
        account.save()
        _event(account, Action.BINDING, actor=actor, params=_binding_params(account))
    return account


def _binding_params(account: LinkedAccount) -> dict:
    return {"finder_id": account.bound_finder_id, "finder_nickname": account.bound_finder_nickname}


def wecom_sidebar_set(*, linked_account: LinkedAccount, configured: bool, actor=None) -> LinkedAccount:
    """Record whether the WeChat Shop app is set up in the linked 企业微信's chat sidebar (企业微信侧边栏). Refused
    (``not_wecom``) for any other kind."""
    if linked_account.kind != AccountKind.WECOM:
        raise ValidationError(_("Only a WeCom account has a sidebar app."), code="not_wecom")
    with transaction.atomic():
        account = _lock(linked_account)
        if account.sidebar_configured == configured:
            return account
        account.sidebar_configured = configured
        account.save()
        _event(account, Action.SIDEBAR, actor=actor, params={"configured": configured})
    return account


@dataclass
class RefreshReport:
    """What a refresh changed, for the message shown after it."""

    found: int = 0
    accepted: int = 0
    ended: int = 0
    unlinked: int = 0
    staff_resolved: int = 0
    problems: list[str] = field(default_factory=list)
    # False on the real platform: it lists no linked accounts, so only the WeCom ids were asked for.
    listed: bool = True

    @property
    def changes(self) -> int:
        return self.found + self.accepted + self.ended + self.unlinked


def linked_accounts_refresh(*, shop: Shop, actor=None) -> RefreshReport:
    """Poll the platform for the shop's linked accounts and the fate of its pending invitations, and apply it.

    Answers to invitations become accepted/rejected/expired/cancelled; accounts the platform lists that the console
    does not know (linked in the WeChat Shop backend) are added as linked; linked accounts the platform no longer
    lists become unlinked; nicknames, super admins, selling identities and 公众号↔视频号 bindings follow the
    platform. Then each linked 企业微信 is resolved with wecom/get_wecom_id, with the members seen in orders.
    Running it twice changes nothing the second time.

    On the real platform (SANDBOX-ONLY APIs off) only that last step runs: the listing and the invitations are
    SANDBOX-ONLY, and nothing is asked about them. Refused with ``not_connected`` for a shop without credentials,
    and with the platform's refusal when the listing is refused.
    """
    require_connection(shop)
    report = RefreshReport(listed=sandbox_only_apis_enabled())
    if not report.listed:
        _resolve_wecom(shop, report)
        return report
    with platform_session(shop) as client:
        try:
            listing = client.linked_account_list()
        except WeChatError as error:
            raise refusal(error) from None
        answers = {}
        for account in LinkedAccount.objects.for_shop(shop).filter(status=Status.PENDING).exclude(invitation_id=""):
            try:
                answers[account.pk] = client.linked_invitation_get(account.invitation_id)
            except WeChatError as error:
                report.problems.append(f"{account}: {error.errmsg or type(error).__name__}")
    with transaction.atomic():
        _apply_listing(shop, listing, answers, report)
    _resolve_wecom(shop, report)
    return report


def _apply_listing(shop: Shop, listing: dict, answers: dict[int, dict], report: RefreshReport) -> None:
    now = _now()
    state = linking_state_locked(shop)
    shop_admin = listing["shop_super_admin_id"][:64]
    if shop_admin != state.shop_super_admin_id:
        state.shop_super_admin_id = shop_admin
        state.save()
    # When the lists were read is bookkeeping, not a change anyone made: no audit entry for it.
    LinkingState.objects.filter(pk=state.pk).update(linked_refreshed_at=now)
    rows = {(row.kind, row.account_id): row for row in LinkedAccount.objects.select_for_update().filter(shop=shop)}
    by_pk = {row.pk: row for row in rows.values()}

    for pk, answer in answers.items():
        account = by_pk.get(pk)
        ending = INVITATION_ENDINGS.get(as_str(answer.get("status")))
        if account is None or account.status != Status.PENDING or ending is None:
            continue
        status, action = ending
        at = platform_time(answer.get("decide_time"))
        _set_status(account, status, action, by_platform=True, at=at)
        if status == Status.ACCEPTED:
            report.accepted += 1
        else:
            report.ended += 1

    listed, confirmed = set(), []
    for entry in listing["account_list"]:
        kind = KIND_OF_ACCOUNT_TYPE.get(as_int(entry.get("account_type")))
        account_id = as_id(entry.get("account_id"))
        if kind is None or not account_id:
            continue
        listed.add((kind, account_id))
        account = rows.get((kind, account_id))
        linked_at = platform_time(entry.get("link_time"))
        if account is None:
            account = LinkedAccount(shop=shop, kind=kind, account_id=account_id, status="")
            rows[(kind, account_id)] = account
        before = _listed_fields(account)
        changes = _copy_listing(account, entry)
        if account.status != Status.ACCEPTED:
            action = Action.ACCEPTED if account.status == Status.PENDING else Action.FOUND
            _set_status(account, Status.ACCEPTED, action, by_platform=True, at=linked_at)
            if action == Action.ACCEPTED:
                report.accepted += 1
            else:
                report.found += 1
        elif _listed_fields(account) != before:
            account.save()
        for action, params in changes:
            _event(account, action, by_platform=True, params=params, at=now)
        confirmed.append(account.pk)
    # Confirmation times are bookkeeping too: updated in one statement, outside the audit log.
    LinkedAccount.objects.filter(pk__in=confirmed).update(synced_at=now)

    for key, account in rows.items():
        if key not in listed and account.status == Status.ACCEPTED:
            _set_status(account, Status.UNLINKED, Action.UNLINKED, by_platform=True, at=now)
            report.unlinked += 1


def _listed_fields(account: LinkedAccount) -> tuple:
    return (
        account.nickname,
        account.original_id,
        account.super_admin_id,
        account.selling_identity,
        account.bound_finder_id,
        account.bound_finder_nickname,
        account.bound_at,
    )


def _copy_listing(account: LinkedAccount, entry: dict) -> list[tuple[str, dict]]:
    """Take over what the platform lists for the account; return the selling-identity and binding changes."""
    changes = []
    account.nickname = as_str(entry.get("nickname"))[:100] or account.nickname
    account.original_id = as_str(entry.get("original_id"))[:32] or account.original_id
    if account.kind == AccountKind.CHANNELS:
        account.super_admin_id = as_str(entry.get("super_admin_id"))[:64] or account.super_admin_id
        identity = IDENTITY_OF_NUMBER.get(as_int(entry.get("selling_identity")), "")
        if identity and identity != account.selling_identity:
            if account.selling_identity and account.pk:
                changes.append((Action.SELLING_IDENTITY, {"from": account.selling_identity, "to": identity}))
            account.selling_identity = identity
    if account.kind in (AccountKind.MP, AccountKind.SERVICE):
        finder_id = as_id(entry.get("bind_finder_id"))
        if finder_id and finder_id != account.bound_finder_id:
            account.bound_finder_id = finder_id
            account.bound_finder_nickname = as_str(entry.get("bind_finder_nickname"))[:100]
            account.bound_at = platform_time(entry.get("bind_time"))
            changes.append((Action.BINDING, _binding_params(account)))
    return changes


def _resolve_wecom(shop: Shop, report: RefreshReport) -> None:
    """The shop-side ids of each linked 企业微信 and of its members seen in orders (wecom/get_wecom_id)."""
    corps = list(LinkedAccount.objects.for_shop(shop).filter(kind=AccountKind.WECOM, status=Status.ACCEPTED))
    if not corps:
        return
    seen = (
        OrderLine.objects.filter(shop=shop, content_type=CONTENT_WECOM_MEMBER_FORWARD)
        .exclude(content_id="")
        .values_list("account_id", "content_id")
        .distinct()
    )
    members_by_corp: dict[str, set[str]] = {}
    for corp_id, user_id in seen:
        members_by_corp.setdefault(corp_id, set()).add(user_id)
    known = {staff.user_id: staff for staff in WecomStaff.objects.for_shop(shop)}
    with platform_session(shop) as client:
        for corp in corps:
            try:
                corp_ids = client.wecom_id(corp_id=corp.account_id)
            except WeChatError as error:
                report.problems.append(f"{corp}: {error.errmsg or type(error).__name__}")
                continue
            wecom_corp_id = as_str(corp_ids.get("wecom_corp_id"))[:64]
            if wecom_corp_id != corp.wecom_corp_id:
                with transaction.atomic():
                    account = _lock(corp)
                    account.wecom_corp_id = wecom_corp_id
                    account.save()
            todo = sorted(
                user_id
                for user_id in members_by_corp.get(corp.account_id, set())
                if user_id not in known or not known[user_id].wecom_user_id
            )[:WECOM_MEMBERS_PER_REFRESH]
            for user_id in todo:
                try:
                    ids = client.wecom_id(corp_id=corp.account_id, user_id=user_id)
                except NotFoundError:
                    ids = {}  # not (or no longer) in the app's visibility range: listed, without a shop-side id
                except WeChatError as error:
                    report.problems.append(f"{user_id}: {error.errmsg or type(error).__name__}")
                    continue
                staff = known.get(user_id) or WecomStaff(shop=shop, user_id=user_id)
                staff.corp_id = corp.account_id
                staff.wecom_user_id = as_str(ids.get("wecom_user_id"))[:64]
                if staff.pk is None or staff.wecom_user_id:
                    staff.save()
                    known[user_id] = staff
                    report.staff_resolved += bool(staff.wecom_user_id)


def wecom_staff_rename(*, shop: Shop, user_id: str, display_name: str, actor=None) -> WecomStaff:
    """Give a WeCom member seen in the shop's orders the name the console knows them by (blank clears it).
    Refused (``unknown_member``, on ``user_id``) for a member no order of the shop names."""
    user_id = user_id.strip()
    display_name = display_name.strip()
    line = (
        OrderLine.objects.filter(shop=shop, content_type=CONTENT_WECOM_MEMBER_FORWARD, content_id=user_id)
        .values_list("account_id", flat=True)
        .first()
    )
    with transaction.atomic():
        staff = WecomStaff.objects.select_for_update().filter(shop=shop, user_id=user_id).first()
        if staff is None and line is None:
            raise ValidationError(
                {
                    "user_id": ValidationError(
                        _("No order of this shop was forwarded by this WeCom member."), code="unknown_member"
                    )
                }
            )
        staff = staff or WecomStaff(shop=shop, user_id=user_id, corp_id=line or "")
        if staff.pk is not None and staff.display_name == display_name:
            return staff
        staff.display_name = display_name
        staff.full_clean()
        staff.save()
    return staff

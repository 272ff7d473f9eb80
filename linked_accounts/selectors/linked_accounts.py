"""Reads for the accounts a shop sells through: linked accounts and their history, the display accounts, WeCom
staff, and accounts seen in orders but not linked. Cooperation accounts are in ``.cooperation``.

Every query starts from the shop; another shop's account answers 404. Order figures come from the synced order
lines' attribution (source_infos): an order counts once per account it names, and only once paid (``pay_time``
set); GMV is the sum of those lines' ``real_price_fen`` (what the buyer paid for them, before any refund). A
recorded account (linked in the WeChat Shop backend, recorded here by an operator) is verified by such orders
naming it as a linked account since it was recorded (``recorded_verifications``).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, IntegerField, Max, Min, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from linked_accounts.models import (
    ACCOUNT_TYPE_OF_KIND,
    DISPLAY_KINDS,
    KIND_OF_ACCOUNT_TYPE,
    AccountKind,
    LinkedAccount,
    LinkedAccountEvent,
    LinkingState,
    WecomStaff,
)
from shopops.channels import (
    CONTENT_WECOM_MEMBER_FORWARD,
    SALE_CHANNEL_COOPERATION,
    SALE_CHANNEL_LINKED,
)
from shopops.models import OrderLine, Shop

KIND_ORDER = {
    kind: i for i, kind in enumerate((AccountKind.CHANNELS, AccountKind.MP, AccountKind.SERVICE, AccountKind.WECOM))
}
SEEN_LIMIT = 50


def paid_lines(shop: Shop) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(shop=shop, order__pay_time__isnull=False)


# --- linked accounts -------------------------------------------------------------------------------------------------


def linked_accounts_for_shop(*, shop: Shop) -> list[LinkedAccount]:
    """The shop's linked accounts of every status, by kind (视频号, 公众号, 服务号, 企业微信), linked ones first."""
    rows = LinkedAccount.objects.for_shop(shop).select_related("invited_by", "recorded_by")
    status_rank = {LinkedAccount.Status.ACCEPTED: 0, LinkedAccount.Status.PENDING: 1}
    return sorted(rows, key=lambda a: (KIND_ORDER[a.kind], status_rank.get(a.status, 2), a.nickname, a.pk))


@dataclass(frozen=True)
class Verification:
    """What the orders say about a recorded account: the paid orders naming it as a linked account (关联账号,
    sale_channel 0, with its account type and id) placed since it was recorded."""

    orders: int
    first_order_at: datetime | None

    @property
    def verified(self) -> bool:
        return self.orders > 0


def recorded_verifications(*, shop: Shop, pk: int | None = None) -> dict[int, Verification]:
    """``Verification`` per recorded account of the shop (of the one account ``pk`` if given), by primary key.

    One query whatever the number of accounts. An order counts once however many of its lines name the account,
    and only once paid; "since" compares the order's creation time with ``recorded_at``. Orders that name the
    account in another way (达人带货, 授权号 …) prove nothing about the link and are left out.
    """
    lines = paid_lines(shop).filter(
        sale_channel=SALE_CHANNEL_LINKED,
        account_type=OuterRef("order_account_type"),
        account_id=OuterRef("account_id"),
        order__create_time__gte=OuterRef("recorded_at"),
    )
    per_account = lines.order_by().values("shop_id")
    accounts = LinkedAccount.objects.for_shop(shop).filter(
        origin=LinkedAccount.Origin.RECORDED, recorded_at__isnull=False
    )
    if pk is not None:
        accounts = accounts.filter(pk=pk)
    rows = accounts.annotate(
        order_account_type=Case(
            *[When(kind=kind, then=Value(number)) for kind, number in ACCOUNT_TYPE_OF_KIND.items()],
            output_field=IntegerField(),
        ),
        orders_since=Coalesce(Subquery(per_account.annotate(n=Count("order_id", distinct=True)).values("n")), Value(0)),
        first_order_at=Subquery(per_account.annotate(first=Min("order__create_time")).values("first")),
    ).values_list("pk", "orders_since", "first_order_at")
    return {pk: Verification(orders=orders, first_order_at=first) for pk, orders, first in rows}


def linked_account_get_for_shop_or_404(*, shop: Shop, pk: int) -> LinkedAccount:
    account = (
        LinkedAccount.objects.for_shop(shop).select_related("shop", "invited_by", "recorded_by").filter(pk=pk).first()
    )
    if account is None:
        raise Http404
    return account


def linked_account_events(*, linked_account: LinkedAccount) -> QuerySet[LinkedAccountEvent]:
    """The account's history, latest recorded first (``occurred_at`` says when each thing happened)."""
    return LinkedAccountEvent.objects.filter(linked_account=linked_account).select_related("actor").order_by("-id")


def display_accounts_for_shop(*, shop: Shop) -> dict[str, LinkedAccount | None]:
    """The accounts the shop's home page shows: at most one 视频号, one 公众号 and one 服务号 (None where unset).

    Keys are ``AccountKind`` values: ``"channels"``, ``"mp"``, ``"service"``. One query.
    """
    shown = {kind.value: None for kind in DISPLAY_KINDS}
    for account in LinkedAccount.objects.for_shop(shop).filter(is_display=True, status=LinkedAccount.Status.ACCEPTED):
        shown[account.kind] = account
    return shown


def linking_state_for_shop(*, shop: Shop) -> LinkingState | None:
    return LinkingState.objects.filter(shop=shop).first()


def linked_channels_for_shop(*, shop: Shop) -> QuerySet[LinkedAccount]:
    """The shop's linked 视频号, for choosing the one a 公众号/服务号 is bound to."""
    return (
        LinkedAccount.objects.for_shop(shop)
        .filter(kind=AccountKind.CHANNELS, status=LinkedAccount.Status.ACCEPTED)
        .order_by("nickname", "pk")
    )


@dataclass(frozen=True)
class SeenAccount:
    """An account orders name as their source, with what it sold."""

    kind: str
    account_type: int
    account_id: str
    nickname: str
    sale_channel: int | None  # how it sold (关联账号 0, 授权号 2, 达人带货 100 …); the lowest if several
    orders: int
    gmv_fen: int
    last_order_at: datetime | None


def accounts_seen_in_orders(*, shop: Shop, limit: int = SEEN_LIMIT) -> list[SeenAccount]:
    """视频号, 公众号, 服务号 and 企业微信 that sold for the shop (paid orders) but are neither linked nor invited,
    by GMV, largest first. Cooperation accounts (sale_channel 1) are left out: they have their own page."""
    types = [ACCOUNT_TYPE_OF_KIND[kind] for kind in AccountKind]
    registered = set(
        LinkedAccount.objects.for_shop(shop)
        .filter(status__in=[LinkedAccount.Status.ACCEPTED, LinkedAccount.Status.PENDING])
        .values_list("kind", "account_id")
    )
    rows = (
        paid_lines(shop)
        .filter(account_type__in=types)
        .exclude(account_id="")
        .exclude(sale_channel=SALE_CHANNEL_COOPERATION)
        .values("account_type", "account_id")
        .annotate(
            nickname=Max("account_nickname"),
            sale_channel=Min("sale_channel"),
            orders=Count("order", distinct=True),
            gmv=Sum("real_price_fen"),
            last_order_at=Max("order__create_time"),
        )
        .order_by("-gmv", "account_id")
    )
    seen = []
    for row in rows:
        kind = KIND_OF_ACCOUNT_TYPE[row["account_type"]]
        if (kind, row["account_id"]) in registered:
            continue
        seen.append(
            SeenAccount(
                kind=kind,
                account_type=row["account_type"],
                account_id=row["account_id"],
                nickname=row["nickname"] or "",
                sale_channel=row["sale_channel"],
                orders=row["orders"],
                gmv_fen=row["gmv"] or 0,
                last_order_at=row["last_order_at"],
            )
        )
        if len(seen) == limit:
            break
    return seen


def account_sales_for_shop(*, shop: Shop, account_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(paid orders, GMV in fen) per source account id, for the given ids."""
    rows = (
        paid_lines(shop)
        .filter(account_id__in=account_ids)
        .values("account_id")
        .annotate(orders=Count("order", distinct=True), gmv=Sum("real_price_fen"))
    )
    return {row["account_id"]: (row["orders"], row["gmv"] or 0) for row in rows}


# --- WeCom staff -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    user_id: str
    corp_id: str
    display_name: str
    wecom_user_id: str
    orders: int
    gmv_fen: int
    last_order_at: datetime | None


def wecom_staff_for_shop(*, shop: Shop, corp_id: str | None = None) -> list[StaffRow]:
    """The WeCom members whose forwards sold for the shop (orders' content_type 1), and those named in the console,
    with their paid orders and GMV, most GMV first; of one corp when ``corp_id`` is given."""
    lines = paid_lines(shop).filter(content_type=CONTENT_WECOM_MEMBER_FORWARD).exclude(content_id="")
    staff = WecomStaff.objects.for_shop(shop)
    if corp_id is not None:
        lines = lines.filter(account_id=corp_id)
        staff = staff.filter(corp_id=corp_id)
    figures = {
        row["content_id"]: row
        for row in lines.values("content_id").annotate(
            corp=Max("account_id"),
            orders=Count("order", distinct=True),
            gmv=Sum("real_price_fen"),
            last_order_at=Max("order__create_time"),
        )
    }
    named = {member.user_id: member for member in staff}
    rows = []
    for user_id in figures.keys() | named.keys():
        member, figure = named.get(user_id), figures.get(user_id, {})
        rows.append(
            StaffRow(
                user_id=user_id,
                corp_id=member.corp_id if member and member.corp_id else figure.get("corp", ""),
                display_name=member.display_name if member else "",
                wecom_user_id=member.wecom_user_id if member else "",
                orders=figure.get("orders", 0),
                gmv_fen=figure.get("gmv") or 0,
                last_order_at=figure.get("last_order_at"),
            )
        )
    return sorted(rows, key=lambda r: (-r.gmv_fen, r.user_id))

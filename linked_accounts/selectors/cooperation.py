"""Reads for cooperation accounts (合作账号) with the paid orders they brought. Every query starts from the shop;
another shop's account answers 404."""

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.http import Http404

from linked_accounts.models import CooperationAccount
from linked_accounts.selectors.linked_accounts import paid_lines
from shopops.channels import ACCOUNT_MINIPROGRAM, ACCOUNT_MP, SALE_CHANNEL_COOPERATION
from shopops.models import Shop


@dataclass(frozen=True)
class CooperationRow:
    account: CooperationAccount
    order_account_id: str  # what orders report as source_infos.account_id (the AppID), "" when no order names it
    orders: int
    gmv_fen: int


def cooperation_accounts_for_shop(*, shop: Shop) -> list[CooperationRow]:
    """The shop's cooperation accounts with the paid orders they brought (sale_channel 1).

    Orders name a cooperation 公众号 by its AppID (account_id) and its original id (original_id, the gh_… that
    cooperation/list reports as sharer_id); a 小程序 by its AppID, which is its sharer_id.
    """
    accounts = list(CooperationAccount.objects.for_shop(shop).order_by("sharer_type", "-status", "sharer_name", "pk"))
    figures = list(
        paid_lines(shop)
        .filter(sale_channel=SALE_CHANNEL_COOPERATION, account_type__in=[ACCOUNT_MP, ACCOUNT_MINIPROGRAM])
        .values("account_type", "account_id", "original_id")
        .annotate(orders=Count("order", distinct=True), gmv=Sum("real_price_fen"))
    )
    rows = []
    for account in accounts:
        matches = [
            f
            for f in figures
            if f["account_type"] == account.sharer_type and account.sharer_id in (f["account_id"], f["original_id"])
        ]
        order_account_id = matches[0]["account_id"] if matches else ""
        rows.append(
            CooperationRow(
                account=account,
                order_account_id=order_account_id,
                orders=sum(f["orders"] for f in matches),
                gmv_fen=sum(f["gmv"] or 0 for f in matches),
            )
        )
    return rows


def cooperation_get_for_shop_or_404(*, shop: Shop, pk: int) -> CooperationAccount:
    account = CooperationAccount.objects.for_shop(shop).select_related("shop").filter(pk=pk).first()
    if account is None:
        raise Http404
    return account

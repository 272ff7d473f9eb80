"""Background tasks of the linked and cooperation accounts (django-q2).

The platform tells the shop nothing when an invitation is answered, expires, or an account is linked or unlinked
in the WeChat Shop backend: these polls find out, so the console shows it without anyone pressing Refresh. The
schedules (``setup_schedules``) queue one refresh per active, connected shop every 15 minutes. Every task is
idempotent. A refresh the platform refuses or cannot answer is logged and returned as the task's result (django-q2
keeps it with the task; every HTTP attempt also left an ``ApiCall`` row), never raised: the next run tries again.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django_q.tasks import async_task

from linked_accounts.services.cooperation import cooperation_accounts_refresh
from linked_accounts.services.linked_accounts import linked_accounts_refresh
from shopops.models import Shop

logger = logging.getLogger(__name__)

GROUP = "linked-accounts"


def _connected_shop(shop_id: int) -> Shop | None:
    return Shop.objects.connected().filter(pk=shop_id, status=Shop.Status.ACTIVE).first()


def _connected_shop_ids() -> list[int]:
    shops = Shop.objects.connected().filter(status=Shop.Status.ACTIVE).order_by("pk")
    return list(shops.values_list("pk", flat=True))


def _failed(shop: Shop, what: str, error: ValidationError) -> str:
    message = " ".join(error.messages)
    logger.warning("Refreshing the %s of shop %s failed: %s", what, shop.pk, message)
    return f"failed: {message}"


def linked_accounts_refresh_shop(shop_id: int) -> str:
    """Refresh one shop's linked accounts and the fate of its pending invitations; "skipped" for a shop that is
    gone, inactive or not connected."""
    shop = _connected_shop(shop_id)
    if shop is None:
        return "skipped"
    try:
        report = linked_accounts_refresh(shop=shop)
    except ValidationError as error:
        return _failed(shop, "linked accounts", error)
    result = (
        f"{report.accepted} accepted, {report.ended} ended, {report.found} found, {report.unlinked} unlinked, "
        f"{report.staff_resolved} WeCom staff resolved"
    )
    if report.problems:
        logger.warning("Refreshing the linked accounts of shop %s: %s", shop.pk, "; ".join(report.problems))
        result += f"; {len(report.problems)} problems"
    return result


def cooperation_accounts_refresh_shop(shop_id: int) -> str:
    """Refresh one shop's cooperation accounts (both lists); "skipped" as for the linked accounts."""
    shop = _connected_shop(shop_id)
    if shop is None:
        return "skipped"
    try:
        changed = cooperation_accounts_refresh(shop=shop)
    except ValidationError as error:
        return _failed(shop, "cooperation accounts", error)
    return f"{changed} changed"


def linked_accounts_refresh_all_shops() -> int:
    """The 15-minute schedule: one linked-accounts refresh per active, connected shop."""
    shop_ids = _connected_shop_ids()
    for shop_id in shop_ids:
        async_task("linked_accounts.tasks.linked_accounts_refresh_shop", shop_id, group=GROUP)
    return len(shop_ids)


def cooperation_accounts_refresh_all_shops() -> int:
    """The 15-minute schedule: one cooperation-accounts refresh per active, connected shop."""
    shop_ids = _connected_shop_ids()
    for shop_id in shop_ids:
        async_task("linked_accounts.tasks.cooperation_accounts_refresh_shop", shop_id, group=GROUP)
    return len(shop_ids)


def queue_refresh(*, shop_id: int) -> None:
    """Refresh the shop's linked and cooperation accounts in the background, once the current transaction commits."""

    def queue():
        async_task("linked_accounts.tasks.linked_accounts_refresh_shop", shop_id, group=GROUP)
        async_task("linked_accounts.tasks.cooperation_accounts_refresh_shop", shop_id, group=GROUP)

    transaction.on_commit(queue)

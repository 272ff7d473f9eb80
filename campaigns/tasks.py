"""Background tasks of the campaigns. Schedule (shopops setup_schedules, added by the lead at merge):
``campaigns.tasks.coupons_sync_all`` every 30 minutes."""

from django_q.tasks import async_task

from shopops.models import Shop


def coupons_sync_shop(shop_id: int) -> str:
    from campaigns.coupons_sync import coupons_sync

    shop = Shop.objects.get(pk=shop_id)
    report = coupons_sync(shop=shop, seconds=240)
    if report.stopped == "time":
        async_task("campaigns.tasks.coupons_sync_shop", shop_id, group="sync")
    return report.stopped or "done"


def coupons_sync_all() -> int:
    """Every active, connected shop's coupons and user coupons (the shop's sync lease keeps it to one run)."""
    shop_ids = list(Shop.objects.connected().filter(status=Shop.Status.ACTIVE).values_list("pk", flat=True))
    for shop_id in shop_ids:
        async_task("campaigns.tasks.coupons_sync_shop", shop_id, group="sync")
    return len(shop_ids)

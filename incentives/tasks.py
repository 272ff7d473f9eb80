"""Background tasks of the incentives (django-q2). Schedules (setup_schedules):

- ``incentives.tasks.order_flows_sync_all`` hourly: each connected shop's per-order fund flows (listorderflow).
"""

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from incentives.flows_sync import order_flows_sync
from shopops.models import Shop

BUSY_RETRY, BUSY_ATTEMPTS = timedelta(minutes=2), 6


def order_flows_sync_all() -> int:
    """Queue the fund-flow sync of every active, connected shop (the shop's sync lease keeps it to one run)."""
    shop_ids = list(Shop.objects.connected().filter(status=Shop.Status.ACTIVE).values_list("pk", flat=True))
    for shop_id in shop_ids:
        async_task("incentives.tasks.order_flows_sync_shop", shop_id, group="sync")
    return len(shop_ids)


def order_flows_sync_shop(shop_id: int, attempt: int = 0) -> str:
    """One run of the shop's fund-flow stream. It re-queues itself when its time ran out; when another sync of the
    shop holds the lease, it tries again in BUSY_RETRY, up to BUSY_ATTEMPTS times."""
    shop = Shop.objects.get(pk=shop_id)
    report = order_flows_sync(shop=shop, seconds=240)
    if report.stopped == "time":
        async_task("incentives.tasks.order_flows_sync_shop", shop_id, group="sync")
    elif report.stopped == "busy" and attempt + 1 < BUSY_ATTEMPTS:
        schedule(
            "incentives.tasks.order_flows_sync_shop",
            shop_id,
            attempt + 1,
            schedule_type=Schedule.ONCE,
            next_run=timezone.now() + BUSY_RETRY,
        )
    return report.stopped or "done"

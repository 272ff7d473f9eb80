"""Background tasks of the core (django-q2). Every task is idempotent: running it twice has the effect of
running it once, and each one re-queues itself when it has more to do rather than outliving the task timeout."""

import time

from django.db import transaction
from django_q.tasks import async_task

from shopops.models import CallbackNonce, InboundEvent, Shop
from shopops.sync import engine

MAX_SKEW_SECONDS = 300  # the push callback's timestamp window
RUN_SECONDS = 240  # below Q_CLUSTER["timeout"] (300 s): a long backfill continues in a fresh task


def ping(message: str) -> str:
    """Round trip through the queue: used to check that a worker is alive and reads the broker."""
    return f"pong: {message}"


def sync_shop(shop_id: int, streams: tuple[str, ...] = ("orders", "aftersales")) -> str:
    """One time-boxed sync run; queues the next one when time ran out."""
    shop = Shop.objects.connected().filter(pk=shop_id, status=Shop.Status.ACTIVE).first()
    if shop is None:
        return "skipped"
    report = engine.shop_sync(shop=shop, streams=tuple(streams), seconds=RUN_SECONDS)
    if report.stopped == "time":
        queue_sync(shop_id=shop_id, streams=streams)
    if InboundEvent.objects.filter(shop=shop, processed_at=None).exists() and report.stopped != "busy":
        queue_events(shop_id=shop_id)
    return report.stopped or "caught up"


def process_events(shop_id: int) -> str:
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return "skipped"
    callback_nonces_forget(shop=shop)
    return engine.shop_events(shop=shop).stopped or "done"


def callback_nonces_forget(*, shop: Shop) -> int:
    """Nonces only need to outlive the callback's timestamp window; older requests are refused as stale anyway."""
    horizon = int(time.time()) - 2 * MAX_SKEW_SECONDS
    return CallbackNonce.objects.filter(shop=shop, timestamp__lt=horizon).delete()[0]


def sync_active_shops() -> int:
    """The 5-minute schedule: one incremental run per active, connected shop (the lease keeps it to one)."""
    shop_ids = list(Shop.objects.connected().filter(status=Shop.Status.ACTIVE).values_list("pk", flat=True))
    for shop_id in shop_ids:
        queue_sync(shop_id=shop_id)
    return len(shop_ids)


def sync_products_all_shops() -> int:
    shop_ids = list(Shop.objects.connected().filter(status=Shop.Status.ACTIVE).values_list("pk", flat=True))
    for shop_id in shop_ids:
        queue_sync(shop_id=shop_id, streams=("products",))
    return len(shop_ids)


def queue_sync(*, shop_id: int, streams=("orders", "aftersales")) -> None:
    transaction.on_commit(lambda: async_task("shopops.tasks.sync_shop", shop_id, tuple(streams), group="sync"))


def queue_events(*, shop_id: int) -> None:
    async_task("shopops.tasks.process_events", shop_id, group="events")

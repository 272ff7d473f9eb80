import os

import pytest
from django.conf import settings
from django.db import connections
from django_q.brokers import get_broker
from django_q.cluster import Cluster
from django_q.tasks import async_task, result

from shopops import tasks
from shopops.models import ApiCall, Shop
from tests.factories import ShopFactory


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_task_goes_through_a_real_worker_on_the_configured_broker():
    """With REDIS_URL set (as in CI) this runs over Redis; without it, over the ORM broker."""
    if os.environ.get("CI") and not settings.REDIS_URL:
        pytest.fail("CI must set REDIS_URL so the Redis broker is exercised")
    broker = get_broker()
    assert type(broker).__name__ == ("Redis" if settings.REDIS_URL else "ORM")
    broker.purge_queue()
    task_id = async_task("shopops.tasks.ping", "你好", broker=broker)
    # The worker processes are forked: they must open their own database connections, not share ours.
    connections.close_all()
    cluster = Cluster(broker)
    cluster.start()
    try:
        value = result(task_id, wait=30_000)
    finally:
        cluster.stop()
    assert value == "pong: 你好"


# --- the schedules: active, connected shops only ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sync_schedules_queue_active_connected_shops_only(queue, django_capture_on_commit_callbacks):
    """A shop with an AppID but no AppSecret cannot sync: queued, it would fail every five minutes, collect
    credential alerts and pause itself."""
    connected = ShopFactory(appid="wx5chedu1e00000001", app_secret="s" * 32)
    appid_only = ShopFactory(appid="wx5chedu1e00000002")
    ShopFactory()  # no credentials
    paused = ShopFactory(appid="wx5chedu1e00000003", app_secret="s" * 32, status=Shop.Status.PAUSED)
    assert (connected.is_connected, appid_only.is_connected, paused.is_connected) == (True, False, True)
    assert set(Shop.objects.connected()) == {connected, paused}

    with django_capture_on_commit_callbacks(execute=True):
        queued_orders = tasks.sync_active_shops()
        queued_products = tasks.sync_products_all_shops()

    assert (queued_orders, queued_products) == (1, 1)
    assert sorted((task["func"], task["args"]) for task in queue()) == [
        ("shopops.tasks.sync_shop", (connected.pk, ("orders", "aftersales"))),
        ("shopops.tasks.sync_shop", (connected.pk, ("products",))),
    ]
    # Queued before its AppSecret was removed, the run skips it without asking the platform.
    assert tasks.sync_shop(appid_only.pk) == "skipped"
    assert ApiCall.objects.count() == 0

import os

import pytest
from django.conf import settings
from django.db import connections
from django_q.brokers import get_broker
from django_q.cluster import Cluster
from django_q.tasks import async_task, result


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

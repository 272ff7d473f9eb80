"""Acceptance 2: a preview's start-time reminder fires exactly once when the worker is killed (-9) and restarted
around the start time — with a real django-q2 cluster (``manage.py qcluster``, the configured broker) on the test
database — and when the process sending it dies between claiming it and committing."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext, override
from django_q.models import OrmQ, Schedule
from django_q.tasks import async_task

from campaigns.models import ConsoleNotification, LivePreview, PreviewReminder
from campaigns.services.previews import reminders_send_due
from sandbox.server import database_url
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
TASK = "campaigns.tasks.preview_reminders_due"

# Runs reminders_send_due in a process of its own that kills itself (SIGKILL: no rollback by Python, no finally)
# right after claiming the reminder and before the notification is written and the transaction commits.
KILLED_WHILE_SENDING = """
import os, signal

import django

django.setup()
from campaigns.models import ConsoleNotification
from campaigns.services.previews import reminders_send_due


def create(**kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


ConsoleNotification.objects.create = create
reminders_send_due()
"""


def _env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "shopops.settings",
        "Q_WORKERS": "1",
    }


class Worker:
    """``manage.py qcluster`` in a process group of its own, so that kill -9 takes the sentinel, pusher, workers
    and monitor down at once, as a machine crash would."""

    def __init__(self, log: Path):
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(tmp_path / "qcluster.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def _sent(preview) -> tuple[int, int]:
    return (
        PreviewReminder.objects.filter(preview=preview).count(),
        ConsoleNotification.objects.filter(kind="preview_reminder", key=str(preview.pk)).count(),
    )


def test_the_reminder_fires_once_when_the_worker_is_killed_and_restarted_around_the_start(workers, tmp_path):
    shop = ShopFactory()
    start = timezone.now() + timedelta(seconds=8)
    preview = LivePreview.objects.create(shop=shop, topic="新品首发专场", start_time=start)
    # The schedule setup_schedules adds (every minute), due now.
    Schedule.objects.create(
        name="campaigns:preview-reminders",
        func=TASK,
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
        next_run=timezone.now(),
    )

    # A worker up before the start is killed just before it: nothing was due, nothing is sent.
    first = workers()
    time.sleep(max((start - timezone.now()).total_seconds() - 1.5, 0))
    first.kill()
    assert _sent(preview) == (0, 0)

    # After the start, with duplicate runs queued, a new worker sends it; it is killed as soon as it has.
    time.sleep(max((start - timezone.now()).total_seconds() + 0.5, 0))
    for _ in range(3):
        async_task(TASK)
    second = workers()
    assert _wait_until(lambda: _sent(preview) != (0, 0), timeout=90), (tmp_path / "qcluster.log").read_text()
    second.kill()
    assert _sent(preview) == (1, 1)

    # Restarted again with more runs queued (and the schedule due again): still exactly one.
    for _ in range(3):
        async_task(TASK)
    Schedule.objects.filter(func=TASK).update(next_run=timezone.now())
    third = workers()
    drained = _wait_until(lambda: not OrmQ.objects.filter(lock__isnull=True).exists(), timeout=60)
    scheduled = _wait_until(lambda: Schedule.objects.get(func=TASK).next_run > timezone.now(), timeout=60)
    third.kill()
    assert drained and scheduled, (tmp_path / "qcluster.log").read_text()
    assert _sent(preview) == (1, 1)
    notification = ConsoleNotification.objects.get(kind="preview_reminder", key=str(preview.pk))
    assert notification.shop == shop
    with override("zh-hans"):
        assert notification.title == gettext("Live starting: %(topic)s") % {"topic": "新品首发专场"}
    assert notification.link == f"/shops/{shop.public_id}/campaigns/previews/{preview.pk}/"


def test_a_sender_killed_between_claim_and_commit_leaves_it_to_the_next_run():
    shop = ShopFactory()
    preview = LivePreview.objects.create(
        shop=shop, topic="会员福利日", start_time=timezone.now() - timedelta(minutes=1)
    )

    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_SENDING],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _sent(preview) == (0, 0)  # the claim died with its transaction

    assert reminders_send_due() == 1
    assert reminders_send_due() == 0
    assert _sent(preview) == (1, 1)
    reminder = PreviewReminder.objects.get(preview=preview)
    assert [(item["key"], item["done"]) for item in reminder.checklist] == [
        ("notice", False),
        ("coupons", False),
        ("gift", False),
        ("promoters", False),
        ("post_payment", False),
    ]


def test_no_reminder_before_the_start_nor_long_after_it():
    shop = ShopFactory()
    now = timezone.now()
    LivePreview.objects.create(shop=shop, topic="未来", start_time=now + timedelta(minutes=5))
    LivePreview.objects.create(shop=shop, topic="早已开播", start_time=now - timedelta(hours=7))
    assert reminders_send_due(now=now) == 0
    assert PreviewReminder.objects.count() == ConsoleNotification.objects.count() == 0


def test_the_demo_hook_plans_one_preview_with_an_own_link_once():
    from campaigns.tasks import previews_demo_first_steps

    shop = ShopFactory()  # not connected: the read is skipped, the plan is made
    assert previews_demo_first_steps(shop.pk) == "skipped; planned one"
    assert previews_demo_first_steps(shop.pk) == "skipped"
    preview = LivePreview.objects.get(shop=shop)
    assert (preview.planned, preview.promoters.get().kind) == (True, "own")
    assert timezone.localtime(preview.start_time).hour == 20

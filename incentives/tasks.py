"""Background tasks of the incentives (django-q2). Schedules (setup_schedules):

- ``incentives.tasks.order_flows_sync_all`` hourly: each connected shop's per-order fund flows (listorderflow).
- ``incentives.tasks.incentives_evaluate_all`` hourly: each active shop's accruals under its rule sets (the 2025
  example installed first when the shop has none) for the orders queued since the last run
  (``accruals_evaluate_changes``), posted to the ledger; then its WeCom staff rewards
  (``incentives.tasks.staff_rewards_evaluate_shop``).
- ``incentives.tasks.growth_cards_expire`` daily: what is left on expired growth cards, written off.
"""

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from incentives.flows_sync import order_flows_sync
from incentives.services.evaluation import accruals_evaluate_changes
from incentives.services.growth import cards_expire
from incentives.services.rules import ruleset_install_example
from incentives.services.staff import staff_rewards_evaluate
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


def incentives_evaluate_all() -> int:
    """Queue the incentive evaluation of every active shop."""
    shop_ids = list(Shop.objects.filter(status=Shop.Status.ACTIVE).values_list("pk", flat=True))
    for shop_id in shop_ids:
        async_task("incentives.tasks.incentives_evaluate_shop", shop_id, group="incentives")
        async_task("incentives.tasks.staff_rewards_evaluate_shop", shop_id, group="incentives")
    return len(shop_ids)


def incentives_evaluate_shop(shop_id: int) -> str:
    """Evaluate the shop's queued orders (all of them the first time and after a change of its rule sets) under its
    rule sets and post what changed to the ledger (idempotent: a re-run writes nothing). A shop without a programme
    gets the 2025 example (marked as an example) first."""
    shop = Shop.objects.get(pk=shop_id)
    ruleset_install_example(shop=shop)
    result = accruals_evaluate_changes(shop=shop)
    return f"{result.written} accruals, {result.amount_fen} fen, {result.posted} journals"


def growth_cards_expire() -> str:
    """Write off what is left on every growth card past its last valid day (one journal per card, idempotent)."""
    return f"{cards_expire()} growth cards written off"


def staff_rewards_evaluate_shop(shop_id: int) -> str:
    """Evaluate the shop's WeCom staff reward schemes and post what changed (idempotent: a re-run writes nothing)."""
    shop = Shop.objects.get(pk=shop_id)
    result = staff_rewards_evaluate(shop=shop)
    return f"{result.written} staff rewards, {result.amount_fen} fen, {result.posted} journals"

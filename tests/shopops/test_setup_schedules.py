"""setup_schedules creates every declared schedule, the linked and cooperation account refreshes included, and
running it again changes nothing."""

from pydoc import locate

from django.core.management import call_command
from django_q.models import Schedule

from shopops.management.commands.setup_schedules import SCHEDULES

FIELDS = ("name", "func", "schedule_type", "minutes", "repeats")


def test_every_schedule_is_created_once_and_names_a_task_that_exists(db):
    call_command("setup_schedules")
    first = list(Schedule.objects.order_by("name").values_list(*FIELDS))
    next_runs = dict(Schedule.objects.values_list("name", "next_run"))
    call_command("setup_schedules")

    assert list(Schedule.objects.order_by("name").values_list(*FIELDS)) == first
    assert dict(Schedule.objects.values_list("name", "next_run")) == next_runs
    assert first == [
        ("shopops:favorites-snapshots", "campaigns.tasks.favorites_snapshots_take", Schedule.HOURLY, None, -1),
        ("shopops:growth-cards-expire", "incentives.tasks.growth_cards_expire", Schedule.DAILY, None, -1),
        ("shopops:incentives-evaluate", "incentives.tasks.incentives_evaluate_all", Schedule.HOURLY, None, -1),
        ("shopops:preview-reminders", "campaigns.tasks.preview_reminders_due", Schedule.MINUTES, 1, -1),
        ("shopops:refresh-alliance", "affiliates.tasks.alliance_refresh_all_shops", Schedule.MINUTES, 15, -1),
        (
            "shopops:refresh-cooperation-accounts",
            "linked_accounts.tasks.cooperation_accounts_refresh_all_shops",
            Schedule.MINUTES,
            15,
            -1,
        ),
        (
            "shopops:refresh-linked-accounts",
            "linked_accounts.tasks.linked_accounts_refresh_all_shops",
            Schedule.MINUTES,
            15,
            -1,
        ),
        ("shopops:sync-agencies", "affiliates.tasks.sync_active_agencies", Schedule.MINUTES, 5, -1),
        ("shopops:sync-agency-catalogs", "affiliates.tasks.sync_catalog_all_agencies", Schedule.HOURLY, None, -1),
        ("shopops:sync-coupons", "campaigns.tasks.coupons_sync_all", Schedule.MINUTES, 30, -1),
        ("shopops:sync-order-flows", "incentives.tasks.order_flows_sync_all", Schedule.HOURLY, None, -1),
        ("shopops:sync-orders", "shopops.tasks.sync_active_shops", Schedule.MINUTES, 5, -1),
        ("shopops:sync-previews", "campaigns.tasks.previews_sync_all_shops", Schedule.MINUTES, 15, -1),
        ("shopops:sync-products", "shopops.tasks.sync_products_all_shops", Schedule.HOURLY, None, -1),
    ]
    # The functions are named by dotted path (the core does not import linked_accounts): each must resolve.
    assert all(callable(locate(fields["func"])) for fields in SCHEDULES.values())

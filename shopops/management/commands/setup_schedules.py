"""Create or update every django-q2 schedule the product needs. Idempotent: schedules are code, not clicks."""

from django.core.management.base import BaseCommand
from django_q.models import Schedule

# name -> Schedule fields. Features add their schedules here. ``func`` is a dotted path that django-q2 imports
# when the schedule fires, so the core names a feature app's task without importing that app.
SCHEDULES: dict[str, dict] = {
    "shopops:sync-orders": {
        "func": "shopops.tasks.sync_active_shops",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
        "repeats": -1,
    },
    "shopops:sync-products": {
        "func": "shopops.tasks.sync_products_all_shops",
        "schedule_type": Schedule.HOURLY,
        "repeats": -1,
    },
    # Answers to invitations and links made or ended in the WeChat Shop backend arrive only by polling.
    "shopops:refresh-linked-accounts": {
        "func": "linked_accounts.tasks.linked_accounts_refresh_all_shops",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
        "repeats": -1,
    },
    "shopops:refresh-cooperation-accounts": {
        "func": "linked_accounts.tasks.cooperation_accounts_refresh_all_shops",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
        "repeats": -1,
    },
    # 优选联盟: each agency's own account (commission orders, funds) and what changes less often (shops, products,
    # talents, 推客); each shop's plans, talents and cooperations, then a recheck of its commission lines.
    "shopops:sync-agencies": {
        "func": "affiliates.tasks.sync_active_agencies",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
        "repeats": -1,
    },
    "shopops:sync-agency-catalogs": {
        "func": "affiliates.tasks.sync_catalog_all_agencies",
        "schedule_type": Schedule.HOURLY,
        "repeats": -1,
    },
    "shopops:refresh-alliance": {
        "func": "affiliates.tasks.alliance_refresh_all_shops",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
        "repeats": -1,
    },
    # Campaigns: the coupons (their stock figures and the buyers' coupons) every 30 minutes, the live notices (and
    # the dashboards of finished lives) every 15 minutes; the start-time reminders are checked every minute and each
    # goes out once. The favourites counts are read hourly into the day's snapshot (the last reading of a day stays).
    "shopops:sync-previews": {
        "func": "campaigns.tasks.previews_sync_all_shops",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
        "repeats": -1,
    },
    "shopops:sync-coupons": {
        "func": "campaigns.tasks.coupons_sync_all",
        "schedule_type": Schedule.MINUTES,
        "minutes": 30,
        "repeats": -1,
    },
    "shopops:favorites-snapshots": {
        "func": "campaigns.tasks.favorites_snapshots_take",
        "schedule_type": Schedule.HOURLY,
        "repeats": -1,
    },
    # 私域激励: the platform's per-order fund flows (fee charged vs original, settlement), hourly.
    "shopops:sync-order-flows": {
        "func": "incentives.tasks.order_flows_sync_all",
        "schedule_type": Schedule.HOURLY,
        "repeats": -1,
    },
    # 私域激励: the accruals of the shops' rule sets, posted to the ledger, hourly.
    "shopops:incentives-evaluate": {
        "func": "incentives.tasks.incentives_evaluate_all",
        "schedule_type": Schedule.HOURLY,
        "repeats": -1,
    },
    # 私域激励: what is left on expired growth cards, written off once a day (idempotent per card).
    "shopops:growth-cards-expire": {
        "func": "incentives.tasks.growth_cards_expire",
        "schedule_type": Schedule.DAILY,
        "repeats": -1,
    },
    "shopops:preview-reminders": {
        "func": "campaigns.tasks.preview_reminders_due",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
        "repeats": -1,
    },
}


def schedules_sync() -> tuple[int, int]:
    """Create missing schedules, update changed ones, and delete ours that are no longer declared."""
    created = updated = 0
    for name, fields in SCHEDULES.items():
        _, was_created = Schedule.objects.update_or_create(name=name, defaults=fields)
        created += was_created
        updated += not was_created
    Schedule.objects.filter(name__startswith="shopops:").exclude(name__in=SCHEDULES).delete()
    return created, updated


class Command(BaseCommand):
    help = "Create or update every background schedule (safe to run repeatedly)."

    def handle(self, *args, **options):
        created, updated = schedules_sync()
        self.stdout.write(f"Schedules: {created} created, {updated} up to date, {len(SCHEDULES)} declared.")

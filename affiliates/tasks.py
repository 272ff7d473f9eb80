"""Background tasks of the alliance (django-q2): the sync of each agency's own platform account (affiliates.sync).

And the shops' side: every 15 minutes each connected shop's plans, talents and agency cooperations, and a recheck of
its commission lines (``alliance_refresh_shop``).

Every task is idempotent: a run holds the agency's sync lease (a second one at the same time ends as "busy"), and
re-queues itself when its time ran out rather than outliving the task timeout. Two schedules (setup_schedules):
every 5 minutes the commission orders, funds flows and balance of every active agency with credentials; hourly its
cooperating shops, promoted products, bound talents and 推客.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_q.tasks import async_task

from affiliates.models import Agency
from affiliates.services import commissions, cooperation, plans, talents
from affiliates.sync import ALL_STREAMS, FREQUENT_STREAMS, HOURLY_STREAMS
from affiliates.sync import agency_sync as agency_sync_run
from shopops.models import Shop

logger = logging.getLogger(__name__)

GROUP = "agency-sync"
RUN_SECONDS = 240  # below Q_CLUSTER["timeout"] (300 s): a long backfill continues in a fresh task


def _syncable() -> list[int]:
    agencies = Agency.objects.filter(status=Agency.Status.ACTIVE).exclude(appid="").exclude(app_secret="")
    return list(agencies.order_by("pk").values_list("pk", flat=True))


def agency_sync(agency_id: int, streams: tuple[str, ...] = ALL_STREAMS) -> str:
    """One time-boxed sync run of an active agency with credentials ("skipped" otherwise); queues the next one
    when time ran out. Returns why it stopped, or "caught up"."""
    agency = Agency.objects.filter(pk=agency_id, status=Agency.Status.ACTIVE).first()
    if agency is None:
        return "skipped"
    report = agency_sync_run(agency=agency, streams=tuple(streams), seconds=RUN_SECONDS)
    if report.stopped == "time":
        queue_agency_sync(agency_id=agency_id, streams=streams)
    return report.stopped or "caught up"


def queue_agency_sync(*, agency_id: int, streams: tuple[str, ...] = ALL_STREAMS) -> None:
    """Queue ``agency_sync`` once the current transaction commits."""
    transaction.on_commit(lambda: async_task("affiliates.tasks.agency_sync", agency_id, tuple(streams), group=GROUP))


def sync_active_agencies() -> int:
    """The 5-minute schedule: commission orders, funds flows and balance of every syncable agency."""
    agency_ids = _syncable()
    for agency_id in agency_ids:
        queue_agency_sync(agency_id=agency_id, streams=FREQUENT_STREAMS)
    return len(agency_ids)


def sync_catalog_all_agencies() -> int:
    """The hourly schedule: cooperating shops, promoted products, bound talents and 推客 of every syncable agency."""
    agency_ids = _syncable()
    for agency_id in agency_ids:
        queue_agency_sync(agency_id=agency_id, streams=HOURLY_STREAMS)
    return len(agency_ids)


# --- the shops' side of the alliance ----------------------------------------------------------------------------------


def alliance_refresh_shop(shop_id: int) -> str:
    """Read a connected shop's alliance from the platform — its plans, its talents and (SANDBOX-ONLY, the real platform
    has no such list) its agency cooperations — then recheck its commission lines against the plan terms now known.
    Each step is idempotent; a refused one (the platform said no, 优选联盟 not enabled …) is reported and the others
    still run."""
    shop = Shop.objects.connected().filter(pk=shop_id).first()
    if shop is None:
        return "skipped"
    steps = [("plans", plans.plans_sync), ("talents", talents.talents_sync)]
    if settings.WECHAT_SANDBOX_ONLY_APIS:
        steps.append(("agencies", cooperation.cooperations_refresh))
    steps.append(("commissions", commissions.commission_lines_reconcile))
    done, refused = [], []
    for name, step in steps:
        try:
            step(shop=shop)
        except ValidationError as error:
            refused.append(f"{name}: {' '.join(error.messages)}")
            logger.warning("Alliance refresh of shop %s, %s refused: %s", shop.pk, name, refused[-1])
        else:
            done.append(name)
    return f"done: {', '.join(done) or 'nothing'}" + (f"; refused: {'; '.join(refused)}" if refused else "")


def queue_alliance_refresh(*, shop_id: int) -> None:
    transaction.on_commit(lambda: async_task("affiliates.tasks.alliance_refresh_shop", shop_id, group="alliance"))


def alliance_refresh_all_shops() -> int:
    """The 15-minute schedule: every connected shop's alliance (answers to invitations and changes made in the
    WeChat Shop backend arrive only by polling)."""
    shop_ids = list(Shop.objects.connected().order_by("pk").values_list("pk", flat=True))
    for shop_id in shop_ids:
        queue_alliance_refresh(shop_id=shop_id)
    return len(shop_ids)

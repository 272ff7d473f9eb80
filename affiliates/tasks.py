"""Background tasks of the alliance (django-q2): the sync of each agency's own platform account (affiliates.sync).

Every task is idempotent: a run holds the agency's sync lease (a second one at the same time ends as "busy"), and
re-queues itself when its time ran out rather than outliving the task timeout. Two schedules (setup_schedules):
every 5 minutes the commission orders, funds flows and balance of every active agency with credentials; hourly its
cooperating shops, promoted products, bound talents and 推客.
"""

from django.db import transaction
from django_q.tasks import async_task

from affiliates.models import Agency
from affiliates.sync import ALL_STREAMS, FREQUENT_STREAMS, HOURLY_STREAMS
from affiliates.sync import agency_sync as agency_sync_run

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

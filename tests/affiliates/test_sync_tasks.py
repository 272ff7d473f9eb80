"""The agency sync's task, schedules and command: only active agencies with both credentials are queued; a run
out of time queues the next; the command refuses what it cannot sync and reports what it did."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from affiliates import tasks
from affiliates.models import Agency, CommissionOrder
from affiliates.sync import agency_subject
from sandbox.models import CommissionOrder as PlatformCommissionOrder
from sandbox.services import shop_seed
from shopops.sync import engine
from tests.factories import AgencyFactory

AGENCY_APPID, AGENCY_SECRET = "wxagsynctasks00001", "a95ca5ecre7000000000000000000002"


@pytest.fixture
def seeded(live_sandbox):
    first = {"name": "青禾联盟团长", "appid": AGENCY_APPID, "secret": AGENCY_SECRET}
    shop_seed(appid="wxagsynctasksshop1", seed=3, days=3, orders=120, agencies=1, first_agency=first)
    return AgencyFactory(name="青禾联盟团长", appid=AGENCY_APPID, app_secret=AGENCY_SECRET)


@pytest.mark.django_db
def test_the_schedules_queue_active_agencies_with_credentials_only(queue, django_capture_on_commit_callbacks):
    syncable = AgencyFactory(appid="wxagsynctasks00002", app_secret="s" * 32)
    AgencyFactory(appid="wxagsynctasks00003", app_secret="s" * 32, status=Agency.Status.SUSPENDED)
    AgencyFactory()  # no platform account

    with django_capture_on_commit_callbacks(execute=True):
        counts = (tasks.sync_active_agencies(), tasks.sync_catalog_all_agencies())

    assert counts == (1, 1)
    assert [(task["func"], task["args"]) for task in queue()] == [
        ("affiliates.tasks.agency_sync", (syncable.pk, ("commission_orders", "funds_flows", "balance"))),
        ("affiliates.tasks.agency_sync", (syncable.pk, ("shops", "products", "talents", "sharers"))),
    ]


@pytest.mark.django_db
def test_a_suspended_or_missing_agency_is_skipped():
    suspended = AgencyFactory(appid="wxagsynctasks00004", app_secret="s" * 32, status=Agency.Status.SUSPENDED)
    assert (tasks.agency_sync(suspended.pk), tasks.agency_sync(suspended.pk + 1000)) == ("skipped", "skipped")


@pytest.mark.django_db(transaction=True)
def test_the_task_syncs_and_queues_the_rest_when_out_of_time(seeded, queue, monkeypatch):
    assert tasks.agency_sync(seeded.pk, ("commission_orders",)) == "caught up"
    assert (
        CommissionOrder.objects.filter(agency=seeded).count()
        == PlatformCommissionOrder.objects.filter(agency__appid=AGENCY_APPID).count()
    )

    monkeypatch.setattr(tasks, "RUN_SECONDS", 1e-9)  # time is up before the first page
    assert tasks.agency_sync(seeded.pk, ("balance",)) == "time"
    assert [(task["func"], task["args"]) for task in queue()] == [
        ("affiliates.tasks.agency_sync", (seeded.pk, ("balance",)))
    ]


@pytest.mark.django_db(transaction=True)
def test_the_command_backfills_and_reports(seeded):
    out = StringIO()
    call_command("sync_agency", agency=AGENCY_APPID, since="4d", streams="commission_orders,balance", stdout=out)

    remote = PlatformCommissionOrder.objects.filter(agency__appid=AGENCY_APPID).count()
    assert (
        out.getvalue().strip()
        == f"Done: commission_orders {remote} fetched, 0 already fresh, balance 1 fetched, 0 already fresh."
    )
    seeded.refresh_from_db()
    assert seeded.funds_checked_at is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"agency": "wxnosuchagency0001"}, "No agency with id or AppID 'wxnosuchagency0001'."),
        ({"agency": AGENCY_APPID, "streams": "orders"}, "Unknown streams: orders."),
        ({"agency": AGENCY_APPID, "since": "soon"}, "--since takes a number of days or hours, like 90d or 36h."),
    ],
)
def test_the_command_refuses_what_it_cannot_sync(seeded, options, message):
    with pytest.raises(CommandError) as refused:
        call_command("sync_agency", **options)
    assert str(refused.value) == message


@pytest.mark.django_db(transaction=True)
def test_the_command_refuses_an_agency_without_credentials_or_while_a_run_holds_the_lease(seeded):
    bare = AgencyFactory(name="无账号机构")
    with pytest.raises(CommandError, match="has no AppID and AppSecret"):
        call_command("sync_agency", agency=str(bare.pk))

    assert engine.subject_lease_acquire(subject=agency_subject(seeded), owner=engine.lease_owner_new())
    with pytest.raises(CommandError, match="Another sync of this agency is running right now"):
        call_command("sync_agency", agency=str(seeded.pk))

"""Sync health: each stream's lag, progress and errors with advice, the pause, the platform call log, and the
"Sync now" and backfill buttons, which queue work (django-q2) and never run it in the request."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_q.models import Schedule, Task

from shopops.forms.dates import day_out_of_range
from shopops.models import ApiCall, Shop, ShopAlert, SyncCursor, SyncState
from shopops.models.platform import ALERT_ADVICE
from shopops.roles import Role
from shopops.services.sync import sync_now_request
from shopops.views.sync import duration_text
from tests.factories import MembershipFactory
from tests.helpers import assert_constant_queries, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=BEIJING)
APPID, SECRET = "wx5ync4ea17h000001", "5ync4ea17h5ecre70000000000000001"


@pytest.fixture
def en_client(owner_client):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return owner_client


@pytest.fixture
def connected(shop):
    shop.appid, shop.app_secret = APPID, SECRET
    shop.save()
    return shop


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _url(name, shop):
    return reverse(f"console:{name}", kwargs={"shop": shop.public_id})


def _streams(response):
    return {s.stream: s for s in response.context["streams"]}


# --- what the page shows -----------------------------------------------------------------------------------


@pytest.fixture
def backfilling(connected):
    """Orders: a backfill from 10 days ago, 4 of those 10 days read; after-sales: never synced; products: done."""
    SyncCursor.objects.create(
        shop=connected,
        stream="orders",
        backfill_from=NOW - timedelta(days=10),
        window_start=NOW - timedelta(days=7),
        window_end=NOW - timedelta(days=6),
        completed_until=None,
        running_since=NOW - timedelta(minutes=3),
        last_success_at=NOW - timedelta(hours=2, minutes=5),
        items_done=1234,
        pages_done=13,
    )
    SyncCursor.objects.create(
        shop=connected,
        stream="products",
        completed_until=NOW - timedelta(minutes=45, seconds=30),
        last_success_at=NOW - timedelta(minutes=44),
    )
    SyncState.objects.create(shop=connected, lease_owner="worker-1", lease_expires_at=NOW + timedelta(minutes=8))
    Schedule.objects.create(
        name="shopops:sync-orders",
        func="shopops.tasks.sync_active_shops",
        schedule_type=Schedule.MINUTES,
        minutes=5,
        next_run=NOW + timedelta(minutes=3),
    )
    return connected


def test_each_stream_shows_lag_next_run_and_backfill_progress(en_client, backfilling, frozen):
    response = en_client.get(_url("sync_health", backfilling))

    assert response.status_code == 200
    streams = _streams(response)
    orders, aftersales, products = streams["orders"], streams["aftersales"], streams["products"]
    assert (orders.running, orders.stalled, orders.backfill_share, orders.lag_text) == (True, False, 40, "—")
    assert (orders.next_run, orders.schedule_text) == (NOW + timedelta(minutes=3), "every 5 minutes")
    assert (aftersales.cursor, aftersales.running, aftersales.lag_text) == (None, False, "—")
    assert (products.running, products.lag_text, products.next_run, products.schedule_text) == (
        False,
        "45 min",
        None,
        "every hour",
    )
    html = response.content.decode()
    assert "40% of the period since 2026-02-28 covered" in html
    assert "1234 items listed in 13 pages" in html
    assert 'aria-valuenow="40"' in html
    assert "2026-03-10 12:03" in html  # the orders schedule's next run
    assert "2026-03-10 09:55" in html  # the orders' last success
    assert 'hx-trigger="every 2s"' in html
    assert f'hx-get="{_url("sync_progress", backfilling)}"' in html


def test_lag_is_now_minus_complete_up_to(en_client, connected, frozen):
    SyncCursor.objects.create(
        shop=connected, stream="orders", completed_until=NOW - timedelta(hours=2, minutes=5, seconds=59)
    )
    SyncCursor.objects.create(shop=connected, stream="aftersales", completed_until=NOW - timedelta(days=3, hours=4))
    streams = _streams(en_client.get(_url("sync_health", connected)))
    assert (streams["orders"].lag, streams["orders"].lag_text) == (
        timedelta(hours=2, minutes=5, seconds=59),
        "2 h 5 min",
    )
    assert streams["aftersales"].lag_text == "3 d 4 h"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (None, "—"),
        (timedelta(seconds=-5), "0 s"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=12, seconds=59), "12 min"),
        (timedelta(hours=1), "1 h 0 min"),
        (timedelta(days=1, minutes=30), "1 d 0 h"),
    ],
)
def test_duration_text(delta, text):
    from django.utils import translation

    with translation.override("en"):
        assert duration_text(delta) == text


def test_the_progress_partial_polls_while_running_and_stops_when_done(en_client, backfilling, frozen):
    url = _url("sync_progress", backfilling)
    running = en_client.get(url)
    html = running.content.decode()
    assert running.status_code == 200
    assert html.lstrip().startswith('<div id="sync-streams"')
    assert "<html" not in html and "sync-alert" not in html
    assert 'hx-trigger="every 2s"' in html
    assert "40% of the period since 2026-02-28 covered" in html

    SyncCursor.objects.filter(shop=backfilling, stream="orders").update(
        running_since=None,
        backfill_from=None,
        window_start=None,
        window_end=None,
        completed_until=NOW - timedelta(minutes=1),
        last_success_at=NOW,
        items_done=2345,
    )
    SyncState.objects.filter(shop=backfilling).update(lease_owner="", lease_expires_at=None)
    done = en_client.get(url).content.decode()
    assert "hx-trigger" not in done and "hx-get" not in done
    assert "period since" not in done
    assert _streams(en_client.get(url))["orders"].lag_text == "1 min"


def test_a_run_stopped_by_an_error_stops_polling_and_says_what_to_do(en_client, connected, frozen):
    SyncCursor.objects.create(
        shop=connected,
        stream="orders",
        running_since=NOW - timedelta(minutes=10),
        items_done=100,
        pages_done=1,
        last_error="IpNotWhitelistedError: errcode=45035 access clientip is not registered rid: 6a1-2b-3c",
        last_error_at=NOW - timedelta(minutes=9),
    )
    response = en_client.get(_url("sync_health", connected))
    orders = _streams(response)["orders"]
    assert (orders.running, orders.stalled, orders.error_class) == (False, True, "IpNotWhitelistedError")
    assert orders.advice == str(ALERT_ADVICE[ShopAlert.Kind.IP_WHITELIST])
    html = response.content.decode()
    assert "hx-trigger" not in html
    assert "Add this server&#x27;s outbound IP address to the IP whitelist" in html
    assert "errcode=45035 access clientip is not registered" in html
    # The headline is what happened in plain words; the stored class name and errcode are the folded-away detail.
    assert orders.error_summary == "This server's IP address is not on the whitelist"
    assert (
        '<div class="fw-medium stream-error-summary">This server&#x27;s IP address is not on the whitelist</div>'
    ) in html
    assert (
        '<details class="mt-1 technical-details"><summary>Technical details</summary>\n'
        '            <code class="d-block mt-1 text-break">IpNotWhitelistedError: errcode=45035 access clientip is not '
        "registered rid: 6a1-2b-3c</code>"
    ) in html


def test_a_paused_shop_says_until_when_and_why(en_client, connected, frozen):
    tomorrow = datetime(2026, 3, 11, 0, 0, tzinfo=BEIJING)
    reason = "QuotaExhaustedError: errcode=45009 reach max api daily quota limit rid: 1-2-3"
    SyncState.objects.create(shop=connected, paused_until=tomorrow, pause_reason=reason)
    ShopAlert.objects.create(shop=connected, kind=ShopAlert.Kind.QUOTA, message=reason)
    SyncCursor.objects.create(shop=connected, stream="orders", last_error=reason, last_error_at=NOW)
    response = en_client.get(_url("sync_health", connected))
    html = response.content.decode()
    assert response.context["paused_until"] == tomorrow
    assert "Syncing is paused until 2026-03-11 00:00." in html
    assert reason in html
    assert '<div class="small mt-1">Reason: Today&#x27;s API quota is used up</div>' in html
    assert "Syncing stops until tomorrow (Beijing time) and then resumes by itself." in html
    assert _streams(response)["orders"].advice == str(ALERT_ADVICE[ShopAlert.Kind.QUOTA])


def test_analysts_see_the_page_without_the_buttons(client, connected):
    analyst = MembershipFactory(shop=connected, role=Role.ANALYST)
    client.force_login(analyst.user)
    html = client.get(_url("sync_health", connected)).content.decode()
    assert _url("sync_now", connected) not in html
    assert _url("sync_backfill", connected) not in html


# --- the call log ------------------------------------------------------------------------------------------------


def _call(shop, endpoint="/channels/ec/order/list/get", *, at, errcode=0, http_status=200, error="", attempt=1):
    return ApiCall.objects.create(
        shop=shop,
        appid=APPID,
        endpoint=endpoint,
        http_status=http_status,
        errcode=errcode,
        error=error,
        attempt=attempt,
        duration_ms=87,
        request_id="rid-1" if error else "",
        created_at=at,
    )


def test_the_call_log_filters_by_endpoint_errors_and_day(en_client, connected, frozen):
    ok = _call(connected, at=NOW - timedelta(hours=1))
    failed = _call(
        connected,
        "/channels/ec/order/get",
        at=NOW - timedelta(hours=2),
        errcode=45009,
        error="QuotaExhaustedError",
        attempt=2,
    )
    server = _call(
        connected,
        "/channels/ec/order/get",
        at=NOW - timedelta(days=1),
        http_status=502,
        errcode=None,
        error="ServerError",
    )
    _call(MembershipFactory().shop, at=NOW)  # another shop's call
    url = _url("sync_health", connected)

    def listed(query=""):
        return [c.pk for c in en_client.get(url + query).context["calls"]]

    assert listed() == [ok.pk, failed.pk, server.pk]
    assert listed("?endpoint=/channels/ec/order/get") == [failed.pk, server.pk]
    assert listed("?errors_only=on") == [failed.pk, server.pk]
    assert listed("?day=2026-03-09") == [server.pk]
    assert listed("?day=2026-03-10&errors_only=on") == [failed.pk]
    assert listed("?endpoint=/not/called") == [ok.pk, failed.pk, server.pk]  # not a choice: ignored
    html = en_client.get(url + "?errors_only=on").content.decode()
    assert "QuotaExhaustedError" in html and "45009" in html and "87 ms" in html


@pytest.mark.parametrize(
    ("error", "summary"),
    [
        ("NetworkError", "No answer from the platform (timeout or connection failure)"),
        ("ServerError", "The platform answered with a server error"),
        ("BusyError", "The platform was busy"),
        ("QuotaExhaustedError", "Today&#x27;s API quota is used up"),
        ("WeChatError", "The platform returned an error"),  # an errcode the client does not classify
    ],
)
def test_the_call_log_says_what_went_wrong_in_plain_words(en_client, connected, frozen, error, summary):
    _call(connected, at=NOW, http_status=502, errcode=None, error=error)
    _call(connected, at=NOW - timedelta(minutes=1))  # a call that went through has an empty error cell
    html = en_client.get(_url("sync_health", connected)).content.decode()
    # The class name is still there for support, under the words, not as the cell's headline.
    assert (
        f'<td class="api-call-error"><div>{summary}</div><code class="small text-body-secondary">{error}</code></td>'
    ) in html
    assert '<td class="api-call-error"></td>' in html


def test_the_call_log_breaks_endpoints_after_slashes(en_client, connected, frozen):
    _call(connected, "/channels/ec/league/headsupplier/item/list/get", at=NOW)
    html = en_client.get(_url("sync_health", connected)).content.decode()
    assert (
        '<td class="api-call-endpoint"><code class="small">/<wbr>channels/<wbr>ec/<wbr>league/<wbr>headsupplier/<wbr>'
        "item/<wbr>list/<wbr>get</code></td>"
    ) in html


def test_the_call_log_pages_without_counting(en_client, connected):
    base = datetime(2026, 3, 1, tzinfo=BEIJING)
    ApiCall.objects.bulk_create(
        ApiCall(
            shop=connected, appid=APPID, endpoint="/e", attempt=1, duration_ms=1, created_at=base + timedelta(seconds=n)
        )
        for n in range(51)
    )
    url = _url("sync_health", connected)
    first, second = en_client.get(url), en_client.get(url + "?page=2")
    assert (len(first.context["calls"]), first.context["calls_has_next"]) == (50, True)
    assert (len(second.context["calls"]), second.context["calls_has_next"]) == (1, False)
    assert second.context["calls"][0].created_at == base
    assert "page=2#api-calls" in first.content.decode()


@pytest.mark.parametrize(
    ("day", "codes", "listed"),
    [
        ("9999-12-31", ["day_out_of_range"], True),  # the day after it does not exist
        ("1999-12-31", ["day_out_of_range"], True),
        ("2100-01-01", ["day_out_of_range"], True),
        ("2000-01-01", None, False),
        ("2099-12-31", None, False),
        ("10000-01-01", ["invalid"], True),
    ],
)
def test_the_call_log_refuses_a_day_out_of_range_with_a_field_error(en_client, connected, frozen, day, codes, listed):
    call = _call(connected, at=NOW)
    response = en_client.get(_url("sync_health", connected) + f"?day={day}")
    assert response.status_code == 200
    form = response.context["filters_form"]
    errors = {name: [e.code for e in errs] for name, errs in form.errors.as_data().items()}
    assert errors == ({"day": codes} if codes else {})
    if codes == ["day_out_of_range"]:
        assert form.errors["day"] == [day_out_of_range()]
    # The refusal is shown under the day field.
    assert ('<div class="invalid-feedback" id="id_day-errors">' in response.content.decode()) == bool(codes)
    # A refused day filters nothing: the log is shown unfiltered; a day in range that has no calls lists none.
    assert [c.pk for c in response.context["calls"]] == ([call.pk] if listed else [])


def _calls_51(shop):
    base = datetime(2026, 3, 1, tzinfo=BEIJING)
    ApiCall.objects.bulk_create(
        ApiCall(shop=shop, appid=APPID, endpoint="/e", attempt=1, duration_ms=1, created_at=base + timedelta(seconds=n))
        for n in range(51)
    )


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("99999999999999999999", 2),  # past the end (and past a bigint OFFSET): the last page
        ("3", 2),
        ("2", 2),
        ("1", 1),
        ("0", 1),
        ("-7", 1),
        ("abc", 1),  # not a number: the first page
        ("", 1),
        ("9" * 5000, 1),  # more digits than int() reads
    ],
)
def test_a_page_number_out_of_range_shows_the_last_page_or_the_first(en_client, connected, page, shown):
    _calls_51(connected)
    response = en_client.get(_url("sync_health", connected), {"page": page})
    assert response.status_code == 200
    context = response.context
    assert (context["calls_page"], len(context["calls"]), context["calls_has_next"]) == (
        (1, 50, True) if shown == 1 else (2, 1, False)
    )


def test_a_page_number_past_an_empty_log_shows_the_first_page(en_client, connected):
    response = en_client.get(_url("sync_health", connected), {"page": "99999999999999999999"})
    assert response.status_code == 200
    assert (response.context["calls_page"], response.context["calls"], response.context["calls_has_next"]) == (
        1,
        [],
        False,
    )


def test_the_page_runs_a_fixed_number_of_queries(owner_client, backfilling):
    def add_calls(n):
        ApiCall.objects.bulk_create(
            ApiCall(shop=backfilling, appid=APPID, endpoint=f"/e/{i % 3}", attempt=1, duration_ms=5, created_at=NOW)
            for i in range(n)
        )

    _, large = assert_constant_queries(owner_client, _url("sync_health", backfilling), add_calls, small=1, large=50)
    assert len(large.context["calls"]) == 50


# --- sync now and backfill: queued, never run in the request ----------------------------------------------------


def test_sync_now_queues_exactly_one_task_and_runs_nothing(
    en_client, connected, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = en_client.post(_url("sync_now", connected), follow=True)

    assert response.redirect_chain == [(_url("sync_health", connected), 302)]
    assert len(callbacks) == 1
    assert [(t["func"], t["args"], t["group"]) for t in queue()] == [
        ("shopops.tasks.sync_shop", (connected.pk, ("orders", "aftersales", "products")), "sync")
    ]
    assert flash_messages(response) == [
        "Sync queued: orders, after-sales and products are read in the background within a minute."
    ]
    # Nothing ran: no platform call, no cursor, no lease, no finished task.
    assert (ApiCall.objects.count(), SyncCursor.objects.count(), SyncState.objects.count()) == (0, 0, 0)
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    ("setup", "code", "params"),
    [
        ("unconnected", "not_connected", None),
        ("inactive", "shop_inactive", None),
        ("paused", "sync_paused", {"until": "2026-03-10 12:30", "reason": "SyncFailing: five failures"}),
        ("running", "sync_running", None),
    ],
)
def test_sync_now_is_refused_with_the_reason(
    en_client, connected, queue, django_capture_on_commit_callbacks, frozen, setup, code, params
):
    if setup == "unconnected":
        Shop.objects.filter(pk=connected.pk).update(appid="")
    elif setup == "inactive":
        Shop.objects.filter(pk=connected.pk).update(status=Shop.Status.PAUSED)
    elif setup == "paused":
        SyncState.objects.create(
            shop=connected, paused_until=NOW + timedelta(minutes=30), pause_reason="SyncFailing: five failures"
        )
    else:
        SyncState.objects.create(shop=connected, lease_owner="w", lease_expires_at=NOW + timedelta(minutes=1))
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        sync_now_request(shop=Shop.objects.get(pk=connected.pk))
    assert (refused.value.code, refused.value.params) == (code, params)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = en_client.post(_url("sync_now", connected), follow=True)
    assert flash_messages(response) == refused.value.messages  # the page says the service's reason
    assert (callbacks, queue()) == ([], [])
    assert changes(before, snapshot()) == {}


def test_backfill_rewinds_orders_and_aftersales_and_queues_one_task(
    en_client, connected, queue, django_capture_on_commit_callbacks, frozen
):
    SyncCursor.objects.create(
        shop=connected, stream="orders", completed_until=NOW - timedelta(minutes=5), items_done=99999, pages_done=999
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = en_client.post(_url("sync_backfill", connected), {"since": "2026-02-01"}, follow=True)

    start = datetime(2026, 2, 1, tzinfo=BEIJING)
    assert response.redirect_chain == [(_url("sync_health", connected), 302)]
    assert flash_messages(response) == [
        "Backfill queued: everything updated since 2026-02-01 00:00 is read again in the background."
    ]
    cursors = SyncCursor.objects.filter(shop=connected).order_by("stream")
    assert [(c.stream, c.backfill_from, c.completed_until, c.items_done, c.pages_done) for c in cursors] == [
        ("aftersales", start, None, 0, 0),
        ("orders", start, None, 0, 0),
    ]
    assert [(t["func"], t["args"]) for t in queue()] == [
        ("shopops.tasks.sync_shop", (connected.pk, ("orders", "aftersales")))
    ]
    assert SyncState.objects.get(shop=connected).lease_owner == ""  # the lease taken for the rewrite is released
    assert (ApiCall.objects.count(), Task.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("since", "code", "params"),
    [
        ("2026-03-11", "date_in_future", None),
        ("2025-03-09", "date_too_early", {"earliest": "2025-03-10"}),
        ("", "required", None),
        ("yesterday", "invalid", None),
    ],
)
def test_backfill_dates_out_of_range_are_field_errors_and_change_nothing(
    en_client, connected, queue, django_capture_on_commit_callbacks, frozen, since, code, params
):
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = en_client.post(_url("sync_backfill", connected), {"since": since})
    assert response.status_code == 200
    form = response.context["backfill_form"]
    ((error,),) = form.errors.as_data().values()
    assert (list(form.errors), error.code, error.params) == (["since"], code, params)
    assert form.errors["since"][0].replace("'", "&#x27;") in response.content.decode()
    assert (callbacks, queue()) == ([], [])
    assert changes(before, snapshot()) == {}


def test_backfill_reaches_back_exactly_one_year(
    en_client, connected, queue, django_capture_on_commit_callbacks, frozen
):
    with django_capture_on_commit_callbacks(execute=True):
        response = en_client.post(_url("sync_backfill", connected), {"since": "2025-03-10"})
    assert response.status_code == 302
    assert SyncCursor.objects.get(shop=connected, stream="orders").backfill_from == datetime(
        2025, 3, 10, tzinfo=BEIJING
    )


def test_backfill_while_a_run_holds_the_lease_is_refused(
    en_client, connected, queue, django_capture_on_commit_callbacks, frozen
):
    SyncState.objects.create(shop=connected, lease_owner="w", lease_expires_at=NOW + timedelta(minutes=1))
    before = snapshot()
    response = en_client.post(_url("sync_backfill", connected), {"since": "2026-03-01"})
    assert [e.code for e in response.context["backfill_form"].errors.as_data()["__all__"]] == ["sync_running"]
    assert changes(before, snapshot()) == {}
    assert queue() == []


@pytest.mark.parametrize("role", [Role.ANALYST, Role.FINANCE])
def test_members_who_may_not_operate_get_403_and_nothing_changes(
    client, connected, queue, django_capture_on_commit_callbacks, role
):
    member = MembershipFactory(shop=connected, role=role)
    client.force_login(member.user)
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        statuses = [
            client.post(_url("sync_now", connected)).status_code,
            client.post(_url("sync_backfill", connected), {"since": "2026-03-01"}).status_code,
        ]
    assert statuses == [403, 403]
    assert (callbacks, queue()) == ([], [])
    assert changes(before, snapshot()) == {}


def test_operators_may_sync(client, connected, queue, django_capture_on_commit_callbacks):
    operator = MembershipFactory(shop=connected, role=Role.OPERATOR)
    client.force_login(operator.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_url("sync_now", connected)).status_code == 302
    assert len(queue()) == 1


def test_sync_pages_answer_get_only_where_they_should(owner_client, connected):
    assert owner_client.get(_url("sync_now", connected)).status_code == 405
    assert owner_client.get(_url("sync_backfill", connected)).status_code == 405

"""Faults on demand: each kind with exact counts, per appid, and the same faults at the same call numbers per seed."""

import json
import random
import time
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from sandbox import selectors
from sandbox.faults import faults_configure
from sandbox.lifecycle import Emitted
from sandbox.models import Account, FaultSettings, PushDelivery, TargetedFault
from sandbox.push import deliver_due, events_record
from tests.sandbox import wxcrypt
from tests.sandbox.conftest import SHOP, assert_error

INFO = "/channels/ec/basics/info/get"
ORDER_GET = "/channels/ec/order/get"


def draws(seed: int, n: int) -> tuple[float, float, float, float]:
    """The documented rule: call n of a seed draws slow, 5xx, busy, pick — in that order."""
    rng = random.Random(f"sandbox:faults:{seed}:call:{n}")
    return rng.random(), rng.random(), rng.random(), rng.random()


def outcomes(api, token, calls: int) -> list:
    out = []
    for _ in range(calls):
        response = api.request("GET", INFO, token=token)
        if response.status_code != 200:
            assert response.headers["Content-Type"].startswith("text/html") and b"nginx" in response.content
            out.append(response.status_code)
        else:
            out.append(response.json()["errcode"])
    return out


def test_busy_answers_minus_one_at_the_seeded_call_numbers(api, seeded, token):
    faults_configure(account=seeded.shop, busy_rate=0.25, seed=7)
    first = outcomes(api, token, 60)
    expected = [-1 if draws(7, n)[2] < 0.25 else 0 for n in range(1, 61)]
    assert first == expected and 5 < first.count(-1) < 30
    faults_configure(account=seeded.shop, busy_rate=0.25, seed=7)  # same seed: the same calls fail again
    assert outcomes(api, token, 60) == first
    faults_configure(account=seeded.shop, seed=8)
    assert outcomes(api, token, 60) != first
    faults_configure(account=seeded.shop, busy_rate=1.0)
    answer = api.get(INFO, token=token)
    assert_error(answer, -1)
    assert answer["errmsg"].startswith("system error rid: ")


def test_http_5xx_with_an_html_body(api, seeded, token):
    faults_configure(account=seeded.shop, http5xx_rate=0.3, seed=3)
    got = outcomes(api, token, 40)
    expected = []
    for n in range(1, 41):
        _, r5xx, _, pick = draws(3, n)
        expected.append((502 if pick < 0.5 else 503) if r5xx < 0.3 else 0)
    assert got == expected and {502, 503} <= set(got)


def test_slow_calls_sleep_first(api, seeded, token):
    faults_configure(account=seeded.shop, slow_rate=0.3, slow_seconds=0.3, seed=4)
    slow = []
    for _ in range(12):
        started = time.perf_counter()
        response = api.request("GET", INFO, token=token)
        assert response.json()["errcode"] == 0
        if response.headers.get("X-Sandbox-Fault") == "slow":
            assert time.perf_counter() - started >= 0.3
            slow.append(True)
        else:
            slow.append(False)
    assert slow == [draws(4, n)[0] < 0.3 for n in range(1, 13)] and any(slow)


def test_rate_limit_burst_and_quota(api, seeded, token):
    call_command("sandbox_faults", "--shop", SHOP, "--rate-limit-burst", "5", stdout=StringIO())
    assert outcomes(api, token, 8) == [45011] * 5 + [0] * 3
    assert api.get(INFO, token=token)["errmsg"] == "ok"
    faults_configure(account=seeded.shop, quota_exhausted=True)
    answers = [api.get(INFO, token=token) for _ in range(4)]
    for answer in answers:
        assert_error(answer, 45009)
    call_command("sandbox_faults", "--shop", SHOP, "--clear", stdout=StringIO())
    assert outcomes(api, token, 3) == [0, 0, 0]


def test_invalidated_and_expired_tokens(api, seeded, token):
    null = StringIO()
    call_command("sandbox_faults", "--shop", SHOP, "--invalidate-tokens", stdout=null)
    assert_error(api.get(INFO, token=token), 40001)
    fresh = api.token(SHOP, seeded.shop.secret)
    assert fresh != token and api.get(INFO, token=fresh)["errcode"] == 0
    call_command("sandbox_faults", "--shop", SHOP, "--expire-tokens", stdout=null)
    assert_error(api.get(INFO, token=fresh), 42001)
    newest = api.token(SHOP, seeded.shop.secret)
    assert newest not in (token, fresh) and api.get(INFO, token=newest)["errcode"] == 0


def test_faults_are_per_appid_and_spare_the_token_endpoints(api, seeded, token, agency_token):
    agency = seeded.agencies[0]
    faults_configure(account=agency, busy_rate=1.0, http5xx_rate=0.0)
    shop_list = "/channels/ec/league/headsupplier/shop/list/get"
    assert_error(api.post(shop_list, {}, token=agency_token), -1)
    assert api.get(INFO, token=token)["errcode"] == 0
    assert api.stable_token(agency.appid, agency.secret)["errcode"] == 0
    assert (
        api.get(
            "/cgi-bin/token", params={"grant_type": "client_credential", "appid": agency.appid, "secret": agency.secret}
        )["errcode"]
        == 0
    )
    faults_configure(account=agency, http5xx_rate=1.0)
    assert api.request("POST", shop_list, {}, token=agency_token).status_code in (502, 503)


def order_get_outcome(api, token, order_id: str) -> int:
    return api.post(ORDER_GET, {"order_id": order_id}, token=token)["errcode"]


def test_a_targeted_fault_fails_the_nth_call_of_its_path_once(api, seeded, token):
    faults_configure(account=seeded.shop, targeted=[TargetedFault(path=INFO, first_call=3, errcode=45011)])
    order_id = selectors.order_payloads(SHOP)[0]["order_id"]
    got = []
    for path in (INFO, ORDER_GET, INFO, ORDER_GET, INFO, INFO, INFO):  # calls 1, 2, 3, 4, 5 of INFO
        if path == INFO:
            response = api.request("GET", INFO, token=token)
            got.append((path, response.json()["errcode"], response.headers.get("X-Sandbox-Fault")))
        else:
            got.append((path, order_get_outcome(api, token, order_id), None))
    assert got == [
        (INFO, 0, None),
        (ORDER_GET, 0, None),  # another path: not counted
        (INFO, 0, None),
        (ORDER_GET, 0, None),
        (INFO, 45011, "targeted"),
        (INFO, 0, None),
        (INFO, 0, None),
    ]
    fault = TargetedFault.objects.get()
    assert (fault.calls_counted, fault.fired, fault.used_up) == (3, 1, True)  # used up: counts no more


def test_the_command_fails_k_calls_in_a_row_from_call_n(api, seeded, token):
    order_id = selectors.order_payloads(SHOP)[0]["order_id"]
    output = StringIO()
    call_command(
        "sandbox_faults",
        "--shop",
        SHOP,
        "--fail-path",
        "channels/ec/order/get/",  # normalised as the dispatcher matches paths
        "--fail-call",
        "2",
        "--fail-times",
        "3",
        "--fail-errcode",
        "-1",
        stdout=output,
    )
    assert "targeted: /channels/ec/order/get #2–4 → -1 (counted 0, fired 0)" in output.getvalue()
    got = [order_get_outcome(api, token, order_id) for _ in range(6)]
    assert got == [0, -1, -1, -1, 0, 0]
    assert outcomes(api, token, 2) == [0, 0]  # other paths never failed
    answer = api.post(ORDER_GET, {"order_id": order_id}, token=token)
    assert answer["errcode"] == 0 and answer["order"]["order_id"] == order_id


def test_the_next_k_calls_answer_an_http_status(api, seeded, token):
    call_command(
        "sandbox_faults",
        "--shop",
        SHOP,
        "--fail-path",
        INFO,
        "--fail-times",
        "2",
        "--fail-http-status",
        "504",
        stdout=StringIO(),
    )
    response = api.request("GET", INFO, token=token)
    assert (response.status_code, response.headers["X-Sandbox-Fault"]) == (504, "targeted")
    assert b"<title>504 Gateway Timeout</title>" in response.content
    assert outcomes(api, token, 3) == [504, 0, 0]
    faults_configure(account=seeded.shop, targeted=[TargetedFault(path=INFO, http_status=503)])
    assert outcomes(api, token, 2) == [503, 0]


def test_each_targeted_fault_counts_from_when_it_was_set(api, seeded, token):
    faults_configure(account=seeded.shop, targeted=[TargetedFault(path=INFO, first_call=3, errcode=45009)])
    assert outcomes(api, token, 1) == [0]
    # Configuring again (another fault) leaves the first one's count alone.
    faults_configure(account=seeded.shop, targeted=[TargetedFault(path=INFO, first_call=1, errcode=48001)])
    assert outcomes(api, token, 4) == [48001, 45009, 0, 0]
    assert list(TargetedFault.objects.order_by("pk").values_list("calls_counted", "fired")) == [(3, 1), (1, 1)]


def test_two_windows_on_one_call_answer_with_the_fault_set_first(api, seeded, token):
    faults_configure(
        account=seeded.shop,
        targeted=[
            TargetedFault(path=INFO, first_call=2, times=2, errcode=45009),
            TargetedFault(path=INFO, first_call=3, times=2, errcode=45011),
        ],
    )
    assert outcomes(api, token, 5) == [0, 45009, 45009, 45011, 0]
    assert list(TargetedFault.objects.order_by("pk").values_list("calls_counted", "fired")) == [(3, 2), (4, 2)]


def test_targeted_faults_win_over_random_ones_and_keep_their_call_numbers(api, seeded, token):
    faults_configure(
        account=seeded.shop, busy_rate=0.25, seed=7, targeted=[TargetedFault(path=INFO, first_call=2, errcode=45011)]
    )
    expected = [-1 if draws(7, n)[2] < 0.25 else 0 for n in range(1, 13)]
    expected[1] = 45011
    assert outcomes(api, token, 12) == expected


def test_targeted_faults_are_per_appid_and_spare_the_token_endpoints(api, seeded, token, agency_token):
    agency = seeded.agencies[0]
    shop_list = "/channels/ec/league/headsupplier/shop/list/get"
    faults_configure(
        account=agency,
        targeted=[
            TargetedFault(path=shop_list, times=2, errcode=-1),
            TargetedFault(path="/cgi-bin/stable_token", times=5, errcode=-1),
            TargetedFault(path="/cgi-bin/token", times=5, errcode=-1),
        ],
    )
    faults_configure(account=seeded.shop, targeted=[TargetedFault(path=INFO, first_call=2, errcode=-1)])
    assert_error(api.post(shop_list, {}, token=agency_token), -1)
    assert outcomes(api, token, 3) == [0, -1, 0]  # the shop's own count: the agency's calls are not in it
    assert api.stable_token(agency.appid, agency.secret)["errcode"] == 0
    basic = {"grant_type": "client_credential", "appid": agency.appid, "secret": agency.secret}
    assert api.get("/cgi-bin/token", params=basic)["errcode"] == 0
    assert list(agency.targeted_faults.order_by("pk").values_list("calls_counted", "fired")) == [(1, 1), (0, 0), (0, 0)]
    assert [api.post(shop_list, {}, token=agency_token)["errcode"] for _ in range(2)] == [-1, 0]


def test_the_command_refuses_what_cannot_fire(seeded):
    null = StringIO()
    for args, message in (
        (["--fail-path", "/cgi-bin/stable_token", "--fail-errcode", "-1"], "token endpoint"),
        (["--fail-path", "/channels/ec/nothing", "--fail-errcode", "-1"], "no endpoint serves /channels/ec/nothing"),
        (["--fail-path", INFO], "needs --fail-errcode or --fail-http-status"),
        (["--fail-call", "3", "--fail-errcode", "-1"], "need --fail-path"),
        (["--fail-path", INFO, "--fail-call", "0", "--fail-errcode", "-1"], "first_call"),
        (["--fail-path", INFO, "--fail-errcode", "0"], "errcode 0 is a success"),
        (["--fail-path", INFO, "--fail-http-status", "200"], "http_status"),
    ):
        with translation.override("en"), pytest.raises(CommandError, match=message):
            call_command("sandbox_faults", "--shop", SHOP, "--busy-rate", "0.5", *args, stdout=null)
    assert not TargetedFault.objects.exists()
    assert not FaultSettings.objects.filter(busy_rate=0.5).exists()  # refused as a whole


def test_configuring_refuses_a_fault_with_two_answers_or_none(seeded):
    for fault in (TargetedFault(path=INFO), TargetedFault(path=INFO, errcode=-1, http_status=502)):
        with pytest.raises(ValidationError) as refused:
            faults_configure(account=seeded.shop, busy_rate=0.5, targeted=[fault])
        assert refused.value.error_dict["__all__"][0].code == "one_answer"
    assert not TargetedFault.objects.exists() and not FaultSettings.objects.exists()


def test_clear_removes_the_targeted_faults(api, seeded, token):
    faults_configure(account=seeded.shop, targeted=[TargetedFault(path=INFO, times=3, errcode=-1)])
    assert outcomes(api, token, 1) == [-1]
    call_command("sandbox_faults", "--shop", SHOP, "--clear", stdout=StringIO())
    assert outcomes(api, token, 3) == [0, 0, 0]
    assert not TargetedFault.objects.exists()


def test_the_admin_arms_targeted_faults(api, seeded, token, admin_client):
    add = reverse("admin:sandbox_targetedfault_add")
    form = {"account": seeded.shop.pk, "path": INFO, "first_call": "2", "times": "1", "errcode": "45009"}
    assert admin_client.post(add, {**form, "path": "/cgi-bin/token"}).status_code == 200  # refused: token endpoint
    assert admin_client.post(add, {**form, "http_status": "502"}).status_code == 200  # refused: two answers
    assert not TargetedFault.objects.exists()
    assert admin_client.post(add, form).status_code == 302
    assert outcomes(api, token, 3) == [0, 45009, 0]
    fault = TargetedFault.objects.get()
    change = reverse("admin:sandbox_targetedfault_change", args=[fault.pk])
    assert admin_client.post(change, {**form, "first_call": "1"}).status_code == 302  # saving re-arms it
    fault.refresh_from_db()
    assert (fault.first_call, fault.calls_counted, fault.fired) == (1, 0, 0)
    assert outcomes(api, token, 2) == [45009, 0]
    assert admin_client.get(reverse("admin:sandbox_account_change", args=[seeded.shop.pk])).status_code == 200


@pytest.fixture
def pushing_shop(db, callback_server):
    return Account.objects.create(
        kind=Account.Kind.SHOP,
        appid="wx9999888877776666",
        secret="s" * 32,
        name="故障店",
        username="gh_aaaabbbbcccc",
        push_token="tok",
        encoding_aes_key="A" * 43,
        callback_url=callback_server.url + "/cb",
    )


def emit_orders(shop, first: int, count: int):
    events = [
        Emitted(shop.appid, 1700000000 + i, "channels_ec_order_new", "o", {"order_info": {"order_id": i}})
        for i in range(first, first + count)
    ]
    events_record(events, {shop.appid: shop})


def received(callback_server, shop) -> list[int]:
    out = []
    for request in callback_server.requests:
        plain, _ = wxcrypt.decrypt(json.loads(request["body"])["Encrypt"], shop.encoding_aes_key)
        out.append(json.loads(plain)["order_info"]["order_id"])
    return out


def test_duplicate_pushes_at_seeded_events(pushing_shop, callback_server):
    null = StringIO()
    call_command(
        "sandbox_faults", "--shop", pushing_shop.appid, "--duplicate-push-rate", "0.3", "--seed", "5", stdout=null
    )
    emit_orders(pushing_shop, 0, 40)
    deliver_due()
    twice = [random.Random(f"sandbox:faults:5:push:{n}").random() < 0.3 for n in range(1, 41)]
    expected = [i for i in range(40) for _ in range(2 if twice[i] else 1)]
    assert received(callback_server, pushing_shop) == expected and 40 < len(expected) < 80
    assert PushDelivery.objects.filter(duplicate=True).count() == sum(twice)
    callback_server.requests.clear()
    call_command(
        "sandbox_faults", "--shop", pushing_shop.appid, "--duplicate-push-rate", "0.3", "--seed", "5", stdout=null
    )
    emit_orders(pushing_shop, 0, 40)
    deliver_due()
    assert received(callback_server, pushing_shop) == expected


def test_reordered_pushes(pushing_shop, callback_server):
    null = StringIO()
    call_command("sandbox_faults", "--shop", pushing_shop.appid, "--reorder-pushes", "on", "--seed", "2", stdout=null)
    emit_orders(pushing_shop, 0, 12)
    deliver_due()
    first = received(callback_server, pushing_shop)
    assert sorted(first) == list(range(12)) and first != list(range(12))
    callback_server.requests.clear()
    call_command("sandbox_faults", "--shop", pushing_shop.appid, "--reorder-pushes", "on", "--seed", "2", stdout=null)
    emit_orders(pushing_shop, 0, 12)
    deliver_due()
    assert received(callback_server, pushing_shop) == first
    callback_server.requests.clear()
    call_command("sandbox_faults", "--shop", pushing_shop.appid, "--reorder-pushes", "off", stdout=null)
    emit_orders(pushing_shop, 0, 12)
    deliver_due()
    assert received(callback_server, pushing_shop) == list(range(12))

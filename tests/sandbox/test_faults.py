"""Faults on demand: each kind with exact counts, per appid, and the same faults at the same call numbers per seed."""

import json
import random
import time
from io import StringIO

import pytest
from django.core.management import call_command

from sandbox.faults import faults_configure
from sandbox.lifecycle import Emitted
from sandbox.models import Account, PushDelivery
from sandbox.push import deliver_due, events_record
from tests.sandbox import wxcrypt
from tests.sandbox.conftest import SHOP, assert_error

INFO = "/channels/ec/basics/info/get"


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

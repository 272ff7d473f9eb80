"""Push delivery: encryption and signatures (checked with the test's own WXBizMsgCrypt), success rules, retries."""

import json

import pytest
import time_machine

from sandbox import crypto
from sandbox.models import Account, PushDelivery
from sandbox.push import deliver_due, deliver_wait, event_emit
from tests.sandbox import wxcrypt

T0 = 1767240000
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture
def shop(db, callback_server):
    return Account.objects.create(
        kind=Account.Kind.SHOP,
        appid="wx1111222233334444",
        secret="s" * 32,
        name="推送测试店",
        username="gh_0123456789ab",
        push_token="TestToken123",
        encoding_aes_key=AES_KEY,
        callback_url=callback_server.url + "/wechat/callback/x/",
    )


def emit(shop, order_id=3705115058471208928):
    return event_emit(
        account=shop,
        event="channels_ec_order_new",
        body={"order_info": {"order_id": order_id}},
        from_user="oOPENID",
        create_time=1662480000,
    )


def test_the_official_signature_example():
    expected = "f464b24fc39322e44b38aa78f5edd27bd1441696"
    assert crypto.signature("AAAAA", "1714036504", "1514711492") == expected
    assert wxcrypt.sha1_sorted("AAAAA", "1714036504", "1514711492") == expected


def test_encryption_round_trips_with_an_independent_implementation():
    message = json.dumps({"Event": "channels_ec_order_new", "中文": "订单"}, ensure_ascii=False).encode()
    for size in (0, 1, 11, 12, 31, 32, 100):
        body = message + b"x" * size
        assert wxcrypt.decrypt(crypto.encrypt(body, appid="wxabc", encoding_aes_key=AES_KEY), AES_KEY) == (
            body,
            "wxabc",
        )
        assert crypto.decrypt(wxcrypt.encrypt(body, "wxabc", AES_KEY), encoding_aes_key=AES_KEY) == (body, "wxabc")


def test_a_delivered_push_decrypts_and_verifies(shop, callback_server):
    event = emit(shop)
    report = deliver_due()
    assert (report.delivered, report.failed) == (1, 0)
    [request] = callback_server.requests
    assert request["method"] == "POST" and request["path"] == "/wechat/callback/x/"
    query, body = request["query"], json.loads(request["body"])
    assert set(query) == {"signature", "timestamp", "nonce", "encrypt_type", "msg_signature"}
    assert query["encrypt_type"] == "aes"
    assert query["signature"] == wxcrypt.sha1_sorted("TestToken123", query["timestamp"], query["nonce"])
    assert query["msg_signature"] == wxcrypt.sha1_sorted(
        "TestToken123", query["timestamp"], query["nonce"], body["Encrypt"]
    )
    assert set(body) == {"ToUserName", "Encrypt"} and body["ToUserName"] == "gh_0123456789ab"
    plain, appid = wxcrypt.decrypt(body["Encrypt"], AES_KEY)
    assert appid == "wx1111222233334444"
    assert (
        json.loads(plain)
        == event.payload
        == {
            "ToUserName": "gh_0123456789ab",
            "FromUserName": "oOPENID",
            "CreateTime": 1662480000,
            "MsgType": "event",
            "Event": "channels_ec_order_new",
            "order_info": {"order_id": 3705115058471208928},
        }
    )
    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("delivered", 1, None)
    assert list(delivery.attempts.values_list("http_status", "delivered", "error")) == [(200, True, "")]


@pytest.mark.parametrize(
    ("status", "body", "delivered"),
    [
        (200, b"success", True),
        (200, b"success\n", True),
        (200, b"", True),
        (204, b"", True),
        (200, b"fail", False),
        (200, b"<html>ok</html>", False),
        (302, b"", False),
        (500, b"success", False),
    ],
)
def test_what_counts_as_delivered(shop, callback_server, status, body, delivered):
    callback_server.status, callback_server.body = status, body
    emit(shop)
    deliver_due()
    attempt = PushDelivery.objects.get().attempts.first()
    assert (attempt.http_status, attempt.delivered) == (status, delivered)
    assert bool(attempt.error) != delivered


def test_a_failing_callback_is_retried_on_the_platform_schedule(shop, callback_server):
    callback_server.status, callback_server.body = 500, b"boom"
    with time_machine.travel(T0, tick=False) as clock:
        emit(shop)
        assert deliver_due().failed == 3  # the first push and two immediate retries
        elapsed = 0
        for offset in (10, 70, 370, 2170, 5770, 9370, 12970):
            clock.shift(offset - elapsed - 1)
            assert deliver_due().failed == 0  # one second early: nothing is due
            clock.shift(1)
            assert deliver_due().failed == 1
            elapsed = offset
        clock.shift(86400)
        assert deliver_due().failed == 0
    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("failed", 10, None)
    attempts = list(delivery.attempts.order_by("number").values_list("number", "attempted_at", "http_status", "error"))
    assert [a[1] - T0 for a in attempts] == [0, 0, 0, 10, 70, 370, 2170, 5770, 9370, 12970]
    assert [a[0] for a in attempts] == list(range(1, 11))
    assert {(a[2], a[3]) for a in attempts} == {(500, "HTTP 500: boom")}
    assert len(callback_server.requests) == 10
    # Every push is a fresh request with its own valid signature.
    assert len({r["query"]["nonce"] for r in callback_server.requests}) == 10


def test_unreachable_callbacks_are_recorded_and_recover(shop, callback_server):
    shop.callback_url = "http://127.0.0.1:9/nothing-listens-here"
    shop.save()
    with time_machine.travel(T0, tick=False) as clock:
        emit(shop)  # inside: the first push is due at emission
        assert deliver_due().failed == 3
        attempt = PushDelivery.objects.get().attempts.first()
        assert attempt.http_status is None and attempt.error.startswith("ConnectionError")
        shop.callback_url = callback_server.url + "/back"
        shop.save()
        clock.shift(10)
        assert deliver_due().delivered == 1
    assert PushDelivery.objects.get().status == "delivered"


def test_deliver_wait_sleeps_until_everything_is_settled(shop, callback_server):
    callback_server.status = 503
    with time_machine.travel(T0, tick=False) as clock:
        emit(shop)
        emit(shop, 3705115058471208929)
        slept = []

        def sleep(seconds):
            slept.append(seconds)
            clock.shift(seconds)

        report = deliver_wait(sleep=sleep)
    assert (report.delivered, report.failed, report.given_up) == (0, 20, 2)
    assert sum(slept) == 12970


def test_no_callback_or_pushes_off_records_events_only(shop, callback_server):
    shop.pushes_enabled = False
    shop.save()
    emit(shop)
    shop.pushes_enabled, shop.callback_url = True, ""
    shop.save()
    emit(shop)
    assert deliver_due().delivered == 0
    assert shop.push_events.count() == 2 and not PushDelivery.objects.exists()

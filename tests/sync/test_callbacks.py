"""The push callback: URL verification, every refusal answers 4xx and stores nothing, one event once."""

import json
import time

import pytest
from django.core.management import call_command

from sandbox import selectors as platform
from shopops.models import AfterSale, CallbackNonce, InboundEvent
from shopops.sync import engine
from shopops.wechat.crypto import PushCrypto, msg_signature
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

TOKEN = "AAAAA"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx1234567890abcdef"
EVENT = {
    "ToUserName": "gh_123456789abc",
    "FromUserName": "OPENID",
    "CreateTime": 1662480000,
    "MsgType": "event",
    "Event": "channels_ec_order_new",
    "order_info": {"order_id": 3705115058471208928},
}


@pytest.fixture
def push_shop(db):
    return ShopFactory(appid=APPID, push_token=TOKEN, encoding_aes_key=AES_KEY)


@pytest.fixture(autouse=True)
def _no_queue(monkeypatch):
    queued = []
    monkeypatch.setattr("shopops.services.callbacks.queue_events", lambda *, shop_id: queued.append(shop_id))
    return queued


def _url(shop):
    return f"/wechat/callback/{shop.public_id}/"


def _push(
    client, shop, message=EVENT, *, nonce="1320562132", timestamp=None, appid=APPID, signature=None, encrypt=None
):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    plaintext = message if isinstance(message, str) else json.dumps(message)
    encrypt = encrypt if encrypt is not None else PushCrypto(TOKEN, AES_KEY, appid).encrypt(plaintext)
    signature = signature or msg_signature(TOKEN, timestamp, nonce, encrypt)
    query = f"?signature=x&timestamp={timestamp}&nonce={nonce}&encrypt_type=aes&msg_signature={signature}"
    body = json.dumps({"ToUserName": "gh_123456789abc", "Encrypt": encrypt})
    return client.post(_url(shop) + query, body, content_type="application/json")


def test_url_verification_with_the_official_example(client, push_shop):
    response = client.get(
        _url(push_shop),
        {
            "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
            "timestamp": "1714036504",
            "nonce": "1514711492",
            "echostr": "4375120948345356249",
        },
    )
    assert (response.status_code, response.content) == (200, b"4375120948345356249")
    wrong = client.get(
        _url(push_shop), {"signature": "0" * 40, "timestamp": "1714036504", "nonce": "1", "echostr": "x"}
    )
    assert wrong.status_code == 403


def test_an_event_is_stored_once_and_answered_success(client, push_shop, _no_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _push(client, push_shop)
    assert (response.status_code, response.content) == (200, b"success")
    event = InboundEvent.objects.get()
    assert (event.event, event.payload, event.deliveries, event.processed_at) == (
        "channels_ec_order_new",
        EVENT,
        1,
        None,
    )
    assert _no_queue == [push_shop.pk]


def test_three_deliveries_of_one_event_have_one_effect(
    client, push_shop, _no_queue, django_capture_on_commit_callbacks
):
    for nonce in ("n1", "n2", "n3"):
        with django_capture_on_commit_callbacks(execute=True):
            assert _push(client, push_shop, nonce=nonce).content == b"success"
    assert list(InboundEvent.objects.values_list("deliveries", flat=True)) == [3]
    assert _no_queue == [push_shop.pk]


@pytest.mark.parametrize(
    ("case", "status", "reason"),
    [
        ("bad signature", 403, b"bad signature"),
        ("stale timestamp", 400, b"stale timestamp"),
        ("future timestamp", 400, b"stale timestamp"),
        ("wrong appid", 403, b"appid mismatch"),
        ("bad padding", 400, b"bad padding"),
        ("not base64", 400, b"malformed base64"),
        ("not json", 400, b"malformed body"),
        ("no Encrypt", 400, b"malformed body"),
        ("plaintext not an object", 400, b"plaintext is not a JSON object"),
    ],
)
def test_every_refusal_is_a_4xx_and_stores_nothing(client, push_shop, case, status, reason):
    now = int(time.time())
    if case == "bad signature":
        response = _push(client, push_shop, signature="0" * 40)
    elif case == "stale timestamp":
        response = _push(client, push_shop, timestamp=now - 301)
    elif case == "future timestamp":
        response = _push(client, push_shop, timestamp=now + 301)
    elif case == "wrong appid":
        response = _push(client, push_shop, appid="wx0000000000000000")
    elif case == "bad padding":
        good = PushCrypto(TOKEN, AES_KEY, APPID).encrypt(json.dumps(EVENT))
        raw = bytearray(__import__("base64").b64decode(good))
        raw[-1] ^= 0x55  # the last block decrypts to garbage padding
        response = _push(client, push_shop, encrypt=__import__("base64").b64encode(bytes(raw)).decode())
    elif case == "not base64":
        response = _push(client, push_shop, encrypt="%%%not-base64%%%")
    elif case == "plaintext not an object":
        response = _push(client, push_shop, message="[1, 2]")
    else:
        body = "{not json" if case == "not json" else json.dumps({"ToUserName": "gh"})
        response = client.post(
            _url(push_shop) + f"?timestamp={now}&nonce=1&msg_signature=x", body, content_type="application/json"
        )
    assert (response.status_code, response.content) == (status, reason)
    assert InboundEvent.objects.count() == 0


def test_a_replayed_request_is_refused(client, push_shop):
    timestamp = int(time.time())
    assert _push(client, push_shop, nonce="same", timestamp=timestamp).status_code == 200
    replay = _push(client, push_shop, nonce="same", timestamp=timestamp)
    assert (replay.status_code, replay.content) == (409, b"replayed request")
    assert list(InboundEvent.objects.values_list("deliveries", flat=True)) == [1]
    assert CallbackNonce.objects.count() == 1


def test_unknown_event_types_are_stored_for_support(client, push_shop):
    message = {**EVENT, "Event": "channels_ec_something_new", "order_info": None}
    assert _push(client, push_shop, message=message).status_code == 200
    assert InboundEvent.objects.get().event == "channels_ec_something_new"


def test_unknown_or_unconfigured_shops_answer_404(client, push_shop):
    other = ShopFactory()
    assert _push(client, other).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_aftersale_push_with_string_ids_refreshes_that_aftersale(client, live_sandbox):
    """The sandbox's own channels_ec_aftersale_update events (ids as strings, as in the official example) go
    through the callback and the event processing, which fetches and stores each after-sale they name."""
    secret = "cb5ecre7000000000000000000000001"
    shop = ShopFactory(appid=APPID, app_secret=secret, push_token=TOKEN, encoding_aes_key=AES_KEY)
    seed = {"shop": APPID, "secret": secret, "token": TOKEN, "aes_key": AES_KEY}
    call_command("sandbox_seed", **seed, days=3, orders=200, seed=4, anchor=1767240000, agencies=0, verbosity=0)
    call_command("sandbox_advance", shop=APPID, hours=48, verbosity=0)
    events = platform.push_events(APPID, event="channels_ec_aftersale_update")
    named = {e["finder_shop_aftersale_status_update"]["after_sale_order_id"] for e in events}
    assert len(named) >= 3
    for event in events:
        info = event["finder_shop_aftersale_status_update"]
        assert (type(info["after_sale_order_id"]), type(info["order_id"])) == (str, str)

    for n, event in enumerate(events):
        assert _push(client, shop, message=event, nonce=f"as{n}").content == b"success"
    report = engine.shop_events(shop=shop)

    assert report.events == len(events)
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {"refreshed"}
    remote = {a["after_sale_order_id"]: a for a in platform.aftersale_payloads(APPID)}
    assert {a.after_sale_order_id: a.raw for a in AfterSale.objects.filter(shop=shop)} == {i: remote[i] for i in named}

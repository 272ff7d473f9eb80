import ast
import dataclasses
import inspect
import pickle
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from shopops.wechat import client as client_module
from shopops.wechat.client import TOKEN_PATH, AgencyClient, CallRecord, MemoryTokenStore, ShopClient
from shopops.wechat.errors import (
    ERRCODE_CLASSES,
    BusyError,
    CredentialError,
    InvalidArgumentError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TokenInvalidError,
    WeChatError,
    WrongStateError,
)
from shopops.wechat.types import (
    CommissionOrderPage,
    CooperativeShop,
    CouponPage,
    IdPage,
    LeagueItemPage,
    LeagueItemRef,
    ShopInfo,
    ShopListPage,
    TalentPage,
    TalentRef,
)
from tests.wechat.stub_server import Reply, StubPlatform, fail, ok, token

APPID = "wx-shop-appid-0001"
SECRET = "secret-value-never-logged-7c1e"
T1 = "TOKEN-ONE-1111111111"
T2 = "TOKEN-TWO-2222222222"
NOW = 1_714_036_504.0
ORDER_GET = "/channels/ec/order/get"
COUPON_STATUS = "/channels/ec/coupon/update_status"
RID = "672cb740-21e9056a-4358cd94"
ORDER = {"order_id": "3705115058471208928", "status": 20, "openid": "o-buyer", "order_detail": {}}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stub():
    platform = StubPlatform()
    yield platform
    platform.close()


@pytest.fixture
def store():
    return MemoryTokenStore()


@pytest.fixture
def records():
    return []


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def make_client(stub, store, records, sleeps, clock):
    """Build a client against the stub with recorded sleeps, random() == 0.5 and a frozen clock."""
    made = []

    def make(cls=ShopClient, **overrides):
        options = {
            "appid": APPID,
            "secret": SECRET,
            "base_url": stub.base_url,
            "token_store": store,
            "recorder": records.append,
            "sleep": sleeps.append,
            "random": lambda: 0.5,
            "clock": clock,
            "read_timeout": 2.0,
        }
        options.update(overrides)
        client = cls(**options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def has_token(store):
    """A cached token with plenty of time left, so the first request is the business call."""
    store.set(APPID, T1, NOW + 7200)


def trail(stub):
    """(path, access_token in the query, force_refresh for token calls) of every request, in order."""
    return [
        (
            seen.path,
            seen.query.get("access_token"),
            seen.json.get("force_refresh") if seen.path == TOKEN_PATH else None,
        )
        for seen in stub.seen()
    ]


def without_durations(records):
    return [dataclasses.replace(record, duration_ms=0) for record in records]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the errcode table ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("errcode", "error_class"),
    [pytest.param(code, cls, id=f"{code}-{cls.__name__}") for code, cls in sorted(ERRCODE_CLASSES.items())],
)
def test_each_errcode_raises_its_class(stub, make_client, has_token, errcode, error_class):
    stub.default(ORDER_GET, fail(errcode, f"boom rid: {RID}"))
    stub.default(TOKEN_PATH, token(T2))
    client = make_client(max_attempts=1)

    with pytest.raises(WeChatError) as caught:
        client.order_get("3705115058471208928")

    error = caught.value
    assert type(error) is error_class
    assert (error.errcode, error.errmsg, error.request_id, error.http_status, error.endpoint) == (
        errcode,
        f"boom rid: {RID}",
        RID,
        200,
        ORDER_GET,
    )


@pytest.mark.parametrize(
    ("errcode", "error_class"),
    [
        (10024003, InvalidArgumentError),  # headsupplier item/get: 不合法的appid
        (10024004, NotFoundError),  # headsupplier item/get: 不存在该商品
        (803131000, InvalidArgumentError),  # cooperation: sharer_id 非法
        (788191005, WrongStateError),  # cooperation: 业务流程异常，请参考业务状态机
        (10070009, None),  # the offline sharer live-notice link's codes: no longer classified
        (10070010, None),
    ],
)
def test_the_documented_codes_of_the_2026_corrections_are_classified(errcode, error_class):
    assert ERRCODE_CLASSES.get(errcode) is error_class


def test_an_errcode_outside_the_table_raises_plain_wechat_error(stub, make_client, has_token):
    stub.script(ORDER_GET, fail(10080001, "account deregistered"))

    with pytest.raises(WeChatError) as caught:
        make_client().order_get("1")

    assert type(caught.value) is WeChatError
    assert (caught.value.errcode, caught.value.request_id) == (10080001, "")
    assert len(stub.seen()) == 1


@pytest.mark.parametrize("errcode", [40013, 40125, 41002, 40002, 40001])
def test_credential_errors_at_the_token_endpoint_raise_credential_error(stub, make_client, errcode):
    stub.default(TOKEN_PATH, fail(errcode, "invalid appid"))

    with pytest.raises(CredentialError) as caught:
        make_client().order_get("1")

    assert (caught.value.errcode, caught.value.endpoint) == (errcode, TOKEN_PATH)
    assert trail(stub) == [(TOKEN_PATH, None, False)]


def test_rate_limit_raises_with_the_next_minute_and_never_sleeps(stub, make_client, has_token, sleeps):
    stub.default(ORDER_GET, fail(45011, "api minute-quota reach limit must slower retry next minute"))

    with pytest.raises(RateLimitedError) as caught:
        make_client().order_get("1")

    # NOW = 1714036504 is 4 s into the minute that starts at 1714036500.
    assert caught.value.retry_at == 1714036560.0
    assert sleeps == []
    assert len(stub.seen(ORDER_GET)) == 1


def test_errors_survive_pickling():
    error = RateLimitedError(retry_at=60.0, errcode=45011, errmsg=f"slow rid: {RID}", http_status=200, endpoint="/x")

    restored = pickle.loads(pickle.dumps(error))

    assert type(restored) is RateLimitedError
    assert (restored.retry_at, restored.errcode, restored.request_id, restored.endpoint) == (60.0, 45011, RID, "/x")
    assert str(restored) == str(error)


# -- tokens --------------------------------------------------------------------------------------------------------


def test_the_token_is_fetched_once_and_cached(stub, make_client, store):
    stub.script(TOKEN_PATH, token(T1))
    stub.default(ORDER_GET, ok(order=ORDER))
    client = make_client()

    client.order_get("1")
    client.order_get("2")

    assert trail(stub) == [(TOKEN_PATH, None, False), (ORDER_GET, T1, None), (ORDER_GET, T1, None)]
    assert stub.seen(TOKEN_PATH)[0].json == {
        "grant_type": "client_credential",
        "appid": APPID,
        "secret": SECRET,
        "force_refresh": False,
    }
    assert store.get(APPID) == (T1, NOW + 7200)


def test_concurrent_calls_share_one_token_fetch(stub, make_client):
    stub.script(TOKEN_PATH, token(T1, delay=0.3))
    stub.default(ORDER_GET, ok(order=ORDER))
    client = make_client()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(client.order_get, [str(n) for n in range(8)]))

    assert results == [ORDER] * 8
    assert len(stub.seen(TOKEN_PATH)) == 1
    assert [seen.query for seen in stub.seen(ORDER_GET)] == [{"access_token": T1}] * 8


def test_a_token_with_less_than_300_seconds_left_is_refreshed_first(stub, make_client, store):
    store.set(APPID, "OLD-TOKEN", NOW + 299)
    stub.script(TOKEN_PATH, token(T2))
    stub.default(ORDER_GET, ok(order=ORDER))

    make_client().order_get("1")

    assert trail(stub) == [(TOKEN_PATH, None, False), (ORDER_GET, T2, None)]
    assert store.get(APPID) == (T2, NOW + 7200)


def test_a_token_with_300_seconds_left_is_still_used(stub, make_client, store):
    store.set(APPID, "OLD-TOKEN", NOW + 300)
    stub.default(ORDER_GET, ok(order=ORDER))

    make_client().order_get("1")

    assert trail(stub) == [(ORDER_GET, "OLD-TOKEN", None)]


def test_the_refresh_happens_as_the_clock_enters_the_last_300_seconds(stub, make_client, clock):
    stub.script(TOKEN_PATH, token(T1), token(T2))
    stub.default(ORDER_GET, ok(order=ORDER))
    client = make_client()

    client.order_get("1")
    clock.now = NOW + 6900
    client.order_get("2")
    clock.now = NOW + 6901
    client.order_get("3")

    assert trail(stub) == [
        (TOKEN_PATH, None, False),
        (ORDER_GET, T1, None),
        (ORDER_GET, T1, None),
        (TOKEN_PATH, None, False),
        (ORDER_GET, T2, None),
    ]


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_a_rejected_token_is_renewed_and_the_call_retried_once(stub, make_client, store, sleeps, errcode):
    stub.script(TOKEN_PATH, token(T1), token(T2))
    stub.script(ORDER_GET, fail(errcode, "invalid credential"), ok(order=ORDER))

    assert make_client().order_get("1") == ORDER

    assert trail(stub) == [
        (TOKEN_PATH, None, False),
        (ORDER_GET, T1, None),
        (TOKEN_PATH, None, False),
        (ORDER_GET, T2, None),
    ]
    assert store.get(APPID) == (T2, NOW + 7200)
    assert sleeps == []


def test_the_same_rejected_token_handed_back_forces_a_new_one(stub, make_client, store):
    stub.script(TOKEN_PATH, token(T1), token(T1), token(T2))
    stub.script(ORDER_GET, fail(40001, "invalid credential"), ok(order=ORDER))

    assert make_client().order_get("1") == ORDER

    assert trail(stub) == [
        (TOKEN_PATH, None, False),
        (ORDER_GET, T1, None),
        (TOKEN_PATH, None, False),
        (TOKEN_PATH, None, True),
        (ORDER_GET, T2, None),
    ]
    assert store.get(APPID) == (T2, NOW + 7200)


def test_a_second_token_error_raises(stub, make_client):
    stub.script(TOKEN_PATH, token(T1), token(T2))
    stub.script(ORDER_GET, fail(40001, "invalid credential"), fail(42001, "access_token expired"))

    with pytest.raises(TokenInvalidError) as caught:
        make_client().order_get("1")

    assert caught.value.errcode == 42001
    assert trail(stub) == [
        (TOKEN_PATH, None, False),
        (ORDER_GET, T1, None),
        (TOKEN_PATH, None, False),
        (ORDER_GET, T2, None),
    ]


def test_writes_are_also_retried_once_after_a_token_error(stub, make_client, has_token):
    stub.script(TOKEN_PATH, token(T2))
    stub.script(COUPON_STATUS, fail(40001, "invalid credential"), ok())

    assert make_client().coupon_update_status("19126", 4) is None

    assert trail(stub) == [(COUPON_STATUS, T1, None), (TOKEN_PATH, None, False), (COUPON_STATUS, T2, None)]
    assert [seen.json for seen in stub.seen(COUPON_STATUS)] == [{"coupon_id": "19126", "status": 4}] * 2


def test_memory_token_store_invalidates_only_the_named_token():
    store = MemoryTokenStore()
    store.set(APPID, T2, 100.0)

    store.invalidate(APPID, T1)
    assert store.get(APPID) == (T2, 100.0)

    store.invalidate(APPID, T2)
    assert store.get(APPID) is None


# -- transient failures --------------------------------------------------------------------------------------------


def test_reads_retry_transient_failures_with_capped_full_jitter(stub, make_client, has_token, sleeps, records):
    stub.script(
        ORDER_GET,
        fail(-1, "system error"),
        Reply(status=502, raw=b"Bad Gateway"),
        Reply(status=200, raw=b"<html>busy</html>"),
        Reply(status=503, raw=b"Service Unavailable"),
        ok(order=ORDER),
    )
    client = make_client(max_attempts=5, backoff_base=1.0, backoff_cap=3.0)

    assert client.order_get("1") == ORDER

    # random() = 0.5 times min(cap 3, 1 * 2 ** (attempt - 1)) for attempts 1..4.
    assert sleeps == [0.5, 1.0, 1.5, 1.5]
    assert [(r.attempt, r.http_status, r.errcode, r.error) for r in records] == [
        (1, 200, -1, "BusyError"),
        (2, 502, None, "ServerError"),
        (3, 200, None, "ServerError"),
        (4, 503, None, "ServerError"),
        (5, 200, 0, ""),
    ]


def test_exhausting_max_attempts_raises_the_last_error(stub, make_client, has_token, sleeps):
    stub.script(ORDER_GET, *[fail(-1, "system error")] * 7, Reply(status=504, raw=b"Gateway Timeout"))
    client = make_client(max_attempts=8, backoff_base=0.5, backoff_cap=8.0, random=lambda: 1.0)

    with pytest.raises(ServerError) as caught:
        client.order_get("1")

    assert caught.value.http_status == 504
    assert len(stub.seen(ORDER_GET)) == 8
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_default_retry_policy_is_four_attempts(stub, make_client, has_token, sleeps):
    stub.default(ORDER_GET, fail(-1, "system error"))

    with pytest.raises(BusyError):
        make_client(random=lambda: 1.0).order_get("1")

    assert len(stub.seen(ORDER_GET)) == 4
    assert sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("reply", "error_class"),
    [
        (fail(-1, "system error"), BusyError),
        (Reply(status=500, raw=b"Internal Server Error"), ServerError),
        (Reply(status=502, json={"errcode": -1, "errmsg": "system error"}), ServerError),
        (Reply(status=200, raw=b"not json"), ServerError),
    ],
)
def test_writes_are_not_retried_on_transient_failures(stub, make_client, has_token, sleeps, reply, error_class):
    stub.default(COUPON_STATUS, reply)

    with pytest.raises(error_class):
        make_client().coupon_update_status("19126", 2)

    assert len(stub.seen(COUPON_STATUS)) == 1
    assert sleeps == []


def test_connection_refused_is_a_network_error_retried_for_reads(make_client, has_token, sleeps, records):
    client = make_client(base_url=f"http://127.0.0.1:{closed_port()}/sandbox/api", max_attempts=3)

    with pytest.raises(NetworkError) as caught:
        client.order_get("1")

    error = caught.value
    assert (error.errcode, error.http_status, error.endpoint) == (None, None, ORDER_GET)
    assert T1 not in str(error) and T1 not in repr(error)
    assert (error.__cause__, error.__context__) == (None, None)
    assert sleeps == [0.25, 0.5]
    assert without_durations(records) == [
        CallRecord(
            endpoint=ORDER_GET,
            http_status=None,
            errcode=None,
            attempt=n,
            duration_ms=0,
            request_id="",
            error="NetworkError",
        )
        for n in (1, 2, 3)
    ]


def test_connection_refused_on_a_write_is_raised_at_once(make_client, has_token, sleeps, records):
    client = make_client(base_url=f"http://127.0.0.1:{closed_port()}/sandbox/api")

    with pytest.raises(NetworkError):
        client.coupon_update_status("19126", 2)

    assert [record.attempt for record in records] == [1]
    assert sleeps == []


def test_a_read_timeout_is_a_network_error_retried_for_reads(stub, make_client, has_token, sleeps):
    stub.script(ORDER_GET, Reply(json={"errcode": 0, "order": ORDER}, delay=0.6), ok(order=ORDER))
    client = make_client(read_timeout=0.2)

    assert client.order_get("1") == ORDER

    assert len(stub.seen(ORDER_GET)) == 2
    assert sleeps == [0.25]


def test_read_timeouts_until_max_attempts_raise_network_error(stub, make_client, has_token, records):
    stub.default(ORDER_GET, Reply(json={"errcode": 0, "order": ORDER}, delay=0.6))
    client = make_client(read_timeout=0.2, max_attempts=2)

    with pytest.raises(NetworkError) as caught:
        client.order_get("1")

    assert caught.value.errmsg == "ReadTimeout"
    assert [(record.attempt, record.error) for record in records] == [(1, "NetworkError"), (2, "NetworkError")]


def test_a_read_timeout_on_a_write_is_raised_at_once(stub, make_client, has_token):
    stub.default(COUPON_STATUS, Reply(json={"errcode": 0}, delay=0.6))

    with pytest.raises(NetworkError):
        make_client(read_timeout=0.2).coupon_update_status("19126", 2)

    assert len(stub.seen(COUPON_STATUS)) == 1


# -- lenient parsing -----------------------------------------------------------------------------------------------


def test_string_errcode_and_numeric_ids_are_accepted(stub, make_client, has_token):
    stub.script(
        "/channels/ec/order/list/get",
        Reply(json={"errcode": "0", "errmsg": "ok", "order_id_list": [3705115058471208928, "42"], "has_more": True}),
    )

    page = make_client().order_list(update_start=1714000000, update_end=1714036504)

    assert page == IdPage(ids=["3705115058471208928", "42"], next_key="", has_more=True)


def test_a_missing_errcode_means_success(stub, make_client, has_token):
    stub.script(ORDER_GET, Reply(json={"order": ORDER}))

    assert make_client().order_get(3705115058471208928) == ORDER
    assert stub.seen(ORDER_GET)[0].json == {"order_id": "3705115058471208928"}


def test_missing_optional_blocks_read_as_empty(stub, make_client, has_token):
    stub.script("/channels/ec/order/list/get", Reply(json={"errcode": 0}))

    page = make_client().order_list(create_start=1714000000, create_end=1714000001)

    assert page == IdPage(ids=[], next_key="", has_more=False)


def test_a_string_nonzero_errcode_is_classified(stub, make_client, has_token):
    stub.script(ORDER_GET, Reply(json={"errcode": "100002", "errmsg": "订单不存在"}))

    with pytest.raises(WeChatError) as caught:
        make_client().order_get("1")

    assert (type(caught.value), caught.value.errcode) == (NotFoundError, 100002)


def test_an_unreadable_errcode_is_a_server_error(stub, make_client, has_token):
    stub.script(ORDER_GET, Reply(json={"errcode": "oops"}))

    with pytest.raises(ServerError):
        make_client(max_attempts=1).order_get("1")


def test_an_ok_answer_without_the_detail_object_is_a_server_error(stub, make_client, has_token):
    stub.script(ORDER_GET, ok())

    with pytest.raises(ServerError) as caught:
        make_client().order_get("1")

    assert caught.value.errmsg == "response has no 'order' object"


# -- call records and secrets --------------------------------------------------------------------------------------


def test_every_attempt_leaves_exactly_one_record_without_secrets_or_bodies(stub, make_client, records):
    stub.script(TOKEN_PATH, token(T1), token(T2))
    order_with_personal_data = {
        **ORDER,
        "order_detail": {"delivery_info": {"address_info": {"tel_number": "13800138000"}}},
    }
    stub.script(
        ORDER_GET,
        fail(40001, f"invalid credential rid: {RID}"),
        Reply(json={"errcode": 0, "errmsg": "ok", "order": order_with_personal_data}, headers={"Request-Id": "hdr-9"}),
    )

    make_client().order_get("3705115058471208928")

    assert without_durations(records) == [
        CallRecord(endpoint=TOKEN_PATH, http_status=200, errcode=0, attempt=1, duration_ms=0, request_id="", error=""),
        CallRecord(
            endpoint=ORDER_GET,
            http_status=200,
            errcode=40001,
            attempt=1,
            duration_ms=0,
            request_id=RID,
            error="TokenInvalidError",
        ),
        CallRecord(endpoint=TOKEN_PATH, http_status=200, errcode=0, attempt=1, duration_ms=0, request_id="", error=""),
        CallRecord(
            endpoint=ORDER_GET, http_status=200, errcode=0, attempt=2, duration_ms=0, request_id="hdr-9", error=""
        ),
    ]
    for record in records:
        text = repr(record)
        for secret in (T1, T2, SECRET, "13800138000", "3705115058471208928", "o-buyer", "access_token"):
            assert secret not in text
        assert record.duration_ms >= 0


def test_a_failing_recorder_does_not_fail_the_call(stub, make_client, has_token):
    stub.script(COUPON_STATUS, ok())

    def broken(record):
        raise RuntimeError("log table is down")

    assert make_client(recorder=broken).coupon_update_status("19126", 2) is None


def test_the_access_token_travels_only_in_the_query_string(stub, make_client):
    stub.script(TOKEN_PATH, token(T1))
    stub.script(COUPON_STATUS, ok())
    stub.script("/channels/ec/basics/info/get", ok(info={"nickname": "小店"}))
    client = make_client()

    client.coupon_update_status("19126", 2)
    client.basics_info()

    token_call, *business = stub.seen()
    assert token_call.query == {}
    assert [(seen.method, seen.path, seen.query) for seen in business] == [
        ("POST", COUPON_STATUS, {"access_token": T1}),
        ("GET", "/channels/ec/basics/info/get", {"access_token": T1}),
    ]
    for seen in business:
        assert T1.encode() not in seen.raw
        assert all(T1 not in value for value in seen.headers.values())


# -- local validation ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.order_list(update_start=0, update_end=7 * 86400 + 1), id="order window 7d+1s"),
        pytest.param(lambda c: c.order_list(create_start=0, create_end=7 * 86400 + 1), id="create window 7d+1s"),
        pytest.param(lambda c: c.order_list(update_start=0, update_end=60, page_size=101), id="order page 101"),
        pytest.param(lambda c: c.order_list(), id="no window"),
        pytest.param(lambda c: c.order_list(update_start=0), id="half a window"),
        pytest.param(lambda c: c.order_list(update_start=60, update_end=0), id="end before start"),
        pytest.param(lambda c: c.order_search(condition={}, page_size=101), id="search page 101"),
        pytest.param(lambda c: c.aftersale_list(create_start=0, create_end=86401), id="after-sale 24h+1s"),
        pytest.param(lambda c: c.aftersale_list(update_start=0, update_end=86401), id="after-sale update 24h+1s"),
        pytest.param(lambda c: c.aftersale_list(), id="after-sale no window"),
        pytest.param(lambda c: c.aftersale_list(update_start=0), id="after-sale half a window"),
        pytest.param(lambda c: c.product_list(page_size=31), id="product page 31"),
        pytest.param(lambda c: c.coupon_list(status=2, page=1, page_size=201), id="coupon page 201"),
        pytest.param(lambda c: c.coupon_list(status=2, page=0, page_size=10), id="coupon page 0"),
        pytest.param(lambda c: c.league_item_list(type=1, page_size=101), id="league page 101"),
        pytest.param(lambda c: c.league_item_delete(type=2, product_id="1"), id="league type 2 without info_id"),
        pytest.param(lambda c: c.order_get(""), id="empty order id"),
        pytest.param(lambda c: c.product_get("1", data_type=3), id="product data_type 3"),
        pytest.param(lambda c: c.league_promoter_get(), id="talent without a key"),
        pytest.param(lambda c: c.league_promoter_get(talent_appid="wx1", finder_id="sph1"), id="talent with two keys"),
    ],
)
def test_shop_arguments_the_platform_would_refuse_raise_before_any_http(stub, make_client, call):
    with pytest.raises(ValueError):
        call(make_client())

    assert stub.seen() == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.headsupplier_order_list(update_start=0, update_end=60, page_size=31), id="page 31"),
        pytest.param(lambda c: c.headsupplier_order_list(update_start=0, update_end=7 * 86400 + 1), id="window"),
        pytest.param(lambda c: c.headsupplier_shop_list(page_size=31), id="shop page 31"),
        pytest.param(lambda c: c.headsupplier_item_list(shop_appid="wx1", page_size=31), id="item page 31"),
    ],
)
def test_agency_arguments_the_platform_would_refuse_raise_before_any_http(stub, make_client, call):
    with pytest.raises(ValueError):
        call(make_client(AgencyClient))

    assert stub.seen() == []


def test_a_seven_day_window_is_allowed(stub, make_client, has_token):
    stub.script("/channels/ec/order/list/get", ok(order_id_list=["1"], next_key="k2", has_more=True))

    page = make_client().order_list(update_start=1713431704, update_end=1714036504, status=20, next_key="k1")

    assert page == IdPage(ids=["1"], next_key="k2", has_more=True)
    assert stub.seen("/channels/ec/order/list/get")[0].json == {
        "update_time_range": {"start_time": 1713431704, "end_time": 1714036504},
        "status": 20,
        "page_size": 100,
        "next_key": "k1",
    }


@pytest.mark.parametrize(
    ("window", "sent"),
    [
        pytest.param(
            {"update_start": 1713950104, "update_end": 1714036504},
            {"begin_update_time": 1713950104, "end_update_time": 1714036504},
            id="by update time",
        ),
        pytest.param(
            {"create_start": 1713950104, "create_end": 1714036504},
            {"begin_create_time": 1713950104, "end_create_time": 1714036504},
            id="by creation time",
        ),
    ],
)
def test_aftersale_list_sends_the_pair_of_its_window(stub, make_client, has_token, window, sent):
    stub.script("/channels/ec/aftersale/getaftersalelist", ok(after_sale_order_id_list=[1], next_key="k2", has_more=0))

    page = make_client().aftersale_list(**window, next_key="k1")

    assert page == IdPage(ids=["1"], next_key="k2", has_more=False)
    assert stub.seen("/channels/ec/aftersale/getaftersalelist")[0].json == {**sent, "next_key": "k1"}


# -- typed methods -------------------------------------------------------------------------------------------------


def test_basics_info_reads_the_shop_with_get(stub, make_client, has_token):
    info = {
        "nickname": "小店",
        "headimg_url": "https://img/x.png",
        "subject_type": "企业",
        "status": "open_finished",
        "username": "gh_123",
        "is_local_life": False,
        "open_timestamp": 1700000000,
    }
    stub.script("/channels/ec/basics/info/get", ok(info=info))

    assert make_client().basics_info() == ShopInfo(**info)
    assert stub.seen()[0].raw == b""


def test_product_list_reports_the_total_and_derives_has_more(stub, make_client, has_token):
    stub.script(
        "/channels/ec/product/list/get",
        ok(product_ids=["1234567001", 1234567002], next_key="n1", total_num=3),
        ok(product_ids=[], next_key="", total_num=3),
    )
    client = make_client()

    first = client.product_list(page_size=2)
    last = client.product_list(page_size=2, next_key="n1")

    assert first == IdPage(ids=["1234567001", "1234567002"], next_key="n1", has_more=True, total=3)
    assert last == IdPage(ids=[], next_key="", has_more=False, total=3)


def test_coupon_create_sends_utf8_and_returns_the_id_as_a_string(stub, make_client, has_token):
    stub.script("/channels/ec/coupon/create", ok(data={"coupon_id": 19126}))
    body = {"type": 102, "name": "满100减10", "discount_info": {"discount_fee": 1000}}

    assert make_client().coupon_create(body) == "19126"
    assert stub.seen()[0].json == body
    assert "满100减10".encode() in stub.seen()[0].raw


def test_coupon_list_reads_ids_total_and_page_ctx(stub, make_client, has_token):
    stub.script(
        "/channels/ec/coupon/get_list", ok(coupons=[{"coupon_id": 1}, {"coupon_id": "2"}], total_num=2, page_ctx="c")
    )

    assert make_client().coupon_list(status=2, page=1, page_size=10) == CouponPage(
        coupon_ids=["1", "2"], total=2, page_ctx="c"
    )


def test_league_item_list_reads_items_and_cursor(stub, make_client, has_token):
    stub.script(
        "/channels/ec/league/item/list/get",
        ok(items=[{"product_id": 1, "info_id": 9}, {"product_id": "2"}], total_num=2, has_more=False, last_buffer="b"),
    )

    page = make_client().league_item_list(type=2, page_size=50)

    assert page == LeagueItemPage(
        items=[LeagueItemRef(product_id="1", info_id="9"), LeagueItemRef(product_id="2", info_id="")],
        total=2,
        has_more=False,
        last_buffer="b",
    )


def test_cooperation_unbind_uses_the_invitation_path(stub, make_client, has_token):
    stub.script("/channels/ec/cooperation/invitation/unbind", ok())

    make_client().cooperation_unbind(sharer_id="gh_abc", sharer_type=2)

    assert [(seen.path, seen.json) for seen in stub.seen()] == [
        ("/channels/ec/cooperation/invitation/unbind", {"sharer_id": "gh_abc", "sharer_type": 2})
    ]


def test_headsupplier_order_list_returns_order_and_sku_keys(stub, make_client, has_token):
    stub.script(
        "/channels/ec/league/headsupplier/order/list/get",
        ok(
            list=[{"order_id": 3705115058471208928, "sku_id": 11}, {"order_id": "2", "sku_id": "22"}],
            has_more=True,
            next_key="n",
        ),
    )

    page = make_client(AgencyClient).headsupplier_order_list(create_start=0, create_end=3600, shop_appid="wxshop")

    assert page == CommissionOrderPage(keys=[("3705115058471208928", "11"), ("2", "22")], next_key="n", has_more=True)
    assert stub.seen()[0].json == {
        "appid": "wxshop",
        "create_time_range": {"start_time": 0, "end_time": 3600},
        "page_size": 30,
    }


@pytest.mark.parametrize("key", ["commssion_order", "commission_order"])
def test_headsupplier_order_get_accepts_the_official_typo_and_the_spelling(stub, make_client, has_token, key):
    commission_order = {"order_id": "1", "sku_id": "2", "status": 20}
    stub.script("/channels/ec/league/headsupplier/order/get", ok(**{key: commission_order}))

    assert make_client(AgencyClient).headsupplier_order_get("1", 2) == commission_order
    assert stub.seen()[0].json == {"order_id": "1", "sku_id": "2"}


def test_headsupplier_shop_list_reads_base_info(stub, make_client, has_token):
    stub.script(
        "/channels/ec/league/headsupplier/shop/list/get",
        ok(shop_list=[{"base_info": {"appid": "wx1", "nickname": "店", "headimg_url": "u"}, "status": "2"}]),
    )

    assert make_client(AgencyClient).headsupplier_shop_list() == ShopListPage(
        shops=[CooperativeShop(appid="wx1", nickname="店", headimg_url="u", status=2)], next_key="", has_more=False
    )


def test_league_promoter_list_reads_the_talents_of_the_2026_model(stub, make_client, has_token):
    stub.script(
        "/channels/ec/league/promoter/list/get",
        ok(list=[{"talent_appid": "wxt1", "nickname": "小王"}, {"talent_appid": "wxt2"}], total_num=3, continue_flag=1),
    )

    page = make_client().league_promoter_list(page_index=1, page_size=2)

    assert page == TalentPage(
        talents=[TalentRef(talent_appid="wxt1", nickname="小王"), TalentRef(talent_appid="wxt2", nickname="")],
        total=3,
        has_more=True,
    )
    assert stub.seen()[0].json == {"page_index": 1, "page_size": 2}


@pytest.mark.parametrize("key", ["talent_appid", "finder_id", "talent_search_key"])
def test_league_promoter_get_looks_a_talent_up_by_one_key(stub, make_client, has_token, key):
    talent = {
        "base_talent_info": {"talent_appid": "wxt1", "nickname": "小王", "head_img": "https://img/t.png"},
        "data": {"total_sale_gmv": 123400, "sale_gmv_30d": 5600, "total_order_num": 40, "order_num_30d": 3},
        "feature_info": {"level": 3, "is_blacklisted": False},
    }
    stub.script("/channels/ec/league/promoter/get", ok(talent=talent))

    assert make_client().league_promoter_get(**{key: "k1"}) == talent
    assert stub.seen()[0].json == {key: "k1"}


def test_the_pre_2026_promoter_answer_is_unusable(stub, make_client, has_token):
    stub.script("/channels/ec/league/promoter/get", ok(promoter={"finder_id": "sph1", "status": 2}))

    with pytest.raises(ServerError):
        make_client().league_promoter_get(finder_id="sph1")


def test_the_client_calls_none_of_the_shop_side_sharer_apis_taken_offline():
    # /channels/ec/sharer/* (get_shop_finder_live_notice_sharer_url among them) went offline on 2025-03-07.
    paths = {
        node.value
        for node in ast.walk(ast.parse(inspect.getsource(client_module)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/channels/")
    }
    assert "/channels/ec/league/promoter/get" in paths
    assert [path for path in paths if path.startswith("/channels/ec/sharer/")] == []
    assert not hasattr(ShopClient, "sharer_live_notice_url")

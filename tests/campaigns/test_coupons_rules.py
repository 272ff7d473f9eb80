"""Acceptance 1: every coupon rule is refused by the console BEFORE any call (its field and stable code, no HTTP
attempt — no call-log row — and nothing changed), and the same input sent straight to the emulator over HTTP is
refused with the platform's errcode."""

import time
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Coupon
from campaigns.services import coupons as services
from campaigns.services.coupons import CouponSpec
from sandbox.models import Account, Buyer
from sandbox.models import Coupon as PlatformCoupon
from sandbox.models import Product as PlatformProduct
from shopops.models import ApiCall
from tests.factories import ProductFactory, ShopFactory
from tests.sandbox.conftest import Api, assert_error
from tests.security.isolation import changes, snapshot

APPID, SECRET = "wxcouponrules00001", "c" * 32
PRICE_FEN = 10000  # every test product's lowest price
PRODUCTS = ("1001", "1002")
INVALID, STATE_WRONG = 40097, 10021001


def base(**changes) -> CouponSpec:
    """A valid 店铺直减券 (104) receivable from an hour ago for a week, valid 7 days after receipt."""
    now = timezone.now()
    spec = CouponSpec(
        type=104,
        name="店铺立减5元",
        discount_fee_fen=500,
        receive_start=now - timedelta(hours=1),
        receive_end=now + timedelta(days=7),
        limit_num_one_person=1,
        total_num=100,
        valid_type=2,
        valid_day_num=7,
    )
    return replace(spec, **changes)


def _past(days: int):
    return timezone.now() - timedelta(days=days)


def _future(days: int):
    return timezone.now() + timedelta(days=days)


# (rule code, field the console reports it on, the platform's errcode, the input)
CREATE_RULES = [
    ("invalid_type", "type", INVALID, lambda: base(type=5)),
    ("name_required", "name", INVALID, lambda: base(name="")),
    ("name_too_long", "name", INVALID, lambda: base(name="一二三四五六七八九十百")),
    ("invalid_promote_type", "promote_type", INVALID, lambda: base(promote_type=2)),
    (
        "required_for_type",
        "product_cnt",
        INVALID,
        lambda: base(type=1, discount_fee_fen=None, product_ids=["1001"], discount_num=9000),
    ),
    ("required_for_type", "product_ids", INVALID, lambda: base(type=4)),
    ("required_for_type", "discount_num", INVALID, lambda: base(type=103, discount_fee_fen=None)),
    ("not_for_type", "product_ids", INVALID, lambda: base(product_ids=["1001"])),
    ("not_for_type", "discount_num", INVALID, lambda: base(discount_num=9000)),
    (
        "count_and_price",
        "product_price",
        INVALID,
        lambda: base(type=101, discount_fee_fen=None, product_cnt=2, product_price_fen=5000, discount_num=8000),
    ),
    ("discount_num_range", "discount_num", INVALID, lambda: base(type=103, discount_fee_fen=None, discount_num=1900)),
    ("discount_num_range", "discount_num", INVALID, lambda: base(type=103, discount_fee_fen=None, discount_num=1000)),
    ("discount_num_range", "discount_num", INVALID, lambda: base(type=103, discount_fee_fen=None, discount_num=8050)),
    ("discount_num_range", "discount_num", INVALID, lambda: base(type=103, discount_fee_fen=None, discount_num=10100)),
    ("discount_fee_range", "discount_fee", INVALID, lambda: base(discount_fee_fen=20001)),
    ("below_floor", "discount_fee", INVALID, lambda: base(type=102, product_price_fen=1000, discount_fee_fen=900)),
    ("below_floor", "discount_fee", INVALID, lambda: base(type=4, product_ids=["1001"], discount_fee_fen=8001)),
    (
        "product_cnt_min",
        "product_cnt",
        INVALID,
        lambda: base(type=101, discount_fee_fen=None, product_cnt=-1, discount_num=8000),
    ),
    ("product_price_min", "product_price", INVALID, lambda: base(type=102, product_price_fen=-5)),
    (
        "too_many_products",
        "product_ids",
        INVALID,
        lambda: base(type=4, product_ids=[str(2000 + n) for n in range(201)], discount_fee_fen=100),
    ),
    ("duplicate_product", "product_ids", INVALID, lambda: base(type=4, product_ids=["1001", "1001"])),
    ("unknown_product", "product_ids", INVALID, lambda: base(type=4, product_ids=["1001", "9999"])),
    ("receive_period", "receive_end", INVALID, lambda: base(receive_start=_future(3), receive_end=_future(2))),
    ("receive_end_past", "receive_end", INVALID, lambda: base(receive_start=_past(3), receive_end=_past(1))),
    ("limit_min", "limit_num_one_person", INVALID, lambda: base(limit_num_one_person=0)),
    ("total_min", "total_num", INVALID, lambda: base(total_num=0)),
    ("limit_over_total", "limit_num_one_person", INVALID, lambda: base(limit_num_one_person=5, total_num=3)),
    ("invalid_valid_type", "valid_type", INVALID, lambda: base(valid_type=3)),
    (
        "valid_period",
        "valid_end",
        INVALID,
        lambda: base(valid_type=1, valid_day_num=None, valid_start=_future(5), valid_end=_future(4)),
    ),
    ("valid_days_min", "valid_day_num", INVALID, lambda: base(valid_day_num=0)),
]
IDS = [f"{code}-{n}" for n, (code, *_rest) in enumerate(CREATE_RULES)]

# Updates and status changes of an existing coupon: (code, field or None, errcode, coupon state, spec or status).
UPDATE_RULES = [
    ("not_editable", None, STATE_WRONG, {"status": 4}, lambda: base()),
    ("locked_when_effective", "__all__", STATE_WRONG, {"status": 2}, lambda: base(discount_fee_fen=800)),
    ("total_below_received", "total_num", INVALID, {"status": 1, "receive_num": 10}, lambda: base(total_num=5)),
]
STATUS_RULES = [
    ("invalid_transition", 1, 4),  # 作废 needs 生效
    ("invalid_transition", 2, 5),  # 删除 a coupon in effect: 作废 first
    ("invalid_transition", 4, 2),  # an invalidated coupon stays so
    ("invalid_transition", 5, 4),  # nothing after 删除
    ("invalid_transition", 2, 2),  # the same status again
]


def refused(call) -> tuple[str | None, str]:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    if hasattr(error, "error_dict"):
        (field, errors), *_ = error.error_dict.items()
        return field, errors[0].code
    return None, error.error_list[0].code


# --- the console refuses before calling ---------------------------------------------------------------------


@pytest.fixture
def shop(db):
    # Connected: a rule that failed to refuse would reach for the network and leave an ApiCall row.
    shop = ShopFactory(appid=APPID, app_secret=SECRET)
    for product_id in PRODUCTS:
        ProductFactory(shop=shop, product_id=product_id, min_price_fen=PRICE_FEN)
    return shop


def refused_before_call(call) -> tuple[str | None, str]:
    before = snapshot()
    outcome = refused(call)
    assert changes(before, snapshot()) == {}
    assert ApiCall.objects.count() == 0
    return outcome


@pytest.mark.parametrize(("code", "field", "errcode", "spec"), CREATE_RULES, ids=IDS)
def test_console_refuses_before_the_call(shop, code, field, errcode, spec):
    assert refused_before_call(lambda: services.coupon_create(shop=shop, spec=spec())) == (field, code)


def local_coupon(shop, **state) -> Coupon:
    spec = base()
    return Coupon.objects.create(
        shop=shop,
        coupon_id="5550001",
        type=spec.type,
        name=spec.name,
        discount_fee_fen=spec.discount_fee_fen,
        receive_start=spec.receive_start,
        receive_end=spec.receive_end,
        limit_num_one_person=1,
        total_num=100,
        valid_type=2,
        valid_day_num=7,
        synced_at=timezone.now(),
        **state,
    )


@pytest.mark.parametrize(("code", "field", "errcode", "state", "spec"), UPDATE_RULES, ids=[r[0] for r in UPDATE_RULES])
def test_console_refuses_updates_before_the_call(shop, code, field, errcode, state, spec):
    coupon = local_coupon(shop, **state)
    assert refused_before_call(lambda: services.coupon_update(coupon=coupon, spec=spec())) == (field, code)


@pytest.mark.parametrize(("code", "current", "target"), STATUS_RULES)
def test_console_refuses_status_changes_before_the_call(shop, code, current, target):
    coupon = local_coupon(shop, status=current)
    assert refused_before_call(lambda: services.coupon_status_change(coupon=coupon, status=target)) == (None, code)


def test_a_valid_coupon_passes_every_check(shop):
    for spec in (
        base(),
        base(type=1, discount_fee_fen=None, product_ids=["1001"], product_cnt=2, discount_num=9000),
        base(type=2, product_ids=["1001", "1002"], product_price_fen=5000, discount_fee_fen=800),
        base(type=3, discount_fee_fen=None, product_ids=["1002"], discount_num=2000),
        base(type=4, product_ids=["1001"], discount_fee_fen=8000),
        base(type=101, discount_fee_fen=None, product_cnt=2, discount_num=10000),
        base(type=102, product_price_fen=1000, discount_fee_fen=800),
        base(type=103, discount_fee_fen=None, discount_num=8500),
        base(discount_fee_fen=20000, valid_type=1, valid_start=_future(0), valid_end=_future(30), valid_day_num=None),
    ):
        services.coupon_check(shop=shop, spec=spec)


# --- the emulator refuses the same input ---------------------------------------------------------------------


@pytest.fixture
def platform(transactional_db, live_server):
    account = Account.objects.create(appid=APPID, secret=SECRET, name="规则小店", clock=int(time.time()))
    Buyer.objects.create(shop=account, openid="oBuyer1", nickname="买家")
    for product_id in PRODUCTS:
        payload = {"product_id": product_id, "min_price": PRICE_FEN, "skus": []}
        PlatformProduct.objects.create(shop=account, product_id=product_id, status=5, update_time=0, payload=payload)
    api = Api(live_server.url + "/sandbox/api")
    return account, api, api.token(APPID, SECRET)


@pytest.mark.parametrize(("code", "field", "errcode", "spec"), CREATE_RULES, ids=IDS)
def test_emulator_refuses_the_same_input(platform, code, field, errcode, spec):
    account, api, token = platform
    assert_error(api.post("/channels/ec/coupon/create", services.coupon_body(spec()), token=token), errcode)
    assert not PlatformCoupon.objects.exists()


def platform_coupon(account, **state) -> PlatformCoupon:
    body = services.coupon_body(base())
    info = {key: body[key] for key in body if key != "type"}
    return PlatformCoupon.objects.create(
        shop=account,
        coupon_id="5550001",
        type=104,
        create_time=0,
        update_time=0,
        coupon_info=info,
        total_num=100,
        **state,
    )


@pytest.mark.parametrize(("code", "field", "errcode", "state", "spec"), UPDATE_RULES, ids=[r[0] for r in UPDATE_RULES])
def test_emulator_refuses_the_same_update(platform, code, field, errcode, state, spec):
    account, api, token = platform
    coupon = platform_coupon(account, **state)
    body = {"coupon_id": coupon.coupon_id, **services.coupon_body(spec())}
    assert_error(api.post("/channels/ec/coupon/update", body, token=token), errcode)
    coupon.refresh_from_db()
    assert coupon.total_num == 100 and coupon.coupon_info["discount_info"] == {"discount_fee": 500}


@pytest.mark.parametrize(("code", "current", "target"), STATUS_RULES)
def test_emulator_refuses_the_same_status_change(platform, code, current, target):
    account, api, token = platform
    coupon = platform_coupon(account, status=current)
    body = {"coupon_id": coupon.coupon_id, "status": target}
    assert_error(api.post("/channels/ec/coupon/update_status", body, token=token), STATE_WRONG)
    coupon.refresh_from_db()
    assert coupon.status == current


def test_emulator_accepts_what_the_console_accepts(platform):
    account, api, token = platform
    for spec in (
        base(type=1, discount_fee_fen=None, product_ids=["1001"], product_cnt=2, discount_num=9000),
        base(type=2, product_ids=["1001", "1002"], product_price_fen=5000, discount_fee_fen=800),
        base(type=4, product_ids=["1001"], discount_fee_fen=8000),
        base(type=102, product_price_fen=1000, discount_fee_fen=800),
        base(type=103, discount_fee_fen=None, discount_num=2000),
    ):
        answer = api.post("/channels/ec/coupon/create", services.coupon_body(spec), token=token)
        assert answer["errcode"] == 0, answer
    assert PlatformCoupon.objects.filter(shop=account, status=1).count() == 5


def test_emulator_lists_and_pages_by_the_rules(platform):
    account, api, token = platform
    for n in range(25):
        PlatformCoupon.objects.create(
            shop=account, coupon_id=f"{600000 + n}", type=104, status=2, create_time=0, update_time=0, total_num=1
        )
    path = "/channels/ec/coupon/get_list"
    assert_error(api.post(path, {"status": 7, "page": 1, "page_size": 10}, token=token), STATE_WRONG)
    assert_error(api.post(path, {"status": 2, "page": 1, "page_size": 201}, token=token), INVALID)
    # The first request asks for a page below 10 or the last page.
    assert_error(api.post(path, {"status": 2, "page": 10, "page_size": 2}, token=token), 10021036)
    last = api.post(path, {"status": 2, "page": 13, "page_size": 2}, token=token)
    assert [c["coupon_id"] for c in last["coupons"]] == ["600024"] and last["total_num"] == 25
    first = api.post(path, {"status": 2, "page": 1, "page_size": 2}, token=token)
    assert [c["coupon_id"] for c in first["coupons"]] == ["600000", "600001"]
    # Later requests stay within 10 pages of the previous one.
    ctx = first["page_ctx"]
    assert_error(api.post(path, {"status": 2, "page": 12, "page_size": 2, "page_ctx": ctx}, token=token), 10021036)
    eleven = api.post(path, {"status": 2, "page": 11, "page_size": 2, "page_ctx": ctx}, token=token)
    assert [c["coupon_id"] for c in eleven["coupons"]] == ["600020", "600021"]
    assert_error(api.post("/channels/ec/coupon/get", {"coupon_id": "1"}, token=token), 10021037)


def test_emulator_user_coupon_lists_refuse_a_bad_openid(platform):
    account, api, token = platform
    body = {"openid": "oNobody", "page": 1, "page_size": 10}
    assert_error(api.post("/channels/ec/coupon/get_user_coupon_list", body, token=token), 40003)
    body = {"openid": "oNobody", "user_coupon_id": "1"}
    assert_error(api.post("/channels/ec/coupon/get_user_coupon", body, token=token), 40003)
    body = {"openid": "oBuyer1", "user_coupon_id": "1"}
    assert_error(api.post("/channels/ec/coupon/get_user_coupon", body, token=token), 10021037)
    answer = api.post(
        "/channels/ec/coupon/get_user_coupon_list", {"openid": "oBuyer1", "page": 1, "page_size": 10}, token=token
    )
    assert answer["errcode"] == 0 and answer["user_coupon_list"] == [] and answer["total_num"] == 0

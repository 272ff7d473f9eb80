"""Coupons (营销管理-优惠券, permission set 132): create, update, update_status, get, get_list, get_user_coupon_list,
get_user_coupon. Facts: shared/wechat-platform.md §4 and wechat-platform-2026.md §B.3.

Parameter rules of create/update (each refused with 40097 ``invalid args`` and the detail in errmsg — the platform
documents no coupon-specific parameter codes; its common table says 40097 carries the detail in errmsg):

- ``type`` is one of 1, 2, 3, 4 (商品券) and 101, 102, 103, 104 (店铺券);
- ``name`` is required, at most 10 characters (the doc: 最长10个中文字符; the schema: 30 bytes — both are checked);
- ``promote_info.promote_type`` is required: 1 店铺内推广, 9 会员券, 10 会员开卡礼券;
- the discount fields each type requires (official guide): 1 product_ids+product_cnt+discount_num; 2
  product_ids+product_price+discount_fee; 3 product_ids+discount_num; 4 product_ids+discount_fee; 101
  product_cnt+discount_num; 102 product_price+discount_fee; 103 discount_num; 104 discount_fee — and no other:
  a field another type uses is refused, which makes product_cnt and product_price mutually exclusive (the doc says
  so explicitly) and keeps product_ids off 店铺券;
- ``discount_num`` (折扣 ×1000): a multiple of 100 from 2000 to 10000. The doc says "范围是1000-10000 … 不可低于2折":
  the two clauses together leave 2000–10000, which is what the emulator accepts (1000–1900 is refused);
- ``discount_fee`` (fen): 1 to 20000 (不可超过200元); for 满减 types (2, 102) the price after the discount may not fall
  below 2折 of the threshold (discount_fee ≤ 80% of product_price); for 商品直减 (4) not below 2折 of each product's
  lowest price;
- ``product_cnt`` ≥ 1, ``product_price`` ≥ 1 fen;
- ``product_ids``: 1 to 200 (the update doc's cap; the guide's 2000 is for the console), no duplicates, each a
  product of the shop;
- ``receive_info``: start_time, end_time (end after start and after now), limit_num_one_person ≥ 1, total_num ≥ 1,
  limit_num_one_person ≤ total_num;
- ``valid_info.valid_type`` 1 (start_time and end_time, end after start) or 2 (valid_day_num ≥ 1);
- ``auto_valid_info.auto_valid_type`` 0 or 1.

Status (update_status, 2 生效 / 4 作废 / 5 删除; any other value 40097): 1 → 2; 1 → 5; 2 → 4; 3 → 5; 4 → 5. Anything
else (the same status again, 2 → 5 without 作废 first, leaving 4 or 5) answers 10021001 优惠券状态不对 — the
emulator's reading of the official status enum (UNCONFIRMED). update: a coupon 未生效 (1) may change anything; a
coupon 生效 (2) keeps its type, discount and promote type (10021001 otherwise) and total_num may not fall below
what was received (40097); 3/4/5 cannot be updated (10021001). Unknown coupon: 10021037.

Events (sandbox.push): create → channels_ec_coupon_create, update and 1 → 2 → channels_ec_coupon_info_change,
作废 → channels_ec_coupon_invalid, 删除 → channels_ec_coupon_delete, each ``{coupon_info{coupon_id, <x>_time}}``.
"""

import base64
import json

from django.db import transaction
from django.db.models import Q

from sandbox import push
from sandbox.api import params
from sandbox.api.errors import ApiError
from sandbox.api.registry import Call, endpoint
from sandbox.models import Buyer, Coupon, Product, UserCoupon

STATE_WRONG, PAGE_JUMP, NOT_FOUND, BAD_OPENID = 10021001, 10021036, 10021037, 40003
PAGE_MAX = 200
MAX_PAGE_JUMP = 10
TYPES = (1, 2, 3, 4, 101, 102, 103, 104)
PRODUCT_TYPES = (1, 2, 3, 4)
PROMOTE_TYPES = (1, 9, 10)
# The discount fields each type requires (official guide); every other one is refused.
REQUIRED = {
    1: {"product_ids", "product_cnt", "discount_num"},
    2: {"product_ids", "product_price", "discount_fee"},
    3: {"product_ids", "discount_num"},
    4: {"product_ids", "discount_fee"},
    101: {"product_cnt", "discount_num"},
    102: {"product_price", "discount_fee"},
    103: {"discount_num"},
    104: {"discount_fee"},
}
DISCOUNT_FIELDS = ("product_ids", "product_cnt", "product_price", "discount_num", "discount_fee")
NAME_CHARS, NAME_BYTES = 10, 30
DISCOUNT_NUM_MIN, DISCOUNT_NUM_MAX, DISCOUNT_NUM_STEP = 2000, 10000, 100
DISCOUNT_FEE_MAX = 20000
FLOOR_PERMILLE = 200  # 不可低于2折: what is left after the discount is at least 20% of the price
MAX_PRODUCTS = 200
LIST_STATUSES = {1: (1,), 2: (2,), 3: (3,), 4: (4,), 5: (5,), 200: (3, 4)}
USER_STATUSES = (100, 101, 102)
# update_status: status → the statuses it may be reached from.
TRANSITIONS = {2: (1,), 4: (2,), 5: (1, 3, 4)}


def _now(call: Call) -> int:
    """The shop's simulated time (its clock), else the platform's."""
    return int(call.account.clock or call.now)


def _object(call: Call, source: dict, key: str, *, required: bool) -> dict:
    value = source.get(key)
    if value is None:
        if required:
            raise call.invalid(f"{key} is required")
        return {}
    if not isinstance(value, dict):
        raise call.invalid(f"{key} must be an object")
    return value


def _present(source: dict, key: str) -> bool:
    value = source.get(key)
    return value not in (None, "", [], 0)


def coupon_info_check(call: Call, body: dict) -> tuple[int, dict]:
    """The (type, normalised coupon_info) of a create/update body, or 40097 with the rule it breaks."""
    coupon_type = params.integer(call, "type", required=True, source=body)
    if coupon_type not in TYPES:
        raise call.invalid("type must be 1, 2, 3, 4, 101, 102, 103 or 104")
    name = params.string(call, "name", required=True, source=body)
    if len(name) > NAME_CHARS or len(name.encode()) > NAME_BYTES:
        raise call.invalid("name is at most 10 Chinese characters")
    promote = _object(call, body, "promote_info", required=True)
    promote_type = params.integer(call, "promote_type", required=True, source=promote)
    if promote_type not in PROMOTE_TYPES:
        raise call.invalid("promote_type must be 1, 9 or 10")

    discount = _object(call, body, "discount_info", required=False)
    condition = _object(call, discount, "discount_condition", required=False)
    given = {k for k in ("product_ids", "product_cnt", "product_price") if _present(condition, k)}
    given |= {k for k in ("discount_num", "discount_fee") if _present(discount, k)}
    if {"product_cnt", "product_price"} <= given:
        raise call.invalid("product_cnt and product_price cannot both be set")
    for key in DISCOUNT_FIELDS:
        if key in REQUIRED[coupon_type] and key not in given:
            raise call.invalid(f"{key} is required for type {coupon_type}")
        if key not in REQUIRED[coupon_type] and key in given:
            raise call.invalid(f"type {coupon_type} does not take {key}")
    info_condition, info_discount = {}, {}
    if "product_cnt" in given:
        info_condition["product_cnt"] = params.integer(call, "product_cnt", low=1, source=condition)
    if "product_price" in given:
        info_condition["product_price"] = params.integer(call, "product_price", low=1, source=condition)
    if "product_ids" in given:
        info_condition["product_ids"] = _product_ids(call, condition.get("product_ids"))
    if "discount_num" in given:
        num = params.integer(call, "discount_num", source=discount)
        if not DISCOUNT_NUM_MIN <= num <= DISCOUNT_NUM_MAX or num % DISCOUNT_NUM_STEP:
            raise call.invalid("discount_num is a multiple of 100 from 2000 (2折) to 10000")
        info_discount["discount_num"] = num
    if "discount_fee" in given:
        fee = params.integer(call, "discount_fee", source=discount)
        if not 1 <= fee <= DISCOUNT_FEE_MAX:
            raise call.invalid("discount_fee is 1 to 20000 fen (200 yuan)")
        threshold = info_condition.get("product_price")
        if threshold is not None and (threshold - fee) * 1000 < threshold * FLOOR_PERMILLE:
            raise call.invalid("discount_fee may not take the price below 2折 of product_price")
        if coupon_type == 4:
            prices = [p["min_price"] for p in _products(call, info_condition["product_ids"])]
            if any((price - fee) * 1000 < price * FLOOR_PERMILLE for price in prices):
                raise call.invalid("discount_fee may not take a product below 2折 of its price")
        info_discount["discount_fee"] = fee
    if info_condition:
        info_discount["discount_condition"] = info_condition

    receive = _object(call, body, "receive_info", required=True)
    start = params.integer(call, "start_time", required=True, low=0, source=receive)
    end = params.integer(call, "end_time", required=True, low=0, source=receive)
    if end <= start:
        raise call.invalid("receive_info.end_time must be after start_time")
    if end <= _now(call):
        raise call.invalid("receive_info.end_time must be in the future")
    limit = params.integer(call, "limit_num_one_person", required=True, low=1, source=receive)
    total = params.integer(call, "total_num", required=True, low=1, source=receive)
    if limit > total:
        raise call.invalid("limit_num_one_person may not exceed total_num")
    info_receive = {"start_time": start, "end_time": end, "limit_num_one_person": limit, "total_num": total}

    valid = _object(call, body, "valid_info", required=True)
    valid_type = params.integer(call, "valid_type", required=True, source=valid)
    if valid_type == 1:
        v_start = params.integer(call, "start_time", required=True, low=0, source=valid)
        v_end = params.integer(call, "end_time", required=True, low=0, source=valid)
        if v_end <= v_start:
            raise call.invalid("valid_info.end_time must be after start_time")
        info_valid = {"valid_type": 1, "start_time": v_start, "end_time": v_end}
    elif valid_type == 2:
        days = params.integer(call, "valid_day_num", required=True, low=1, source=valid)
        info_valid = {"valid_type": 2, "valid_day_num": days}
    else:
        raise call.invalid("valid_type must be 1 or 2")

    auto = _object(call, body, "auto_valid_info", required=False)
    auto_type = params.integer(call, "auto_valid_type", default=0, source=auto)
    if auto_type not in (0, 1):
        raise call.invalid("auto_valid_type must be 0 or 1")
    ext = _object(call, body, "ext_info", required=False)
    info_ext = {k: ext[k] for k in ("jump_product_id", "notes", "valid_time", "invalid_time") if k in ext}
    if "jump_product_id" in info_ext:
        info_ext["jump_product_id"] = str(info_ext["jump_product_id"])
    return coupon_type, {
        "name": name,
        "promote_info": {"promote_type": promote_type},
        "discount_info": info_discount,
        "receive_info": info_receive,
        "valid_info": info_valid,
        "ext_info": info_ext,
        "auto_valid_info": {"auto_valid_type": auto_type},
    }


def _product_ids(call: Call, value) -> list[str]:
    if not isinstance(value, list):
        raise call.invalid("product_ids must be a list")
    ids = [params.platform_id(call, "id", source={"id": v}) for v in value]
    if len(ids) > MAX_PRODUCTS:
        raise call.invalid("product_ids has at most 200 products")
    if len(set(ids)) != len(ids):
        raise call.invalid("product_ids repeats a product")
    found = set(Product.objects.filter(shop=call.account, product_id__in=ids).values_list("product_id", flat=True))
    missing = [pid for pid in ids if pid not in found]
    if missing:
        raise call.invalid(f"product {missing[0]} does not exist")
    return ids


def _products(call: Call, ids: list[str]) -> list[dict]:
    rows = Product.objects.filter(shop=call.account, product_id__in=ids)
    return [row.payload or row.edit_payload for row in rows]


def _coupon(call: Call, *, lock: bool = False) -> Coupon:
    coupon_id = params.platform_id(call, "coupon_id")
    queryset = Coupon.objects.filter(shop=call.account, coupon_id=coupon_id)
    coupon = (queryset.select_for_update() if lock else queryset).first()
    if coupon is None:
        raise ApiError(NOT_FOUND)
    return coupon


def coupon_event(coupon: Coupon, event: str, key: str, at: int) -> None:
    push.event_emit(
        account=coupon.shop,
        event=event,
        body={"coupon_info": {"coupon_id": coupon.coupon_id, key: str(at)}},
        create_time=at,
    )


def _next_coupon_id(shop) -> str:
    last = Coupon.objects.filter(shop=shop).order_by("-pk").values_list("pk", flat=True).first() or 0
    candidate = 9_000_000_000 + last + 1
    while Coupon.objects.filter(shop=shop, coupon_id=str(candidate)).exists():
        candidate += 1
    return str(candidate)


@endpoint("/channels/ec/coupon/create")
def coupon_create(call: Call) -> dict:
    coupon_type, info = coupon_info_check(call, call.body)
    now = _now(call)
    auto = info["auto_valid_info"]["auto_valid_type"] == 1 and info["receive_info"]["start_time"] <= now
    with transaction.atomic():
        coupon = Coupon.objects.create(
            shop=call.account,
            coupon_id=_next_coupon_id(call.account),
            type=coupon_type,
            status=2 if auto else 1,
            create_time=now,
            update_time=now,
            coupon_info=info,
            total_num=info["receive_info"]["total_num"],
        )
        coupon_event(coupon, "channels_ec_coupon_create", "create_time", now)
    return {"data": {"coupon_id": coupon.coupon_id}}


@endpoint("/channels/ec/coupon/update")
def coupon_update(call: Call) -> dict:
    with transaction.atomic():
        coupon = _coupon(call, lock=True)
        if coupon.status not in (1, 2):
            raise ApiError(STATE_WRONG, "only a coupon not yet in effect or in effect can be updated")
        coupon_type, info = coupon_info_check(call, call.body)
        if coupon.status == 2 and (
            coupon_type != coupon.type
            or info["discount_info"] != coupon.coupon_info.get("discount_info")
            or info["promote_info"] != coupon.coupon_info.get("promote_info")
        ):
            raise ApiError(STATE_WRONG, "a coupon in effect keeps its type, discount and promote type")
        if info["receive_info"]["total_num"] < coupon.receive_num:
            raise call.invalid("total_num may not be below the number already received")
        now = _now(call)
        coupon.type, coupon.coupon_info, coupon.update_time = coupon_type, info, now
        coupon.total_num = info["receive_info"]["total_num"]
        coupon.save()
        coupon_event(coupon, "channels_ec_coupon_info_change", "change_time", now)
    return {"data": {"coupon_id": coupon.coupon_id}}


@endpoint("/channels/ec/coupon/update_status")
def coupon_update_status(call: Call) -> dict:
    status = params.integer(call, "status", required=True)
    if status not in TRANSITIONS:
        raise call.invalid("status must be 2, 4 or 5")
    with transaction.atomic():
        coupon = _coupon(call, lock=True)
        if coupon.status not in TRANSITIONS[status]:
            raise ApiError(STATE_WRONG, f"cannot go from status {coupon.status} to {status}")
        now = _now(call)
        coupon.status, coupon.update_time = status, now
        coupon.save(update_fields=["status", "update_time"])
        event, key = {
            2: ("channels_ec_coupon_info_change", "change_time"),
            4: ("channels_ec_coupon_invalid", "invalid_time"),
            5: ("channels_ec_coupon_delete", "delete_time"),
        }[status]
        coupon_event(coupon, event, key, now)
    return {}


@endpoint("/channels/ec/coupon/get")
def coupon_get(call: Call) -> dict:
    return {"coupon": _coupon(call).payload()}


def _page(call: Call, total: int) -> tuple[int, int, str]:
    """(page, page_size, page_ctx to return) under the paging rules: page ≥ 1, page_size 1..200; the first
    request (no page_ctx) asks for a page below 10 or the last page; later ones stay within 10 pages of the
    previous (10021036)."""
    page = params.integer(call, "page", required=True, low=1)
    size = params.page_size(call, high=PAGE_MAX, required=True)
    last = max(1, -(-total // size))
    raw = call.body.get("page_ctx") or ""
    if raw:
        if not isinstance(raw, str):
            raise call.invalid("page_ctx must be a string")
        try:
            previous = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))["page"]
        except (ValueError, KeyError, TypeError):
            raise call.invalid("page_ctx is invalid") from None
        if abs(page - int(previous)) > MAX_PAGE_JUMP:
            raise ApiError(PAGE_JUMP)
    elif page >= MAX_PAGE_JUMP and page != last:
        raise ApiError(PAGE_JUMP)
    ctx = base64.urlsafe_b64encode(json.dumps({"page": page}).encode()).decode().rstrip("=")
    return page, size, ctx


@endpoint("/channels/ec/coupon/get_list")
def coupon_list(call: Call) -> dict:
    status = params.integer(call, "status", required=True)
    if status not in LIST_STATUSES:
        raise ApiError(STATE_WRONG)
    queryset = Coupon.objects.filter(shop=call.account, status__in=LIST_STATUSES[status])
    total = queryset.count()
    page, size, ctx = _page(call, total)
    ids = queryset.order_by("coupon_id").values_list("coupon_id", flat=True)[(page - 1) * size : page * size]
    return {"coupons": [{"coupon_id": cid} for cid in ids], "total_num": total, "page_ctx": ctx}


def user_status_at(row: UserCoupon, now: int) -> int:
    """100 生效中 turns 101 已过期 once its validity has ended."""
    return 101 if row.status == 100 and row.end_time < now else row.status


def _buyer(call: Call) -> str:
    openid = params.string(call, "openid", required=True)
    if not Buyer.objects.filter(shop=call.account, openid=openid).exists():
        raise ApiError(BAD_OPENID)
    return openid


@endpoint("/channels/ec/coupon/get_user_coupon_list")
def user_coupon_list(call: Call) -> dict:
    openid = _buyer(call)
    status = params.integer(call, "status")
    now = _now(call)
    queryset = UserCoupon.objects.filter(shop=call.account, openid=openid)
    if status is not None:
        if status not in USER_STATUSES:
            raise call.invalid("status must be 100, 101 or 102")
        queryset = queryset.filter(
            {
                100: Q(status=100, end_time__gte=now),
                101: Q(status=101) | Q(status=100, end_time__lt=now),
                102: Q(status=102),
            }[status]
        )
    total = queryset.count()
    page, size, ctx = _page(call, total)
    rows = queryset.order_by("user_coupon_id").values_list("user_coupon_id", "coupon__coupon_id")
    return {
        "user_coupon_list": [
            {"user_coupon_id": uid, "coupon_id": cid} for uid, cid in rows[(page - 1) * size : page * size]
        ],
        "total_num": total,
        "page_ctx": ctx,
    }


@endpoint("/channels/ec/coupon/get_user_coupon")
def user_coupon_get(call: Call) -> dict:
    openid = _buyer(call)
    user_coupon_id = params.platform_id(call, "user_coupon_id")
    row = (
        UserCoupon.objects.filter(shop=call.account, openid=openid, user_coupon_id=user_coupon_id)
        .select_related("coupon")
        .first()
    )
    if row is None:
        raise ApiError(NOT_FOUND)
    payload = row.payload()
    payload["status"] = user_status_at(row, _now(call))
    return {"openid": row.openid, "unionid": row.unionid, "user_coupon": payload}

"""Writes for coupons (营销管理-优惠券): create, update and change status through the platform, the stores the sync
and the push events share, and the coupon uses read from stored orders.

Every platform rule is checked BEFORE the call (``coupon_check``, ``status_check``) with the platform's meaning,
as a field-level ValidationError with a stable code; the same input sent to the platform is refused with the
errcode in brackets (wechat-platform.md §4, 2026 §B.3; the platform gives no coupon-specific parameter codes, so
parameter rules answer 40097 with the detail in errmsg — see sandbox/api/coupons.py):

- ``invalid_type`` [40097] type is one of the eight (1–4 商品券, 101–104 店铺券);
- ``name_required``, ``name_too_long`` [40097]: a name of at most 10 characters (30 bytes);
- ``invalid_promote_type`` [40097]: 1 店铺内推广, 9 会员券, 10 会员开卡礼券;
- ``required_for_type`` / ``not_for_type`` [40097]: the discount fields each type takes, and no other;
- ``count_and_price`` [40097]: an item-count threshold and an amount threshold are mutually exclusive;
- ``discount_num_range`` [40097]: a discount from 2折 to 10折 in steps of 0.1折 (2000–10000, multiple of 100; the
  doc's "1000–10000" is bounded by its own "不可低于2折");
- ``discount_fee_range`` [40097]: an amount off from 0.01 to 200 yuan;
- ``below_floor`` [40097]: 满减 may not leave less than 2折 of the threshold; 商品直减 not less than 2折 of any
  chosen product's lowest price;
- ``product_cnt_min``, ``product_price_min`` [40097]: thresholds of at least 1 item / 0.01 yuan;
- ``too_many_products``, ``duplicate_product``, ``unknown_product`` [40097]: 1–200 distinct products of the shop;
- ``receive_period``, ``receive_end_past`` [40097]: a receiving period that ends after it starts, in the future;
- ``limit_min``, ``total_min``, ``limit_over_total`` [40097]: at least 1 per buyer, at least 1 in all, the first
  not above the second;
- ``invalid_valid_type``, ``valid_period``, ``valid_days_min`` [40097]: a fixed period that ends after it starts,
  or at least 1 day after receipt;
- ``not_editable`` [10021001]: only a coupon not yet in effect or in effect can be edited;
- ``locked_when_effective`` [10021001]: a coupon in effect keeps its type, discount and promotion;
- ``total_below_received`` [40097]: the total may not fall below what buyers already received;
- ``invalid_transition`` [10021001]: 生效 from 未生效; 作废 from 生效; 删除 from 未生效, 已过期 or 已作废.

A refusal by the platform that slips through is shown verbatim (errcode + errmsg) and nothing local changes.
Platform calls are made outside transactions; what the platform accepted is then stored.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Coupon, CouponUse, UserCoupon
from shopops.models import Order, OrderLine, Product, Shop
from shopops.platform import ApiCallLog, shop_client
from shopops.selectors.sync import advice_for_error
from shopops.wechat.client import ShopClient
from shopops.wechat.errors import NetworkError, ServerError, TransientError, WeChatError
from shopops.wechat.types import as_dict, as_id, as_int, as_list, as_str, platform_time

Type, Status = Coupon.Type, Coupon.Status

PRODUCT_TYPES = (1, 2, 3, 4)
# The discount fields each type requires (official guide); every other one is refused.
REQUIRED = {
    1: ("product_ids", "product_cnt", "discount_num"),
    2: ("product_ids", "product_price", "discount_fee"),
    3: ("product_ids", "discount_num"),
    4: ("product_ids", "discount_fee"),
    101: ("product_cnt", "discount_num"),
    102: ("product_price", "discount_fee"),
    103: ("discount_num",),
    104: ("discount_fee",),
}
DISCOUNT_FIELDS = ("product_ids", "product_cnt", "product_price", "discount_num", "discount_fee")
NAME_CHARS, NAME_BYTES = 10, 30
DISCOUNT_NUM_MIN, DISCOUNT_NUM_MAX, DISCOUNT_NUM_STEP = 2000, 10000, 100
DISCOUNT_FEE_MAX_FEN = 20000
FLOOR_PERMILLE = 200  # 不可低于2折
MAX_PRODUCTS = 200
# update_status: target → the statuses it may be reached from.
TRANSITIONS = {Status.EFFECTIVE: (1,), Status.INVALIDATED: (2,), Status.DELETED: (1, 3, 4)}
EDITABLE = (Status.NOT_EFFECTIVE, Status.EFFECTIVE)
STATE_WRONG, NOT_FOUND = 10021001, 10021037


@dataclass
class CouponSpec:
    """What the merchant asks for, in the platform's units (fen, discount_num 8500 = 8.5折, aware datetimes)."""

    type: int
    name: str
    promote_type: int = 1
    product_ids: list[str] = field(default_factory=list)
    product_cnt: int | None = None
    product_price_fen: int | None = None
    discount_num: int | None = None
    discount_fee_fen: int | None = None
    receive_start: datetime | None = None
    receive_end: datetime | None = None
    limit_num_one_person: int | None = 1
    total_num: int | None = None
    valid_type: int = 1
    valid_day_num: int | None = None
    valid_start: datetime | None = None
    valid_end: datetime | None = None
    jump_product_id: str = ""
    notes: str = ""
    auto_valid: bool = False

    def given(self) -> dict:
        """The discount fields that are set, by their platform names."""
        values = {
            "product_ids": self.product_ids,
            "product_cnt": self.product_cnt,
            "product_price": self.product_price_fen,
            "discount_num": self.discount_num,
            "discount_fee": self.discount_fee_fen,
        }
        return {key: value for key, value in values.items() if value not in (None, "", [], 0)}


def spec_of(coupon: Coupon) -> CouponSpec:
    """The stored coupon as a spec (what the edit form starts from)."""
    return CouponSpec(
        type=coupon.type,
        name=coupon.name,
        promote_type=coupon.promote_type,
        product_ids=list(coupon.product_ids),
        product_cnt=coupon.product_cnt,
        product_price_fen=coupon.product_price_fen,
        discount_num=coupon.discount_num,
        discount_fee_fen=coupon.discount_fee_fen,
        receive_start=coupon.receive_start,
        receive_end=coupon.receive_end,
        limit_num_one_person=coupon.limit_num_one_person,
        total_num=coupon.total_num,
        valid_type=coupon.valid_type,
        valid_day_num=coupon.valid_day_num,
        valid_start=coupon.valid_start,
        valid_end=coupon.valid_end,
        jump_product_id=coupon.jump_product_id,
        notes=coupon.notes,
        auto_valid=coupon.auto_valid,
    )


# --- the rules (each refused before any call) -----------------------------------------------------------------


class _Errors:
    def __init__(self):
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field_name: str, message, code: str, **params) -> None:
        self.errors.setdefault(field_name, []).append(ValidationError(message, code=code, params=params or None))

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _ts(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def coupon_check(*, shop: Shop, spec: CouponSpec, coupon: Coupon | None = None, now: datetime | None = None) -> None:
    """Refuse (ValidationError by field) what the platform would refuse for this create (or update of ``coupon``)."""
    now = now or timezone.now()
    errors = _Errors()
    if coupon is not None and coupon.status not in EDITABLE:
        raise ValidationError(
            _("Only a coupon that is not yet in effect or in effect can be edited."), code="not_editable"
        )
    if spec.type not in REQUIRED:
        errors.add("type", _("Choose one of the eight coupon types."), "invalid_type")
        errors.raise_any()
    name = spec.name or ""
    if not name.strip():
        errors.add("name", _("Enter a name."), "name_required")
    elif len(name) > NAME_CHARS or len(name.encode()) > NAME_BYTES:
        errors.add("name", _("A coupon name is at most 10 Chinese characters."), "name_too_long")
    if spec.promote_type not in Coupon.PromoteType.values:
        errors.add(
            "promote_type", _("Choose in-shop promotion, member coupon or sign-up gift."), "invalid_promote_type"
        )

    given = spec.given()
    if "product_cnt" in given and "product_price" in given:
        errors.add(
            "product_price",
            _("An item-count threshold and an amount threshold cannot both be set."),
            "count_and_price",
        )
    for key in DISCOUNT_FIELDS:
        if key in REQUIRED[spec.type] and key not in given:
            errors.add(key, _("This coupon type needs this field."), "required_for_type")
        elif (
            key not in REQUIRED[spec.type]
            and key in given
            and not (key in ("product_cnt", "product_price") and "count_and_price" in _codes(errors, "product_price"))
        ):
            errors.add(key, _("This coupon type does not take this field."), "not_for_type")
    if "product_cnt" in given and spec.product_cnt < 1:
        errors.add("product_cnt", _("The item threshold is at least 1."), "product_cnt_min")
    if "product_price" in given and spec.product_price_fen < 1:
        errors.add("product_price", _("The amount threshold is at least ¥0.01."), "product_price_min")
    if "discount_num" in given:
        num = spec.discount_num
        if not DISCOUNT_NUM_MIN <= num <= DISCOUNT_NUM_MAX or num % DISCOUNT_NUM_STEP:
            errors.add(
                "discount_num",
                _("The discount is from 2折 to 10折 in steps of 0.1折 (WeChat Shop does not allow below 2折)."),
                "discount_num_range",
            )
    prices = {}
    if "product_ids" in given:
        ids = [str(pid).strip() for pid in spec.product_ids]
        if len(ids) > MAX_PRODUCTS:
            errors.add("product_ids", _("A coupon applies to at most 200 products."), "too_many_products")
        elif len(set(ids)) != len(ids):
            errors.add("product_ids", _("A product is listed twice."), "duplicate_product")
        else:
            prices = dict(
                Product.objects.filter(shop=shop, product_id__in=ids, deleted=False).values_list(
                    "product_id", "min_price_fen"
                )
            )
            missing = [pid for pid in ids if pid not in prices]
            if missing:
                errors.add(
                    "product_ids",
                    _("Product %(product_id)s is not one of the shop's products."),
                    "unknown_product",
                    product_id=missing[0],
                )
    if "discount_fee" in given:
        fee = spec.discount_fee_fen
        threshold = spec.product_price_fen if "product_price" in given else None
        if not 1 <= fee <= DISCOUNT_FEE_MAX_FEN:
            errors.add("discount_fee", _("The amount off is from ¥0.01 to ¥200."), "discount_fee_range")
        elif threshold and threshold >= 1 and (threshold - fee) * 1000 < threshold * FLOOR_PERMILLE:
            errors.add(
                "discount_fee",
                _("After the amount off, at least 2折 of the threshold must remain."),
                "below_floor",
            )
        elif spec.type == Type.PRODUCT_DIRECT_OFF and any(
            (price - fee) * 1000 < price * FLOOR_PERMILLE for price in prices.values()
        ):
            errors.add(
                "discount_fee",
                _("After the amount off, every product must keep at least 2折 of its lowest price."),
                "below_floor",
            )

    if not spec.receive_start or not spec.receive_end or spec.receive_end <= spec.receive_start:
        errors.add("receive_end", _("The receiving period must end after it starts."), "receive_period")
    elif spec.receive_end <= now:
        errors.add("receive_end", _("The receiving period must end in the future."), "receive_end_past")
    limit, total = spec.limit_num_one_person, spec.total_num
    if limit is None or limit < 1:
        errors.add("limit_num_one_person", _("Each buyer may receive at least 1."), "limit_min")
    if total is None or total < 1:
        errors.add("total_num", _("Issue at least 1 coupon."), "total_min")
    elif limit is not None and limit > total:
        errors.add("limit_num_one_person", _("The limit per buyer cannot exceed the total issued."), "limit_over_total")
    if spec.valid_type == Coupon.ValidType.TIME:
        if not spec.valid_start or not spec.valid_end or spec.valid_end <= spec.valid_start:
            errors.add("valid_end", _("The validity period must end after it starts."), "valid_period")
    elif spec.valid_type == Coupon.ValidType.DAY:
        if not spec.valid_day_num or spec.valid_day_num < 1:
            errors.add("valid_day_num", _("A coupon is valid for at least 1 day after receipt."), "valid_days_min")
    else:
        errors.add("valid_type", _("Choose a fixed period or days after receipt."), "invalid_valid_type")

    if coupon is not None:
        if coupon.status == Status.EFFECTIVE and (
            spec.type != coupon.type
            or _discount_key(spec) != _discount_key(spec_of(coupon))
            or spec.promote_type != coupon.promote_type
        ):
            errors.add(
                NON_FIELD_ERRORS,
                _("A coupon in effect keeps its type, discount and promotion; create a new coupon instead."),
                "locked_when_effective",
            )
        if total is not None and total < coupon.receive_num:
            errors.add(
                "total_num",
                _("The total cannot be below the %(received)s already received."),
                "total_below_received",
                received=coupon.receive_num,
            )
    errors.raise_any()


def _codes(errors: _Errors, field_name: str) -> list[str]:
    return [e.code for e in errors.errors.get(field_name, [])]


def _discount_key(spec: CouponSpec) -> tuple:
    return (
        sorted(str(p) for p in spec.product_ids),
        spec.product_cnt or None,
        spec.product_price_fen or None,
        spec.discount_num or None,
        spec.discount_fee_fen or None,
    )


def status_check(coupon: Coupon, status: int) -> None:
    if status not in TRANSITIONS or coupon.status not in TRANSITIONS[status]:
        raise ValidationError(
            _("A coupon that is “%(current)s” cannot be made “%(target)s”."),
            code="invalid_transition",
            params={
                "current": Status(coupon.status).label,
                "target": Status(status).label if status in Status.values else status,
            },
        )


# --- the body the platform takes -------------------------------------------------------------------------------


def coupon_body(spec: CouponSpec) -> dict:
    """The create/update body (without coupon_id) for a spec."""
    condition = {}
    if spec.product_ids:
        condition["product_ids"] = [str(p) for p in spec.product_ids]
    if spec.product_cnt:
        condition["product_cnt"] = spec.product_cnt
    if spec.product_price_fen:
        condition["product_price"] = spec.product_price_fen
    discount: dict = {}
    if condition:
        discount["discount_condition"] = condition
    if spec.discount_num:
        discount["discount_num"] = spec.discount_num
    if spec.discount_fee_fen:
        discount["discount_fee"] = spec.discount_fee_fen
    if spec.valid_type == Coupon.ValidType.DAY:
        valid = {"valid_type": 2, "valid_day_num": spec.valid_day_num}
    else:
        valid = {"valid_type": spec.valid_type, "start_time": _ts(spec.valid_start), "end_time": _ts(spec.valid_end)}
    ext = {}
    if spec.jump_product_id:
        ext["jump_product_id"] = spec.jump_product_id
    if spec.notes:
        ext["notes"] = spec.notes
    return {
        "type": spec.type,
        "name": spec.name,
        "promote_info": {"promote_type": spec.promote_type},
        "discount_info": discount,
        "receive_info": {
            "start_time": _ts(spec.receive_start),
            "end_time": _ts(spec.receive_end),
            "limit_num_one_person": spec.limit_num_one_person,
            "total_num": spec.total_num,
        },
        "valid_info": valid,
        "ext_info": ext,
        "auto_valid_info": {"auto_valid_type": 1 if spec.auto_valid else 0},
    }


# --- the platform session --------------------------------------------------------------------------------------


def require_connection(shop: Shop) -> None:
    if not shop.is_connected:
        raise ValidationError(
            _("Connect the shop to WeChat Shop first: enter its AppID and AppSecret."), code="not_connected"
        )


@contextmanager
def coupon_session(shop: Shop, *, write: bool = False) -> Iterator[ShopClient]:
    """A call-logged client; a platform error leaves the block as a ValidationError carrying errcode and errmsg
    verbatim. Use it outside transactions."""
    require_connection(shop)
    log = ApiCallLog(shop=shop, appid=shop.appid)
    try:
        yield shop_client(shop, log=log)
    except WeChatError as error:
        raise refusal(error, write=write) from None
    finally:
        log.flush()


def refusal(error: WeChatError, *, write: bool = False) -> ValidationError:
    params = {"errcode": error.errcode if error.errcode is not None else "—", "errmsg": error.errmsg}
    if write and isinstance(error, NetworkError | ServerError):
        return ValidationError(
            _("WeChat Shop did not answer clearly (%(error)s), so it may or may not have done it. Sync to see."),
            code="platform_unclear",
            params={**params, "error": type(error).__name__},
        )
    return ValidationError(
        _("WeChat Shop refused: errcode %(errcode)s, %(errmsg)s. %(advice)s"),
        code="platform_refused",
        params={**params, "advice": advice_for_error(type(error).__name__)},
    )


# --- writes ---------------------------------------------------------------------------------------------------


def coupon_create(*, shop: Shop, spec: CouponSpec) -> Coupon:
    """Create a coupon on the platform (refused before the call by every rule) and store the platform's copy."""
    coupon_check(shop=shop, spec=spec)
    body = coupon_body(spec)
    with coupon_session(shop, write=True) as client:
        coupon_id = client.coupon_create(body)
    return coupons_store(shop=shop, payloads=[_read_back(shop, coupon_id, body)])[0]


def _read_back(shop: Shop, coupon_id: str, body: dict) -> dict:
    """The platform's copy of a coupon just written; if reading it fails, what was sent (the write did happen:
    the next sync corrects the rest), so a retry does not create it twice."""
    try:
        with coupon_session(shop) as client:
            return client.coupon_get(coupon_id)
    except ValidationError:
        info = {key: value for key, value in body.items() if key not in ("type", "coupon_id")}
        total = as_int(as_dict(body.get("receive_info")).get("total_num"))
        return {
            "coupon_id": coupon_id,
            "type": body["type"],
            "status": Status.NOT_EFFECTIVE,
            "coupon_info": info,
            "stock_info": {"issued_num": total, "receive_num": 0, "used_num": 0},
        }


def coupon_update(*, coupon: Coupon, spec: CouponSpec) -> Coupon:
    coupon_check(shop=coupon.shop, spec=spec, coupon=coupon)
    with coupon_session(coupon.shop, write=True) as client:
        client.coupon_update({"coupon_id": coupon.coupon_id, **coupon_body(spec)})
        payload = client.coupon_get(coupon.coupon_id)
    return coupons_store(shop=coupon.shop, payloads=[payload])[0]


def coupon_status_change(*, coupon: Coupon, status: int) -> Coupon:
    """生效 (2), 作废 (4) or 删除 (5), refused before the call when the coupon's status does not allow it."""
    status_check(coupon, status)
    with coupon_session(coupon.shop, write=True) as client:
        client.coupon_update_status(coupon.coupon_id, status)
        payload = client.coupon_get(coupon.coupon_id)
    return coupons_store(shop=coupon.shop, payloads=[payload])[0]


# --- stores (the sync, the writes above and the push events all land here) -----------------------------------


def _coupon_fields(payload: dict) -> dict:
    info = as_dict(payload.get("coupon_info"))
    discount = as_dict(info.get("discount_info"))
    condition = as_dict(discount.get("discount_condition"))
    receive = as_dict(info.get("receive_info"))
    valid = as_dict(info.get("valid_info"))
    ext = as_dict(info.get("ext_info"))
    stock = as_dict(payload.get("stock_info"))

    def optional(value) -> int | None:
        number = as_int(value)
        return number or None

    return {
        "type": as_int(payload.get("type")),
        "status": as_int(payload.get("status")),
        "name": as_str(info.get("name"))[:30],
        "promote_type": as_int(as_dict(info.get("promote_info")).get("promote_type")) or 1,
        "product_ids": [as_id(p) for p in as_list(condition.get("product_ids"))],
        "product_cnt": optional(condition.get("product_cnt")),
        "product_price_fen": optional(condition.get("product_price")),
        "discount_num": optional(discount.get("discount_num")),
        "discount_fee_fen": optional(discount.get("discount_fee")),
        "receive_start": platform_time(receive.get("start_time")),
        "receive_end": platform_time(receive.get("end_time")),
        "limit_num_one_person": as_int(receive.get("limit_num_one_person")),
        "total_num": as_int(receive.get("total_num")),
        "valid_type": as_int(valid.get("valid_type")) or 1,
        "valid_day_num": optional(valid.get("valid_day_num")),
        "valid_start": platform_time(valid.get("start_time")),
        "valid_end": platform_time(valid.get("end_time")),
        "jump_product_id": as_id(ext.get("jump_product_id")),
        "notes": as_str(ext.get("notes"))[:200],
        "auto_valid": as_int(as_dict(info.get("auto_valid_info")).get("auto_valid_type")) == 1,
        "issued_num": as_int(stock.get("issued_num")),
        "receive_num": as_int(stock.get("receive_num")),
        "used_num": as_int(stock.get("used_num")),
        "create_time": platform_time(payload.get("create_time")),
        "update_time": platform_time(payload.get("update_time")),
        "raw": payload,
    }


@transaction.atomic
def coupons_store(*, shop: Shop, payloads: Iterable[dict], synced_at: datetime | None = None, **_) -> list[Coupon]:
    """Upsert coupons from ``coupon/get`` payloads, keyed by (shop, coupon_id). Same payload twice: same row."""
    synced_at = synced_at or timezone.now()
    rows = {as_id(p.get("coupon_id")): p for p in payloads if as_id(p.get("coupon_id"))}
    existing = {c.coupon_id: c for c in Coupon.objects.filter(shop=shop, coupon_id__in=list(rows))}
    stored = []
    for coupon_id, payload in rows.items():
        coupon = existing.get(coupon_id) or Coupon(shop=shop, coupon_id=coupon_id)
        for name, value in _coupon_fields(payload).items():
            setattr(coupon, name, value)
        coupon.synced_at = synced_at
        coupon.save()
        stored.append(coupon)
    return stored


@transaction.atomic
def user_coupons_store(*, shop: Shop, payloads: Iterable[dict], synced_at: datetime | None = None, **_) -> int:
    """Upsert user coupons from ``get_user_coupon`` answers ({openid, unionid, user_coupon})."""
    synced_at = synced_at or timezone.now()
    count = 0
    for answer in payloads:
        user = as_dict(answer.get("user_coupon"))
        user_coupon_id = as_id(user.get("user_coupon_id"))
        if not user_coupon_id:
            continue
        UserCoupon.objects.update_or_create(
            shop=shop,
            user_coupon_id=user_coupon_id,
            defaults={
                "coupon_id": as_id(user.get("coupon_id")),
                "openid": as_str(answer.get("openid")),
                "unionid": as_str(answer.get("unionid")),
                "status": as_int(user.get("status")) or None,
                "receive_time": platform_time(user.get("create_time")),
                "valid_start": platform_time(user.get("start_time")),
                "valid_end": platform_time(user.get("end_time")),
                "use_time": platform_time(as_dict(user.get("ext_info")).get("use_time")),
                "order_id": as_id(user.get("order_id")),
                "discount_fee_fen": as_int(user.get("discount_fee")),
                "raw": answer,
                "synced_at": synced_at,
            },
        )
        count += 1
    return count


def user_coupons_note(*, shop: Shop, refs: Iterable[tuple[str, str, str]]) -> int:
    """Remember user coupons seen (coupon_id, user_coupon_id, openid) without fetching them: the sync fetches
    every row whose ``synced_at`` is None. Existing rows are left alone."""
    refs = {uid: (cid, openid) for cid, uid, openid in refs if uid}
    known = set(
        UserCoupon.objects.filter(shop=shop, user_coupon_id__in=list(refs)).values_list("user_coupon_id", flat=True)
    )
    UserCoupon.objects.bulk_create(
        [
            UserCoupon(shop=shop, user_coupon_id=uid, coupon_id=cid, openid=openid)
            for uid, (cid, openid) in refs.items()
            if uid not in known
        ],
        ignore_conflicts=True,
    )
    return len(refs) - len(known)


def coupon_uses_refresh(*, shop: Shop, since: datetime | None = None) -> int:
    """Rebuild the coupon uses of the shop's orders synced since ``since`` (all with None) from their lines'
    ``coupons`` (merchant coupons, coupon_type 1), and note the user coupons they name for the sync to fetch."""
    orders = Order.objects.for_shop(shop)
    if since is not None:
        orders = orders.filter(synced_at__gte=since)
    lines = (
        OrderLine.objects.filter(shop=shop, order__in=orders)
        .exclude(coupons=[])
        .values_list("order_id", "order__openid", "coupons")
    )
    uses: dict[tuple[int, str], CouponUse] = {}
    for order_pk, openid, coupons in lines.iterator():
        for entry in as_list(coupons):
            entry = as_dict(entry)
            if as_int(entry.get("coupon_type")) != 1:
                continue
            uid = as_id(entry.get("user_coupon_id"))
            if not uid:
                continue
            key = (order_pk, uid)
            use = uses.get(key) or CouponUse(
                shop=shop, order_id=order_pk, coupon_id=as_id(entry.get("coupon_id")), user_coupon_id=uid, openid=openid
            )
            use.discounted_price_fen += as_int(entry.get("discounted_price"))
            uses[key] = use
    with transaction.atomic():
        stale = CouponUse.objects.filter(shop=shop)
        if since is not None:
            stale = stale.filter(order__in=orders)
        stale.delete()
        CouponUse.objects.bulk_create(list(uses.values()), batch_size=1000)
    user_coupons_note(shop=shop, refs=[(u.coupon_id, u.user_coupon_id, u.openid) for u in uses.values()])
    return len(uses)


# --- push events ----------------------------------------------------------------------------------------------

COUPON_EVENTS = (
    "channels_ec_coupon_create",
    "channels_ec_coupon_delete",
    "channels_ec_coupon_expire",
    "channels_ec_coupon_info_change",
    "channels_ec_coupon_invalid",
)
USER_COUPON_EVENTS = (
    "channels_ec_coupon_receive",
    "channels_ec_user_coupon_expire",
    "channels_ec_user_coupon_use",
    "channels_ec_user_coupon_unuse",
)


def coupon_events_handle(*, shop: Shop, client, events: list) -> dict[int, str]:
    """Act on a shop's coupon push events (shopops.sync.engine calls this for ``channels_ec_coupon_*`` and
    ``channels_ec_user_coupon_*``). Returns the outcome per event pk.

    - A coupon's own events (create, info_change, invalid, delete, expire): the coupon is fetched once (coupon/get)
      and stored through the same upsert as the sync.
    - A buyer's coupon events (receive, use, unuse, expire) are recorded from the event itself, with no call — they
      come with the orders, and a call each would double the cost of a busy shop's pushes: receive creates the
      user coupon (never touching one already known), use marks it used by its order, unuse gives it back (unless a
      later use is known), expire expires a valid one. The row is left ``synced_at`` None, so the next coupon sync
      fetches it (with its discount) and the coupon's stock figures.
    """
    coupon_ids: set[str] = set()
    outcomes = {}
    ordered = sorted(events, key=lambda e: (as_int(e.payload.get("CreateTime")), e.pk))
    with transaction.atomic():
        for event in ordered:
            payload = event.payload
            name = as_str(payload.get("Event"))
            if name in COUPON_EVENTS:
                coupon_id = as_id(as_dict(payload.get("coupon_info")).get("coupon_id"))
                if coupon_id:
                    coupon_ids.add(coupon_id)
                outcomes[event.pk] = "coupon refreshed" if coupon_id else "stored (no coupon id)"
            elif name in USER_COUPON_EVENTS:
                outcomes[event.pk] = _user_coupon_event(shop, name, payload)
            else:
                outcomes[event.pk] = "stored (no action for this event)"
    failures: list[WeChatError] = []
    payloads = [_fetch_kept(failures, client.coupon_get, cid) for cid in sorted(coupon_ids)]
    coupons_store(shop=shop, payloads=[p for p in payloads if p])
    if failures:
        # A lasting refusal (e.g. 48001: no coupon permission) must not hold the shop's order events back: the
        # coupon events are closed with the reason, and the next coupon sync catches up.
        note = f"not refreshed: errcode {failures[0].errcode}"
        outcomes = {pk: note if outcome == "coupon refreshed" else outcome for pk, outcome in outcomes.items()}
    return outcomes


def _user_coupon_event(shop: Shop, name: str, payload: dict) -> str:
    body = (
        as_dict(payload.get("receive_info"))
        or as_dict(payload.get("user_coupon_info"))
        or as_dict(payload.get("user_info"))
    )
    uid, cid = as_id(body.get("user_coupon_id")), as_id(body.get("coupon_id"))
    openid = as_str(payload.get("FromUserName"))
    if not uid:
        return "stored (no user coupon id)"
    row, _created = UserCoupon.objects.select_for_update().get_or_create(
        shop=shop, user_coupon_id=uid, defaults={"coupon_id": cid, "openid": openid}
    )
    if name == "channels_ec_coupon_receive":
        row.receive_time = row.receive_time or platform_time(body.get("receive_time"))
        row.status = row.status or UserCoupon.Status.VALID  # a use delivered first stays a use
    elif name == "channels_ec_user_coupon_use":
        row.status, row.use_time = UserCoupon.Status.USED, platform_time(body.get("use_time"))
        row.order_id = as_id(body.get("order_id")) or row.order_id
    elif name == "channels_ec_user_coupon_unuse":
        at = platform_time(body.get("unuse_time"))
        if row.use_time is None or at is None or row.use_time <= at:
            row.status, row.use_time, row.order_id = UserCoupon.Status.VALID, None, ""
    elif name == "channels_ec_user_coupon_expire" and row.status in (None, UserCoupon.Status.VALID):
        row.status = UserCoupon.Status.EXPIRED
    row.coupon_id, row.openid = row.coupon_id or cid, row.openid or openid
    row.synced_at = None  # the next coupon sync confirms it with get_user_coupon
    row.save()
    return "user coupon recorded"


def _fetch_kept(failures: list, fetch, *args):
    """``_get_or_none``, keeping lasting errors in ``failures``; transient ones propagate (the events stay
    pending and are retried with the next run)."""
    try:
        return _get_or_none(fetch, *args)
    except TransientError:
        raise
    except WeChatError as error:
        failures.append(error)
        return None


def _get_or_none(fetch, *args):
    """A fetch whose object is gone (10021037 优惠券不存在) is skipped; other errors propagate."""
    try:
        return fetch(*args)
    except WeChatError as error:
        if error.errcode == NOT_FOUND:
            return None
        raise


def spec_dict(spec: CouponSpec) -> dict:
    return asdict(spec)

"""What the client returns, and the lenient readers that build it from platform JSON.

Pages come back as small frozen dataclasses whose ids are always ``str`` (the platform sends 64-bit ids as strings in
API responses and as bare numbers elsewhere). Detail objects come back as the platform's raw ``dict``, untouched, so
the sync engine can store the payload as received and parse it itself; the TypedDicts below only name the fields the
product reads most and promise nothing about their JSON types.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypedDict

# ---------------------------------------------------------------------------------------------------------------------
# Lenient readers. The platform omits empty fields, sends "0" for 0 in some docs, and numbers for ids in others.


def as_id(value: Any) -> str:
    """An id as a string: numbers become their decimal form, None becomes ""."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_int(value: Any, default: int = 0) -> int:
    """An integer from a number or a numeric string; ``default`` when missing or unreadable."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    return default


def platform_time(value: Any, *, milliseconds: bool = False) -> datetime | None:
    """A platform time as an aware UTC datetime: Unix seconds (milliseconds where an API says so, as
    cooperation/list does), as a number or a numeric string; 0, negative or missing is None."""
    number = as_int(value)
    if number <= 0:
        return None
    return datetime.fromtimestamp(number / 1000 if milliseconds else number, tz=UTC)


def as_bool(value: Any) -> bool:
    """A flag from true/false, 1/0 or "true"/"false"/"1"/"0"; missing is False."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1"}
    return bool(value)


def as_str(value: Any) -> str:
    """A string; missing is ""."""
    return "" if value is None else str(value)


def as_dict(value: Any) -> dict:
    """An object block; missing or not an object is {}."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    """An array block; missing or not an array is []."""
    return value if isinstance(value, list) else []


def id_list(value: Any) -> list[str]:
    """An array of ids as strings, skipping null and empty entries."""
    return [text for text in (as_id(item) for item in as_list(value)) if text]


def parse_errcode(value: Any) -> int | None:
    """The response's errcode: missing means 0, "0" means 0; None when it is present but not an integer."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------------------------------------------------
# Pages and small records.


@dataclass(frozen=True)
class ShopInfo:
    """``/channels/ec/basics/info/get`` → ``info``. ``status``: opening | open_finished | closing | close_finished."""

    nickname: str
    headimg_url: str
    subject_type: str
    status: str
    username: str
    is_local_life: bool
    open_timestamp: int


@dataclass(frozen=True)
class IdPage:
    """One page of ids with a ``next_key`` cursor. ``total`` is set only where the API reports one (products)."""

    ids: list[str]
    next_key: str
    has_more: bool
    total: int | None = None


@dataclass(frozen=True)
class CouponPage:
    """One page of ``coupon/get_list``: echo ``page_ctx`` with the next page number."""

    coupon_ids: list[str]
    total: int
    page_ctx: str


@dataclass(frozen=True)
class OrderFlowPage:
    """One page of ``funds/listorderflow``: ``flows`` are the raw ``data_list`` entries (amounts in fen);
    ``total`` the platform's count of matching orders ("仅供参考": it may move while paging); ``page_ctx`` continues
    after the last entry when paging by context ("" otherwise)."""

    flows: list[dict]
    total: int
    page_ctx: str


@dataclass(frozen=True)
class UserCouponRef:
    user_coupon_id: str
    coupon_id: str


@dataclass(frozen=True)
class UserCouponPage:
    """One page of ``coupon/get_user_coupon_list``."""

    items: list[UserCouponRef]
    total: int
    page_ctx: str


@dataclass(frozen=True)
class LeagueItemRef:
    """A league promotion item: ``info_id`` is "" for type 1 (普通推广), which is keyed by product alone;
    ``promotion_plan_id`` (the 2026 id, replacing info_id from 2026-06-18) is set for every plan that has one."""

    product_id: str
    info_id: str
    promotion_plan_id: str = ""


@dataclass(frozen=True)
class LeagueItemPage:
    """One page of ``league/item/list/get``: pass ``last_buffer`` back with the next ``page_index``."""

    items: list[LeagueItemRef]
    total: int
    has_more: bool
    last_buffer: str


@dataclass(frozen=True)
class TalentRef:
    """A 达人 of the shop as ``league/promoter/list/get`` lists it (the 2026 talent model)."""

    talent_appid: str
    nickname: str


@dataclass(frozen=True)
class TalentPage:
    """One page of ``league/promoter/list/get``: ``has_more`` is the platform's ``continue_flag``."""

    talents: list[TalentRef]
    total: int
    has_more: bool


@dataclass(frozen=True)
class TalentProductData:
    """A talent's figures for one product of the shop (``league/talent/getproductdatalist``): GMV in fen, order
    counts, and the commission in force for it now (``commission_type``: the plan type, 0 none; ratio in ppm,
    UNCONFIRMED unit)."""

    product_id: str
    total_sale_gmv: int
    sale_gmv_30d: int
    total_order_num: int
    order_num_30d: int
    commission_type: int
    ratio_ppm: int


@dataclass(frozen=True)
class TalentProductPage:
    """One page of ``league/talent/getproductdatalist``: ``has_more`` is the platform's ``continue_flag``."""

    products: list[TalentProductData]
    total: int
    has_more: bool


@dataclass(frozen=True)
class PromotionPlanRef:
    """A plan as ``league/promotion/plan/list`` lists it: ``type`` 1 普通, 2 定向, 3 专属."""

    promotion_plan_id: str
    type: int


@dataclass(frozen=True)
class PromotionPlanPage:
    plans: list[PromotionPlanRef]
    total: int
    has_more: bool


@dataclass(frozen=True)
class PromotionTalent:
    """A talent promoting one plan (``league/promotion/talent/list``); ``relation_status`` is the talent's status
    with the shop (0 none, 1 邀请中, 2 已接受 …); ``ratio_ppm`` unit UNCONFIRMED (SKIT: 万分数)."""

    talent_appid: str
    nickname: str
    head_img: str
    promotion_plan_id: str
    promotion_plan_type: int
    ratio_ppm: int
    relation_status: int


@dataclass(frozen=True)
class PromotionTalentPage:
    talents: list[PromotionTalent]
    total: int
    has_more: bool


@dataclass(frozen=True)
class AllianceCooperation:
    """A shop–agency cooperation as the SANDBOX-ONLY alliance API answers it (shopops.wechat.alliance). ``status``:
    1 邀请中, 2 已接受, 3 已拒绝, 4 取消邀请, 5 取消合作; ``reason`` the agency's when it declined."""

    shop_appid: str
    headsupplier_appid: str
    nickname: str
    status: int
    update_time: int
    reason: str


@dataclass(frozen=True)
class CommissionOrderPage:
    """One page of the agency's commission orders, each keyed by ``(order_id, sku_id)``."""

    keys: list[tuple[str, str]]
    next_key: str
    has_more: bool


@dataclass(frozen=True)
class CooperativeShop:
    """A shop an agency cooperates with. ``status``: 1 邀请中, 2 已接受, 3 已拒绝, 4 取消邀请, 5 取消合作."""

    appid: str
    nickname: str
    headimg_url: str
    status: int


@dataclass(frozen=True)
class ShopListPage:
    """One page of ``league/headsupplier/shop/list/get``."""

    shops: list[CooperativeShop] = field(default_factory=list)
    next_key: str = ""
    has_more: bool = False


# ---------------------------------------------------------------------------------------------------------------------
# Raw detail payloads (total=False: the platform omits what is empty).


class OrderPayload(TypedDict, total=False):
    order_id: str | int
    create_time: int
    update_time: int
    status: int
    openid: str
    unionid: str
    order_detail: dict
    aftersale_detail: dict


class AfterSalePayload(TypedDict, total=False):
    after_sale_order_id: str | int
    order_id: str | int
    type: str
    status: str
    openid: str
    product_info: dict
    refund_info: dict
    create_time: int
    update_time: int


class ProductPayload(TypedDict, total=False):
    product_id: str | int
    out_product_id: str
    title: str
    head_imgs: list[str]
    status: int
    edit_status: int
    min_price: int
    skus: list[dict]


class StockPayload(TypedDict, total=False):
    normal_stock_num: int
    limited_discount_stock_num: int
    warehouse_stocks: list[dict]
    total_stock_num: int
    finder_stock_num: int


class CouponPayload(TypedDict, total=False):
    coupon_id: str | int
    type: int
    status: int
    create_time: int
    update_time: int
    coupon_info: dict
    stock_info: dict


class UserCouponPayload(TypedDict, total=False):
    """The whole ``get_user_coupon`` answer: the coupon plus the owner's ``openid`` and ``unionid``."""

    openid: str
    unionid: str
    user_coupon: dict


class LeagueItemPayload(TypedDict, total=False):
    product_id: str | int
    type: int
    status: int
    ratio: int
    exclusive_info: dict
    ext_info: dict


class TalentPayload(TypedDict, total=False):
    """``league/promoter/get`` → ``talent``: base_talent_info{talent_appid, nickname, head_img}, data{total_sale_gmv,
    sale_gmv_30d, total_order_num, order_num_30d, sale_product_num_30d, window_product_num}, feature_info{level,
    is_blacklisted}."""

    base_talent_info: dict
    data: dict
    feature_info: dict


class LiveNoticePayload(TypedDict, total=False):
    notice_id: str
    status: int
    status_wording: str
    start_time: int | str
    description: str
    nickname: str
    head_url: str


class CooperationAccountPayload(TypedDict, total=False):
    """Times here are **milliseconds**, unlike everywhere else on the platform."""

    sharer_id: str
    sharer_name: str
    sharer_type: int
    status: int
    bind_time: int
    unbind_time: int
    reject_time: int
    cancel_time: int


class WeComIdPayload(TypedDict, total=False):
    wecom_corp_id: str
    wecom_user_id: str


class CommissionOrderPayload(TypedDict, total=False):
    order_id: str | int
    sku_id: str | int
    create_time: int
    update_time: int
    status: int
    order_detail: dict


class HeadSupplierItemPayload(TypedDict, total=False):
    appid: str
    product_id: str | int
    product_info: dict
    commission_info: dict

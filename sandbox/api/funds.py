"""Shop funds: the per-order fee ledger ``/channels/ec/funds/listorderflow`` (shared/wechat-platform-2026.md B.1;
fields as the official page lists them, https://developers.weixin.qq.com/doc/store/shop/API/funds/funds/api_listorderflow.html).

Computed from the order as it is now (its payload and plan meta), so it always agrees with order/get:
- only paid orders have a flow (an unpaid order, or one cancelled before payment, is not listed);
- ``order_settle_state`` 1 待结算 until settlement, 60 结算完成 once settled, 2 无需结算 for an order cancelled after
  payment (everything refunded: status 200) and for a 0-yuan lottery order (payment_method 3); 100 部分结算 never;
- ``original_platform_commission_amount`` is the category fee (settle_info.predict_commission_fee, commission_fee
  once settled); ``platform_commission_amount`` is it minus the 私域激励 reduction the platform granted at settlement
  (sandbox.lifecycle INCENTIVE_*, EXAMPLE rates; 0 before settlement) — or the deliberately wrong one
  (``fee_mismatch_permille``, CommissionAnomaly kind "fee");
- all amounts in fen. UNCONFIRMED choices: the meaning of mch_received_amount (the merchant's receipts net of
  refunds), expense_amount (platform fee + 达人 + 机构 commissions), mch_settle_amount (received − expense),
  order_type 0, the fields the sandbox has nothing for (insurance, subsidies, post-settlement expenses) all 0.

Request: ``order_settle_state`` required (0 全部, 1, 2, 60, 100); ``order_state`` 0 全部 / 20 待发货 (with 21) /
30 待收货 (21, 30) / 100 完成 (else 40097); ``order_pay_method`` 0 / 1 普通 / 2 先用后付; ``order_id``;
``create_time_range{begin, end}`` (unix s, both included, begin ≤ end, no span limit — UNCONFIRMED);
``pagination_info{limit 1..100 (default 10, UNCONFIRMED), offset ≥ 0, use_page_ctx, page_ctx}``. Rows come in
(order_create_time, order_id) order. With ``use_page_ctx`` the offset is ignored and ``page_ctx`` (returned on every
such answer, "" when nothing was listed) continues after the last row returned: rows that appear meanwhile are
neither skipped nor repeated. ``total_count`` counts every row the filters match.
"""

from django.db.models import Q

from sandbox.api import params
from sandbox.api.registry import Call, endpoint
from sandbox.models import Order

LIMIT_MAX, LIMIT_DEFAULT = 100, 10
SETTLE_PENDING, SETTLE_NOT_NEEDED, SETTLE_DONE, SETTLE_PARTIAL = 1, 2, 60, 100
SETTLE_STATES = (0, SETTLE_PENDING, SETTLE_NOT_NEEDED, SETTLE_DONE, SETTLE_PARTIAL)
ORDER_STATES = {0: None, 20: (20, 21), 30: (21, 30), 100: (100,)}
PAY_METHODS = (0, 1, 2)
LOTTERY_PAYMENT = 3  # pay_info.payment_method 3: 抽奖商品0元订单
DEFER_PAYMENT = 2  # pay_info.payment_method 2: 先用后付

_SETTLED = Q(payload__order_detail__settle_info__has_key="settle_time")
_LOTTERY = Q(payload__order_detail__pay_info__payment_method=LOTTERY_PAYMENT)
_NOT_NEEDED = (Q(status=200) | _LOTTERY) & ~_SETTLED


def _settle_state(payload: dict) -> int:
    detail = payload["order_detail"]
    if "settle_time" in detail["settle_info"]:
        return SETTLE_DONE
    if payload["status"] == 200 or detail["pay_info"].get("payment_method") == LOTTERY_PAYMENT:
        return SETTLE_NOT_NEEDED
    return SETTLE_PENDING


def flow_of(payload: dict, plan: dict) -> dict:
    """The order's listorderflow entry (see the module docstring)."""
    detail = payload["order_detail"]
    price, settle, pay = detail["price_info"], detail["settle_info"], detail["pay_info"]
    meta = plan.get("meta", {})
    state = _settle_state(payload)
    settled = state == SETTLE_DONE
    lines = detail["product_infos"]
    refunded = sum(m["refunded"] for m in meta.get("lines", [])) + detail.get("refund_info", {}).get(
        "refund_freight", 0
    )
    fee_flow = meta.get("fee_flow") or {}
    original = fee_flow.get("original", settle.get("commission_fee", settle.get("predict_commission_fee", 0)))
    platform_fee = original - fee_flow.get("reduction", 0)
    talent = sum(c["amount"] for c in detail.get("commission_infos", []) if c.get("type") == 0)
    agency = sum(c["amount"] for c in detail.get("commission_infos", []) if c.get("type") == 1)
    commission_done = any(c.get("status") == 2 for c in detail.get("commission_infos", []))
    received = price["merchant_receieve_price"] - refunded
    expense = platform_fee + talent + agency
    settle_time = settle.get("settle_time", 0)
    party_state = SETTLE_DONE if settled else state
    return {
        "order_id": payload["order_id"],
        "order_state": payload["status"],
        "order_settle_state": state,
        "order_create_time": payload["create_time"],
        "order_paid_time": pay.get("pay_time", 0),
        "order_pay_method": DEFER_PAYMENT if pay.get("payment_method") == DEFER_PAYMENT else 1,
        "order_type": 0,
        "mch_received_amount": received,
        "expense_amount": expense,
        "mch_settle_amount": received - expense,
        "mch_settle_time": settle_time,
        "product_list": [
            {
                "product_id": int(line["product_id"]),
                "param_list": [{"key": a["attr_key"], "value": a["attr_value"]} for a in line.get("sku_attrs", [])],
                "sale_price": line["sale_price"],
                "count": line["sku_cnt"],
                "product_name": line["title"],
                "is_gift": bool(line.get("is_free_gift")),
            }
            for line in lines
        ],
        "product_total_amount": price["product_price"],
        "freight_amount": price["freight"],
        "change_down_price": price.get("change_down_price", 0),
        "mch_discount_amount": price.get("discounted_price", 0),
        "score_discount_amount": price.get("deduction_price", 0),
        "buyer_paid_amount": price["order_price"],
        "promoter_discount_amount": price.get("finder_discounted_price", 0),
        "platform_discount_amount": 0,
        "national_subsidy_discount_amount": 0,
        "freight_make_up_amount": 0,
        "cross_shop_discount_amount": 0,
        "buyer_refund_amount": refunded,
        "platform_discount_refund_amount": 0,
        "promoter_discount_refund_amount": 0,
        "original_platform_commission_amount": original,
        "platform_commission_amount": platform_fee,
        "freight_insurance_subsidy_amount": 0,
        "supplier_commission_amount": agency,
        "supplier_commission_settle_state": SETTLE_DONE if commission_done else party_state,
        "promoter_commission_amount": talent,
        "promoter_commission_settle_state": SETTLE_DONE if commission_done else party_state,
        "freight_insurance_amount": 0,
        "freight_insurance_settle_state": SETTLE_NOT_NEEDED,
        "freight_insurance_make_up_amount": 0,
        "freight_insurance_make_up_order_id_list": [],
        "platform_commission_settle_time": settle_time,
        "promoter_commission_settle_time": 0,
        "supplier_commission_settle_time": 0,
        "freight_insurance_settle_time": 0,
        "freight_insurance_make_up_settle_time": 0,
        "pre_freight_refund_amount": 0,
        "post_settlement_expense": {
            "buyer_refund_amount": 0,
            "platform_discount_refund_amount": 0,
            "promoter_refund_amount": 0,
            "freight_insurance_make_up_amount": 0,
            "freight_insurance_make_up_settle_state": 0,
            "freight_insurance_make_up_order_id": 0,
        },
        "refund_before_settlement": refunded,
        "other_expense_amount": 0,
        "platform_commission_settle_state": party_state,
        "freight_insurance_make_up_settle_state": 0,
        "intra_city_shop_id": 0,
    }


def _choice(call: Call, key: str, allowed, *, required: bool = False) -> int:
    value = params.integer(call, key, required=required, default=0)
    if value not in allowed:
        raise call.invalid(f"{key} must be one of {sorted(allowed)}")
    return value


@endpoint("/channels/ec/funds/listorderflow")
def list_order_flow(call: Call) -> dict:
    settle_state = _choice(call, "order_settle_state", SETTLE_STATES, required=True)
    order_state = _choice(call, "order_state", ORDER_STATES)
    pay_method = _choice(call, "order_pay_method", PAY_METHODS)
    order_id = params.platform_id(call, "order_id", required=False)
    paging = call.body.get("pagination_info")
    paging = {} if paging is None else paging
    if not isinstance(paging, dict):
        raise call.invalid("pagination_info must be an object")
    limit = params.integer(call, "limit", default=LIMIT_DEFAULT, low=1, high=LIMIT_MAX, source=paging)
    offset = params.integer(call, "offset", default=0, low=0, source=paging)
    use_ctx = paging.get("use_page_ctx", False)
    if use_ctx not in (True, False, 0, 1):
        raise call.invalid("pagination_info.use_page_ctx must be a boolean")
    created = call.body.get("create_time_range")

    queryset = Order.objects.filter(shop=call.account).exclude(status__in=(10, 250))
    if created is not None:
        if not isinstance(created, dict):
            raise call.invalid("create_time_range must be an object")
        begin = params.integer(call, "begin", required=True, low=0, source=created)
        end = params.integer(call, "end", required=True, low=0, source=created)
        if begin > end:
            raise call.invalid("create_time_range.begin must not be after end")
        queryset = queryset.filter(create_time__gte=begin, create_time__lte=end)
    if ORDER_STATES[order_state]:
        queryset = queryset.filter(status__in=ORDER_STATES[order_state])
    if pay_method == DEFER_PAYMENT:
        queryset = queryset.filter(payload__order_detail__pay_info__payment_method=DEFER_PAYMENT)
    elif pay_method == 1:
        queryset = queryset.exclude(payload__order_detail__pay_info__payment_method=DEFER_PAYMENT)
    if order_id:
        queryset = queryset.filter(order_id=order_id)
    if settle_state == SETTLE_DONE:
        queryset = queryset.filter(_SETTLED)
    elif settle_state == SETTLE_NOT_NEEDED:
        queryset = queryset.filter(_NOT_NEEDED)
    elif settle_state == SETTLE_PENDING:
        queryset = queryset.exclude(_SETTLED).exclude(_NOT_NEEDED)
    elif settle_state == SETTLE_PARTIAL:
        queryset = queryset.none()

    total = queryset.count()
    ordered = queryset.order_by("create_time", "order_id")
    if use_ctx:
        cursor = params.decode_key(call, 2, key="page_ctx", source=paging)
        if cursor is not None:
            ordered = ordered.filter(params.after(["create_time", "order_id"], cursor))
        rows = list(ordered.only("order_id", "create_time", "payload", "plan")[:limit])
    else:
        rows = list(ordered.only("order_id", "create_time", "payload", "plan")[offset : offset + limit])
    answer = {"total_count": total, "data_list": [flow_of(row.payload, row.plan) for row in rows]}
    if use_ctx:
        answer["page_ctx"] = (
            params.encode_key(rows[-1].create_time, rows[-1].order_id) if rows else paging.get("page_ctx") or ""
        )
    return answer

"""Platform payloads → local row fields. Pure functions: no database, no HTTP.

The platform is lenient with types (ids as numbers or strings, optional blocks missing), so every read goes
through the client's lenient readers (``shopops.wechat.types``) and a missing block reads as empty.
"""

import hashlib
import json

from shopops.channels import line_channel
from shopops.wechat.types import as_bool, as_dict, as_id, as_int, as_list, as_str, platform_time


def _opt_int(value) -> int | None:
    return None if value in (None, "") else as_int(value)


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def order_fields(order: dict) -> dict:
    detail = order.get("order_detail") or {}
    price = detail.get("price_info") or {}
    settle = detail.get("settle_info") or {}
    ext = detail.get("ext_info") or {}
    pay = detail.get("pay_info") or {}
    aftersale = order.get("aftersale_detail") or {}
    commission_fee = settle.get("commission_fee")
    predict_fee = settle.get("predict_commission_fee")
    return {
        "order_id": as_id(order["order_id"]),
        "status": as_int(order.get("status")),
        "create_time": platform_time(order.get("create_time")),
        "update_time": platform_time(order.get("update_time")),
        "pay_time": platform_time(pay.get("pay_time")),
        "openid": as_id(order.get("openid")),
        "product_price_fen": as_int(price.get("product_price")),
        "order_price_fen": as_int(price.get("order_price")),
        "freight_fen": as_int(price.get("freight")),
        "discounted_price_fen": as_int(price.get("discounted_price")),
        "deduction_price_fen": as_int(price.get("deduction_price")),
        "change_down_price_fen": as_int(price.get("change_down_price")),
        "original_order_price_fen": as_int(price.get("original_order_price")),
        # The platform's field name is misspelt ("receieve"); accept the correct spelling too.
        "merchant_receive_price_fen": as_int(price.get("merchant_receieve_price", price.get("merchant_receive_price"))),
        "predict_commission_fee_fen": _opt_int(predict_fee),
        # The actual fee and the settlement time are absent until the order is settled ("未结算时本字段为空"):
        # None, never 0, so an unsettled order does not read as settled with no fee.
        "commission_fee_fen": _opt_int(commission_fee),
        "settle_time": platform_time(settle.get("settle_time")),
        "order_scene": _opt_int(ext.get("order_scene")),
        "live_id": as_id(ext.get("live_id")),
        "finder_id": as_id(ext.get("finder_id")),
        "is_present": as_bool(order.get("is_present")),
        "payment_method": _opt_int(pay.get("payment_method")),
        "aftersale_count": as_int(aftersale.get("on_aftersale_order_cnt")),
    }


def order_line_fields(order: dict) -> list[dict]:
    """One dict per ``product_infos`` entry, joined with the SKU's ``source_infos`` and ``commission_infos``.

    Each line's ``channel`` comes from its own source and commission entries plus the order's scene and live id.
    """
    detail = order.get("order_detail") or {}
    ext = detail.get("ext_info") or {}
    order_scene, live_id = _opt_int(ext.get("order_scene")), as_id(ext.get("live_id"))
    sources = {as_id(s.get("sku_id")): s for s in detail.get("source_infos") or []}
    commissions: dict[str, list] = {}
    for info in detail.get("commission_infos") or []:
        commissions.setdefault(as_id(info.get("sku_id")), []).append(info)
    lines = []
    for line_no, product in enumerate(detail.get("product_infos") or [], start=1):
        sku_id = as_id(product.get("sku_id"))
        source = sources.get(sku_id, {})
        line_commissions = commissions.get(sku_id, [])
        sale_channel, account_type = _opt_int(source.get("sale_channel")), _opt_int(source.get("account_type"))
        content_type, head = _opt_int(source.get("content_type")), as_id(source.get("promoter_head_supplier_id"))
        lines.append(
            {
                "line_no": line_no,
                "product_id": as_id(product.get("product_id")),
                "sku_id": sku_id,
                "title": as_id(product.get("title"))[:300],
                "sku_cnt": as_int(product.get("sku_cnt")),
                "sale_price_fen": as_int(product.get("sale_price")),
                "market_price_fen": as_int(product.get("market_price")),
                "real_price_fen": as_int(product.get("real_price")),
                "estimate_price_fen": as_int(product.get("estimate_price")),
                "change_price_fen": _opt_int(product.get("change_price")) if product.get("is_change_price") else None,
                "merchant_discounted_price_fen": as_int(product.get("merchant_discounted_price")),
                "finder_discounted_price_fen": as_int(product.get("finder_discounted_price")),
                "is_free_gift": as_bool(product.get("is_free_gift")),
                "on_aftersale_sku_cnt": as_int(product.get("on_aftersale_sku_cnt")),
                "finish_aftersale_sku_cnt": as_int(product.get("finish_aftersale_sku_cnt")),
                "coupons": product.get("order_product_coupon_info_list") or [],
                "sale_channel": sale_channel,
                "account_type": account_type,
                "account_id": as_id(source.get("account_id")),
                "account_nickname": as_id(source.get("account_nickname"))[:100],
                "content_type": content_type,
                "content_id": as_id(source.get("content_id")),
                "promoter_head_supplier_id": head,
                "original_id": as_id(source.get("original_id")),
                "commission_infos": line_commissions,
                "channel": line_channel(
                    sale_channel=sale_channel,
                    account_type=account_type,
                    content_type=content_type,
                    promoter_head_supplier_id=head,
                    # A missing type reads as 0 (达人), the value a zero-omitting encoder leaves out.
                    commission_types={as_int(c.get("type")) for c in line_commissions},
                    order_scene=order_scene,
                    live_id=live_id,
                ),
            }
        )
    return lines


def free_gift_mains(product: dict) -> list[dict]:
    """What a gift line (``is_free_gift`` 1) was given with: ``free_gift_info.main_product_list`` as
    ``{product_id, sku_id, task_id, gift_cnt}`` entries, ids as strings; [] for a line that is no gift."""
    info = as_dict(product.get("free_gift_info"))
    return [
        {
            "product_id": as_id(main.get("product_id")),
            "sku_id": as_id(main.get("sku_id")),
            "task_id": as_id(main.get("task_id")),
            "gift_cnt": as_int(main.get("gift_cnt")),
        }
        for main in map(as_dict, as_list(info.get("main_product_list")))
        if as_id(main.get("sku_id")) or as_id(main.get("product_id"))
    ]


def aftersale_fields(aftersale: dict) -> dict:
    product = aftersale.get("product_info") or {}
    refund = aftersale.get("refund_info") or {}
    return {
        "after_sale_order_id": as_id(aftersale["after_sale_order_id"]),
        "order_id": as_id(aftersale.get("order_id")),
        "type": as_id(aftersale.get("type")),
        "status": as_id(aftersale.get("status")),
        "reason": as_id(aftersale.get("reason"))[:200],
        "reason_text": as_str(aftersale.get("reason_text")).strip()[:200],
        "product_id": as_id(product.get("product_id")),
        "sku_id": as_id(product.get("sku_id")),
        "count": as_int(product.get("count")),
        "refund_amount_fen": as_int(refund.get("amount")),
        "create_time": platform_time(aftersale.get("create_time")),
        "update_time": platform_time(aftersale.get("update_time")),
    }


def product_fields(product: dict) -> dict:
    return {
        "product_id": as_id(product["product_id"]),
        "title": as_id(product.get("title"))[:300],
        "status": as_int(product.get("status")),
        "edit_status": as_int(product.get("edit_status")),
        "min_price_fen": as_int(product.get("min_price")),
        "total_sold_num": as_int(product.get("total_sold_num")),
        # Absent on older payloads: an ordinary product.
        "product_type": as_int(product.get("product_type")) or 1,
        "fingerprint": fingerprint(product),
    }


def sku_fields(product: dict) -> list[dict]:
    return [
        {
            "sku_id": as_id(sku.get("sku_id")),
            "sku_code": as_id(sku.get("sku_code"))[:100],
            "sale_price_fen": as_int(sku.get("sale_price")),
            "market_price_fen": as_int(sku.get("market_price")),
            "stock_num": as_int(sku.get("stock_num")),
            "status": as_int(sku.get("status")),
            "attrs": sku.get("sku_attrs") or [],
        }
        for sku in product.get("skus") or []
    ]

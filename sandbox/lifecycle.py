"""Order lifecycle: applying planned transitions to payloads, in time order, and the push events they emit.

The generator decides an order's whole future when it creates the order (``plan``: a time-ordered list of
``[time, action, args]`` with every random choice already made), so applying the plan needs no randomness and the
same code serves seeding (apply everything up to the shop clock, emit nothing) and ``sandbox_advance`` (apply what
falls inside the advanced interval and emit the platform events).

Arithmetic rules (one rounding everywhere: floor of a non-negative product, per line, then summed):
- technical service fee (技术服务费) per line = floor((real_price − refunded) × fee_ppm / 1,000,000);
  ``settle_info.predict_commission_fee`` / ``commission_fee`` are the sums over the lines;
- commission per line and party = floor((real_price − refunded) × ratio_ppm / 1,000,000), the same base the
  agency sees as ``actual_payment``; talent ratios set in whole percent are ppm = percent × 10,000.

The ratio is the one of the promotion plan terms in force when the order is **paid** (``PlanBook``; the plans live
in sandbox.models.LeaguePlan/LeaguePlanTerms): for a 达人's line a 定向/专属 plan naming that talent beats the
product's 普通 plan; an agency's line takes its agency plan's ratio and service ratio. No terms in force: ratio 0
(the entry stays, with amount 0; UNCONFIRMED). A Simulation without a PlanBook keeps the ratios drawn at generation.

Deliberate mistakes: a commission spec may carry ``skew`` {party index: rule}; that party's amount is then wrong
the same way on both sides (commission_infos and the agency's commission order), at payment and after every
refund: rule ``{"kind": "offset", "fen": k}`` adds k fen (−k when that would go below 0), ``{"kind": "base"}``
applies the ratio to the line's price before discounts (sale_price × sku_cnt − refunded); either way a result
equal to the right amount is raised by 1 fen, so a skewed amount is always wrong. Each one is reported in
``Simulation.anomalies`` when the order is paid (sandbox.models.CommissionAnomaly), as is an agency line whose
buyer is the 推客 themself (``self_referral``).
"""

import copy
import heapq
from dataclasses import dataclass, field

# The after-sale statuses that are no longer "in after-sale" (order/search: "除了以下几种售后单状态外其它的都是
# 正在售后的状态"). Every other status counts as open, a merchant's rejection (MERCHANT_REJECT_*) and
# RETURN_CLOSED included: the buyer may apply again or escalate. on_aftersale_order_cnt and on_aftersale_sku_cnt
# count the open ones.
AFTERSALE_FINAL = {
    "USER_CANCELD",
    "MERCHANT_REFUND_RETRY_FAIL",
    "MERCHANT_FAIL",
    "MERCHANT_REFUND_SUCCESS",
    "MERCHANT_RETURN_SUCCESS",
}
AFTERSALE_REFUNDED = {"MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS"}
# After-sale ``reason`` keys and their ``reason_text`` (the official enum; reason keys added later carry no meaning of
# their own, only reason_text does).
AFTERSALE_REASON_TEXTS = {
    "INCORRECT_SELECTION": "拍错/多拍",
    "NO_LONGER_WANT": "不想要了",
    "NO_EXPRESS_INFO": "无快递信息",
    "EMPTY_PACKAGE": "包裹为空",
    "REJECT_RECEIVE_PACKAGE": "已拒签包裹",
    "NOT_DELIVERED_TOO_LONG": "快递长时间未送达",
    "NOT_MATCH_PRODUCT_DESC": "与商品描述不符",
    "QUALITY_ISSUE": "质量问题",
    "SEND_WRONG_GOODS": "卖家发错货",
    "THREE_NO_PRODUCT": "三无产品",
    "FAKE_PRODUCT": "假冒产品",
    "NO_REASON_7_DAYS": "七天无理由",
    "INITIATE_BY_PLATFORM": "平台代发起",
    "OTHERS": "其它",
}
# refund_info.refund_reason (售后单退款直接原因), set once the money went back: 1 = the merchant refunded from the shop
# backend (店铺管理页或者小助手). UNCONFIRMED: that it is absent before the refund.
REFUND_REASON_MERCHANT = 1

# Agency commission order statuses.
COMMISSION_UNSETTLED, COMMISSION_SETTLED, COMMISSION_CANCELLED = 20, 100, 200


PPM_PER_PCT = 10_000
AGENCY_PLAN = 0  # LeaguePlan.type of an agency plan (item/headsupplier/batchadd)


# 私域激励计划 (2025) as the emulator grants it — EXAMPLE values: the real plan's rates are not public. The product's
# example rule set mirrors them (/work/briefs/12-constants.md, sandbox/README.md "私域激励"). A line qualifies by its
# own source_infos entry: (sale_channel, account_type) in INCENTIVE_SOURCES — the shop's linked 公众号 (0, 2),
# 企业微信 (0, 4) and 服务号 (0, 6), and a connected 小程序 (1, 3); not the shop's own 视频号 (0, 1: live and video
# are where growth cards are spent), a cooperating third-party 公众号 (1, 2), 授权号, 达人, 机构 or 其他. Decided once,
# at settlement (the emulator settles after the after-sale period, once every after-sale is over): per line
# floor((real_price − refunded) × INCENTIVE_RATE_PPM / 1e6), summed, at most INCENTIVE_ORDER_CAP_FEN per order and
# never more than the order's fee. No monthly cap. Orders paid before INCENTIVE_START get nothing.
INCENTIVE_SOURCES = frozenset({(0, 2), (0, 4), (0, 6), (1, 3)})
INCENTIVE_RATE_PPM = 10_000
INCENTIVE_ORDER_CAP_FEN = 300
INCENTIVE_START = 1_735_660_800  # 2025-01-01 00:00 Asia/Shanghai


def ppm_of(amount: int, ratio_ppm: int) -> int:
    """The one rounding rule: floor(amount × ratio / 1,000,000) for non-negative amounts."""
    return amount * ratio_ppm // 1_000_000


def skewed(right: int, rule: dict | None, gross_base: int, ratio_ppm: int) -> int:
    """The platform's amount for a party: ``right``, or the deliberately wrong one ``rule`` describes (see the
    module docstring). Never equal to ``right`` when there is a rule."""
    if not rule:
        return right
    if rule["kind"] == "base":
        wrong = ppm_of(max(gross_base, 0), ratio_ppm)
    else:
        wrong = right + rule["fen"] if right + rule["fen"] >= 0 else right - rule["fen"]
    return wrong if wrong != right else right + 1


def terms_in_force(row: dict, t: int) -> bool:
    """Whether plan terms (a LeaguePlanTerms as a dict) applied at ``t``."""
    return (
        row["valid_from"] <= t
        and (row["valid_to"] is None or t < row["valid_to"])
        and row["listed"]
        and row["begin_time"] <= t
        and (row["end_time"] is None or t <= row["end_time"])
    )


def fee_mistake(due: int, gross: int, original: int, rule: dict | None) -> tuple[int, str]:
    """The 私域激励 fee reduction the platform grants and why it is wrong ("" when right): ``due`` is the right
    reduction, ``gross`` the reduction the whole order would earn were every line eligible, ``original`` the fee.
    ``rule`` ({"u": 0..1, "fen": k}, drawn at generation) makes a due reduction go missing (u < 0.5) or come out k fen
    off, and gives an order with nothing due one anyway. Never below 0 nor above the fee; "" when no wrong amount
    fits (a fee of 0)."""
    if not rule:
        return due, ""
    if due > 0:
        if rule["u"] < 0.5:
            return 0, "missing"
        fen = abs(rule["fen"])
        wrong = due + fen if due + fen <= original else due - fen
        return (wrong, "wrong_amount") if wrong > 0 else (0, "missing")
    granted = min(max(gross, 1), original)
    return (granted, "unexpected") if granted > 0 else (0, "")


@dataclass
class PlanBook:
    """The promotion plan terms of one shop over time, by product: what a payment at ``t`` is charged with.

    Rows are dicts with plan_id, type (1/2/3, AGENCY_PLAN), agency (appid or ""), talents (talent appids),
    ratio_pct, service_ratio_pct, listed, begin_time, end_time (None: forever), valid_from, valid_to (None: open).
    """

    by_product: dict[str, list[dict]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[dict]) -> "PlanBook":
        book = cls()
        for row in rows:
            book.by_product.setdefault(row["product_id"], []).append(row)
        return book

    def talent_terms(self, product_id: str, talent_appid: str, t: int) -> dict | None:
        """The terms a 达人's sale of ``product_id`` at ``t`` earns: a 定向/专属 plan naming the talent, else the 普通
        plan. A talent is in at most one live 定向/专属 plan of a product (the league API refuses a second), so the
        latest ``valid_from`` (then the greatest plan id) only breaks ties that cannot arise."""
        targeted, open_ = [], []
        for row in self.by_product.get(product_id, ()):
            if not terms_in_force(row, t):
                continue
            if row["type"] in (2, 3) and talent_appid and talent_appid in row["talents"]:
                targeted.append(row)
            elif row["type"] == 1:
                open_.append(row)
        chosen = targeted or open_
        return max(chosen, key=lambda r: (r["valid_from"], r["plan_id"])) if chosen else None

    def agency_terms(self, product_id: str, agency_appid: str, t: int) -> dict | None:
        """The agency plan terms in force for ``agency_appid``'s sale of ``product_id`` at ``t``."""
        rows = [
            row
            for row in self.by_product.get(product_id, ())
            if row["type"] == AGENCY_PLAN and row["agency"] == agency_appid and terms_in_force(row, t)
        ]
        return max(rows, key=lambda r: (r["valid_from"], r["plan_id"])) if rows else None


@dataclass
class Emitted:
    """A platform event before encryption: to whom (appid), when (the shop clock), its name and body."""

    appid: str
    create_time: int
    event: str
    from_user: str
    body: dict


@dataclass
class OrderRec:
    seq: int
    order_id: str
    payload: dict
    plan: dict  # {"meta": {...}, "todo": [[time, action, args], ...]}
    pk: int | None = None
    new: bool = False

    @property
    def next_time(self) -> int | None:
        todo = self.plan["todo"]
        return todo[0][0] if todo else None


@dataclass
class CommissionRec:
    agency: str
    shop: str
    order_id: str
    sku_id: str
    payload: dict
    finder_id: str = ""
    openfinderid: str = ""
    sharer_appid: str = ""
    version: int = 1
    pk: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.agency, self.order_id, self.sku_id


@dataclass
class ShopInfo:
    appid: str
    username: str
    name: str


@dataclass
class Simulation:
    """Applies planned actions to a set of orders in global time order.

    ``emit`` False while seeding (history has no pushes). After ``run_until`` the caller persists ``orders``,
    ``aftersales``, ``commissions`` (changed keys in the ``dirty_*`` sets), ``events`` in emission order, and the
    talent ``sales`` and commission ``anomalies`` recorded at payment. ``plans``: the terms payments are charged
    with (None: keep the ratios drawn at generation).
    """

    shop: ShopInfo
    emit: bool = True
    plans: PlanBook | None = None
    sales: list[dict] = field(default_factory=list)
    anomalies: list[dict] = field(default_factory=list)
    orders: dict[str, OrderRec] = field(default_factory=dict)
    aftersales: dict[str, dict] = field(default_factory=dict)  # after_sale_order_id -> payload
    commissions: dict[tuple, CommissionRec] = field(default_factory=dict)
    events: list[Emitted] = field(default_factory=list)
    dirty_orders: set = field(default_factory=set)
    dirty_aftersales: set = field(default_factory=set)
    dirty_commissions: set = field(default_factory=set)
    applied: int = 0

    def add(self, rec: OrderRec) -> None:
        self.orders[rec.order_id] = rec

    def run_until(self, t_end: int) -> None:
        heap = [(rec.next_time, rec.seq, rec.order_id) for rec in self.orders.values() if rec.next_time is not None]
        heapq.heapify(heap)
        while heap and heap[0][0] <= t_end:
            _, _, order_id = heapq.heappop(heap)
            rec = self.orders[order_id]
            t, action, args = rec.plan["todo"].pop(0)
            getattr(self, f"_do_{action}")(rec, t, args)
            self.applied += 1
            self.dirty_orders.add(order_id)
            if rec.next_time is not None:
                heapq.heappush(heap, (rec.next_time, rec.seq, order_id))

    # --- helpers -----------------------------------------------------------------------------------------------

    def _event(self, appid: str, t: int, name: str, from_user: str, body: dict) -> None:
        if self.emit:
            self.events.append(Emitted(appid, t, name, from_user, body))

    def _order_event(self, rec: OrderRec, t: int, name: str, **info) -> None:
        if not self.emit:
            return
        self._event(
            self.shop.appid,
            t,
            name,
            rec.payload["openid"],
            {"order_info": {"order_id": int(rec.order_id), **info}},
        )

    def _touch(self, rec: OrderRec, t: int) -> None:
        rec.payload["update_time"] = t

    def _line_base(self, rec: OrderRec, i: int) -> int:
        line = rec.payload["order_detail"]["product_infos"][i]
        return line["real_price"] - rec.plan["meta"]["lines"][i]["refunded"]

    def _fee(self, rec: OrderRec) -> int:
        meta_lines = rec.plan["meta"]["lines"]
        return sum(ppm_of(self._line_base(rec, i), m["fee_ppm"]) for i, m in enumerate(meta_lines))

    def incentive(self, rec: OrderRec, *, every_line: bool = False) -> int:
        """The 私域激励 fee reduction the order has earned now (see INCENTIVE_*): per eligible line
        floor(base × rate), summed, capped per order and by the fee. ``every_line``: as if every line qualified."""
        detail = rec.payload["order_detail"]
        if (detail["pay_info"].get("pay_time") or 0) < INCENTIVE_START:
            return 0
        sources = {s["sku_id"]: (s["sale_channel"], s["account_type"]) for s in detail.get("source_infos", [])}
        total = sum(
            ppm_of(max(self._line_base(rec, i), 0), INCENTIVE_RATE_PPM)
            for i, line in enumerate(detail["product_infos"])
            if every_line or sources.get(line["sku_id"]) in INCENTIVE_SOURCES
        )
        return min(total, INCENTIVE_ORDER_CAP_FEN, self._fee(rec))

    def _party_amount(self, rec: OrderRec, spec: dict, index: int) -> int:
        """The platform's commission for party ``index`` of a spec (its ``ratios`` and ``entries`` order), on the
        line's current base, skewed when the spec says so."""
        line = rec.payload["order_detail"]["product_infos"][spec["line"]]
        refunded = rec.plan["meta"]["lines"][spec["line"]]["refunded"]
        ratio = spec["ratios"][index]
        right = ppm_of(max(line["real_price"] - refunded, 0), ratio)
        rule = spec.get("skew", {}).get(str(index))
        return skewed(right, rule, line["sale_price"] * line["sku_cnt"] - refunded, ratio)

    def _commission_amounts(self, rec: OrderRec) -> bool:
        """Recompute the merchant-side commission_infos amounts from the current bases. True if any changed."""
        changed = False
        for spec in rec.plan["meta"]["commissions"]:
            for index, entry in enumerate(spec["entries_at"]):
                info = rec.payload["order_detail"]["commission_infos"][entry]
                amount = self._party_amount(rec, spec, index)
                if info["amount"] != amount:
                    info["amount"] = amount
                    changed = True
        return changed

    def _charge(self, rec: OrderRec, t: int) -> None:
        """Fix each commission spec's ratios from the plan terms in force at payment ``t``; record the talents'
        sales and the anomalies the order carries."""
        lines = rec.payload["order_detail"]["product_infos"]
        for spec in rec.plan["meta"]["commissions"]:
            line = lines[spec["line"]]
            agency = spec.get("agency")
            if self.plans is not None:
                if agency:
                    terms = self.plans.agency_terms(line["product_id"], agency["appid"], t)
                    ratios = (
                        [terms["ratio_pct"] * PPM_PER_PCT, terms["service_ratio_pct"] * PPM_PER_PCT]
                        if terms
                        else [0, 0]
                    )
                    agency["ratio_ppm"], agency["service_ratio_ppm"] = ratios
                else:
                    terms = self.plans.talent_terms(line["product_id"], spec.get("talent_appid", ""), t)
                    ratios = [terms["ratio_pct"] * PPM_PER_PCT if terms else 0]
                spec["ratios"] = ratios
                spec["plan_id"] = terms["plan_id"] if terms else ""
            if not agency and spec.get("talent_appid"):
                self.sales.append(
                    {
                        "talent_appid": spec["talent_appid"],
                        "order_id": rec.order_id,
                        "sku_id": spec["sku_id"],
                        "product_id": line["product_id"],
                        "amount": line["real_price"],
                        "pay_time": t,
                    }
                )
            for index, rule in sorted(spec.get("skew", {}).items()):
                self._anomaly(rec, spec, spec["entries"][int(index)]["type"], "miscomputed", rule)
            if spec.get("self_referral"):
                self._anomaly(rec, spec, 0, "self_referral", {"buyer_open_id": agency["buyer_open_id"]})

    def _anomaly(self, rec: OrderRec, spec: dict, party: int, kind: str, rule: dict) -> None:
        agency = spec.get("agency")
        self.anomalies.append(
            {
                "order_id": rec.order_id,
                "sku_id": spec["sku_id"],
                "party": party,
                "kind": kind,
                "agency": agency["appid"] if agency else "",
                "rule": rule,
            }
        )

    def _agency_recs(self, rec: OrderRec, line: int | None = None) -> list[CommissionRec]:
        out = []
        for spec in rec.plan["meta"]["commissions"]:
            agency = spec.get("agency")
            if agency and (line is None or spec["line"] == line):
                key = (agency["appid"], rec.order_id, spec["sku_id"])
                if key in self.commissions:
                    out.append(self.commissions[key])
        return out

    def _commission_changed(self, rec: OrderRec, t: int, comm: CommissionRec) -> None:
        p = comm.payload
        p["update_time"] = t
        p["order_detail"]["order_info"]["order_status"] = rec.payload["status"]
        p["order_detail"]["order_info"]["update_time"] = t
        comm.version += 1
        self.dirty_commissions.add(comm.key)
        self._event(
            comm.agency,
            t,
            "head_supplier_commission_order_update",
            p["order_detail"]["buyer_info"]["open_id"],
            # The official example serialises these ids as strings (unlike the shop's order events).
            {
                "order_info": {
                    "order_id": comm.order_id,
                    "sku_id": comm.sku_id,
                    "commission_order_status": p["status"],
                    "order_status": rec.payload["status"],
                    "version": comm.version,
                }
            },
        )

    def _recompute_agency_amounts(self, rec: OrderRec, comm: CommissionRec, spec: dict) -> None:
        """The agency's view of the line: actual_payment and the amounts the merchant side shows (spec party 0 is
        the promoter, 1 the agency's service fee), mistakes included."""
        info = comm.payload["order_detail"]["commission_info"]
        comm.payload["order_detail"]["product_info"]["actual_payment"] = max(self._line_base(rec, spec["line"]), 0)
        info["service_amount"] = self._party_amount(rec, spec, 1)
        for key in ("finder_info", "talent_info", "sharer_info"):
            if key in info:
                info[key]["amount"] = self._party_amount(rec, spec, 0)

    def _status(self, rec: OrderRec, t: int, status: int) -> None:
        rec.payload["status"] = status
        self._touch(rec, t)
        for comm in self._agency_recs(rec):
            if comm.payload["status"] == COMMISSION_UNSETTLED and status in (200, 250):
                comm.payload["status"] = COMMISSION_CANCELLED
            self._commission_changed(rec, t, comm)

    # --- actions -----------------------------------------------------------------------------------------------

    def _do_create(self, rec: OrderRec, t: int, args: dict) -> None:
        self._order_event(rec, t, "channels_ec_order_new")

    def _do_cancel(self, rec: OrderRec, t: int, args: dict) -> None:
        self._status(rec, t, 250)
        self._order_event(rec, t, "channels_ec_order_cancel", cancel_type=args["cancel_type"])

    def _do_pay(self, rec: OrderRec, t: int, args: dict) -> None:
        detail = rec.payload["order_detail"]
        detail["pay_info"].update(pay_time=t, transaction_id=args["transaction_id"], payment_method=args["method"])
        for line in detail["product_infos"]:
            line["delivery_deadline"] = t + 48 * 3600
        detail["settle_info"]["predict_commission_fee"] = self._fee(rec)
        specs = rec.plan["meta"]["commissions"]
        self._charge(rec, t)
        if specs:
            detail["ext_info"]["commission_handling_progress"] = 1
            detail["commission_infos"] = [copy.deepcopy(e) for spec in specs for e in spec["entries"]]
            self._commission_amounts(rec)
        rec.payload["status"] = 20
        self._touch(rec, t)
        self._order_event(rec, t, "channels_ec_order_pay", pay_time=t)
        self._order_event(rec, t, "channels_ec_order_wait_shipping")
        if specs:
            self._order_event(rec, t, "channels_ec_order_ext_info_update", type=1)
        for spec in specs:
            if spec.get("agency"):
                self._create_agency_order(rec, t, spec)

    def _create_agency_order(self, rec: OrderRec, t: int, spec: dict) -> None:
        agency = spec["agency"]
        line = rec.payload["order_detail"]["product_infos"][spec["line"]]
        commission_info = {"service_ratio": agency["service_ratio_ppm"], "service_amount": 0}
        promoter = agency["promoter"]
        commission_info[f"{promoter['kind']}_info"] = {**promoter["info"], "ratio": agency["ratio_ppm"], "amount": 0}
        commission_info["profit_sharding_suc_time"] = 0
        payload = {
            "order_id": rec.order_id,
            "sku_id": spec["sku_id"],
            "create_time": t,
            "update_time": t,
            "status": COMMISSION_UNSETTLED,
            "order_detail": {
                "shop_info": {"appid": self.shop.appid, "shop_name": self.shop.name},
                "product_info": {
                    "product_id": line["product_id"],
                    "thumb_img": line["thumb_img"],
                    "title": line["title"],
                    "actual_payment": 0,
                },
                "order_info": {
                    "order_status": rec.payload["status"],
                    "pay_time": t,
                    "create_time": rec.payload["create_time"],
                    "update_time": t,
                },
                "commission_info": commission_info,
                "buyer_info": {"open_id": agency["buyer_open_id"], "union_id": ""},
            },
        }
        comm = CommissionRec(
            agency=agency["appid"],
            shop=self.shop.appid,
            order_id=rec.order_id,
            sku_id=spec["sku_id"],
            payload=payload,
            finder_id=promoter.get("finder_id", ""),
            openfinderid=promoter["info"].get("openfinderid", ""),
            sharer_appid=promoter["info"].get("sharer_appid", ""),
            version=0,
        )
        self._recompute_agency_amounts(rec, comm, spec)
        self.commissions[comm.key] = comm
        self._commission_changed(rec, t, comm)

    def _do_ship(self, rec: OrderRec, t: int, args: dict) -> None:
        detail = rec.payload["order_detail"]
        delivery = detail["delivery_info"]
        lines = detail["product_infos"]
        delivery["delivery_product_info"].append(
            {
                "waybill_id": args["waybill_id"],
                "delivery_id": args["delivery_id"],
                "delivery_name": args["delivery_name"],
                "delivery_time": t,
                "deliver_type": args["deliver_type"],
                "product_infos": [
                    {
                        "product_id": lines[i]["product_id"],
                        "sku_id": lines[i]["sku_id"],
                        "product_cnt": lines[i]["sku_cnt"],
                    }
                    for i in args["lines"]
                ],
            }
        )
        if args["final"]:
            delivery["ship_done_time"] = t
        self._status(rec, t, 30 if args["final"] else 21)
        self._order_event(rec, t, "channels_ec_order_deliver", finish_delivery=1 if args["final"] else 0)

    def _do_address_apply(self, rec: OrderRec, t: int, args: dict) -> None:
        """The buyer asked to change the address: the new one waits in ``address_under_review``."""
        delivery = rec.payload["order_detail"]["delivery_info"]
        delivery["address_under_review"] = copy.deepcopy(args["address"])
        delivery["address_apply_time"] = t
        self._touch(rec, t)

    def _do_address_decide(self, rec: OrderRec, t: int, args: dict) -> None:
        """Approved: the new address replaces ``address_info`` (and stays in ``address_under_review``, now equal to
        it). Rejected: the request is gone."""
        delivery = rec.payload["order_detail"]["delivery_info"]
        if args["approve"]:
            delivery["address_info"] = copy.deepcopy(delivery["address_under_review"])
        else:
            delivery.pop("address_under_review", None)
            delivery.pop("address_apply_time", None)
        self._touch(rec, t)

    def _do_confirm(self, rec: OrderRec, t: int, args: dict) -> None:
        rec.payload["order_detail"]["ext_info"]["confirm_receipt_time"] = t
        self._status(rec, t, 100)
        self._order_event(rec, t, "channels_ec_order_confirm", confirm_type=args["confirm_type"])

    def _aftersale_event(self, rec: OrderRec, t: int, aftersale: dict) -> None:
        self._event(
            self.shop.appid,
            t,
            "channels_ec_aftersale_update",
            rec.payload["openid"],
            # Strings, as in the official example (the order events send the order id as a number).
            {
                "finder_shop_aftersale_status_update": {
                    "after_sale_order_id": str(aftersale["after_sale_order_id"]),
                    "status": aftersale["status"],
                    "order_id": str(rec.order_id),
                }
            },
        )

    def _order_aftersale_detail(self, rec: OrderRec) -> None:
        ids = rec.plan["meta"]["aftersale_ids"]
        statuses = [self.aftersales[a]["status"] for a in ids]
        # aftersale_order_list entries carry no status any more (taken offline 2025-02-07): fetch each after-sale.
        rec.payload["aftersale_detail"] = {
            "on_aftersale_order_cnt": sum(s not in AFTERSALE_FINAL for s in statuses),
            "aftersale_order_list": [{"aftersale_order_id": a} for a in ids],
        }

    def _do_as_open(self, rec: OrderRec, t: int, args: dict) -> None:
        line = rec.payload["order_detail"]["product_infos"][args["line"]]
        aftersale = {
            "after_sale_order_id": args["id"],
            "order_id": rec.order_id,
            "type": args["type"],
            "sub_type": "DEFAULT",
            "status": "MERCHANT_PROCESSING",
            "openid": rec.payload["openid"],
            "unionid": rec.payload.get("unionid", ""),
            "reason": args["reason"],
            "reason_text": AFTERSALE_REASON_TEXTS.get(args["reason"], AFTERSALE_REASON_TEXTS["OTHERS"]),
            "product_info": {"product_id": line["product_id"], "sku_id": line["sku_id"], "count": args["count"]},
            # details.tel_number was taken offline on 2025-04-14.
            "details": {
                "desc": args["desc"],
                "receive_product": args["receive_product"],
                "cancel_time": 0,
                "media_id_list": [],
            },
            "refund_info": {"amount": args["amount"]},
            "return_info": {"delivery_id": "", "delivery_name": "", "waybill_id": ""},
            "merchant_upload_info": {"reject_reason": "", "refund_certificates": []},
            "refund_resp": {"ret": 0, "code": "", "message": ""},
            "deadline": t + 48 * 3600,
            "create_time": t,
            "update_time": t,
            "complete_time": 0,  # set when the after-sale ends (售后完结)
        }
        self.aftersales[args["id"]] = aftersale
        self.dirty_aftersales.add(args["id"])
        rec.plan["meta"]["aftersale_ids"].append(args["id"])
        line["on_aftersale_sku_cnt"] += args["count"]
        self._order_aftersale_detail(rec)
        self._touch(rec, t)
        self._aftersale_event(rec, t, aftersale)

    def _do_as_status(self, rec: OrderRec, t: int, args: dict) -> None:
        aftersale = self.aftersales[args["id"]]
        aftersale["status"] = status = args["status"]
        aftersale["update_time"] = t
        if status == "MERCHANT_WAIT_RECEIPT":
            aftersale["return_info"] = args["return_info"]
        elif status in ("MERCHANT_REJECT_REFUND", "MERCHANT_REJECT_RETURN"):
            aftersale["merchant_upload_info"]["reject_reason"] = args["reject_reason"]
        elif status == "USER_CANCELD":
            aftersale["details"]["cancel_time"] = t
        elif status == "USER_WAIT_RETURN":
            aftersale["deadline"] = t + 7 * 86400
        # A merchant's rejection leaves the after-sale open (the buyer may apply again or escalate) until the plan ends
        # it (sandbox.generator.REJECT_APPEAL_WINDOW): only the end of the after-sale takes its SKUs out of
        # on_aftersale_sku_cnt.
        if status in AFTERSALE_FINAL:
            line = rec.payload["order_detail"]["product_infos"][args["line"]]
            line["on_aftersale_sku_cnt"] -= aftersale["product_info"]["count"]
            aftersale["complete_time"] = t
        self.dirty_aftersales.add(args["id"])
        self._order_aftersale_detail(rec)
        self._touch(rec, t)
        self._aftersale_event(rec, t, aftersale)

    def _do_as_refund(self, rec: OrderRec, t: int, args: dict) -> None:
        aftersale = self.aftersales[args["id"]]
        aftersale["status"] = args["status"]
        aftersale["update_time"] = t
        aftersale["refund_resp"] = {"ret": 0, "code": "SUCCESS", "message": "退款成功"}
        aftersale["refund_info"]["refund_reason"] = REFUND_REASON_MERCHANT
        aftersale["complete_time"] = t
        i = args["line"]
        count, amount = aftersale["product_info"]["count"], aftersale["refund_info"]["amount"]
        detail = rec.payload["order_detail"]
        line = detail["product_infos"][i]
        line["on_aftersale_sku_cnt"] -= count
        line["finish_aftersale_sku_cnt"] += count
        meta = rec.plan["meta"]
        meta["lines"][i]["refunded"] += amount
        self.dirty_aftersales.add(args["id"])
        self._order_aftersale_detail(rec)
        self._touch(rec, t)
        self._aftersale_event(rec, t, aftersale)

        if not detail["settle_info"].get("settle_time"):
            detail["settle_info"]["predict_commission_fee"] = self._fee(rec)
        if self._commission_amounts(rec):
            self._order_event(rec, t, "channels_ec_order_ext_info_update", type=1)
        fully = line["real_price"] - meta["lines"][i]["refunded"] <= 0
        for spec in meta["commissions"]:
            if spec.get("agency") and spec["line"] == i:
                comm = self.commissions[(spec["agency"]["appid"], rec.order_id, spec["sku_id"])]
                self._recompute_agency_amounts(rec, comm, spec)
                if fully and comm.payload["status"] == COMMISSION_UNSETTLED:
                    comm.payload["status"] = COMMISSION_CANCELLED
                self._commission_changed(rec, t, comm)

        everything_refunded = all(
            m["gift"] or detail["product_infos"][j]["real_price"] - m["refunded"] <= 0
            for j, m in enumerate(meta["lines"])
        )
        if everything_refunded and rec.payload["status"] in (20, 21, 30):
            if rec.payload["status"] == 20:  # nothing shipped: the freight goes back too
                detail["refund_info"]["refund_freight"] = detail["price_info"]["freight"]
            self._status(rec, t, 200)
            self._order_event(rec, t, "channels_ec_order_cancel", cancel_type=3)

    def _do_settle(self, rec: OrderRec, t: int, args: dict) -> None:
        """The settlement fields appear now ("未结算时本字段为空"); no 人气卡 (wecoin) commission in the sandbox.
        Planned only once every after-sale of the order has ended (sandbox.generator._plan): never while one is
        open."""
        settle = rec.payload["order_detail"]["settle_info"]
        settle["commission_fee"] = fee = self._fee(rec)
        meta = rec.plan["meta"]
        due = self.incentive(rec)
        granted, mistake = fee_mistake(due, self.incentive(rec, every_line=True), fee, meta.get("fee_skew"))
        # What funds/listorderflow reports from now on (sandbox.api.funds): the fee and the reduction granted.
        meta["fee_flow"] = {"original": fee, "reduction": granted}
        if mistake:
            self.anomalies.append(
                {
                    "order_id": rec.order_id,
                    "sku_id": "",
                    "party": 0,
                    "kind": "fee",
                    "agency": "",
                    "rule": {"reason": mistake, "due": due, "granted": granted},
                }
            )
        settle["predict_wecoin_commission"] = 0
        settle["wecoin_commission"] = 0
        settle["settle_time"] = t
        self._touch(rec, t)
        self._order_event(rec, t, "channels_ec_order_settle", settle_time=t)

    def _do_commission_settle(self, rec: OrderRec, t: int, args: dict) -> None:
        for info in rec.payload["order_detail"]["commission_infos"]:
            info["status"] = 2
        self._touch(rec, t)
        self._order_event(rec, t, "channels_ec_order_ext_info_update", type=1)
        for comm in self._agency_recs(rec):
            if comm.payload["status"] == COMMISSION_UNSETTLED:
                comm.payload["status"] = COMMISSION_SETTLED
                comm.payload["order_detail"]["commission_info"]["profit_sharding_suc_time"] = t
            self._commission_changed(rec, t, comm)

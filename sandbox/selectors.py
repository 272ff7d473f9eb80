"""Reading the platform's state directly — for tests and tools that compare the product with "WeChat's side".

Every payload is exactly what the corresponding endpoint answers (ids as strings, fen, Unix seconds), so a
product-side test (importing this module as ``from sandbox import selectors``) can compare field by field:

    for expected in selectors.order_payloads("wx…"):      # == order/get "order", for every order of the shop
        ...
"""

from sandbox.models import (
    Account,
    AfterSale,
    AgencyItem,
    CommissionAnomaly,
    CommissionOrder,
    LeaguePlan,
    LeaguePlanTerms,
    LeagueSale,
    LeagueTalent,
    LinkedAccount,
    Order,
    Product,
    PushDelivery,
    PushEvent,
)


def account_get(appid: str) -> Account:
    """The shop or agency; Account.DoesNotExist if unknown."""
    return Account.objects.get(appid=appid)


def credentials(appid: str) -> dict:
    """What the product needs to talk to the platform as this appid (and to receive its pushes)."""
    a = account_get(appid)
    return {
        "appid": a.appid,
        "secret": a.secret,
        "push_token": a.push_token,
        "encoding_aes_key": a.encoding_aes_key,
        "username": a.username,
        "callback_url": a.callback_url,
        "clock": a.clock,
    }


def shop_clock(appid: str) -> int | None:
    return account_get(appid).clock


def order_payloads(appid: str, *, status: int | None = None) -> list[dict]:
    """Every order of the shop as order/get answers it, by (create_time, order_id)."""
    queryset = Order.objects.filter(shop__appid=appid)
    if status is not None:
        queryset = queryset.filter(status=status)
    return list(queryset.order_by("create_time", "order_id").values_list("payload", flat=True))


def order_payload(appid: str, order_id: str) -> dict:
    """One order as order/get answers it; Order.DoesNotExist if unknown."""
    return Order.objects.values_list("payload", flat=True).get(shop__appid=appid, order_id=str(order_id))


def order_plan(appid: str, order_id: str) -> list:
    """What will still happen to the order: [[unix time, action, args], …] (see sandbox.lifecycle)."""
    return Order.objects.values_list("plan", flat=True).get(shop__appid=appid, order_id=str(order_id))["todo"]


def aftersale_payloads(appid: str) -> list[dict]:
    """Every after-sale order of the shop as aftersale/getaftersaleorder answers it."""
    queryset = AfterSale.objects.filter(shop__appid=appid).order_by("create_time", "after_sale_order_id")
    return list(queryset.values_list("payload", flat=True))


def product_payloads(appid: str) -> list[dict]:
    """Every product: {"product_id", "status", "product" (online or None), "edit_product" (draft)}."""
    return [
        {"product_id": p.product_id, "status": p.status, "product": p.payload, "edit_product": p.edit_payload}
        for p in Product.objects.filter(shop__appid=appid).order_by("product_id")
    ]


def commission_order_payloads(agency_appid: str, *, shop_appid: str | None = None) -> list[dict]:
    """Every commission order of an agency as headsupplier order/get answers it (``commssion_order``)."""
    queryset = CommissionOrder.objects.filter(agency__appid=agency_appid)
    if shop_appid:
        queryset = queryset.filter(shop__appid=shop_appid)
    return list(queryset.order_by("create_time", "order_id", "sku_id").values_list("payload", flat=True))


def agency_item_payloads(agency_appid: str) -> list[dict]:
    queryset = AgencyItem.objects.filter(agency__appid=agency_appid).order_by("shop__appid", "product_id")
    return list(queryset.values_list("payload", flat=True))


def agencies_of_shop(appid: str) -> list[dict]:
    """The shop's agencies with their credentials and cooperation status (2 = accepted)."""
    return [
        {"appid": a.appid, "secret": a.secret, "name": a.name, "status": status}
        for a, status in (
            (c.agency, c.status)
            for c in Account.objects.get(appid=appid).agency_cooperations.select_related("agency").order_by("pk")
        )
    ]


def linked_accounts(appid: str) -> list[dict]:
    return list(
        LinkedAccount.objects.filter(shop__appid=appid)
        .order_by("pk")
        .values("sale_channel", "account_type", "account_id", "nickname", "original_id", "extra")
    )


def catalog(appid: str) -> dict:
    """Generated reference data: linked/cooperation accounts, talents, coupons, league items, product meta."""
    return account_get(appid).catalog


def commission_anomalies(appid: str, *, kind: str = CommissionAnomaly.Kind.MISCOMPUTED) -> set[tuple[str, str, int]]:
    """The shop's deliberately wrong commission lines as (order_id, sku_id, party), party being the
    commission_infos type (0 达人/推客 side, 1 机构): ``miscomputed`` (the platform's amount is wrong on both sides)
    or ``self_referral`` (an agency line bought by its 推客)."""
    rows = CommissionAnomaly.objects.filter(shop__appid=appid, kind=kind)
    return set(rows.values_list("order_id", "sku_id", "party"))


def fee_anomalies(appid: str) -> dict[str, str]:
    """The shop's settled orders whose 私域激励 fee reduction the platform got wrong on purpose
    (``fee_mismatch_permille``), as {order_id: reason}: "missing" (a due reduction not granted), "unexpected" (one
    granted when none was due) or "wrong_amount" (granted, but not the due amount)."""
    rows = CommissionAnomaly.objects.filter(shop__appid=appid, kind=CommissionAnomaly.Kind.FEE)
    return {order_id: rule["reason"] for order_id, rule in rows.values_list("order_id", "rule")}


def league_plans(appid: str) -> list[dict]:
    """The shop's promotion plans (agency plans: type 0) with their terms history, oldest first."""
    terms = LeaguePlanTerms.objects.filter(plan__shop__appid=appid).order_by("valid_from", "pk")
    history: dict[int, list[dict]] = {}
    for t in terms.values(
        "plan_id",
        "ratio_pct",
        "service_ratio_pct",
        "talents",
        "listed",
        "begin_time",
        "end_time",
        "valid_from",
        "valid_to",
    ):
        history.setdefault(t.pop("plan_id"), []).append(t)
    plans = LeaguePlan.objects.filter(shop__appid=appid).select_related("agency").order_by("pk")
    return [
        {
            "promotion_plan_id": p.plan_id,
            "type": p.type,
            "product_id": p.product_id,
            "agency": p.agency.appid if p.agency_id else "",
            "status": p.status,
            "ratio_pct": p.ratio_pct,
            "service_ratio_pct": p.service_ratio_pct,
            "talents": p.talents,
            "begin_time": p.begin_time,
            "end_time": p.end_time,
            "terms": history.get(p.pk, []),
        }
        for p in plans
    ]


def league_talents(appid: str) -> list[dict]:
    """The shop's talents (达人) with their status and blacklist flag, in the order they joined."""
    return list(
        LeagueTalent.objects.filter(shop__appid=appid)
        .order_by("pk")
        .values("talent_appid", "finder_id", "nickname", "level", "status", "is_blacklisted", "invite_time")
    )


def league_sales(appid: str) -> list[dict]:
    """The talents' paid lines, which their figures sum: talent_appid, order_id, sku_id, product_id, amount,
    pay_time."""
    queryset = LeagueSale.objects.filter(shop__appid=appid).order_by("pay_time", "order_id", "sku_id")
    return list(queryset.values("talent_appid", "order_id", "sku_id", "product_id", "amount", "pay_time"))


def push_events(appid: str, *, event: str | None = None) -> list[dict]:
    """The plaintext messages emitted to the appid, in emission order (what the receiver decrypts)."""
    queryset = PushEvent.objects.filter(account__appid=appid)
    if event:
        queryset = queryset.filter(event=event)
    return list(queryset.order_by("pk").values_list("payload", flat=True))


def push_deliveries(appid: str) -> list[dict]:
    """Deliveries with their attempts: [{"event", "status", "duplicate", "attempts": [{number, http_status, …}]}]."""
    queryset = PushDelivery.objects.filter(account__appid=appid).select_related("event").prefetch_related("attempts")
    return [
        {
            "event_id": d.event_id,
            "event": d.event.event,
            "status": d.status,
            "duplicate": d.duplicate,
            "next_attempt_at": d.next_attempt_at,
            "attempts": [
                {
                    "number": a.number,
                    "at": a.attempted_at,
                    "http_status": a.http_status,
                    "delivered": a.delivered,
                    "error": a.error,
                }
                for a in d.attempts.all()
            ],
        }
        for d in queryset.order_by("pk")
    ]

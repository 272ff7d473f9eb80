"""优选联盟, merchant side: the shop's 达人 (league/promoter/*, the 2026 talent model) and league/talent/*.

Shop token, 10023000 for bad arguments, 10023007 while the shop's 优选联盟 is off (sandbox.api.league). A talent is
addressed by ``talent_appid``, its 视频号 ``finder_id`` or (old API) ``promoter_id`` (either of the two); the
platform knows every talent of any seeded shop or agency, anything else is 10023001 不合法的finder_id.

- promoter/add invites (status 1, an Invitation of kind ``league_promoter`` the talent answers in the admin or
  with ``manage.py sandbox_invitation``: 2 or 3). A talent already invited or cooperating: 10023000; blacklisted:
  10023001 (UNCONFIRMED both).
- promoter/upd ``type`` 1 取消邀请 (1 → 4) / 2 结束合作 (2 → 5); any other status: 10023000. Plans naming the talent
  are left as they are (UNCONFIRMED).
- promoter/delete: 10 已删除, for a talent neither invited nor cooperating (10023000 otherwise).
- promoter/list/get {status (absent: all but 10), page_index, page_size ≤ 20 (the 2026 review; ≤ 200 before:
  UNCONFIRMED)} → list[{talent_appid, nickname}], total_num, continue_flag; in the order the talents joined.
- promoter/get → talent{base_talent_info, data, feature_info}. The figures are sums of the talent's sales in this
  shop (LeagueSale: its lines paid outside any agency, the line's real_price at payment, refunds not deducted —
  UNCONFIRMED): total_sale_gmv, total_order_num (orders), and the same over the 30 days before the shop clock,
  sale_product_num_30d (products), window_product_num = the shop's products with a plan open to the talent now.
- talent/getproductdatalist {talent_appid, get_data_type (1 all time, 2 sold in the last 30 days; UNCONFIRMED),
  page_index, page_size ≤ 100} → per product (spu_id) its figures and ``talent_commission_info{commission_type
  (the plan type in force, 0 none), ratio (ppm; UNCONFIRMED: SKIT says 十万分数)}``, by total GMV then spu_id.
- talent/update {talent_appid, upd_talent_type 1 拉黑 / 2 取消拉黑 (UNCONFIRMED encoding)}; already so: 10023000.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Q

from sandbox import services
from sandbox.api import params
from sandbox.api.errors import ApiError
from sandbox.api.league import INVALID_TALENT, league_endpoint, page_of, shop_now
from sandbox.api.registry import Call
from sandbox.invitations import KIND_LEAGUE_PROMOTER
from sandbox.lifecycle import PPM_PER_PCT
from sandbox.models import Account, Invitation, LeagueSale, LeagueTalent

DAYS_30 = 30 * 86400
INVITED, ACCEPTED, CANCELLED, ENDED, DELETED = 1, 2, 4, 5, 10


def _key(call: Call) -> str:
    for name in ("talent_appid", "finder_id", "promoter_id", "talent_search_key"):
        value = params.string(call, name)
        if value:
            return value
    raise call.invalid("talent_appid (or finder_id) is required")


def _known(call: Call) -> dict:
    """The talent the request names, as the platform knows it; 10023001 when it knows none."""
    key = _key(call)
    known = known_talent(key)
    if known is None:
        raise ApiError(INVALID_TALENT, f"no talent {key}")
    return known


def known_talent(key: str) -> dict | None:
    """The platform's record of a talent, by appid, 视频号 id or (talent_search_key) nickname: any shop's talent
    row, else an agency's talent."""
    row = (
        LeagueTalent.objects.filter(Q(talent_appid=key) | Q(finder_id=key) | Q(nickname=key))
        .values("talent_appid", "finder_id", "nickname", "head_img", "level")
        .first()
    )
    if row:
        return row
    for catalog in Account.objects.filter(kind=Account.Kind.AGENCY).values_list("catalog", flat=True):
        for talent in catalog.get("promoters", {}).get("talent", []):
            info = talent["info"]
            if key in (info["talent_appid"], info["nickname"]):
                return {"talent_appid": info["talent_appid"], "finder_id": "", "nickname": info["nickname"]}
    return None


def _shop_talent(call: Call, shop: Account | None = None, *, lock: bool = False) -> LeagueTalent:
    key = _key(call)
    queryset = LeagueTalent.objects.filter(shop=shop or call.account).filter(Q(talent_appid=key) | Q(finder_id=key))
    talent = (queryset.select_for_update() if lock else queryset).first()
    if talent is None:
        raise ApiError(INVALID_TALENT, f"{key} is not among the shop's talents")
    return talent


@league_endpoint("/channels/ec/league/promoter/add")
def promoter_add(call: Call) -> dict:
    known, now = _known(call), shop_now(call)
    with transaction.atomic():
        talent, _ = LeagueTalent.objects.select_for_update().get_or_create(
            shop=call.account,
            talent_appid=known["talent_appid"],
            defaults={
                "finder_id": known["finder_id"],
                "nickname": known["nickname"],
                "head_img": known.get("head_img", ""),
                "level": known.get("level", 1),
            },
        )
        if talent.is_blacklisted:
            raise ApiError(INVALID_TALENT, "the talent is blacklisted")
        if talent.status in (INVITED, ACCEPTED):
            raise call.invalid("the talent is already invited or cooperating")
        talent.status, talent.invite_time, talent.update_time = INVITED, now, now
        talent.save()
        Invitation.objects.create(
            kind=KIND_LEAGUE_PROMOTER,
            account=call.account,
            reference=talent.talent_appid,
            create_time=now,
            payload={"talent_appid": talent.talent_appid, "nickname": talent.nickname},
        )
    return {}


@league_endpoint("/channels/ec/league/promoter/upd")
def promoter_upd(call: Call) -> dict:
    kind = params.integer(call, "type", required=True)
    if kind not in (1, 2):
        raise call.invalid("type must be 1 (取消邀请) or 2 (结束合作)")
    now = shop_now(call)
    with transaction.atomic():
        talent = _shop_talent(call, lock=True)
        if talent.status != (INVITED if kind == 1 else ACCEPTED):
            raise call.invalid(f"the talent's status is {talent.status}")
        talent.status, talent.update_time = (CANCELLED if kind == 1 else ENDED), now
        talent.save(update_fields=["status", "update_time"])
        Invitation.objects.filter(
            kind=KIND_LEAGUE_PROMOTER, account=call.account, reference=talent.talent_appid, status="pending"
        ).update(status=Invitation.Status.CANCELLED, decided_time=now)
    return {}


@league_endpoint("/channels/ec/league/promoter/delete")
def promoter_delete(call: Call) -> dict:
    with transaction.atomic():
        talent = _shop_talent(call, lock=True)
        if talent.status in (INVITED, ACCEPTED, DELETED):
            raise call.invalid(f"the talent's status is {talent.status}: cancel or end first")
        talent.status, talent.update_time = DELETED, shop_now(call)
        talent.save(update_fields=["status", "update_time"])
    return {}


@league_endpoint("/channels/ec/league/promoter/list/get")
def promoter_list(call: Call) -> dict:
    queryset = LeagueTalent.objects.filter(shop=call.account)
    status = params.integer(call, "status")
    queryset = queryset.filter(status=status) if status is not None else queryset.exclude(status=DELETED)
    rows = list(queryset.order_by("pk").values_list("talent_appid", "nickname"))
    page, more = page_of(call, rows, high=20)
    return {"list": [{"talent_appid": a, "nickname": n} for a, n in page], **more}


def talent_figures(shop: Account, talent_appid: str, now: int) -> dict[str, dict]:
    """Per product: total_sale_gmv, sale_gmv_30d, total_order_num, order_num_30d (from LeagueSale)."""
    products: dict[str, dict] = defaultdict(lambda: {"gmv": 0, "gmv_30d": 0, "orders": set(), "orders_30d": set()})
    sales = LeagueSale.objects.filter(shop=shop, talent_appid=talent_appid, pay_time__lte=now)
    for product_id, order_id, amount, pay_time in sales.values_list("product_id", "order_id", "amount", "pay_time"):
        figures = products[product_id]
        figures["gmv"] += amount
        figures["orders"].add(order_id)
        if pay_time > now - DAYS_30:
            figures["gmv_30d"] += amount
            figures["orders_30d"].add(order_id)
    return products


@league_endpoint("/channels/ec/league/promoter/get")
def promoter_get(call: Call) -> dict:
    known, now = _known(call), shop_now(call)
    appid = known["talent_appid"]
    row = LeagueTalent.objects.filter(shop=call.account, talent_appid=appid).first()
    products = talent_figures(call.account, appid, now)
    book = services.plan_book(call.account)
    window = [p for p in book.by_product if book.talent_terms(p, appid, now)]
    talent = {
        "base_talent_info": {
            "talent_appid": appid,
            "nickname": known["nickname"],
            "head_img": row.head_img if row else known.get("head_img", ""),
        },
        "data": {
            "total_sale_gmv": sum(f["gmv"] for f in products.values()),
            "sale_gmv_30d": sum(f["gmv_30d"] for f in products.values()),
            "total_order_num": len(set().union(*(f["orders"] for f in products.values()))),
            "order_num_30d": len(set().union(*(f["orders_30d"] for f in products.values()))),
            "sale_product_num_30d": sum(1 for f in products.values() if f["orders_30d"]),
            "window_product_num": len(window),
        },
        "feature_info": {
            "level": row.level if row else known.get("level", 1),
            "is_blacklisted": bool(row and row.is_blacklisted),
        },
    }
    return {"talent": talent}


@league_endpoint("/channels/ec/league/talent/getproductdatalist")
def talent_product_data(call: Call) -> dict:
    known, now = _known(call), shop_now(call)
    data_type = params.integer(call, "get_data_type", default=1)
    if data_type not in (1, 2):
        raise call.invalid("get_data_type must be 1 (all) or 2 (last 30 days)")
    appid = known["talent_appid"]
    products = talent_figures(call.account, appid, now)
    book = services.plan_book(call.account)
    rows = []
    for product_id, f in products.items():
        if data_type == 2 and not f["orders_30d"]:
            continue
        terms = book.talent_terms(product_id, appid, now)
        rows.append(
            {
                "spu_id": product_id,
                "product_data": {
                    "total_sale_gmv": f["gmv"],
                    "sale_gmv_30d": f["gmv_30d"],
                    "total_order_num": len(f["orders"]),
                    "order_num_30d": len(f["orders_30d"]),
                },
                "talent_commission_info": {
                    "commission_type": terms["type"] if terms else 0,
                    "ratio": terms["ratio_pct"] * PPM_PER_PCT if terms else 0,
                },
            }
        )
    rows.sort(key=lambda r: (-r["product_data"]["total_sale_gmv"], r["spu_id"]))
    page, more = page_of(call, rows)
    return {"list": page, **more}


@league_endpoint("/channels/ec/league/talent/update")
def talent_update(call: Call) -> dict:
    kind = params.integer(call, "upd_talent_type", required=True)
    if kind not in (1, 2):
        raise call.invalid("upd_talent_type must be 1 (拉黑) or 2 (取消拉黑)")
    with transaction.atomic():
        talent = _shop_talent(call, lock=True)
        if talent.is_blacklisted == (kind == 1):
            raise call.invalid("the talent is already " + ("blacklisted" if kind == 1 else "not blacklisted"))
        talent.is_blacklisted, talent.update_time = kind == 1, shop_now(call)
        talent.save(update_fields=["is_blacklisted", "update_time"])
    return {}

"""优选联盟, merchant side: promotion plans (league/item/*, item/headsupplier/batchadd, promotion/plan|talent/list).

Shop token; bad arguments answer 10023000, and every path answers 10023007 while the shop's 优选联盟 is off
(Account.league_enabled, the admin or ``manage.py sandbox_league``). Sources: shared/wechat-platform.md §5.1 and
wechat-platform-2026.md B.1 (which wins). A plan is a LeaguePlan; its id is ``promotion_plan_id`` (the 2026 name)
and, for 定向/专属, also ``info_id`` (offline 2026-06-18, still sent); a 普通 plan is addressed by product_id.

Rules (codes from the official batchadd page):
- ``type`` 1 普通 / 2 定向 / 3 专属, else 10023100. ``list`` 1–20 items (more: 10023102), no product twice (10023101),
  ``ratio`` a whole percent 0–90 (10023000). 定向/专属 name 1–30 talents (more: 10023102) by ``talent_appids``,
  ``promoter_ids`` (a talent appid or 视频号 id) or the deprecated ``finder_ids``; 普通 names none.
- Period: ``is_forerver`` true, or ``begin_time`` < ``end_time`` with end_time in the future (10023000); a 普通
  plan given neither runs forever from now. A listed plan shows status 10 待生效 before begin_time and 2 after
  end_time (UNCONFIRMED: the platform's own status after the end).
- Per item (``result_info_list[].errcode``; the other items go ahead): 10023103 no such product, 10023104 not on
  sale in the shop (product status 5), 10023105 普通/定向 and 专属 are mutually exclusive for a product (any plan not
  deleted), 10023106 a 定向 plan needs the product's 普通 plan listed, 10023001 a talent unknown, not cooperating
  (status 2) or blacklisted — or already named by another 定向/专属 plan of the product (UNCONFIRMED: keeps one
  targeted plan per talent and product, so the plan in force is never ambiguous) — with the failed ids in
  ``fail_talent_appids`` / ``fail_promoter_ids`` / ``fail_finder_ids``; the item is then not added. A second 普通
  plan for a product answers 10023000 (use item/upd; UNCONFIRMED).
Every change writes the plan's terms history (sandbox.services.plan_change): payments are charged with the terms
in force when they are paid.
"""

import functools
import hashlib

from django.db import transaction

from sandbox import services
from sandbox.api import params
from sandbox.api.errors import ApiError
from sandbox.api.registry import Call, endpoint
from sandbox.lifecycle import AGENCY_PLAN, PPM_PER_PCT
from sandbox.models import Account, AgencyItem, Cooperation, LeaguePlan, LeagueTalent, Product
from sandbox.push import event_emit

PARAM, INVALID_TALENT, NOT_ENABLED = 10023000, 10023001, 10023007
BAD_TYPE, DUPLICATE, OVER_LIMIT, NO_PRODUCT, NOT_LISTED, EXCLUSIVE, NEEDS_OPEN = range(10023100, 10023107)
MAX_ITEMS, MAX_TALENTS, MAX_RATIO = 20, 30, 90
LISTED, DELISTED, DELETED, PENDING = 1, 2, 4, 10
ON_SALE = 5  # product status 上架
TALENT_FIELDS = (("talent_appids", "fail_talent_appids"), ("promoter_ids", "fail_promoter_ids"))
FINDER_FIELD = ("finder_ids", "fail_finder_ids")


def league_endpoint(path: str):
    """A merchant league API: 10023000 for bad arguments, 10023007 while the shop's 优选联盟 is off."""

    def register(handler):
        @functools.wraps(handler)
        def checked(call: Call) -> dict:
            if not call.account.league_enabled:
                raise ApiError(NOT_ENABLED)
            return handler(call)

        return endpoint(path, param_error=PARAM)(checked)

    return register


def shop_now(call: Call) -> int:
    """League times follow the shop's simulated clock (orders are paid on it)."""
    return call.account.clock if call.account.clock is not None else call.now


class Refused(Exception):
    """One item refused: its result entry carries ``errcode`` (and the failed talent ids)."""

    def __init__(self, errcode: int, detail: str = "", failed: dict | None = None):
        super().__init__(errcode, detail)
        self.errcode, self.detail, self.failed = errcode, detail, failed or {}


# --- reading arguments --------------------------------------------------------------------------------------------


def plan_type(call: Call, *, source=None) -> int:
    value = params.integer(call, "type", required=True, source=source)
    if value not in (1, 2, 3):
        raise ApiError(BAD_TYPE, "type must be 1 (普通), 2 (定向) or 3 (专属)")
    return value


def id_list(call: Call, key: str, *, source: dict | None = None) -> list[str]:
    value = (call.body if source is None else source).get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
        raise call.invalid(f"{key} must be an array of ids")
    return list(dict.fromkeys(str(v) for v in value if str(v)))


def named_talents(call: Call, *, source: dict | None = None, prefix: str = "") -> dict[str, list[str]]:
    """The talent ids a request names, per field (``prefix`` "add_"/"del_" for item/upd's exclusive_info)."""
    fields = [name for name, _ in (*TALENT_FIELDS, FINDER_FIELD)]
    return {name: ids for name in fields if (ids := id_list(call, prefix + name, source=source))}


def period(call: Call, *, now: int, source: dict | None = None, default_forever: bool) -> tuple[int, int | None]:
    """(begin_time, end_time or None for 长期有效) from begin_time/end_time/is_forerver (sic)."""
    body = call.body if source is None else source
    forever = body.get("is_forerver")
    if forever not in (None, True, False, 0, 1):
        raise call.invalid("is_forerver must be a boolean")
    begin = params.integer(call, "begin_time", low=0, source=body)
    end = params.integer(call, "end_time", low=0, source=body)
    if forever or (forever is None and begin is None and end is None and default_forever):
        return (begin if begin is not None else now), None
    if begin is None or end is None:
        raise call.invalid("begin_time and end_time are required unless is_forerver")
    if end <= begin or end <= now:
        raise call.invalid("end_time must be after begin_time and in the future")
    return begin, end


# --- the shop's data -------------------------------------------------------------------------------------------


def product_refusal(shop: Account, product_id: str) -> Refused | None:
    status = Product.objects.filter(shop=shop, product_id=product_id).values_list("status", flat=True).first()
    if status is None:
        return Refused(NO_PRODUCT, f"product {product_id} does not exist")
    if status != ON_SALE:
        return Refused(NOT_LISTED, f"product {product_id} is not on sale in the shop")
    return None


def talents_resolve(shop: Account, named: dict[str, list[str]]) -> tuple[list[str], dict[str, list[str]]]:
    """The named talents as appids of the shop's cooperating, not blacklisted talents; and the ids that are not
    (per fail field). ``talent_appids`` are appids, ``finder_ids`` 视频号 ids, ``promoter_ids`` either."""
    rows = LeagueTalent.objects.filter(shop=shop, status=2, is_blacklisted=False)
    by_appid = dict(rows.values_list("talent_appid", "talent_appid"))
    by_finder = dict(rows.exclude(finder_id="").values_list("finder_id", "talent_appid"))
    lookups = {
        "talent_appids": (by_appid,),
        "finder_ids": (by_finder,),
        "promoter_ids": (by_appid, by_finder),
    }
    fail_names = dict((*TALENT_FIELDS, FINDER_FIELD))
    appids, failed = [], {}
    for field_name, ids in named.items():
        for raw in ids:
            appid = next((table[raw] for table in lookups[field_name] if raw in table), None)
            if appid is None:
                failed.setdefault(fail_names[field_name], []).append(raw)
            elif appid not in appids:
                appids.append(appid)
    return appids, failed


def live_plans(shop: Account, product_id: str):
    return LeaguePlan.objects.filter(shop=shop, product_id=product_id).exclude(status=DELETED).exclude(type=AGENCY_PLAN)


def open_plan_listed(shop: Account, product_id: str, now: int) -> bool:
    plan = live_plans(shop, product_id).filter(type=1).first()
    return plan is not None and display_status(plan, now) == LISTED


def display_status(plan: LeaguePlan, now: int) -> int:
    """The status the API shows: a listed plan is 10 待生效 before its begin_time and 2 once its end_time passed."""
    if plan.status != LISTED:
        return plan.status
    if now < plan.begin_time:
        return PENDING
    if plan.end_time is not None and now > plan.end_time:
        return DELISTED
    return LISTED


def new_plan_id(shop: Account, product_id: str, now: int) -> str:
    """A 16-digit promotion_plan_id, deterministic for the same sequence of calls."""
    n = LeaguePlan.objects.filter(shop=shop).count()
    digest = hashlib.sha1(f"plan:{shop.appid}:{product_id}:{now}:{n}".encode()).hexdigest()
    return str(10**15 + int(digest, 16) % (9 * 10**15))


def lock_shop(call: Call) -> Account:
    """Plan changes of one shop are serialised (the exclusivity checks read what the others write)."""
    return Account.objects.select_for_update().get(pk=call.account.pk)


def item_result(product_id: str, plan: LeaguePlan | None = None, refused: Refused | None = None) -> dict:
    result = {
        "errcode": refused.errcode if refused else 0,
        "errmsg": ApiError(refused.errcode, refused.detail).errmsg if refused else "ok",
        "product_id": product_id,
        "info_id": plan.plan_id if plan is not None and plan.type in (2, 3) else "",
        "promotion_plan_id": plan.plan_id if plan is not None else "",
    }
    for _, fail in (*TALENT_FIELDS, FINDER_FIELD):
        result[fail] = refused.failed.get(fail, []) if refused else []
    return result


def targeted_conflicts(shop: Account, product_id: str, appids: list[str], *, excluding: int | None = None) -> set:
    """Talents already named by another live 定向/专属 plan of the product."""
    taken = set()
    for plan in live_plans(shop, product_id).filter(type__in=(2, 3)).exclude(pk=excluding):
        taken |= set(plan.talents) & set(appids)
    return taken


def _failed_for(named: dict[str, list[str]], appids: set, shop: Account) -> dict[str, list[str]]:
    """The request ids (per fail field) that stand for the talents in ``appids``."""
    rows = LeagueTalent.objects.filter(shop=shop, talent_appid__in=appids)
    finder_of = dict(rows.values_list("talent_appid", "finder_id"))
    fail_names = dict((*TALENT_FIELDS, FINDER_FIELD))
    failed = {}
    for field_name, ids in named.items():
        hits = [raw for raw in ids if raw in appids or raw in {finder_of.get(a) for a in appids}]
        if hits:
            failed[fail_names[field_name]] = hits
    return failed


# --- item/batchadd ---------------------------------------------------------------------------------------------


@league_endpoint("/channels/ec/league/item/batchadd")
def item_batchadd(call: Call) -> dict:
    type_ = plan_type(call)
    items = call.body.get("list")
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise call.invalid("list must be a non-empty array of {product_id, ratio}")
    if len(items) > MAX_ITEMS:
        raise ApiError(OVER_LIMIT, f"at most {MAX_ITEMS} items")
    wanted = [
        (
            params.platform_id(call, "product_id", source=item),
            params.integer(call, "ratio", required=True, low=0, high=MAX_RATIO, source=item),
        )
        for item in items
    ]
    if len({product_id for product_id, _ in wanted}) != len(wanted):
        raise ApiError(DUPLICATE)
    named = named_talents(call)
    count = len({raw for ids in named.values() for raw in ids})
    if type_ == 1 and count:
        raise call.invalid("a 普通 plan names no talents")
    if type_ in (2, 3) and not count:
        raise call.invalid("a 定向/专属 plan names its talents (talent_appids or promoter_ids)")
    if count > MAX_TALENTS:
        raise ApiError(OVER_LIMIT, f"at most {MAX_TALENTS} talents")
    now = shop_now(call)
    begin, end = period(call, now=now, default_forever=type_ == 1)
    results = []
    with transaction.atomic():
        shop = lock_shop(call)
        appids, failed = talents_resolve(shop, named)
        for product_id, ratio in wanted:
            try:
                _item_check(shop, type_, product_id, now, named, appids, failed)
            except Refused as refused:
                results.append(item_result(product_id, refused=refused))
                continue
            plan = services.plan_create(
                shop=shop,
                now=now,
                plan_id=new_plan_id(shop, product_id, now),
                type=type_,
                product_id=product_id,
                ratio_pct=ratio,
                talents=appids,
                begin_time=begin,
                end_time=end,
            )
            results.append(item_result(product_id, plan))
    return {"result_info_list": results}


def _item_check(shop, type_, product_id, now, named, appids, failed) -> None:
    refusal = product_refusal(shop, product_id)
    if refusal:
        raise refusal
    plans = live_plans(shop, product_id)
    exclusive = plans.filter(type=3).exists()
    if (type_ == 3 and plans.filter(type__in=(1, 2)).exists()) or (type_ in (1, 2) and exclusive):
        raise Refused(EXCLUSIVE, "普通/定向 and 专属 plans are mutually exclusive for a product")
    if type_ == 2 and not open_plan_listed(shop, product_id, now):
        raise Refused(NEEDS_OPEN, "the product's 普通 plan is not listed")
    if type_ == 1 and plans.filter(type=1).exists():
        raise Refused(PARAM, "the product already has a 普通 plan: change it with item/upd")
    if failed:
        raise Refused(INVALID_TALENT, "unknown, not cooperating or blacklisted talents", failed)
    taken = targeted_conflicts(shop, product_id, appids)
    if taken:
        raise Refused(
            INVALID_TALENT, "talents already in another 定向/专属 plan of the product", _failed_for(named, taken, shop)
        )


# --- item/upd, item/delete, item/get, item/list/get ---------------------------------------------------------------


def plan_for(call: Call, type_: int, *, shop: Account | None = None, with_deleted: bool = False) -> LeaguePlan:
    """The plan a request addresses: 普通 by product_id, 定向/专属 by promotion_plan_id or info_id. Unknown: 10023103
    for a product without that plan, 10023000 for an unknown plan id."""
    queryset = LeaguePlan.objects.filter(shop=shop or call.account, type=type_)
    if not with_deleted:
        queryset = queryset.exclude(status=DELETED)
    plan_id = params.platform_id(call, "promotion_plan_id", required=False) or params.platform_id(
        call, "info_id", required=False
    )
    if type_ == 1 and not plan_id:
        product_id = params.platform_id(call, "product_id")
        plans = queryset.filter(product_id=product_id).order_by("-pk")
        plan = plans.exclude(status=DELETED).first() or plans.first()
        if plan is None:
            raise ApiError(NO_PRODUCT, f"product {product_id} has no 普通 plan")
        return plan
    if not plan_id:
        raise call.invalid("promotion_plan_id (or info_id) is required for 定向/专属 plans")
    plan = queryset.filter(plan_id=plan_id).first()
    if plan is None:
        raise call.invalid(f"no plan {plan_id}")
    return plan


@league_endpoint("/channels/ec/league/item/upd")
def item_upd(call: Call) -> dict:
    """operate_type 1 编辑并上架 (``ratio`` required; 定向/专属 may change talents and period in ``exclusive_info``),
    2 下架, 4 上架. Listing needs the product on sale (10023104) and, for 定向, its 普通 plan listed (10023106)."""
    type_ = plan_type(call)
    operate = params.integer(call, "operate_type", required=True)
    if operate not in (1, 2, 4):
        raise call.invalid("operate_type must be 1 (编辑并上架), 2 (下架) or 4 (上架)")
    now = shop_now(call)
    with transaction.atomic():
        shop = lock_shop(call)
        plan = plan_for(call, type_, shop=shop)
        changes: dict = {"status": DELISTED if operate == 2 else LISTED}
        if operate == 1:
            changes.update(_edits(call, shop, plan, now))
        if operate in (1, 4):
            refusal = product_refusal(shop, plan.product_id)
            if refusal:
                raise ApiError(refusal.errcode, refusal.detail)
            if type_ == 2 and not open_plan_listed(shop, plan.product_id, now):
                raise ApiError(NEEDS_OPEN)
        services.plan_change(plan=plan, now=now, **changes)
    return {"info_id": plan.plan_id if type_ in (2, 3) else "", "promotion_plan_id": plan.plan_id}


def _edits(call: Call, shop: Account, plan: LeaguePlan, now: int) -> dict:
    edits = {"ratio_pct": params.integer(call, "ratio", required=True, low=0, high=MAX_RATIO)}
    info = call.body.get("exclusive_info")
    if info is None:
        return edits
    if not isinstance(info, dict):
        raise call.invalid("exclusive_info must be an object")
    if plan.type == 1:
        raise call.invalid("exclusive_info applies to 定向/专属 plans")
    if any(key in info for key in ("begin_time", "end_time", "is_forerver")):
        edits["begin_time"], edits["end_time"] = period(call, now=now, source=info, default_forever=False)
    added, removed = named_talents(call, source=info, prefix="add_"), named_talents(call, source=info, prefix="del_")
    add_appids, failed = talents_resolve(shop, added)
    if failed:
        raise ApiError(
            INVALID_TALENT, "unknown, not cooperating or blacklisted: " + ", ".join(sum(failed.values(), []))
        )
    if targeted_conflicts(shop, plan.product_id, add_appids, excluding=plan.pk):
        raise ApiError(INVALID_TALENT, "talents already in another 定向/专属 plan of the product")
    gone = _removed_appids(shop, removed)
    talents = [a for a in plan.talents if a not in gone] + [a for a in add_appids if a not in plan.talents]
    if len(talents) > MAX_TALENTS:
        raise ApiError(OVER_LIMIT, f"at most {MAX_TALENTS} talents")
    if not talents:
        raise call.invalid("a 定向/专属 plan keeps at least one talent")
    edits["talents"] = talents
    return edits


def _removed_appids(shop: Account, removed: dict[str, list[str]]) -> set[str]:
    ids = {raw for raw_ids in removed.values() for raw in raw_ids}
    rows = LeagueTalent.objects.filter(shop=shop).values_list("talent_appid", "finder_id")
    return {appid for appid, finder_id in rows if appid in ids or finder_id in ids} | ids


@league_endpoint("/channels/ec/league/item/delete")
def item_delete(call: Call) -> dict:
    """The plan goes to 4 已删除; its terms end now."""
    type_ = plan_type(call)
    with transaction.atomic():
        plan = plan_for(call, type_, shop=lock_shop(call))
        services.plan_change(plan=plan, now=shop_now(call), status=DELETED)
    return {}


@league_endpoint("/channels/ec/league/item/get")
def item_get(call: Call) -> dict:
    """``item{product_id, type, status, ratio, promotion_plan_id, exclusive_info, ext_info}``; with need_relation
    the 定向/专属 talents are paged (page_index ≥ 1, page_size ≤ 50, required then) in ``promoter_info_list``
    (promoter_id = the 视频号 id), ``finder_info_list`` and ``talent_info_list`` (UNCONFIRMED name; the 2026 key),
    ``total_num`` with need_total_num. A deleted plan still answers, with status 4."""
    type_ = plan_type(call)
    plan = plan_for(call, type_, with_deleted=True)
    now = shop_now(call)
    status = Product.objects.filter(shop=call.account, product_id=plan.product_id).values_list("status", flat=True)
    item = {
        "product_id": plan.product_id,
        "type": plan.type,
        "status": display_status(plan, now),
        "ratio": plan.ratio_pct,
        "promotion_plan_id": plan.plan_id,
        "ext_info": {"is_sale_forbidden": status.first() != ON_SALE, "is_banned": False},
    }
    answer = {"item": item}
    if type_ in (2, 3):
        window = {"begin_time": plan.begin_time, "end_time": plan.end_time or 0, "is_forerver": plan.is_forever}
        info = {"info_id": plan.plan_id, "promotion_plan_id": plan.plan_id, "finder_num": len(plan.talents), **window}
        if params.boolean(call, "need_relation"):
            index = params.integer(call, "page_index", default=1, low=1)
            size = params.page_size(call, high=50, required=True)
            page = plan.talents[(index - 1) * size : index * size]
            talents = {t.talent_appid: t for t in LeagueTalent.objects.filter(shop=call.account, talent_appid__in=page)}
            rows = [talents.get(a) for a in page]
            info["promoter_info_list"] = [
                {"promoter_id": t.finder_id if t else a, **window} for a, t in zip(page, rows, strict=True)
            ]
            info["finder_info_list"] = [{"finder_id": t.finder_id if t else "", **window} for t in rows]
            info["talent_info_list"] = [
                {"talent_appid": a, "nickname": t.nickname if t else "", **window}
                for a, t in zip(page, rows, strict=True)
            ]
        item["exclusive_info"] = info
    if params.boolean(call, "need_total_num"):
        answer["total_num"] = len(plan.talents)
    return answer


@league_endpoint("/channels/ec/league/item/list/get")
def item_list(call: Call) -> dict:
    """Plans of ``type`` that are not deleted, oldest first; filters product_id and a talent (promoter_id,
    finder_id or talent_appid). page_size ≤ 100; ``last_buffer`` (the last plan seen) overrides page_index."""
    type_ = plan_type(call)
    size = params.page_size(call, high=100)
    queryset = LeaguePlan.objects.filter(shop=call.account, type=type_).exclude(status=DELETED)
    product_id = params.platform_id(call, "product_id", required=False)
    if product_id:
        queryset = queryset.filter(product_id=product_id)
    talent = (
        params.string(call, "talent_appid") or params.string(call, "promoter_id") or params.string(call, "finder_id")
    )
    if talent:
        row = LeagueTalent.objects.filter(shop=call.account, finder_id=talent).values_list("talent_appid", flat=True)
        wanted = {talent, *row}
        queryset = queryset.filter(pk__in=[p.pk for p in queryset if wanted & set(p.talents)])
    total = queryset.count()
    buffer = call.body.get("last_buffer") or ""
    if buffer:
        after = params.decode_key(call, 1, key="last_buffer")
        page = list(queryset.filter(pk__gt=after[0]).order_by("pk")[: size + 1])
    else:
        index = params.integer(call, "page_index", default=1, low=1)
        page = list(queryset.order_by("pk")[(index - 1) * size : index * size + 1])
    has_more, page = len(page) > size, page[:size]
    answer = {
        "items": [
            {
                "product_id": p.product_id,
                "info_id": p.plan_id if type_ in (2, 3) else "",
                "promotion_plan_id": p.plan_id,
            }
            for p in page
        ],
        "has_more": has_more,
        "last_buffer": params.encode_key(page[-1].pk) if page else buffer,
    }
    if params.boolean(call, "need_total_num", default=True):
        answer["total_num"] = total
    return answer


# --- agency plans ----------------------------------------------------------------------------------------------


@league_endpoint("/channels/ec/league/item/headsupplier/batchadd")
def headsupplier_batchadd(call: Call) -> dict:
    """Promote products through an agency (机构): ``headsupplier_appid`` must be an agency cooperating with the
    shop (status 2), else 10023000 (UNCONFIRMED code); ``list[{product_id, ratio, service_ratio, commission_type}]``
    (≤ 20, whole percents 0–90; commission_type UNCONFIRMED, any integer ≥ 0 is kept), period as for items.
    Per item: 10023103 / 10023104. A product already promoted through that agency gets new terms. The agency sees
    the item (headsupplier item/list/get, item/get) and is pushed head_supplier_item_update (event_type 1 新增 /
    2 更新)."""
    appid = params.string(call, "headsupplier_appid", required=True)
    items = call.body.get("list")
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        raise call.invalid("list must be a non-empty array")
    if len(items) > MAX_ITEMS:
        raise ApiError(OVER_LIMIT, f"at most {MAX_ITEMS} items")
    wanted = [
        {
            "product_id": params.platform_id(call, "product_id", source=item),
            "ratio_pct": params.integer(call, "ratio", required=True, low=0, high=MAX_RATIO, source=item),
            "service_ratio_pct": params.integer(
                call, "service_ratio", required=True, low=0, high=MAX_RATIO, source=item
            ),
            "commission_type": params.integer(call, "commission_type", default=0, low=0, source=item),
        }
        for item in items
    ]
    if len({w["product_id"] for w in wanted}) != len(wanted):
        raise ApiError(DUPLICATE)
    now = shop_now(call)
    begin, end = period(call, now=now, default_forever=True)
    results = []
    with transaction.atomic():
        shop = lock_shop(call)
        cooperation = Cooperation.objects.filter(shop=shop, agency__appid=appid, status=2).select_related("agency")
        agency = cooperation.first().agency if cooperation.exists() else None
        if agency is None:
            raise call.invalid(f"{appid} is not an agency cooperating with the shop")
        for w in wanted:
            refusal = product_refusal(shop, w["product_id"])
            if refusal:
                results.append(
                    {
                        "errcode": refusal.errcode,
                        "errmsg": ApiError(refusal.errcode).errmsg,
                        "product_id": w["product_id"],
                        "promotion_plan_id": "",
                    }
                )
                continue
            plan = _agency_plan_set(shop, agency, w, begin, end, now)
            results.append(
                {"errcode": 0, "errmsg": "ok", "product_id": w["product_id"], "promotion_plan_id": plan.plan_id}
            )
    return {"result_info_list": results}


def _agency_plan_set(shop: Account, agency: Account, wanted: dict, begin: int, end: int | None, now: int) -> LeaguePlan:
    fields = {**wanted, "begin_time": begin, "end_time": end}
    plan = (
        LeaguePlan.objects.filter(shop=shop, agency=agency, type=AGENCY_PLAN, product_id=wanted["product_id"])
        .exclude(status=DELETED)
        .first()
    )
    if plan is None:
        plan = services.plan_create(
            shop=shop,
            now=now,
            plan_id=new_plan_id(shop, wanted["product_id"], now),
            agency=agency,
            type=AGENCY_PLAN,
            talents=[],
            **fields,
        )
        event_type = 1
    else:
        services.plan_change(plan=plan, now=now, status=LISTED, **fields)
        event_type = 2
    product = Product.objects.get(shop=shop, product_id=wanted["product_id"])
    ratio, service = wanted["ratio_pct"] * PPM_PER_PCT, wanted["service_ratio_pct"] * PPM_PER_PCT
    payload = services.agency_item_payload(
        shop=shop,
        product=product.payload,
        agency_appid=agency.appid,
        ratio_ppm=ratio,
        service_ratio_ppm=service,
        start_time=begin,
        end_time=end,
    )
    AgencyItem.objects.update_or_create(
        agency=agency,
        shop=shop,
        product_id=wanted["product_id"],
        defaults={
            "status": 1,
            "ratio_ppm": ratio,
            "service_ratio_ppm": service,
            "update_time": now,
            "payload": payload,
        },
    )
    event_emit(
        account=agency,
        event="head_supplier_item_update",
        create_time=now,
        body={
            "item_info": {
                "event_type": event_type,
                "appid": shop.appid,
                "product_id": wanted["product_id"],
                "version": plan.terms.count(),
                "update_fields": ["commission_ratio", "service_ratio", "status", "active_time"],
            }
        },
    )
    return plan


# --- the 2026 plan lists -------------------------------------------------------------------------------------------


def page_of(call: Call, rows: list, *, high: int = 100) -> tuple[list, dict]:
    """page_index (from 1) / page_size paging of an in-memory list: (page, {total_num, continue_flag})."""
    index = params.integer(call, "page_index", default=1, low=1)
    size = params.page_size(call, high=high)
    page = rows[(index - 1) * size : index * size]
    return page, {"total_num": len(rows), "continue_flag": index * size < len(rows)}


@league_endpoint("/channels/ec/league/promotion/plan/list")
def promotion_plan_list(call: Call) -> dict:
    """{product_id, promotion_plan_type, page_index, page_size ≤ 100 (UNCONFIRMED cap)} → list[{promotion_plan_id,
    promotion_plan_type}] of the plans not deleted (agency plans are not among them), oldest first."""
    queryset = LeaguePlan.objects.filter(shop=call.account, type__in=(1, 2, 3)).exclude(status=DELETED)
    product_id = params.platform_id(call, "product_id", required=False)
    if product_id:
        queryset = queryset.filter(product_id=product_id)
    kind = params.integer(call, "promotion_plan_type")
    if kind is not None:
        queryset = queryset.filter(type=kind)
    rows = list(queryset.order_by("pk").values_list("plan_id", "type"))
    page, more = page_of(call, rows)
    return {"list": [{"promotion_plan_id": p, "promotion_plan_type": t} for p, t in page], **more}


@league_endpoint("/channels/ec/league/promotion/talent/list")
def promotion_talent_list(call: Call) -> dict:
    """The talents promoting a product's plans: a 定向/专属 plan's named talents, and for a 普通 plan the shop's
    cooperating, not blacklisted talents (UNCONFIRMED: whom the platform lists for an open plan). Filters
    product_id, promotion_plan_id, talent_appid. ``commission_info.ratio`` in ppm (UNCONFIRMED: SKIT says 万分数,
    as it wrongly does for the agency ratios, which are ppm)."""
    queryset = LeaguePlan.objects.filter(shop=call.account, type__in=(1, 2, 3)).exclude(status=DELETED)
    product_id = params.platform_id(call, "product_id", required=False)
    if product_id:
        queryset = queryset.filter(product_id=product_id)
    plan_id = params.platform_id(call, "promotion_plan_id", required=False)
    if plan_id:
        queryset = queryset.filter(plan_id=plan_id)
    only = params.string(call, "talent_appid")
    talents = {t.talent_appid: t for t in LeagueTalent.objects.filter(shop=call.account)}
    open_to = [a for a, t in talents.items() if t.status == 2 and not t.is_blacklisted]
    rows = []
    for plan in queryset.order_by("pk"):
        for appid in plan.talents if plan.type in (2, 3) else open_to:
            if only and appid != only:
                continue
            talent = talents.get(appid)
            rows.append(
                {
                    "base_talent_info": {
                        "talent_appid": appid,
                        "nickname": talent.nickname if talent else "",
                        "head_img": talent.head_img if talent else "",
                    },
                    "commission_info": {
                        "promotion_plan_id": plan.plan_id,
                        "promotion_plan_type": plan.type,
                        "ratio": plan.ratio_pct * PPM_PER_PCT,
                    },
                    "talent_relation_status": talent.status if talent else 0,
                }
            )
    page, more = page_of(call, rows)
    return {"list": page, **more}

"""Writes for promotion plans (推广计划) in 优选联盟: 普通 (open to every talent, one ratio), 定向 and 专属 (chosen
talents), agency plans (headsupplier batchadd), and the sync that reads the platform's plans into ShopOps.

Every platform rule is checked here BEFORE the call, with the platform's meaning and a stable code, and the same
input is refused by the platform with the errcode in brackets (wechat-platform.md §5.1, 2026 §B.1):

- ``ratio_out_of_range`` [10023000]: a commission or service ratio is a whole percent from 0 to 90;
- ``no_products`` [10023000], ``too_many_products`` [10023102]: 1 to 20 products per batch;
- ``duplicate_product`` [10023101]: a product once per batch;
- ``unknown_product`` [10023103]: the product is in the shop's synced catalogue;
- ``product_not_listed`` [10023104]: the product is on sale (status 5);
- ``exclusive_conflict`` [10023105]: a 专属 plan excludes 普通 and 定向 plans of the same product, both ways;
- ``normal_plan_not_listed`` [10023106]: a 定向 plan is listed only while the product's 普通 plan is listed;
- ``talents_required`` [10023000], ``too_many_talents`` [10023102]: 定向 and 专属 name 1 to 30 talents;
- ``invalid_talent`` [10023001]: each talent is one of the shop's, cooperating, not blacklisted;
- ``talent_in_other_plan`` [10023001]: a talent is named by one live 定向/专属 plan of a product at most (the
  emulator's reading, UNCONFIRMED on the platform: the plan in force for a talent's sale is never ambiguous);
- ``plan_exists`` [10023000]: a product has one 普通 plan (edit it instead);
- ``agency_not_cooperating`` [10023000]: an agency plan is offered to an agency cooperating with the shop
  (status 2); offering a product again to the same agency replaces its terms, as the platform does;
- ``period_invalid`` [10023000]: without "no end date" the plan has a start and an end after it, in the future.

Rules of ShopOps's own (no platform code): ``not_editable`` (agency plans and deleted plans have no
edit/delist/relist/delete API), ``wrong_status`` (delist a listed plan, relist a delisted one). A platform refusal
that slips through is shown verbatim (errcode + errmsg) with the code of affiliates.services.league; a batch that
the platform accepts in part keeps the items that succeeded and reports each failed one with its errcode and
errmsg.

Terms. Every change of a plan — create, edit, delist, relist, delete, and any change seen by ``plans_sync`` —
closes the plan's terms rows still in force and opens one with the new terms, in the same transaction
(``_terms_record``). A row covers [valid_from, valid_to): a plan with a period starts its listed row at the
period's start and ends it a second after the period's end (its last second included), so "the terms in force at
t" is always ``valid_from ≤ t < valid_to`` (valid_to None: open-ended); a delisted or deleted plan opens a row
with ``listed`` False. Row changes of plans are recorded by django-auditlog with the request's user; terms rows
are not (they are derived).

Platform calls are made outside transactions (affiliates.services.league.league_session); what the platform
accepted is then stored atomically.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from affiliates.models import Cooperation, PlanTerms, PromotionPlan, Talent
from affiliates.services.league import MEANINGS, REFUSAL_CODES, league_session
from shopops.models import Product, Shop
from shopops.money import PPM_PER_PERCENT
from shopops.wechat.types import as_bool, as_dict, as_id, as_int, as_list, as_str, platform_time

Type = PromotionPlan.Type
Status = PromotionPlan.Status

MAX_RATIO_PERCENT = 90
MAX_PRODUCTS = 20
MAX_TALENTS = 30
PRODUCT_ON_SALE = 5  # shopops.selectors.catalog.ProductStatus.LISTED
# Statuses in which a plan still exists on the platform (anything but deleted): what the 专属 exclusion looks at.
EXISTING = (Status.LISTED, Status.DELISTED, Status.BELOW_THRESHOLD, Status.PENDING)
# Statuses whose terms apply to orders (a pending plan from its start time).
IN_FORCE = (Status.LISTED, Status.PENDING)
END_INCLUSIVE = timedelta(seconds=1)
# item/upd operate_type (2026 §B.1, confirmed): 1 edit and list, 2 delist, 4 list.
OPERATE_EDIT, OPERATE_DELIST, OPERATE_RELIST = 1, 2, 4


@dataclass(frozen=True)
class PlanItem:
    """One product of a batch with its commission ratio (whole percent); ``service_ratio_percent`` for agency
    plans only."""

    product_id: str
    ratio_percent: int
    service_ratio_percent: int | None = None


@dataclass(frozen=True)
class Period:
    """When a plan is in force: ``forever`` (no end date, from now or ``begin_time``) or ``begin_time`` to
    ``end_time``."""

    begin_time: datetime | None = None
    end_time: datetime | None = None
    forever: bool = True


@dataclass(frozen=True)
class ItemFailure:
    """A product the platform refused within a batch it otherwise accepted."""

    product_id: str
    errcode: int
    errmsg: str
    code: str
    message: str


@dataclass
class BatchResult:
    created: list[PromotionPlan] = field(default_factory=list)
    failed: list[ItemFailure] = field(default_factory=list)


# --- pre-checks (each one a platform rule, refused before any call) ------------------------------------------------


def _refuse(field_name: str | None, message, code: str, **params) -> ValidationError:
    error = ValidationError(message, code=code, params=params or None)
    return ValidationError({field_name: error}) if field_name else error


def check_ratio(value: int | None, *, field_name: str = "ratio_percent", product_id: str = "") -> None:
    """A commission or service ratio is a whole percent from 0 to 90."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RATIO_PERCENT:
        message = (
            _("Product %(product_id)s: a ratio is a whole percent from 0 to %(max)s.")
            if product_id
            else _("A ratio is a whole percent from 0 to %(max)s.")
        )
        raise _refuse(field_name, message, "ratio_out_of_range", max=MAX_RATIO_PERCENT, product_id=product_id)


def check_period(period: Period) -> None:
    """Without "no end date" a plan needs a start and an end after it."""
    if period.forever:
        return
    if period.begin_time is None or period.end_time is None:
        raise _refuse("end_time", _("Give the plan a start and an end, or choose no end date."), "period_invalid")
    if period.end_time <= period.begin_time:
        raise _refuse("end_time", _("The plan must end after it starts."), "period_invalid")
    if period.end_time <= timezone.now():
        raise _refuse("end_time", _("The plan must end in the future."), "period_invalid")


def check_items(items: Sequence[PlanItem], *, agency: bool = False) -> None:
    if not items:
        raise _refuse("items", _("Add at least one product."), "no_products")
    if len(items) > MAX_PRODUCTS:
        raise _refuse(
            "items",
            _("At most %(max)s products at a time; this batch has %(count)s."),
            "too_many_products",
            max=MAX_PRODUCTS,
            count=len(items),
        )
    seen = set()
    for item in items:
        if item.product_id in seen:
            raise _refuse(
                "items",
                _("Product %(product_id)s is in the batch twice."),
                "duplicate_product",
                product_id=item.product_id,
            )
        seen.add(item.product_id)
        check_ratio(item.ratio_percent, field_name="items", product_id=item.product_id)
        if agency:
            check_ratio(item.service_ratio_percent, field_name="items", product_id=item.product_id)


def check_products_on_sale(*, shop: Shop, product_ids: Iterable[str]) -> None:
    """Each product is in the shop's synced catalogue and on sale."""
    product_ids = list(product_ids)
    statuses = dict(
        Product.objects.filter(shop=shop, product_id__in=product_ids, deleted=False).values_list("product_id", "status")
    )
    for product_id in product_ids:
        if product_id not in statuses:
            raise _refuse(
                "items",
                _("Product %(product_id)s is not in the shop's catalogue (sync the products if it is new)."),
                "unknown_product",
                product_id=product_id,
            )
        if statuses[product_id] != PRODUCT_ON_SALE:
            raise _refuse(
                "items",
                _("Product %(product_id)s is not on sale in the shop: put it on sale first."),
                "product_not_listed",
                product_id=product_id,
            )


def check_exclusion(*, shop: Shop, type: int, product_ids: Iterable[str]) -> None:
    """A 专属 plan excludes the 普通 and 定向 plans of the same product, and the reverse (deleted plans aside)."""
    others = (Type.NORMAL, Type.TARGETED) if type == Type.EXCLUSIVE else (Type.EXCLUSIVE,)
    conflict = (
        PromotionPlan.objects.filter(
            shop=shop, product_id__in=list(product_ids), type__in=others, status__in=EXISTING, headsupplier_appid=""
        )
        .order_by("product_id")
        .first()
    )
    if conflict:
        raise _refuse(
            "items",
            _(
                "Product %(product_id)s already has a %(other)s plan: an exclusive plan cannot exist beside an open "
                "or targeted plan of the same product. Delete that plan first."
            ),
            "exclusive_conflict",
            product_id=conflict.product_id,
            other=conflict.get_type_display(),
        )


def check_normal_listed(*, shop: Shop, product_ids: Iterable[str]) -> None:
    """A 定向 plan is listed only while the product's 普通 plan is listed."""
    listed = set(
        PromotionPlan.objects.filter(
            shop=shop, product_id__in=list(product_ids), type=Type.NORMAL, headsupplier_appid="", status=Status.LISTED
        ).values_list("product_id", flat=True)
    )
    for product_id in product_ids:
        if product_id not in listed:
            raise _refuse(
                "items",
                _("Product %(product_id)s has no listed open plan: a targeted plan needs one. List it first."),
                "normal_plan_not_listed",
                product_id=product_id,
            )


def check_talents(*, shop: Shop, talent_appids: Sequence[str], added: Sequence[str] | None = None) -> None:
    """定向 and 专属 plans name 1 to 30 talents, each one of the shop's, cooperating and not blacklisted. For an
    edit, ``added`` are the talents it adds: only those are checked, as the platform does (a talent named before
    who has since stopped cooperating stays until removed)."""
    if not talent_appids:
        raise _refuse("talent_appids", _("Choose at least one talent."), "talents_required")
    if len(talent_appids) > MAX_TALENTS:
        raise _refuse(
            "talent_appids",
            _("At most %(max)s talents per plan; %(count)s were chosen."),
            "too_many_talents",
            max=MAX_TALENTS,
            count=len(talent_appids),
        )
    checked = list(talent_appids if added is None else added)
    valid = set(
        Talent.objects.filter(
            shop=shop, talent_appid__in=checked, status=Talent.Status.ACCEPTED, is_blacklisted=False
        ).values_list("talent_appid", flat=True)
    )
    invalid = [appid for appid in checked if appid not in valid]
    if invalid:
        raise _refuse(
            "talent_appids",
            _("Not a talent cooperating with the shop (or blacklisted): %(talents)s."),
            "invalid_talent",
            talents=", ".join(invalid),
        )


def check_talents_free(
    *, shop: Shop, product_ids: Iterable[str], talent_appids: Sequence[str], plan: PromotionPlan | None = None
) -> None:
    """A talent is named by one live 定向/专属 plan of a product at most."""
    others = (
        PromotionPlan.objects.filter(
            shop=shop,
            product_id__in=list(product_ids),
            type__in=(Type.TARGETED, Type.EXCLUSIVE),
            status__in=EXISTING,
            headsupplier_appid="",
        )
        .exclude(pk=plan.pk if plan else None)
        .order_by("product_id", "pk")
    )
    for other in others:
        taken = [appid for appid in talent_appids if appid in other.talent_appids]
        if taken:
            raise _refuse(
                "talent_appids",
                _("Product %(product_id)s already has a targeted or exclusive plan for %(talents)s."),
                "talent_in_other_plan",
                product_id=other.product_id,
                talents=", ".join(taken),
            )


def _check_no_open_plan(*, shop: Shop, product_ids: Iterable[str]) -> None:
    """One 普通 plan per product: the existing one is edited instead."""
    existing = PromotionPlan.objects.filter(
        shop=shop, product_id__in=list(product_ids), type=Type.NORMAL, headsupplier_appid=""
    ).exclude(status=Status.DELETED)
    plan = existing.order_by("product_id").first()
    if plan:
        raise _refuse(
            "items",
            _("Product %(product_id)s already has this plan: edit it instead."),
            "plan_exists",
            product_id=plan.product_id,
        )


# --- the platform's request bodies ----------------------------------------------------------------------------------


def _period_body(period: Period) -> dict:
    if period.forever:
        body = {"is_forerver": True}  # sic: the platform's spelling
        if period.begin_time:
            body["begin_time"] = int(period.begin_time.timestamp())
        return body
    return {
        "is_forerver": False,
        "begin_time": int(period.begin_time.timestamp()),
        "end_time": int(period.end_time.timestamp()),
    }


def _plan_key(plan: PromotionPlan) -> dict:
    """How item/upd and item/delete address a plan: 普通 by product, 定向/专属 by the platform's plan id (the 2026
    ``promotion_plan_id`` when known, else ``info_id``, offline from 2026-06-18)."""
    if plan.type == Type.NORMAL:
        return {"type": plan.type, "product_id": plan.product_id}
    if plan.promotion_plan_id:
        return {"type": plan.type, "promotion_plan_id": plan.promotion_plan_id}
    return {"type": plan.type, "info_id": plan.info_id}


def _initial_status(period: Period, now: datetime) -> int:
    return Status.PENDING if period.begin_time and period.begin_time > now else Status.LISTED


def _item_failure(entry: dict) -> ItemFailure:
    errcode = as_int(entry.get("errcode"))
    meaning = MEANINGS.get(errcode)
    return ItemFailure(
        product_id=as_id(entry.get("product_id")),
        errcode=errcode,
        errmsg=as_str(entry.get("errmsg")),
        code=REFUSAL_CODES.get(errcode, "platform_refused"),
        message=str(meaning) if meaning else "",
    )


# --- creating plans -------------------------------------------------------------------------------------------------


def plans_create(
    *,
    shop: Shop,
    type: int,
    items: Sequence[PlanItem],
    talent_appids: Sequence[str] = (),
    period: Period = Period(),
) -> BatchResult:
    """Add up to 20 products to 优选联盟 as plans of one ``type`` (league item/batchadd), each with its ratio;
    定向 and 专属 plans for the chosen talents. Refused before the call by every platform rule (see the module);
    a batch the platform accepts in part keeps what it accepted and returns each failed item."""
    if type not in Type.values:
        raise _refuse("type", _("Choose open, targeted or exclusive."), "invalid_type")
    talent_appids = list(dict.fromkeys(talent_appids)) if type != Type.NORMAL else []
    check_items(items)
    check_period(period)
    product_ids = [item.product_id for item in items]
    check_products_on_sale(shop=shop, product_ids=product_ids)
    if type == Type.NORMAL:
        _check_no_open_plan(shop=shop, product_ids=product_ids)
    check_exclusion(shop=shop, type=type, product_ids=product_ids)
    if type == Type.TARGETED:
        check_normal_listed(shop=shop, product_ids=product_ids)
    if type != Type.NORMAL:
        check_talents(shop=shop, talent_appids=talent_appids)
        check_talents_free(shop=shop, product_ids=product_ids, talent_appids=talent_appids)

    body = {
        "type": type,
        "list": [{"product_id": item.product_id, "ratio": item.ratio_percent} for item in items],
        **_period_body(period),
    }
    if talent_appids:
        body["talent_appids"] = talent_appids
    with league_session(shop, write=True) as client:
        results = client.league_item_batchadd(body)
    return _store_created(shop, items, results, type=type, talent_appids=talent_appids, period=period)


def agency_plans_create(
    *,
    shop: Shop,
    headsupplier_appid: str,
    items: Sequence[PlanItem],
    commission_type: int,
    period: Period = Period(),
) -> BatchResult:
    """Offer up to 20 products to a cooperating agency (league item/headsupplier/batchadd), each with its
    commission ratio and the agency's service ratio (both whole percent 0–90); a product already offered to the
    agency gets the new terms. Refused before the call when the agency is not cooperating with the shop
    (``agency_not_cooperating``) and by the item rules of the module."""
    if not Cooperation.objects.filter(
        shop=shop, agency_appid=headsupplier_appid, status=Cooperation.Status.ACCEPTED
    ).exists():
        raise _refuse(
            "headsupplier_appid",
            _("Choose an agency that cooperates with the shop."),
            "agency_not_cooperating",
        )
    check_items(items, agency=True)
    check_period(period)
    product_ids = [item.product_id for item in items]
    check_products_on_sale(shop=shop, product_ids=product_ids)

    body = {
        "headsupplier_appid": headsupplier_appid,
        "list": [
            {
                "product_id": item.product_id,
                "ratio": item.ratio_percent,
                "service_ratio": item.service_ratio_percent,
                "commission_type": commission_type,
            }
            for item in items
        ],
        **_period_body(period),
    }
    with league_session(shop, write=True) as client:
        results = client.league_headsupplier_item_batchadd(body)
    return _store_created(
        shop,
        items,
        results,
        type=Type.NORMAL,
        period=period,
        headsupplier_appid=headsupplier_appid,
        commission_type=commission_type,
    )


def _store_created(
    shop: Shop,
    items: Sequence[PlanItem],
    results: list[dict],
    *,
    type: int,
    period: Period,
    talent_appids: Sequence[str] = (),
    headsupplier_appid: str = "",
    commission_type: int | None = None,
) -> BatchResult:
    by_product = {as_id(entry.get("product_id")): entry for entry in results}
    outcome = BatchResult()
    now = timezone.now()
    with transaction.atomic():
        for item in items:
            entry = by_product.get(item.product_id, {})
            if as_int(entry.get("errcode")) != 0:
                outcome.failed.append(_item_failure({"product_id": item.product_id, **entry}))
                continue
            plan_id = as_id(entry.get("promotion_plan_id")) or as_id(entry.get("info_id"))
            plan = _plan_for_store(
                shop, type=type, product_id=item.product_id, info_id=plan_id, agency=headsupplier_appid
            )
            plan.info_id = plan_id if type != Type.NORMAL else plan.info_id
            plan.promotion_plan_id = as_id(entry.get("promotion_plan_id")) or plan.promotion_plan_id
            plan.status = _initial_status(period, now)
            plan.ratio_percent = item.ratio_percent
            plan.service_ratio_percent = item.service_ratio_percent
            plan.commission_type = commission_type
            plan.talent_appids = list(talent_appids)
            plan.begin_time, plan.end_time, plan.forever = period.begin_time, period.end_time, period.forever
            plan.save()
            _terms_record(plan, at=now)
            outcome.created.append(plan)
    return outcome


def _plan_for_store(shop: Shop, *, type: int, product_id: str, info_id: str, agency: str) -> PromotionPlan:
    """The row a created plan goes to: a deleted plan under the same key is reused (its terms history stays)."""
    plans = PromotionPlan.objects.select_for_update().filter(shop=shop, product_id=product_id)
    if agency:
        plan = plans.filter(headsupplier_appid=agency).first()
    elif type == Type.NORMAL:
        plan = plans.filter(type=Type.NORMAL, headsupplier_appid="").first()
    else:
        plan = plans.filter(info_id=info_id).first() if info_id else None
    return plan or PromotionPlan(shop=shop, type=type, product_id=product_id, headsupplier_appid=agency)


# --- changing one plan ----------------------------------------------------------------------------------------------


def _check_changeable(plan: PromotionPlan) -> None:
    if plan.headsupplier_appid or plan.status == Status.DELETED:
        raise _refuse(
            None,
            _("This plan cannot be changed from ShopOps (agency plans and deleted plans have no API for it)."),
            "not_editable",
        )


def _check_listable(plan: PromotionPlan) -> None:
    """What listing a plan (again) requires: its product on sale, and for 定向 the product's 普通 plan listed."""
    check_products_on_sale(shop=plan.shop, product_ids=[plan.product_id])
    if plan.type == Type.TARGETED:
        check_normal_listed(shop=plan.shop, product_ids=[plan.product_id])


def plan_update(
    *,
    plan: PromotionPlan,
    ratio_percent: int,
    period: Period,
    talent_appids: Sequence[str] | None = None,
) -> PromotionPlan:
    """Edit a plan's ratio, period and (定向/专属) talents; the platform lists it again (operate_type 1 编辑并上架).
    Refused before the call by the rules of ratio, period, talents and listing (see the module)."""
    _check_changeable(plan)
    check_ratio(ratio_percent)
    check_period(period)
    _check_listable(plan)
    talents = list(dict.fromkeys(talent_appids if talent_appids is not None else plan.talent_appids))
    added = [appid for appid in talents if appid not in plan.talent_appids]
    removed = [appid for appid in plan.talent_appids if appid not in talents]
    if plan.type != Type.NORMAL:
        check_talents(shop=plan.shop, talent_appids=talents, added=added)
        check_talents_free(shop=plan.shop, product_ids=[plan.product_id], talent_appids=added, plan=plan)
    body = {**_plan_key(plan), "operate_type": OPERATE_EDIT, "ratio": ratio_percent}
    if plan.type != Type.NORMAL:
        body["exclusive_info"] = {
            **_period_body(period),
            **({"add_talent_appids": added} if added else {}),
            **({"del_talent_appids": removed} if removed else {}),
        }
    with league_session(plan.shop, write=True) as client:
        client.league_item_upd(body)
    now = timezone.now()
    with transaction.atomic():
        plan = PromotionPlan.objects.select_for_update().get(pk=plan.pk)
        plan.ratio_percent = ratio_percent
        if plan.type != Type.NORMAL:
            plan.talent_appids = talents
            plan.begin_time, plan.end_time, plan.forever = period.begin_time, period.end_time, period.forever
        plan.status = _initial_status(period, now) if plan.type != Type.NORMAL else Status.LISTED
        plan.save()
        _terms_record(plan, at=now)
    return plan


def plan_delist(*, plan: PromotionPlan) -> PromotionPlan:
    """Take a listed (or pending) plan off promotion (operate_type 2 下架): orders from now on earn nothing under it."""
    _check_changeable(plan)
    if plan.status not in IN_FORCE:
        raise _refuse(None, _("Only a listed plan can be delisted."), "wrong_status")
    with league_session(plan.shop, write=True) as client:
        client.league_item_upd({**_plan_key(plan), "operate_type": OPERATE_DELIST})
    return _status_store(plan, Status.DELISTED)


def plan_relist(*, plan: PromotionPlan) -> PromotionPlan:
    """List a delisted plan again (operate_type 4 上架) on its stored terms. Refused before the call by the listing
    rules (``exclusive_conflict``, ``normal_plan_not_listed``)."""
    _check_changeable(plan)
    if plan.status != Status.DELISTED:
        raise _refuse(None, _("Only a delisted plan can be listed again."), "wrong_status")
    _check_listable(plan)
    with league_session(plan.shop, write=True) as client:
        client.league_item_upd({**_plan_key(plan), "operate_type": OPERATE_RELIST})
    return _status_store(plan, Status.LISTED)


def plan_delete(*, plan: PromotionPlan) -> PromotionPlan:
    """Delete a plan on the platform (item/delete). The row stays, status deleted, with its terms history."""
    _check_changeable(plan)
    with league_session(plan.shop, write=True) as client:
        client.league_item_delete(**_plan_key(plan))
    return _status_store(plan, Status.DELETED)


def _status_store(plan: PromotionPlan, status: int) -> PromotionPlan:
    with transaction.atomic():
        plan = PromotionPlan.objects.select_for_update().get(pk=plan.pk)
        plan.status = status
        plan.save()
        _terms_record(plan, at=timezone.now())
    return plan


# --- terms over time ------------------------------------------------------------------------------------------------


# item/get gives a 普通 plan no start time and the platform keeps no history of a plan's terms. A plan the sync sees
# for the first time is therefore taken to have had the terms it has now since before any order ShopOps holds: they
# are the only evidence of what applied to the orders synced with it (otherwise every earlier commission would have
# "no plan"). Changes after that are recorded when they are made here or seen by the next sync.
KNOWN_SINCE_FIRST_SIGHTING = datetime(2000, 1, 1, tzinfo=UTC)


def _terms_record(plan: PromotionPlan, *, at: datetime) -> PlanTerms:
    """Close the plan's terms rows in force or to come at ``at`` and open its current terms from ``at``: a listed
    plan from the later of ``at`` and its start, until its end (None with no end date); a plan not in force from
    ``at`` on, ``listed`` False. Call inside the transaction that changed the plan."""
    rows = PlanTerms.objects.filter(plan=plan).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
    rows.filter(valid_from__gte=at).update(valid_to=F("valid_from"))  # never in force
    rows.filter(valid_from__lt=at).update(valid_to=at)
    listed = plan.status in IN_FORCE
    valid_from, valid_to = at, None
    if listed:
        if plan.begin_time and plan.begin_time > at:
            valid_from = plan.begin_time
        if not plan.forever and plan.end_time:
            # The end second is part of the period (platform times are whole seconds; the emulator charges an
            # order paid at end_time too — UNCONFIRMED on the real platform).
            valid_to = max(plan.end_time + END_INCLUSIVE, valid_from)
    return PlanTerms.objects.create(
        shop_id=plan.shop_id,
        plan=plan,
        product_id=plan.product_id,
        type=plan.type,
        listed=listed,
        ratio_percent=plan.ratio_percent,
        service_ratio_percent=plan.service_ratio_percent,
        talent_appids=list(plan.talent_appids),
        headsupplier_appid=plan.headsupplier_appid,
        valid_from=valid_from,
        valid_to=valid_to,
    )


# --- reading the platform's plans -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    """One plan as the platform reports it (item/get), in our fields."""

    type: int
    product_id: str
    info_id: str
    values: dict


def plans_sync(*, shop: Shop) -> int:
    """Read the shop's 普通, 定向 and 专属 plans from the platform (item/list/get, then item/get for each) into
    ``PromotionPlan``, and return how many rows changed. A new or changed plan gets a terms row (first sighting:
    from the plan's start time, else ``KNOWN_SINCE_FIRST_SIGHTING``); a plan of ours the platform no longer lists is
    marked deleted.

    Agency plans are left as created: the merchant-side API lists no agency plan (the agency's own sync reads
    them, affiliates.sync). Refused like any league call (``league_not_enabled`` …); nothing is stored unless
    every read succeeded."""
    seen: list[_Seen] = []
    with league_session(shop) as client:
        for plan_type in Type.values:
            page_index, last_buffer = 1, ""
            while True:
                page = client.league_item_list(type=plan_type, page_index=page_index, last_buffer=last_buffer)
                for ref in page.items:
                    item = client.league_item_get(
                        type=plan_type,
                        product_id=ref.product_id or None,
                        promotion_plan_id=ref.promotion_plan_id or None,
                        info_id=None if ref.promotion_plan_id else ref.info_id or None,
                        need_relation=plan_type != Type.NORMAL or None,
                        page_index=1 if plan_type != Type.NORMAL else None,
                        page_size=50 if plan_type != Type.NORMAL else None,
                    )
                    seen.append(_seen(plan_type, ref.product_id, ref.info_id, item))
                if not page.has_more or not page.items:
                    break
                page_index, last_buffer = page_index + 1, page.last_buffer
    return _store_seen(shop, seen)


def _talents_of(exclusive: dict) -> list[str]:
    """The talents an item names: the 2026 talent AppIDs, else the older promoter ids / finder ids."""
    for key, id_key in (
        ("talent_info_list", "talent_appid"),
        ("promoter_info_list", "promoter_id"),
        ("finder_info_list", "finder_id"),
    ):
        entries = [as_id(as_dict(entry).get(id_key)) for entry in as_list(exclusive.get(key))]
        if entries:
            return [appid for appid in entries if appid]
    for key in ("talent_appids", "promoter_ids", "finder_ids"):
        ids = [as_id(value) for value in as_list(exclusive.get(key))]
        if ids:
            return [appid for appid in ids if appid]
    return []


def _seen(plan_type: int, product_id: str, info_id: str, item: dict) -> _Seen:
    exclusive, ext = as_dict(item.get("exclusive_info")), as_dict(item.get("ext_info"))
    # The period sits on exclusive_info or, per talent, on its entries (all alike for a plan made by batchadd).
    entries = [as_dict(e) for key in ("talent_info_list", "promoter_info_list") for e in as_list(exclusive.get(key))]
    timing = exclusive if "begin_time" in exclusive or not entries else entries[0]
    end_time = platform_time(timing.get("end_time"))
    forever = as_bool(timing.get("is_forerver")) or end_time is None
    status = as_int(item.get("status"))
    values = {
        "status": status if status in Status.values else Status.PENDING,
        "ratio_percent": as_int(item.get("ratio")),
        "talent_appids": _talents_of(exclusive) if plan_type != Type.NORMAL else [],
        "begin_time": platform_time(timing.get("begin_time")),
        "end_time": None if forever else end_time,
        "forever": forever,
        "is_sale_forbidden": as_bool(ext.get("is_sale_forbidden")),
        "is_banned": as_bool(ext.get("is_banned")),
        "promotion_plan_id": as_id(exclusive.get("promotion_plan_id")) or as_id(item.get("promotion_plan_id")),
        "raw": item,
    }
    info_id = info_id or as_id(exclusive.get("info_id")) or values["promotion_plan_id"]
    return _Seen(type=plan_type, product_id=as_id(item.get("product_id")) or product_id, info_id=info_id, values=values)


# A change of any of these is a change of terms (a new PlanTerms row); the rest is bookkeeping.
TERMS_FIELDS = ("status", "ratio_percent", "talent_appids", "begin_time", "end_time", "forever")


def _store_seen(shop: Shop, seen: list[_Seen]) -> int:
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        rows = list(PromotionPlan.objects.select_for_update().filter(shop=shop, headsupplier_appid="").order_by("pk"))
        by_key = {_key(row.type, row.product_id, row.info_id): row for row in rows}
        kept = set()
        for plan_seen in seen:
            key = _key(plan_seen.type, plan_seen.product_id, plan_seen.info_id)
            row = by_key.get(key)
            first = row is None
            if first:
                row = by_key[key] = PromotionPlan(
                    shop=shop, type=plan_seen.type, product_id=plan_seen.product_id, info_id=plan_seen.info_id
                )
            kept.add(key)
            terms_changed = first or any(getattr(row, name) != plan_seen.values[name] for name in TERMS_FIELDS)
            other_changed = any(getattr(row, name) != value for name, value in plan_seen.values.items())
            if not (terms_changed or other_changed):
                continue
            for name, value in plan_seen.values.items():
                setattr(row, name, value)
            row.synced_at = now
            row.save()
            if terms_changed:
                _terms_record(row, at=(row.begin_time or KNOWN_SINCE_FIRST_SIGHTING) if first else now)
            changed += 1
        for key, row in by_key.items():
            if key not in kept and row.pk and row.status != Status.DELETED:
                row.status, row.synced_at = Status.DELETED, now
                row.save()
                _terms_record(row, at=now)
                changed += 1
    return changed


def _key(plan_type: int, product_id: str, info_id: str) -> tuple:
    """How a plan is known on both sides: 普通 by its product, 定向/专属 by the platform's plan id."""
    return (plan_type, product_id) if plan_type == Type.NORMAL else (plan_type, info_id)


# --- agency plans seen from the agency's side -------------------------------------------------------------------------

AGENCY_ITEM_STATUS = {1: Status.LISTED, 2: Status.DELISTED, 5: Status.DELETED}  # headsupplier item commission_info


@transaction.atomic
def agency_plans_learn(*, headsupplier_appid: str, shop_appid: str, items: Iterable[dict], at: datetime) -> list[Shop]:
    """The agency plans a shop made in the 微信小店 backend, learned from the agency's own account.

    The merchant-side API lists no agency plan, but the agency sees each one's terms (headsupplier item/get: ratio
    and service ratio in ppm, period, status). When an agency syncs through ShopOps, the items of a shop that is in
    ShopOps and cooperates with it tell that shop's console the plan it made: a plan first seen counts from its
    period's start (else ``KNOWN_SINCE_FIRST_SIGHTING``), a later change from ``at``. ``items``: dicts with
    product_id, ratio_ppm, service_ratio_ppm, status, start_time, end_time. Returns the shops whose plans changed."""
    shops = Shop.objects.filter(
        appid=shop_appid,
        agency_cooperations__agency_appid=headsupplier_appid,
        agency_cooperations__status=Cooperation.Status.ACCEPTED,
    ).distinct()
    changed = []
    for shop in shops:
        written = 0
        plans = {
            p.product_id: p
            for p in PromotionPlan.objects.select_for_update().filter(shop=shop, headsupplier_appid=headsupplier_appid)
        }
        for item in items:
            seen = {
                "status": AGENCY_ITEM_STATUS.get(item["status"], Status.DELISTED),
                "ratio_percent": item["ratio_ppm"] // PPM_PER_PERCENT,
                "service_ratio_percent": item["service_ratio_ppm"] // PPM_PER_PERCENT,
                "begin_time": item["start_time"],
                "end_time": item["end_time"],
                "forever": item["end_time"] is None,
            }
            plan = plans.get(item["product_id"])
            first = plan is None
            if first:
                plan = PromotionPlan(
                    shop=shop, type=Type.NORMAL, product_id=item["product_id"], headsupplier_appid=headsupplier_appid
                )
            elif all(getattr(plan, name) == value for name, value in seen.items()):
                continue
            for name, value in seen.items():
                setattr(plan, name, value)
            plan.synced_at = at
            plan.save()
            _terms_record(plan, at=(plan.begin_time or KNOWN_SINCE_FIRST_SIGHTING) if first else at)
            written += 1
        if written:
            changed.append(shop)
    return changed

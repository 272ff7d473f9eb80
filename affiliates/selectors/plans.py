"""Reads for promotion plans: the shop's plans with their products, one plan with its terms history, the shop's
enrolment state, what the create forms offer (talents, agencies, products), and the terms in force at a moment —
what a commission is checked against.

Every query starts from the shop; another shop's plan answers 404.

Terms in force (``plan_terms_at``, ``plan_terms_in_force``). A ``PlanTerms`` row covers [valid_from, valid_to)
(valid_to None: open-ended) and applies only when ``listed``. For one order line — (product, talent, pay time) —
the precedence is:

1. an agency line (``agency_appid`` given) is checked against that agency's plan for the product, and only it;
2. otherwise a 专属 or 定向 plan of the product whose talents include the line's talent beats the 普通 plan
   (专属 and 普通/定向 never coexist for a product, so at most one kind of talent plan applies; among several
   定向 plans naming the talent, the one whose terms started last wins);
3. otherwise the product's 普通 plan;
4. none of these: None (the line earned commission under no plan ShopOps knows).

``plan_terms_subquery`` is the same rule as a correlated subquery, for set-based SQL over many lines.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Case, CharField, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Concat
from django.http import Http404

from affiliates.models import AffiliateSettings, Cooperation, PlanTerms, PromotionPlan, Talent
from shopops.models import Product, Shop

Type = PromotionPlan.Type
Status = PromotionPlan.Status
PRODUCT_ON_SALE = 5


def league_state_for_shop(*, shop: Shop) -> AffiliateSettings:
    """The shop's alliance settings (enrolment state learned from the platform); an unsaved row in state
    ``unknown`` when no league call was made yet."""
    return AffiliateSettings.objects.filter(shop=shop).first() or AffiliateSettings(shop=shop)


def plans_for_shop(
    *,
    shop: Shop,
    type: int | None = None,
    status: int | None = None,
    product: str = "",
    agency: bool | None = None,
):
    """The shop's plans, newest change first, each with its product's title (``product_title``, "" when the
    product is not in the synced catalogue): one query, whatever the number of rows.

    ``product`` matches the product id exactly or the title (case-insensitive); ``agency`` True keeps the agency
    plans only, False the 普通/定向/专属 plans only.
    """
    titles = Product.objects.filter(shop=shop, product_id=OuterRef("product_id")).values("title")[:1]
    plans = PromotionPlan.objects.filter(shop=shop).annotate(product_title=Subquery(titles))
    if type is not None:
        plans = plans.filter(type=type, headsupplier_appid="")
    if status is not None:
        plans = plans.filter(status=status)
    if agency is True:
        plans = plans.exclude(headsupplier_appid="")
    elif agency is False:
        plans = plans.filter(headsupplier_appid="")
    product = product.strip()
    if product:
        plans = plans.filter(Q(product_id=product) | Q(product_title__icontains=product))
    return plans.order_by("-updated_at", "-id")


def plans_exist(*, shop: Shop) -> bool:
    return PromotionPlan.objects.filter(shop=shop).exists()


def plan_get_for_shop_or_404(*, shop: Shop, pk: int) -> PromotionPlan:
    """One plan of the shop by our id, with ``product_title``; another shop's plan answers 404."""
    plan = plans_for_shop(shop=shop).filter(pk=pk).select_related("shop").first()
    if plan is None:
        raise Http404
    return plan


def plan_terms_history(*, plan: PromotionPlan) -> list[PlanTerms]:
    """The plan's terms over time, newest first."""
    return list(PlanTerms.objects.filter(plan=plan).order_by("-valid_from", "-id"))


def talents_for_plans(*, shop: Shop) -> list[Talent]:
    """The talents a 定向/专属 plan may name: the shop's, cooperating, not blacklisted."""
    return list(
        Talent.objects.filter(shop=shop, status=Talent.Status.ACCEPTED, is_blacklisted=False).order_by(
            "nickname", "talent_appid"
        )
    )


def talent_names(*, shop: Shop, talent_appids: Iterable[str]) -> dict[str, str]:
    """Nickname by talent AppID for the ones the shop knows."""
    return dict(
        Talent.objects.filter(shop=shop, talent_appid__in=list(talent_appids)).values_list("talent_appid", "nickname")
    )


def agencies_for_plans(*, shop: Shop) -> list[Cooperation]:
    """The agencies an agency plan may be offered to: those cooperating with the shop (status 2)."""
    return list(Cooperation.objects.filter(shop=shop, status=Cooperation.Status.ACCEPTED).order_by("agency_name", "pk"))


def products_for_plans(*, shop: Shop) -> list[Product]:
    """The products a plan may promote: the shop's products on sale."""
    return list(Product.objects.filter(shop=shop, deleted=False, status=PRODUCT_ON_SALE).order_by("title", "id"))


# --- terms in force ---------------------------------------------------------------------------------------------------


def _in_force(at) -> Q:
    return Q(listed=True, valid_from__lte=at) & (Q(valid_to__isnull=True) | Q(valid_to__gt=at))


def plan_terms_at(
    shop: Shop, product_id: str, talent_appid: str, at: datetime, *, agency_appid: str = ""
) -> PlanTerms | None:
    """The terms an order line of ``product_id`` paid at ``at`` is owed commission under, by the precedence of
    the module (agency plan for an agency line; else a 专属/定向 plan naming ``talent_appid``; else 普通)."""
    return plan_terms_in_force(shop=shop, lines=[(product_id, talent_appid, at, agency_appid)])[0]


def plan_terms_in_force(*, shop: Shop, lines: Iterable[tuple[str, str, datetime, str]]) -> list[PlanTerms | None]:
    """``plan_terms_at`` for many lines — (product_id, talent_appid, at, agency_appid) each — in one query: the
    terms of the products concerned are read once and chosen in Python by the same precedence."""
    lines = list(lines)
    rows: dict[str, list[PlanTerms]] = {}
    for terms in PlanTerms.objects.filter(shop=shop, listed=True, product_id__in={line[0] for line in lines}).order_by(
        "-valid_from", "-id"
    ):
        rows.setdefault(terms.product_id, []).append(terms)
    return [_choose(rows.get(product_id, []), talent, at, agency) for product_id, talent, at, agency in lines]


def _choose(candidates: list[PlanTerms], talent_appid: str, at: datetime, agency_appid: str) -> PlanTerms | None:
    in_force = [t for t in candidates if t.valid_from <= at and (t.valid_to is None or t.valid_to > at)]
    if agency_appid:
        return next((t for t in in_force if t.headsupplier_appid == agency_appid), None)
    own = [t for t in in_force if not t.headsupplier_appid]
    if talent_appid:
        named = next((t for t in own if t.type != Type.NORMAL and talent_appid in t.talent_appids), None)
        if named:
            return named
    return next((t for t in own if t.type == Type.NORMAL), None)


def plan_terms_subquery(*, shop_id, product_id, talent_appid, at, agency_appid="") -> Subquery:
    """The pk of the terms in force for one line, as a correlated subquery over expressions of the outer query
    (e.g. ``OuterRef("order__pay_time")``), by the precedence of the module; None where no plan applies.

    A talent is matched in the terms' JSON list of AppIDs by its quoted text (AppIDs hold no quotes), which works
    alike on SQLite and PostgreSQL. ``agency_appid`` (a value or an expression) "" selects the merchant's own
    plans, an AppID that agency's plan.
    """
    terms = PlanTerms.objects.annotate(talents_text=Cast("talent_appids", CharField())).filter(
        Q(shop_id=shop_id, product_id=product_id, listed=True, valid_from__lte=at)
        & (Q(valid_to__isnull=True) | Q(valid_to__gt=at))
    )
    quoted = Concat(Value('"'), talent_appid, Value('"'), output_field=CharField())
    terms = (
        terms.filter(headsupplier_appid=agency_appid)
        .filter(Q(type=Type.NORMAL) | Q(talents_text__contains=quoted))
        .annotate(rank=Case(When(type=Type.NORMAL, then=Value(1)), default=Value(0), output_field=IntegerField()))
    )
    return Subquery(terms.order_by("rank", "-valid_from", "-id").values("pk")[:1])

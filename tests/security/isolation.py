"""The tenant-isolation registry: every URL that names an object must say how to build one for a tenant.

The harness in test_tenant_isolation.py walks every URL pattern of the project. A pattern with URL kwargs
(``shop``, ``pk`` …) names an object, so it must be registered in ``OBJECT_URLS`` with a builder. A builder
receives the tenant's shop (``@shop_scoped``) or agency (``@agency_scoped``), creates that tenant's object(s)
with the factories and returns the URL kwargs. The harness calls it once for the attacker's tenant and once for
the victim's, then checks that the victim's URL answers 404 to the attacker and that nothing changed.

Adding a URL with kwargs without registering it here fails ``test_every_object_url_is_registered``.
"""

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from affiliates.models import (
    AgencyAPIKey,
    AgencyProduct,
    CommissionOrder,
    Cooperation,
    ExclusiveTerm,
    PromotionPlan,
    Sharer,
    Talent,
)
from campaigns.models import LikeToBuy, LivePreview, LuckyBag, PreviewPromoter
from incentives.models import StaffMember, StaffRewardScheme
from incentives.models.ledger import LedgerAccount
from incentives.services.growth import card_issue, card_spend
from incentives.services.rules import ruleset_install_example
from shopops.roles import Role
from tests.factories import (
    CooperationAccountFactory,
    LinkedAccountFactory,
    MembershipFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)

SHOP = "shop"
AGENCY = "agency"

# Not tenant data: the admin (support staff see everything), the sandbox (plays the platform), the project-level
# schema, docs, language switch and health check routes, and the push callback, which no user calls: the platform
# does, authenticated by the push signature (tests/sync/test_callbacks.py refuses everyone else with a 4xx).
EXCLUDED_NAMESPACES = frozenset({"admin", "sandbox"})
EXCLUDED_ROOT_NAMES = frozenset({"schema", "swagger-ui", "set_language", "healthz", "wechat_callback"})

# Apps whose rows must not change when a request is refused. auditlog is included on purpose: a refused
# request must not leave an audit entry either.
SNAPSHOT_APPS = ("shopops", "linked_accounts", "affiliates", "campaigns", "incentives", "sandbox", "auditlog")


Builder = Callable[..., dict]


def shop_scoped(build: Builder) -> Builder:
    build.tenant = SHOP
    return build


def agency_scoped(build: Builder) -> Builder:
    build.tenant = AGENCY
    return build


# --- builders ------------------------------------------------------------------------------------------


@shop_scoped
def shop_kwargs(shop) -> dict:
    return {"shop": shop.public_id}


@shop_scoped
def ledger_account_kwargs(shop) -> dict:
    """An incentive ledger account of its own code (a growth card named after the shop), so that the other shop
    has no account of that code."""
    account = LedgerAccount.objects.create(shop=shop, code=f"growth_card:{shop.public_id.hex[:12]}", kind="asset")
    return {"shop": shop.public_id, "code": account.code}


@shop_scoped
def ruleset_kwargs(shop) -> dict:
    return {"shop": shop.public_id, "pk": ruleset_install_example(shop=shop).pk}


@shop_scoped
def staff_scheme_kwargs(shop) -> dict:
    scheme = StaffRewardScheme.objects.create(
        shop=shop, code="staff-iso", version=1, name="员工激励", basis="gmv_share", rate_ppm=10_000,
        valid_from=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    return {"shop": shop.public_id, "pk": scheme.pk}


@shop_scoped
def staff_member_kwargs(shop) -> dict:
    member = StaffMember.objects.create(shop=shop, userid=f"wecom-{shop.public_id.hex[:8]}")
    return {"shop": shop.public_id, "pk": member.pk}


@shop_scoped
def member_kwargs(shop) -> dict:
    member = MembershipFactory(shop=shop, role=Role.OPERATOR)
    return {"shop": shop.public_id, "pk": member.pk}


@shop_scoped
def product_kwargs(shop) -> dict:
    product = ProductFactory(shop=shop)
    return {"shop": shop.public_id, "product_id": product.product_id}


@shop_scoped
def order_kwargs(shop) -> dict:
    order = OrderLineFactory(order=OrderFactory(shop=shop)).order
    return {"shop": shop.public_id, "order_id": order.order_id}


@shop_scoped
def linked_account_kwargs(shop) -> dict:
    account = LinkedAccountFactory(shop=shop)
    return {"shop": shop.public_id, "pk": account.pk}


@shop_scoped
def cooperation_kwargs(shop) -> dict:
    account = CooperationAccountFactory(shop=shop)
    return {"shop": shop.public_id, "pk": account.pk}


# Platform ids must differ between the two tenants, or a mix of their kwargs would name nothing foreign.
_serial = itertools.count(1)


def serial() -> int:
    return next(_serial)


# --- 电商成长卡


def _growth_card(shop):
    today = timezone.localdate()
    return card_issue(shop=shop, card_number=f"GC{serial()}", face_value_fen=10_000,
                      issued_on=today - timedelta(days=3), valid_until=today + timedelta(days=30))  # fmt: skip


@shop_scoped
def growth_card_kwargs(shop) -> dict:
    return {"shop": shop.public_id, "pk": _growth_card(shop).pk}


@shop_scoped
def growth_card_spend_kwargs(shop) -> dict:
    card = _growth_card(shop)
    spend = card_spend(card=card, amount_fen=1_000, spent_on=timezone.localdate(), live_name="直播")
    return {"shop": shop.public_id, "pk": card.pk, "spend": spend.pk}


# --- 优选联盟, the merchant's side


@shop_scoped
def talent_kwargs(shop) -> dict:
    talent = Talent.objects.create(shop=shop, talent_appid=f"talent{serial()}", nickname="达人")
    return {"shop": shop.public_id, "pk": talent.pk}


@shop_scoped
def talent_action_kwargs(shop) -> dict:
    return {**talent_kwargs(shop), "action": "blacklist"}


@shop_scoped
def coupon_kwargs(shop) -> dict:
    from campaigns.models import Coupon

    coupon = Coupon.objects.create(
        shop=shop,
        coupon_id=f"{70000000 + serial()}",
        type=Coupon.Type.SHOP_DIRECT_OFF,
        status=Coupon.Status.NOT_EFFECTIVE,
        name="店铺立减5元",
        discount_fee_fen=500,
        total_num=100,
        synced_at=timezone.now(),
    )
    return {"shop": shop.public_id, "pk": coupon.pk}


@shop_scoped
def coupon_status_kwargs(shop) -> dict:
    return {**coupon_kwargs(shop), "action": "delete"}


@shop_scoped
def exclusive_term_kwargs(shop) -> dict:
    talent = Talent.objects.create(shop=shop, talent_appid=f"talent{serial()}")
    term = ExclusiveTerm.objects.create(
        shop=shop, talent=talent, product_id=f"{20000000 + serial()}", floor_price_fen=100, price_fen=200, stock=1
    )
    return {"shop": shop.public_id, "pk": term.pk}


@shop_scoped
def agency_cooperation_kwargs(shop) -> dict:
    """A pending invitation of an agency by the shop, with the action that cancels it."""
    n = serial()
    cooperation = Cooperation.objects.create(
        shop=shop,
        shop_appid=shop.appid or f"wxshop{n}",
        agency_appid=f"wxagency{n}",
        status=Cooperation.Status.INVITING,
    )
    return {"shop": shop.public_id, "pk": cooperation.pk, "action": "cancel"}


@shop_scoped
def plan_kwargs(shop) -> dict:
    plan = PromotionPlan.objects.create(
        shop=shop, type=PromotionPlan.Type.NORMAL, product_id=f"{30000000 + serial()}", ratio_percent=10
    )
    return {"shop": shop.public_id, "pk": plan.pk}


@shop_scoped
def plan_action_kwargs(shop) -> dict:
    return {**plan_kwargs(shop), "action": "delist"}


# --- campaigns: live previews


@shop_scoped
def preview_kwargs(shop) -> dict:
    preview = LivePreview.objects.create(
        shop=shop, topic=f"预告{serial()}", start_time=timezone.now() + timedelta(days=1)
    )
    return {"shop": shop.public_id, "pk": preview.pk}


@shop_scoped
def preview_promoter_kwargs(shop) -> dict:
    preview = LivePreview.objects.create(
        shop=shop, topic=f"预告{serial()}", start_time=timezone.now() + timedelta(days=1)
    )
    promoter = PreviewPromoter.objects.create(
        shop=shop, preview=preview, kind="own", name="自有链接", link=f"https://example.com/{serial()}"
    )
    return {"shop": shop.public_id, "pk": promoter.pk}


# --- 优选联盟, the agency's side (partner portal and agency API)


@agency_scoped
def invitation_kwargs(agency) -> dict:
    """A shop's pending invitation of the agency, which the agency may accept or decline."""
    n = serial()
    cooperation = Cooperation.objects.create(
        agency=agency, shop_appid=f"wxshop{n}", agency_appid=f"wxagency{n}", status=Cooperation.Status.INVITING
    )
    return {"pk": cooperation.pk}


@agency_scoped
def agency_product_kwargs(agency) -> dict:
    n = serial()
    product = AgencyProduct.objects.create(
        agency=agency,
        shop_appid=f"wxshop{n}",
        product_id=f"{40000000 + n}",
        status=AgencyProduct.Status.LISTED,
        ratio_ppm=100_000,
        service_ratio_ppm=50_000,
        link=f"https://channels.weixin.qq.com/isolation/{n}",
        synced_at=timezone.now(),
    )
    return {"pk": product.pk}


@agency_scoped
def sharer_kwargs(agency) -> dict:
    sharer = Sharer.objects.create(agency=agency, sharer_appid=f"sharer{serial()}", synced_at=timezone.now())
    return {"pk": sharer.pk}


@agency_scoped
def api_key_kwargs(agency) -> dict:
    api_key, _key = AgencyAPIKey.objects.create_key(agency=agency, name="isolation")
    return {"prefix": api_key.prefix}


@agency_scoped
def commission_order_kwargs(agency) -> dict:
    n, now = serial(), timezone.now()
    order = CommissionOrder.objects.create(
        agency=agency,
        order_id=f"{3700000000000 + n}",
        sku_id=f"{n}",
        shop_appid=f"wxshop{n}",
        product_id=f"{50000000 + n}",
        status=CommissionOrder.Status.UNSETTLED,
        create_time=now,
        update_time=now,
        actual_payment_fen=100,
        raw={},
        synced_at=now,
    )
    return {"order_id": order.order_id, "sku_id": order.sku_id}


# --- campaigns: 福袋, 点赞买 (plays)


@shop_scoped
def luckybag_kwargs(shop) -> dict:
    bag = LuckyBag.objects.create(
        shop=shop,
        name="福袋",
        prize_product_id=f"{60000000 + serial()}",
        quantity=3,
        condition=LuckyBag.Condition.FOLLOW,
        draw_at=timezone.now(),
        live_id=f"export/live{serial()}",
        unit_cost_fen=100,
    )
    return {"shop": shop.public_id, "pk": bag.pk}


@shop_scoped
def liketobuy_kwargs(shop) -> dict:
    now = timezone.now()
    campaign = LikeToBuy.objects.create(
        shop=shop,
        name="点赞买",
        product_id=f"{70000000 + serial()}",
        likes_needed=3,
        floor_price_fen=500,
        subsidy_fen=100,
        unit_cost_fen=400,
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )
    return {"shop": shop.public_id, "pk": campaign.pk}


OBJECT_URLS: dict[str, Builder] = {
    "console:shop_home": shop_kwargs,
    "console:shop_settings": shop_kwargs,
    "console:members": shop_kwargs,
    "console:member_role": member_kwargs,
    "console:member_remove": member_kwargs,
    "console:orders": shop_kwargs,
    "console:orders_csv": shop_kwargs,
    "console:orders_xlsx": shop_kwargs,
    "console:order_detail": order_kwargs,
    "console:products": shop_kwargs,
    "console:product_detail": product_kwargs,
    "console:sync_health": shop_kwargs,
    "console:sync_progress": shop_kwargs,
    "console:sync_now": shop_kwargs,
    "console:sync_backfill": shop_kwargs,
    "console:connection": shop_kwargs,
    "console:connection_test": shop_kwargs,
    "console:push_generate": shop_kwargs,
    "console:linked_accounts": shop_kwargs,
    "console:linked_accounts_refresh": shop_kwargs,
    "console:linked_account_invite": shop_kwargs,
    "console:linked_account_record": shop_kwargs,
    "console:linked_account_detail": linked_account_kwargs,
    "console:linked_account_identity": linked_account_kwargs,
    "console:linked_account_display": linked_account_kwargs,
    "console:linked_account_binding": linked_account_kwargs,
    "console:linked_account_sidebar": linked_account_kwargs,
    "console:wecom_staff_name": linked_account_kwargs,
    "console:linked_account_cancel": linked_account_kwargs,
    "console:linked_account_unlink": linked_account_kwargs,
    "console:cooperation_accounts": shop_kwargs,
    "console:cooperation_refresh": shop_kwargs,
    "console:cooperation_qrcode": shop_kwargs,
    "console:cooperation_cancel": cooperation_kwargs,
    "console:cooperation_unbind": cooperation_kwargs,
    # 优选联盟 (console)
    "console:affiliate_plans": shop_kwargs,
    "console:affiliate_plan_create": shop_kwargs,
    "console:affiliate_agency_plan_create": shop_kwargs,
    "console:affiliate_plans_sync": shop_kwargs,
    "console:affiliate_league_check": shop_kwargs,
    "console:affiliate_plan_detail": plan_kwargs,
    "console:affiliate_plan_edit": plan_kwargs,
    "console:affiliate_plan_action": plan_action_kwargs,
    "console:affiliate_talents": shop_kwargs,
    "console:affiliate_talents_sync": shop_kwargs,
    "console:affiliate_talent_invite": shop_kwargs,
    "console:affiliate_thresholds": shop_kwargs,
    "console:affiliate_talent_detail": talent_kwargs,
    "console:affiliate_talent_action": talent_action_kwargs,
    "console:affiliate_exclusive_create": talent_kwargs,
    "console:affiliate_exclusive_edit": exclusive_term_kwargs,
    "console:affiliate_exclusive_delete": exclusive_term_kwargs,
    "console:affiliate_agencies": shop_kwargs,
    "console:affiliate_agencies_refresh": shop_kwargs,
    "console:affiliate_agency_invite": shop_kwargs,
    "console:affiliate_agency_action": agency_cooperation_kwargs,
    "console:affiliate_commissions": shop_kwargs,
    "console:affiliate_commissions_csv": shop_kwargs,
    "console:affiliate_commissions_xlsx": shop_kwargs,
    "console:affiliate_differences": shop_kwargs,
    "console:affiliate_reports": shop_kwargs,
    "console:affiliate_reports_csv": shop_kwargs,
    "console:affiliate_reports_xlsx": shop_kwargs,
    # campaigns: live previews
    "console:preview_list": shop_kwargs,
    "console:preview_sync": shop_kwargs,
    "console:preview_plan": shop_kwargs,
    "console:preview_notifications": shop_kwargs,
    "console:preview_detail": preview_kwargs,
    "console:preview_edit": preview_kwargs,
    "console:preview_delete": preview_kwargs,
    "console:preview_sharer_add": preview_kwargs,
    "console:preview_own_add": preview_kwargs,
    "console:preview_promoters_refresh": preview_kwargs,
    "console:preview_promoter_counts": preview_promoter_kwargs,
    "console:preview_promoter_delete": preview_promoter_kwargs,
    "console:preview_promoter_qr": preview_promoter_kwargs,
    "console:preview_promoter_poster": preview_promoter_kwargs,
    # campaigns: coupons
    "console:campaign_coupons": shop_kwargs,
    "console:campaign_coupon_create": shop_kwargs,
    "console:campaign_coupons_sync": shop_kwargs,
    "console:campaign_coupon_detail": coupon_kwargs,
    "console:campaign_coupon_edit": coupon_kwargs,
    "console:campaign_coupon_status": coupon_status_kwargs,
    # campaigns: 福袋, 粉丝团, 点赞买, posters (plays)
    "console:luckybag_list": shop_kwargs,
    "console:luckybag_create": shop_kwargs,
    "console:luckybag_detail": luckybag_kwargs,
    "console:luckybag_edit": luckybag_kwargs,
    "console:luckybag_delete": luckybag_kwargs,
    "console:fanclub": shop_kwargs,
    "console:liketobuy_list": shop_kwargs,
    "console:liketobuy_create": shop_kwargs,
    "console:liketobuy_detail": liketobuy_kwargs,
    "console:liketobuy_edit": liketobuy_kwargs,
    "console:liketobuy_delete": liketobuy_kwargs,
    "console:poster_product": product_kwargs,
    "console:poster_product_png": product_kwargs,
    # campaigns: analytics
    "console:campaign_analytics_orders_cards": shop_kwargs,
    "console:campaign_analytics_favourites": shop_kwargs,
    "console:campaign_analytics_favourite_coupon": shop_kwargs,
    "console:campaign_analytics_favourites_snapshot": shop_kwargs,
    "console:campaign_analytics_favourites_funnel": shop_kwargs,
    "console:incentive_reconciliation": shop_kwargs,
    "console:incentive_ledger": shop_kwargs,
    "console:incentive_statement": ledger_account_kwargs,
    "console:incentive_statement_csv": ledger_account_kwargs,
    "console:incentive_statement_xlsx": ledger_account_kwargs,
    "console:incentive_forecast": shop_kwargs,
    "console:incentive_rules": shop_kwargs,
    "console:incentive_rules_new_version": ruleset_kwargs,
    "console:incentive_rules_edit": ruleset_kwargs,
    "console:growth_card_list": shop_kwargs,
    "console:growth_card_create": shop_kwargs,
    "console:growth_card_detail": growth_card_kwargs,
    "console:growth_card_spend_reverse": growth_card_spend_kwargs,
    "console:incentive_staff": shop_kwargs,
    "console:incentive_staff_schemes": shop_kwargs,
    "console:incentive_staff_scheme_create": shop_kwargs,
    "console:incentive_staff_scheme_new_version": staff_scheme_kwargs,
    "console:incentive_staff_statement": staff_member_kwargs,
    "console:incentive_staff_statement_csv": staff_member_kwargs,
    "console:incentive_staff_member_edit": staff_member_kwargs,
    "console:incentive_staff_payout": staff_member_kwargs,
    # the partner portal
    "partner:invitation_decide": invitation_kwargs,
    "partner:product_qr": agency_product_kwargs,
    "partner:sharer_edit": sharer_kwargs,
    "partner:api_key_revoke": api_key_kwargs,
    # the agency API
    "api:partner_commission_order": commission_order_kwargs,
}

# Shop-scoped URLs where an analyst (read and export only) may send a write method, e.g. a POST that only
# requests an export. Empty today: every write by an analyst is refused.
ANALYST_MAY_WRITE: frozenset[tuple[str, str]] = frozenset()


# --- walking the URL patterns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UrlEntry:
    name: str  # "namespace:name", or the route itself when the pattern has no name
    namespace: str  # the outermost namespace, "" for none
    route: str
    kwargs: tuple[str, ...]


def walk_urls(patterns: Iterable | None = None) -> list[UrlEntry]:
    """Every URL pattern of the project (or of ``patterns``), with the kwargs it takes from all its prefixes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    return list(_walk(patterns, namespaces=(), prefix="", kwargs=()))


def _walk(patterns, *, namespaces: tuple[str, ...], prefix: str, kwargs: tuple[str, ...]) -> Iterator[UrlEntry]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        all_kwargs = kwargs + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern.url_patterns, namespaces=inner, prefix=route, kwargs=all_kwargs)
        else:
            name = ":".join((*namespaces, pattern.name)) if pattern.name else route
            namespace = namespaces[0] if namespaces else ""
            yield UrlEntry(name=name, namespace=namespace, route=route, kwargs=all_kwargs)


def in_scope(entry: UrlEntry) -> bool:
    if entry.namespace in EXCLUDED_NAMESPACES:
        return False
    return not (entry.namespace == "" and entry.name in EXCLUDED_ROOT_NAMES)


def object_url_names(entries: Iterable[UrlEntry]) -> set[str]:
    """The in-scope URLs that name an object (take any URL kwargs)."""
    return {entry.name for entry in entries if entry.kwargs and in_scope(entry)}


def unregistered(entries: Iterable[UrlEntry], registry: dict[str, Builder]) -> list[str]:
    return sorted(object_url_names(entries) - set(registry))


def stale(entries: Iterable[UrlEntry], registry: dict[str, Builder]) -> list[str]:
    """Registered names that are no longer URLs with kwargs (renamed, removed or lost their kwargs)."""
    return sorted(set(registry) - object_url_names(entries))


# --- "nothing changed" ----------------------------------------------------------------------------------


def snapshot() -> dict[str, list[dict]]:
    """Every row of every model of SNAPSHOT_APPS, by model label, ordered by primary key."""
    rows = {}
    for app_label in SNAPSHOT_APPS:
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True):
            if model._meta.proxy:
                continue
            rows[model._meta.label] = list(model._base_manager.order_by("pk").values())
    return rows


def changes(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> dict[str, dict[str, list[dict]]]:
    """Per changed model: the rows only in ``before`` (removed or old version) and only in ``after``."""
    diff = {}
    for label in sorted(before.keys() | after.keys()):
        old, new = before.get(label, []), after.get(label, [])
        if old != new:
            diff[label] = {"before": [r for r in old if r not in new], "after": [r for r in new if r not in old]}
    return diff

"""Promotion plans over real HTTP against the emulator (acceptance 1 of issue 10): every plan rule is refused by the
console before any call (its code, no call-log row, nothing changed) AND by the emulator when the same input is
sent straight through the client (its errcode). Then the plans' life: create, a batch the platform accepts in part,
edit, delist, relist, delete, the terms rows each change leaves, the sync, and the enrolment state."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from affiliates.models import AffiliateSettings, PlanTerms, PromotionPlan, Talent
from affiliates.services import league as league_services
from affiliates.services import plans as services
from affiliates.services.plans import Period, PlanItem
from sandbox.models import Account as PlatformAccount
from sandbox.models import LeaguePlan, LeagueTalent
from sandbox.models import Product as PlatformProduct
from shopops.models import ApiCall
from shopops.platform import shop_client
from shopops.wechat.errors import WeChatError
from tests.affiliates.plans_support import cooperation, refused
from tests.factories import MembershipFactory, ProductFactory
from tests.helpers import console_url, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxp1ans0000000001", "p1ans5ecre7000000000000000000001"
ANCHOR = 1767240000  # the shop's simulated clock: 2026-01-01 04:00 Asia/Shanghai
Type, Status = PromotionPlan.Type, PromotionPlan.Status


@pytest.fixture
def owner(db):
    return MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET, user__username="plans")


@pytest.fixture
def league(live_sandbox, shop):
    """The emulator's shop (9 products on sale, 7 with a 普通 plan, 5 cooperating talents, one agency) and the
    same catalogue, talents and agency cooperation in ShopOps, as their syncs would store them."""
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, days=1, orders=5, seed=8, agencies=1, anchor=ANCHOR, verbosity=0
    )
    platform = PlatformAccount.objects.get(appid=APPID)
    for product in PlatformProduct.objects.filter(shop=platform):
        ProductFactory(shop=shop, product_id=product.product_id, status=product.status)
    for t in LeagueTalent.objects.filter(shop=platform):
        Talent.objects.create(
            shop=shop,
            talent_appid=t.talent_appid,
            nickname=t.nickname,
            status=t.status,
            is_blacklisted=t.is_blacklisted,
        )
    (agency,) = platform.agency_cooperations.filter(status=2)
    cooperation(shop, agency.agency.appid)
    return platform


@pytest.fixture
def web(client, owner):
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def platform_plans(platform, **filters) -> list[tuple]:
    rows = LeaguePlan.objects.filter(shop=platform, **filters).order_by("pk")
    return [(p.type, p.product_id, p.status, p.ratio_pct, sorted(p.talents)) for p in rows]


def on_sale(platform) -> dict[str, list[str]]:
    """Products on sale with a 普通 plan, and without any plan."""
    products = PlatformProduct.objects.filter(shop=platform, status=5).order_by("product_id")
    planned = set(LeaguePlan.objects.filter(shop=platform, type=1).values_list("product_id", flat=True))
    return {
        "open": [p.product_id for p in products if p.product_id in planned],
        "free": [p.product_id for p in products if p.product_id not in planned],
    }


def cooperating(platform) -> list[str]:
    return list(
        LeagueTalent.objects.filter(shop=platform, status=2, is_blacklisted=False)
        .order_by("pk")
        .values_list("talent_appid", flat=True)
    )


BATCHADD = "/channels/ec/league/item/batchadd"


def emulator_errcode(shop, body: dict, path: str = BATCHADD) -> int:
    """The errcode the emulator answers a request sent straight through the client: the request's, or the first
    item's in a batch result. Sent with the client's raw write (its own argument checks would stop some of these
    requests before HTTP, and the point is what the platform answers)."""
    with shop_client(shop) as client:
        try:
            payload = client._write(path, body)
        except WeChatError as error:
            return error.errcode
    return payload["result_info_list"][0]["errcode"]


def console_refuses(call) -> tuple[str | None, str]:
    before, calls = snapshot(), ApiCall.objects.count()
    outcome = refused(call)
    assert changes(before, snapshot()) == {}
    assert ApiCall.objects.count() == calls  # nothing was sent
    return outcome


def create(shop, type_, items, talents=(), period=None):
    return lambda: services.plans_create(
        shop=shop,
        type=type_,
        items=[PlanItem(product_id, ratio) for product_id, ratio in items],
        talent_appids=list(talents),
        period=period or Period(),
    )


# --- every rule: the console first, the emulator the same -----------------------------------------------------------


def test_ratio_0_to_90(shop, league):
    product = on_sale(league)["free"][0]

    assert console_refuses(create(shop, Type.NORMAL, [(product, 91)])) == ("items", "ratio_out_of_range")
    assert emulator_errcode(shop, {"type": 1, "list": [{"product_id": product, "ratio": 91}]}) == 10023000


def test_at_most_20_products_and_no_duplicates(shop, league):
    products = on_sale(league)["free"]
    many = [{"product_id": str(10**13 + n), "ratio": 5} for n in range(21)]

    assert console_refuses(create(shop, Type.NORMAL, [(p["product_id"], 5) for p in many])) == (
        "items",
        "too_many_products",
    )
    assert emulator_errcode(shop, {"type": 1, "list": many, "is_forerver": True}) == 10023102
    twice = [(products[0], 5), (products[0], 6)]
    assert console_refuses(create(shop, Type.NORMAL, twice)) == ("items", "duplicate_product")
    body = {"type": 1, "list": [{"product_id": p, "ratio": r} for p, r in twice]}
    assert emulator_errcode(shop, body) == 10023101


def test_the_product_exists_and_is_on_sale(shop, league):
    off_sale = PlatformProduct.objects.filter(shop=league).exclude(status=5).order_by("pk").first().product_id

    assert console_refuses(create(shop, Type.NORMAL, [("10000000000001", 5)])) == ("items", "unknown_product")
    assert console_refuses(create(shop, Type.NORMAL, [(off_sale, 5)])) == ("items", "product_not_listed")
    for product_id, errcode in (("10000000000001", 10023103), (off_sale, 10023104)):
        body = {"type": 1, "list": [{"product_id": product_id, "ratio": 5}], "is_forerver": True}
        assert emulator_errcode(shop, body) == errcode


def test_exclusive_excludes_open_and_targeted_both_ways(shop, league):
    services.plans_sync(shop=shop)
    with_open, free = on_sale(league)["open"][0], on_sale(league)["free"][0]
    talent = cooperating(league)[0]
    exclusive = {"type": 3, "talent_appids": [talent], "is_forerver": True}
    services.plans_create(shop=shop, type=Type.EXCLUSIVE, items=[PlanItem(free, 20)], talent_appids=[talent])

    assert console_refuses(create(shop, Type.EXCLUSIVE, [(with_open, 20)], [talent])) == ("items", "exclusive_conflict")
    assert console_refuses(create(shop, Type.NORMAL, [(free, 10)])) == ("items", "exclusive_conflict")
    body = {**exclusive, "list": [{"product_id": with_open, "ratio": 20}]}
    assert emulator_errcode(shop, body) == 10023105
    body = {"type": 1, "list": [{"product_id": free, "ratio": 10}], "is_forerver": True}
    assert emulator_errcode(shop, body) == 10023105


def test_targeted_needs_a_listed_open_plan(shop, league):
    free = on_sale(league)["free"][0]
    talent = cooperating(league)[0]

    assert console_refuses(create(shop, Type.TARGETED, [(free, 20)], [talent])) == ("items", "normal_plan_not_listed")
    body = {"type": 2, "list": [{"product_id": free, "ratio": 20}], "talent_appids": [talent], "is_forerver": True}
    assert emulator_errcode(shop, body) == 10023106


def test_talents_1_to_30_valid_and_in_one_plan_of_a_product(shop, league):
    services.plans_sync(shop=shop)
    product = on_sale(league)["open"][0]
    talents = cooperating(league)
    not_cooperating = LeagueTalent.objects.filter(shop=league).exclude(status=2).values_list("talent_appid", flat=True)
    thirty_one = [f"wx{n:016x}" for n in range(31)]
    targeted = {"type": 2, "list": [{"product_id": product, "ratio": 20}], "is_forerver": True}

    assert console_refuses(create(shop, Type.TARGETED, [(product, 20)], thirty_one)) == (
        "talent_appids",
        "too_many_talents",
    )
    assert emulator_errcode(shop, {**targeted, "talent_appids": thirty_one}) == 10023102
    for appid in [*not_cooperating, "wx0000000000000000"]:
        assert console_refuses(create(shop, Type.TARGETED, [(product, 20)], [talents[0], appid])) == (
            "talent_appids",
            "invalid_talent",
        )
        assert emulator_errcode(shop, {**targeted, "talent_appids": [talents[0], appid]}) == 10023001
    assert console_refuses(create(shop, Type.TARGETED, [(product, 20)], [])) == ("talent_appids", "talents_required")
    assert emulator_errcode(shop, targeted) == 10023000

    services.plans_create(shop=shop, type=Type.TARGETED, items=[PlanItem(product, 20)], talent_appids=[talents[0]])
    assert console_refuses(create(shop, Type.TARGETED, [(product, 25)], [talents[1], talents[0]])) == (
        "talent_appids",
        "talent_in_other_plan",
    )
    assert emulator_errcode(shop, {**targeted, "talent_appids": [talents[1], talents[0]]}) == 10023001


def test_a_period_ends_after_it_starts_in_the_future(shop, league):
    product = on_sale(league)["free"][0]
    start = timezone.now() + timedelta(days=2)
    backwards = Period(begin_time=start, end_time=start - timedelta(days=1), forever=False)

    assert console_refuses(create(shop, Type.NORMAL, [(product, 5)], period=backwards)) == (
        "end_time",
        "period_invalid",
    )
    body = {
        "type": 1,
        "list": [{"product_id": product, "ratio": 5}],
        "is_forerver": False,
        "begin_time": int(backwards.begin_time.timestamp()),
        "end_time": int(backwards.end_time.timestamp()),
    }
    assert emulator_errcode(shop, body) == 10023000


def test_one_open_plan_per_product(shop, league):
    services.plans_sync(shop=shop)
    product = on_sale(league)["open"][0]

    assert console_refuses(create(shop, Type.NORMAL, [(product, 5)])) == ("items", "plan_exists")
    body = {"type": 1, "list": [{"product_id": product, "ratio": 5}], "is_forerver": True}
    assert emulator_errcode(shop, body) == 10023000


# --- the plans' life ------------------------------------------------------------------------------------------------


def terms_of(plan) -> list[tuple]:
    return [
        (t.listed, t.ratio_percent, t.talent_appids, t.valid_to is None)
        for t in PlanTerms.objects.filter(plan=plan).order_by("valid_from", "pk")
    ]


def test_sync_reads_the_platforms_plans_with_their_terms(shop, league):
    changed = services.plans_sync(shop=shop)

    seeded = LeaguePlan.objects.filter(shop=league, type=1).order_by("product_id")
    plans = PromotionPlan.objects.filter(shop=shop).order_by("product_id")
    assert changed == 7
    assert [(p.type, p.product_id, p.status, p.ratio_percent) for p in plans] == [
        (1, s.product_id, 1, s.ratio_pct) for s in seeded
    ]
    # item/get gives a 普通 plan no start time: first seen, its terms count for every order synced with it.
    assert [(t.valid_from, t.valid_to, t.listed) for t in PlanTerms.objects.filter(shop=shop)] == [
        (services.KNOWN_SINCE_FIRST_SIGHTING, None, True)
    ] * 7
    assert services.plans_sync(shop=shop) == 0  # nothing changed: nothing written

    # A change made elsewhere (the 微信小店 backend) is seen by the next sync as new terms.
    first = seeded[0]
    with shop_client(shop) as client:
        client.league_item_upd({"type": 1, "product_id": first.product_id, "operate_type": 1, "ratio": 33})
        client.league_item_delete(type=1, product_id=seeded[1].product_id)
    assert services.plans_sync(shop=shop) == 2
    assert terms_of(plans.get(product_id=first.product_id)) == [
        (True, first.ratio_pct, [], False),
        (True, 33, [], True),
    ]
    gone = plans.get(product_id=seeded[1].product_id)
    assert (gone.status, terms_of(gone)[-1]) == (Status.DELETED, (False, seeded[1].ratio_pct, [], True))


def test_a_targeted_plan_from_creation_to_deletion(shop, league):
    services.plans_sync(shop=shop)
    product = on_sale(league)["open"][0]
    ann, bob = cooperating(league)[:2]

    result = services.plans_create(shop=shop, type=Type.TARGETED, items=[PlanItem(product, 20)], talent_appids=[ann])
    (plan,) = result.created
    assert (result.failed, plan.status, plan.ratio_percent, plan.talent_appids) == ([], Status.LISTED, 20, [ann])
    assert platform_plans(league, type=2) == [(2, product, 1, 20, [ann])]
    assert plan.info_id == LeaguePlan.objects.get(shop=league, type=2).plan_id

    plan = services.plan_update(plan=plan, ratio_percent=25, period=Period(), talent_appids=[bob])
    assert platform_plans(league, type=2) == [(2, product, 1, 25, [bob])]
    plan = services.plan_delist(plan=plan)
    assert platform_plans(league, type=2) == [(2, product, 2, 25, [bob])]
    plan = services.plan_relist(plan=plan)
    assert platform_plans(league, type=2) == [(2, product, 1, 25, [bob])]
    plan = services.plan_delete(plan=plan)
    assert platform_plans(league, type=2) == [(2, product, 4, 25, [bob])]

    assert plan.status == Status.DELETED
    assert terms_of(plan) == [
        (True, 20, [ann], False),
        (True, 25, [bob], False),
        (False, 25, [bob], False),
        (True, 25, [bob], False),
        (False, 25, [bob], True),
    ]
    # Each row ends where the next begins: at any moment exactly one row of the plan is in force.
    rows = list(PlanTerms.objects.filter(plan=plan).order_by("valid_from", "pk"))
    assert all(a.valid_to == b.valid_from for a, b in zip(rows, rows[1:], strict=False))
    assert services.plans_sync(shop=shop) == 0  # the sync agrees with what the console stored


def test_a_batch_accepted_in_part_keeps_what_succeeded(web, shop, league):
    services.plans_sync(shop=shop)
    free_a, free_b = on_sale(league)["free"][:2]
    talent = cooperating(league)[0]
    # Someone gives free_b an exclusive plan in the WeChat Shop backend; ShopOps has not synced since.
    with shop_client(shop) as client:
        client.league_item_batchadd(
            {"type": 3, "list": [{"product_id": free_b, "ratio": 30}], "talent_appids": [talent], "is_forerver": True}
        )

    response = web.post(
        console_url("affiliate_plan_create", shop),
        {
            "type": Type.NORMAL,
            "items-TOTAL_FORMS": "3",
            "items-INITIAL_FORMS": "0",
            "items-0-product_id": free_a,
            "items-0-ratio_percent": "12",
            "items-1-product_id": free_b,
            "items-1-ratio_percent": "12",
            "forever": "on",
        },
    )

    assert response.status_code == 200
    assert flash_messages(response) == [
        "1 plan created on WeChat Shop.",
        "WeChat Shop refused 1 product; it is listed below.",
    ]
    (failure,) = response.context["failed"]
    assert (failure.product_id, failure.errcode, failure.code) == (free_b, 10023105, "exclusive_conflict")
    assert f"<code>{free_b}</code>" in response.content.decode()
    assert "10023105" in response.content.decode()
    # The form comes back with the refused product only, so submitting again does not send the other twice.
    items = response.context["items"]
    assert (items.initial_form_count(), [f.initial for f in items.forms if f.initial]) == (
        0,
        [{"product_id": free_b, "ratio_percent": 12, "service_ratio_percent": None}],
    )
    assert list(
        PromotionPlan.objects.filter(shop=shop, product_id__in=[free_a, free_b]).values_list(
            "product_id", "type", "ratio_percent"
        )
    ) == [(free_a, Type.NORMAL, 12)]


def test_a_platform_refusal_that_slips_through_is_shown_verbatim(web, shop, league):
    services.plans_sync(shop=shop)
    product = on_sale(league)["open"][0]
    ann, bob = cooperating(league)[:2]
    (plan,) = services.plans_create(
        shop=shop, type=Type.TARGETED, items=[PlanItem(product, 20)], talent_appids=[ann]
    ).created
    LeagueTalent.objects.filter(shop=league, talent_appid=bob).update(is_blacklisted=True)  # not synced yet
    before = snapshot()

    response = web.post(
        console_url("affiliate_plan_edit", shop, pk=plan.pk),
        {"ratio_percent": "22", "talent_appids": [ann, bob], "forever": "on"},
    )

    assert response.status_code == 200
    (error,) = response.context["form"].non_field_errors().as_data()
    assert error.code == "invalid_talent"
    assert error.params["errcode"] == 10023001
    assert "errcode 10023001, 不合法的finder_id" in response.content.decode()
    changed = changes(before, snapshot())
    # Only bookkeeping: the call log, tokens, and when the enrolment state was last seen.
    assert set(changed) <= {
        "shopops.ApiCall",
        "sandbox.AccessToken",
        "shopops.PlatformToken",
        "affiliates.AffiliateSettings",
    }


# --- enrolment ------------------------------------------------------------------------------------------------------


def test_not_enabled_is_learned_shown_and_checked_again(web, shop, league):
    PlatformAccount.objects.filter(pk=league.pk).update(league_enabled=False)
    product = on_sale(league)["free"][0]

    response = web.post(console_url("affiliate_league_check", shop), follow=True)
    assert response.status_code == 200
    (message,) = flash_messages(response)
    assert "营销中心 › 优选联盟" in message
    assert AffiliateSettings.objects.get(shop=shop).league == AffiliateSettings.League.NOT_ENABLED
    assert "优选联盟 is not enabled for this shop" in response.content.decode()

    assert refused(create(shop, Type.NORMAL, [(product, 10)])) == (None, "league_not_enabled")
    response = web.post(console_url("affiliate_plans_sync", shop), follow=True)
    assert response.status_code == 200 and "营销中心 › 优选联盟" in flash_messages(response)[0]

    PlatformAccount.objects.filter(pk=league.pk).update(league_enabled=True)
    response = web.post(console_url("affiliate_league_check", shop), follow=True)
    assert flash_messages(response) == ["优选联盟 is enabled for this shop."]
    assert AffiliateSettings.objects.get(shop=shop).league == AffiliateSettings.League.ENABLED
    assert 'id="league-state"' not in response.content.decode()


def test_the_first_league_call_learns_the_state(shop, league):
    assert not AffiliateSettings.objects.filter(shop=shop).exists()

    services.plans_sync(shop=shop)

    settings_row = AffiliateSettings.objects.get(shop=shop)
    assert settings_row.league == AffiliateSettings.League.ENABLED
    assert settings_row.league_checked_at is not None
    with pytest.raises(ValidationError):
        PlatformAccount.objects.filter(pk=league.pk).update(league_enabled=False)
        league_services.league_state_check(shop=shop)
    assert AffiliateSettings.objects.get(shop=shop).league == AffiliateSettings.League.NOT_ENABLED


def test_sync_keeps_a_plans_period_in_its_terms(shop, league):
    services.plans_sync(shop=shop)
    product = on_sale(league)["open"][0]
    talent = cooperating(league)[0]
    begin = datetime(2027, 3, 1, tzinfo=UTC)  # after both the shop's clock and ours
    end = begin + timedelta(days=10)
    with shop_client(shop) as client:  # made in the WeChat Shop backend, not in ShopOps
        client.league_item_batchadd(
            {
                "type": 2,
                "list": [{"product_id": product, "ratio": 25}],
                "talent_appids": [talent],
                "is_forerver": False,
                "begin_time": int(begin.timestamp()),
                "end_time": int(end.timestamp()),
            }
        )

    assert services.plans_sync(shop=shop) == 1

    plan = PromotionPlan.objects.get(shop=shop, type=Type.TARGETED)
    assert (plan.status, plan.talent_appids, plan.begin_time, plan.end_time, plan.forever) == (
        Status.PENDING,
        [talent],
        begin,
        end,
        False,
    )
    (terms,) = PlanTerms.objects.filter(plan=plan)
    # In force from the period's start through its last second.
    assert (terms.valid_from, terms.valid_to, terms.listed) == (begin, end + timedelta(seconds=1), True)


# --- agency plans ---------------------------------------------------------------------------------------------------


def test_agency_plans_go_to_a_cooperating_agency(shop, league):
    (agency,) = league.agency_cooperations.filter(status=2)
    appid = agency.agency.appid
    product = on_sale(league)["free"][0]
    HEADSUPPLIER = "/channels/ec/league/item/headsupplier/batchadd"
    item = {"product_id": product, "ratio": 15, "service_ratio": 5, "commission_type": 1}

    def offer(agency_appid, *items):
        return lambda: services.agency_plans_create(
            shop=shop,
            headsupplier_appid=agency_appid,
            items=[PlanItem(*i) for i in items],
            commission_type=1,
        )

    assert console_refuses(offer("wx1234567890abcdef", (product, 15, 5))) == (
        "headsupplier_appid",
        "agency_not_cooperating",
    )
    body = {"headsupplier_appid": "wx1234567890abcdef", "list": [item], "is_forerver": True}
    assert emulator_errcode(shop, body, HEADSUPPLIER) == 10023000
    assert console_refuses(offer(appid, (product, 15, 91))) == ("items", "ratio_out_of_range")
    body = {"headsupplier_appid": appid, "list": [{**item, "service_ratio": 91}], "is_forerver": True}
    assert emulator_errcode(shop, body, HEADSUPPLIER) == 10023000

    (plan,) = services.agency_plans_create(
        shop=shop, headsupplier_appid=appid, items=[PlanItem(product, 15, 5)], commission_type=1
    ).created
    assert (plan.headsupplier_appid, plan.ratio_percent, plan.service_ratio_percent, plan.commission_type) == (
        appid,
        15,
        5,
        1,
    )
    # Offered again: new terms for the same plan, as the platform keeps one per agency and product.
    (again,) = services.agency_plans_create(
        shop=shop, headsupplier_appid=appid, items=[PlanItem(product, 18, 6)], commission_type=1
    ).created
    assert again.pk == plan.pk
    assert [
        (t.ratio_percent, t.service_ratio_percent, t.headsupplier_appid, t.valid_to is None)
        for t in PlanTerms.objects.filter(plan=plan).order_by("valid_from", "pk")
    ] == [(15, 5, appid, False), (18, 6, appid, True)]
    platform = LeaguePlan.objects.get(shop=league, type=0, product_id=product)
    assert (platform.ratio_pct, platform.service_ratio_pct, platform.agency.appid) == (18, 6, appid)


def test_the_pages_create_edit_and_delist_a_plan(web, shop, league):
    product = on_sale(league)["free"][0]

    response = web.post(
        console_url("affiliate_plan_create", shop),
        {
            "type": Type.NORMAL,
            "items-TOTAL_FORMS": "5",
            "items-INITIAL_FORMS": "0",
            "items-0-product_id": product,
            "items-0-ratio_percent": "12",
            "forever": "on",
        },
        follow=True,
    )
    assert flash_messages(response) == ["1 plan created on WeChat Shop."]
    plan = PromotionPlan.objects.get(shop=shop, product_id=product)
    assert [p.pk for p in response.context["plans"]] == [plan.pk]

    response = web.post(console_url("affiliate_plan_edit", shop, pk=plan.pk), {"ratio_percent": "14"}, follow=True)
    assert flash_messages(response) == ["The plan was changed on WeChat Shop and is listed."]
    assert response.context["plan"].ratio_percent == 14

    response = web.post(console_url("affiliate_plan_action", shop, pk=plan.pk, action="delist"), follow=True)
    assert flash_messages(response) == ["The plan was delisted."]
    assert platform_plans(league, product_id=product) == [(1, product, 2, 14, [])]
    assert [t.ratio_percent for t in response.context["history"]] == [14, 14, 12]


def fault(*args):
    call_command("sandbox_faults", "--shop", APPID, *args, verbosity=0)


def test_other_platform_failures_are_refusals_with_the_platforms_words(shop, league):
    services.plans_sync(shop=shop)
    product = on_sale(league)["free"][0]
    calls = ApiCall.objects.count()

    fault("--fail-path", "/channels/ec/league/item/batchadd", "--fail-errcode", "45009")
    with pytest.raises(ValidationError) as quota:
        services.plans_create(shop=shop, type=Type.NORMAL, items=[PlanItem(product, 10)])
    assert (quota.value.code, quota.value.params["errcode"]) == ("platform_refused", 45009)
    assert "45009" in quota.value.messages[0] and "reach max api daily quota limit" in quota.value.messages[0]

    fault("--fail-path", "/channels/ec/league/item/batchadd", "--fail-http-status", "502")
    with pytest.raises(ValidationError) as unclear:
        services.plans_create(shop=shop, type=Type.NORMAL, items=[PlanItem(product, 10)])
    assert unclear.value.code == "platform_unclear"  # a write without a clear answer: maybe done, maybe not

    assert not PromotionPlan.objects.filter(shop=shop, product_id=product).exists()
    # Every HTTP attempt is in the call log, refused ones too.
    logged = ApiCall.objects.filter(pk__gt=0).order_by("pk")[calls:]
    assert [(c.endpoint, c.errcode, c.http_status) for c in logged] == [
        ("/channels/ec/league/item/batchadd", 45009, 200),
        ("/channels/ec/league/item/batchadd", None, 502),
    ]

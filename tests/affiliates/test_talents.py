"""Talents (达人) over real HTTP against the sandbox: the sync copies the platform's talents and their figures, the
invitation is sent only after the thresholds (the platform's 30-day GMV among them), cancel, end and the blacklist
reach the platform and come back with the acting user in the audit log; refusals change nothing."""

from collections import defaultdict

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from affiliates.models import AffiliateSettings, Talent
from affiliates.services.talents import talent_end_cooperation, talent_invite, talents_sync, thresholds_set
from sandbox.models import Account, Invitation, LeagueSale, LeagueTalent
from shopops.models import ApiCall
from tests.factories import MembershipFactory
from tests.helpers import console_url, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxta1en7000000000001", "s" * 32
ANCHOR = 1767240000
Status = Talent.Status
# The seed's talents (sandbox_seed seed=4): appid by nickname, and the platform's status of each.
AGUO, MUYOU, YUNYUE, AYU, TIANFENG = (
    "wxda477d0fe8280332",  # 阿果同学, cooperating, 3 sales
    "wx4c36edbc6a364649",  # 木柚酱, cooperating, 1 sale
    "wx1961610729bea2e0",  # 云月的店, declined, 2 sales
    "wx6bb02c241c317d23",  # 阿鱼, invitation cancelled
    "wx9b499e953bcee1e0",  # 甜风, cooperation ended, blacklisted
)
CHENGYU, XINGTANG = "wxe4510dd58b6bf8f0", "wx791b1172090187be"  # the agency's talents, not the shop's yet


@pytest.fixture
def platform(live_sandbox):
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, days=3, orders=60, seed=4, agencies=1, anchor=ANCHOR, verbosity=0
    )


@pytest.fixture
def owner(db):
    return MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET, user__username="carol")


@pytest.fixture
def web(client, owner):
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def on_platform(talent_appid: str) -> tuple[int, bool]:
    row = LeagueTalent.objects.get(shop__appid=APPID, talent_appid=talent_appid)
    return row.status, row.is_blacklisted


def sales() -> dict[str, tuple[int, int]]:
    """Per talent: the GMV (fen) and the number of orders of its paid lines, as the platform records them."""
    gmv, orders = defaultdict(int), defaultdict(set)
    for talent_appid, order_id, amount in LeagueSale.objects.filter(shop__appid=APPID).values_list(
        "talent_appid", "order_id", "amount"
    ):
        gmv[talent_appid] += amount
        orders[talent_appid].add(order_id)
    return {appid: (gmv[appid], len(orders[appid])) for appid in gmv}


def endpoints() -> list[str]:
    return list(
        ApiCall.objects.exclude(endpoint__startswith="/cgi-bin").order_by("pk").values_list("endpoint", flat=True)
    )


def decide(talent_appid: str, decision: str) -> None:
    call_command("sandbox_invitation", "--shop", APPID, "--account", talent_appid, f"--{decision}", verbosity=0)


def domain(rows: dict) -> dict:
    """A snapshot without the bookkeeping a platform read leaves (the call log, tokens, the enrolment check time,
    the talents' synced_at)."""
    bookkeeping = {"shopops.ApiCall", "shopops.PlatformToken", "sandbox.AccessToken", "affiliates.AffiliateSettings"}
    rows = {label: value for label, value in rows.items() if label not in bookkeeping}
    rows["affiliates.Talent"] = [{k: v for k, v in r.items() if k != "synced_at"} for r in rows["affiliates.Talent"]]
    return rows


# --- sync ------------------------------------------------------------------------------------------------------------


def test_the_sync_copies_the_platforms_talents_and_their_figures(platform, shop):
    report = talents_sync(shop=shop)

    assert (report.found, report.changed, report.problems) == (8, 0, [])
    figures = sales()
    expected = {
        t.talent_appid: (
            t.nickname,
            t.head_img,
            t.level,
            t.status,
            t.is_blacklisted,
            *figures.get(t.talent_appid, (0, 0)),
            *figures.get(t.talent_appid, (0, 0)),  # every sale of a 3-day seed is within 30 days
        )
        for t in LeagueTalent.objects.filter(shop__appid=APPID)
    }
    copied = {
        t.talent_appid: (
            t.nickname,
            t.head_img,
            t.level,
            t.status,
            t.is_blacklisted,
            t.total_sale_gmv_fen,
            t.total_order_num,
            t.sale_gmv_30d_fen,
            t.order_num_30d,
        )
        for t in Talent.objects.filter(shop=shop)
    }
    assert copied == expected
    assert (copied[AGUO][5:7], copied[YUNYUE][3], copied[TIANFENG][3:5]) == ((23460, 3), Status.REJECTED, (5, True))
    assert AffiliateSettings.objects.get(shop=shop).league == AffiliateSettings.League.ENABLED


def test_a_second_sync_changes_nothing(platform, shop):
    talents_sync(shop=shop)
    before = snapshot()

    report = talents_sync(shop=shop)

    assert (report.found, report.changed) == (0, 0)
    assert changes(domain(before), domain(snapshot())) == {}


def test_a_talent_the_platform_deleted_is_marked_deleted(platform, shop):
    talents_sync(shop=shop)
    LeagueTalent.objects.filter(talent_appid=AYU).update(status=10)

    report = talents_sync(shop=shop)

    assert (report.found, report.changed) == (0, 1)
    assert Talent.objects.get(shop=shop, talent_appid=AYU).status == Status.DELETED
    assert Talent.objects.filter(shop=shop, status=Status.DELETED).count() == 1


def test_the_sync_button_says_what_changed(platform, web, shop):
    response = web.post(console_url("affiliate_talents_sync", shop), follow=True)

    assert flash_messages(response) == ["Synced from WeChat Shop: 8 new talents, 0 changed."]
    assert [t.talent_appid for t in response.context["talents"]][:2] == [YUNYUE, AGUO]


def test_a_shop_without_the_league_learns_it(platform, shop):
    Account.objects.filter(appid=APPID).update(league_enabled=False)

    with pytest.raises(ValidationError) as refused:
        talents_sync(shop=shop)

    assert refused.value.code == "league_not_enabled"
    assert Talent.objects.count() == 0
    assert AffiliateSettings.objects.get(shop=shop).league == AffiliateSettings.League.NOT_ENABLED


# --- invitations -----------------------------------------------------------------------------------------------------


def test_a_talent_is_invited_after_the_thresholds_and_its_answer_comes_with_a_sync(platform, web, shop):
    thresholds_set(shop=shop, min_fans=1000, min_sale_gmv_30d_fen=0, categories=["美妆", "服饰"])

    response = web.post(
        console_url("affiliate_talent_invite", shop),
        {"talent_appid": CHENGYU, "fans": "5000", "category": "美妆"},
        follow=True,
    )

    talent = Talent.objects.get(shop=shop, talent_appid=CHENGYU)
    assert flash_messages(response) == [
        "Invitation sent to “橙鱼同学”. It waits for the talent's answer: sync the talents to see it."
    ]
    assert (talent.status, talent.fans, talent.category, talent.nickname) == (Status.INVITING, 5000, "美妆", "橙鱼同学")
    assert on_platform(CHENGYU) == (1, False)
    assert endpoints()[:2] == ["/channels/ec/league/promoter/get", "/channels/ec/league/promoter/add"]
    entry = LogEntry.objects.get_for_object(talent).get()
    assert (entry.action, entry.actor.username) == (LogEntry.Action.CREATE, "carol")

    decide(CHENGYU, "accept")
    talents_sync(shop=shop)
    assert Talent.objects.get(pk=talent.pk).status == Status.ACCEPTED


def test_a_talent_is_found_by_its_search_key(platform, shop):
    talent = talent_invite(shop=shop, search_key="星糖同学")

    assert (talent.talent_appid, talent.status, on_platform(XINGTANG)) == (XINGTANG, Status.INVITING, (1, False))


def test_a_declined_talent_is_invited_again_on_its_row(platform, shop):
    talents_sync(shop=shop)
    row = Talent.objects.get(shop=shop, talent_appid=YUNYUE)

    again = talent_invite(shop=shop, talent_appid=YUNYUE)

    assert (again.pk, again.status, on_platform(YUNYUE)) == (row.pk, Status.INVITING, (1, False))


def test_below_the_30_day_gmv_nothing_is_sent(platform, shop):
    talents_sync(shop=shop)
    thresholds_set(shop=shop, min_fans=0, min_sale_gmv_30d_fen=100000, categories=[])
    ApiCall.objects.all().delete()
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        talent_invite(shop=shop, talent_appid=YUNYUE)

    assert (refused.value.code, refused.value.messages) == (
        "below_min_gmv",
        ["The talent's 30-day GMV is ¥329.40; the shop requires at least ¥1,000.00."],
    )
    assert endpoints() == ["/channels/ec/league/promoter/get"]
    assert changes(domain(before), domain(snapshot())) == {}
    assert on_platform(YUNYUE) == (3, False)


def refusal(call) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        call()
    ((field, errors),) = refused.value.error_dict.items()
    return field, errors[0].code


def test_an_unknown_talent_is_not_found(platform, shop):
    before = snapshot()

    assert refusal(lambda: talent_invite(shop=shop, talent_appid="wx000000000000dead")) == (
        "talent_appid",
        "talent_not_found",
    )
    assert changes(domain(before), domain(snapshot())) == {}


def test_a_talent_blacklisted_on_the_platform_is_not_invited(platform, shop):
    before = snapshot()

    assert refusal(lambda: talent_invite(shop=shop, talent_appid=TIANFENG)) == ("talent_appid", "blacklisted")
    assert endpoints() == ["/channels/ec/league/promoter/get"]
    assert changes(domain(before), domain(snapshot())) == {}


# --- cancel, end, blacklist ------------------------------------------------------------------------------------------


def test_an_invitation_is_cancelled_and_a_cooperation_ended_after_a_confirmation(platform, web, shop):
    talents_sync(shop=shop)
    invited = talent_invite(shop=shop, talent_appid=CHENGYU)
    aguo = Talent.objects.get(shop=shop, talent_appid=AGUO)

    cancel = console_url("affiliate_talent_action", shop, pk=invited.pk, action="cancel")
    assert web.get(cancel).context["confirm_label"] == "Cancel the invitation"
    cancelled = web.post(cancel, follow=True)
    ended = web.post(console_url("affiliate_talent_action", shop, pk=aguo.pk, action="end"), follow=True)

    assert flash_messages(cancelled) == ["The invitation to “橙鱼同学” was cancelled."]
    assert flash_messages(ended) == ["The cooperation with “阿果同学” has ended."]
    assert (Talent.objects.get(pk=invited.pk).status, on_platform(CHENGYU)) == (Status.INVITATION_CANCELLED, (4, False))
    assert (Talent.objects.get(pk=aguo.pk).status, on_platform(AGUO)) == (Status.ENDED, (5, False))
    assert Invitation.objects.get(reference=CHENGYU).status == Invitation.Status.CANCELLED


def test_a_stale_copy_is_refused_by_the_platform_and_nothing_changes(platform, shop):
    talents_sync(shop=shop)
    LeagueTalent.objects.filter(talent_appid=MUYOU).update(status=4)  # cancelled on the platform meanwhile
    talent = Talent.objects.get(shop=shop, talent_appid=MUYOU)
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        talent_end_cooperation(talent=talent)

    assert (refused.value.code, refused.value.params["errcode"]) == ("invalid_param", 10023000)
    assert changes(domain(before), domain(snapshot())) == {}


def test_blacklisting_reaches_the_platform_with_the_reason_and_who_did_it(platform, web, shop):
    talents_sync(shop=shop)
    talent = Talent.objects.get(shop=shop, talent_appid=MUYOU)
    url = console_url("affiliate_talent_action", shop, pk=talent.pk, action="blacklist")

    response = web.post(url, {"reason": " 多次违规推广 "}, follow=True)

    assert flash_messages(response) == ["“木柚酱” is blacklisted."]
    talent.refresh_from_db()
    assert (talent.is_blacklisted, talent.blacklist_reason, on_platform(MUYOU)) == (True, "多次违规推广", (2, True))
    entry = LogEntry.objects.get_for_object(talent).latest("pk")
    assert (entry.actor.username, entry.changes_dict["is_blacklisted"]) == ("carol", ["False", "True"])

    web.post(console_url("affiliate_talent_action", shop, pk=talent.pk, action="unblacklist"), {"reason": "申诉通过"})
    page = web.get(console_url("affiliate_talent_detail", shop, pk=talent.pk))
    history = [(c.actor, c.blacklisted, c.reason) for c in page.context["history"]]
    assert history == [("carol", False, "申诉通过"), ("carol", True, "多次违规推广")]
    assert on_platform(MUYOU) == (2, False)

    before = snapshot()
    talents_sync(shop=shop)  # the platform agrees: nothing to change
    assert changes(domain(before), domain(snapshot())) == {}


def test_the_talents_page_shows_its_sales_per_product(platform, web, shop):
    talents_sync(shop=shop)
    talent = Talent.objects.get(shop=shop, talent_appid=AGUO)
    gmv, orders = defaultdict(int), defaultdict(set)
    for product_id, order_id, amount in LeagueSale.objects.filter(shop__appid=APPID, talent_appid=AGUO).values_list(
        "product_id", "order_id", "amount"
    ):
        gmv[product_id] += amount
        orders[product_id].add(order_id)

    products = web.get(console_url("affiliate_talent_detail", shop, pk=talent.pk)).context["products"]

    assert {r.product_id: (r.total_sale_gmv_fen, r.total_order_num, r.sale_gmv_30d_fen) for r in products.rows} == {
        product_id: (gmv[product_id], len(orders[product_id]), gmv[product_id]) for product_id in gmv
    }
    assert (products.total, products.page, products.has_more) == (len(gmv), 1, False)

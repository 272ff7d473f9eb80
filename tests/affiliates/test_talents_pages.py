"""The talent pages without the platform: the list (filters, pages, fixed queries, empty states), the thresholds,
the refusals decided before any call (thresholds, reasons, wrong states), and the blacklist history read from the
audit log. The platform side is in test_talents.py."""

import pytest
from auditlog.context import set_actor
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from affiliates.models import AffiliateSettings, Talent
from affiliates.selectors.talents import blacklist_history
from affiliates.services.talents import talent_invite, thresholds_set
from shopops.models import ApiCall
from shopops.roles import Role
from tests.factories import MembershipFactory, ShopFactory
from tests.helpers import assert_constant_queries, console_url, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db
Status = Talent.Status


@pytest.fixture
def shop():
    return ShopFactory(name="示例小店", appid="wx5h0p000000000001", app_secret="s" * 32)


@pytest.fixture
def operator(shop):
    return MembershipFactory(shop=shop, role=Role.OPERATOR, user__username="olivia")


@pytest.fixture
def web(client, operator):
    client.force_login(operator.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def talent_of(shop, n: int, **fields) -> Talent:
    values = {"status": Status.ACCEPTED, "nickname": f"达人{n:03d}", "sale_gmv_30d_fen": 1000 * n, **fields}
    return Talent.objects.create(shop=shop, talent_appid=f"wxtalent{n:010d}", **values)


def listed(response) -> list[str]:
    return [t.talent_appid for t in response.context["talents"]]


# --- the list --------------------------------------------------------------------------------------------------------


def test_the_list_runs_the_same_queries_for_1_and_50_talents(web, shop):
    made = iter(range(1, 1000))

    def add(n):
        for _ in range(n):
            talent_of(shop, next(made))

    small, large = assert_constant_queries(web, console_url("affiliate_talents", shop), add, small=1, large=50)
    assert (len(listed(small)), len(listed(large))) == (1, 50)


def test_the_list_is_ordered_by_30_day_gmv_and_paged_by_50(web, shop):
    for n in range(1, 53):
        talent_of(shop, n)

    first = web.get(console_url("affiliate_talents", shop))
    second = web.get(console_url("affiliate_talents", shop) + "?page=2")

    assert listed(first)[:2] == ["wxtalent0000000052", "wxtalent0000000051"]
    assert listed(second) == ["wxtalent0000000002", "wxtalent0000000001"]
    assert "Page 2 of 2 · 52 in all" in second.content.decode()


def test_filters(web, shop):
    talent_of(shop, 1, nickname="小明")
    talent_of(shop, 2, status=Status.INVITING)
    talent_of(shop, 3, is_blacklisted=True, blacklist_reason="刷单")
    talent_of(ShopFactory(), 4, nickname="小明")
    url = console_url("affiliate_talents", shop)

    assert listed(web.get(url)) == ["wxtalent0000000003", "wxtalent0000000002", "wxtalent0000000001"]
    assert listed(web.get(url + "?q=小明")) == ["wxtalent0000000001"]
    assert listed(web.get(url + "?q=0000000002")) == ["wxtalent0000000002"]
    assert listed(web.get(url + "?status=1")) == ["wxtalent0000000002"]
    assert listed(web.get(url + "?blacklisted=yes")) == ["wxtalent0000000003"]
    assert listed(web.get(url + "?blacklisted=no&status=2")) == ["wxtalent0000000001"]
    assert listed(web.get(url + "?status=banana")) == [
        "wxtalent0000000003",
        "wxtalent0000000002",
        "wxtalent0000000001",
    ]


def test_empty_states(web, shop):
    empty = web.get(console_url("affiliate_talents", shop)).content.decode()
    talent_of(shop, 1)
    no_match = web.get(console_url("affiliate_talents", shop) + "?q=nobody").content.decode()

    assert "No talents yet" in empty
    assert "No talents match these filters" in no_match


# --- thresholds ------------------------------------------------------------------------------------------------------


def test_thresholds_are_saved_in_fen_with_their_categories(web, shop):
    response = web.post(
        console_url("affiliate_thresholds", shop),
        {"min_fans": "10000", "min_sale_gmv_30d_fen": "1234.5", "categories": " 美妆 \n\n服饰\n美妆\n"},
        follow=True,
    )

    row = AffiliateSettings.objects.get(shop=shop)
    assert (row.min_fans, row.min_sale_gmv_30d_fen, row.categories) == (10000, 123450, ["美妆", "服饰"])
    assert flash_messages(response) == ["Thresholds saved. They apply to the next invitation."]
    form = web.get(console_url("affiliate_thresholds", shop)).context["form"]
    assert form.initial["categories"] == "美妆\n服饰"
    assert str(form.initial["min_sale_gmv_30d_fen"]) == "1234.5"


def test_thresholds_keep_the_league_state_beside_them(shop):
    AffiliateSettings.objects.create(shop=shop, league=AffiliateSettings.League.NOT_ENABLED)

    thresholds_set(shop=shop, min_fans=5, min_sale_gmv_30d_fen=0, categories=[])

    assert AffiliateSettings.objects.get(shop=shop).league == AffiliateSettings.League.NOT_ENABLED


def test_a_category_over_64_characters_is_refused(shop):
    with pytest.raises(ValidationError) as refused:
        thresholds_set(shop=shop, min_fans=0, min_sale_gmv_30d_fen=0, categories=["类" * 65])

    assert refused.value.error_dict["categories"][0].code == "invalid_category"
    assert AffiliateSettings.objects.count() == 0


def test_an_analyst_reads_the_thresholds_but_cannot_change_them(client, shop):
    analyst = MembershipFactory(shop=shop, role=Role.ANALYST)
    client.force_login(analyst.user)

    assert client.get(console_url("affiliate_thresholds", shop)).status_code == 200
    assert client.post(console_url("affiliate_thresholds", shop), {"min_fans": "1"}).status_code == 403
    assert AffiliateSettings.objects.count() == 0


# --- refusals decided before any call --------------------------------------------------------------------------------


@pytest.fixture
def thresholds(shop):
    return thresholds_set(shop=shop, min_fans=1000, min_sale_gmv_30d_fen=50000, categories=["美妆", "服饰"])


def invite_refusal(shop, **fields) -> dict[str, str]:
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        talent_invite(shop=shop, **fields)
    assert changes(before, snapshot()) == {}
    assert ApiCall.objects.count() == 0  # nothing was sent
    error = refused.value
    return {field: errors[0].code for field, errors in error.error_dict.items()}


@pytest.mark.usefixtures("thresholds")
@pytest.mark.parametrize(
    ("fields", "codes"),
    [
        ({"talent_appid": "wxtalent0000000009", "category": "美妆"}, {"fans": "fans_required"}),
        ({"talent_appid": "wxtalent0000000009", "fans": 999, "category": "美妆"}, {"fans": "below_min_fans"}),
        (
            {"talent_appid": "wxtalent0000000009", "fans": 1000, "category": "食品"},
            {"category": "category_not_allowed"},
        ),
        ({"talent_appid": "wxtalent0000000009", "fans": 1000}, {"category": "category_not_allowed"}),
        ({"fans": 1000, "category": "美妆"}, {"talent_appid": "talent_required"}),
        (
            {"talent_appid": "wx1", "search_key": "k", "fans": 1000, "category": "美妆"},
            {"talent_appid": "talent_required"},
        ),
    ],
)
def test_thresholds_are_checked_before_anything_is_sent(shop, fields, codes):
    assert invite_refusal(shop, **fields) == codes


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"status": Status.INVITING}, "invitation_pending"),
        ({"status": Status.ACCEPTED}, "already_cooperating"),
        ({"status": Status.ENDED, "is_blacklisted": True}, "blacklisted"),
    ],
)
def test_a_talent_already_invited_cooperating_or_blacklisted_is_not_invited_again(shop, fields, code):
    talent_of(shop, 9, **fields)

    assert invite_refusal(shop, talent_appid="wxtalent0000000009") == {"talent_appid": code}


def test_the_invitation_form_shows_the_refusal_on_its_field(web, shop, thresholds):
    response = web.post(
        console_url("affiliate_talent_invite", shop), {"talent_appid": "wxtalent0000000009", "category": "美妆"}
    )

    assert response.context["form"].errors == {
        "fans": ["Enter the talent's fans from its Channels profile: the shop requires at least 1000."]
    }
    page = response.content.decode()
    assert "At least 1000 fans" in page
    assert "WeChat Shop reports neither fans nor category" in page
    choices = [value for value, _label in response.context["form"].fields["category"].choices]
    assert choices == ["", "美妆", "服饰"]


@pytest.mark.parametrize(
    ("status", "action"),
    [(Status.ACCEPTED, "cancel"), (Status.INVITING, "end"), (Status.ENDED, "end"), (Status.REJECTED, "cancel")],
)
def test_cancel_and_end_in_the_wrong_state_are_refused_before_any_call(web, shop, status, action):
    talent = talent_of(shop, 1, status=status)
    before = snapshot()

    response = web.post(console_url("affiliate_talent_action", shop, pk=talent.pk, action=action))

    assert changes(before, snapshot()) == {}
    assert [str(m)[:7] for m in get_messages(response.wsgi_request)] == ["Only a "]


@pytest.mark.parametrize(("reason", "message"), [("", "Give a reason."), ("x" * 201, "Keep the reason to 200")])
def test_the_blacklist_needs_a_reason(web, shop, reason, message):
    talent = talent_of(shop, 1)
    url = console_url("affiliate_talent_action", shop, pk=talent.pk, action="blacklist")
    assert web.get(url).context["reason_form"] is not None
    before = snapshot()

    response = web.post(url, {"reason": reason})

    assert response.status_code == 200
    assert response.context["reason_form"].errors["reason"][0].startswith(message)
    assert changes(before, snapshot()) == {}


def test_unblacklisting_a_talent_not_blacklisted_is_refused(web, shop):
    talent = talent_of(shop, 1)
    before = snapshot()

    response = web.post(
        console_url("affiliate_talent_action", shop, pk=talent.pk, action="unblacklist"), {"reason": "误操作"}
    )

    assert response.context["reason_form"].non_field_errors() == ["The talent is not blacklisted."]
    assert changes(before, snapshot()) == {}


def test_an_unknown_action_is_not_found(web, shop):
    talent = talent_of(shop, 1)

    assert web.get(console_url("affiliate_talent_action", shop, pk=talent.pk, action="delete")).status_code == 404


# --- the talent's page -----------------------------------------------------------------------------------------------


def test_the_blacklist_history_comes_from_the_audit_log(web, shop, operator):
    talent = talent_of(shop, 1)
    with set_actor(operator.user):
        talent.is_blacklisted, talent.blacklist_reason = True, "刷单"
        talent.save()
        talent.nickname = "改名"
        talent.save()
        talent.is_blacklisted, talent.blacklist_reason = False, "申诉通过"
        talent.save()

    history = [(c.actor, c.blacklisted, c.reason) for c in blacklist_history(talent=talent)]

    assert history == [("olivia", False, "申诉通过"), ("olivia", True, "刷单")]
    page = web.get(console_url("affiliate_talent_detail", shop, pk=talent.pk)).content.decode()
    assert "申诉通过" in page and "刷单" in page


def test_the_talents_page_says_when_the_platform_cannot_be_asked(client):
    shop = ShopFactory(appid="")
    client.force_login(MembershipFactory(shop=shop, role=Role.OPERATOR).user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    talent = talent_of(shop, 1)

    response = client.get(console_url("affiliate_talent_detail", shop, pk=talent.pk))

    assert response.context["products_error"] == (
        "Connect the shop to WeChat Shop first: enter its AppID and AppSecret."
    )

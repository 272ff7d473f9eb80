"""The agency cooperation pages of the console on the real platform (recorded in ShopOps only): the list with its
figures, filter, pages and fixed queries, the invitation form, cancel and end behind a confirmation that says
where to do the same in WeChat, another shop's row 404."""

from datetime import UTC, datetime

import pytest
from django.conf import settings

from affiliates.models import Cooperation
from shopops.roles import Role
from tests.factories import AgencyFactory, MembershipFactory, ShopFactory
from tests.helpers import assert_constant_queries, console_url, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db
Status = Cooperation.Status
NOW = datetime(2026, 3, 2, 4, 5, 6, tzinfo=UTC)
SHOP_APPID = "wx5h0p000000000001"
WHERE = "the 微信小店 backend (优选联盟 → 机构合作)"


@pytest.fixture(autouse=True)
def real_platform(settings):
    settings.WECHAT_SANDBOX_ONLY_APIS = False


@pytest.fixture
def shop():
    return ShopFactory(name="示例小店", appid=SHOP_APPID, app_secret="s" * 32)


@pytest.fixture
def web(client, shop):
    client.force_login(MembershipFactory(shop=shop, role=Role.OPERATOR).user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def cooperation_of(shop, n: int, **fields) -> Cooperation:
    values = {"status": Status.ACCEPTED, "agency_name": f"机构{n:03d}", "invited_at": NOW, **fields}
    return Cooperation.objects.create(
        shop=shop, shop_appid=shop.appid or f"wxother{n:011d}", agency_appid=f"wxa9e0c7{n:010d}", **values
    )


def listed(response) -> list[str]:
    return [c.agency_appid for c in response.context["cooperations"]]


def test_the_list_shows_pending_first_with_the_platforms_figures(web, shop):
    cooperation_of(shop, 1, gmv_fen=123456, settled_fen=1000, unsettled_fen=None)
    cooperation_of(shop, 2, status=Status.INVITING)
    cooperation_of(shop, 3, status=Status.REJECTED, reject_reason="品类不符", decided_at=NOW)
    cooperation_of(ShopFactory(appid="wx5h0p000000000002"), 4)

    response = web.get(console_url("affiliate_agencies", shop))

    assert listed(response) == ["wxa9e0c70000000002", "wxa9e0c70000000001", "wxa9e0c70000000003"]
    page = response.content.decode()
    assert "¥1,234.56" in page and "Reason: 品类不符" in page
    assert "WeChat Shop offers no API for agency cooperations" in page
    assert listed(web.get(console_url("affiliate_agencies", shop) + "?status=3")) == ["wxa9e0c70000000003"]


def test_the_list_runs_the_same_queries_for_1_and_50_rows_and_pages_by_50(web, shop):
    made = iter(range(1, 1000))

    def add(n):
        for _ in range(n):
            cooperation_of(shop, next(made), agency=AgencyFactory())

    assert_constant_queries(web, console_url("affiliate_agencies", shop), add, small=1, large=51)
    assert len(listed(web.get(console_url("affiliate_agencies", shop) + "?page=2"))) == 1


def test_empty_states(web, shop):
    assert "No agencies yet" in web.get(console_url("affiliate_agencies", shop)).content.decode()
    cooperation_of(shop, 1)
    page = web.get(console_url("affiliate_agencies", shop) + "?status=1").content.decode()
    assert "No agencies match this filter" in page


def test_an_invitation_is_recorded_and_the_page_says_where_to_send_it(web, shop):
    page = web.get(console_url("affiliate_agency_invite", shop)).content.decode()
    assert "Record the invitation" in page and WHERE in page

    response = web.post(
        console_url("affiliate_agency_invite", shop),
        {"agency_appid": "wxa9e0c70000000001", "agency_name": "示例机构"},
        follow=True,
    )

    assert flash_messages(response) == [
        f"Invitation to “示例机构” recorded. Now send it in {WHERE}: WeChat Shop offers no API for it. The agency's "
        "answer shows here once its data is synced."
    ]
    assert listed(response) == ["wxa9e0c70000000001"]
    assert Cooperation.objects.get().status == Status.INVITING


def test_a_refused_invitation_shows_the_reason_on_its_field(web, shop):
    cooperation_of(shop, 1)
    before = snapshot()

    response = web.post(console_url("affiliate_agency_invite", shop), {"agency_appid": "wxa9e0c70000000001"})

    assert response.context["form"].errors == {"agency_appid": ["The shop already cooperates with this agency."]}
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize(
    ("status", "action", "after", "message"),
    [
        (Status.INVITING, "cancel", Status.INVITATION_CANCELLED, "The invitation to “机构001” was cancelled."),
        (Status.ACCEPTED, "end", Status.ENDED, "The cooperation with “机构001” has ended."),
    ],
)
def test_cancel_and_end_after_a_confirmation(web, shop, status, action, after, message):
    cooperation = cooperation_of(shop, 1, status=status)
    url = console_url("affiliate_agency_action", shop, pk=cooperation.pk, action=action)

    confirmation = web.get(url)
    assert WHERE in confirmation.context["confirm_text"]
    response = web.post(url, follow=True)

    assert flash_messages(response) == [message]
    assert Cooperation.objects.get().status == after


def test_the_wrong_action_for_the_status_is_refused(web, shop):
    cooperation = cooperation_of(shop, 1, status=Status.ACCEPTED)
    before = snapshot()

    response = web.post(console_url("affiliate_agency_action", shop, pk=cooperation.pk, action="cancel"), follow=True)

    assert flash_messages(response) == [
        "Only a pending invitation can be cancelled; this cooperation is “Cooperating”."
    ]
    assert changes(before, snapshot()) == {}
    assert web.get(console_url("affiliate_agency_action", shop, pk=cooperation.pk, action="x")).status_code == 404


def test_another_shops_cooperation_is_not_found(web, shop):
    theirs = cooperation_of(ShopFactory(appid="wx5h0p000000000002"), 1, status=Status.INVITING)
    before = snapshot()

    assert web.post(console_url("affiliate_agency_action", shop, pk=theirs.pk, action="cancel")).status_code == 404
    assert changes(before, snapshot()) == {}


def test_there_is_no_list_to_refresh_from_on_the_real_platform(web, shop):
    assert "refresh-agencies" not in web.get(console_url("affiliate_agencies", shop)).content.decode()

    response = web.post(console_url("affiliate_agencies_refresh", shop), follow=True)

    assert flash_messages(response) == [f"WeChat Shop offers no API for this: do it in {WHERE}."]

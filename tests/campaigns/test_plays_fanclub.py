"""粉丝团: the prerequisites checklist (tipping, corporate settlement, the club itself) and the fan-only notice with
its visibility, recorded locally — WeChat has no API for any of it."""

import pytest

from campaigns.models import FanClub
from tests.campaigns.plays_support import tr
from tests.factories import MembershipFactory
from tests.helpers import console_url
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

ALL_DONE = {
    "tipping_enabled": "on",
    "corporate_settlement": "on",
    "club_created": "on",
    "notice": "每周五晚8点开播，粉丝专属福袋等你来抢！",
    "notice_visibility": "fans",
    "notice_set": "on",
}


@pytest.fixture
def web(owner_client):
    return owner_client


def test_the_page_explains_each_step_in_wechat_before_anything_is_recorded(web, shop):
    page = web.get(console_url("fanclub", shop))
    text = page.content.decode()
    assert page.status_code == 200 and not FanClub.objects.exists()
    for step in ("【直播管理】", "【直播收入】", "【开通】", "【粉丝团】", "【创建】", "【向粉丝展示公告】"):
        assert step in text
    assert tr("Not ready yet") in text


def test_the_checklist_and_the_notice_are_recorded(web, shop):
    response = web.post(console_url("fanclub", shop), ALL_DONE)
    assert response.status_code == 302
    club = FanClub.objects.get(shop=shop)
    assert (club.tipping_enabled, club.corporate_settlement, club.club_created, club.notice_set, club.ready) == (
        True,
        True,
        True,
        True,
        True,
    )
    assert (club.notice, club.notice_visibility) == ("每周五晚8点开播，粉丝专属福袋等你来抢！", "fans")
    page = web.get(console_url("fanclub", shop))
    assert page.context["form"].initial["notice"] == club.notice and tr("Fan club open") in page.content.decode()


@pytest.mark.parametrize(
    ("edits", "field"),
    [
        ({"tipping_enabled": ""}, "club_created"),
        ({"corporate_settlement": ""}, "club_created"),
        ({"club_created": "", "tipping_enabled": "", "corporate_settlement": ""}, "notice_set"),
        ({"notice": "  "}, "notice"),
    ],
)
def test_steps_out_of_order_are_refused_on_their_field(web, shop, edits, field):
    before = snapshot()
    data = {k: v for k, v in {**ALL_DONE, **edits}.items() if v != ""}
    response = web.post(console_url("fanclub", shop), data)
    assert response.status_code == 200 and list(response.context["form"].errors) == [field]
    assert changes(before, snapshot()) == {}


def test_an_analyst_may_look_but_not_record(client, shop):
    client.force_login(MembershipFactory(shop=shop, role="analyst").user)
    assert client.get(console_url("fanclub", shop)).status_code == 200
    assert client.post(console_url("fanclub", shop), ALL_DONE).status_code == 403
    assert not FanClub.objects.exists()

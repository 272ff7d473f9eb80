"""Answering a shop's invitation in the partner portal: accept, or decline with a reason (through
affiliates.services.cooperation.cooperation_decide); a refused answer shows its error on the field and changes
nothing. Recorded in ShopOps only (the real platform has no API for it; WECHAT_SANDBOX_ONLY_APIS off), or with the
emulator, which takes the answer over HTTP first."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from affiliates.models import Cooperation
from affiliates.services.cooperation import cooperation_invite
from sandbox.models import Cooperation as PlatformCooperation
from tests.affiliates.test_partner import portal_data
from tests.factories import AgencyMemberFactory, ShopFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_only(settings):
    settings.WECHAT_SANDBOX_ONLY_APIS = False


@pytest.fixture
def data(recorded_only):
    return portal_data()


@pytest.fixture
def a_client(client, data):
    client.force_login(data[0].user)
    return client


def _url(cooperation) -> str:
    return reverse("partner:invitation_decide", kwargs={"pk": cooperation.pk})


def test_the_home_page_offers_each_pending_invitation_and_says_where_wechat_takes_the_answer(a_client, data):
    a, _b = data
    html = a_client.get(reverse("partner:home")).content.decode()
    assert f'action="{_url(a.invitation)}"' in html
    assert f'href="{_url(a.invitation)}?decision=decline"' in html
    assert "联盟带货机构管理平台" in html


def test_accepting_an_invitation_makes_the_shop_a_cooperating_one(a_client, data):
    a, _b = data
    response = a_client.post(_url(a.invitation), {"decision": "accept"})
    assert (response.status_code, response.url) == (302, reverse("partner:home"))
    row = Cooperation.objects.get(pk=a.invitation.pk)
    assert (row.status, row.reject_reason, row.decided_at is not None) == (Cooperation.Status.ACCEPTED, "", True)
    home = a_client.get(reverse("partner:home")).context
    assert ([c.pk for c in home["pending"]], sorted(c.shop_appid for c in home["cooperating"])) == (
        [],
        ["wxshopainvite00001", "wxshopshared000001"],
    )


def test_declining_records_the_reason(a_client, data):
    a, _b = data
    response = a_client.post(_url(a.invitation), {"decision": "decline", "reason": "  类目不匹配  "})
    assert response.status_code == 302
    row = Cooperation.objects.get(pk=a.invitation.pk)
    assert (row.status, row.reject_reason) == (Cooperation.Status.REJECTED, "类目不匹配")


def _codes(form) -> dict[str, list[str]]:
    return {name: [error.code for error in errors.as_data()] for name, errors in form.errors.items()}


@pytest.mark.parametrize(
    ("posted", "codes"),
    [
        ({"decision": "decline", "reason": "  "}, {"reason": ["reason_required"]}),
        ({"decision": "decline", "reason": "太" * 201}, {"reason": ["max_length"]}),
        ({"decision": "maybe"}, {"decision": ["invalid_choice"]}),
        ({}, {"decision": ["required"]}),
    ],
)
def test_a_bad_answer_gets_field_errors_and_changes_nothing(a_client, data, posted, codes):
    a, _b = data
    before = snapshot()
    response = a_client.post(_url(a.invitation), posted)
    assert response.status_code == 200
    assert _codes(response.context["form"]) == codes
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert changes(before, snapshot()) == {}


def test_an_invitation_answered_already_is_refused_as_wrong_state(a_client, data):
    a, _b = data
    before = snapshot()
    response = a_client.post(_url(a.cooperating), {"decision": "decline", "reason": "不合作了"})
    assert response.status_code == 200
    assert _codes(response.context["form"]) == {"__all__": ["wrong_state"]}
    assert response.context["pending"] is False
    assert changes(before, snapshot()) == {}


# --- with the emulator: the answer goes to the platform first ------------------------------------------------------

EMULATED_SHOP, EMULATED_SECRET = "wxpa7e4s40p0000001", "e" * 32
EMULATED_AGENCY, EMULATED_AGENCY_SECRET = "wxpa7e4a9e0c000001", "f" * 32


@pytest.fixture
def invited(live_sandbox, settings):
    """A shop that invited the agency on the emulator (SANDBOX-ONLY alliance API on), and the agency's member."""
    settings.WECHAT_SANDBOX_ONLY_APIS = True
    seed = {"days": 1, "orders": 5, "agencies": 1, "anchor": 1767240000, "verbosity": 0}
    call_command("sandbox_seed", shop=EMULATED_SHOP, secret=EMULATED_SECRET, seed=5, **seed)
    call_command(
        "sandbox_seed",
        shop="wxpa7e4s40p0000002",
        seed=6,
        agency_appid=EMULATED_AGENCY,
        agency_secret=EMULATED_AGENCY_SECRET,
        **seed,
    )
    member = AgencyMemberFactory(agency__appid=EMULATED_AGENCY, agency__app_secret=EMULATED_AGENCY_SECRET)
    shop = ShopFactory(appid=EMULATED_SHOP, app_secret=EMULATED_SECRET, name="模拟小店")
    return member, cooperation_invite(shop=shop, agency_appid=EMULATED_AGENCY)


def _on_platform() -> int:
    return PlatformCooperation.objects.get(shop__appid=EMULATED_SHOP, agency__appid=EMULATED_AGENCY).status


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("posted", "status", "reason"),
    [
        ({"decision": "accept"}, Cooperation.Status.ACCEPTED, ""),
        ({"decision": "decline", "reason": "档期已满"}, Cooperation.Status.REJECTED, "档期已满"),
    ],
)
def test_with_the_emulator_the_platform_takes_the_answer(client, invited, posted, status, reason):
    member, cooperation = invited
    client.force_login(member.user)
    assert _on_platform() == Cooperation.Status.INVITING
    assert "联盟带货机构管理平台" not in client.get(reverse("partner:home")).content.decode()
    response = client.post(_url(cooperation), posted)
    assert response.status_code == 302
    row = Cooperation.objects.get(pk=cooperation.pk)
    assert (row.status, row.reject_reason, _on_platform()) == (status, reason, status)

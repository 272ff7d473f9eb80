"""Answering a shop's invitation in the partner portal: accept, or decline with a reason (through
affiliates.services.cooperation.cooperation_decide); a refused answer shows its error on the field and changes
nothing. Recorded in ShopOps only here (the real platform has no API for it; WECHAT_SANDBOX_ONLY_APIS off)."""

import pytest
from django.urls import reverse

from affiliates.models import Cooperation
from tests.affiliates.test_partner import portal_data
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

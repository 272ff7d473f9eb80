"""A 推客's commission setting changed in the partner portal, over real HTTP against the sandbox
(set_sharer_commission_info): the platform stores it first, then the row; a refusal shows on the form and changes
none of the agency's rows."""

import pytest
from django.urls import reverse
from django.utils import timezone

from affiliates.models import Sharer
from sandbox.models import Account
from sandbox.services import shop_seed
from shopops.models import ApiCall
from tests.factories import AgencyMemberFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "wxshopsharer000001"
AGENCY_APPID, AGENCY_SECRET = "wxagencysharer0001", "a9e7c5e3a1b2c3d4e5f6a7b8c9d0e1f2"
ANCHOR = 1767240000


@pytest.fixture
def bound_sharer_appid(live_sandbox) -> str:
    """A 推客 the sandbox agency has bound (seeded with the shop)."""
    shop_seed(
        appid=SHOP,
        seed=5,
        days=1,
        orders=5,
        agencies=1,
        anchor=ANCHOR,
        first_agency={"name": "推客机构", "appid": AGENCY_APPID, "secret": AGENCY_SECRET},
    )
    agency = Account.objects.get(appid=AGENCY_APPID)
    return agency.catalog["promoters"]["sharer"][0]["info"]["sharer_appid"]


@pytest.fixture
def member(db):
    return AgencyMemberFactory(agency__appid=AGENCY_APPID, agency__app_secret=AGENCY_SECRET, agency__name="推客机构")


def _sharer(agency, appid: str) -> Sharer:
    return Sharer.objects.create(agency=agency, sharer_appid=appid, nickname="小推", synced_at=timezone.now())


def _codes(form) -> dict[str, list[str]]:
    return {name: [error.code for error in errors.as_data()] for name, errors in form.errors.items()}


def _agency_rows_changed(before) -> set[str]:
    """Which of the agency's tables changed (the call log and the sandbox are expected to)."""
    return {label for label in changes(before, snapshot()) if label.startswith("affiliates.")}


def test_a_new_commission_setting_is_sent_to_the_platform_then_stored(client, member, bound_sharer_appid):
    sharer = _sharer(member.agency, bound_sharer_appid)
    client.force_login(member.user)
    url = reverse("partner:sharer_edit", kwargs={"pk": sharer.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"commission_type": "1", "commission_ratio": "15.5"})
    assert (response.status_code, response.url) == (302, reverse("partner:sharers"))
    sharer.refresh_from_db()
    assert (sharer.commission_type, sharer.commission_ratio) == (1, 1550)
    platform = Account.objects.get(appid=AGENCY_APPID).catalog["sharer_commission"]
    assert platform == {bound_sharer_appid: [1, 1550]}
    calls = ApiCall.objects.filter(appid=AGENCY_APPID, endpoint="/channels/ec/promoter/set_sharer_commission_info")
    assert list(calls.values_list("errcode", flat=True)) == [0]
    # The list shows the new setting, and the edit form starts from it.
    rows = client.get(reverse("partner:sharers")).context["rows"]
    assert [(r["sharer"].sharer_appid, r["ratio_percent"]) for r in rows] == [(bound_sharer_appid, "15.5%")]
    assert client.get(url).context["form"].initial == {"commission_type": 1, "commission_ratio": "15.5"}


def test_a_platform_refusal_shows_on_the_form_and_changes_no_row(client, member, bound_sharer_appid):
    stranger = _sharer(member.agency, "sharer_not_bound_here")
    client.force_login(member.user)
    before = snapshot()
    response = client.post(
        reverse("partner:sharer_edit", kwargs={"pk": stranger.pk}), {"commission_type": "1", "commission_ratio": "10"}
    )
    assert response.status_code == 200
    assert _codes(response.context["form"]) == {"__all__": ["platform_refused"]}
    assert response.context["form"].errors.as_data()["__all__"][0].params["errcode"] == 10024000
    assert _agency_rows_changed(before) == set()


@pytest.mark.parametrize(
    ("posted", "codes"),
    [
        ({"commission_type": "1", "commission_ratio": "90.01"}, {"commission_ratio": ["max_value"]}),
        ({"commission_type": "1", "commission_ratio": "-1"}, {"commission_ratio": ["min_value"]}),
        ({"commission_type": "1", "commission_ratio": "1.234"}, {"commission_ratio": ["max_decimal_places"]}),
        ({"commission_type": "", "commission_ratio": "10"}, {"commission_type": ["required"]}),
    ],
)
def test_a_bad_form_gets_field_errors_without_calling_the_platform(client, member, posted, codes):
    sharer = _sharer(member.agency, "sharer_any")
    client.force_login(member.user)
    before = snapshot()
    response = client.post(reverse("partner:sharer_edit", kwargs={"pk": sharer.pk}), posted)
    assert response.status_code == 200
    assert _codes(response.context["form"]) == codes
    assert changes(before, snapshot()) == {}


def test_an_agency_without_platform_credentials_is_told_so(client):
    member = AgencyMemberFactory()
    sharer = _sharer(member.agency, "sharer_any")
    client.force_login(member.user)
    before = snapshot()
    response = client.post(
        reverse("partner:sharer_edit", kwargs={"pk": sharer.pk}), {"commission_type": "1", "commission_ratio": "10"}
    )
    assert _codes(response.context["form"]) == {"__all__": ["not_connected"]}
    assert changes(before, snapshot()) == {}

"""The agency admin writes through affiliates.services.agencies: its refusals show on the form, nothing saved."""

import pytest
from django.urls import reverse

from affiliates.models import Agency, AgencyMember
from tests.factories import AgencyFactory, AgencyMemberFactory, MembershipFactory, UserFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

APPID, SECRET = "wx0123456789abcdef", "f" * 32


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def _codes(errors) -> list[str]:
    return [error.code for error in errors.as_data()]


def _agency_form(agency=None, *, members=(), **fields):
    """The agency add/change form's data: its fields as stored (or empty), ``fields`` changed, ``members`` the
    users of new member rows."""
    data = {
        "name": agency.name if agency else "示例带货机构",
        "appid": agency.appid if agency else "",
        "app_secret": "",
        "status": agency.status if agency else Agency.Status.ACTIVE,
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    for i, user in enumerate(members):
        data[f"members-{i}-user"] = str(user.pk)
    return data | fields


def test_a_console_user_is_not_attached_to_an_agency(staff_client):
    agency = AgencyFactory()
    console = MembershipFactory().user
    before = snapshot()

    response = staff_client.post(
        reverse("admin:affiliates_agencymember_add"), {"agency": agency.pk, "user": console.pk}
    )
    assert _codes(response.context["adminform"].form.errors["user"]) == ["console_user"]
    response = staff_client.post(
        reverse("admin:affiliates_agency_change", args=[agency.pk]), _agency_form(agency, members=[console])
    )
    (inline,) = response.context["inline_admin_formsets"]
    assert [_codes(form.errors.get("user", [])) for form in inline.formset.forms] == [["console_user"]]
    assert changes(before, snapshot()) == {}


def test_a_user_of_another_agency_is_not_attached_again(staff_client):
    agency, taken = AgencyFactory(), AgencyMemberFactory().user
    before = snapshot()
    response = staff_client.post(reverse("admin:affiliates_agencymember_add"), {"agency": agency.pk, "user": taken.pk})
    assert _codes(response.context["adminform"].form.errors["user"]) == ["already_member"]
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize("fields", [{"appid": APPID}, {"app_secret": SECRET}])
def test_credentials_come_in_pairs_in_the_admin(staff_client, fields):
    agency = AgencyFactory()
    before = snapshot()

    response = staff_client.post(reverse("admin:affiliates_agency_add"), _agency_form(**fields))
    assert _codes(response.context["adminform"].form.errors["appid"]) == ["credentials_incomplete"]
    response = staff_client.post(
        reverse("admin:affiliates_agency_change", args=[agency.pk]), _agency_form(agency, **fields)
    )
    assert _codes(response.context["adminform"].form.errors["appid"]) == ["credentials_incomplete"]
    assert changes(before, snapshot()) == {}


def test_a_changed_appid_needs_its_appsecret(staff_client):
    agency = AgencyFactory(appid=APPID, app_secret=SECRET)
    before = snapshot()
    response = staff_client.post(
        reverse("admin:affiliates_agency_change", args=[agency.pk]), _agency_form(agency, appid="wx00000000000000ff")
    )
    assert _codes(response.context["adminform"].form.errors["appid"]) == ["credentials_incomplete"]
    assert changes(before, snapshot()) == {}


def test_the_admin_adds_agencies_and_members_through_the_services(staff_client):
    portal_user, other_portal_user = UserFactory(), UserFactory()

    response = staff_client.post(
        reverse("admin:affiliates_agency_add"),
        _agency_form(members=[portal_user], appid=APPID, app_secret=SECRET, name=" 示例带货机构 "),
    )
    assert response.status_code == 302
    agency = Agency.objects.get()
    assert (agency.name, agency.appid, agency.app_secret, agency.status) == (
        "示例带货机构",
        APPID,
        SECRET,
        Agency.Status.ACTIVE,
    )
    assert list(agency.members.values_list("user", flat=True)) == [portal_user.pk]
    page = staff_client.get(reverse("admin:affiliates_agency_change", args=[agency.pk])).content.decode()
    assert APPID in page and SECRET not in page  # the AppSecret is never shown

    response = staff_client.post(
        reverse("admin:affiliates_agencymember_add"), {"agency": agency.pk, "user": other_portal_user.pk}
    )
    assert response.status_code == 302
    assert AgencyMember.objects.get(user=other_portal_user).agency == agency

    # A change that leaves the AppSecret empty keeps the stored one; the name and status change.
    response = staff_client.post(
        reverse("admin:affiliates_agency_change", args=[agency.pk]),
        _agency_form(agency, name="改名后的机构", status=Agency.Status.SUSPENDED),
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.name, agency.appid, agency.app_secret, agency.status) == (
        "改名后的机构",
        APPID,
        SECRET,
        Agency.Status.SUSPENDED,
    )

    # Emptying the AppID forgets both.
    response = staff_client.post(
        reverse("admin:affiliates_agency_change", args=[agency.pk]), _agency_form(agency, appid="")
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.appid, agency.app_secret) == ("", "")

"""Agency services (affiliates.services.agencies): creating an agency with or without platform credentials, and
giving a user its partner portal; every refusal carries its code and changes nothing."""

import pytest
from django.core.exceptions import ValidationError

from affiliates.models import Agency, AgencyMember
from affiliates.services.agencies import agency_create, agency_credentials_set, agency_member_add
from tests.factories import AgencyFactory, AgencyMemberFactory, MembershipFactory, UserFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db


def refusal(call) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        call()
    ((field, errors),) = refused.value.error_dict.items()
    return field, errors[0].code


def test_an_agency_is_created_with_its_platform_credentials():
    agency = agency_create(name=" 示例带货机构 ", appid="wx0123456789abcdef", app_secret="f" * 32)

    agency = Agency.objects.get(pk=agency.pk)
    assert (agency.name, agency.appid, agency.app_secret, agency.status) == (
        "示例带货机构",
        "wx0123456789abcdef",
        "f" * 32,
        Agency.Status.ACTIVE,
    )
    assert (agency_create(name="无平台账号的机构").appid, Agency.objects.count()) == ("", 2)


def test_credentials_come_in_pairs():
    agency = AgencyFactory()
    before = snapshot()

    assert refusal(lambda: agency_create(name="机构", appid="wx0123456789abcdef")) == (
        "appid",
        "credentials_incomplete",
    )
    assert refusal(lambda: agency_credentials_set(agency=agency, appid="", app_secret="f" * 32)) == (
        "appid",
        "credentials_incomplete",
    )
    assert changes(before, snapshot()) == {}

    agency_credentials_set(agency=agency, appid="wx0123456789abcdef", app_secret="f" * 32)
    agency.refresh_from_db()
    assert (agency.appid, agency.app_secret) == ("wx0123456789abcdef", "f" * 32)


def test_a_user_gets_the_portal_of_one_agency():
    agency = AgencyFactory()
    user = UserFactory(username="mia")

    member = agency_member_add(agency=agency, username="mia")

    assert (member.agency, member.user) == (agency, user)


def test_portal_accounts_are_refused_to_console_users_staff_and_members_of_an_agency():
    agency = AgencyFactory()
    MembershipFactory(user=UserFactory(username="console"))
    UserFactory(username="support", is_staff=True)
    UserFactory(username="gone", is_active=False)
    AgencyMemberFactory(user=UserFactory(username="taken"))
    before = snapshot()

    assert {
        username: refusal(lambda username=username: agency_member_add(agency=agency, username=username))
        for username in ("nobody", "gone", "console", "support", "taken")
    } == {
        "nobody": ("username", "unknown_user"),
        "gone": ("username", "unknown_user"),
        "console": ("username", "console_user"),
        "support": ("username", "console_user"),
        "taken": ("username", "already_member"),
    }
    assert changes(before, snapshot()) == {}
    assert AgencyMember.objects.count() == 1

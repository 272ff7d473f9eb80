import pytest
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from shopops.models import Membership, Shop
from shopops.services.members import membership_change_role, membership_remove
from tests.factories import AgencyMemberFactory, MembershipFactory, UserFactory
from tests.helpers import flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db


def _members(shop):
    return sorted(Membership.objects.filter(shop=shop).values_list("user__username", "role"))


def _url(name, shop, **kwargs):
    return reverse(f"console:{name}", kwargs={"shop": shop.public_id, **kwargs})


def test_owner_invites_an_existing_console_user(owner_client, shop, owner):
    newcomer = UserFactory(username="xiaoming")
    response = owner_client.post(_url("members", shop), {"username": " xiaoming ", "role": "finance"})
    assert response.status_code == 302
    assert _members(shop) == sorted([(owner.user.username, "owner"), ("xiaoming", "finance")])
    page = owner_client.get(_url("members", shop)).content.decode()
    assert "xiaoming 已以“财务”身份加入。" in page
    assert newcomer.memberships.get().shop == shop


def _codes(form) -> dict[str, list[str]]:
    return {field: [error.code for error in errors] for field, errors in form.errors.as_data().items()}


@pytest.mark.parametrize(
    ("username", "code"),
    [("nobody", "unknown_user"), ("agent", "unknown_user"), ("support", "unknown_user"), ("", "required")],
)
def test_invite_refusals_are_field_errors_and_change_nothing(owner_client, shop, owner, username, code):
    AgencyMemberFactory(user__username="agent")
    UserFactory(username="support", is_staff=True)
    before = snapshot()
    response = owner_client.post(_url("members", shop), {"username": username, "role": "operator"})
    assert response.status_code == 200
    form = response.context["form"]
    assert _codes(form) == {"username": [code]}
    if code == "unknown_user":
        assert form.errors.as_data()["username"][0].params == {"name": username}
    assert changes(before, snapshot()) == {}


def test_inviting_a_member_twice_is_refused(owner_client, shop):
    member = MembershipFactory(shop=shop, role="operator")
    before = snapshot()
    response = owner_client.post(_url("members", shop), {"username": member.user.username, "role": "analyst"})
    assert _codes(response.context["form"]) == {"username": ["already_member"]}
    assert changes(before, snapshot()) == {}


def test_owner_changes_a_role(owner_client, shop):
    member = MembershipFactory(shop=shop, role="operator")
    response = owner_client.post(_url("member_role", shop, pk=member.pk), {"role": "analyst"})
    assert response.status_code == 302
    assert Membership.objects.get(pk=member.pk).role == "analyst"


def test_the_last_owner_cannot_be_demoted_or_removed(owner_client, shop, owner):
    with pytest.raises(ValidationError) as demoting:
        membership_change_role(membership=owner, role="operator")
    assert {f: [e.code for e in errors] for f, errors in demoting.value.error_dict.items()} == {"role": ["last_owner"]}
    with pytest.raises(ValidationError) as removing:
        membership_remove(membership=owner)
    assert removing.value.code == "last_owner"

    before = snapshot()
    response = owner_client.post(_url("member_role", shop, pk=owner.pk), {"role": "operator"}, follow=True)
    assert flash_messages(response) == demoting.value.messages
    response = owner_client.post(_url("member_remove", shop, pk=owner.pk), follow=True)
    assert flash_messages(response) == removing.value.messages
    assert changes(before, snapshot()) == {}
    assert _members(shop) == [(owner.user.username, "owner")]


def test_an_owner_can_step_down_when_another_owner_remains(owner_client, shop, owner):
    MembershipFactory(shop=shop, user__username="second-owner", role="owner")
    owner_client.post(_url("member_role", shop, pk=owner.pk), {"role": "analyst"})
    assert _members(shop) == sorted([(owner.user.username, "analyst"), ("second-owner", "owner")])


def test_removing_asks_for_confirmation_then_removes(owner_client, shop, owner):
    member = MembershipFactory(shop=shop, user__username="leaving", role="operator")
    page = owner_client.get(_url("member_remove", shop, pk=member.pk))
    assert page.status_code == 200
    assert "确定将 leaving 移出本店吗？" in page.content.decode()
    assert Membership.objects.filter(pk=member.pk).exists()
    response = owner_client.post(_url("member_remove", shop, pk=member.pk))
    assert response.status_code == 302
    assert _members(shop) == [(owner.user.username, "owner")]


def test_an_invalid_role_is_refused(owner_client, shop):
    member = MembershipFactory(shop=shop, role="operator")
    before = snapshot()
    response = owner_client.post(_url("member_role", shop, pk=member.pk), {"role": "king"}, follow=True)
    assert [m.level for m in response.context["messages"]] == [messages.ERROR]
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize("role", ["operator", "finance", "analyst"])
def test_only_owners_manage_members_and_settings(client, role):
    member = MembershipFactory(role=role)
    shop = member.shop
    other = MembershipFactory(shop=shop, role="operator")
    client.force_login(member.user)
    before = (_members(shop), Shop.objects.get(pk=shop.pk).name)

    assert client.get(_url("members", shop)).status_code == 200  # everyone may look
    assert client.post(_url("members", shop), {"username": "x", "role": "owner"}).status_code == 403
    assert client.post(_url("member_role", shop, pk=other.pk), {"role": "owner"}).status_code == 403
    assert client.post(_url("member_remove", shop, pk=other.pk)).status_code == 403
    assert client.get(_url("shop_settings", shop)).status_code == 403
    assert client.post(_url("shop_settings", shop), {"name": "hacked", "status": "active"}).status_code == 403

    assert (_members(shop), Shop.objects.get(pk=shop.pk).name) == before


def test_a_concurrent_duplicate_add_is_refused_not_a_server_error(monkeypatch, shop, owner):
    """Two adds of the same user racing past the check: the second meets the unique constraint and is refused like
    the check would have refused it, in a savepoint, so the caller's transaction carries on."""
    from shopops.services import members

    newcomer = UserFactory(username="xiaoming")
    Membership.objects.create(shop=shop, user=newcomer, role="analyst")  # the other request's row, committed
    monkeypatch.setattr(members, "membership_add_check", lambda **kwargs: None)  # checked before it was there
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        members.membership_add(shop=shop, user=newcomer, role="finance")
    assert refused.value.code == "already_member"
    with pytest.raises(ValidationError) as refused:
        members.membership_invite(shop=shop, username="xiaoming", role="finance")
    assert [error.code for error in refused.value.error_dict["username"]] == ["already_member"]

    assert changes(before, snapshot()) == {}
    assert Membership.objects.filter(shop=shop, user=newcomer).count() == 1

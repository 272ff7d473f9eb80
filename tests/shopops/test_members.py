import pytest
from django.urls import reverse

from shopops.models import Membership, Shop
from tests.factories import AgencyMemberFactory, MembershipFactory, UserFactory

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


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("nobody", "没有用户名为“nobody”的商家后台用户。"),
        ("agent", "没有用户名为“agent”的商家后台用户。"),
        ("support", "没有用户名为“support”的商家后台用户。"),
        ("", "该字段是必填项。"),
    ],
)
def test_invite_refusals_are_field_errors_and_change_nothing(owner_client, shop, owner, username, error):
    AgencyMemberFactory(user__username="agent")
    UserFactory(username="support", is_staff=True)
    before = _members(shop)
    response = owner_client.post(_url("members", shop), {"username": username, "role": "operator"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"username": [error]}
    assert _members(shop) == before


def test_inviting_a_member_twice_is_refused(owner_client, shop):
    member = MembershipFactory(shop=shop, role="operator")
    response = owner_client.post(_url("members", shop), {"username": member.user.username, "role": "analyst"})
    assert response.context["form"].errors == {"username": [f"{member.user.username} 已经是本店成员。"]}
    assert Membership.objects.get(pk=member.pk).role == "operator"


def test_owner_changes_a_role(owner_client, shop):
    member = MembershipFactory(shop=shop, role="operator")
    response = owner_client.post(_url("member_role", shop, pk=member.pk), {"role": "analyst"})
    assert response.status_code == 302
    assert Membership.objects.get(pk=member.pk).role == "analyst"


def test_the_last_owner_cannot_be_demoted_or_removed(owner_client, shop, owner):
    response = owner_client.post(_url("member_role", shop, pk=owner.pk), {"role": "operator"}, follow=True)
    assert "店铺至少要保留一位店主。" in response.content.decode()
    response = owner_client.post(_url("member_remove", shop, pk=owner.pk), follow=True)
    assert "不能移除店铺的最后一位店主。" in response.content.decode()
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
    response = owner_client.post(_url("member_role", shop, pk=member.pk), {"role": "king"}, follow=True)
    assert "请选择有效的角色。" in response.content.decode()
    assert Membership.objects.get(pk=member.pk).role == "operator"


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

import pytest
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.messages import get_messages
from django.urls import reverse

from shopops.models import Membership, PlatformToken, Shop
from shopops.roles import Role
from tests.factories import AgencyMemberFactory, MembershipFactory, ShopFactory, UserFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_every_model_of_our_apps_is_registered_with_search_and_filters():
    ours = {"shopops", "campaigns", "affiliates", "incentives", "sandbox"}
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label not in ours:
            continue
        assert admin.site.is_registered(model), model
        model_admin = admin.site._registry[model]
        assert model_admin.search_fields, model
        assert model_admin.list_filter, model


def test_every_admin_page_renders(staff_client, staff_user, rf):
    request = rf.get("/admin/")
    request.user = staff_user
    membership = MembershipFactory()
    agency_member = AgencyMemberFactory()
    objects = {type(o): o for o in (membership, membership.shop, membership.user, agency_member, agency_member.agency)}
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        assert staff_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200, info
        if model_admin.has_add_permission(request):
            assert staff_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, info
        if model in objects:
            obj = objects[model]
            assert staff_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code == 200, info


def test_admin_changes_are_audited_without_secrets(staff_client, staff_user):
    shop = MembershipFactory().shop
    shop.app_secret = "0123456789abcdef0123456789abcdef"
    shop.save()
    LogEntry.objects.all().delete()
    response = staff_client.post(
        reverse("admin:shopops_shop_change", args=[shop.pk]),
        {
            "name": "改名后的店",
            "appid": "",
            "status": "paused",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LogEntry.objects.get_for_object(Shop.objects.get(pk=shop.pk)).get()
    assert entry.actor == staff_user
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict == {"name": [shop.name, "改名后的店"], "status": ["active", "paused"]}
    assert "0123456789abcdef" not in str(LogEntry.objects.values_list("changes", flat=True)[::1])
    page = staff_client.get(reverse("admin:shopops_shop_auditlog", args=[shop.pk])).content.decode()
    assert "改名后的店" in page


# --- the admin's writes go through the services -------------------------------------------------------------------


def _codes(errors) -> list[str]:
    return [error.code for error in errors.as_data()]


def _shop_change(client, shop, memberships, *, appid=None, **inline_changes):
    """POST the shop's admin change form: its fields as stored (``appid`` changed if given) and its memberships,
    with ``inline_changes`` (``"0-role": "operator"``, ``"0-DELETE": "on"``, a new row ``"1-user": …``)."""
    rows = list(memberships)
    new_rows = {key.split("-")[0] for key in inline_changes} - {str(i) for i in range(len(rows))}
    data = {
        "name": shop.name,
        "appid": shop.appid if appid is None else appid,
        "status": shop.status,
        "memberships-TOTAL_FORMS": str(len(rows) + len(new_rows)),
        "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, membership in enumerate(rows):
        data |= {
            f"memberships-{i}-id": str(membership.pk),
            f"memberships-{i}-shop": str(shop.pk),
            f"memberships-{i}-user": str(membership.user_id),
            f"memberships-{i}-role": membership.role,
        }
    data |= {f"memberships-{key}": value for key, value in inline_changes.items()}
    return client.post(reverse("admin:shopops_shop_change", args=[shop.pk]), data)


@pytest.mark.parametrize("change", [{"0-role": "operator"}, {"0-DELETE": "on"}])
def test_the_admin_refuses_to_demote_or_remove_the_last_owner(staff_client, change):
    owner = MembershipFactory(role=Role.OWNER)
    operator = MembershipFactory(shop=owner.shop, role=Role.OPERATOR)
    before = snapshot()

    response = _shop_change(staff_client, owner.shop, [owner, operator], **change)

    assert response.status_code == 200  # the change form again, with the error
    (inline,) = response.context["inline_admin_formsets"]
    assert _codes(inline.formset.non_form_errors()) == ["last_owner"]
    assert inline.formset.non_form_errors()[0] in response.content.decode()
    assert changes(before, snapshot()) == {}


def test_the_admin_may_hand_ownership_over_in_one_save(staff_client, staff_user):
    owner = MembershipFactory(role=Role.OWNER)
    operator = MembershipFactory(shop=owner.shop, role=Role.OPERATOR)

    response = _shop_change(staff_client, owner.shop, [owner, operator], **{"0-DELETE": "on", "1-role": "owner"})

    assert response.status_code == 302
    assert list(Membership.objects.filter(shop=owner.shop).values_list("pk", "role")) == [(operator.pk, "owner")]


def test_the_admin_adds_members_only_as_the_console_would(staff_client):
    owner = MembershipFactory(role=Role.OWNER)
    support = UserFactory(is_staff=True)
    before = snapshot()
    response = _shop_change(staff_client, owner.shop, [owner], **{"1-user": str(support.pk), "1-role": "analyst"})
    (inline,) = response.context["inline_admin_formsets"]
    assert [[e.code for e in form.errors.as_data().get("user", [])] for form in inline.formset.forms] == [
        [],
        ["unknown_user"],
    ]
    assert changes(before, snapshot()) == {}

    newcomer = UserFactory()
    response = _shop_change(staff_client, owner.shop, [owner], **{"1-user": str(newcomer.pk), "1-role": "analyst"})
    assert response.status_code == 302
    assert Membership.objects.get(shop=owner.shop, user=newcomer).role == Role.ANALYST


def test_the_membership_admin_keeps_the_last_owner_too(staff_client):
    owner = MembershipFactory(role=Role.OWNER)
    url = reverse("admin:shopops_membership_change", args=[owner.pk])
    before = snapshot()

    response = staff_client.post(url, {"role": "finance"})
    assert _codes(response.context["adminform"].form.errors["role"]) == ["last_owner"]

    response = staff_client.post(reverse("admin:shopops_membership_delete", args=[owner.pk]), {"post": "yes"})
    assert response.status_code == 302 and response.url == url
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.ERROR]
    assert changes(before, snapshot()) == {}
    # No bulk delete, which would remove owners without the check: no actions at all.
    assert staff_client.get(reverse("admin:shopops_membership_changelist")).context["action_form"] is None


def test_changing_the_appid_in_the_admin_forgets_the_cached_token_and_is_audited(staff_client, staff_user):
    owner = MembershipFactory(role=Role.OWNER, shop__appid="wxad0000000000old1", shop__app_secret="s" * 32)
    shop = owner.shop
    PlatformToken.objects.create(appid="wxad0000000000old1", token="cached", expires_at=4_000_000_000)
    LogEntry.objects.all().delete()

    response = _shop_change(staff_client, shop, [owner], appid="wxad0000000000new1")

    assert response.status_code == 302
    assert Shop.objects.get(pk=shop.pk).appid == "wxad0000000000new1"
    assert PlatformToken.objects.filter(appid="wxad0000000000old1").exists() is False
    entry = LogEntry.objects.get_for_object(shop).get()
    assert (entry.changes_dict, entry.actor) == ({"appid": ["wxad0000000000old1", "wxad0000000000new1"]}, staff_user)


@pytest.mark.parametrize(("appid", "code"), [("wxad0000000000new1", "appid_taken"), ("gh_123", "invalid")])
def test_an_appid_the_admin_cannot_give_is_a_field_error(staff_client, appid, code):
    ShopFactory(appid="wxad0000000000new1")
    owner = MembershipFactory(role=Role.OWNER, shop__appid="wxad0000000000old1")
    PlatformToken.objects.create(appid="wxad0000000000old1", token="cached", expires_at=4_000_000_000)
    before = snapshot()
    response = _shop_change(staff_client, owner.shop, [owner], appid=appid)
    assert _codes(response.context["adminform"].form.errors["appid"]) == [code]
    assert changes(before, snapshot()) == {}


def test_the_membership_admin_adds_through_the_service(staff_client):
    owner = MembershipFactory(role=Role.OWNER)
    support, newcomer = UserFactory(is_staff=True), UserFactory()
    url = reverse("admin:shopops_membership_add")
    before = snapshot()
    for user, code in ((support, "unknown_user"), (owner.user, "already_member")):
        response = staff_client.post(url, {"shop": owner.shop.pk, "user": user.pk, "role": "operator"})
        assert _codes(response.context["adminform"].form.errors["user"]) == [code]
    assert changes(before, snapshot()) == {}

    response = staff_client.post(url, {"shop": owner.shop.pk, "user": newcomer.pk, "role": "operator"})
    assert response.status_code == 302
    assert Membership.objects.get(shop=owner.shop, user=newcomer).role == Role.OPERATOR

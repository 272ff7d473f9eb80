import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.urls import reverse

from shopops.models import Shop
from tests.factories import AgencyMemberFactory, MembershipFactory

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

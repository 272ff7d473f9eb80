import pytest
from auditlog.models import LogEntry
from django.apps import apps as django_apps
from django.contrib import admin, messages
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from shopops.admin import ORDER_SCENE_LABELS
from shopops.admin_site import PRODUCT_APPS
from shopops.channels import SALE_CHANNEL_LINKED, SCENE_LIVE
from shopops.models import AfterSale, Membership, Order, OrderLine, PlatformToken, Product, Shop, Sku, User
from shopops.roles import Role
from shopops.views.orders import SALE_CHANNEL_LABELS
from tests.factories import (
    AfterSaleStatusChangeFactory,
    AgencyMemberFactory,
    MembershipFactory,
    OrderLineFactory,
    ShopFactory,
    SkuFactory,
    UserFactory,
)
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
    line = OrderLineFactory(order__order_price_fen=1234, real_price_fen=1234)
    change = AfterSaleStatusChangeFactory(aftersale__refund_amount_fen=1234)
    sku = SkuFactory(product__min_price_fen=1234, sale_price_fen=1234)
    objects = {
        type(o): o
        for o in (membership, membership.shop, membership.user, agency_member, agency_member.agency)
        + (line, line.order, change, change.aftersale, sku, sku.product)
    }
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        assert staff_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200, info
        if model_admin.has_add_permission(request):
            assert staff_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, info
        if model in objects:
            obj = objects[model]
            page = staff_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert page.status_code == 200, info
            if model in (Order, OrderLine, AfterSale, Product, Sku):
                assert "¥12.34" in page.content.decode(), info


OUR_APPS = {"shopops", "linked_accounts", "campaigns", "affiliates", "incentives", "sandbox"}


def _admins_with_inlines(request):
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OUR_APPS:
            continue
        yield model, model_admin
        for inline in model_admin.get_inline_instances(request):
            yield inline.model, inline


def test_no_admin_page_shows_raw_fen(staff_user, rf):
    """Every ``*_fen`` field is shown as yuan: no list column and no detail field names one."""
    request = rf.get("/admin/")
    request.user = staff_user
    for model, model_admin in _admins_with_inlines(request):
        shown = list(model_admin.get_fields(request, None))
        if hasattr(model_admin, "get_list_display"):
            shown += [c for c in model_admin.get_list_display(request) if isinstance(c, str)]
        assert not [name for name in shown if name.endswith("_fen")], (model, model_admin)


def test_changelists_answer_in_chinese_with_yuan_and_labelled_filters(staff_client):
    OrderLineFactory(order__order_price_fen=1234, order__order_scene=SCENE_LIVE, sale_channel=SALE_CHANNEL_LINKED)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans"' in response.content.decode(), url

    orders = staff_client.get(reverse("admin:shopops_order_changelist"))
    html = orders.content.decode()
    assert '<td class="field-order_price_yuan">¥12.34</td>' in html
    with translation.override("zh-hans"):
        assert _filter_choices(orders, "order_scene")[str(SCENE_LIVE)] == str(ORDER_SCENE_LABELS[SCENE_LIVE])
        lines = staff_client.get(reverse("admin:shopops_orderline_changelist"))
        linked = str(SALE_CHANNEL_LABELS[SALE_CHANNEL_LINKED])
        assert linked != "Linked account"  # translated
        expected = {str(code): str(label) for code, label in SALE_CHANNEL_LABELS.items()}
        assert _filter_choices(lines, "sale_channel") == expected
        assert f'<td class="field-sale_channel_label">{linked}</td>' in lines.content.decode()


def _filter_choices(response, parameter: str) -> dict[str, str]:
    """The choices a changelist's filter offers ("All" aside): {value: label}."""
    (spec,) = [s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", None) == parameter]
    return {value: str(label) for value, label in spec.lookup_choices}


def test_app_names_are_translated_and_the_sandbox_comes_last_apart(staff_client):
    response = staff_client.get(reverse("admin:index"))
    apps_listed = [(app["app_label"], str(app["name"])) for app in response.context["app_list"]]
    labels = [label for label, _name in apps_listed]
    ours = [label for label in labels if label in PRODUCT_APPS]
    assert labels[: len(ours)] == ours == sorted(ours, key=PRODUCT_APPS.index)
    assert labels[-1] == "sandbox"
    with translation.override("en"):
        english = {config.label: str(config.verbose_name) for config in django_apps.get_app_configs()}
    for label, name in apps_listed:
        if label in (*PRODUCT_APPS, "sandbox", "auditlog", "axes"):
            assert name != english[label], label  # shown in Chinese
    assert english["sandbox"] == "Platform sandbox (emulator)"


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


# --- what support cannot delete -------------------------------------------------------------------------------------


def test_support_cannot_delete_a_shop_alone_or_in_bulk(staff_client):
    """A shop's deletion would cascade through its members, linked accounts, orders and lines: shops are archived
    instead (their status). A shop with no orders yet, whose deletion Django would otherwise allow."""
    owner = MembershipFactory(role=Role.OWNER)
    MembershipFactory(shop=owner.shop, role=Role.OPERATOR)
    before = snapshot()

    response = staff_client.post(reverse("admin:shopops_shop_delete", args=[owner.shop.pk]), {"post": "yes"})
    assert response.status_code == 403
    changelist = staff_client.get(reverse("admin:shopops_shop_changelist"))
    assert changelist.context["action_form"] is None  # no delete_selected
    staff_client.post(
        reverse("admin:shopops_shop_changelist"),
        {"action": "delete_selected", "_selected_action": [owner.shop.pk], "post": "yes"},
    )
    assert changes(before, snapshot()) == {}


def _levels_shown(client, response) -> list[int]:
    """The levels of the messages the page ``response`` redirects to shows."""
    return [m.level for m in client.get(response.url).context["messages"]]


def _delete_users(client, *users):
    return client.post(
        reverse("admin:shopops_user_changelist"),
        {"action": "delete_selected", "_selected_action": [user.pk for user in users], "post": "yes"},
    )


def test_the_last_owner_of_a_shop_cannot_be_deleted(staff_client):
    owner = MembershipFactory(role=Role.OWNER)
    MembershipFactory(shop=owner.shop, role=Role.OPERATOR)
    bystander = UserFactory()
    co_owner = MembershipFactory(role=Role.OWNER)
    other_co_owner = MembershipFactory(shop=co_owner.shop, role=Role.OWNER)
    url = reverse("admin:shopops_user_delete", args=[owner.user.pk])
    change_url = reverse("admin:shopops_user_change", args=[owner.user.pk])
    before = snapshot()

    for data in (None, {"post": "yes"}):  # the confirmation page, and the deletion
        response = staff_client.post(url, data) if data else staff_client.get(url)
        assert (response.status_code, response.url) == (302, change_url)
        assert _levels_shown(staff_client, response) == [messages.ERROR]
    # In bulk, with a user who could go, and two owners who could each go alone but not together: nothing goes.
    for users in ((owner.user, bystander), (co_owner.user, other_co_owner.user)):
        response = _delete_users(staff_client, *users)
        assert response.status_code == 302
        assert _levels_shown(staff_client, response) == [messages.ERROR]
    assert changes(before, snapshot()) == {}


def test_a_user_who_is_not_a_last_owner_is_deleted(staff_client, staff_user):
    owner = MembershipFactory(role=Role.OWNER)
    leaving = MembershipFactory(shop=owner.shop, role=Role.OWNER)
    operator = MembershipFactory(shop=owner.shop, role=Role.OPERATOR)
    bystander = UserFactory()

    response = staff_client.post(reverse("admin:shopops_user_delete", args=[leaving.user.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert _levels_shown(staff_client, response) == [messages.SUCCESS]
    response = _delete_users(staff_client, operator.user, bystander)
    assert response.status_code == 302
    assert _levels_shown(staff_client, response) == [messages.SUCCESS]

    assert list(Membership.objects.values_list("pk", "role")) == [(owner.pk, Role.OWNER)]
    assert set(User.objects.values_list("pk", flat=True)) == {owner.user.pk, staff_user.pk}

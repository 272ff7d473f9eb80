"""The plan admin (affiliates.admin_plans) for support staff: read-only, each plan with its product's title and
its terms over time."""

from datetime import timedelta

import pytest
from django.contrib.admin import AdminSite
from django.test import RequestFactory

from affiliates.admin_plans import PlanTermsAdmin, PromotionPlanAdmin
from affiliates.models import PlanTerms, PromotionPlan
from tests.affiliates.plans_support import T0, plan, terms
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

SITE = AdminSite(name="plans_admin_test")


def get(view, staff_user, *args):
    request = RequestFactory().get("/")
    request.user = staff_user
    response = view(request, *args)
    response.render()
    return response


def test_plans_are_read_only_with_their_titles_and_terms(staff_user):
    shop = ShopFactory()
    ProductFactory(shop=shop, product_id="p1", title="Green tea")
    row = plan(shop, "p1", ratio_percent=12)
    terms(row, valid_from=T0, valid_to=T0 + timedelta(days=1), ratio_percent=10)
    terms(row, valid_from=T0 + timedelta(days=1))
    plan(shop, "p2")
    admin = PromotionPlanAdmin(PromotionPlan, SITE)

    changelist = get(admin.changelist_view, staff_user)
    change = get(admin.change_view, staff_user, str(row.pk))

    assert changelist.status_code == change.status_code == 200
    assert [(p.product_id, admin.product_title(p)) for p in changelist.context_data["cl"].result_list] == [
        ("p2", "—"),
        ("p1", "Green tea"),
    ]
    (inline,) = change.context_data["inline_admin_formsets"]
    assert [f.instance.ratio_percent for f in inline.formset.forms] == [12, 10]
    request = RequestFactory().get("/")
    request.user = staff_user
    assert not (admin.has_add_permission(request) or admin.has_change_permission(request, row))
    assert not admin.has_delete_permission(request, row)
    terms_admin = PlanTermsAdmin(PlanTerms, SITE)
    assert get(terms_admin.changelist_view, staff_user).status_code == 200

"""Console pages run a fixed number of queries however many rows they show."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from shopops.models import Membership
from shopops.roles import Role
from tests.factories import MembershipFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def _add_members(shop):
    return lambda n: MembershipFactory.create_batch(n, shop=shop, role=Role.OPERATOR)


def test_members_page_queries_do_not_grow_with_members(owner_client, shop):
    url = reverse("console:members", kwargs={"shop": shop.public_id})
    _, response = assert_constant_queries(owner_client, url, _add_members(shop), small=1, large=50)
    listed = [member.user.username for member in response.context["members"]]
    # The owner signed in plus the 50 operators added.
    assert len(listed) == 51
    assert listed == sorted(Membership.objects.filter(shop=shop).values_list("user__username", flat=True))
    html = response.content.decode()
    assert all(username in html for username in listed)


def test_shop_home_queries_do_not_grow_with_members(owner_client, shop):
    url = reverse("console:shop_home", kwargs={"shop": shop.public_id})
    small, large = assert_constant_queries(owner_client, url, _add_members(shop), small=1, large=50)
    assert (small.context["member_count"], large.context["member_count"]) == (2, 51)


def test_assert_constant_queries_reports_a_query_per_row(shop):
    """The helper can fail: a page that runs one query per row is reported with both query lists."""

    class OneQueryPerRowClient:
        def get(self, url):
            for membership in Membership.objects.filter(shop=shop):
                Membership.objects.filter(pk=membership.pk).exists()
            return SimpleNamespace(status_code=200)

    with pytest.raises(pytest.fail.Exception) as failure:
        assert_constant_queries(OneQueryPerRowClient(), "/n-plus-one/", _add_members(shop), small=1, large=3)
    # The owner plus 1 row, then plus 3 rows: one listing query and one query per row, each list printed.
    header, with_small = str(failure.value).split("\n", 1)
    assert header == "GET /n-plus-one/ ran 3 queries with 1 rows but 5 with 3 rows."
    with_small, with_large = with_small.split("With 3:\n")
    assert with_small.splitlines()[0] == "With 1:"
    assert [line[:5] for line in with_small.splitlines()[1:]] == ["  1. ", "  2. ", "  3. "]
    assert [line[:5] for line in with_large.splitlines()] == ["  1. ", "  2. ", "  3. ", "  4. ", "  5. "]
    per_row = 'SELECT 1 AS "a" FROM "shopops_membership" WHERE "shopops_membership"."id" ='
    assert (with_small.count(per_row), with_large.count(per_row)) == (2, 4)

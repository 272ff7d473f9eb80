"""Tenant isolation for every URL that names an object: another tenant's object answers 404 and nothing changes.

The URLs come from walking the project's URL patterns (tests/security/isolation.py); each one with kwargs must be
registered there with a builder. See that module's docstring for how to register a new URL.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse
from rest_framework.response import Response
from rest_framework.views import APIView

from affiliates.api_auth import PARTNER_AUTHENTICATION, IsAgencyCaller
from affiliates.models import Agency, AgencyAPIKey, CommissionOrder
from shopops.roles import Role
from tests.factories import AgencyMemberFactory, MembershipFactory, UserFactory
from tests.security.isolation import (
    AGENCY,
    ANALYST_MAY_WRITE,
    OBJECT_URLS,
    SHOP,
    UrlEntry,
    agency_scoped,
    changes,
    commission_order_kwargs,
    object_url_names,
    shop_kwargs,
    snapshot,
    stale,
    unregistered,
    walk_urls,
)

pytestmark = pytest.mark.django_db

SPARE_USERNAME = "isolation-spare"
# Plausible input for any form or serializer of the console and the API: were a refused request to slip through,
# it would be valid enough to change something (rename the shop, demote a member, invite a real user).
WRITE_DATA = {"name": "Taken over", "username": SPARE_USERNAME, "role": Role.ANALYST, "status": "archived", "appid": ""}
API_METHODS = ("get", "post", "put", "patch", "delete")
PAGE_METHODS = ("get", "post")
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


@dataclass(frozen=True)
class Tenant:
    user: object
    scope: object  # the Shop or the Agency handed to the builders


def make_tenant(kind: str, role: str = Role.OWNER) -> Tenant:
    if kind == SHOP:
        membership = MembershipFactory(role=role)
        return Tenant(user=membership.user, scope=membership.shop)
    member = AgencyMemberFactory()
    return Tenant(user=member.user, scope=member.agency)


def namespace_of(url_name: str) -> str:
    return url_name.split(":", 1)[0] if ":" in url_name else ""


def methods_for(url_name: str) -> tuple[str, ...]:
    return API_METHODS if namespace_of(url_name) == "api" else PAGE_METHODS


def send(client, method: str, url: str, api: bool, headers: dict | None = None):
    if method in ("get", "delete"):
        return getattr(client, method)(url, headers=headers)
    if api:
        return getattr(client, method)(url, WRITE_DATA, content_type="application/json", headers=headers)
    return getattr(client, method)(url, WRITE_DATA, headers=headers)


def is_usable(status: int) -> bool:
    """A response that shows the URL resolved to a real object the user may reach (or a method it lacks)."""
    return status < 400 or status == 405


@pytest.fixture
def spare_user(db):
    """An existing console user, so that an invite that slipped through would succeed."""
    return UserFactory(username=SPARE_USERNAME)


# --- the registry matches the URL patterns -------------------------------------------------------------


def test_every_object_url_is_registered():
    missing = unregistered(walk_urls(), OBJECT_URLS)
    assert missing == [], (
        f"URLs with kwargs missing from OBJECT_URLS in tests/security/isolation.py: {missing}. "
        "Register a builder for each so the tenant-isolation harness covers it."
    )


def test_registry_names_only_existing_object_urls():
    gone = stale(walk_urls(), OBJECT_URLS)
    assert gone == [], f"OBJECT_URLS names URLs that no longer exist or take no kwargs: {gone}"


def test_every_builder_declares_its_tenant():
    undeclared = sorted(
        name for name, build in OBJECT_URLS.items() if getattr(build, "tenant", None) not in (SHOP, AGENCY)
    )
    assert undeclared == []


def test_walker_finds_the_projects_object_urls_with_their_kwargs():
    entries = {entry.name: entry for entry in walk_urls()}
    assert entries["console:member_role"].kwargs == ("shop", "pk")
    assert entries["console:member_role"].route == "shops/<uuid:shop>/members/<int:pk>/role/"
    assert entries["console:shop_home"].kwargs == ("shop",)
    assert entries["console:login"].kwargs == ()
    assert entries["partner:home"].namespace == "partner"
    assert entries["api:me"].namespace == "api"
    assert entries["api:partner_commission_order"].kwargs == ("order_id", "sku_id")
    assert (
        entries["api:partner_commission_order"].route == "api/v1/partner/commission-orders/<str:order_id>/<str:sku_id>/"
    )
    # The admin has object URLs of its own, and they are out of scope.
    assert any(entry.namespace == "admin" and entry.kwargs for entry in entries.values())
    assert not any(name.startswith("admin:") for name in object_url_names(entries.values()))


def _view(request, **kwargs):  # pragma: no cover - never called, only routed
    raise AssertionError


def test_harness_detects_unregistered_and_stale_urls():
    """The coverage check itself can fail: fed a fake URL list, it names what is missing and what is stale."""
    patterns = [
        path("plain/", _view, name="plain"),
        path("things/<int:pk>/", _view, name="thing"),
        path("unnamed/<slug:code>/", _view),
        path("shops/<uuid:shop>/", ([path("items/<int:pk>/", _view, name="item")], "fake", "fake")),
        path("admin/", ([path("<int:pk>/", _view, name="change")], "admin", "admin")),
        path("schema/<str:fmt>/", _view, name="schema"),
    ]
    entries = walk_urls(patterns)
    assert entries[3] == UrlEntry(
        name="fake:item", namespace="fake", route="shops/<uuid:shop>/items/<int:pk>/", kwargs=("shop", "pk")
    )
    registry = {"thing": shop_kwargs, "console:gone": shop_kwargs, "plain": shop_kwargs}
    assert unregistered(entries, registry) == ["fake:item", "unnamed/<slug:code>/"]
    assert stale(entries, registry) == ["console:gone", "plain"]


# --- another tenant's objects answer 404 ---------------------------------------------------------------


def foreign_kwargs(own: dict, victim: dict) -> list[dict]:
    """Every mix of the two tenants' kwargs that names something of the victim's.

    For ``{"shop", "pk"}`` that is the victim's shop with the victim's member, the attacker's own shop with the
    victim's member (the classic insecure direct object reference) and the victim's shop with the attacker's member.
    """
    names = sorted(own)
    mixes = []
    for mask in range(1, 2 ** len(names)):
        mix = {name: victim[name] if mask >> i & 1 else own[name] for i, name in enumerate(names)}
        if mix != own and mix not in mixes:
            mixes.append(mix)
    return mixes


def test_foreign_kwargs_mixes_every_kwarg_of_the_victim():
    own, victim = {"shop": "A", "pk": 1}, {"shop": "B", "pk": 2}
    assert foreign_kwargs(own, victim) == [{"pk": 2, "shop": "A"}, {"pk": 1, "shop": "B"}, {"pk": 2, "shop": "B"}]
    # A kwarg both tenants share (a fixed code, say) cannot be foreign on its own.
    assert foreign_kwargs({"shop": "A", "code": "x"}, {"shop": "B", "code": "x"}) == [{"code": "x", "shop": "B"}]


def callers(client, url_name: str, attacker: Tenant) -> Iterator[tuple[str, dict]]:
    """How the attacker calls the URL: signed in; then, for the agency API, signed out with their agency's API key
    (headers to send). The key is made before the caller's first request, outside any snapshot."""
    client.force_login(attacker.user)
    yield "signed in", {}
    if namespace_of(url_name) == "api" and isinstance(attacker.scope, Agency):
        _api_key, key = AgencyAPIKey.objects.create_key(agency=attacker.scope, name="attacker")
        client.logout()
        yield "API key", {"Authorization": f"Api-Key {key}"}


def check_isolation(client, url_name: str, build) -> None:
    """Fail (AssertionError) unless every mix of kwargs naming another tenant's object answers 404 to every
    method, and changes nothing, while the same URL for the attacker's own object is usable; for every way the
    attacker can call it."""
    api = namespace_of(url_name) == "api"
    attacker, victim = make_tenant(build.tenant), make_tenant(build.tenant)
    own_kwargs = build(attacker.scope)
    own_url = reverse(url_name, kwargs=own_kwargs)
    foreign_urls = [reverse(url_name, kwargs=kw) for kw in foreign_kwargs(own_kwargs, build(victim.scope))]

    for way, headers in callers(client, url_name, attacker):
        where = f"{url_name} ({way})"
        # Control: the attacker reaches the same URL for their own object, so a 404 below is the tenant boundary
        # at work, not a broken builder or a signed-out client.
        own = client.get(own_url, headers=headers)
        assert is_usable(own.status_code), f"{where}: GET {own_url} for the attacker's own object: {own.status_code}"

        before = snapshot()
        statuses = {
            (method, url): send(client, method, url, api, headers).status_code
            for url in foreign_urls
            for method in methods_for(url_name)
        }
        assert changes(before, snapshot()) == {}, f"{where}: a request for another tenant's object changed rows"

        expected = {key: 405 if status == 405 else 404 for key, status in statuses.items()}
        assert statuses == expected, f"{where}: another tenant's object must answer 404"
        # 405 is acceptable only for a method the route does not take at all, for anyone's object.
        for method in sorted({method for (method, _), status in statuses.items() if status == 405}):
            own_status = send(client, method, own_url, api, headers).status_code
            assert own_status == 405, (
                f"{where}: {method.upper()} answers 405 for another tenant but {own_status} for own"
            )


@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_another_tenants_object_answers_404_and_nothing_changes(client, spare_user, url_name):
    check_isolation(client, url_name, OBJECT_URLS[url_name])


# The harness itself must fail for a URL that leaks: two deliberately broken views, routed only in the next test
# (``pytest.mark.urls`` makes this module the URLconf there).


def _leaky_read(request, pk):
    """Shows any agency's commission order: the missing ``agency=`` filter the harness exists to catch."""
    return HttpResponse(CommissionOrder.objects.get(pk=pk).order_id)


def _leaky_write(request, pk):
    """Scopes its answer but writes first: a 404 that still changed another agency's row."""
    if request.method == "POST":
        CommissionOrder.objects.filter(pk=pk).update(title="taken over")
    if not CommissionOrder.objects.filter(pk=pk, agency__members__user=request.user).exists():
        return HttpResponseNotFound()  # no 404 template: this URLconf has none of the pages it links to
    return HttpResponse("ok")


class _LeakyForKeys(APIView):
    """Scoped for a signed-in member, not for an API key: the harness must call the agency API both ways."""

    authentication_classes = PARTNER_AUTHENTICATION
    permission_classes = [IsAgencyCaller]

    def get(self, request, pk):
        orders = CommissionOrder.objects.all() if request.auth else CommissionOrder.objects.filter(agency=self.agency)
        return Response({"order_id": get_object_or_404(orders, pk=pk).order_id})


@agency_scoped
def _leaky_kwargs(agency) -> dict:
    order_id = commission_order_kwargs(agency)["order_id"]
    return {"pk": CommissionOrder.objects.get(agency=agency, order_id=order_id).pk}


urlpatterns = [
    path("leaky/", include(([path("read/<int:pk>/", _leaky_read, name="read")], "leaky"))),
    path("leaky/", include(([path("write/<int:pk>/", _leaky_write, name="write")], "leaky_write"))),
    path("api/", include(([path("leaky/<int:pk>/", _LeakyForKeys.as_view(), name="leaky_for_keys")], "api"))),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "url_name, failure",
    [
        ("leaky:read", "another tenant's object must answer 404"),
        ("leaky_write:write", "changed rows"),
        ("api:leaky_for_keys", r"\(API key\): another tenant's object must answer 404"),
    ],
)
def test_the_harness_fails_for_a_url_that_leaks(client, url_name, failure):
    with pytest.raises(AssertionError, match=failure):
        check_isolation(client, url_name, _leaky_kwargs)


# --- analysts read, never change -----------------------------------------------------------------------


SHOP_URLS = sorted(name for name, build in OBJECT_URLS.items() if build.tenant == SHOP)


@pytest.mark.parametrize("url_name", SHOP_URLS)
def test_analyst_cannot_change_their_own_shop(client, spare_user, url_name):
    build = OBJECT_URLS[url_name]
    api = namespace_of(url_name) == "api"
    analyst = make_tenant(SHOP, role=Role.ANALYST)
    owner = MembershipFactory(shop=analyst.scope, role=Role.OWNER)
    url = reverse(url_name, kwargs=build(analyst.scope))
    methods = [m for m in methods_for(url_name) if m in WRITE_METHODS and (url_name, m) not in ANALYST_MAY_WRITE]
    client.force_login(analyst.user)

    before = snapshot()
    statuses = {method: send(client, method, url, api).status_code for method in methods}
    assert changes(before, snapshot()) == {}, f"{url_name}: an analyst's write changed rows"

    expected = {method: 405 if status == 405 else 403 for method, status in statuses.items()}
    assert statuses == expected, f"{url_name}: an analyst's writes must answer 403"

    # Control, after the check: the owner's same request is not refused the same way, so the 403 comes from
    # the role (not from a signed-out client or a CSRF failure), and a 405 is the route's, not the role's.
    client.force_login(owner.user)
    for method, status in statuses.items():
        owner_status = send(client, method, url, api).status_code
        if status == 405:
            assert owner_status == 405, f"{url_name}: {method.upper()} is 405 for the analyst, {owner_status} for owner"
        else:
            assert owner_status != 403, f"{url_name}: {method.upper()} is refused to the owner too"

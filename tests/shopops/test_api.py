import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_me_lists_the_users_shops_and_roles(api):
    first = MembershipFactory(shop__name="A 店", role="owner")
    second = MembershipFactory(user=first.user, shop__name="B 店", role="analyst")
    MembershipFactory(shop__name="别人的店")  # another tenant: never listed
    api.force_authenticate(first.user)
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": first.user.username,
        "audience": "console",
        "shops": [
            {
                "public_id": str(first.shop.public_id),
                "name": "A 店",
                "role": "owner",
                "permissions": ["export", "finance", "manage_shop", "operate", "view"],
            },
            {
                "public_id": str(second.shop.public_id),
                "name": "B 店",
                "role": "analyst",
                "permissions": ["export", "view"],
            },
        ],
        "agency": None,
    }


def test_me_for_an_agency_member(api, agency_member):
    api.force_authenticate(agency_member.user)
    assert api.get("/api/v1/me/").json() == {
        "username": agency_member.user.username,
        "audience": "partner",
        "shops": [],
        "agency": {"id": agency_member.agency_id, "name": agency_member.agency.name},
    }


def test_token_authentication(api, agency_member):
    response = api.post("/api/v1/auth/token/", {"username": agency_member.user.username, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=agency_member.user).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").json()["username"] == agency_member.user.username


def test_token_endpoint_rejects_a_wrong_password_with_a_field_error(api, agency_member, no_lockouts):
    response = api.post("/api/v1/auth/token/", {"username": agency_member.user.username, "password": "nope"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["无法使用提供的认证信息登录。"]}
    assert Token.objects.count() == 0


def test_anonymous_requests_are_refused(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "身份认证信息未提供。"}


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/me/" in out.read_text()


def test_swagger_ui_is_self_hosted(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()

import time

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def _login(client, username, password=PASSWORD, url="/login/"):
    return client.post(url, {"username": username, "password": password})


def test_console_login_lands_on_the_users_shop(client, owner):
    response = _login(client, owner.user.username)
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").url == f"/shops/{owner.shop.public_id}/"


def test_anonymous_users_are_sent_to_the_login_page_of_their_area(client):
    assert client.get("/shops/new/").url == "/login/?next=/shops/new/"
    assert client.get("/partner/").url == "/partner/login/?next=/partner/"


def test_five_wrong_passwords_lock_the_account(client, owner, no_lockouts):
    for _ in range(4):
        response = _login(client, owner.user.username, "wrong")
        assert response.status_code == 200
        assert "请输入一个正确的" in response.content.decode()
    response = _login(client, owner.user.username, "wrong")
    assert response.status_code == 429
    # Even the right password is refused while the lock lasts.
    response = _login(client, owner.user.username)
    assert response.status_code == 429
    assert "15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_console_refuses_agency_and_staff_accounts(client, agency_member, staff_user):
    for user in (agency_member.user, staff_user):
        response = _login(client, user.username)
        assert response.status_code == 200
        assert "不能登录商家后台" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_portal_refuses_console_accounts_and_admits_agency_members(client, owner, agency_member):
    response = _login(client, owner.user.username, url="/partner/login/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    response = _login(client, agency_member.user.username, url="/partner/login/")
    assert response.status_code == 302
    assert response.url == "/partner/"
    assert client.get("/partner/").status_code == 200


def test_admin_refuses_console_and_agency_accounts(client, owner, agency_member, staff_user):
    for user in (owner.user, agency_member.user):
        client.force_login(user)
        assert client.get("/admin/").url == "/admin/login/?next=/admin/"
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200


def test_signed_in_users_are_refused_in_the_other_area(client, owner, agency_member):
    client.force_login(agency_member.user)
    response = client.get(f"/shops/{owner.shop.public_id}/")
    assert response.status_code == 403
    assert "带货机构账号" in response.content.decode()
    client.force_login(owner.user)
    assert client.get("/partner/").status_code == 403


def _age_session(client, **ages):
    session = client.session
    now = int(time.time())
    for key, seconds in ages.items():
        session[key] = now - seconds
    session.save()


def test_idle_sessions_expire_after_30_minutes(client, owner):
    client.force_login(owner.user)
    home = f"/shops/{owner.shop.public_id}/"
    _age_session(client, auth_started=600, last_seen=29 * 60)
    assert client.get(home).status_code == 200
    _age_session(client, auth_started=600, last_seen=31 * 60)
    assert client.get(home).url == f"/login/?next={home}"


def test_sessions_end_12_hours_after_login_even_when_active(client, owner):
    client.force_login(owner.user)
    home = f"/shops/{owner.shop.public_id}/"
    _age_session(client, auth_started=12 * 3600 + 5, last_seen=10)
    assert client.get(home).url == f"/login/?next={home}"


def test_password_change_signs_out_every_other_session(client, owner, django_user_model):
    from django.test import Client

    other = Client()
    other.force_login(owner.user)
    client.force_login(owner.user)
    new_password = "another-horse-77"
    response = client.post(
        reverse("console:password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    home = f"/shops/{owner.shop.public_id}/"
    assert client.get(home).status_code == 200
    assert other.get(home).url == f"/login/?next={home}"


def test_logout_needs_a_post(client, owner):
    client.force_login(owner.user)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").url == "/login/"
    assert "_auth_user_id" not in client.session


def test_a_member_of_several_shops_switches_between_them(client):
    first = MembershipFactory(shop__name="A 店")
    second = MembershipFactory(user=first.user, shop__name="B 店", role="analyst")
    client.force_login(first.user)
    page = client.get(f"/shops/{first.shop.public_id}/").content.decode()
    assert f"/shops/{second.shop.public_id}/" in page  # the switcher lists both shops
    client.get(f"/shops/{second.shop.public_id}/")
    assert client.get("/").url == f"/shops/{second.shop.public_id}/"

import pytest
from django.db import connection
from django.urls import reverse

from shopops.models import Membership, Shop
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

APPID = "wx1234567890abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "pushtoken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def _raw(shop, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM shopops_shop WHERE id = %s", [shop.pk])
        return cursor.fetchone()[0]


def _codes(form) -> dict[str, list[str]]:
    return {field: [error.code for error in errors] for field, errors in form.errors.as_data().items()}


def test_creating_a_shop_makes_the_creator_its_owner_and_leads_to_the_connection(client, django_user_model):
    user = django_user_model.objects.create_user("boss", password="x-very-long-pass")
    client.force_login(user)
    page = client.get(reverse("console:shop_create"))
    assert list(page.context["form"].fields) == ["name"]
    assert 'type="password"' not in page.content.decode()  # no credentials (and no "leave blank to keep") here

    # Credentials posted here anyway are not the shop form's business: the connection page tests them first.
    response = client.post(reverse("console:shop_create"), {"name": "杭州小店", "appid": APPID, "app_secret": SECRET})

    shop = Shop.objects.get()
    assert response.url == reverse("console:connection", kwargs={"shop": shop.public_id})
    assert (shop.name, shop.status, shop.appid, shop.app_secret, shop.push_token) == ("杭州小店", "active", "", "", "")
    assert list(Membership.objects.values_list("user__username", "shop__name", "role")) == [
        ("boss", "杭州小店", "owner")
    ]


def test_secrets_are_encrypted_at_rest_and_never_rendered(owner_client, shop):
    shop.app_secret, shop.push_token, shop.encoding_aes_key = SECRET, TOKEN, AES_KEY
    shop.save()
    for column, value in [("app_secret", SECRET), ("push_token", TOKEN), ("encoding_aes_key", AES_KEY)]:
        stored = _raw(shop, column)
        assert stored.startswith("gAAAAA")  # a Fernet token
        assert value not in stored
    for name in ("shop_settings", "connection"):
        page = owner_client.get(reverse(f"console:{name}", kwargs={"shop": shop.public_id})).content.decode()
        for value in (SECRET, TOKEN, AES_KEY):
            assert value not in page, name


def test_the_settings_change_the_name_and_status_only(owner_client, shop):
    shop.appid, shop.app_secret, shop.push_token, shop.encoding_aes_key = APPID, SECRET, TOKEN, AES_KEY
    shop.save()
    url = reverse("console:shop_settings", kwargs={"shop": shop.public_id})
    page = owner_client.get(url)
    assert list(page.context["form"].fields) == ["name", "status"]
    assert reverse("console:connection", kwargs={"shop": shop.public_id}) in page.content.decode()

    response = owner_client.post(url, {"name": "新名字", "status": "paused", "appid": "", "app_secret": ""})

    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.status) == ("新名字", "paused")
    assert (shop.appid, shop.app_secret, shop.push_token, shop.encoding_aes_key) == (APPID, SECRET, TOKEN, AES_KEY)


def test_bad_settings_get_field_errors_and_change_nothing(owner_client, shop):
    before = snapshot()
    url = reverse("console:shop_settings", kwargs={"shop": shop.public_id})
    response = owner_client.post(url, {"name": "", "status": "x"})
    assert response.status_code == 200
    assert _codes(response.context["form"]) == {"name": ["required"], "status": ["invalid_choice"]}
    response = owner_client.post(url, {"name": "店" * 101, "status": "active"})
    assert _codes(response.context["form"]) == {"name": ["max_length"]}
    assert changes(before, snapshot()) == {}


def test_rotating_the_field_key_re_encrypts_every_secret(shop, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    shop.app_secret = SECRET
    shop.save()
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys")

    token = _raw(shop, "app_secret")
    assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == SECRET
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key retired
    assert Shop.objects.get(pk=shop.pk).app_secret == SECRET

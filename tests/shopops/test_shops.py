import pytest
from django.db import connection
from django.urls import reverse

from shopops.models import Membership, Shop

pytestmark = pytest.mark.django_db

APPID = "wx1234567890abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "pushtoken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def _raw(shop, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM shopops_shop WHERE id = %s", [shop.pk])
        return cursor.fetchone()[0]


def test_creating_a_shop_makes_the_creator_its_owner(client, django_user_model):
    user = django_user_model.objects.create_user("boss", password="x-very-long-pass")
    client.force_login(user)
    response = client.post(
        reverse("console:shop_create"),
        {"name": "杭州小店", "appid": APPID, "app_secret": SECRET, "push_token": TOKEN, "encoding_aes_key": AES_KEY},
    )
    shop = Shop.objects.get()
    assert response.url == f"/shops/{shop.public_id}/"
    assert (shop.name, shop.appid, shop.app_secret, shop.push_token, shop.encoding_aes_key) == (
        "杭州小店",
        APPID,
        SECRET,
        TOKEN,
        AES_KEY,
    )
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
    page = owner_client.get(reverse("console:shop_settings", kwargs={"shop": shop.public_id})).content.decode()
    for value in (SECRET, TOKEN, AES_KEY):
        assert value not in page
    assert page.count('placeholder="已保存"') == 3


def test_blank_secrets_keep_the_stored_values(owner_client, shop):
    shop.app_secret, shop.push_token, shop.encoding_aes_key = SECRET, TOKEN, AES_KEY
    shop.save()
    url = reverse("console:shop_settings", kwargs={"shop": shop.public_id})
    response = owner_client.post(url, {"name": "新名字", "appid": APPID, "status": "paused"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.appid, shop.status) == ("新名字", APPID, "paused")
    assert (shop.app_secret, shop.push_token, shop.encoding_aes_key) == (SECRET, TOKEN, AES_KEY)


def test_bad_credentials_get_field_errors_and_change_nothing(owner_client, shop):
    Shop.objects.create(name="别人的店", appid="wx0000000000000000")
    before = Shop.objects.filter(pk=shop.pk).values().get()
    url = reverse("console:shop_settings", kwargs={"shop": shop.public_id})
    response = owner_client.post(
        url,
        {"name": "", "appid": "wx0000000000000000", "encoding_aes_key": "short", "push_token": "a!", "status": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["该字段是必填项。"],
        "appid": ["已有其他店铺使用此 AppID。"],
        "push_token": ["Token 为 3 到 32 位字母或数字。"],
        "encoding_aes_key": ["EncodingAESKey 必须是 43 位字母或数字。"],
        "status": ["选择一个有效的选项。 x 不在可用的选项中。"],
    }
    assert Shop.objects.filter(pk=shop.pk).values().get() == before


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

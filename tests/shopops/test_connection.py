"""The shop's platform connection: write-only credentials, a connection test against the sandbox over HTTP, push
settings shown once and masked afterwards, regeneration, and the last push received. Owners only."""

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from shopops.models import ApiCall, InboundEvent, PlatformToken, Shop, ShopAlert
from shopops.models.platform import ALERT_ADVICE
from shopops.roles import Role
from shopops.views.connection import PUSH_REVEAL_SESSION_KEY
from shopops.wechat.crypto import PushCrypto
from tests.factories import MembershipFactory, ShopFactory
from tests.helpers import flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

APPID, SECRET = "wxc0nnec7100000001", "c0nnec7105ecre700000000000000001"
WRONG_SECRET = "c0nnec7105ecre700000000000000002"


@pytest.fixture
def en_client(owner_client):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return owner_client


def _url(name, shop):
    return reverse(f"console:{name}", kwargs={"shop": shop.public_id})


def _raw(shop, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM shopops_shop WHERE id = %s", [shop.pk])
        return cursor.fetchone()[0]


# --- the connection test, over HTTP against the sandbox --------------------------------------------------------


@pytest.fixture
def sandbox(live_sandbox):
    call_command(
        "sandbox_seed", shop=APPID, secret=SECRET, name="杭州测试旗舰店", days=1, orders=1, agencies=0, verbosity=0
    )


@pytest.mark.django_db(transaction=True)
def test_the_connection_test_shows_the_shops_name_and_status(client, sandbox):
    owner = MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET)
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(_url("connection_test", owner.shop))

    assert response.status_code == 200
    result = response.context["test_result"]
    assert (result.ok, result.info.nickname, result.errcode) == (True, "杭州测试旗舰店", None)
    html = response.content.decode()
    assert '<dd class="col-8 shop-nickname">杭州测试旗舰店</dd>' in html
    assert f'<dd class="col-8 shop-status">{response.context["shop_status_text"]}</dd>' in html
    assert response.context["shop_status_text"] in {"Opening", "Open", "Closing", "Closed"}
    calls = list(ApiCall.objects.filter(shop=owner.shop).order_by("id").values_list("endpoint", "http_status", "error"))
    assert calls == [("/cgi-bin/stable_token", 200, ""), ("/channels/ec/basics/info/get", 200, "")]


@pytest.mark.django_db(transaction=True)
def test_a_wrong_secret_shows_the_platforms_exact_error_and_what_to_do(client, sandbox):
    owner = MembershipFactory(shop__appid=APPID, shop__app_secret=WRONG_SECRET)
    # A token fetched earlier with the right secret must not hide the wrong one: the test asks for a fresh token.
    PlatformToken.objects.create(appid=APPID, token="still-valid-token", expires_at=4_000_000_000)
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(_url("connection_test", owner.shop))

    result = response.context["test_result"]
    assert (result.ok, result.errcode, result.error_class) == (False, 40125, "CredentialError")
    assert result.errmsg.startswith("invalid appsecret rid: ")
    assert result.request_id == result.errmsg.removeprefix("invalid appsecret rid: ")
    assert result.hint == str(ALERT_ADVICE[ShopAlert.Kind.CREDENTIALS])
    html = response.content.decode()
    assert '<code class="errcode">40125</code>' in html
    assert result.errmsg in html
    assert "Check the AppID and AppSecret in the shop settings." in html
    assert PlatformToken.objects.filter(appid=APPID).count() == 0
    assert list(ApiCall.objects.filter(shop=owner.shop).values_list("endpoint", "errcode", "error")) == [
        ("/cgi-bin/stable_token", 40125, "CredentialError")
    ]


def test_the_connection_test_needs_credentials(en_client, shop):
    response = en_client.post(_url("connection_test", shop), follow=True)
    assert flash_messages(response) == ["Enter the AppID and AppSecret first."]
    assert ApiCall.objects.count() == 0


# --- credentials -----------------------------------------------------------------------------------------------


def test_credentials_are_saved_and_the_secret_is_never_shown_back(en_client, shop):
    response = en_client.post(_url("connection", shop), {"appid": APPID, "app_secret": SECRET}, follow=True)
    assert flash_messages(response) == ["Credentials saved. Test the connection to check them."]
    shop.refresh_from_db()
    assert (shop.appid, shop.app_secret) == (APPID, SECRET)
    assert _raw(shop, "app_secret").startswith("gAAAAA")
    html = response.content.decode()
    assert SECRET not in html
    assert f'value="{APPID}"' in html
    assert 'placeholder="Stored"' in html


def test_a_blank_secret_keeps_the_stored_one_and_a_new_one_drops_the_cached_token(en_client, shop, owner):
    shop.appid, shop.app_secret = APPID, SECRET
    shop.save()
    PlatformToken.objects.create(appid=APPID, token="t", expires_at=4_000_000_000)
    en_client.post(_url("connection", shop), {"appid": APPID, "app_secret": ""})
    shop.refresh_from_db()
    assert shop.app_secret == SECRET
    assert PlatformToken.objects.count() == 1  # nothing changed: the token stays

    LogEntry.objects.all().delete()
    en_client.post(_url("connection", shop), {"appid": APPID, "app_secret": WRONG_SECRET})
    shop.refresh_from_db()
    assert shop.app_secret == WRONG_SECRET
    assert PlatformToken.objects.count() == 0
    entry = LogEntry.objects.get_for_object(shop).get()
    assert entry.changes_dict == {"app_secret": ["(hidden)", "(changed)"]}
    assert entry.actor == owner.user


def test_bad_credentials_are_field_errors_and_change_nothing(en_client, shop):
    ShopFactory(appid="wx0000000000000000")
    before = snapshot()
    response = en_client.post(_url("connection", shop), {"appid": "wx0000000000000000", "app_secret": "short"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"app_secret": ["The AppSecret is 32 letters or digits."]}
    response = en_client.post(_url("connection", shop), {"appid": "wx0000000000000000", "app_secret": SECRET})
    assert response.context["form"].errors == {"appid": ["Another shop already uses this AppID."]}
    response = en_client.post(_url("connection", shop), {"appid": "gh_123"})
    assert response.context["form"].errors == {"appid": ["An AppID is “wx” followed by 16 letters or digits."]}
    assert changes(before, snapshot()) == {}


# --- push settings ---------------------------------------------------------------------------------------------


def test_the_callback_url_is_absolute(en_client, shop):
    response = en_client.get(_url("connection", shop))
    assert response.context["callback_url"] == f"http://testserver/wechat/callback/{shop.public_id}/"
    assert "Not generated yet" in response.content.decode()


def test_push_settings_are_shown_once_then_masked(en_client, shop):
    shop.appid = APPID
    shop.save()
    response = en_client.post(_url("push_generate", shop), follow=True)

    shop.refresh_from_db()
    token, key = shop.push_token, shop.encoding_aes_key
    assert (len(token), len(key), token.isalnum(), key.isalnum()) == (32, 43, True, True)
    PushCrypto(token, key, APPID)  # a key the push crypto accepts
    for column, value in (("push_token", token), ("encoding_aes_key", key)):
        assert _raw(shop, column).startswith("gAAAAA") and value not in _raw(shop, column)
    assert flash_messages(response) == ["Push settings generated. Enter them in the WeChat Shop backend now."]
    first = response.content.decode()
    assert f'<code class="user-select-all push-token">{token}</code>' in first
    assert f'<code class="user-select-all push-aes-key">{key}</code>' in first
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"

    again = en_client.get(_url("connection", shop)).content.decode()
    assert token not in again and key not in again
    assert f'<code class="push-token">••••••••{token[-4:]}</code>' in again
    assert f'<code class="push-aes-key">••••••••{key[-4:]}</code>' in again
    assert PUSH_REVEAL_SESSION_KEY not in en_client.session


def test_regenerating_replaces_them_and_says_the_old_ones_stop_working(en_client, shop):
    en_client.post(_url("push_generate", shop))
    en_client.get(_url("connection", shop))  # the one showing
    shop.refresh_from_db()
    old = (shop.push_token, shop.encoding_aes_key)
    LogEntry.objects.all().delete()

    page = en_client.get(_url("connection", shop)).content.decode()
    assert "Regenerating invalidates the current Token and EncodingAESKey." in page
    assert "The current ones stop working at once" in page  # the confirmation
    response = en_client.post(_url("push_generate", shop), follow=True)

    shop.refresh_from_db()
    new = (shop.push_token, shop.encoding_aes_key)
    assert new[0] != old[0] and new[1] != old[1]
    assert flash_messages(response) == [
        "New push settings generated. The old ones no longer work: enter these in the WeChat Shop backend now."
    ]
    html = response.content.decode()
    assert new[0] in html and new[1] in html
    assert old[0] not in html and old[1] not in html
    entry = LogEntry.objects.get_for_object(shop).get()
    assert entry.changes_dict == {
        "push_token": ["(hidden)", "(changed)"],
        "encoding_aes_key": ["(hidden)", "(changed)"],
    }
    assert new[0] not in str(entry.changes) and new[1] not in str(entry.changes)


def test_another_owners_session_never_sees_them_in_full(client, en_client, shop):
    other_owner = MembershipFactory(shop=shop, role=Role.OWNER)
    en_client.post(_url("push_generate", shop))
    shop.refresh_from_db()
    client.force_login(other_owner.user)
    html = client.get(_url("connection", shop)).content.decode()
    assert shop.push_token not in html and shop.encoding_aes_key not in html


# --- the last push received ------------------------------------------------------------------------------------


def test_the_last_push_received_is_shown(en_client, shop):
    InboundEvent.objects.create(shop=shop, key="a" * 64, event="channels_ec_order_new", payload={})
    latest = InboundEvent.objects.create(shop=shop, key="b" * 64, event="channels_ec_aftersale_update", payload={})
    InboundEvent.objects.create(shop=ShopFactory(), key="c" * 64, event="someone_elses", payload={})
    response = en_client.get(_url("connection", shop))
    assert (response.context["last_event"], response.context["pending_events"]) == (latest, 2)
    html = response.content.decode()
    assert '<code class="event-type">channels_ec_aftersale_update</code>' in html
    assert "Not yet" in html
    assert "2 events waiting to be processed" in html

    InboundEvent.objects.filter(shop=shop).update(processed_at=latest.received_at, outcome="refreshed")
    html = en_client.get(_url("connection", shop)).content.decode()
    assert "the order or after-sale was refreshed" in html
    assert "waiting to be processed" not in html


# --- owners only -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.FINANCE, Role.ANALYST])
def test_only_owners_reach_the_connection_and_nothing_changes(client, shop, role):
    shop.appid, shop.app_secret, shop.push_token = APPID, SECRET, "oldtoken"
    shop.save()
    member = MembershipFactory(shop=shop, role=role)
    client.force_login(member.user)
    before = snapshot()
    statuses = [
        client.get(_url("connection", shop)).status_code,
        client.post(_url("connection", shop), {"appid": APPID, "app_secret": WRONG_SECRET}).status_code,
        client.post(_url("connection_test", shop)).status_code,
        client.post(_url("push_generate", shop)).status_code,
    ]
    assert statuses == [403, 403, 403, 403]
    assert changes(before, snapshot()) == {}
    assert Shop.objects.get(pk=shop.pk).push_token == "oldtoken"
    assert ApiCall.objects.count() == 0


def test_the_sidebar_links_the_connection_for_owners_only(client, en_client, shop):
    url = _url("connection", shop)
    assert url in en_client.get(_url("shop_home", shop)).content.decode()
    operator = MembershipFactory(shop=shop, role=Role.OPERATOR)
    client.force_login(operator.user)
    assert url not in client.get(_url("shop_home", shop)).content.decode()

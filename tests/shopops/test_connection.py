"""The shop's platform connection: write-only credentials, a connection test against the sandbox over HTTP, push
settings shown once and masked afterwards, regeneration, and the last push received. Owners only."""

import io
from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shopops.fields import encrypt
from shopops.models import ApiCall, InboundEvent, PlatformToken, Shop, ShopAlert
from shopops.models.platform import ALERT_ADVICE
from shopops.roles import Role
from shopops.services.connection import (
    CREDENTIAL_ADVICE,
    shop_appid_correct,
    shop_connection_test,
    shop_credentials_replace,
    shop_push_settings_generate,
    shop_push_settings_set,
)
from shopops.services.shops import shop_update
from shopops.views.connection import PENDING_CREDENTIALS_SESSION_KEY, PUSH_REVEAL_SESSION_KEY, pending_credentials
from shopops.wechat.crypto import PushCrypto
from tests.factories import MembershipFactory, ShopFactory
from tests.helpers import flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

APPID, SECRET = "wxc0nnec7100000001", "c0nnec7105ecre700000000000000001"
WRONG_SECRET = "c0nnec7105ecre700000000000000002"
NEW_APPID, NEW_SECRET = "wxc0nnec7100000002", "c0nnec7105ecre700000000000000003"


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
    assert str(ALERT_ADVICE[ShopAlert.Kind.CREDENTIALS]) in html
    assert PlatformToken.objects.filter(appid=APPID).count() == 0
    assert list(ApiCall.objects.filter(shop=owner.shop).values_list("endpoint", "errcode", "error")) == [
        ("/cgi-bin/stable_token", 40125, "CredentialError")
    ]


def test_the_connection_test_needs_credentials(owner_client, shop):
    with pytest.raises(ValidationError) as refused:
        shop_connection_test(shop=shop)
    assert refused.value.code == "not_connected"
    response = owner_client.post(_url("connection_test", shop), follow=True)
    assert flash_messages(response) == refused.value.messages
    assert ApiCall.objects.count() == 0


# --- credentials: tested before they are saved ---------------------------------------------------------------


def _codes(form) -> dict[str, list[str]]:
    return {field: [error.code for error in errors] for field, errors in form.errors.as_data().items()}


def _params(form, field) -> dict:
    (error,) = form.errors.as_data()[field]
    return error.params


def _calls(shop) -> list[tuple]:
    return list(ApiCall.objects.filter(shop=shop).order_by("id").values_list("appid", "endpoint", "errcode"))


def _only_new_api_calls(before, after) -> list[tuple]:
    """The refusal changed nothing of ours but the outbound-call log: the calls it made, (appid, endpoint, errcode).
    (The sandbox's rows are the platform's side: it issued tokens and counted calls.)"""
    diff = {label: rows for label, rows in changes(before, after).items() if not label.startswith("sandbox.")}
    assert set(diff) <= {"shopops.ApiCall"}, diff
    added = diff.get("shopops.ApiCall", {"after": []})["after"]
    return [(row["appid"], row["endpoint"], row["errcode"]) for row in added]


TOKEN, INFO = "/cgi-bin/stable_token", "/channels/ec/basics/info/get"


@pytest.fixture
def second_shop_on_the_platform(sandbox):
    call_command(
        "sandbox_seed", shop=NEW_APPID, secret=NEW_SECRET, name="杭州二号店", days=1, orders=1, agencies=0, verbosity=0
    )


@pytest.fixture
def connected_owner(client, sandbox):
    """An owner whose shop holds working credentials and a cached access token for them."""
    owner = MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET)
    PlatformToken.objects.create(appid=APPID, token="cached-token", expires_at=4_000_000_000)
    client.force_login(owner.user)
    return owner


@pytest.mark.django_db(transaction=True)
def test_new_credentials_are_tested_then_saved(client, sandbox):
    owner = MembershipFactory()
    shop = owner.shop
    client.force_login(owner.user)
    LogEntry.objects.all().delete()

    response = client.post(_url("connection", shop), {"appid": APPID, "app_secret": SECRET})

    assert response.status_code == 302
    assert response.url == _url("connection", shop)
    shop.refresh_from_db()
    assert (shop.appid, shop.app_secret) == (APPID, SECRET)
    assert _raw(shop, "app_secret").startswith("gAAAAA")
    # Tested first, with a token of their own: the shared token cache is untouched.
    assert _calls(shop) == [(APPID, TOKEN, 0), (APPID, INFO, 0)]
    assert PlatformToken.objects.count() == 0
    logged = sorted((e.changes_dict for e in LogEntry.objects.get_for_object(shop)), key=str)
    assert logged == sorted([{"appid": ["", APPID]}, {"app_secret": ["(hidden)", "(changed)"]}], key=str)
    page = client.get(_url("connection", shop)).content.decode()
    assert SECRET not in page
    assert f'<code class="stored-secret">••••••••{SECRET[-4:]}</code>' in page


@pytest.mark.django_db(transaction=True)
def test_a_wrong_secret_is_refused_on_its_field_and_the_working_credentials_stay(client, connected_owner):
    shop = connected_owner.shop
    before = snapshot()

    response = client.post(_url("connection", shop), {"appid": APPID, "app_secret": WRONG_SECRET})

    assert response.status_code == 200
    form = response.context["form"]
    assert _codes(form) == {"app_secret": ["credentials_rejected"]}
    params = _params(form, "app_secret")
    assert (params["errcode"], params["advice"]) == (40125, CREDENTIAL_ADVICE["app_secret"])
    assert params["errmsg"].startswith("invalid appsecret rid: ")
    assert params["errmsg"] in response.content.decode()
    assert WRONG_SECRET not in response.content.decode()
    # Nothing changed but the call log: the shop row, its audit trail and the cached token stay as they were.
    assert _only_new_api_calls(before, snapshot()) == [(APPID, TOKEN, 40125)]
    assert Shop.objects.get(pk=shop.pk).app_secret == SECRET
    assert PlatformToken.objects.get(appid=APPID).token == "cached-token"
    # And the old credentials still work.
    assert client.post(_url("connection_test", shop)).context["test_result"].ok


@pytest.mark.django_db(transaction=True)
def test_an_appid_the_platform_does_not_know_is_refused_on_the_appid(client, connected_owner):
    shop = connected_owner.shop
    before = snapshot()
    response = client.post(_url("connection", shop), {"appid": NEW_APPID, "app_secret": NEW_SECRET})
    form = response.context["form"]
    assert _codes(form) == {"appid": ["credentials_rejected"]}
    assert _params(form, "appid")["errcode"] == 40013
    assert _only_new_api_calls(before, snapshot()) == [(NEW_APPID, TOKEN, 40013)]


@pytest.mark.django_db(transaction=True)
def test_when_the_platform_cannot_be_asked_nothing_is_saved(client, sandbox):
    owner = MembershipFactory()
    client.force_login(owner.user)
    call_command("sandbox_faults", appid=APPID, http5xx_rate=1.0, verbosity=0, stdout=io.StringIO())
    before = snapshot()
    response = client.post(_url("connection", owner.shop), {"appid": APPID, "app_secret": SECRET})
    assert _codes(response.context["form"]) == {"app_secret": ["platform_unreachable"]}
    calls = _only_new_api_calls(before, snapshot())
    assert calls[0] == (APPID, TOKEN, 0)
    assert {call[1] for call in calls[1:]} == {INFO}
    assert Shop.objects.get(pk=owner.shop.pk).appid == ""


@pytest.mark.django_db(transaction=True)
def test_replacing_working_credentials_asks_first_then_replaces_them(
    client, connected_owner, second_shop_on_the_platform
):
    shop = connected_owner.shop
    before = snapshot()

    asked = client.post(_url("connection", shop), {"appid": NEW_APPID, "app_secret": NEW_SECRET})

    assert asked.status_code == 200
    confirm = asked.context["confirm"]
    assert (confirm.code, confirm.params) == ("confirm_replace", {"current": "杭州测试旗舰店", "new": "杭州二号店"})
    html = asked.content.decode()
    assert 'name="action" value="confirm_replace"' in html
    assert NEW_SECRET not in html
    # Both pairs were tried with tokens of their own; nothing else changed yet.
    assert _only_new_api_calls(before, snapshot()) == [
        (NEW_APPID, TOKEN, 0),
        (NEW_APPID, INFO, 0),
        (APPID, TOKEN, 0),
        (APPID, INFO, 0),
    ]
    pending = client.session[PENDING_CREDENTIALS_SESSION_KEY]
    assert (pending["shop"], pending["appid"]) == (str(shop.public_id), NEW_APPID)
    assert NEW_SECRET not in str(pending)  # encrypted in the session

    LogEntry.objects.all().delete()
    replaced = client.post(_url("connection", shop), {"action": "confirm_replace"})

    assert replaced.status_code == 302
    shop.refresh_from_db()
    assert (shop.appid, shop.app_secret) == (NEW_APPID, NEW_SECRET)
    assert PlatformToken.objects.filter(appid=APPID).count() == 0  # the old AppID's cached token is forgotten
    assert PENDING_CREDENTIALS_SESSION_KEY not in client.session
    logged = sorted((e.changes_dict for e in LogEntry.objects.get_for_object(shop)), key=str)
    assert logged == sorted([{"appid": [APPID, NEW_APPID]}, {"app_secret": ["(hidden)", "(changed)"]}], key=str)
    assert {e.actor for e in LogEntry.objects.get_for_object(shop)} == {connected_owner.user}
    result = client.post(_url("connection_test", shop)).context["test_result"]
    assert (result.ok, result.info.nickname) == (True, "杭州二号店")


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_is_used_up_by_another_visit_and_expires(client, connected_owner, second_shop_on_the_platform):
    shop = connected_owner.shop
    client.post(_url("connection", shop), {"appid": NEW_APPID, "app_secret": NEW_SECRET})
    client.get(_url("connection", shop))  # went elsewhere on the page: the pending pair is dropped
    before = snapshot()
    response = client.post(_url("connection", shop), {"action": "confirm_replace"}, follow=True)
    assert [m.level for m in response.context["messages"]] == [messages.ERROR]
    assert changes(before, snapshot()) == {}

    client.post(_url("connection", shop), {"appid": NEW_APPID, "app_secret": NEW_SECRET})
    before = snapshot()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = client.post(_url("connection", shop), {"action": "confirm_replace"}, follow=True)
    assert [m.level for m in response.context["messages"]] == [messages.ERROR]
    assert changes(before, snapshot()) == {}
    assert Shop.objects.get(pk=shop.pk).appid == APPID


def _pending_refusal(pending, shop) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        pending_credentials(pending, shop=shop)
    assert refused.value.code == "confirmation_expired"
    return refused.value


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("other_request", ["push_settings", "connection_test", "push_generate"])
def test_any_other_request_to_the_connection_views_drops_the_pending_pair(
    client, connected_owner, second_shop_on_the_platform, other_request
):
    shop = connected_owner.shop
    client.post(_url("connection", shop), {"appid": NEW_APPID, "app_secret": NEW_SECRET})
    assert PENDING_CREDENTIALS_SESSION_KEY in client.session

    if other_request == "push_settings":
        data = {"action": "push", "push-push_token": PUSH_TOKEN, "push-encoding_aes_key": AES_KEY}
        assert client.post(_url("connection", shop), data).status_code == 302
    elif other_request == "connection_test":
        assert client.post(_url("connection_test", shop)).context["test_result"].ok
    else:
        assert client.post(_url("push_generate", shop)).status_code == 302

    assert PENDING_CREDENTIALS_SESSION_KEY not in client.session
    before = snapshot()
    response = client.post(_url("connection", shop), {"action": "confirm_replace"}, follow=True)
    assert response.redirect_chain == [(_url("connection", shop), 302)]
    # (after the other request's own message, which its unfollowed redirect left waiting)
    assert flash_messages(response)[-1:] == _pending_refusal(None, shop).messages
    assert changes(before, snapshot()) == {}
    assert (Shop.objects.get(pk=shop.pk).appid, ApiCall.objects.filter(appid=NEW_APPID).count()) == (APPID, 2)


def test_a_pending_pair_that_cannot_be_decrypted_is_expired_not_a_500(owner_client, shop):
    """E.g. the field encryption keys were rotated while the owner was being asked."""
    shop.appid, shop.app_secret = APPID, SECRET
    shop.save()
    session = owner_client.session
    session[PENDING_CREDENTIALS_SESSION_KEY] = pending = {
        "shop": str(shop.public_id),
        "appid": NEW_APPID,
        "app_secret": Fernet(Fernet.generate_key()).encrypt(NEW_SECRET.encode()).decode(),
    }
    session.save()
    before = snapshot()

    response = owner_client.post(_url("connection", shop), {"action": "confirm_replace"}, follow=True)

    assert response.redirect_chain == [(_url("connection", shop), 302)]
    assert flash_messages(response) == _pending_refusal(pending, shop).messages
    assert changes(before, snapshot()) == {}
    assert PENDING_CREDENTIALS_SESSION_KEY not in owner_client.session
    assert ApiCall.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("connection", {"appid": APPID, "app_secret": "short"}),
        ("connection", {"action": "push", "push-push_token": "a!", "push-encoding_aes_key": "short"}),
        ("connection_test", {}),
        ("push_generate", {}),
    ],
)
def test_the_secrets_posted_to_the_connection_views_never_reach_an_error_report(owner_client, shop, name, data):
    response = owner_client.post(_url(name, shop), data)
    assert response.wsgi_request.sensitive_post_parameters == ("app_secret", "push_token", "encoding_aes_key")


@pytest.mark.parametrize(("minutes", "usable"), [(9, True), (11, False)])
def test_a_pending_pair_lasts_ten_minutes_by_its_own_timestamp(shop, minutes, usable):
    pending = {"shop": str(shop.public_id), "appid": NEW_APPID, "app_secret": encrypt(NEW_SECRET)}
    with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
        if usable:
            assert pending_credentials(pending, shop=shop) == (NEW_APPID, NEW_SECRET)
        else:
            _pending_refusal(pending, shop)
    _pending_refusal({**pending, "shop": str(ShopFactory().public_id)}, shop)  # asked for another shop


@pytest.mark.django_db(transaction=True)
def test_credentials_that_no_longer_work_are_replaced_without_asking(client, sandbox):
    owner = MembershipFactory(shop__appid=APPID, shop__app_secret=WRONG_SECRET)  # e.g. the AppSecret was reset
    client.force_login(owner.user)
    response = client.post(_url("connection", owner.shop), {"appid": APPID, "app_secret": SECRET})
    assert response.status_code == 302
    assert Shop.objects.get(pk=owner.shop.pk).app_secret == SECRET
    assert _calls(owner.shop) == [(APPID, TOKEN, 0), (APPID, INFO, 0), (APPID, TOKEN, 40125)]


def test_an_appid_another_shop_uses_is_refused_before_any_call(owner_client, shop):
    ShopFactory(appid=NEW_APPID)
    before = snapshot()
    response = owner_client.post(_url("connection", shop), {"appid": NEW_APPID, "app_secret": NEW_SECRET})
    assert _codes(response.context["form"]) == {"appid": ["appid_taken"]}
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        ({"appid": APPID, "app_secret": "short"}, {"app_secret": ["invalid"]}),
        ({"appid": APPID, "app_secret": ""}, {"app_secret": ["required"]}),
        ({"appid": "gh_123", "app_secret": SECRET}, {"appid": ["invalid"]}),
        ({}, {"appid": ["required"], "app_secret": ["required"]}),
    ],
)
def test_malformed_credentials_are_field_errors_and_change_nothing(owner_client, shop, data, codes):
    before = snapshot()
    response = owner_client.post(_url("connection", shop), data)
    assert response.status_code == 200
    assert _codes(response.context["form"]) == codes
    assert changes(before, snapshot()) == {}


# --- writes from a shop loaded before something else changed it ------------------------------------------------


def _meanwhile(shop) -> Shop:
    """Another request, through the services, after ``shop`` was loaded: new push settings, the shop paused."""
    shop_push_settings_generate(shop=Shop.objects.get(pk=shop.pk))
    shop_update(shop=Shop.objects.get(pk=shop.pk), name="改名后的小店", status=Shop.Status.PAUSED)
    return Shop.objects.get(pk=shop.pk)


def _kept(shop) -> tuple:
    return (shop.push_token, shop.encoding_aes_key, shop.status, shop.name)


@pytest.mark.django_db(transaction=True)
def test_storing_credentials_keeps_what_another_request_changed_meanwhile(sandbox):
    """The platform is asked between loading the shop and storing its credentials: the store writes the
    credentials only, on the row as it is now."""
    stale = MembershipFactory().shop
    meanwhile = _meanwhile(stale)
    LogEntry.objects.all().delete()

    shop_credentials_replace(shop=stale, appid=APPID, app_secret=SECRET)

    stored = Shop.objects.get(pk=stale.pk)
    assert (stored.appid, stored.app_secret) == (APPID, SECRET)
    assert _kept(stored) == _kept(meanwhile)
    assert meanwhile.push_token and meanwhile.status == Shop.Status.PAUSED
    assert (stale.appid, stale.app_secret) == (APPID, SECRET)  # the caller's object holds what was stored
    logged = sorted((e.changes_dict for e in LogEntry.objects.get_for_object(stored)), key=str)
    assert logged == sorted([{"appid": ["", APPID]}, {"app_secret": ["(hidden)", "(changed)"]}], key=str)


def test_correcting_the_appid_compares_with_the_stored_row_and_writes_the_appid_only(shop):
    shop_appid_correct(shop=shop, appid=APPID)
    stale = Shop.objects.get(pk=shop.pk)
    shop_appid_correct(shop=Shop.objects.get(pk=shop.pk), appid=NEW_APPID)
    meanwhile = _meanwhile(shop)

    shop_appid_correct(shop=stale, appid=APPID)  # back to APPID, which the stale object still holds

    stored = Shop.objects.get(pk=shop.pk)
    assert (stored.appid, stale.appid) == (APPID, APPID)
    assert _kept(stored) == _kept(meanwhile)


def test_push_settings_are_written_on_the_stored_row(shop):
    shop_push_settings_set(shop=shop, push_token=PUSH_TOKEN, encoding_aes_key=AES_KEY)
    stale = Shop.objects.get(pk=shop.pk)
    meanwhile = _meanwhile(shop)
    LogEntry.objects.all().delete()

    # The merchant enters again the pair the stale object still holds: it differs from the stored one.
    shop_push_settings_set(shop=stale, push_token=PUSH_TOKEN, encoding_aes_key=AES_KEY)

    stored = Shop.objects.get(pk=shop.pk)
    assert _kept(stored) == (PUSH_TOKEN, AES_KEY, Shop.Status.PAUSED, meanwhile.name)
    assert LogEntry.objects.get_for_object(shop).get().changes_dict == {
        "push_token": ["(hidden)", "(changed)"],
        "encoding_aes_key": ["(hidden)", "(changed)"],
    }

    stale = Shop.objects.get(pk=shop.pk)
    shop_update(shop=Shop.objects.get(pk=shop.pk), name=meanwhile.name, status=Shop.Status.ACTIVE)
    shop_push_settings_generate(shop=stale)
    stored = Shop.objects.get(pk=shop.pk)
    assert (stored.status, stale.push_token, stale.encoding_aes_key) == (
        Shop.Status.ACTIVE,
        stored.push_token,
        stored.encoding_aes_key,
    )
    assert stored.push_token != PUSH_TOKEN


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


PUSH_TOKEN, AES_KEY = "pushtoken2026", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def test_push_settings_already_in_the_wechat_backend_can_be_entered(owner_client, shop, owner):
    LogEntry.objects.all().delete()
    response = owner_client.post(
        _url("connection", shop),
        {"action": "push", "push-push_token": PUSH_TOKEN, "push-encoding_aes_key": AES_KEY},
        follow=True,
    )
    assert response.redirect_chain == [(_url("connection", shop), 302)]
    shop.refresh_from_db()
    assert (shop.push_token, shop.encoding_aes_key) == (PUSH_TOKEN, AES_KEY)
    assert _raw(shop, "push_token").startswith("gAAAAA") and _raw(shop, "encoding_aes_key").startswith("gAAAAA")
    entry = LogEntry.objects.get_for_object(shop).get()
    assert (entry.changes_dict, entry.actor) == (
        {"push_token": ["(hidden)", "(changed)"], "encoding_aes_key": ["(hidden)", "(changed)"]},
        owner.user,
    )
    html = response.content.decode()
    assert PUSH_TOKEN not in html and AES_KEY not in html
    assert f'<code class="push-token">••••••••{PUSH_TOKEN[-4:]}</code>' in html


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        (
            {"push-push_token": "a!", "push-encoding_aes_key": "short"},
            {"push_token": ["invalid"], "encoding_aes_key": ["invalid"]},
        ),
        ({"push-push_token": PUSH_TOKEN}, {"encoding_aes_key": ["required"]}),
    ],
)
def test_bad_push_settings_are_field_errors_and_change_nothing(owner_client, shop, data, codes):
    before = snapshot()
    response = owner_client.post(_url("connection", shop), {"action": "push", **data})
    assert response.status_code == 200
    assert _codes(response.context["push_form"]) == codes
    assert changes(before, snapshot()) == {}


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

"""Agency cooperations with the emulator (SANDBOX-ONLY alliance API on), over real HTTP: the shop invites, cancels
and ends; the agency accepts or declines with its reason (cooperation_decide, the partner portal's call); both
sides agree after each step; the platform's refusals come back with stable codes and change nothing."""

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from affiliates.models import Cooperation
from affiliates.services.cooperation import cooperation_cancel, cooperation_decide, cooperation_invite
from sandbox.models import Cooperation as PlatformCooperation
from sandbox.models import Invitation
from shopops.models import ApiCall
from tests.factories import AgencyFactory, MembershipFactory
from tests.helpers import console_url, flash_messages
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

APPID, SECRET = "wxc00p5h0p00000001", "c" * 32
OTHER_SHOP = "wxc00p5h0p00000002"
AGENCY_APPID, AGENCY_SECRET = "wxc00pa9e0c7000001", "a" * 32
ANCHOR = 1767240000
Status = Cooperation.Status


@pytest.fixture(autouse=True)
def sandbox_only_apis(settings):
    settings.WECHAT_SANDBOX_ONLY_APIS = True


@pytest.fixture
def platform(live_sandbox):
    """The shop (seeded with an agency of its own), and an agency seeded with another shop: not the shop's yet."""
    seed = {"days": 1, "orders": 5, "agencies": 1, "anchor": ANCHOR, "verbosity": 0}
    call_command("sandbox_seed", shop=APPID, secret=SECRET, seed=5, **seed)
    call_command(
        "sandbox_seed", shop=OTHER_SHOP, seed=6, agency_appid=AGENCY_APPID, agency_secret=AGENCY_SECRET, **seed
    )


@pytest.fixture
def owner(db):
    return MembershipFactory(shop__appid=APPID, shop__app_secret=SECRET, shop__name="示例小店", user__username="carol")


@pytest.fixture
def agency(db):
    return AgencyFactory(name="星河带货机构", appid=AGENCY_APPID, app_secret=AGENCY_SECRET)


@pytest.fixture
def web(client, owner):
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def on_platform() -> int | None:
    row = PlatformCooperation.objects.filter(shop__appid=APPID, agency__appid=AGENCY_APPID).first()
    return row.status if row else None


def local() -> tuple:
    c = Cooperation.objects.get(shop_appid=APPID, agency_appid=AGENCY_APPID)
    return c.status, c.reject_reason, c.decided_at is not None


def refused(call) -> str:
    with pytest.raises(ValidationError) as refusal:
        call()
    error = refusal.value
    if hasattr(error, "error_dict"):
        ((_field, errors),) = error.error_dict.items()
        return errors[0].code
    return error.code


def domain(rows: dict) -> dict:
    bookkeeping = {"shopops.ApiCall", "shopops.PlatformToken", "sandbox.AccessToken"}
    return {label: value for label, value in rows.items() if label not in bookkeeping}


def test_invite_decline_invite_again_accept_and_end(platform, web, shop, agency):
    response = web.post(
        console_url("affiliate_agency_invite", shop), {"agency_appid": AGENCY_APPID, "agency_name": ""}, follow=True
    )

    assert flash_messages(response) == ["Invitation sent to “星河带货机构”. It waits for the agency's answer."]
    cooperation = Cooperation.objects.get()
    assert (cooperation.shop, cooperation.agency, cooperation.agency_name) == (shop, agency, "星河带货机构")
    assert (local(), on_platform()) == ((Status.INVITING, "", False), 1)
    entry = LogEntry.objects.get_for_object(cooperation).get()
    assert (entry.action, entry.actor.username) == (LogEntry.Action.CREATE, "carol")

    cooperation_decide(agency=agency, cooperation=cooperation, accept=False, reason="佣金比例太低")
    assert (local(), on_platform()) == ((Status.REJECTED, "佣金比例太低", True), 3)
    invitation = Invitation.objects.filter(reference=AGENCY_APPID).latest("pk")
    assert invitation.payload["reason"] == "佣金比例太低"
    assert ApiCall.objects.filter(shop=None, appid=AGENCY_APPID).exclude(endpoint__startswith="/cgi-bin").count() == 1

    cooperation_invite(shop=shop, agency_appid=AGENCY_APPID)
    assert (local(), on_platform()) == ((Status.INVITING, "", False), 1)
    cooperation_decide(agency=agency, cooperation=Cooperation.objects.get(), accept=True)
    assert (local(), on_platform()) == ((Status.ACCEPTED, "", True), 2)

    url = console_url("affiliate_agency_action", shop, pk=cooperation.pk, action="end")
    assert "WeChat Shop offers no API" not in web.get(url).context["confirm_text"]
    response = web.post(url, follow=True)
    assert flash_messages(response) == ["The cooperation with “星河带货机构” has ended."]
    assert (local()[0], on_platform()) == (Status.ENDED, 5)
    assert Cooperation.objects.count() == 1


def test_a_pending_invitation_is_cancelled(platform, shop, agency):
    cooperation = cooperation_invite(shop=shop, agency_appid=AGENCY_APPID)

    cooperation_cancel(cooperation=cooperation)

    assert (local()[0], on_platform()) == (Status.INVITATION_CANCELLED, 4)
    assert refused(lambda: cooperation_decide(agency=agency, cooperation=cooperation, accept=True)) == "wrong_state"


def test_an_agency_outside_shopops_is_invited_by_its_appid(platform, shop):
    cooperation = cooperation_invite(shop=shop, agency_appid=AGENCY_APPID, agency_name="外部机构")

    assert (cooperation.agency, cooperation.agency_name, on_platform()) == (None, "外部机构", 1)


def test_the_platforms_refusals_come_back_with_codes_and_change_nothing(platform, shop, agency):
    before = snapshot()
    assert refused(lambda: cooperation_invite(shop=shop, agency_appid="wx0000000000000bad")) == "unknown_account"
    assert changes(domain(before), domain(snapshot())) == {}

    cooperation = cooperation_invite(shop=shop, agency_appid=AGENCY_APPID)
    call_command("sandbox_invitation", "--shop", APPID, "--account", AGENCY_APPID, "--accept", verbosity=0)
    before = snapshot()  # the console still thinks it pending; the platform has it accepted

    assert refused(lambda: cooperation_cancel(cooperation=cooperation)) == "wrong_state"
    assert refused(lambda: cooperation_decide(agency=agency, cooperation=cooperation, accept=True)) == "wrong_state"
    assert changes(domain(before), domain(snapshot())) == {}
    assert (local()[0], on_platform()) == (Status.INVITING, 2)


def test_an_agency_without_credentials_cannot_tell_the_platform(platform, shop):
    agency = AgencyFactory(appid="", app_secret="")
    cooperation = cooperation_invite(shop=shop, agency_appid=AGENCY_APPID)
    Cooperation.objects.filter(pk=cooperation.pk).update(agency=agency)
    cooperation.refresh_from_db()
    before = snapshot()

    assert refused(lambda: cooperation_decide(agency=agency, cooperation=cooperation, accept=True)) == "not_connected"
    assert changes(before, snapshot()) == {}


def test_the_pages_say_the_emulator_does_it(platform, web, shop):
    page = web.get(console_url("affiliate_agencies", shop)).content.decode()
    invite = web.get(console_url("affiliate_agency_invite", shop)).content.decode()

    assert "WeChat Shop offers no API for agency cooperations" not in page
    assert "Send the invitation" in invite
    assert "SANDBOX-ONLY API: the real WeChat Shop has none" in invite


def test_the_shops_list_is_read_back_from_the_emulator(platform, web, shop):
    own = PlatformCooperation.objects.select_related("agency").get(shop__appid=APPID)  # seeded: cooperating
    before = snapshot()
    assert refused(lambda: cooperation_invite(shop=shop, agency_appid=own.agency.appid)) == "already_cooperating"
    assert changes(domain(before), domain(snapshot())) == {}

    response = web.post(console_url("affiliate_agencies_refresh", shop), follow=True)

    assert flash_messages(response) == ["Refreshed from WeChat Shop: 1 cooperations changed."]
    row = Cooperation.objects.get(agency_appid=own.agency.appid)
    assert (row.shop, row.agency, row.agency_name, row.status) == (shop, None, own.agency.name, Status.ACCEPTED)
    assert row.decided_at.timestamp() == own.update_time

    cooperation_invite(shop=shop, agency_appid=AGENCY_APPID)
    call_command("sandbox_invitation", "--shop", APPID, "--account", AGENCY_APPID, "--reject", verbosity=0)
    before = snapshot()
    assert flash_messages(web.post(console_url("affiliate_agencies_refresh", shop), follow=True)) == [
        "Refreshed from WeChat Shop: 1 cooperations changed."
    ]
    assert (local()[0], on_platform()) == (Status.REJECTED, 3)
    assert list(changes(domain(before), domain(snapshot()))) == ["affiliates.Cooperation", "auditlog.LogEntry"]

    before = snapshot()
    assert flash_messages(web.post(console_url("affiliate_agencies_refresh", shop), follow=True)) == [
        "Refreshed from WeChat Shop: 0 cooperations changed."
    ]
    assert changes(domain(before), domain(snapshot())) == {}

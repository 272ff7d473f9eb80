"""Agency cooperations on the real platform (SANDBOX-ONLY APIs off): nothing is sent, every change is recorded in
ShopOps only; the refusals carry their codes and change nothing."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from affiliates.models import Cooperation
from affiliates.services.cooperation import cooperation_cancel, cooperation_decide, cooperation_end, cooperation_invite
from shopops.models import ApiCall
from tests.factories import AgencyFactory, ShopFactory
from tests.security.isolation import changes, snapshot

pytestmark = pytest.mark.django_db

SHOP_APPID, AGENCY_APPID = "wx5h0p000000000001", "wxa9e0c70000000001"
NOW = datetime(2026, 3, 2, 4, 5, 6, tzinfo=UTC)
Status = Cooperation.Status


@pytest.fixture(autouse=True)
def real_platform(settings, time_machine):
    settings.WECHAT_SANDBOX_ONLY_APIS = False
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def shop():
    return ShopFactory(appid=SHOP_APPID, name="示例小店")


@pytest.fixture
def agency():
    return AgencyFactory(name="示例机构", appid=AGENCY_APPID, app_secret="s" * 32)


def pending(shop, agency, **fields) -> Cooperation:
    values = {"status": Status.INVITING, "invited_at": NOW, **fields}
    return Cooperation.objects.create(
        shop=shop, agency=agency, shop_appid=shop.appid, agency_appid=agency.appid, **values
    )


def refused(call) -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as refusal:
        call()
    error = refusal.value
    if hasattr(error, "error_dict"):
        ((field, errors),) = error.error_dict.items()
        return field, errors[0].code
    return None, error.error_list[0].code


def row(cooperation) -> tuple:
    c = Cooperation.objects.get(pk=cooperation.pk)
    return c.status, c.invited_at, c.decided_at, c.reject_reason


def test_an_invitation_is_recorded_without_calling_the_platform(shop, agency):
    cooperation = cooperation_invite(shop=shop, agency_appid=f" {AGENCY_APPID} ", agency_name="")

    c = Cooperation.objects.get()
    assert (c.pk, c.shop, c.agency, c.shop_appid, c.shop_name, c.agency_appid, c.agency_name) == (
        cooperation.pk,
        shop,
        agency,
        SHOP_APPID,
        "示例小店",
        AGENCY_APPID,
        "示例机构",
    )
    assert row(c) == (Status.INVITING, NOW, None, "")
    assert ApiCall.objects.count() == 0


def test_an_agency_outside_shopops_is_invited_by_appid_and_name(shop):
    cooperation = cooperation_invite(shop=shop, agency_appid="wxa9e0c70000000002", agency_name=" 外部机构 ")

    assert (cooperation.agency, cooperation.agency_appid, cooperation.agency_name) == (
        None,
        "wxa9e0c70000000002",
        "外部机构",
    )


def test_a_declined_invitation_is_sent_again_on_its_row(shop, agency):
    earlier = pending(shop, agency, status=Status.REJECTED, decided_at=NOW, reject_reason="品类不符")

    again = cooperation_invite(shop=shop, agency_appid=AGENCY_APPID)

    assert (again.pk, Cooperation.objects.count()) == (earlier.pk, 1)
    assert row(again) == (Status.INVITING, NOW, None, "")


@pytest.mark.parametrize(
    ("status", "appid", "code"),
    [
        (Status.INVITING, AGENCY_APPID, "invitation_pending"),
        (Status.ACCEPTED, AGENCY_APPID, "already_cooperating"),
        (Status.ACCEPTED, "wx-not-an-appid", "invalid_appid"),
    ],
)
def test_invitations_refused(shop, agency, status, appid, code):
    pending(shop, agency, status=status)
    before = snapshot()

    assert refused(lambda: cooperation_invite(shop=shop, agency_appid=appid)) == ("agency_appid", code)
    assert changes(before, snapshot()) == {}


def test_a_shop_without_an_appid_cannot_invite(agency):
    shop = ShopFactory(appid="")

    assert refused(lambda: cooperation_invite(shop=shop, agency_appid=AGENCY_APPID)) == (None, "not_connected")
    assert Cooperation.objects.count() == 0


def test_the_shop_cancels_a_pending_invitation_and_ends_a_cooperation(shop, agency):
    invitation = pending(shop, agency)
    other = pending(shop, AgencyFactory(appid="wxa9e0c70000000003", app_secret="t" * 32), status=Status.ACCEPTED)

    cooperation_cancel(cooperation=invitation)
    cooperation_end(cooperation=other)

    assert row(invitation) == (Status.INVITATION_CANCELLED, NOW, NOW, "")
    assert row(other) == (Status.ENDED, NOW, NOW, "")


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.REJECTED, Status.INVITATION_CANCELLED, Status.ENDED])
def test_only_a_pending_invitation_is_cancelled(shop, agency, status):
    cooperation = pending(shop, agency, status=status)
    before = snapshot()

    assert refused(lambda: cooperation_cancel(cooperation=cooperation)) == (None, "wrong_state")
    assert changes(before, snapshot()) == {}


@pytest.mark.parametrize("status", [Status.INVITING, Status.REJECTED, Status.INVITATION_CANCELLED, Status.ENDED])
def test_only_an_accepted_cooperation_is_ended(shop, agency, status):
    cooperation = pending(shop, agency, status=status)
    before = snapshot()

    assert refused(lambda: cooperation_end(cooperation=cooperation)) == (None, "wrong_state")
    assert changes(before, snapshot()) == {}


def test_the_agency_accepts(shop, agency):
    cooperation = pending(shop, agency, reject_reason="")

    decided = cooperation_decide(agency=agency, cooperation=cooperation, accept=True, reason="ignored")

    assert row(decided) == (Status.ACCEPTED, NOW, NOW, "")
    assert ApiCall.objects.count() == 0


def test_the_agency_declines_with_its_reason(shop, agency):
    cooperation = pending(shop, agency)

    cooperation_decide(agency=agency, cooperation=cooperation, accept=False, reason=" 佣金比例太低 ")

    assert row(cooperation) == (Status.REJECTED, NOW, NOW, "佣金比例太低")


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reason_required"), ("   ", "reason_required"), ("因" * 201, "reason_too_long")],
)
def test_declining_needs_a_reason_of_at_most_200_characters(shop, agency, reason, code):
    cooperation = pending(shop, agency)
    before = snapshot()

    assert refused(lambda: cooperation_decide(agency=agency, cooperation=cooperation, accept=False, reason=reason)) == (
        "reason",
        code,
    )
    assert changes(before, snapshot()) == {}


def test_a_reason_of_exactly_200_characters_is_kept(shop, agency):
    cooperation = pending(shop, agency)

    cooperation_decide(agency=agency, cooperation=cooperation, accept=False, reason="因" * 200)

    assert row(cooperation)[3] == "因" * 200


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.REJECTED, Status.INVITATION_CANCELLED, Status.ENDED])
def test_only_a_pending_invitation_is_decided(shop, agency, status):
    cooperation = pending(shop, agency, status=status)
    before = snapshot()

    for accept in (True, False):
        call = lambda: cooperation_decide(agency=agency, cooperation=cooperation, accept=accept, reason="不合适")  # noqa: E731,B023
        assert refused(call) == (None, "wrong_state")
    assert changes(before, snapshot()) == {}


def test_another_agencys_invitation_is_not_decided(shop, agency):
    cooperation = pending(shop, agency)
    intruder = AgencyFactory(appid="wxa9e0c70000000009", app_secret="u" * 32)
    before = snapshot()

    assert refused(lambda: cooperation_decide(agency=intruder, cooperation=cooperation, accept=True)) == (
        None,
        "wrong_state",
    )
    assert changes(before, snapshot()) == {}


def test_a_stale_copy_is_checked_again_under_the_lock(shop, agency):
    cooperation = pending(shop, agency)
    stale = Cooperation.objects.get(pk=cooperation.pk)
    cooperation_cancel(cooperation=cooperation)
    before = snapshot()

    assert refused(lambda: cooperation_decide(agency=agency, cooperation=stale, accept=True)) == (None, "wrong_state")
    assert changes(before, snapshot()) == {}

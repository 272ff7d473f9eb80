"""The management commands and the admin (thin interfaces over the services)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from sandbox import selectors
from sandbox.models import Cooperation, FaultSettings, Invitation, Order
from sandbox.services import shop_seed
from tests.sandbox.conftest import ANCHOR, SHOP

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_advance_deliver_and_faults_commands():
    output = run(
        "sandbox_seed",
        "--shop",
        SHOP,
        "--days",
        "2",
        "--orders",
        "60",
        "--seed",
        "4",
        "--agencies",
        "3",
        "--secret",
        "my-secret",
        "--token",
        "my-token",
        "--name",
        "测试店",
        "--anchor",
        str(ANCHOR),
        "--callback-url",
        "http://127.0.0.1:9/cb",
    )
    credentials = selectors.credentials(SHOP)
    assert (credentials["secret"], credentials["push_token"], credentials["clock"]) == ("my-secret", "my-token", ANCHOR)
    assert len(credentials["encoding_aes_key"]) == 43 and credentials["encoding_aes_key"] in output
    agencies = selectors.agencies_of_shop(SHOP)
    assert [a["status"] for a in agencies] == [2, 2, 1]  # the third is only invited
    for agency in agencies:
        assert f"appid {agency['appid']} secret {agency['secret']}" in output
    # 60 asked for and 11 福袋 winners' 0-yuan orders (sandbox.gen_luckybag)
    assert "71 orders" in output and len(selectors.order_payloads(SHOP)) == 71

    output = run("sandbox_advance", "--shop", SHOP, "--hours", "3", "--no-deliver")
    assert f"clock {ANCHOR} → {ANCHOR + 3 * 3600}" in output
    output = run("sandbox_deliver", "--shop", SHOP)
    assert "0 delivered" in output  # the callback does not answer: every push failed and is pending
    output = run("sandbox_faults", "--shop", SHOP, "--busy-rate", "0.1", "--quota-exhausted", "on", "--seed", "3")
    faults = FaultSettings.objects.get(account__appid=SHOP)
    assert (faults.busy_rate, faults.quota_exhausted, faults.seed) == (0.1, True, 3)
    with pytest.raises(CommandError):
        run("sandbox_faults", "--shop", SHOP, "--busy-rate", "2")
    with pytest.raises(CommandError):
        run("sandbox_faults", "--shop", "wxnobody")
    with pytest.raises(CommandError):
        run("sandbox_advance", "--shop", "wxnobody", "--hours", "1")
    with pytest.raises(CommandError):
        run("sandbox_seed", "--shop", agencies[0]["appid"], "--orders", "5")


def test_the_same_seed_is_the_same_shop_byte_for_byte():
    shop_seed(appid=SHOP, seed=21, days=2, orders=80, anchor=ANCHOR)
    first = list(Order.objects.filter(shop__appid=SHOP).order_by("order_id").values_list("payload", "plan"))
    shop_seed(appid=SHOP, seed=21, days=2, orders=80, anchor=ANCHOR)
    assert list(Order.objects.filter(shop__appid=SHOP).order_by("order_id").values_list("payload", "plan")) == first


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_admin_accepts_invitations_and_edits_faults(staff_client):
    result = shop_seed(appid=SHOP, seed=4, days=2, orders=30, anchor=ANCHOR, agencies=3)
    invitation = Invitation.objects.get()
    response = staff_client.post(
        reverse("admin:sandbox_invitation_changelist"), {"action": "accept", "_selected_action": [invitation.pk]}
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decided_time) == ("accepted", ANCHOR)
    assert Cooperation.objects.get(agency=result.agencies[2]).status == 2
    # Deciding again changes nothing.
    staff_client.post(
        reverse("admin:sandbox_invitation_changelist"), {"action": "reject", "_selected_action": [invitation.pk]}
    )
    invitation.refresh_from_db()
    assert invitation.status == "accepted"

    FaultSettings.objects.create(account=result.shop, call_counter=12)
    faults = FaultSettings.objects.get()
    url = reverse("admin:sandbox_faultsettings_change", args=[faults.pk])
    assert staff_client.get(url).status_code == 200
    form = {
        "account": result.shop.pk,
        "busy_rate": "0.5",
        "http5xx_rate": "0",
        "slow_rate": "0",
        "slow_seconds": "12",
        "rate_limit_remaining": "3",
        "duplicate_push_rate": "0",
        "seed": "9",
    }
    assert staff_client.post(url, form).status_code == 302
    faults.refresh_from_db()
    assert (faults.busy_rate, faults.rate_limit_remaining, faults.seed, faults.call_counter) == (0.5, 3, 9, 0)
    for name in ("order", "aftersale", "commissionorder", "product", "account", "pushevent"):
        assert staff_client.get(reverse(f"admin:sandbox_{name}_changelist")).status_code == 200
    order = Order.objects.filter(shop=result.shop).first()
    assert staff_client.get(reverse("admin:sandbox_order_change", args=[order.pk])).status_code == 200

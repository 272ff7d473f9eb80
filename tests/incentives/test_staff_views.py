"""The 员工激励 console pages: schemes and their versions, staff with the month's figures, a member's statement and
CSV (equal to the ledger to the fen), payouts with confirmation, roles, constant query counts, and another shop's
schemes and members never shown."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from incentives.models import Journal, StaffMember, StaffPayout, StaffRewardScheme
from incentives.selectors.ledger import balance
from incentives.services.ledger import post_journal
from incentives.services.staff import staff_rewards_evaluate
from shopops.roles import Role
from tests.factories import MembershipFactory, ShopFactory
from tests.helpers import assert_constant_queries, console_url, flash_messages
from tests.incentives.staff_support import AS_OF, forwarded, make_order
from tests.incentives.test_staff import LATER, refund, share_scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def earned(shop):
    """zhangsan: 349 accrued in November 2026, 50 reversed in December."""
    share_scheme(shop)
    order = make_order(shop, ("a", 19_990, forwarded("zhangsan")), ("b", 3_333, forwarded("zhangsan")))
    staff_rewards_evaluate(shop=shop, as_of=AS_OF)
    refund(order, "b", 3_333)
    staff_rewards_evaluate(shop=shop, as_of=LATER)
    return StaffMember.objects.get(shop=shop, userid="zhangsan")


def client_as(client, shop, role):
    member = MembershipFactory(shop=shop, role=role)
    client.force_login(member.user)
    return client


def test_a_scheme_is_created_in_percent_and_versioned(owner_client, shop):
    response = owner_client.post(
        console_url("incentive_staff_scheme_create", shop),
        {"name": "企微转发激励", "basis": "gmv_share", "rate_ppm": "1.25", "valid_from": "2026-11-01",
         "valid_until": "2026-12-31"},
    )  # fmt: skip
    assert response.status_code == 302
    scheme = StaffRewardScheme.objects.get(shop=shop)
    assert (scheme.version, scheme.rate_ppm, scheme.fixed_fen) == (1, 12_500, 0)
    # 00:00 Beijing time of the first day, and of the day after the last (the end day included)
    assert (scheme.valid_from, scheme.valid_until) == (
        datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC),
    )  # fmt: skip
    assert scheme.last_day == date(2026, 12, 31)

    page = owner_client.get(console_url("incentive_staff_scheme_new_version", shop, pk=scheme.pk))
    assert page.context["form"].initial["rate_ppm"] == Decimal("1.25")
    assert page.context["form"].initial["valid_until"] == date(2026, 12, 31)
    response = owner_client.post(
        console_url("incentive_staff_scheme_new_version", shop, pk=scheme.pk),
        {"name": "企微转发激励", "basis": "fixed_per_order", "fixed_fen": "5", "valid_from": "2026-12-01"},
    )
    assert response.status_code == 302
    assert list(StaffRewardScheme.objects.filter(shop=shop).values_list("version", "basis", "fixed_fen")) == [
        (2, "fixed_per_order", 500),
        (1, "gmv_share", 0),
    ]
    html = owner_client.get(console_url("incentive_staff_schemes", shop)).content.decode()
    assert "1.25%" in html and "¥5.00" in html and "2026-12-31" in html


def test_a_refused_scheme_shows_the_error_on_its_field_and_saves_nothing(owner_client, shop):
    response = owner_client.post(
        console_url("incentive_staff_scheme_create", shop),
        {"name": "x", "basis": "gmv_share", "rate_ppm": "", "valid_from": "2026-11-01"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["rate_ppm"]
    assert not StaffRewardScheme.objects.exists()


def test_staff_list_and_statement_match_the_ledger_and_the_csv(owner_client, shop, earned):
    response = owner_client.get(console_url("incentive_staff", shop) + "?month=2026-12")
    (row,) = response.context["rows"]
    assert (row.opening_fen, row.accrued_fen, row.reversed_fen, row.paid_fen, row.closing_fen) == (349, 0, 50, 0, 299)
    assert "zhangsan" in response.content.decode()

    page = owner_client.get(console_url("incentive_staff_statement", shop, pk=earned.pk) + "?month=2026-11")
    month = page.context["statement"].month
    assert (month.opening_fen, month.accrued_fen, month.reversed_fen, month.closing_fen) == (0, 349, 0, 349)

    csv_page = owner_client.get(console_url("incentive_staff_statement_csv", shop, pk=earned.pk) + "?month=2026-12")
    assert csv_page.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(csv_page.streaming_content).decode("utf-8-sig"))))
    header, opening, *entries, closing = rows
    assert len(entries) == 1

    def fen(cell):
        return int(Decimal(cell.replace(",", "")) * 100) if cell else 0

    assert fen(opening[6]) == 349
    assert sum(fen(r[4]) for r in entries) == fen(closing[4]) == 50
    assert fen(closing[6]) == 299 == -balance(shop, "staff_reward_payable:zhangsan", until=date(2026, 12, 31))


def test_a_payout_is_confirmed_recorded_once_and_refused_over_the_balance(owner_client, shop, earned):
    url = console_url("incentive_staff_payout", shop, pk=earned.pk)
    page = owner_client.get(url)
    assert page.status_code == 200
    assert page.context["owed_fen"] == 299
    assert page.context["form"].initial["amount_fen"] == Decimal("2.99")

    before = (Journal.objects.count(), StaffPayout.objects.count())
    refused = owner_client.post(url, {"amount_fen": "3.00", "key": "k1", "note": ""})
    assert refused.status_code == 200
    assert [e.code for e in refused.context["form"].errors.as_data()["amount_fen"]] == ["over_balance"]
    assert (Journal.objects.count(), StaffPayout.objects.count()) == before

    done = owner_client.post(url, {"amount_fen": "2.00", "key": "k2", "note": "11月"}, follow=True)
    assert flash_messages(done) == ["已记录向 zhangsan 发放 ¥2.00。"]  # "Payout of ¥2.00 to zhangsan recorded."
    owner_client.post(url, {"amount_fen": "2.00", "key": "k2", "note": "11月"})  # the same form sent twice
    assert list(StaffPayout.objects.values_list("amount_fen", "key")) == [(200, "k2")]
    assert balance(shop, "staff_reward_payable:zhangsan") == -99


@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        (Role.ANALYST, "incentive_staff_scheme_create", 403),
        (Role.OPERATOR, "incentive_staff_payout", 403),
        (Role.FINANCE, "incentive_staff_scheme_create", 403),
    ],
)
def test_roles(client, shop, earned, role, name, status):
    client = client_as(client, shop, role)
    kwargs = {"pk": earned.pk} if name == "incentive_staff_payout" else {}
    assert client.post(console_url(name, shop, **kwargs), {}).status_code == status
    assert client.get(console_url("incentive_staff", shop)).status_code == 200
    assert not StaffPayout.objects.exists()
    assert StaffRewardScheme.objects.count() == 1


def test_another_shop_s_schemes_and_staff_are_404_and_absent(owner_client, shop, earned):
    other = ShopFactory()
    theirs = share_scheme(other)
    theirs.name = "别家方案"
    theirs.save()
    their_member = StaffMember.objects.create(shop=other, userid="otherstaff")
    for name in ("incentive_staff_statement", "incentive_staff_statement_csv", "incentive_staff_payout"):
        assert owner_client.get(console_url(name, shop, pk=their_member.pk)).status_code == 404
    assert owner_client.get(console_url("incentive_staff_scheme_new_version", shop, pk=theirs.pk)).status_code == 404
    assert owner_client.post(console_url("incentive_staff_payout", shop, pk=their_member.pk),
                             {"amount_fen": "1", "key": "x"}).status_code == 404  # fmt: skip
    assert "otherstaff" not in owner_client.get(console_url("incentive_staff", shop)).content.decode()
    assert "别家方案" not in owner_client.get(console_url("incentive_staff_schemes", shop)).content.decode()


def test_the_lists_run_a_fixed_number_of_queries(owner_client, shop):
    counter = iter(range(10_000))

    def add_staff(n):
        for _ in range(n):
            i = next(counter)
            member = StaffMember.objects.create(shop=shop, userid=f"u{i}")
            post_journal(
                shop=shop, key=f"t{i}", kind="staff_reward", booked_on=timezone.localdate(),
                entries=[("staff_reward_expense", 100 + i), (member.payable_code, -100 - i)],
            )  # fmt: skip

    _small, large = assert_constant_queries(owner_client, console_url("incentive_staff", shop), add_staff, large=20)
    assert len(large.context["rows"]) == 20

    def add_schemes(n):
        for _ in range(n):
            share_scheme(shop)

    assert_constant_queries(owner_client, console_url("incentive_staff_schemes", shop), add_schemes, large=20)


def test_the_sidebar_links_the_staff_rewards(owner_client, shop):
    html = owner_client.get(console_url("incentive_staff", shop)).content.decode()
    assert console_url("incentive_staff", shop) in html


def test_a_member_is_named_by_an_operator(client, shop, earned):
    client = client_as(client, shop, Role.OPERATOR)
    url = console_url("incentive_staff_member_edit", shop, pk=earned.pk)
    assert client.get(url).context["form"].initial == {"display_name": "", "active": True}
    assert client.post(url, {"display_name": " 张三 "}).status_code == 302
    earned.refresh_from_db()
    assert (earned.display_name, earned.active, earned.label) == ("张三", False, "张三")
    assert "张三" in client.get(console_url("incentive_staff", shop)).content.decode()
    analyst = client_as(client, shop, Role.ANALYST)
    assert analyst.post(url, {"display_name": "x", "active": "on"}).status_code == 403
    earned.refresh_from_db()
    assert earned.display_name == "张三"

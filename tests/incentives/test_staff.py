"""WeCom staff rewards: schemes, the set-based evaluation to the fen, reversals, idempotency, the ledger postings,
the month statement and payouts."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from incentives.models import Journal, StaffMember, StaffPayout, StaffReward, StaffRewardBasis
from incentives.selectors.ledger import balance, balances
from incentives.selectors.staff import staff_month_list, staff_statement
from incentives.services.staff import (
    staff_reward_payout,
    staff_rewards_evaluate,
    staff_scheme_create,
    staff_scheme_new_version,
    staff_scheme_update,
)
from shopops.models import Order
from shopops.money import commission_fen
from tests.factories import AfterSaleFactory, ShopFactory
from tests.incentives.staff_support import (
    AS_OF,
    NATURAL,
    PAID,
    VALID_FROM,
    WECOM_CORP_ONLY,
    forwarded,
    make_order,
)

pytestmark = pytest.mark.django_db

LATER = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # 5 December 2026, Beijing


def share_scheme(shop, rate_ppm=15_000, **extra):
    return staff_scheme_create(
        shop=shop, name="企微转发 1.5%", basis=StaffRewardBasis.GMV_SHARE, rate_ppm=rate_ppm, valid_from=VALID_FROM,
        **extra,
    )  # fmt: skip


def fixed_scheme(shop, fixed_fen=500):
    return staff_scheme_create(
        shop=shop, name="每单 5 元", basis=StaffRewardBasis.FIXED_PER_ORDER, fixed_fen=fixed_fen, valid_from=VALID_FROM
    )


def rewards(shop):
    """(order id, userid, step, kind, basis, amount, booked_on ISO) in key order."""
    return [
        (r.order_id, r.userid, r.step, r.kind, r.basis_fen, r.amount_fen, r.booked_on.isoformat())
        for r in StaffReward.objects.for_shop(shop).order_by("key")
    ]


def refund(order, sku_id, fen, *, status="MERCHANT_REFUND_SUCCESS"):
    return AfterSaleFactory(
        shop=order.shop, order_id=order.order_id, sku_id=sku_id, refund_amount_fen=fen, status=status,
        create_time=order.pay_time + timedelta(days=20),
    )  # fmt: skip


def test_share_of_settled_gmv_rounds_once_per_order_and_member(shop):
    scheme = share_scheme(shop)
    order = make_order(
        shop,
        ("a", 19_990, forwarded("zhangsan")),
        ("b", 3_333, forwarded("zhangsan")),
        ("c", 1_000, forwarded("lisi")),
        ("d", 5_000, NATURAL),  # not a member forward
        ("e", 7_000, WECOM_CORP_ONLY),  # the corp's account, no member: nobody to reward
    )
    result = staff_rewards_evaluate(shop=shop, as_of=AS_OF)

    # zhangsan: 23,323 × 1.5% = 349.845 → 349 once (per-line floors would give 299 + 49 = 348); lisi: 15.
    assert commission_fen(23_323, 15_000) == 349
    assert rewards(shop) == [
        (order.order_id, "lisi", 1, "accrual", 1_000, 15, "2026-11-16"),
        (order.order_id, "zhangsan", 1, "accrual", 23_323, 349, "2026-11-16"),
    ]
    assert StaffReward.objects.get(userid="zhangsan").key == f"{order.order_id}:zhangsan:{scheme.label}:1"
    assert (result.written, result.amount_fen, result.posted) == (2, 364, 1)
    journal = Journal.objects.get(shop=shop)
    assert (journal.key, journal.kind, journal.booked_on) == (
        f"staff_reward:{order.order_id}:{scheme.label}:1", "staff_reward", date(2026, 11, 16),
    )  # fmt: skip
    assert balances(shop) == {
        "staff_reward_expense": 364,
        "staff_reward_payable:lisi": -15,
        "staff_reward_payable:zhangsan": -349,
    }
    assert sorted(StaffMember.objects.for_shop(shop).values_list("userid", flat=True)) == ["lisi", "zhangsan"]


def test_fixed_amount_once_per_order_to_the_member_with_the_most_settled_gmv(shop):
    fixed_scheme(shop)
    two = make_order(shop, ("a", 1_000, forwarded("zhangsan")), ("b", 3_000, forwarded("lisi")))
    one = make_order(shop, ("a", 100, forwarded("zhangsan")))
    tie = make_order(shop, ("a", 800, forwarded("wangwu")), ("b", 800, forwarded("lisi")))
    staff_rewards_evaluate(shop=shop, as_of=AS_OF)

    assert sorted((o, u, a) for o, u, _s, _k, _b, a, _d in rewards(shop)) == sorted(
        [(two.order_id, "lisi", 500), (one.order_id, "zhangsan", 500), (tie.order_id, "lisi", 500)]
    )
    assert balance(shop, "staff_reward_expense") == 1_500


def test_only_final_orders_in_the_scheme_s_period_earn(shop):
    share_scheme(shop, valid_until=datetime(2026, 12, 1, tzinfo=UTC))
    line = ("a", 10_000, forwarded("zhangsan"))
    make_order(shop, line, settled=None)  # not settled
    make_order(shop, line, settled=LATER + timedelta(days=1))  # settled after the evaluation's time
    make_order(shop, line, status=Order.Status.CANCELLED)
    open_one = make_order(shop, line)
    refund(open_one, "a", 10_000, status="MERCHANT_PROCESSING")  # an after-sale in progress: undecided
    make_order(shop, line, paid=VALID_FROM - timedelta(seconds=1))  # paid before the scheme
    make_order(shop, line, paid=datetime(2026, 12, 1, tzinfo=UTC), settled=datetime(2026, 12, 2, tzinfo=UTC))
    staff_rewards_evaluate(shop=shop, as_of=LATER)

    assert rewards(shop) == []
    assert Journal.objects.filter(shop=shop).count() == 0


def test_a_refund_after_the_accrual_reverses_exactly_and_a_cancellation_reverses_the_rest(shop):
    share_scheme(shop)
    order = make_order(shop, ("a", 19_990, forwarded("zhangsan")), ("b", 3_333, forwarded("zhangsan")))
    staff_rewards_evaluate(shop=shop, as_of=AS_OF)
    after_sale = refund(order, "b", 3_333, status="MERCHANT_PROCESSING")

    staff_rewards_evaluate(shop=shop, as_of=LATER)  # after-sale open: nothing decided
    assert len(rewards(shop)) == 1

    after_sale.status = "MERCHANT_REFUND_SUCCESS"
    after_sale.save()
    staff_rewards_evaluate(shop=shop, as_of=LATER)
    # 19,990 × 1.5% = 299.85 → 299: the reversal is 349 − 299 = 50, booked on the evaluation's day.
    assert rewards(shop)[1] == (order.order_id, "zhangsan", 2, "reversal", 19_990, -50, "2026-12-05")
    assert balance(shop, "staff_reward_payable:zhangsan") == -299

    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED_AFTERSALE)
    staff_rewards_evaluate(shop=shop, as_of=LATER)
    assert rewards(shop)[2] == (order.order_id, "zhangsan", 3, "reversal", 0, -299, "2026-12-05")
    assert balances(shop) == {"staff_reward_expense": 0, "staff_reward_payable:zhangsan": 0}
    assert Journal.objects.filter(shop=shop).count() == 3


def test_running_again_changes_nothing(shop):
    share_scheme(shop)
    make_order(shop, ("a", 10_000, forwarded("zhangsan")))
    make_order(shop, ("a", 20_000, forwarded("lisi")))
    first = staff_rewards_evaluate(shop=shop, as_of=AS_OF)
    state = (rewards(shop), Journal.objects.filter(shop=shop).count(), balances(shop))

    again = staff_rewards_evaluate(shop=shop, as_of=AS_OF)
    later = staff_rewards_evaluate(shop=shop, as_of=LATER)

    assert (first.written, first.posted) == (2, 2)
    assert (again.written, again.amount_fen, again.posted) == (0, 0, 0)
    assert (later.written, later.posted) == (0, 0)
    assert (rewards(shop), Journal.objects.filter(shop=shop).count(), balances(shop)) == state


def test_another_shop_s_orders_and_schemes_are_not_mixed_in(shop):
    other = ShopFactory()
    share_scheme(other, rate_ppm=100_000)
    make_order(other, ("a", 10_000, forwarded("zhangsan")))
    share_scheme(shop)
    make_order(shop, ("a", 10_000, forwarded("zhangsan")))
    staff_rewards_evaluate(shop=shop, as_of=AS_OF)

    assert [r[5] for r in rewards(shop)] == [150]
    assert rewards(other) == []


def test_a_new_version_moves_the_orders_it_covers(shop):
    v1 = share_scheme(shop)
    order = make_order(shop, ("a", 10_000, forwarded("zhangsan")))
    staff_rewards_evaluate(shop=shop, as_of=AS_OF)

    with pytest.raises(ValidationError) as refused:
        staff_scheme_update(scheme=v1, rate_ppm=20_000)
    assert refused.value.code == "used"

    v2 = staff_scheme_new_version(scheme=v1, rate_ppm=20_000, valid_from=PAID - timedelta(days=1))
    assert (v2.code, v2.version, v2.supersedes_id) == (v1.code, 2, v1.pk)
    staff_rewards_evaluate(shop=shop, as_of=LATER)

    by_version = {
        (r.scheme.version, r.step): (r.kind, r.amount_fen) for r in StaffReward.objects.filter(order_id=order.order_id)
    }
    assert by_version == {(1, 1): ("accrual", 150), (1, 2): ("reversal", -150), (2, 1): ("accrual", 200)}
    assert balance(shop, "staff_reward_payable:zhangsan") == -200


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": " ", "basis": "gmv_share", "rate_ppm": 10_000}, {"name": ["name"]}),
        ({"name": "x", "basis": "other"}, {"basis": ["basis"]}),
        ({"name": "x", "basis": "gmv_share", "rate_ppm": 0}, {"rate_ppm": ["rate"]}),
        ({"name": "x", "basis": "gmv_share", "rate_ppm": 1_000_001}, {"rate_ppm": ["rate"]}),
        ({"name": "x", "basis": "fixed_per_order", "fixed_fen": 0}, {"fixed_fen": ["fixed"]}),
        (
            {"name": "x", "basis": "fixed_per_order", "fixed_fen": 1, "valid_until": VALID_FROM},
            {"valid_until": ["period"]},
        ),
    ],
)
def test_a_scheme_is_refused_field_by_field(shop, fields, errors):
    with pytest.raises(ValidationError) as refused:
        staff_scheme_create(shop=shop, valid_from=VALID_FROM, **fields)
    assert {name: [e.code for e in errs] for name, errs in refused.value.error_dict.items()} == errors
    assert not shop.staff_reward_schemes.exists()


def test_a_scheme_keeps_only_its_basis(shop):
    scheme = staff_scheme_create(
        shop=shop, name="x", basis=StaffRewardBasis.FIXED_PER_ORDER, fixed_fen=500, rate_ppm=10_000,
        valid_from=VALID_FROM,
    )  # fmt: skip
    assert (scheme.rate_ppm, scheme.fixed_fen, scheme.reward_display) == (0, 500, "¥5.00")
    assert share_scheme(shop, rate_ppm=15_000).reward_display == "1.5%"
    assert share_scheme(shop, rate_ppm=20_000).reward_display == "2%"


# --- statement and payouts ---------------------------------------------------------------------------------------


@pytest.fixture
def earned(shop):
    """zhangsan: 349 accrued in November; a refund in December reverses 50."""
    share_scheme(shop)
    order = make_order(shop, ("a", 19_990, forwarded("zhangsan")), ("b", 3_333, forwarded("zhangsan")))
    staff_rewards_evaluate(shop=shop, as_of=AS_OF)
    refund(order, "b", 3_333)
    staff_rewards_evaluate(shop=shop, as_of=LATER)
    return StaffMember.objects.get(shop=shop, userid="zhangsan")


def test_the_month_statement_equals_the_ledger_to_the_fen(shop, earned):
    staff_reward_payout(member=earned, amount_fen=100, key="p1", paid_on=date(2026, 12, 10), note="12月发放")

    november = staff_statement(shop, earned, date(2026, 11, 1)).month
    december = staff_statement(shop, earned, date(2026, 12, 1))
    m = december.month
    assert (november.opening_fen, november.accrued_fen, november.reversed_fen, november.paid_fen,
            november.closing_fen) == (0, 349, 0, 0, 349)  # fmt: skip
    assert (m.opening_fen, m.accrued_fen, m.reversed_fen, m.paid_fen, m.closing_fen) == (349, 0, 50, 100, 199)
    assert m.opening_fen + m.accrued_fen - m.reversed_fen - m.paid_fen == m.closing_fen
    assert -balance(shop, "staff_reward_payable:zhangsan", until=date(2026, 11, 30)) == november.closing_fen
    assert -balance(shop, "staff_reward_payable:zhangsan", until=date(2026, 12, 31)) == m.closing_fen
    assert [(line.kind, line.owed_fen, line.balance_fen) for line in december.lines] == [
        ("reversed", -50, 299),
        ("paid", -100, 199),
    ]
    assert [p.amount_fen for p in december.payouts] == [100]
    assert balance(shop, "staff_reward_paid") == -100

    (row,) = staff_month_list(shop, date(2026, 12, 1))
    assert (row.member, row.opening_fen, row.accrued_fen, row.reversed_fen, row.paid_fen, row.closing_fen) == (
        earned, 349, 0, 50, 100, 199,
    )  # fmt: skip


def test_a_payout_over_the_balance_is_refused_and_changes_nothing(shop, earned):
    before = (Journal.objects.count(), StaffPayout.objects.count(), balances(shop))
    for amount, code in ((300, "over_balance"), (0, "amount"), (-5, "amount")):
        with pytest.raises(ValidationError) as refused:
            staff_reward_payout(member=earned, amount_fen=amount, key=f"k{amount}")
        assert [e.code for e in refused.value.error_dict["amount_fen"]] == [code]
    assert (Journal.objects.count(), StaffPayout.objects.count(), balances(shop)) == before


def test_a_payout_is_recorded_once_per_key(shop, earned):
    first = staff_reward_payout(member=earned, amount_fen=299, key="same")
    again = staff_reward_payout(member=earned, amount_fen=299, key="same")
    assert first.pk == again.pk
    assert StaffPayout.objects.count() == 1
    assert balance(shop, "staff_reward_payable:zhangsan") == 0
    assert Journal.objects.filter(kind="staff_reward_payout").count() == 1
    with pytest.raises(ValidationError) as refused:
        staff_reward_payout(member=earned, amount_fen=1, key="same")
    assert refused.value.code == "key"


def test_the_task_evaluates_and_posts(shop):
    from incentives.tasks import staff_rewards_evaluate_shop

    share_scheme(shop)
    make_order(shop, ("a", 10_000, forwarded("zhangsan")), settled=datetime(2026, 1, 5, tzinfo=UTC),
               paid=datetime(2026, 1, 2, tzinfo=UTC))  # fmt: skip
    assert staff_rewards_evaluate_shop(shop.pk) == "1 staff rewards, 150 fen, 1 journals"
    assert staff_rewards_evaluate_shop(shop.pk) == "0 staff rewards, 0 fen, 0 journals"

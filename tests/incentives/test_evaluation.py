"""The evaluation of incentive rules into accruals: every rule piece to the fen, idempotency, reversals, order."""

from datetime import UTC, datetime, timedelta

import pytest

from incentives.models import Accrual
from incentives.services.evaluation import accruals_evaluate
from incentives.services.rules import ruleset_install_example, ruleset_new_version, ruleset_update
from shopops.models import Order, OrderLine
from tests.factories import ShopFactory
from tests.incentives.rules_support import (
    AS_OF,
    COOP_MINI,
    COOP_MP,
    LINKED_FINDER,
    LINKED_MP,
    LINKED_SERVICE,
    LINKED_WECOM,
    NATURAL,
    SETTLED,
    accruals,
    make_order,
    refund,
)

pytestmark = pytest.mark.django_db

V1 = "private_domain@1"


@pytest.fixture
def rules(shop):
    return ruleset_install_example(shop=shop)


def evaluate(shop, as_of=AS_OF):
    return accruals_evaluate(shop=shop, as_of=as_of, post=False)


def test_eligible_sources_earn_one_percent_floored_per_line(shop, rules):
    order = make_order(
        shop,
        ("a", 19_990, LINKED_MP),  # 199.9 → 199
        ("b", 5_050, LINKED_SERVICE),  # 50.5 → 50
        ("c", 1_999, LINKED_WECOM),  # 19.99 → 19
        ("d", 7_777, COOP_MINI),  # 77.77 → 77; order total 345 → capped below
        fee=100_000,
    )
    other = make_order(shop, ("e", 9_999, LINKED_MP), fee=100_000)  # 99
    result = evaluate(shop)

    # order 1: 199 + 50 + 19 + 77 = 345 > 300 cap → 300 allotted by cumulative floors in SKU order:
    # a: 300·199/345 = 173; b: 300·249/345 − 173 = 216 − 173 = 43; c: 300·268/345 − 216 = 233 − 216 = 17;
    # d: 300 − 233 = 67.
    assert accruals(shop) == [
        (f"{order.order_id}:a:{V1}:1", "accrual", 173, 19_990, "2026-11-16"),
        (f"{order.order_id}:b:{V1}:1", "accrual", 43, 5_050, "2026-11-16"),
        (f"{order.order_id}:c:{V1}:1", "accrual", 17, 1_999, "2026-11-16"),
        (f"{order.order_id}:d:{V1}:1", "accrual", 67, 7_777, "2026-11-16"),
        (f"{other.order_id}:e:{V1}:1", "accrual", 99, 9_999, "2026-11-16"),
    ]
    assert (result.written, result.amount_fen, result.posted) == (5, 399, 0)


def test_ineligible_sources_earn_nothing(shop, rules):
    make_order(shop, ("a", 50_000, LINKED_FINDER), ("b", 50_000, COOP_MP), ("c", 50_000, NATURAL))
    make_order(shop, ("d", 50_000, (2, 1, "finder_live")), ("e", 50_000, (100, 5, "talent")))
    make_order(shop, ("f", 50_000, (101, 1000, "agency")), ("g", 50_000, (102, 3, "other")))
    assert evaluate(shop).written == 0
    assert accruals(shop) == []


def test_mixed_order_only_eligible_lines_count(shop, rules):
    order = make_order(shop, ("a", 12_345, LINKED_FINDER), ("b", 12_345, LINKED_MP))
    evaluate(shop)
    row = Accrual.objects.get()
    assert (row.sku_id, row.amount_fen, row.channel) == ("b", 123, "mp_article")
    assert (row.sale_channel, row.account_type) == (0, 2)
    assert (row.account_id, row.account_nickname, row.order_id, row.step) == ("acct2", "账号2", order.order_id, 1)


def test_below_one_fen_writes_nothing(shop, rules):
    make_order(shop, ("a", 99, LINKED_MP))
    assert evaluate(shop).written == 0


def test_fee_caps_the_reduction(shop, rules):
    make_order(shop, ("a", 19_990, LINKED_MP), fee=80)
    evaluate(shop)
    assert Accrual.objects.get().amount_fen == 80


def test_fee_cap_can_be_switched_off(shop, rules):
    ruleset_update(ruleset=rules, cap_at_order_fee=False)
    make_order(shop, ("a", 19_990, LINKED_MP), fee=80)
    evaluate(shop)
    assert Accrual.objects.get().amount_fen == 199


def test_order_paid_before_the_programme_earns_nothing(shop, rules):
    make_order(shop, ("a", 19_990, LINKED_MP), paid=datetime(2024, 12, 31, 15, 59, 59, tzinfo=UTC))
    make_order(shop, ("b", 19_990, LINKED_MP), paid=datetime(2024, 12, 31, 16, 0, tzinfo=UTC))
    evaluate(shop)
    assert [a.sku_id for a in Accrual.objects.all()] == ["b"]


def test_unsettled_cancelled_and_open_after_sale_orders_wait(shop, rules):
    make_order(shop, ("a", 19_990, LINKED_MP), settled=None)
    make_order(shop, ("b", 19_990, LINKED_MP), settled=AS_OF + timedelta(seconds=1))
    make_order(shop, ("c", 19_990, LINKED_MP), status=Order.Status.CANCELLED)
    open_order = make_order(shop, ("d", 19_990, LINKED_MP))
    refund(open_order, "d", 1_000, status="MERCHANT_PROCESSING")
    assert evaluate(shop).written == 0


def test_refund_before_settlement_is_in_the_first_basis(shop, rules):
    order = make_order(shop, ("a", 10_000, LINKED_MP))
    refund(order, "a", 2_500)
    refund(order, "a", 999, status="USER_CANCELD")  # cancelled by the buyer: refunds nothing
    evaluate(shop)
    assert accruals(shop) == [(f"{order.order_id}:a:{V1}:1", "accrual", 75, 7_500, "2026-11-16")]


def test_rerun_writes_nothing(shop, rules):
    make_order(shop, ("a", 19_990, LINKED_MP), ("b", 33_333, LINKED_WECOM))
    first = evaluate(shop)
    before = accruals(shop)
    second = evaluate(shop, as_of=AS_OF + timedelta(days=3))
    assert (first.written, second.written, second.amount_fen) == (2, 0, 0)
    assert accruals(shop) == before


def test_refund_after_accrual_reverses_the_difference(shop, rules):
    order = make_order(shop, ("a", 19_990, LINKED_MP), ("b", 5_000, LINKED_MP))
    evaluate(shop)
    aftersale = refund(order, "a", 5_000, status="MERCHANT_PROCESSING", at=SETTLED + timedelta(days=1))
    assert evaluate(shop, as_of=AS_OF + timedelta(days=1)).written == 0  # open: nothing decided yet
    aftersale.status = "MERCHANT_REFUND_SUCCESS"
    aftersale.save()
    result = evaluate(shop, as_of=AS_OF + timedelta(days=2))
    assert (result.written, result.amount_fen) == (1, -50)
    assert accruals(shop) == [
        (f"{order.order_id}:a:{V1}:1", "accrual", 199, 19_990, "2026-11-16"),
        (f"{order.order_id}:a:{V1}:2", "reversal", -50, 14_990, "2026-11-22"),
        (f"{order.order_id}:b:{V1}:1", "accrual", 50, 5_000, "2026-11-16"),
    ]
    assert evaluate(shop, as_of=AS_OF + timedelta(days=3)).written == 0


def test_full_refund_and_cancellation_reverse_everything(shop, rules):
    order = make_order(shop, ("a", 19_990, LINKED_MP))
    evaluate(shop)
    refund(order, "a", 19_990, at=SETTLED + timedelta(days=1))
    order.status = Order.Status.CANCELLED_AFTERSALE
    order.save()
    evaluate(shop, as_of=AS_OF + timedelta(days=1))
    assert accruals(shop) == [
        (f"{order.order_id}:a:{V1}:1", "accrual", 199, 19_990, "2026-11-16"),
        (f"{order.order_id}:a:{V1}:2", "reversal", -199, 0, "2026-11-21"),
    ]
    assert sum(a.amount_fen for a in Accrual.objects.all()) == 0
    assert evaluate(shop, as_of=AS_OF + timedelta(days=2)).written == 0


def test_refund_under_the_cap_moves_the_allocation(shop, rules):
    # 20,000 + 15,000 → 200 + 150 = 350, capped 300: a 171, b 129. A refund of 5,000 on b → 200 + 100 = 300, still
    # capped at 300 but allotted a 200, b 100: a +29, b −29 (one step, two rows).
    order = make_order(shop, ("a", 20_000, LINKED_MP), ("b", 15_000, LINKED_MP))
    evaluate(shop)
    refund(order, "b", 5_000, at=SETTLED + timedelta(days=1))
    evaluate(shop, as_of=AS_OF + timedelta(days=1))
    assert accruals(shop) == [
        (f"{order.order_id}:a:{V1}:1", "accrual", 171, 20_000, "2026-11-16"),
        (f"{order.order_id}:a:{V1}:2", "adjustment", 29, 20_000, "2026-11-21"),
        (f"{order.order_id}:b:{V1}:1", "accrual", 129, 15_000, "2026-11-16"),
        (f"{order.order_id}:b:{V1}:2", "reversal", -29, 10_000, "2026-11-21"),
    ]


def test_after_sale_days_delay_finality(shop, rules):
    ruleset_update(ruleset=rules, after_sale_days=7)
    make_order(shop, ("a", 19_990, LINKED_MP))
    assert evaluate(shop, as_of=SETTLED + timedelta(days=7, seconds=-1)).written == 0
    evaluate(shop, as_of=SETTLED + timedelta(days=7))
    assert [(a.amount_fen, a.booked_on.isoformat()) for a in Accrual.objects.all()] == [(199, "2026-11-23")]


def test_minimum_order_basis_qualifies(shop, rules):
    ruleset_update(ruleset=rules, min_order_basis_fen=10_000)
    make_order(shop, ("a", 9_999, LINKED_MP))
    big = make_order(shop, ("b", 5_000, LINKED_MP), ("c", 5_000, LINKED_SERVICE), ("d", 90_000, NATURAL))
    evaluate(shop)
    assert [(a.order_id, a.sku_id, a.amount_fen) for a in Accrual.objects.order_by("sku_id")] == [
        (big.order_id, "b", 50),
        (big.order_id, "c", 50),
    ]


def test_month_cap_first_settled_first_served(shop, rules):
    ruleset_update(ruleset=rules, cap_per_month_fen=250)
    first = make_order(shop, ("a", 10_000, LINKED_MP), settled=SETTLED)
    third = make_order(shop, ("c", 10_000, LINKED_MP), settled=SETTLED + timedelta(hours=2))
    second = make_order(shop, ("b", 10_000, LINKED_MP), settled=SETTLED + timedelta(hours=1))
    december = make_order(shop, ("d", 10_000, LINKED_MP), settled=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    evaluate(shop, as_of=datetime(2026, 12, 2, tzinfo=UTC))
    assert {a.order_id: a.amount_fen for a in Accrual.objects.all()} == {
        first.order_id: 100,
        second.order_id: 100,
        third.order_id: 50,
        december.order_id: 100,  # 1 December in Beijing: the next month's cap
    }


def test_new_version_from_a_past_date_moves_lines_to_it(shop, rules):
    order = make_order(shop, ("a", 19_990, LINKED_MP))
    early = make_order(shop, ("b", 19_990, LINKED_MP), paid=datetime(2026, 10, 1, tzinfo=UTC))
    evaluate(shop)
    v2 = ruleset_new_version(ruleset=rules, rate_ppm=5_000, valid_from=datetime(2026, 10, 31, 16, 0, tzinfo=UTC))
    evaluate(shop, as_of=AS_OF + timedelta(days=1))
    assert accruals(shop) == [
        (f"{order.order_id}:a:{V1}:1", "accrual", 199, 19_990, "2026-11-16"),
        (f"{order.order_id}:a:{V1}:2", "reversal", -199, 0, "2026-11-21"),
        (f"{order.order_id}:a:private_domain@2:1", "accrual", 99, 19_990, "2026-11-16"),
        (f"{early.order_id}:b:{V1}:1", "accrual", 199, 19_990, "2026-11-16"),
    ]
    assert Accrual.objects.get(key=f"{order.order_id}:a:private_domain@2:1").ruleset == v2
    reversal = Accrual.objects.get(key=f"{order.order_id}:a:{V1}:2")  # no target: its source from the accruals
    assert (reversal.channel, reversal.sale_channel, reversal.account_type) == ("mp_article", 0, 2)
    assert (reversal.account_id, reversal.account_nickname, reversal.ruleset) == ("acct2", "账号2", rules)
    assert evaluate(shop, as_of=AS_OF + timedelta(days=2)).written == 0


def test_a_line_of_two_sources_takes_the_greatest_of_each_column_and_keeps_it(shop, rules):
    # Two order lines of SKU a, from two eligible sources, are one line: each source column is the greatest of the
    # two. A later row takes the greatest over the order lines and the line's accruals, so a source changed on the
    # order lines since does not lower it.
    order = make_order(shop, ("a", 10_000, LINKED_MP), ("a", 5_000, COOP_MINI), ("a", 7_000, NATURAL))
    evaluate(shop)
    OrderLine.objects.filter(order=order, sku_id="a").update(account_id="", account_nickname="")
    refund(order, "a", 5_000, at=SETTLED + timedelta(days=1))
    evaluate(shop, as_of=AS_OF + timedelta(days=1))
    rows = Accrual.objects.order_by("step").values_list(
        "kind", "amount_fen", "channel", "sale_channel", "account_type", "account_id", "account_nickname"
    )
    assert list(rows) == [
        ("accrual", 150, "mp_article", 1, 3, "acct3", "账号3"),
        ("reversal", -50, "mp_article", 1, 3, "acct3", "账号3"),
    ]


def test_other_shops_are_not_evaluated(shop, rules):
    other = ShopFactory()
    ruleset_install_example(shop=other)
    make_order(other, ("a", 19_990, LINKED_MP))
    assert evaluate(shop).written == 0
    assert Accrual.objects.count() == 0


def test_shop_without_rules_earns_nothing(shop):
    make_order(shop, ("a", 19_990, LINKED_MP))
    assert evaluate(shop).written == 0


def _expected_parts(amounts: list[int], total: int) -> list[int]:
    """The allocation by cumulative floors, in Python: part i = ⌊total·cum_i/raw⌋ − ⌊total·cum_(i−1)/raw⌋."""
    raw, cum, parts = sum(amounts), 0, []
    for amount in amounts:
        before, cum = cum, cum + amount
        parts.append(amount if total == raw else total * cum // raw - total * before // raw)
    return parts


def test_many_orders_match_a_python_model_to_the_fen(shop, rules):
    import random

    from shopops.money import commission_fen

    rng = random.Random(12)
    ELIGIBLE = {(0, 2), (0, 4), (0, 6), (1, 3)}  # noqa: N806
    sources = [LINKED_MP, LINKED_SERVICE, LINKED_WECOM, COOP_MINI, LINKED_FINDER, NATURAL]
    expected = {}
    for n in range(60):
        lines = [(f"s{i}", rng.randint(1, 60_000), rng.choice(sources)) for i in range(rng.randint(1, 4))]
        fee = rng.choice([5, 120, 250, 100_000])
        order = make_order(shop, *lines, fee=fee, order_id=f"3700000000000{n:06d}")
        refunds = {}
        for sku_id, price, _source in lines:
            if rng.random() < 0.3:
                refunds[sku_id] = rng.randint(1, price + 100)  # more than paid is possible: basis never below 0
                refund(order, sku_id, refunds[sku_id])
        keep = [(s, max(p - refunds.get(s, 0), 0)) for s, p, src in lines if src[:2] in ELIGIBLE]
        amounts = [commission_fen(b, 10_000) for _s, b in keep]
        total = min(sum(amounts), 300, fee)
        for (sku_id, _b), part in zip(keep, _expected_parts(amounts, total), strict=True):
            if part:
                expected[(order.order_id, sku_id)] = part
    evaluate(shop)
    assert {(a.order_id, a.sku_id): a.amount_fen for a in Accrual.objects.all()} == expected


def test_a_sync_page_evaluates_only_its_orders(shop, rules):
    first = make_order(shop, ("a", 19_990, LINKED_MP))
    second = make_order(shop, ("b", 5_000, LINKED_MP))
    result = accruals_evaluate(shop=shop, as_of=AS_OF, post=False, order_ids=[second.order_id])
    assert (result.written, [a.order_id for a in Accrual.objects.all()]) == (1, [second.order_id])
    assert accruals_evaluate(shop=shop, as_of=AS_OF, post=False, order_ids=[]).written == 0
    refund(second, "b", 5_000, at=SETTLED + timedelta(days=1))
    scoped = accruals_evaluate(shop=shop, as_of=AS_OF, post=False, order_ids=[first.order_id, second.order_id])
    assert (scoped.written, scoped.amount_fen) == (2, 199 - 50)
    assert evaluate(shop).written == 0  # the whole shop agrees


def test_a_month_cap_evaluates_the_whole_shop_whatever_the_scope(shop, rules):
    ruleset_update(ruleset=rules, cap_per_month_fen=150)
    first = make_order(shop, ("a", 10_000, LINKED_MP), settled=SETTLED)
    second = make_order(shop, ("b", 10_000, LINKED_MP), settled=SETTLED + timedelta(hours=1))
    accruals_evaluate(shop=shop, as_of=AS_OF, post=False, order_ids=[second.order_id])
    assert {a.order_id: a.amount_fen for a in Accrual.objects.all()} == {first.order_id: 100, second.order_id: 50}

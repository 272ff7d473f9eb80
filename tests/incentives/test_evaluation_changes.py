"""The hourly evaluation of the orders queued since the last run (``accruals_evaluate_changes``): the sync queues
what it stores, the evaluation queues what is still within its after-sale period, the whole shop is evaluated
the first time, after a change of the rule sets and when too much is due, and whole months under a month cap.
Every run ends with the accruals a whole-shop evaluation would write: running one afterwards writes nothing."""

from datetime import timedelta

import pytest

from incentives.models import Accrual, EvaluationState, QueuedOrder
from incentives.selectors.ledger import balances
from incentives.services import evaluation
from incentives.services.evaluation import accruals_evaluate, accruals_evaluate_changes, orders_queue
from incentives.services.rules import ruleset_install_example, ruleset_new_version, ruleset_update
from shopops.models import Order
from shopops.sync import store
from tests.incentives.rules_support import (
    AS_OF,
    LINKED_MP,
    LINKED_WECOM,
    NATURAL,
    SETTLED,
    accruals,
    make_order,
    refund,
)
from tests.sync.test_store import order_payload

pytestmark = pytest.mark.django_db

V1, V2 = "private_domain@1", "private_domain@2"


@pytest.fixture
def rules(shop):
    return ruleset_install_example(shop=shop)


def hourly(shop, as_of=AS_OF):
    result = accruals_evaluate_changes(shop=shop, as_of=as_of, post=False)
    return result.written, result.amount_fen


def queued(shop):
    return sorted(QueuedOrder.objects.filter(shop=shop).values_list("order_id", "due_at"))


def assert_whole_shop_agrees(shop, as_of=AS_OF):
    assert accruals_evaluate(shop=shop, as_of=as_of, post=False).written == 0


def test_a_stored_page_of_orders_or_aftersales_queues_its_orders_due_at_once(shop):
    store.orders_store(shop=shop, payloads=[order_payload("100"), order_payload("200")], synced_at=AS_OF)
    store.orders_store(shop=shop, payloads=[order_payload("100")], synced_at=AS_OF)  # the same order again

    assert queued(shop) == [("100", None), ("100", None), ("200", None)]


def test_the_first_run_evaluates_the_whole_shop_then_only_the_queued_orders(shop, rules):
    first = make_order(shop, ("a", 19_990, LINKED_MP), ("b", 5_000, LINKED_WECOM), fee=100_000)
    second = make_order(shop, ("a", 9_999, LINKED_MP), ("n", 5_000, NATURAL), fee=100_000)

    # No evaluation yet: the whole shop (the factories queued nothing).
    assert hourly(shop) == (3, 199 + 50 + 99)
    assert EvaluationState.objects.get(shop=shop).whole_shop_at == AS_OF
    assert hourly(shop) == (0, 0)

    # A refund the sync stored queues its order: only that order is evaluated.
    refund(first, "a", 9_990)
    orders_queue(shop=shop, order_ids=[first.order_id])
    later = AS_OF + timedelta(hours=1)
    assert hourly(shop, later) == (1, -99)  # 199 → floor(10,000 × 1%) = 100
    assert queued(shop) == []
    assert EvaluationState.objects.get(shop=shop).evaluated_at == later

    # A change the sync did not store (no queue row) is not looked at: the hourly run reads the queue, not the
    # shop's history. A whole-shop evaluation finds it.
    Order.objects.filter(pk=second.pk).update(status=Order.Status.CANCELLED)
    assert hourly(shop, later) == (0, 0)
    assert accruals_evaluate(shop=shop, as_of=later, post=False).written == 1
    assert [row[:3] for row in accruals(shop)] == [
        (f"{first.order_id}:a:{V1}:1", "accrual", 199),
        (f"{first.order_id}:a:{V1}:2", "reversal", -99),
        (f"{first.order_id}:b:{V1}:1", "accrual", 50),
        (f"{second.order_id}:a:{V1}:1", "accrual", 99),
        (f"{second.order_id}:a:{V1}:2", "reversal", -99),
    ]


def test_an_order_within_its_after_sale_period_is_evaluated_when_the_period_ends(shop, rules):
    ruleset_update(ruleset=rules, after_sale_days=7)
    assert hourly(shop, SETTLED) == (0, 0)  # the first run: the whole shop, nothing yet

    order = make_order(shop, ("a", 19_990, LINKED_MP), fee=100_000)  # settled at SETTLED
    orders_queue(shop=shop, order_ids=[order.order_id])
    assert hourly(shop, SETTLED + timedelta(days=1)) == (0, 0)
    ends = SETTLED + timedelta(days=7)
    assert queued(shop) == [(order.order_id, ends)]  # nothing will be synced then: the evaluation queued it

    assert hourly(shop, ends - timedelta(seconds=1)) == (0, 0)
    assert queued(shop) == [(order.order_id, ends)]
    assert hourly(shop, ends) == (1, 199)
    assert accruals(shop) == [(f"{order.order_id}:a:{V1}:1", "accrual", 199, 19_990, "2026-11-23")]
    assert queued(shop) == []
    assert_whole_shop_agrees(shop, ends)


def test_a_whole_shop_evaluation_queues_the_orders_still_within_their_after_sale_period(shop, rules):
    ruleset_update(ruleset=rules, after_sale_days=7)
    waiting = make_order(shop, ("a", 19_990, LINKED_MP), fee=100_000)
    final = make_order(shop, ("a", 9_999, LINKED_MP), settled=SETTLED - timedelta(days=8), fee=100_000)
    make_order(shop, ("a", 9_999, LINKED_MP), settled=SETTLED, status=Order.Status.CANCELLED)
    make_order(shop, ("a", 9_999, LINKED_MP), settled=None)  # settlement will come with the sync
    orders_queue(shop=shop, order_ids=["stale"])  # whatever was queued: the whole shop covers it

    assert hourly(shop, SETTLED + timedelta(days=1)) == (1, 99)
    assert [row[0] for row in accruals(shop)] == [f"{final.order_id}:a:{V1}:1"]
    assert queued(shop) == [(waiting.order_id, SETTLED + timedelta(days=7))]


def test_changed_rule_sets_are_evaluated_over_the_whole_shop(shop, rules):
    order = make_order(shop, ("a", 19_990, LINKED_MP), fee=100_000)
    ruleset_update(ruleset=rules, rate_ppm=5_000)  # a draft edited in place before it earned anything
    assert EvaluationState.objects.filter(shop=shop).exists() is False
    assert hourly(shop) == (1, 99)

    ruleset_new_version(ruleset=rules, rate_ppm=20_000)  # nothing queued: the rule sets changed
    assert hourly(shop) == (2, -99 + 300)
    assert [row[:3] for row in accruals(shop)] == [
        (f"{order.order_id}:a:{V1}:1", "accrual", 99),
        (f"{order.order_id}:a:{V1}:2", "reversal", -99),
        (f"{order.order_id}:a:{V2}:1", "accrual", 300),  # 399, capped at 300 per order
    ]
    assert hourly(shop) == (0, 0)


def test_too_many_due_orders_evaluate_the_whole_shop(shop, rules, monkeypatch):
    assert hourly(shop) == (0, 0)
    orders = [make_order(shop, ("a", 9_999, LINKED_MP), fee=100_000) for _ in range(3)]
    monkeypatch.setattr(evaluation, "FULL_RUN_ORDERS", 1)
    orders_queue(shop=shop, order_ids=[orders[0].order_id])
    assert hourly(shop) == (1, 99)  # one due: that order alone
    orders_queue(shop=shop, order_ids=[orders[1].order_id])
    orders_queue(shop=shop, order_ids=[orders[1].order_id])
    assert hourly(shop) == (2, 2 * 99)  # two rows due: the whole shop, the third order (not queued) too
    assert queued(shop) == []


def test_under_a_month_cap_the_hourly_run_evaluates_the_due_orders_months_whole(shop, rules):
    """A month's orders share the cap, first settled first served: a refund on the month's first order frees cap
    for the next ones, so the run evaluates every order settled in the months of the due orders, and only those."""
    ruleset_update(ruleset=rules, cap_per_month_fen=250)
    first = make_order(shop, ("a", 19_990, LINKED_MP), settled=SETTLED - timedelta(days=2), fee=100_000)
    second = make_order(shop, ("a", 19_990, LINKED_MP), settled=SETTLED, fee=100_000)
    december = make_order(shop, ("a", 19_990, LINKED_MP), settled=SETTLED + timedelta(days=16), fee=100_000)
    at = SETTLED + timedelta(days=20)
    assert hourly(shop, at) == (3, 199 + 51 + 199)  # the whole shop first: November's cap leaves 51 to the second

    refund(first, "a", 19_990)
    orders_queue(shop=shop, order_ids=[first.order_id])
    Order.objects.filter(pk=december.pk).update(status=Order.Status.CANCELLED)  # a change nobody queued
    assert hourly(shop, at) == (2, -199 + 148)  # November only: the second order now has the month's cap
    assert [row[:3] for row in accruals(shop)] == [
        (f"{first.order_id}:a:{V1}:1", "accrual", 199),
        (f"{first.order_id}:a:{V1}:2", "reversal", -199),
        (f"{second.order_id}:a:{V1}:1", "accrual", 51),
        (f"{second.order_id}:a:{V1}:2", "adjustment", 148),
        (f"{december.order_id}:a:{V1}:1", "accrual", 199),
    ]
    orders_queue(shop=shop, order_ids=["not-settled-yet"])  # a due order that is not settled: nothing to decide
    assert hourly(shop, at) == (0, 0)
    assert accruals_evaluate(shop=shop, as_of=at, post=False).written == 1  # the whole shop finds December's


def test_the_hourly_run_posts_what_it_wrote_and_remembers_the_last_accrual_posted(shop, rules):
    order = make_order(shop, ("a", 19_990, LINKED_MP), fee=100_000)
    result = accruals_evaluate_changes(shop=shop, as_of=AS_OF)
    assert (result.written, result.amount_fen, result.posted) == (1, 199, 1)
    first = Accrual.objects.for_shop(shop).get()
    assert EvaluationState.objects.get(shop=shop).posted_through == first.pk

    refund(order, "a", 9_990)
    orders_queue(shop=shop, order_ids=[order.order_id])
    result = accruals_evaluate_changes(shop=shop, as_of=AS_OF + timedelta(hours=1))
    assert (result.written, result.amount_fen, result.posted) == (1, -99, 1)
    last = Accrual.objects.for_shop(shop).latest("pk")
    assert (last.amount_fen, last.posted_at is not None) == (-99, True)
    assert EvaluationState.objects.get(shop=shop).posted_through == last.pk
    assert balances(shop)["fee_rebate_receivable"] == 100

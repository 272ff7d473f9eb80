"""Accruals posted to the ledger: one balanced journal per order, version and step; posting twice posts nothing."""

from datetime import timedelta

import pytest

from incentives.models import Accrual, Journal
from incentives.selectors import ledger as ledger_selectors
from incentives.services.evaluation import accruals_evaluate, accruals_post
from incentives.services.rules import ruleset_install_example, ruleset_new_version
from shopops.models import Order
from tests.incentives.rules_support import AS_OF, LINKED_MP, LINKED_WECOM, SETTLED, make_order, refund

pytestmark = pytest.mark.django_db


def journals(shop):
    return [
        (j.key, j.kind, j.booked_on.isoformat(), sorted((e.account.code, e.amount_fen) for e in j.entries.all()))
        for j in Journal.objects.filter(shop=shop).order_by("key").prefetch_related("entries__account")
    ]


def test_accruals_post_one_journal_per_order_and_step(shop):
    ruleset_install_example(shop=shop)
    order = make_order(shop, ("a", 19_990, LINKED_MP), ("b", 8_000, LINKED_WECOM))
    result = accruals_evaluate(shop=shop, as_of=AS_OF)
    assert (result.written, result.amount_fen, result.posted) == (2, 279, 1)
    assert journals(shop) == [
        (
            f"incentive:{order.order_id}:private_domain@1:1",
            "incentive_accrual",
            "2026-11-16",
            [("fee_rebate_receivable", 279), ("incentive_income", -279)],
        )
    ]
    assert not Accrual.objects.filter(posted_at__isnull=True).exists()
    again = accruals_evaluate(shop=shop, as_of=AS_OF + timedelta(days=1))
    assert (again.written, again.posted) == (0, 0)
    assert accruals_post(shop=shop) == 0

    refund(order, "a", 19_990, at=SETTLED + timedelta(days=1))
    refund(order, "b", 8_000, at=SETTLED + timedelta(days=1))
    order.status = Order.Status.CANCELLED_AFTERSALE
    order.save()
    reversed_ = accruals_evaluate(shop=shop, as_of=AS_OF + timedelta(days=2))
    assert (reversed_.written, reversed_.amount_fen, reversed_.posted) == (2, -279, 1)
    assert journals(shop)[1] == (
        f"incentive:{order.order_id}:private_domain@1:2",
        "incentive_accrual",
        "2026-11-22",
        [("fee_rebate_receivable", -279), ("incentive_income", 279)],
    )
    assert ledger_selectors.balance(shop, "fee_rebate_receivable") == 0
    assert ledger_selectors.balance(shop, "incentive_income") == 0


def test_unposted_accruals_are_posted_later_and_balances_equal_accruals(shop):
    v1 = ruleset_install_example(shop=shop)
    make_order(shop, ("a", 19_990, LINKED_MP))
    accruals_evaluate(shop=shop, as_of=AS_OF, post=False)
    assert journals(shop) == []
    assert accruals_post(shop=shop) == 1
    assert accruals_post(shop=shop) == 0
    ruleset_new_version(ruleset=v1, reward_form="growth_card", valid_from=v1.valid_from + timedelta(days=1))
    result = accruals_evaluate(shop=shop, as_of=AS_OF + timedelta(days=1))
    assert (result.written, result.amount_fen, result.posted) == (2, 0, 2)
    total = sum(Accrual.objects.values_list("amount_fen", flat=True))
    assert total == 199
    assert ledger_selectors.balance(shop, "fee_rebate_receivable") == 0
    assert ledger_selectors.balance(shop, "growth_card:pending") == 199
    assert ledger_selectors.balance(shop, "incentive_income") == -199


def test_the_hourly_task_installs_the_example_evaluates_and_posts_once(shop):
    from incentives.models import RuleSet
    from incentives.tasks import incentives_evaluate_shop

    order = make_order(shop, ("a", 19_990, LINKED_MP), ("b", 8_000, LINKED_WECOM))
    assert incentives_evaluate_shop(shop.pk) == "2 accruals, 279 fen, 1 journals"
    assert list(RuleSet.objects.for_shop(shop).values_list("code", "version", "is_example")) == [
        ("private_domain", 1, True)
    ]
    assert [key for key, *_ in journals(shop)] == [f"incentive:{order.order_id}:private_domain@1:1"]
    assert incentives_evaluate_shop(shop.pk) == "0 accruals, 0 fen, 0 journals"
    assert ledger_selectors.balance(shop, "fee_rebate_receivable") == 279

"""The 私域激励 console pages: 激励对账, 激励台账 (statement and downloads) and 本月预估 — figures shown, reason
filter, empty states, a fixed number of queries whatever the rows, and another shop's data never shown."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
import time_machine
from django.utils import timezone

from incentives.models import OrderFlow
from incentives.selectors.ledger import statement
from incentives.selectors.reconciliation import Reason
from incentives.services.evaluation import accruals_evaluate
from incentives.services.ledger import post_journal
from incentives.services.rules import ruleset_install_example
from tests.factories import MembershipFactory, ShopFactory
from tests.helpers import assert_constant_queries, console_url
from tests.incentives.rules_support import AS_OF, LINKED_MP, NATURAL, SETTLED, make_order

pytestmark = pytest.mark.django_db


def flow(order, reduction, *, fee=10_000, settled=True):
    return OrderFlow.objects.create(
        shop=order.shop, order_id=order.order_id, settle_state=60 if settled else 1,
        original_platform_commission_fen=fee, platform_commission_fen=fee - reduction,
        mch_settle_time=SETTLED if settled else None, synced_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def reconciled(shop):
    """Five orders: one agreeing, one per reason of the platform, one without a flow."""
    ruleset_install_example(shop=shop)
    orders = {
        "agrees": make_order(shop, ("s1", 10_000, LINKED_MP)),  # expects 100
        "not_reduced": make_order(shop, ("s1", 10_000, LINKED_MP)),
        "not_eligible": make_order(shop, ("s1", 10_000, NATURAL)),  # expects 0
        "amount": make_order(shop, ("s1", 10_000, LINKED_MP)),
        "no_flow": make_order(shop, ("s1", 20_000, LINKED_MP)),  # expects 200
    }
    flow(orders["agrees"], 100)
    flow(orders["not_reduced"], 0)
    flow(orders["not_eligible"], 50)
    flow(orders["amount"], 70)
    accruals_evaluate(shop=shop, as_of=AS_OF)
    return {key: order.order_id for key, order in orders.items()}


def test_reconciliation_page_lists_the_differences_with_their_reasons(owner_client, shop, reconciled):
    response = owner_client.get(console_url("incentive_reconciliation", shop))
    assert response.status_code == 200
    (month,) = response.context["months"]
    assert (month.month, month.orders, month.expected_fen, month.actual_fen, month.differing) == (
        date(2026, 11, 1), 5, 500, 220, 4,
    )  # fmt: skip
    rows = {d.order_id: (d.expected_fen, d.actual_fen, d.reason) for d in response.context["page"].object_list}
    assert rows == {
        reconciled["not_reduced"]: (100, 0, Reason.NOT_REDUCED),
        reconciled["not_eligible"]: (0, 50, Reason.NOT_ELIGIBLE),
        reconciled["amount"]: (100, 70, Reason.AMOUNT),
        reconciled["no_flow"]: (200, 0, Reason.NO_FLOW),
    }
    html = response.content.decode()
    assert reconciled["amount"] in html and reconciled["agrees"] not in html
    assert "2026-11" in html

    filtered = owner_client.get(console_url("incentive_reconciliation", shop) + "?reason=amount&month=2026-11")
    assert [d.order_id for d in filtered.context["page"].object_list] == [reconciled["amount"]]
    other_month = owner_client.get(console_url("incentive_reconciliation", shop) + "?month=2026-10")
    assert 'id="no-differences"' in other_month.content.decode()
    bad = owner_client.get(console_url("incentive_reconciliation", shop) + "?reason=nonsense&month=x&page=99")
    assert bad.status_code == 200 and len(bad.context["page"].object_list) == 4


def test_reconciliation_pages_through_many_differences(owner_client, shop):
    ruleset_install_example(shop=shop)
    for _ in range(55):
        flow(make_order(shop, ("s1", 10_000, NATURAL)), 10)
    response = owner_client.get(console_url("incentive_reconciliation", shop))
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 55
    second = owner_client.get(console_url("incentive_reconciliation", shop) + "?page=2")
    assert len(second.context["page"].object_list) == 5


def test_reconciliation_queries_do_not_grow_with_orders(owner_client, shop):
    ruleset_install_example(shop=shop)

    def add(n):
        for i in range(n):
            flow(make_order(shop, ("s1", 10_000, LINKED_MP)), i % 3)
        accruals_evaluate(shop=shop, as_of=AS_OF)

    assert_constant_queries(owner_client, console_url("incentive_reconciliation", shop), add, small=1, large=20)


def test_ledger_page_statement_and_downloads(owner_client, shop, reconciled):
    url = console_url("incentive_ledger", shop) + "?month=2026-11"
    response = owner_client.get(url)
    assert response.status_code == 200
    rows = {r["account"].code: r["account"] for r in response.context["rows"]}
    assert set(rows) == {"fee_rebate_receivable", "incentive_income"}
    receivable = rows["fee_rebate_receivable"]
    # The rules expect 100 + 100 + 100 + 200 = 500 fen, all booked in November.
    assert (receivable.balance_fen, receivable.opening_fen, receivable.debit_fen, receivable.closing_fen) == (
        500, 0, 500, 500,
    )  # fmt: skip
    assert rows["incentive_income"].credit_fen == -500
    query, code = "?month=2026-11", "fee_rebate_receivable"
    page = owner_client.get(console_url("incentive_statement", shop, code=code) + query)
    assert page.status_code == 200
    statement = page.context["statement"]
    assert (statement.debit_total_fen, statement.closing_fen, len(statement.lines)) == (500, 500, 4)

    csv_response = owner_client.get(console_url("incentive_statement_csv", shop, code=code) + query)
    assert csv_response.status_code == 200
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 1 + 4 + 1  # header, opening, entries, closing
    xlsx = owner_client.get(console_url("incentive_statement_xlsx", shop, code=code) + query)
    assert xlsx.status_code == 200
    content = xlsx.getvalue() if not xlsx.streaming else b"".join(xlsx.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.max_row == 7

    assert owner_client.get(console_url("incentive_statement", shop, code="nope") + "?month=2026-11").status_code == 404


def test_another_shop_s_account_is_not_found(owner_client, shop, reconciled):
    other = ShopFactory()
    post_journal(shop=other, key="k", kind="test", booked_on=date(2026, 11, 3),
                 entries=[("growth_card:other1", 10), ("incentive_income", -10)])  # fmt: skip
    for name in ("incentive_statement", "incentive_statement_csv", "incentive_statement_xlsx"):
        assert (
            owner_client.get(console_url(name, shop, code="growth_card:other1") + "?month=2026-11").status_code == 404
        )
    html = owner_client.get(console_url("incentive_ledger", shop) + "?month=2026-11").content.decode()
    assert "other1" not in html
    # A member of the other shop only: every page of this shop is a 404.
    member = MembershipFactory(shop=other)
    owner_client.force_login(member.user)
    for name in ("incentive_reconciliation", "incentive_ledger", "incentive_forecast"):
        assert owner_client.get(console_url(name, shop)).status_code == 404


def test_ledger_queries_do_not_grow_with_accounts(owner_client, shop):
    day = timezone.localdate()
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            i = next(counter)
            post_journal(shop=shop, key=f"k{i}", kind="test", booked_on=day,
                         entries=[(f"growth_card:c{i}", 10), ("incentive_income", -10)])  # fmt: skip

    small, large = assert_constant_queries(owner_client, console_url("incentive_ledger", shop), add, small=1, large=15)
    assert len(large.context["rows"]) == 16


def test_statement_queries_do_not_grow_with_entries(owner_client, shop):
    day = timezone.localdate()
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            i = next(counter)
            post_journal(shop=shop, key=f"k{i}", kind="test", booked_on=day,
                         entries=[("fee_rebate_receivable", 10), ("incentive_income", -10)])  # fmt: skip

    url = console_url("incentive_statement", shop, code="fee_rebate_receivable")
    assert_constant_queries(owner_client, url, add, small=1, large=20)


@time_machine.travel(AS_OF, tick=False)
def test_forecast_page(owner_client, shop, reconciled):
    make_order(shop, ("s9", 30_000, LINKED_MP), settled=None, paid=AS_OF - timedelta(days=1))  # pending: 300
    response = owner_client.get(console_url("incentive_forecast", shop))
    assert response.status_code == 200
    forecast = response.context["forecast"]
    assert (forecast.accrued_fen, forecast.pending_fen) == (500, 300)
    html = response.content.decode()
    assert "账号2" in html


@time_machine.travel(AS_OF, tick=False)
def test_forecast_queries_do_not_grow_with_orders(owner_client, shop):
    ruleset_install_example(shop=shop)

    def add(n):
        for _ in range(n):
            make_order(shop, ("s1", 10_000, LINKED_MP), settled=None, paid=AS_OF - timedelta(days=1))

    assert_constant_queries(owner_client, console_url("incentive_forecast", shop), add, small=1, large=20)


def test_empty_states(owner_client, shop):
    pages = {
        "incentive_reconciliation": ('id="no-months"', 'id="no-differences"'),
        "incentive_ledger": ('id="no-accounts"',),
        "incentive_forecast": ('id="no-forecast"',),
    }
    for name, markers in pages.items():
        html = owner_client.get(console_url(name, shop)).content.decode()
        for marker in markers:
            assert marker in html, (name, marker)


def test_the_statement_page_shows_a_page_of_lines_and_the_month_s_totals(owner_client, shop):
    """150 entries: page 1 holds the opening and the first 100 lines, page 2 the other 50; the lines of both are the
    full statement's (the downloads'), running balances included, and both show the month's totals."""
    post_journal(shop=shop, key="before", kind="test", booked_on=date(2026, 10, 31),
                 entries=[("fee_rebate_receivable", 1_000), ("incentive_income", -1_000)])  # fmt: skip
    for i in range(150):
        amount = -(i + 1) if i % 7 == 3 else i + 1
        post_journal(shop=shop, key=f"k{i}", kind="test", booked_on=date(2026, 11, 1 + i % 30),
                     entries=[("fee_rebate_receivable", amount), ("incentive_income", -amount)])  # fmt: skip
    url = console_url("incentive_statement", shop, code="fee_rebate_receivable") + "?month=2026-11"
    first, second = owner_client.get(url), owner_client.get(url + "&page=2")
    full = statement(shop, "fee_rebate_receivable", date(2026, 11, 1))
    assert (len(first.context["statement"].lines), len(second.context["statement"].lines)) == (100, 50)
    assert first.context["statement"].lines + second.context["statement"].lines == full.lines
    for page in (first, second):
        shown = page.context["statement"]
        assert (shown.opening_fen, shown.debit_total_fen, shown.credit_total_fen, shown.closing_fen) == (
            1_000, full.debit_total_fen, full.credit_total_fen, full.closing_fen,
        )  # fmt: skip
    assert full.closing_fen == 1_000 + sum(-(i + 1) if i % 7 == 3 else i + 1 for i in range(150))
    assert "期初余额" in first.content.decode() and "期初余额" not in second.content.decode()
    assert "第 2 页，共 2 页" in second.content.decode()

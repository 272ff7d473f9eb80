"""The 私域激励 incentive ledger over the full stack, under random interleavings of the facts the sync stores —
orders whose lines come from eligible private-domain sources and from others, partial and full refunds (open,
refunded, withdrawn), settlements, cancellations, new rule versions — and of evaluation runs (the hourly task's
``accruals_evaluate``, whole shop or a sync page, or ``accruals_evaluate_changes`` over the orders the sync queued,
posting at once or later with ``accruals_post``), with steps run twice (duplicates), refunds before and after
settlement, and crashes between steps (writes rolled back).

After every step every journal balances, the accruals of every line and the ledger's balances equal a replay from
scratch in Python of what the rules in force make of the machine's model of the facts (to the fen), and the ledger
refuses to have a row updated or deleted. An evaluation run twice writes nothing the second time."""

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from incentives.models import Accrual, Entry, Journal
from incentives.selectors.ledger import balances
from incentives.services.evaluation import accruals_evaluate, accruals_evaluate_changes, accruals_post, orders_queue
from incentives.services.rules import ruleset_install_example, ruleset_new_version
from shopops.models import AfterSale, Order
from shopops.money import PPM
from shopops.selectors.orders import AFTERSALE_NOT_OPEN, AFTERSALE_REFUNDED
from tests.factories import ShopFactory
from tests.incentives.rules_support import (
    COOP_MINI,
    COOP_MP,
    LINKED_FINDER,
    LINKED_MP,
    LINKED_SERVICE,
    LINKED_WECOM,
    NATURAL,
    PAID,
    SETTLED,
    make_order,
    refund,
)

ORDERS = range(4)
SKUS = ("a", "b")  # two lines per order, one SKU each
SOURCES = [LINKED_MP, LINKED_SERVICE, LINKED_WECOM, COOP_MINI, LINKED_FINDER, COOP_MP, NATURAL]
# The 2025 example's eligible sources (sale_channel, account_type); no rule below changes them.
ELIGIBLE = {LINKED_MP[:2], LINKED_SERVICE[:2], LINKED_WECOM[:2], COOP_MINI[:2]}
PRICES = st.sampled_from([99, 100, 5_050, 12_345, 19_990, 33_333])
FEES = st.sampled_from([50, 150, 100_000])
OPEN, CLOSED = "MERCHANT_PROCESSING", ["MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS", "USER_CANCELD"]
RECEIVABLE, INCOME = "fee_rebate_receivable", "incentive_income"
BEIJING = ZoneInfo("Asia/Shanghai")
CUTS = [date(2026, 11, 15), date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 19)]  # balances until these days


def beijing_date(at: datetime) -> date:
    return at.astimezone(BEIJING).date()


class Crash(Exception):
    """The process dies after a step's writes, before its transaction commits."""


@dataclass
class Rules:
    """The parameters of the version in force (every version starts when the first does, so covers every order)."""

    rate_ppm: int = 10_000
    cap_per_order_fen: int | None = 300
    cap_at_order_fee: bool = True
    min_order_basis_fen: int = 0
    cap_per_month_fen: int | None = None


@dataclass
class OrderModel:
    lines: dict[str, tuple[int, tuple]]  # sku → (paid fen, source)
    fee: int
    settled: datetime | None = None
    cancelled: bool = False
    aftersales: dict[int, tuple[str, int, str]] = field(default_factory=dict)  # pk → (sku, fen, status)


def expected_parts(amounts: list[int], total: int) -> list[int]:
    """A total allotted to the lines by cumulative floors, in SKU order (the parts sum to the total)."""
    raw, cum, parts = sum(amounts), 0, []
    for amount in amounts:
        before, cum = cum, cum + amount
        parts.append(amount if total == raw else (0 if raw == 0 else total * cum // raw - total * before // raw))
    return parts


def target(order: OrderModel, rules: Rules, month_total: int | None = None) -> dict[str, int]:
    """What each eligible line of a final order should have earned in total (the rules of evaluation.py), given the
    order's total after the month cap when there is one."""
    if order.cancelled:
        return {}
    skus, amounts, total = order_total(order, rules)
    return dict(zip(skus, expected_parts(amounts, total if month_total is None else month_total), strict=True))


def order_total(order: OrderModel, rules: Rules) -> tuple[list[str], list[int], int]:
    """An order's eligible SKUs, their amounts, and its total before the month cap."""
    refunded = defaultdict(int)
    for sku, fen, status in order.aftersales.values():
        if status in AFTERSALE_REFUNDED:
            refunded[sku] += fen
    skus = sorted(s for s, (_paid, source) in order.lines.items() if source[:2] in ELIGIBLE)
    bases = [max(order.lines[s][0] - refunded[s], 0) for s in skus]
    amounts = [b * rules.rate_ppm // PPM for b in bases]
    raw = sum(amounts)
    if sum(bases) < rules.min_order_basis_fen:
        total = 0
    else:
        total = min(raw, raw if rules.cap_per_order_fen is None else rules.cap_per_order_fen)
        if rules.cap_at_order_fee:
            total = min(total, order.fee)
    return skus, amounts, total


class IncentivesMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.shop = ShopFactory()
        self.ruleset = ruleset_install_example(shop=self.shop)
        self.rules = Rules()
        self.month_capped = False  # a version has had a month cap: every evaluation is the shop's whole
        self.clock = SETTLED  # the time of the next evaluation
        self.orders: dict[int, OrderModel] = {}
        self.db_orders: dict[int, Order] = {}
        # What the accruals hold per (order index, sku, version id); the (order, version) pairs that have had a step;
        # the journals' (booked_on, fen) written but not posted yet, and posted.
        self.accrued: dict[tuple[int, str, int], int] = defaultdict(int)
        self.stepped: set[tuple[int, int]] = set()
        self.unposted: list[tuple[date, int]] = []
        self.posted: list[tuple[date, int]] = []

    # --- the facts ---------------------------------------------------------------------------------------------

    def _synced(self, i):
        """What the sync's ``orders_stored`` signal does after storing order ``i`` or its after-sales."""
        orders_queue(shop=self.shop, order_ids=[self.db_orders[i].order_id])

    def _store_order(self, i, sources, prices, fee):
        if i in self.orders:  # the same payload again: the sync stores it again, nothing changes
            order = self.db_orders[i]
            order.refresh_from_db()
            order.save()
            self._synced(i)
            return
        lines = {sku: (price, source) for sku, price, source in zip(SKUS, prices, sources, strict=True)}
        order = make_order(
            self.shop, *[(sku, price, source) for sku, (price, source) in lines.items()], paid=PAID, settled=None,
            fee=fee, status=Order.Status.PAID,
        )  # fmt: skip
        self.orders[i] = OrderModel(lines=lines, fee=fee)
        self.db_orders[i] = order
        self._synced(i)

    @initialize(
        orders=st.lists(
            st.tuples(st.tuples(*[st.sampled_from(SOURCES)] * 2), st.tuples(PRICES, PRICES), FEES),
            min_size=len(ORDERS), max_size=len(ORDERS),
        )
    )  # fmt: skip
    def store_orders(self, orders):
        for i, (sources, prices, fee) in zip(ORDERS, orders, strict=True):
            self._store_order(i, sources, prices, fee)

    @rule(i=st.sampled_from(ORDERS))
    def store_order_again(self, i):
        """The sync stores the same order payload again (a duplicate event): nothing changes."""
        self._store_order(i, None, None, None)

    def _settle(self, i, hours):
        model, order = self.orders[i], self.db_orders[i]
        if model.settled is not None:  # settled again: the same settlement
            order.refresh_from_db()
            assert order.settle_time == model.settled
            return
        at = self.clock + timedelta(hours=hours)
        status = {} if model.cancelled else {"status": Order.Status.COMPLETED}
        Order.objects.filter(pk=order.pk).update(settle_time=at, commission_fee_fen=model.fee, **status)
        model.settled = at
        self._synced(i)

    @rule(i=st.sampled_from(ORDERS), hours=st.integers(-30, 30), twice=st.booleans())
    def settle(self, i, hours, twice):
        self._settle(i, hours)
        if twice:
            self._settle(i, hours)

    @rule(i=st.sampled_from(ORDERS), after_refund=st.booleans())
    def cancel(self, i, after_refund):
        status = Order.Status.CANCELLED_AFTERSALE if after_refund else Order.Status.CANCELLED
        Order.objects.filter(pk=self.db_orders[i].pk).update(status=status)
        self.orders[i].cancelled = True
        self._synced(i)

    def _refund(self, i, sku, fen, status):
        aftersale = refund(self.db_orders[i], sku, fen, status=status, at=self.clock)
        self.orders[i].aftersales[aftersale.pk] = (sku, fen, status)
        self._synced(i)

    @rule(
        i=st.sampled_from(ORDERS), sku=st.sampled_from(SKUS), share=st.sampled_from([1, 2, 3, 4]),
        status=st.sampled_from([OPEN, *CLOSED]), more=st.booleans(),
    )  # fmt: skip
    def refund(self, i, sku, share, status, more):
        """A partial (a quarter to three quarters) or full (share 4) refund of a line, or a little more."""
        paid = self.orders[i].lines[sku][0]
        self._refund(i, sku, max(paid * share // 4, 1) + (1 if share == 4 and more else 0), status)

    @precondition(lambda self: any(s == OPEN for o in self.orders.values() for _k, _f, s in o.aftersales.values()))
    @rule(data=st.data(), status=st.sampled_from(CLOSED))
    def close_aftersale(self, data, status):
        candidates = sorted(
            (i, pk) for i, o in self.orders.items() for pk, (_sku, _fen, s) in o.aftersales.items() if s == OPEN
        )
        i, pk = data.draw(st.sampled_from(candidates))
        AfterSale.objects.filter(pk=pk).update(status=status)
        sku, fen, _open = self.orders[i].aftersales[pk]
        self.orders[i].aftersales[pk] = (sku, fen, status)
        self._synced(i)

    @rule(
        rate_ppm=st.sampled_from([5_000, 10_000, 30_000]), cap=st.sampled_from([None, 150, 300]),
        cap_at_order_fee=st.booleans(), min_basis=st.sampled_from([0, 20_000]),
        cap_month=st.sampled_from([None, None, 200, 500]),
    )  # fmt: skip
    def new_version(self, rate_ppm, cap, cap_at_order_fee, min_basis, cap_month):
        """The owner saves a new version (from the same start): the next evaluation moves every decidable line."""
        self.ruleset = ruleset_new_version(
            ruleset=self.ruleset, rate_ppm=rate_ppm, cap_per_order_fen=cap, cap_at_order_fee=cap_at_order_fee,
            min_order_basis_fen=min_basis, cap_per_month_fen=cap_month,
        )  # fmt: skip
        self.rules = Rules(rate_ppm, cap, cap_at_order_fee, min_basis, cap_month)
        self.month_capped = self.month_capped or cap_month is not None

    # --- evaluation ----------------------------------------------------------------------------------------------

    def _decidable(self, i) -> bool:
        """Cancelled, or settled by ``self.clock`` (after-sale period 0 days), and no after-sale open."""
        order = self.orders[i]
        if any(status not in AFTERSALE_NOT_OPEN for _sku, _fen, status in order.aftersales.values()):
            return False
        return order.cancelled or (order.settled is not None and order.settled <= self.clock)

    def _month_totals(self) -> dict[int, int]:
        """Under a month cap, each final order's total after it: the orders settled in one Beijing month share the
        cap, first settled first served (then by order id)."""
        months = defaultdict(list)
        for i, order in self.orders.items():
            if self._decidable(i) and not order.cancelled and order_total(order, self.rules)[0]:
                months[beijing_date(order.settled).replace(day=1)].append(i)
        totals = {}
        for orders in months.values():
            spent = 0
            for i in sorted(orders, key=lambda i: (self.orders[i].settled, self.db_orders[i].order_id)):
                total = order_total(self.orders[i], self.rules)[2]
                totals[i] = min(total, max(0, self.rules.cap_per_month_fen - spent))
                spent += total
        return totals

    def _replay_evaluation(self, scope):
        """What an evaluation at ``self.clock`` decides, in the model: a cancelled order earns nothing, a settled one
        whose after-sale period is over earns its target; an order with an open after-sale keeps what it has. Once a
        version has had a month cap, an evaluation of a sync page decides the whole shop (as the service does: its
        orders depend on each other)."""
        month_totals = {} if self.rules.cap_per_month_fen is None else self._month_totals()
        for i in ORDERS if self.month_capped else scope:
            order = self.orders[i]
            if not self._decidable(i):
                continue
            earned = target(order, self.rules, month_totals.get(i))
            want = {(i, sku, self.ruleset.pk): fen for sku, fen in earned.items()}
            deltas = defaultdict(dict)  # version → sku → difference
            for key in {k for k in self.accrued if k[0] == i} | set(want):
                if want.get(key, 0) != self.accrued[key]:
                    deltas[key[2]][key[1]] = want.get(key, 0) - self.accrued[key]
                    self.accrued[key] = want.get(key, 0)
            for version, by_sku in deltas.items():
                # The first step is booked on the day the after-sale period ended (0 days after settlement),
                # later ones on the evaluation's day, Beijing time.
                first = (i, version) not in self.stepped
                day = beijing_date(order.settled if first else self.clock)
                self.stepped.add((i, version))
                if sum(by_sku.values()):  # a journal nets the step's lines (none when they cancel out)
                    self.unposted.append((day, sum(by_sku.values())))

    @rule(
        scope=st.none() | st.lists(st.sampled_from(ORDERS), max_size=3, unique=True), post=st.booleans(),
        advance_hours=st.integers(0, 48),
    )  # fmt: skip
    def evaluate(self, scope, post, advance_hours):
        """The hourly run (whole shop) or a sync page's (its orders), posting now or leaving it to accruals_post;
        run twice, the second run writes and posts nothing."""
        self.clock += timedelta(hours=advance_hours)
        order_ids = None if scope is None else [self.db_orders[i].order_id for i in scope]
        accruals_evaluate(shop=self.shop, as_of=self.clock, post=post, order_ids=order_ids)
        self._replay_evaluation(ORDERS if scope is None else scope)
        if post:
            self.posted, self.unposted = self.posted + self.unposted, []
        journals = Journal.objects.for_shop(self.shop).count()
        again = accruals_evaluate(shop=self.shop, as_of=self.clock, post=post, order_ids=order_ids)
        assert (again.written, again.amount_fen, again.posted) == (0, 0, 0)
        assert Journal.objects.for_shop(self.shop).count() == journals

    @rule(post=st.booleans(), advance_hours=st.integers(0, 48))
    def evaluate_changes(self, post, advance_hours):
        """The hourly run over the orders the sync queued (the whole shop the first time and after a new version):
        what a whole-shop run decides, for every order; run twice, the second run writes and posts nothing."""
        self.clock += timedelta(hours=advance_hours)
        accruals_evaluate_changes(shop=self.shop, as_of=self.clock, post=post)
        self._replay_evaluation(ORDERS)
        if post:
            self.posted, self.unposted = self.posted + self.unposted, []
        again = accruals_evaluate_changes(shop=self.shop, as_of=self.clock, post=post)
        assert (again.written, again.amount_fen, again.posted) == (0, 0, 0)

    @rule()
    def post(self):
        accruals_post(shop=self.shop)
        self.posted, self.unposted = self.posted + self.unposted, []
        journals = Journal.objects.for_shop(self.shop).count()
        assert accruals_post(shop=self.shop) == 0
        assert Journal.objects.for_shop(self.shop).count() == journals

    # --- crashes and the append-only ledger --------------------------------------------------------------------

    @rule(
        what=st.sampled_from(["order", "refund", "settle", "cancel", "evaluate", "version"]), i=st.sampled_from(ORDERS),
        sku=st.sampled_from(SKUS), hours=st.integers(-30, 30),
    )  # fmt: skip
    def crash_after_a_step(self, what, i, sku, hours):
        """A step's writes, then the process dies before its transaction commits: nothing of it remains (the
        model is restored, the invariants compare with it)."""
        saved = (
            {k: OrderModel(o.lines, o.fee, o.settled, o.cancelled, dict(o.aftersales)) for k, o in self.orders.items()},
            dict(self.db_orders), self.ruleset, self.rules, defaultdict(int, self.accrued), set(self.stepped),
            list(self.unposted), list(self.posted), self.clock,
        )  # fmt: skip
        with pytest.raises(Crash), transaction.atomic():
            if what == "order":
                self._store_order(len(ORDERS), (LINKED_MP, LINKED_WECOM), (19_990, 12_345), 100_000)
            elif what == "refund":
                self._refund(i, sku, 5_000, "MERCHANT_REFUND_SUCCESS")
            elif what == "settle":
                self._settle(i, hours)
            elif what == "cancel":
                self.cancel(i, after_refund=False)
            elif what == "evaluate":
                accruals_evaluate(shop=self.shop, as_of=self.clock + timedelta(days=3))
            elif what == "version":
                ruleset_new_version(ruleset=self.ruleset, rate_ppm=50_000)
            raise Crash
        (
            self.orders, self.db_orders, self.ruleset, self.rules, self.accrued, self.stepped, self.unposted,
            self.posted, self.clock,
        ) = saved  # fmt: skip

    @rule(table=st.sampled_from([Journal, Entry]), delete=st.booleans())
    def tamper_with_the_ledger(self, table, delete):
        """Updating or deleting a journal or an entry is refused by the database (the ledger only grows)."""
        rows = Entry.objects.filter(journal__shop=self.shop) if table is Entry else Journal.objects.for_shop(self.shop)
        pk = rows.order_by("pk").values_list("pk", flat=True).first()
        if pk is None:
            return
        name = connection.ops.quote_name(table._meta.db_table)
        if delete:
            sql = f"DELETE FROM {name} WHERE id = %s"
        elif table is Entry:
            sql = f"UPDATE {name} SET amount_fen = amount_fen + 1 WHERE id = %s"
        else:
            sql = f"UPDATE {name} SET memo = 'tampered' WHERE id = %s"
        before = (Journal.objects.for_shop(self.shop).count(), Entry.objects.filter(journal__shop=self.shop).count())
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
        assert table.objects.filter(pk=pk).exists()
        assert not Journal.objects.for_shop(self.shop).filter(memo="tampered").exists()
        assert (
            Journal.objects.for_shop(self.shop).count(),
            Entry.objects.filter(journal__shop=self.shop).count(),
        ) == before

    # --- invariants ----------------------------------------------------------------------------------------------

    @invariant()
    def every_journal_balances(self):
        per_journal = (
            Entry.objects.filter(journal__shop=self.shop)
            .values("journal")
            .annotate(total=Sum("amount_fen"), n=Count("pk"))
        )
        assert [row for row in per_journal if row["total"] != 0 or row["n"] < 2] == []
        assert not Journal.objects.for_shop(self.shop).filter(entries__isnull=True).exists()

    @invariant()
    def accruals_equal_a_replay(self):
        stored = defaultdict(int)
        for order_id, sku, fen in Accrual.objects.for_shop(self.shop).values_list("order_id", "sku_id", "amount_fen"):
            stored[(order_id, sku)] += fen
        expected = defaultdict(int)
        for (i, sku, _version), fen in self.accrued.items():
            expected[(self.db_orders[i].order_id, sku)] += fen
        assert {k: v for k, v in stored.items() if v} == {k: v for k, v in expected.items() if v}
        by_version = defaultdict(int)
        for order_id, version, fen in Accrual.objects.for_shop(self.shop).values_list(
            "order_id", "ruleset_id", "amount_fen"
        ):
            by_version[(order_id, version)] += fen
        expected = defaultdict(int)
        for (i, _sku, version), fen in self.accrued.items():
            expected[(self.db_orders[i].order_id, version)] += fen
        assert {k: v for k, v in by_version.items() if v} == {k: v for k, v in expected.items() if v}
        unposted = Accrual.objects.for_shop(self.shop).filter(posted_at__isnull=True)
        assert (unposted.aggregate(t=Sum("amount_fen"))["t"] or 0) == sum(fen for _day, fen in self.unposted)

    @invariant()
    def balances_equal_a_replay(self):
        for cut in [None, *CUTS]:
            total = sum(fen for day, fen in self.posted if cut is None or day <= cut)
            replay = {RECEIVABLE: total, INCOME: -total}
            assert {c: b for c, b in balances(self.shop, until=cut).items() if b} == {
                c: b for c, b in replay.items() if b
            }, cut


@pytest.mark.django_db
def test_incentives_under_random_orders_refunds_settlements_evaluations_and_crashes():
    run_state_machine_as_test(
        IncentivesMachine,
        settings=settings(
            max_examples=int(os.environ.get("INCENTIVES_EXAMPLES", 60)),
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )

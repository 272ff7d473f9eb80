"""The ledger under random sequences of posts, duplicate keys, reversals (also booked before the journal they
reverse), bulk posts with repeated keys, refused journals and crashes between steps: after every step every journal
balances and every balance, as the ledger's sums, equals a replay from scratch of what should have been written."""

from collections import Counter, defaultdict
from datetime import date

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from incentives.models import Entry, Journal
from incentives.selectors.ledger import balance, balances, statement
from incentives.services.ledger import JournalSpec, LedgerConflict, post_journal, post_journals_bulk, reverse_journal
from tests.factories import ShopFactory

CODES = [
    "fee_rebate_receivable",
    "incentive_income",
    "growth_card:c1",
    "growth_card:c2",
    "staff_reward_payable:wx_zhang",
    "staff_reward_expense",
]
KEYS = [f"k{i}" for i in range(6)]
REVERSAL_KEYS = [f"r{i}" for i in range(4)]

# Few dates, on both sides of the month ends, so that journals share days and the cut-offs below fall on them.
DAYS = [
    date(2026, 10, 20),
    date(2026, 10, 31),
    date(2026, 11, 1),
    date(2026, 11, 15),
    date(2026, 11, 30),
    date(2026, 12, 1),
]
days = st.sampled_from(DAYS)


@st.composite
def balanced_entries(draw):
    legs = draw(
        st.lists(st.tuples(st.sampled_from(CODES), st.integers(-(10**9), 10**9).filter(bool)), min_size=1, max_size=3)
    )
    total = sum(fen for _code, fen in legs)
    assume(total != 0)
    return [*legs, (draw(st.sampled_from(CODES)), -total)]


class Crash(Exception):
    """The process dies after a step, before its transaction commits."""


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.shop = ShopFactory()
        # What should be in the ledger: key → (booked_on, entries, key of the journal it reverses or None).
        self.expected: dict[str, tuple[date, list[tuple[str, int]], str | None]] = {}

    # --- steps -------------------------------------------------------------------------------------------------

    @rule(key=st.sampled_from(KEYS), day=days, entries=balanced_entries())
    def post(self, key, day, entries):
        if key in self.expected:
            if Counter(self.expected[key][1]) == Counter(entries) and self.expected[key][2] is None:
                journal = post_journal(shop=self.shop, key=key, kind="accrual", booked_on=day, entries=entries)
                assert journal.booked_on == self.expected[key][0]  # unchanged
            else:
                with pytest.raises(LedgerConflict):
                    post_journal(shop=self.shop, key=key, kind="accrual", booked_on=day, entries=entries)
            return
        post_journal(shop=self.shop, key=key, kind="accrual", booked_on=day, entries=entries)
        self.expected[key] = (day, entries, None)

    @rule(key=st.sampled_from(KEYS))
    def post_the_same_again(self, key):
        if key in self.expected and self.expected[key][2] is None:
            day, entries, _ = self.expected[key]
            post_journal(shop=self.shop, key=key, kind="accrual", booked_on=day, entries=list(reversed(entries)))

    @rule(key=st.sampled_from(KEYS), day=days, entries=balanced_entries(), off_by=st.integers(-3, 3).filter(bool))
    def post_unbalanced(self, key, day, entries, off_by):
        code, fen = entries[-1]
        with pytest.raises(ValueError):
            post_journal(
                shop=self.shop, key=key, kind="accrual", booked_on=day, entries=[*entries[:-1], (code, fen + off_by)]
            )

    @rule(target_key=st.sampled_from(KEYS + REVERSAL_KEYS), key=st.sampled_from(REVERSAL_KEYS + KEYS), day=days)
    def reverse(self, target_key, key, day):
        if target_key not in self.expected:
            return
        journal = Journal.objects.get(shop=self.shop, key=target_key)
        reversed_by = [k for k, (_d, _e, rev) in self.expected.items() if rev == target_key]
        flipped = [(code, -fen) for code, fen in self.expected[target_key][1]]
        if reversed_by and reversed_by != [key]:
            with pytest.raises(LedgerConflict):
                reverse_journal(journal=journal, key=key, booked_on=day)
        elif key in self.expected:
            if self.expected[key][2] == target_key:
                assert reverse_journal(journal=journal, key=key, booked_on=day).reverses_id == journal.pk
            else:
                with pytest.raises(LedgerConflict):
                    reverse_journal(journal=journal, key=key, booked_on=day)
        else:
            reverse_journal(journal=journal, key=key, booked_on=day)  # may be booked before the journal: allowed
            self.expected[key] = (day, flipped, target_key)

    @rule(batch=st.lists(st.tuples(st.sampled_from(KEYS), days, balanced_entries()), max_size=5))
    def post_bulk(self, batch):
        specs = [JournalSpec(key=k, kind="accrual", booked_on=d, entries=e) for k, d, e in batch]
        first: dict[str, tuple[date, list]] = {}
        conflict = False
        for key, day, entries in batch:
            if key in first and Counter(first[key][1]) != Counter(entries):
                conflict = True
            first.setdefault(key, (day, entries))
        if conflict:
            with pytest.raises(LedgerConflict):
                post_journals_bulk(shop=self.shop, journals=specs)
            return
        new = {k: v for k, v in first.items() if k not in self.expected}
        assert post_journals_bulk(shop=self.shop, journals=specs) == len(new)
        for key, (day, entries) in new.items():
            self.expected[key] = (day, entries, None)

    @rule(key=st.sampled_from(KEYS), day=days, entries=balanced_entries(), bulk=st.booleans())
    def crash_after_posting(self, key, day, entries, bulk):
        with pytest.raises(Crash), transaction.atomic():
            if bulk:
                post_journals_bulk(shop=self.shop, journals=[JournalSpec(key, "accrual", day, entries)])
            elif key not in self.expected:
                post_journal(shop=self.shop, key=key, kind="accrual", booked_on=day, entries=entries)
            raise Crash
        # nothing of it remains: the invariants compare with ``expected``, which did not change

    # --- invariants ---------------------------------------------------------------------------------------------

    @invariant()
    def every_journal_balances(self):
        per_journal = (
            Entry.objects.filter(journal__shop=self.shop)
            .values("journal")
            .annotate(total=Sum("amount_fen"), n=Count("pk"))
        )
        assert [(row["total"], row["n"] >= 2) for row in per_journal if row["total"] != 0 or row["n"] < 2] == []
        assert Journal.objects.for_shop(self.shop).filter(entries__isnull=True).count() == 0

    @invariant()
    def the_ledger_holds_what_was_posted(self):
        stored = defaultdict(list)
        for key, code, fen in Entry.objects.filter(journal__shop=self.shop).values_list(
            "journal__key", "account__code", "amount_fen"
        ):
            stored[key].append((code, fen))
        assert {k: Counter(v) for k, v in stored.items()} == {k: Counter(e) for k, (_d, e, _r) in self.expected.items()}
        journals = Journal.objects.for_shop(self.shop).values_list("key", "booked_on", "reverses__key")
        assert {k: (d, r) for k, d, r in journals} == {k: (d, r) for k, (d, _e, r) in self.expected.items()}

    @invariant()
    def balances_equal_a_replay_from_scratch(self):
        def replay(until=None):
            sums = dict.fromkeys(CODES, 0)
            for day, entries, _rev in self.expected.values():
                for code, fen in entries:
                    if until is None or day <= until:
                        sums[code] += fen
            return sums

        assert {c: b for c, b in balances(self.shop).items() if b} == {c: b for c, b in replay().items() if b}
        assert sum(balances(self.shop).values()) == 0
        for cut in [date(2026, 10, 19), date(2026, 10, 31), date(2026, 11, 30)]:
            assert {c: b for c, b in balances(self.shop, until=cut).items() if b} == {
                c: b for c, b in replay(cut).items() if b
            }
        assert {c: balance(self.shop, c, until=date(2026, 11, 15)) for c in CODES} == replay(date(2026, 11, 15))

    @invariant()
    def a_statement_is_its_entries(self):
        for code in CODES:
            s = statement(self.shop, code, date(2026, 11, 1))
            if s is None:
                continue
            in_month = [
                fen
                for day, entries, _rev in self.expected.values()
                if date(2026, 11, 1) <= day <= date(2026, 11, 30)
                for c, fen in entries
                if c == code
            ]
            assert sorted(line.amount_fen for line in s.lines) == sorted(in_month)
            opening = sum(
                fen
                for day, entries, _rev in self.expected.values()
                if day < date(2026, 11, 1)
                for c, fen in entries
                if c == code
            )
            assert s.opening_fen == opening
            assert s.opening_fen + s.debit_total_fen - s.credit_total_fen == s.closing_fen == opening + sum(in_month)


@pytest.mark.django_db
def test_the_ledger_under_random_posts_reversals_duplicates_and_crashes():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )

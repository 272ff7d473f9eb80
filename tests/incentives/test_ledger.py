from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.utils import translation

from incentives.models import AccountKind, Entry, Journal, LedgerAccount
from incentives.selectors.ledger import balance, balances, journal_get
from incentives.services.ledger import (
    JournalSpec,
    LedgerConflict,
    post_journal,
    post_journals_bulk,
    reverse_journal,
)
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"
D1 = date(2026, 11, 3)
RECEIVABLE, INCOME = "fee_rebate_receivable", "incentive_income"


def rebate(shop, key="accrual:o1:v1", fen=1234, **kwargs):
    return post_journal(
        shop=shop, key=key, kind="accrual", booked_on=D1, entries=[(RECEIVABLE, fen), (INCOME, -fen)], **kwargs
    )


def snapshot():
    return (
        list(Journal.objects.order_by("pk").values_list("pk", "shop_id", "key", "kind", "booked_on", "memo")),
        list(Entry.objects.order_by("pk").values_list("pk", "journal_id", "account_id", "amount_fen")),
        list(LedgerAccount.objects.order_by("pk").values_list("pk", "shop_id", "code", "kind")),
    )


def test_post_journal_writes_balanced_entries_and_opens_accounts(shop):
    journal = rebate(shop, memo="订单 o1")

    assert (journal.key, journal.kind, journal.booked_on, journal.memo, journal.reverses) == (
        "accrual:o1:v1",
        "accrual",
        D1,
        "订单 o1",
        None,
    )
    assert sorted(journal.entries.values_list("account__code", "amount_fen")) == [(RECEIVABLE, 1234), (INCOME, -1234)]
    assert dict(LedgerAccount.objects.for_shop(shop).values_list("code", "kind")) == {
        RECEIVABLE: AccountKind.ASSET,
        INCOME: AccountKind.INCOME,
    }
    assert balance(shop, RECEIVABLE) == 1234
    assert balance(shop, INCOME) == -1234
    assert balances(shop) == {RECEIVABLE: 1234, INCOME: -1234}


def test_accounts_with_a_ref_and_their_labels(shop):
    post_journal(
        shop=shop,
        key="staff:2026-11:wx_zhang",
        kind="staff_reward",
        booked_on=D1,
        entries=[("staff_reward_expense", 500), ("staff_reward_payable:wx_zhang", -500)],
    )
    payable = LedgerAccount.objects.get(shop=shop, code="staff_reward_payable:wx_zhang")
    with translation.override("en"):
        assert (payable.kind, payable.label) == (AccountKind.LIABILITY, "Staff reward payable to wx_zhang")
    with translation.override("zh-hans"):
        assert payable.label == "应付员工奖励：wx_zhang"
    assert LedgerAccount.objects.get(shop=shop, code="staff_reward_expense").kind == AccountKind.EXPENSE


@pytest.mark.parametrize(
    ("entries", "error"),
    [
        ([(RECEIVABLE, 100), (INCOME, -99)], ValueError),  # does not balance
        ([(RECEIVABLE, 100)], ValueError),  # one entry
        ([], ValueError),
        ([(RECEIVABLE, 0), (INCOME, 0)], ValueError),  # an entry of 0 fen
        ([("fee_rebate_recievable", 100), (INCOME, -100)], ValueError),  # not in the chart
        ([("growth_card", 100), (INCOME, -100)], ValueError),  # growth_card needs a ref
        ([("incentive_income:x", 100), (INCOME, -100)], ValueError),  # incentive_income takes none
        ([(RECEIVABLE, 1.5), (INCOME, -1.5)], TypeError),  # fen are integers
        ([(RECEIVABLE, True), (INCOME, -1)], TypeError),
    ],
)
def test_a_bad_journal_is_refused_and_writes_nothing(shop, entries, error):
    rebate(shop, key="before")
    before = snapshot()

    with pytest.raises(error):
        post_journal(shop=shop, key="bad", kind="accrual", booked_on=D1, entries=entries)

    assert snapshot() == before


@pytest.mark.parametrize(("key", "kind"), [("", "accrual"), ("k" * 201, "accrual"), ("k", ""), ("k", "x" * 41)])
def test_keys_and_kinds_must_fit(shop, key, kind):
    with pytest.raises(ValueError):
        post_journal(shop=shop, key=key, kind=kind, booked_on=D1, entries=[(RECEIVABLE, 1), (INCOME, -1)])
    assert snapshot() == ([], [], [])


def test_posting_a_key_again_returns_the_journal_unchanged(shop):
    first = rebate(shop, memo="first")
    before = snapshot()

    again = post_journal(
        shop=shop,
        key="accrual:o1:v1",
        kind="other kind",
        booked_on=date(2026, 12, 1),
        entries=[(INCOME, -1234), (RECEIVABLE, 1234)],  # same entries in another order
        memo="second",
    )

    assert again.pk == first.pk
    assert (again.kind, again.booked_on, again.memo) == ("accrual", D1, "first")
    assert snapshot() == before


def test_posting_a_key_again_with_other_entries_is_a_conflict(shop):
    rebate(shop)
    before = snapshot()

    with pytest.raises(LedgerConflict):
        rebate(shop, fen=1235)
    with pytest.raises(LedgerConflict):
        post_journal(
            shop=shop,
            key="accrual:o1:v1",
            kind="accrual",
            booked_on=D1,
            entries=[(RECEIVABLE, 1234), ("growth_card:c1", -1234)],
        )

    assert snapshot() == before


def test_keys_are_per_shop(shop):
    other = ShopFactory()
    mine, theirs = rebate(shop, fen=100), rebate(other, fen=700)

    assert mine.pk != theirs.pk
    assert (balance(shop, RECEIVABLE), balance(other, RECEIVABLE)) == (100, 700)
    assert journal_get(shop, "accrual:o1:v1").pk == mine.pk
    assert journal_get(shop, "nope") is None
    # Accounts are the shop's own.
    assert LedgerAccount.objects.filter(code=RECEIVABLE).count() == 2


def test_reversal_flips_the_entries_and_nets_the_balances_to_zero(shop):
    journal = rebate(shop)
    reversal = reverse_journal(journal=journal, key="refund:o1:v1", booked_on=date(2026, 12, 2), memo="退款")

    assert (reversal.reverses, reversal.kind, reversal.booked_on, reversal.memo) == (
        journal,
        "accrual",
        date(2026, 12, 2),
        "退款",
    )
    assert sorted(reversal.entries.values_list("account__code", "amount_fen")) == [(RECEIVABLE, -1234), (INCOME, 1234)]
    assert balances(shop) == {RECEIVABLE: 0, INCOME: 0}
    assert balance(shop, RECEIVABLE, until=date(2026, 12, 1)) == 1234
    assert balance(shop, RECEIVABLE, until=date(2026, 12, 2)) == 0


def test_a_reversal_is_idempotent_and_happens_once(shop):
    journal = rebate(shop)
    reversal = reverse_journal(journal=journal, key="refund:o1", booked_on=D1)
    before = snapshot()

    assert reverse_journal(journal=journal, key="refund:o1", booked_on=D1).pk == reversal.pk
    with pytest.raises(LedgerConflict):
        reverse_journal(journal=journal, key="refund:o1:again", booked_on=D1)
    with pytest.raises(LedgerConflict):  # the key is taken by a journal that is no reversal of this one
        reverse_journal(journal=rebate(shop, key="other"), key="refund:o1", booked_on=D1)
    assert snapshot()[0] == [*before[0], snapshot()[0][-1]]  # only "other" was added

    # Reversing the reversal re-instates the journal.
    reverse_journal(journal=reversal, key="refund:o1:undo", booked_on=D1)
    assert balance(shop, RECEIVABLE) == 1234 + 1234  # o1 again, and "other"


def test_post_journals_bulk_posts_new_keys_and_skips_existing(shop):
    rebate(shop, key="k0", fen=5)
    specs = [
        JournalSpec(key=f"k{i}", kind="accrual", booked_on=D1, entries=[(RECEIVABLE, i + 1), (INCOME, -(i + 1))])
        for i in range(50)
    ]
    # k0 exists (with other entries: skipped, not compared); k3 is listed twice with the same entries.
    created = post_journals_bulk(shop=shop, journals=[*specs, specs[3]])

    assert created == 49
    assert Journal.objects.for_shop(shop).count() == 50
    assert Entry.objects.filter(journal__shop=shop).count() == 100
    assert balance(shop, RECEIVABLE) == 5 + sum(range(2, 51))
    assert journal_get(shop, "k7").kind == "accrual"
    assert sorted(journal_get(shop, "k7").entries.values_list("amount_fen", flat=True)) == [-8, 8]

    before = snapshot()
    assert post_journals_bulk(shop=shop, journals=specs) == 0
    assert post_journals_bulk(shop=shop, journals=[]) == 0
    assert snapshot() == before


def test_post_journals_bulk_refuses_a_bad_batch_whole(shop):
    good = JournalSpec(key="a", kind="accrual", booked_on=D1, entries=[(RECEIVABLE, 1), (INCOME, -1)])
    unbalanced = JournalSpec(key="b", kind="accrual", booked_on=D1, entries=[(RECEIVABLE, 1), (INCOME, -2)])
    twice = JournalSpec(key="a", kind="accrual", booked_on=D1, entries=[(RECEIVABLE, 2), (INCOME, -2)])

    with pytest.raises(ValueError):
        post_journals_bulk(shop=shop, journals=[good, unbalanced])
    with pytest.raises(LedgerConflict):
        post_journals_bulk(shop=shop, journals=[good, twice])

    assert snapshot() == ([], [], [])


@pytest.mark.skipif(not POSTGRESQL, reason="the set-based path is PostgreSQL's")
def test_post_journals_bulk_is_a_fixed_number_of_queries(shop, django_assert_num_queries):
    def specs(prefix, n):
        return [
            JournalSpec(key=f"{prefix}{i}", kind="accrual", booked_on=D1, entries=[(RECEIVABLE, 3), (INCOME, -3)])
            for i in range(n)
        ]

    post_journals_bulk(shop=shop, journals=specs("warm", 1))  # accounts exist from now on
    # SAVEPOINT, accounts, journals, entries, RELEASE: the same five for 3 journals and for 3,000
    with django_assert_num_queries(5):
        assert post_journals_bulk(shop=shop, journals=specs("a", 3)) == 3
    with django_assert_num_queries(5):
        assert post_journals_bulk(shop=shop, journals=specs("b", 3000)) == 3000
    assert balance(shop, RECEIVABLE) == 3 * 3004


# --- append-only ----------------------------------------------------------------------------------------------------


def refused(statement):
    """Run ``statement`` (a callable) in a savepoint and say whether the database refused it."""
    try:
        with transaction.atomic():
            statement()
    except DatabaseError:
        return True
    return False


def raw(sql, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


def test_journals_and_entries_refuse_update_and_delete(shop):
    journal = rebate(shop)
    entry = journal.entries.order_by("pk").first()
    before = snapshot()

    def save_journal():
        journal.memo = "changed"
        journal.save()

    def save_entry():
        entry.amount_fen = 1
        entry.save()

    assert refused(save_journal)
    assert refused(save_entry)
    assert refused(lambda: Journal.objects.filter(pk=journal.pk).update(memo="changed"))
    assert refused(lambda: Entry.objects.filter(pk=entry.pk).update(amount_fen=99))
    assert refused(lambda: Entry.objects.filter(pk=entry.pk).delete())
    assert refused(lambda: entry.delete())
    assert refused(raw("UPDATE incentives_journal SET memo = 'x' WHERE id = %s", [journal.pk]))
    assert refused(raw("UPDATE incentives_entry SET amount_fen = amount_fen + 1"))
    assert refused(raw("DELETE FROM incentives_entry WHERE journal_id = %s", [journal.pk]))
    assert refused(raw("DELETE FROM incentives_journal"))
    with pytest.raises(ProtectedError):  # the ORM refuses before the database is asked
        journal.delete()
    with pytest.raises(ProtectedError):
        shop.delete()

    assert snapshot() == before


def test_a_journal_without_entries_is_refused_delete_too(shop):
    # A row the service never writes (no entries), so only the trigger stands in the way.
    raw(
        "INSERT INTO incentives_journal (shop_id, key, kind, booked_on, memo, created_at)"
        " VALUES (%s, 'bare', 'x', %s, '', %s)",
        [shop.pk, D1, "2026-11-03 00:00:00+00:00"],
    )()
    bare = Journal.objects.get(key="bare")
    assert refused(lambda: Journal.objects.filter(pk=bare.pk).delete())
    assert Journal.objects.filter(pk=bare.pk).exists()


@pytest.mark.skipif(not POSTGRESQL, reason="the balance trigger is PostgreSQL's")
def test_postgresql_refuses_entries_that_unbalance_a_journal(shop):
    journal = rebate(shop)
    account = LedgerAccount.objects.get(shop=shop, code=RECEIVABLE)
    insert = "INSERT INTO incentives_entry (journal_id, account_id, amount_fen) VALUES "

    assert refused(raw(insert + "(%s, %s, 1)", [journal.pk, account.pk]))
    # Rows that sum to 0 in the statement but unbalance two journals.
    other = rebate(shop, key="other")
    assert refused(raw(insert + "(%s, %s, 5), (%s, %s, -5)", [journal.pk, account.pk, other.pk, account.pk]))
    before = snapshot()
    # Balanced rows added in one statement pass (the service never does this; the database allows it).
    assert not refused(raw(insert + "(%s, %s, 1), (%s, %s, -1)", [journal.pk, account.pk, journal.pk, account.pk]))
    assert balance(shop, RECEIVABLE) == 1234 * 2
    assert len(snapshot()[1]) == len(before[1]) + 2

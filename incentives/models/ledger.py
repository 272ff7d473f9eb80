"""The incentive ledger: a small double-entry ledger in integer fen, per shop, that only grows.

Why not django-hordak (2.0, evaluated for issue 12): its legs are django-money ``MoneyField``s (``Decimal`` with a
currency column, debit and credit in two nullable columns, debits negative), its accounts are one global MPTT tree
with no tenant, its database checks are written for PostgreSQL and MySQL only (SQLite is refused), and it brings
django-mptt, django-money, py-moneyed, django-import-export, babel and django-extensions. Every amount in ShopOps is
an integer number of fen (``*_fen``) with rounding only in shopops/money.py, every row belongs to a shop, and the
tests run on SQLite too: adapting hordak would mean converting fen to ``Money`` and back at each boundary and
scoping a global tree per shop, which is more code than these three tables.

The rules, enforced in the database as well as in ``incentives.services.ledger``:

- ``Entry.amount_fen`` is signed: a debit is positive, a credit negative; the entries of a journal sum to 0. The
  service refuses an unbalanced journal; on PostgreSQL a trigger also checks, after each INSERT statement into
  entries, every journal that statement touched, so a journal's entries go in with one statement (the service's
  do). Not a DEFERRABLE INITIALLY DEFERRED constraint trigger: PostgreSQL allows those per row only, and the check
  per row, measured at COMMIT of a bulk post, took 19 s for 20,000 journals and 335 s for 100,000 (the cached plan
  scans the table once per row), where the statement-level check is one set-based query.
- Journals and entries are never updated or deleted (a ``pgtrigger.Protect`` trigger on PostgreSQL; plain SQLite
  triggers made by migration 0002 on SQLite). A mistake is corrected by a reversing journal (``reverses``).
  Consequences: a shop with ledger rows cannot be deleted (``on_delete=PROTECT``); on SQLite a test that commits
  ledger rows (``transactional_db``, ``live_server``) cannot be flushed afterwards, since Django's SQLite flush is a
  DELETE (PostgreSQL's is a TRUNCATE, which row triggers do not see): ledger tests use the ``db`` fixture.
- A journal's ``key`` is its idempotency key, unique per shop: posting the same key again returns the journal.
- A balance is the sum of an account's entries; nothing stores a running total.
"""

import pgtrigger
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shopops.models import Shop
from shopops.models.commerce import ShopScopedQuerySet


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


# The chart of accounts. A code is ``prefix`` or ``prefix:ref`` (``growth_card:<card id>``,
# ``staff_reward_payable:<WeCom userid>``); an account is opened the first time a journal names its code. A code whose
# prefix is not listed here is refused, so a typo never opens a new account: add a line for a new kind of account.
# prefix: (kind, takes a ref, label)
CHART = {
    "fee_rebate_receivable": (AccountKind.ASSET, False, _("Fee rebate receivable")),
    "incentive_income": (AccountKind.INCOME, False, _("Incentive income")),
    "growth_card": (AccountKind.ASSET, True, _("Growth card %(ref)s")),
    "staff_reward_payable": (AccountKind.LIABILITY, True, _("Staff reward payable to %(ref)s")),
    "staff_reward_expense": (AccountKind.EXPENSE, False, _("Staff reward expense")),
    "boost_expense": (AccountKind.EXPENSE, False, _("Live boosts paid with growth cards")),
    "growth_card_expired": (AccountKind.EXPENSE, False, _("Expired growth cards")),
    # Staff rewards paid out (the cash side of a payout: credited when a payable is settled).
    "staff_reward_paid": (AccountKind.ASSET, False, _("Staff rewards paid")),
}
CODE_MAX_LENGTH = 100


def chart_entry(code: str) -> tuple[AccountKind, str]:
    """The kind of the account ``code`` names and its ref (``""`` when none); ValueError for a code not in the chart."""
    prefix, sep, ref = code.partition(":")
    if prefix not in CHART or len(code) > CODE_MAX_LENGTH:
        raise ValueError(f"unknown ledger account code {code!r}")
    kind, takes_ref, _label = CHART[prefix]
    if takes_ref != bool(sep) or (sep and not ref):
        raise ValueError(f"ledger account code {code!r} must {'' if takes_ref else 'not '}have a ':<ref>' part")
    return kind, ref


class LedgerAccount(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))
    code = models.CharField(_("code"), max_length=CODE_MAX_LENGTH)
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    created_at = models.DateTimeField(_("opened"), default=timezone.now)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [models.UniqueConstraint(fields=["shop", "code"], name="incentives_account_code_per_shop")]
        ordering = ["shop", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The account as a person reads it, in the current language; ``name`` when one was given."""
        if self.name:
            return self.name
        prefix, _sep, ref = self.code.partition(":")
        entry = CHART.get(prefix)
        return str(entry[2]) % {"ref": ref} if entry else self.code


class Journal(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))
    key = models.CharField(_("idempotency key"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40)
    booked_on = models.DateField(_("booked on"))
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reverses")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        constraints = [
            models.UniqueConstraint(fields=["shop", "key"], name="incentives_journal_key_per_shop"),
            # A journal is reversed at most once: a second correction reverses the reversal.
            models.UniqueConstraint(
                fields=["reverses"], condition=models.Q(reverses__isnull=False), name="incentives_journal_reversed_once"
            ),
        ]
        indexes = [models.Index(fields=["shop", "booked_on"], name="incentives_journal_booked")]
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return self.key


class Entry(models.Model):
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries", verbose_name=_("journal"))
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="entries", verbose_name=_("ledger account")
    )
    amount_fen = models.BigIntegerField(_("amount (fen, debit > 0 > credit)"))

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [models.CheckConstraint(condition=~models.Q(amount_fen=0), name="incentives_entry_not_zero")]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            # Once per INSERT statement, over the rows it inserted (see the module docstring for why not deferred).
            # EXECUTE plans the query anew each time, with the real size of the statement's rows: a handful of
            # index look-ups for one journal, one hash join for a bulk post.
            pgtrigger.Trigger(
                name="journal_balances",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="inserted"),
                func=pgtrigger.Func(
                    """
                    EXECUTE 'SELECT e.{columns.journal} FROM {meta.db_table} e
                        WHERE e.{columns.journal} IN (SELECT DISTINCT {columns.journal} FROM inserted)
                        GROUP BY e.{columns.journal} HAVING SUM(e.{columns.amount_fen}) <> 0 LIMIT 1'
                        INTO unbalanced;
                    IF unbalanced IS NOT NULL THEN
                        RAISE EXCEPTION 'ledger journal % does not balance', unbalanced
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NULL;
                    """
                ),
                declare=[("unbalanced", "bigint")],
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.amount_fen}"

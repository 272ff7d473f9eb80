"""Posting to the incentive ledger: the only way rows get into it (see ``incentives.models.ledger`` for the rules).

The other parts of the incentives app call exactly these three functions:

- ``post_journal``: one balanced journal, idempotent by its key;
- ``reverse_journal``: a correction, the journal's entries with their signs flipped;
- ``post_journals_bulk``: many journals at once in a fixed number of queries (accrual runs over a million lines).

Accounts are opened on demand from the chart (``incentives.models.ledger.CHART``).
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from incentives.models.ledger import Entry, Journal, LedgerAccount, chart_entry
from shopops.models import Shop

KEY_MAX_LENGTH = Journal._meta.get_field("key").max_length
KIND_MAX_LENGTH = Journal._meta.get_field("kind").max_length
MEMO_MAX_LENGTH = Journal._meta.get_field("memo").max_length
BULK_BATCH = 5_000  # rows per INSERT on databases without array parameters (SQLite)


class LedgerConflict(Exception):
    """A key already names a journal with different entries, or a journal is already reversed by another journal."""


@dataclass(frozen=True)
class JournalSpec:
    """One journal for ``post_journals_bulk``: the same fields ``post_journal`` takes."""

    key: str
    kind: str
    booked_on: date
    entries: Sequence[tuple[str, int]]
    memo: str = field(default="")


def _clean_entries(entries: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """The entries as a list, checked: known account codes, non-zero integer fen, at least two, summing to 0."""
    cleaned = []
    for code, fen in entries:
        if isinstance(fen, bool) or not isinstance(fen, int):
            raise TypeError(f"entry amounts are integer fen, not {type(fen).__name__}")
        if fen == 0:
            raise ValueError(f"an entry of 0 fen on {code!r}")
        chart_entry(code)
        cleaned.append((code, fen))
    if len(cleaned) < 2:
        raise ValueError("a journal needs at least two entries")
    total = sum(fen for _code, fen in cleaned)
    if total != 0:
        raise ValueError(f"the entries do not balance: they sum to {total} fen")
    return cleaned


def _check_spec(key: str, kind: str, memo: str) -> None:
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"a journal key has 1 to {KEY_MAX_LENGTH} characters: {key!r}")
    if not kind or len(kind) > KIND_MAX_LENGTH:
        raise ValueError(f"a journal kind has 1 to {KIND_MAX_LENGTH} characters: {kind!r}")
    if len(memo) > MEMO_MAX_LENGTH:
        raise ValueError(f"a memo has at most {MEMO_MAX_LENGTH} characters")


def _same_entries(a: Iterable[tuple[str, int]], b: Iterable[tuple[str, int]]) -> bool:
    return Counter(a) == Counter(b)


def _journal_entries(journal: Journal) -> list[tuple[str, int]]:
    return list(journal.entries.values_list("account__code", "amount_fen"))


def accounts_for_codes(*, shop: Shop, codes: Iterable[str]) -> dict[str, int]:
    """The account id of each code, opening the accounts that do not exist yet (kind from the chart). Safe when two
    transactions open the same account at once: the loser's insert is ignored and it reads the winner's row."""
    codes = set(codes)
    found = dict(LedgerAccount.objects.for_shop(shop).filter(code__in=codes).values_list("code", "id"))
    missing = codes - found.keys()
    if missing:
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(shop=shop, code=code, kind=chart_entry(code)[0]) for code in sorted(missing)],
            ignore_conflicts=True,
        )
        found.update(LedgerAccount.objects.for_shop(shop).filter(code__in=missing).values_list("code", "id"))
    return found


def _post(*, shop: Shop, key: str, kind: str, booked_on: date, entries, memo: str, reverses: Journal | None) -> Journal:
    _check_spec(key, kind, memo)
    cleaned = _clean_entries(entries)

    def existing_or_conflict(journal: Journal) -> Journal:
        if not _same_entries(_journal_entries(journal), cleaned) or journal.reverses_id != (
            reverses.pk if reverses else None
        ):
            raise LedgerConflict(f"journal {key!r} already exists with different entries")
        return journal

    with transaction.atomic():
        existing = Journal.objects.for_shop(shop).filter(key=key).first()
        if existing is not None:
            return existing_or_conflict(existing)
        accounts = accounts_for_codes(shop=shop, codes=[code for code, _fen in cleaned])
        try:
            with transaction.atomic():
                journal = Journal.objects.create(
                    shop=shop, key=key, kind=kind, booked_on=booked_on, memo=memo, reverses=reverses
                )
                Entry.objects.bulk_create(
                    [Entry(journal=journal, account_id=accounts[code], amount_fen=fen) for code, fen in cleaned]
                )
        except IntegrityError:
            # Another transaction posted the same key (or reversed the same journal) since we looked.
            existing = Journal.objects.for_shop(shop).filter(key=key).first()
            if existing is not None:
                return existing_or_conflict(existing)
            raise LedgerConflict(f"journal {reverses.key!r} was reversed meanwhile") from None
    return journal


def post_journal(
    *, shop: Shop, key: str, kind: str, booked_on: date, entries: Sequence[tuple[str, int]], memo: str = ""
) -> Journal:
    """Post one balanced journal: ``entries`` are (account code, fen) with debits positive and credits negative.

    Idempotent by ``key`` (unique per shop): posting a key again returns the journal it names, unchanged, when the
    entries are the same (as a multiset; kind, date and memo of the first posting stay); different entries raise
    LedgerConflict and write nothing. Entries that do not sum to 0, an entry of 0 fen, fewer than two entries or an
    account code not in the chart raise ValueError (TypeError for fen that are not an int) and write nothing.
    """
    return _post(shop=shop, key=key, kind=kind, booked_on=booked_on, entries=entries, memo=memo, reverses=None)


def reverse_journal(*, journal: Journal, key: str, booked_on: date, memo: str = "") -> Journal:
    """Correct ``journal`` by posting its entries with the signs flipped, under ``key``, pointing back to it.

    The reversal keeps the journal's kind, so totals per kind net to 0. Idempotent by ``key`` like ``post_journal``.
    A journal is reversed once: reversing it again under another key raises LedgerConflict (reverse the reversal to
    re-instate it); so does a key already used for something else.
    """
    original = _journal_entries(journal)
    if not original:
        raise ValueError("the journal has no entries")
    existing = Journal.objects.filter(reverses=journal).exclude(shop_id=journal.shop_id, key=key).first()
    if existing is not None:
        raise LedgerConflict(f"journal {journal.key!r} is already reversed by {existing.key!r}")
    return _post(
        shop=journal.shop,
        key=key,
        kind=journal.kind,
        booked_on=booked_on,
        entries=[(code, -fen) for code, fen in original],
        memo=memo,
        reverses=journal,
    )


def post_journals_bulk(*, shop: Shop, journals: Sequence[JournalSpec]) -> int:
    """Post many journals set-based and return how many were new; keys that already exist are skipped (their entries
    are not compared, unlike ``post_journal``: the caller's keys are what make a re-run change nothing).

    Every spec is checked first as ``post_journal`` checks it; one bad spec raises (ValueError/TypeError) and nothing
    is written. A key twice in ``journals`` with the same entries is posted once; with different entries it raises
    LedgerConflict. On PostgreSQL the whole batch is four queries whatever its size (accounts ×2, journals, entries:
    ``INSERT … SELECT FROM unnest(arrays)``, the journals with ``ON CONFLICT DO NOTHING`` so a concurrent run that
    posts the same keys is skipped, not failed); elsewhere batched ``bulk_create`` of BULK_BATCH rows.
    """
    specs: dict[str, tuple[JournalSpec, list[tuple[str, int]]]] = {}
    for spec in journals:
        _check_spec(spec.key, spec.kind, spec.memo)
        cleaned = _clean_entries(spec.entries)
        if spec.key in specs:
            if not _same_entries(specs[spec.key][1], cleaned):
                raise LedgerConflict(f"journal {spec.key!r} appears twice with different entries")
            continue
        specs[spec.key] = (spec, cleaned)
    if not specs:
        return 0
    with transaction.atomic():
        accounts = accounts_for_codes(
            shop=shop, codes={code for _spec, cleaned in specs.values() for code, _fen in cleaned}
        )
        if connection.vendor == "postgresql":
            return _bulk_postgresql(shop, specs, accounts)
        return _bulk_batched(shop, specs, accounts)


def _bulk_postgresql(shop: Shop, specs, accounts: dict[str, int]) -> int:
    keys = list(specs)
    journal_table, entry_table = Journal._meta.db_table, Entry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {journal_table} (shop_id, key, kind, booked_on, memo, reverses_id, created_at)
            SELECT %s, k, kd, d, m, NULL, %s
              FROM unnest(%s::text[], %s::text[], %s::date[], %s::text[]) AS x(k, kd, d, m)
            ON CONFLICT (shop_id, key) DO NOTHING
            RETURNING id, key
            """,
            [
                shop.pk,
                timezone.now(),
                keys,
                [specs[k][0].kind for k in keys],
                [specs[k][0].booked_on for k in keys],
                [specs[k][0].memo for k in keys],
            ],
        )
        created = cursor.fetchall()
        if not created:
            return 0
        journal_ids, account_ids, amounts = [], [], []
        for journal_id, key in created:
            for code, fen in specs[key][1]:
                journal_ids.append(journal_id)
                account_ids.append(accounts[code])
                amounts.append(fen)
        cursor.execute(
            f"""
            INSERT INTO {entry_table} (journal_id, account_id, amount_fen)
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[])
            """,
            [journal_ids, account_ids, amounts],
        )
    return len(created)


def _bulk_batched(shop: Shop, specs, accounts: dict[str, int]) -> int:
    keys = list(specs)
    existing: set[str] = set()
    for i in range(0, len(keys), BULK_BATCH):
        existing.update(
            Journal.objects.for_shop(shop).filter(key__in=keys[i : i + BULK_BATCH]).values_list("key", flat=True)
        )
    now = timezone.now()
    new = [
        Journal(shop=shop, key=k, kind=spec.kind, booked_on=spec.booked_on, memo=spec.memo, created_at=now)
        for k, (spec, _cleaned) in specs.items()
        if k not in existing
    ]
    Journal.objects.bulk_create(new, batch_size=BULK_BATCH)  # SQLite ≥ 3.35 returns the ids
    Entry.objects.bulk_create(
        (
            Entry(journal_id=journal.pk, account_id=accounts[code], amount_fen=fen)
            for journal in new
            for code, fen in specs[journal.key][1]
        ),
        batch_size=BULK_BATCH,
    )
    return len(new)

"""Evaluation of the incentive rules into accruals, set-based: one INSERT … SELECT whatever the number of lines.

What a line earns (``incentives.models.rules.RuleSet`` states each rule):

- A line is an order's SKU (the order's lines of one SKU together: after-sales name SKUs, not lines). It is
  evaluated under the version in force at the order's pay time (``incentives.selectors.rules.ruleset_segments``)
  when its own source (sale_channel, account_type) is one of the version's eligible sources.
- It is final when the order is settled (``Order.settle_time``), ``after_sale_days`` have passed since, the order is
  not cancelled (status 200/250), and no after-sale of the order is open (every status but the closed ones of
  ``shopops.selectors.orders.AFTERSALE_NOT_OPEN``). Until then nothing is decided about the order.
- Basis: the line's paid amount (``real_price``) less the refunds that reached the buyer for its SKU
  (``AFTERSALE_REFUNDED``), never below 0. Amount: floor(basis × rate / 1,000,000) per line (the rounding rule of
  ``shopops.money.commission_fen``, here as integer division of non-negative integers). The order's total is 0
  when its eligible basis is below ``min_order_basis_fen``, else the lines' sum capped by ``cap_per_order_fen`` and
  (``cap_at_order_fee``) by the order's service fee; ``cap_per_month_fen`` then caps the version's orders settled in
  one Beijing month, first settled first served. A capped total goes back to the lines in proportion to their
  amounts, by cumulative floors in SKU order (the lines' parts sum to the total exactly).

Accruals are differences: for every decidable line the target above is compared with the sum of the line's
accruals so far, and a row is written for each difference — the first (``accrual``) booked on the Beijing day of
settlement plus ``after_sale_days`` (the day the period ended, even when an open after-sale held it back), later
ones (``reversal`` when negative, ``adjustment`` otherwise) booked on the evaluation's day. A cancelled order's
target is 0, so it reverses everything; a refund after the accrual lowers the target; a refund before settlement is
simply in the first basis. A line a version no longer covers (a new version from an earlier
date) is reversed under the old version and accrued under the new. The idempotency key is
``<order id>:<SKU id>:<programme>@<version>:<step>``, the step counted per order and version; the same facts give no
difference, so running the evaluation again writes nothing.

Then the run's new accruals are posted to the ledger (``_post``): one journal per order, version and step.

Which lines a run looks at: ``accruals_evaluate`` looks at every line of the shop (or of the orders it is given).
The hourly task runs ``accruals_evaluate_changes``, which looks only at the orders queued since its last run
(``QueuedOrder``): each stored page of orders or after-sales queues its orders, and each run queues the orders still
within their after-sale period, due when it ends. Nothing else changes what a line earns, except the rule sets
(their fingerprint is kept in ``EvaluationState``: the whole shop is evaluated then) and, under a month cap, the
month's other orders: the run then evaluates every order settled in the months of the queued ones.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from incentives.models import Accrual, EvaluationState, QueuedOrder, RewardForm, RuleSet, RuleSource
from incentives.models.rules import journal_key
from incentives.selectors.rules import ruleset_segments
from incentives.services.ledger import JournalSpec, post_journals_bulk
from incentives.services.rules import RULE_FIELDS
from shopops.db import pg_settings
from shopops.models import AfterSale, Order, OrderLine, Shop
from shopops.money import PPM
from shopops.selectors.orders import AFTERSALE_NOT_OPEN, AFTERSALE_REFUNDED

CANCELLED = (Order.Status.CANCELLED_AFTERSALE.value, Order.Status.CANCELLED.value)

# Ledger accounts an accrual moves, per reward form: (debit, credit). A growth card is earned before the platform
# issues it, so it waits on the growth-card account ``pending`` until the card is entered: then
# ``incentives.services.growth.card_issue`` moves it from ``pending`` onto the card's own account.
ACCOUNTS = {
    RewardForm.FEE_REDUCTION: ("fee_rebate_receivable", "incentive_income"),
    RewardForm.GROWTH_CARD: ("growth_card:pending", "incentive_income"),
}
JOURNAL_KIND = "incentive_accrual"
SCOPE_CHUNK = 1000  # platform order ids per statement (SQLite binds each as a parameter)
# Due orders above which the hourly run evaluates the whole shop (bench/incentives.py: a page of 1,000 orders costs
# about a twentieth of the whole shop's statement at 1,000,000 lines).
FULL_RUN_ORDERS = 20_000

# PostgreSQL settings for the evaluation's statement, within the transaction (see affiliates' reconciliation: the
# statement groups and sorts every line of the shop, which spills to disk at the default 4 MB; JIT compiles its many
# expressions for longer than it saves).
BATCH_SETTINGS = {"jit": "off", "work_mem": "128MB"}


@dataclass(frozen=True)
class EvaluationResult:
    written: int  # accrual rows written
    amount_fen: int  # their sum
    posted: int  # journals posted


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# PostgreSQL planner settings for the evaluation's statement over a whole shop (not over a page: index probes are
# what make that fast). Its joins and groupings are over up to every line of the shop, in CTEs whose sizes
# PostgreSQL cannot know (no statistics there; the accruals' are stale right after a run has written them), and it
# planned them as if they were a handful of rows: nested loops that ran an aggregate again for every row (a first
# run at 1,000,000 lines had not finished after 14 minutes), merge joins and groupings that sort text keys. Hashing
# suits every size this statement has; only the windows still sort (nothing else can order them).
WHOLE_SHOP_SETTINGS = {"enable_nestloop": "off", "enable_mergejoin": "off", "enable_sort": "off"}


def _placeholder(kind: str) -> str:
    """A typed parameter: PostgreSQL needs the type of a parameter in VALUES; SQLite must not cast (a datetime
    text cast to an unknown type would become a number)."""
    if not _postgres():
        return "%s"
    return {"int": "CAST(%s AS bigint)", "ts": "CAST(%s AS timestamptz)", "bool": "CAST(%s AS boolean)",
            "text": "CAST(%s AS text)"}[kind]  # fmt: skip


def _values(name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> tuple[str, list]:
    """A CTE ``name(columns)`` over literal rows, as parameters."""
    row = "(" + ", ".join(_placeholder(kind) for _name, kind in columns) + ")"
    sql = f"{name} ({', '.join(c for c, _k in columns)}) AS (VALUES {', '.join([row] * len(rows))})"
    return sql, [value for r in rows for value in r]


def _ts(value: datetime | None):
    return None if value is None else connection.ops.adapt_datetimefield_value(value)


def _in(values) -> tuple[str, list]:
    values = sorted(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


@dataclass(frozen=True)
class SettledIn:
    """A scope of orders: the shop's orders settled in these months (instants [start, end), Beijing months). Under
    a month cap the hourly run evaluates whole months, since a month's orders share its cap."""

    shop_id: int
    months: tuple[tuple[datetime, datetime], ...]


Scope = list[str] | SettledIn | None  # None: the whole shop; a list: these orders (by platform order id)


def _scope_in(scope: list[str] | SettledIn) -> tuple[str, list]:
    """``(…)`` for ``order_id IN (…)``: the orders' ids, or a subquery of the months' orders."""
    if isinstance(scope, list):
        return _in(scope)
    ranges = " OR ".join(["(settle_time >= %s AND settle_time < %s)"] * len(scope.months))
    params = [_ts(bound) for month in scope.months for bound in month]
    return f"(SELECT order_id FROM {_table(Order)} WHERE shop_id = %s AND ({ranges}))", [scope.shop_id, *params]


def _least(*exprs: str) -> str:
    return f"{'LEAST' if _postgres() else 'MIN'}({', '.join(exprs)})"


def _greatest(*exprs: str) -> str:
    return f"{'GREATEST' if _postgres() else 'MAX'}({', '.join(exprs)})"


def _final_day(column: str, days: str) -> tuple[str, list]:
    """The Beijing date of ``column`` plus ``days`` days, as a date (PostgreSQL) or ``YYYY-MM-DD`` (SQLite)."""
    expr, params = connection.ops.datetime_cast_date_sql(column, (), settings.TIME_ZONE)
    if _postgres():
        return f"(({expr}) + CAST({days} AS integer))", list(params)
    return f"date({expr}, '+' || {days} || ' days')", list(params)


def _month(column: str) -> tuple[str, list]:
    expr, params = connection.ops.datetime_trunc_sql("month", column, (), settings.TIME_ZONE)
    return (f"CAST({expr} AS date)" if _postgres() else f"SUBSTR({expr}, 1, 10)"), list(params)


def _per_version(rid: str, values: dict) -> str:
    """The value of the row's version ``rid`` among ``values`` (version id → an integer, a boolean as 0 or 1, or
    None), as a CASE of literals: no join with a CTE of the versions, whose selectivity PostgreSQL cannot estimate
    (it guessed 1/200 of the lines, then planned the rest as if they were a handful)."""

    def literal(value) -> str:
        return "CAST(NULL AS bigint)" if value is None else str(int(value))  # typed: a CASE of NULLs is text

    whens = " ".join(f"WHEN {int(pk)} THEN {literal(v)}" for pk, v in sorted(values.items()))
    return f"CASE {rid} {whens} END"


def targets_sql(
    shop: Shop, as_of: datetime, versions: list[RuleSet], *, pending: bool = False, scope: Scope = None
) -> tuple[str, list] | None:
    """``WITH`` clauses ending in ``target``: one row per final, eligible line of the shop and the version it is
    evaluated under, with its basis and the amount it should have earned in total. None: no version applies.

    ``pending`` (the forecast): instead, the eligible lines of paid, uncancelled orders that have no accrual under
    their version yet, final or not, with what they would earn on today's refunds (the order's predicted fee while
    it has no actual one; no month cap)."""
    segments = ruleset_segments(shop, versions)
    if not segments:
        return None
    seg_cte, seg_params = _values(
        "seg",
        [("rid", "int"), ("starts", "ts"), ("ends", "ts"), ("final_before", "ts")],
        [
            (s.ruleset.pk, _ts(s.starts), _ts(s.ends), _ts(as_of - timedelta(days=s.ruleset.after_sale_days)))
            for s in segments
        ],
    )
    used = {s.ruleset.pk: s.ruleset for s in segments}

    def rule(rid: str, attribute: str) -> str:
        return _per_version(rid, {pk: getattr(r, attribute) for pk, r in used.items()})

    not_open, not_open_params = _in(AFTERSALE_NOT_OPEN)
    refunded, refunded_params = _in(AFTERSALE_REFUNDED)
    cancelled, cancelled_params = _in(CANCELLED)
    line, order, aftersale = _table(OrderLine), _table(Order), _table(AfterSale)
    in_scope, scope_params = ("", []) if scope is None else _scope_in(scope)
    order_scope = f"AND o.order_id IN {in_scope}" if scope is not None else ""
    refund_scope = f"AND order_id IN {in_scope}" if scope is not None else ""
    if pending:
        which = f"""o.pay_time IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM {_table(Accrual)} c
            WHERE c.shop_id = %s AND c.order_id = o.order_id AND c.ruleset_id = seg.rid)"""
        which_params = [shop.pk]
        fee = "COALESCE(o.commission_fee_fen, o.predict_commission_fee_fen)"
    else:
        which = f"""o.settle_time IS NOT NULL AND o.settle_time <= seg.final_before AND NOT EXISTS (
            SELECT 1 FROM {aftersale} a
            WHERE a.shop_id = %s AND a.order_id = o.order_id AND a.status NOT IN {not_open})"""
        which_params = [shop.pk, *not_open_params]
        fee = "o.commission_fee_fen"
    month_cap = not pending and any(r.cap_per_month_fen is not None for r in used.values())
    cap_fee = f"CASE WHEN {rule('x.rid', 'cap_at_order_fee')} = 1 AND x.fee IS NOT NULL THEN x.fee ELSE x.raw END"
    cap_order = f"COALESCE({rule('x.rid', 'cap_per_order_fen')}, x.raw)"
    order_total = (
        f"CASE WHEN x.order_basis < {rule('x.rid', 'min_order_basis_fen')} THEN 0 "
        f"ELSE {_least('x.raw', cap_order, cap_fee)} END"
    )
    month_params: list = []
    if month_cap:
        month, month_params = _month("o.settle_time")
        spent_before = (
            "CAST(SUM(o.total) OVER (PARTITION BY o.rid, o.month ORDER BY o.settle_time, o.order_id "
            "ROWS UNBOUNDED PRECEDING) AS bigint) - o.total"
        )
        cap_month = rule("o.rid", "cap_per_month_fen")
        month_total = _least("o.total", _greatest("0", f"{cap_month} - ({spent_before})"))
        monthly = f"""
        , monthly AS (
            SELECT o.order_id, o.rid, CASE WHEN {cap_month} IS NULL THEN o.total ELSE {month_total} END AS total
            FROM (SELECT order_id, rid, MAX(settle_time) AS settle_time, MAX(total) AS total,
                         MAX({month}) AS month FROM capped o GROUP BY order_id, rid) o
        )"""
        final_total = "m.total"
        monthly_join = "JOIN monthly m ON m.order_id = c.order_id AND m.rid = c.rid"
    else:
        monthly, final_total, monthly_join = "", "c.total", ""
    # The allocation of a capped total: cumulative floors, so the parts sum to the total exactly.
    part = (
        f"CASE WHEN {final_total} = c.raw THEN c.line_amount WHEN c.raw = 0 THEN 0 ELSE "
        f"{final_total} * c.cum / c.raw - {final_total} * (c.cum - c.line_amount) / c.raw END"
    )
    query = f"""
        WITH {seg_cte},
        lines AS (
            SELECT o.id AS oid, o.order_id, o.settle_time, {fee} AS fee, l.sku_id, seg.rid,
                   CAST(SUM(l.real_price_fen) AS bigint) AS paid,
                   MAX(l.channel) AS channel, MAX(l.sale_channel) AS sale_channel,
                   MAX(l.account_type) AS account_type, MAX(l.account_id) AS account_id,
                   MAX(l.account_nickname) AS account_nickname
            FROM {line} l
            JOIN {order} o ON o.id = l.order_id
            JOIN seg ON o.pay_time >= seg.starts AND (seg.ends IS NULL OR o.pay_time < seg.ends)
            JOIN {_table(RuleSource)} s
              ON s.ruleset_id = seg.rid AND s.sale_channel = l.sale_channel AND s.account_type = l.account_type
            WHERE l.shop_id = %s AND o.shop_id = %s AND o.status NOT IN {cancelled} AND {which} {order_scope}
            GROUP BY o.id, l.sku_id, seg.rid
        ),
        refunds AS (
            SELECT order_id, sku_id, CAST(SUM(refund_amount_fen) AS bigint) AS fen FROM {aftersale}
            WHERE shop_id = %s AND sku_id <> '' AND status IN {refunded} {refund_scope}
            GROUP BY order_id, sku_id
        ),
        amounts AS (
            SELECT b.*, CAST(b.basis * {rule("b.rid", "rate_ppm")} / {PPM} AS bigint) AS line_amount
            FROM (
                SELECT x.oid, x.order_id, x.settle_time, x.fee, x.sku_id, x.rid, x.channel, x.sale_channel,
                       x.account_type, x.account_id, x.account_nickname,
                       CASE WHEN x.paid > COALESCE(f.fen, 0) THEN x.paid - COALESCE(f.fen, 0) ELSE 0 END AS basis
                FROM lines x
                LEFT JOIN refunds f ON f.order_id = x.order_id AND f.sku_id = x.sku_id
            ) b
        ),
        ordered AS (
            SELECT a.*, CAST(SUM(a.line_amount) OVER w AS bigint) AS raw,
                   CAST(SUM(a.basis) OVER w AS bigint) AS order_basis,
                   CAST(SUM(a.line_amount) OVER (w ORDER BY a.sku_id ROWS UNBOUNDED PRECEDING) AS bigint) AS cum
            FROM amounts a
            WINDOW w AS (PARTITION BY a.oid, a.rid)
        ),
        capped AS (
            SELECT x.*, {order_total} AS total FROM ordered x
        ){monthly},
        target AS (
            SELECT c.oid, c.order_id, c.sku_id, c.rid, c.channel, c.sale_channel, c.account_type, c.account_id,
                   c.account_nickname, c.basis, CAST({part} AS bigint) AS amount,
                   c.settle_time
            FROM capped c {monthly_join}
        )
    """
    params = [
        *seg_params, shop.pk, shop.pk, *cancelled_params, *which_params, *scope_params, shop.pk,
        *refunded_params, *scope_params, *month_params,
    ]  # fmt: skip
    return query, params


def _bytewise(column: str) -> str:
    """``column`` sorted byte by byte (on PostgreSQL a memcmp with abbreviated keys instead of the database locale's
    slower comparison; SQLite compares bytes anyway). For the platform's ids, digits, that is the order of the unique
    key's index whatever the locale. Only an order of insertion: no result depends on it."""
    return f'{column} COLLATE "C"' if _postgres() else column


def _greater(a: str, b: str) -> str:
    """The greater of two values either of which may be NULL, as MAX() over both would give (PostgreSQL's GREATEST
    skips NULLs; SQLite's MAX() of two is NULL when either is)."""
    return f"GREATEST({a}, {b})" if _postgres() else f"MAX(COALESCE({a}, {b}), COALESCE({b}, {a}))"


def _delta_insert_sql(
    shop: Shop, as_of: datetime, versions: list[RuleSet], scope: Scope = None
) -> tuple[str, list] | None:
    targets = targets_sql(shop, as_of, versions, scope=scope)
    if targets is None and not Accrual.objects.for_shop(shop).exists():
        return None
    if targets is None:  # no version applies to any line any more: only reversals
        target_sql = "WITH target AS (SELECT * FROM (SELECT 0 AS oid, '' AS order_id, '' AS sku_id, "
        target_sql += "0 AS rid, '' AS channel, 0 AS sale_channel, 0 AS account_type, '' AS account_id, "
        never = "CAST(NULL AS timestamptz)" if _postgres() else "NULL"  # typed: PostgreSQL reads it as a time
        target_sql += f"'' AS account_nickname, 0 AS basis, 0 AS amount, {never} AS settle_time) t WHERE 1 = 0)"
        target_params = []
    else:
        target_sql, target_params = targets
    ver_cte, ver_params = _values(
        "ver", [("rid", "int"), ("label", "text"), ("after_days", "int")],
        [(v.pk, v.label, v.after_sale_days) for v in versions],
    )  # fmt: skip
    not_open, not_open_params = _in(AFTERSALE_NOT_OPEN)
    accrual, aftersale = _table(Accrual), _table(AfterSale)
    final_day, final_day_params = _final_day("d.settle_time", "v.after_days")
    key = connection.ops.quote_name("key")
    in_scope, scope_params = ("", []) if scope is None else _scope_in(scope)
    accrued_scope = f"AND a.order_id IN {in_scope}" if scope is not None else ""
    today = connection.ops.adapt_datefield_value(timezone.localdate(as_of))
    step = "COALESCE(st.step, 0) + 1"
    # The last step of each order and version. A page takes them from the accruals it has read (by the unique key,
    # which leads with the order). The whole shop reads them again from the table,
    # which happens only when some row differs (the join asks for them then), rather than keeping every line's
    # accruals aside for them. (Orders with an open after-sale count there too: none of their rows differs.)
    if scope is None:
        steps = f"SELECT ruleset_id AS rid, order_id, MAX(step) AS step FROM {accrual} WHERE shop_id = %s GROUP BY 1, 2"
        steps_params = [shop.pk]
    else:
        steps, steps_params = "SELECT rid, order_id, MAX(step) AS step FROM accrued GROUP BY rid, order_id", []
    sources = ("channel", "sale_channel", "account_type", "account_id", "account_nickname")
    # The rows go in the unique key's order: each then lands next to the one before in its index, where the hash
    # aggregates' order sent every row to a different page (372,379 rows, first run: 5.9-6.2 s against 6.6-7.8 s).
    #
    # What a line earns (target) against what its accruals sum to (accrued), one row per line on each side: a row
    # wherever they differ (FULL JOIN: SQLite 3.39 or later). A line's source columns are the greatest over its order
    # lines and its accruals.
    #
    # No ON CONFLICT: the shop lock serialises evaluations and a row's step follows every accrual of its order, so a
    # key taken already means a bug, and the unique key (``accrual_unique_step``) then fails the run with an
    # IntegrityError, where DO NOTHING would drop the difference silently (and again on every later run). The
    # speculative insertion DO NOTHING needs cost a third of the insert (372,379 rows; bench/incentives.py).
    query = f"""
        {target_sql},
        {ver_cte},
        accrued AS (
            SELECT a.order_id, a.sku_id, a.ruleset_id AS rid, CAST(SUM(a.amount_fen) AS bigint) AS amount,
                   MAX(a.step) AS step, {", ".join(f"MAX(a.{c}) AS {c}" for c in sources)}
            FROM {accrual} a
            WHERE a.shop_id = %s {accrued_scope} AND NOT EXISTS (
                SELECT 1 FROM {aftersale} x
                WHERE x.shop_id = %s AND x.order_id = a.order_id AND x.status NOT IN {not_open})
            GROUP BY a.order_id, a.sku_id, a.ruleset_id
        ),
        delta AS (
            SELECT COALESCE(t.order_id, a.order_id) AS order_id, COALESCE(t.sku_id, a.sku_id) AS sku_id,
                   COALESCE(t.rid, a.rid) AS rid, COALESCE(t.amount, 0) - COALESCE(a.amount, 0) AS amount,
                   COALESCE(t.basis, 0) AS basis, t.settle_time,
                   {", ".join(f"{_greater(f't.{c}', f'a.{c}')} AS {c}" for c in sources)}
            FROM target t
            FULL JOIN accrued a ON a.order_id = t.order_id AND a.sku_id = t.sku_id AND a.rid = t.rid
            WHERE COALESCE(t.amount, 0) <> COALESCE(a.amount, 0)
        ),
        steps AS ({steps}),
        described AS (
            SELECT d.*, {step} AS step, v.label,
                   CASE WHEN st.step IS NULL THEN {final_day} ELSE %s END AS booked_on,
                   CASE WHEN st.step IS NULL THEN 'accrual' WHEN d.amount < 0 THEN 'reversal'
                        ELSE 'adjustment' END AS kind
            FROM delta d
            JOIN ver v ON v.rid = d.rid
            LEFT JOIN steps st ON st.order_id = d.order_id AND st.rid = d.rid
        )
        INSERT INTO {accrual} (shop_id, {key}, ruleset_id, order_id, sku_id, step, kind,
                               channel, sale_channel, account_type, account_id, account_nickname, basis_fen,
                               amount_fen, booked_on, created_at)
        SELECT %s, d.order_id || ':' || d.sku_id || ':' || d.label || ':' || CAST(d.step AS text), d.rid, d.order_id,
               d.sku_id, d.step, d.kind,
               COALESCE(d.channel, 'other'), d.sale_channel, d.account_type, COALESCE(d.account_id, ''),
               COALESCE(d.account_nickname, ''), d.basis, d.amount, d.booked_on, %s
        FROM described d
        ORDER BY {_bytewise("d.order_id")}, {_bytewise("d.sku_id")}
    """
    params = [
        *target_params, *ver_params, shop.pk, *scope_params, shop.pk, *not_open_params, *steps_params,
        *final_day_params, today, shop.pk, _ts(timezone.now()),
    ]  # fmt: skip
    return query, params


def _rowcount(cursor) -> int:
    if cursor.rowcount >= 0:
        return cursor.rowcount
    cursor.execute("SELECT changes()")  # sqlite3 reports no row count for a statement starting with WITH
    return cursor.fetchone()[0]


def _shop_lock(shop: Shop) -> None:
    """The lock that serialises a shop's evaluations (and postings): its Shop row, FOR UPDATE."""
    list(Shop.objects.select_for_update().filter(pk=shop.pk).values_list("pk", flat=True))


def _month_cap(versions: list[RuleSet]) -> bool:
    return any(v.cap_per_month_fen is not None for v in versions)


def rules_fingerprint(versions: list[RuleSet]) -> str:
    """Every version (sources prefetched) as one hash: its id, label, the fields a version carries
    (``RULE_FIELDS``, so a field added there counts here too) and its sources. A whole-shop evaluation records it,
    and the hourly run evaluates the whole shop again when it differs."""
    facts = [
        (v.pk, v.label, [getattr(v, name) for name in RULE_FIELDS],
         sorted((s.sale_channel, s.account_type) for s in v.sources.all()))
        for v in sorted(versions, key=lambda v: v.pk)
    ]  # fmt: skip
    return hashlib.sha256(repr(facts).encode()).hexdigest()


def _chunks(scope: Scope) -> list[Scope]:
    """The orders of a list a thousand at a time; the whole shop or whole months as one statement."""
    if not isinstance(scope, list):
        return [scope]
    return [scope[i : i + SCOPE_CHUNK] for i in range(0, len(scope), SCOPE_CHUNK)]


def _write(shop: Shop, as_of: datetime, versions: list[RuleSet], scope: Scope) -> tuple[int, int]:
    """Write the accruals of the whole shop (``scope`` None), of whole months, or of these orders (a statement per
    thousand); returns (rows written, their sum)."""
    before = Accrual.objects.for_shop(shop).aggregate(last=Max("pk"))["last"] or 0
    written = 0
    for chunk in _chunks(scope):
        statement = _delta_insert_sql(shop, as_of, versions, chunk)
        if statement is not None:
            # A list of orders is read by index; the whole shop and whole months are hashed (WHOLE_SHOP_SETTINGS).
            many = not isinstance(chunk, list)
            with connection.cursor() as cursor, pg_settings(WHOLE_SHOP_SETTINGS if many else {}):
                cursor.execute(*statement)
                written += _rowcount(cursor)
    new = Accrual.objects.for_shop(shop).filter(pk__gt=before)
    return written, (new.aggregate(total=Sum("amount_fen"))["total"] or 0) if written else 0


def _queue_until_final(shop: Shop, as_of: datetime, versions: list[RuleSet], scope: list[str] | None) -> None:
    """Queue the orders (of ``scope``, or all the shop's) that are settled, not cancelled, and still within the
    after-sale period of the version they are evaluated under, due when it ends: nothing is synced then, yet they
    become final."""
    queued = _table(QueuedOrder)
    for segment in ruleset_segments(shop, versions):
        period = timedelta(days=segment.ruleset.after_sale_days)
        orders = Order.objects.filter(shop=shop, pay_time__gte=segment.starts, settle_time__gt=as_of - period)
        orders = orders.exclude(status__in=CANCELLED)
        if segment.ends is not None:
            orders = orders.filter(pay_time__lt=segment.ends)
        due = ExpressionWrapper(F("settle_time") + period, output_field=DateTimeField()) if period else F("settle_time")
        for chunk in _chunks(scope):
            rows = orders if chunk is None else orders.filter(order_id__in=chunk)
            select, params = rows.values_list("order_id", due).query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {queued} (shop_id, order_id, due_at) SELECT %s, q.* FROM ({select}) q",
                               [shop.pk, *params])  # fmt: skip


def _settled_months(shop: Shop, order_ids: list[str]) -> SettledIn | list[str]:
    """The Beijing months in which these orders were settled, as a scope of every order settled in them (no order
    when none of them is settled)."""
    starts = set()
    for chunk in _chunks(order_ids):
        settled = Order.objects.filter(shop=shop, order_id__in=chunk, settle_time__isnull=False)
        starts |= set(settled.annotate(month=TruncMonth("settle_time")).values_list("month", flat=True).distinct())
    months = sorted((start, (start + timedelta(days=32)).replace(day=1)) for start in starts)
    return SettledIn(shop_id=shop.pk, months=tuple(months)) if months else []


def _take_due(shop: Shop, as_of: datetime) -> list[str]:
    """Delete the shop's due queue rows and return their orders. One statement: exactly the rows it saw are taken,
    and the evaluation's statements after it see at least the facts those rows announced. Rows committed later are
    left for the next run."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_table(QueuedOrder)} WHERE shop_id = %s AND (due_at IS NULL OR due_at <= %s) "
            "RETURNING order_id",
            [shop.pk, _ts(as_of)],
        )
        return sorted({order_id for (order_id,) in cursor.fetchall()})


def _evaluate_whole_shop(shop: Shop, as_of: datetime, versions: list[RuleSet]) -> tuple[int, int]:
    """Every line of the shop; the queue starts again from what is still within its after-sale period, and the
    rule sets evaluated are recorded (``EvaluationState``)."""
    QueuedOrder.objects.filter(shop=shop).delete()  # before the evaluation's statement, which sees what they announced
    result = _write(shop, as_of, versions, None)
    _queue_until_final(shop, as_of, versions, None)
    EvaluationState.objects.update_or_create(
        shop=shop,
        defaults={"rules_fingerprint": rules_fingerprint(versions), "whole_shop_at": as_of, "evaluated_at": as_of},
    )
    return result


def _shop_versions(shop: Shop) -> list[RuleSet]:
    return list(RuleSet.objects.for_shop(shop).prefetch_related("sources"))


def accruals_evaluate(
    *, shop: Shop, as_of: datetime | None = None, post: bool = True, order_ids: Iterable[str] | None = None
) -> EvaluationResult:
    """Evaluate the shop's rule sets over its synced orders at ``as_of`` (default now) and write the accruals that
    change what lines earn (see the module docstring), then post them to the ledger (``post``). ``order_ids``
    narrows the run to these orders (a sync page; a thousand per statement), unless a version has a month cap,
    which needs the whole month: then the whole shop is evaluated. Idempotent: the same facts write nothing. Never
    refuses; a shop without rule sets earns nothing. An idempotency key written already can only be a bug: the
    unique key raises IntegrityError and nothing of the run is kept."""
    as_of = as_of or timezone.now()
    versions = _shop_versions(shop)
    with transaction.atomic(), pg_settings(BATCH_SETTINGS):
        # One evaluation of a shop at a time: a second waits here, then finds nothing left to write.
        _shop_lock(shop)
        if order_ids is None or _month_cap(versions):
            written, amount = _evaluate_whole_shop(shop, as_of, versions)
        else:
            written, amount = _write(shop, as_of, versions, sorted(set(order_ids)))
        posted = accruals_post(shop=shop) if post else 0
    return EvaluationResult(written=written, amount_fen=amount, posted=posted)


def accruals_evaluate_changes(*, shop: Shop, as_of: datetime | None = None, post: bool = True) -> EvaluationResult:
    """The hourly run: evaluate only the orders queued as due (``QueuedOrder``: stored by the sync since the last
    run, or at the end of their after-sale period), queue those still within it, and post. The same accruals as a
    whole-shop evaluation (``accruals_evaluate``), which it runs instead when the shop has had none, when the rule
    sets changed since (``EvaluationState``), or when more than ``FULL_RUN_ORDERS`` rows are due (one statement
    then costs less than their pages). Under a month cap a month's orders share the cap (first settled, first
    served), so the run evaluates every order settled in the months of the due orders (``SettledIn``), in one
    statement: a due order that is not settled has nothing to decide, and a settlement's month never changes."""
    as_of = as_of or timezone.now()
    versions = _shop_versions(shop)
    with transaction.atomic(), pg_settings(BATCH_SETTINGS):
        _shop_lock(shop)
        state = EvaluationState.objects.filter(shop=shop).first()
        due = QueuedOrder.objects.filter(shop=shop).filter(Q(due_at__isnull=True) | Q(due_at__lte=as_of))
        if (
            state is None
            or state.rules_fingerprint != rules_fingerprint(versions)
            or due[: FULL_RUN_ORDERS + 1].count() > FULL_RUN_ORDERS
        ):
            written, amount = _evaluate_whole_shop(shop, as_of, versions)
        else:
            order_ids = _take_due(shop, as_of)
            scope = _settled_months(shop, order_ids) if _month_cap(versions) else order_ids
            written, amount = _write(shop, as_of, versions, scope) if order_ids else (0, 0)
            _queue_until_final(shop, as_of, versions, order_ids)
            EvaluationState.objects.filter(shop=shop).update(evaluated_at=as_of)
        posted = accruals_post(shop=shop) if post else 0
    return EvaluationResult(written=written, amount_fen=amount, posted=posted)


def orders_queue(*, shop: Shop, order_ids: Iterable[str]) -> None:
    """Queue orders whose facts changed for the next hourly evaluation, due at once (in the caller's transaction:
    a sync page's rows are queued exactly when its orders are stored)."""
    QueuedOrder.objects.bulk_create([QueuedOrder(shop=shop, order_id=order_id) for order_id in set(order_ids)])


def orders_stored_receiver(sender, *, shop: Shop, order_ids: list[str], **kwargs) -> None:
    """``shopops.sync.store.orders_stored``: queue the orders just stored (or whose after-sales were)."""
    orders_queue(shop=shop, order_ids=order_ids)


def accruals_post(*, shop: Shop) -> int:
    """Post the shop's unposted accruals to the ledger, one journal per order, version and step, and mark them
    posted. Returns the journals posted. Only the accruals after the last one posted are read
    (``EvaluationState.posted_through``), not all the shop's."""
    # The rows are read through a server-side cursor, but every one of them: planned for the first tenth (the
    # default), the read took the (shop, booked on) index to save a sort and walked all the shop's accruals.
    with transaction.atomic(), pg_settings({"cursor_tuple_fraction": "1"}):
        _shop_lock(shop)
        state = EvaluationState.objects.filter(shop=shop).first()
        unposted = Accrual.objects.for_shop(shop).filter(pk__gt=state.posted_through if state else 0)
        posted, last = _post(shop, unposted.filter(posted_at__isnull=True))
        if last:
            EvaluationState.objects.update_or_create(shop=shop, defaults={"posted_through": last})
    return posted


def _post(shop: Shop, accruals) -> tuple[int, int]:
    """The one place that talks to the ledger (``incentives.services.ledger``): the accruals
    summed per journal (order, version, step) → ``post_journals_bulk``. Journal keys are the accruals' own
    (``incentive:<order id>:<programme>@<version>:<step>``), so posting twice posts nothing new. Returns the journals
    posted and the last accrual marked posted (0: none)."""
    forms = dict(RuleSet.objects.for_shop(shop).values_list("pk", "reward_form"))
    labels = {pk: f"{code}@{version}" for pk, code, version in RuleSet.objects.for_shop(shop).values_list(
        "pk", "code", "version")}  # fmt: skip
    rows = (
        accruals.values("order_id", "ruleset_id", "step", "booked_on")
        .annotate(amount=Sum("amount_fen"), last=Max("pk"))
        .order_by("booked_on", "order_id", "ruleset_id", "step")
    )
    specs, last = [], 0
    for row in rows.iterator(chunk_size=10_000):
        last = max(last, row["last"])
        if row["amount"] == 0:
            continue
        debit, credit = ACCOUNTS[forms[row["ruleset_id"]]]
        label = labels[row["ruleset_id"]]
        specs.append(
            JournalSpec(
                key=journal_key(row["order_id"], label, row["step"]),
                kind=JOURNAL_KIND,
                booked_on=row["booked_on"],
                entries=[(debit, row["amount"]), (credit, -row["amount"])],
                memo=f"{row['order_id']} {label}",
            )
        )
    if not specs and not last:
        return 0, 0
    with transaction.atomic():
        posted = post_journals_bulk(shop=shop, journals=specs) if specs else 0
        accruals.filter(pk__lte=last).update(posted_at=timezone.now())
    return posted, last

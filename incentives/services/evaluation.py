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
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from incentives.models import Accrual, RewardForm, RuleSet, RuleSource
from incentives.models.rules import journal_key
from incentives.selectors.rules import ruleset_segments
from incentives.services.ledger import JournalSpec, post_journals_bulk
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


@contextmanager
def _batch_settings() -> Iterator[None]:
    if not _postgres():
        yield
        return
    with connection.cursor() as cursor:
        for name, value in BATCH_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])  # local: ends with the transaction
    yield


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


def targets_sql(
    shop: Shop, as_of: datetime, versions: list[RuleSet], *, pending: bool = False, scope: list[str] | None = None
) -> tuple[str, list] | None:
    """``WITH`` clauses ending in ``target``: one row per final, eligible line of the shop and the version it is
    evaluated under, with its basis and the amount it should have earned in total. None: no version applies.

    ``pending`` (the forecast): instead, the eligible lines of paid, uncancelled orders that have no accrual under
    their version yet, final or not, with what they would earn on today's refunds (the order's predicted fee while
    it has no actual one; no month cap)."""
    segments = ruleset_segments(shop, versions)
    if not segments:
        return None
    by_id = {v.pk: v for v in versions}
    seg_cte, seg_params = _values(
        "seg",
        [("rid", "int"), ("starts", "ts"), ("ends", "ts"), ("final_before", "ts")],
        [
            (s.ruleset.pk, _ts(s.starts), _ts(s.ends), _ts(as_of - timedelta(days=s.ruleset.after_sale_days)))
            for s in segments
        ],
    )
    used = sorted({s.ruleset.pk for s in segments})
    rule_cte, rule_params = _values(
        "rule",
        [("rid", "int"), ("rate", "int"), ("cap_order", "int"), ("cap_month", "int"), ("cap_fee", "bool"),
         ("min_basis", "int")],
        [
            (r.pk, r.rate_ppm, r.cap_per_order_fen, r.cap_per_month_fen, r.cap_at_order_fee, r.min_order_basis_fen)
            for r in (by_id[pk] for pk in used)
        ],
    )  # fmt: skip
    not_open, not_open_params = _in(AFTERSALE_NOT_OPEN)
    refunded, refunded_params = _in(AFTERSALE_REFUNDED)
    cancelled, cancelled_params = _in(CANCELLED)
    line, order, aftersale = _table(OrderLine), _table(Order), _table(AfterSale)
    in_scope, scope_params = ("", []) if scope is None else _in(scope)
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
    month_cap = not pending and any(by_id[pk].cap_per_month_fen is not None for pk in used)
    cap_fee = "CASE WHEN r.cap_fee AND x.fee IS NOT NULL THEN x.fee ELSE x.raw END"
    order_total = (
        f"CASE WHEN x.order_basis < r.min_basis THEN 0 "
        f"ELSE {_least('x.raw', 'COALESCE(r.cap_order, x.raw)', cap_fee)} END"
    )
    month_params: list = []
    if month_cap:
        month, month_params = _month("o.settle_time")
        spent_before = (
            "CAST(SUM(o.total) OVER (PARTITION BY o.rid, o.month ORDER BY o.settle_time, o.order_id "
            "ROWS UNBOUNDED PRECEDING) AS bigint) - o.total"
        )
        month_total = _least("o.total", _greatest("0", f"r.cap_month - ({spent_before})"))
        monthly = f"""
        , monthly AS (
            SELECT o.order_id, o.rid, CASE WHEN r.cap_month IS NULL THEN o.total ELSE {month_total} END AS total
            FROM (SELECT order_id, rid, MAX(settle_time) AS settle_time, MAX(total) AS total,
                         MAX({month}) AS month FROM capped o GROUP BY order_id, rid) o
            JOIN rule r ON r.rid = o.rid
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
        WITH {seg_cte}, {rule_cte},
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
            SELECT b.*, CAST(b.basis * r.rate / {PPM} AS bigint) AS line_amount
            FROM (
                SELECT x.oid, x.order_id, x.settle_time, x.fee, x.sku_id, x.rid, x.channel, x.sale_channel,
                       x.account_type, x.account_id, x.account_nickname,
                       CASE WHEN x.paid > COALESCE(f.fen, 0) THEN x.paid - COALESCE(f.fen, 0) ELSE 0 END AS basis
                FROM lines x
                LEFT JOIN refunds f ON f.order_id = x.order_id AND f.sku_id = x.sku_id
            ) b
            JOIN rule r ON r.rid = b.rid
        ),
        ordered AS (
            SELECT a.*, CAST(SUM(a.line_amount) OVER w AS bigint) AS raw,
                   CAST(SUM(a.basis) OVER w AS bigint) AS order_basis,
                   CAST(SUM(a.line_amount) OVER (w ORDER BY a.sku_id ROWS UNBOUNDED PRECEDING) AS bigint) AS cum
            FROM amounts a
            WINDOW w AS (PARTITION BY a.oid, a.rid)
        ),
        capped AS (
            SELECT x.*, {order_total} AS total FROM ordered x JOIN rule r ON r.rid = x.rid
        ){monthly},
        target AS (
            SELECT c.oid, c.order_id, c.sku_id, c.rid, c.channel, c.sale_channel, c.account_type, c.account_id,
                   c.account_nickname, c.basis, CAST({part} AS bigint) AS amount,
                   c.settle_time
            FROM capped c {monthly_join}
        )
    """
    params = [
        *seg_params, *rule_params, shop.pk, shop.pk, *cancelled_params, *which_params, *scope_params, shop.pk,
        *refunded_params, *scope_params, *month_params,
    ]  # fmt: skip
    return query, params


def _delta_insert_sql(
    shop: Shop, as_of: datetime, versions: list[RuleSet], scope: list[str] | None = None
) -> tuple[str, list] | None:
    targets = targets_sql(shop, as_of, versions, scope=scope)
    if targets is None and not Accrual.objects.for_shop(shop).exists():
        return None
    if targets is None:  # no version applies to any line any more: only reversals
        target_sql, target_params = "WITH target AS (SELECT * FROM (SELECT 0 AS oid, '' AS order_id, '' AS sku_id, "
        target_sql += "0 AS rid, '' AS channel, 0 AS sale_channel, 0 AS account_type, '' AS account_id, "
        target_sql += "'' AS account_nickname, 0 AS basis, 0 AS amount, NULL AS settle_time) t WHERE 1 = 0)"
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
    in_scope, scope_params = ("", []) if scope is None else _in(scope)
    accrued_scope = f"AND a.order_id IN {in_scope}" if scope is not None else ""
    today = connection.ops.adapt_datefield_value(timezone.localdate(as_of))
    step = "COALESCE(st.step, 0) + 1"
    query = f"""
        {target_sql},
        {ver_cte},
        accrued AS (
            SELECT a.order_id, a.sku_id, a.ruleset_id AS rid, SUM(a.amount_fen) AS amount, MAX(a.step) AS step,
                   MAX(a.channel) AS channel, MAX(a.sale_channel) AS sale_channel,
                   MAX(a.account_type) AS account_type, MAX(a.account_id) AS account_id,
                   MAX(a.account_nickname) AS account_nickname
            FROM {accrual} a
            WHERE a.shop_id = %s {accrued_scope} AND NOT EXISTS (
                SELECT 1 FROM {aftersale} x
                WHERE x.shop_id = %s AND x.order_id = a.order_id AND x.status NOT IN {not_open})
            GROUP BY a.order_id, a.sku_id, a.ruleset_id
        ),
        delta AS (
            SELECT order_id, sku_id, rid, CAST(SUM(amount) AS bigint) AS amount, MAX(basis) AS basis,
                   MAX(settle_time) AS settle_time,
                   MAX(channel) AS channel, MAX(sale_channel) AS sale_channel, MAX(account_type) AS account_type,
                   MAX(account_id) AS account_id, MAX(account_nickname) AS account_nickname
            FROM (
                SELECT order_id, sku_id, rid, amount, basis, settle_time, channel, sale_channel, account_type,
                       account_id, account_nickname
                FROM target
                UNION ALL
                SELECT order_id, sku_id, rid, -amount, 0, NULL, channel, sale_channel, account_type, account_id,
                       account_nickname
                FROM accrued
            ) u
            GROUP BY order_id, sku_id, rid
            HAVING SUM(amount) <> 0
        ),
        steps AS (
            SELECT order_id, rid, MAX(step) AS step FROM accrued GROUP BY order_id, rid
        ),
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
        WHERE TRUE
        ON CONFLICT (shop_id, {key}) DO NOTHING
    """
    params = [
        *target_params, *ver_params, shop.pk, *scope_params, shop.pk, *not_open_params, *final_day_params, today,
        shop.pk,
        _ts(timezone.now()),
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


def accruals_evaluate(
    *, shop: Shop, as_of: datetime | None = None, post: bool = True, order_ids: Iterable[str] | None = None
) -> EvaluationResult:
    """Evaluate the shop's rule sets over its synced orders at ``as_of`` (default now) and write the accruals that
    change what lines earn (see the module docstring), then post them to the ledger (``post``). ``order_ids``
    narrows the run to these orders (a sync page; a thousand per statement), unless a version has a month cap,
    which needs the whole month: then the whole shop is evaluated. Idempotent: the same facts write nothing. Never
    refuses; a shop without rule sets earns nothing."""
    as_of = as_of or timezone.now()
    versions = list(RuleSet.objects.for_shop(shop).prefetch_related("sources"))
    scopes: list[list[str] | None] = [None]
    if order_ids is not None and not any(v.cap_per_month_fen is not None for v in versions):
        ids = sorted(set(order_ids))
        scopes = [ids[i : i + SCOPE_CHUNK] for i in range(0, len(ids), SCOPE_CHUNK)]
    with transaction.atomic(), _batch_settings():
        # One evaluation of a shop at a time: a second waits here, then finds nothing left to write.
        _shop_lock(shop)
        before = Accrual.objects.for_shop(shop).aggregate(last=Max("pk"))["last"] or 0
        written = 0
        for scope in scopes:
            statement = _delta_insert_sql(shop, as_of, versions, scope)
            if statement is not None:
                with connection.cursor() as cursor:
                    cursor.execute(*statement)
                    written += _rowcount(cursor)
        new = Accrual.objects.for_shop(shop).filter(pk__gt=before)
        amount = new.aggregate(total=Sum("amount_fen"))["total"] or 0
        posted = accruals_post(shop=shop) if post else 0
    return EvaluationResult(written=written, amount_fen=amount, posted=posted)


def accruals_post(*, shop: Shop) -> int:
    """Post the shop's unposted accruals to the ledger, one journal per order, version and step, and mark them
    posted. Returns the journals posted."""
    return _post(shop, Accrual.objects.for_shop(shop).filter(posted_at__isnull=True))


def _post(shop: Shop, accruals) -> int:
    """The one place that talks to the ledger (``incentives.services.ledger``): the accruals
    summed per journal (order, version, step) → ``post_journals_bulk``. Journal keys are the accruals' own
    (``incentive:<order id>:<programme>@<version>:<step>``), so posting twice posts nothing new."""
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
        return 0
    with transaction.atomic():
        posted = post_journals_bulk(shop=shop, journals=specs) if specs else 0
        accruals.filter(pk__lte=last).update(posted_at=timezone.now())
    return posted

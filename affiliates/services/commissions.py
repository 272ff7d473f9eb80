"""Commissions reconciled to the fen: what the platform pays each party beside what ShopOps expects, and why they
differ. Both sides are computed set-based in the database (one statement per step, whatever the number of rows).

Merchant side — ``commission_lines_refresh``: one ``CommissionLine`` per (order, SKU, party, party id) from the
orders' ``commission_infos`` (type 0 达人/推广者, type 1 带货机构).

- The party id is the agency's AppID (type 1), else the talent's id, else its channels id (finder_id), else its
  openfinderid; an agency's 推客 carries none of these and is the line's one type-0 party with an empty id. A line
  with an agency entry is an agency sale: its type-0 row carries the agency's AppID too.
- ``paid_fen`` is what the buyer paid for the SKU in the order (``real_price``, summed over the order's lines of
  that SKU). ``refunded_fen`` is the sum of the SKU's after-sale refunds that reached the buyer: status
  MERCHANT_REFUND_SUCCESS or MERCHANT_RETURN_SUCCESS (the platform's own "refunded" states, the ones it claws
  commission back on), never more than was paid. An after-sale without a SKU id refunds nothing here.
- The base is ``paid_fen − refunded_fen`` (never below 0); the expected amount is ``shopops.money.commission_fen``
  of it, i.e. floor(base × ratio ppm / 1,000,000) per line and party — here in SQL as the integer division of
  non-negative integers, which is the same floor.
- The ratio comes from the plan terms (``PlanTerms``) of the line's product in force at the order's pay time
  (``valid_from ≤ pay time < valid_to``, listed). Precedence: an agency sale takes the plan of that agency
  (``headsupplier_appid``): its ``service_ratio_percent`` for the agency, its ``ratio_percent`` for the agency's
  promoter; any other talent line takes a 定向/专属 plan naming the talent (its talent AppID, or the talent whose
  channels id is on the line) before the 普通 plan; among equals the terms that started last. No terms: no ratio.
- ``difference_fen`` = platform − expected (no terms: the platform's whole amount). ``reason``: "" when equal;
  ``no_plan`` when no terms were in force (and the platform paid something); ``refund_clawback`` when the
  platform's amount is the one before our refunds (it has not clawed back yet) or the one after refunds still in
  after-sale (it clawed back before the refund reached us); ``plan_changed`` when it matches another terms row of
  the same plan (the platform used the terms before or after a change); else ``platform_miscomputed``.
- ``self_referral`` is copied from the agency's commission order of the same order and SKU, when ShopOps holds it
  (only the agency side sees the 推客 and the buyer with the same openid).

It runs on every synced page of orders or after-sales (the ``orders_stored`` signal of ``shopops.sync.store``),
for those orders. Writes touch only rows whose values change, so running it twice changes nothing.

Agency side — ``commission_orders_reconcile``: the expected service fee and promoter commission from the order's
``actual_payment`` and its own ratios (floor, the same rule), the difference (platform − expected, both parts
summed), ``platform_miscomputed`` when either part differs, and ``self_referral`` when the buyer's openid is the
推客's opensharerid.
"""

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BigIntegerField, BooleanField, Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.fields.json import KT
from django.utils import timezone

from affiliates.models import Agency, CommissionLine, CommissionOrder, PlanTerms, Reason, Talent
from affiliates.models.commissions import CommissionOrderRollup, CommissionRollup
from shopops.db import pg_settings
from shopops.models import AfterSale, Order, OrderLine, Shop
from shopops.money import PPM, PPM_PER_PERCENT
from shopops.selectors.orders import AFTERSALE_NOT_OPEN, AFTERSALE_REFUNDED

SCOPE_CHUNK = 1000  # platform order ids per statement (SQLite binds each as a parameter)


# --- SQL that differs between the databases ---------------------------------------------------------------------


class _Dialect:
    """The few expressions PostgreSQL (jsonb) and SQLite (JSON1) spell differently."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"

    def elements(self, column: str, alias: str, *, standalone: bool = False) -> str:
        """A FROM item with one row per element of a JSON array column; the element is ``<alias>.value``. Joined
        to the tables before it, or (``standalone``) the one FROM item of a subquery."""
        if self.postgres:
            item = f"jsonb_array_elements({column}) AS {alias}(value)"
            return f"FROM {item}" if standalone else f"CROSS JOIN LATERAL {item}"
        return f"{'FROM' if standalone else 'CROSS JOIN'} json_each({column}) AS {alias}"

    def text(self, expr: str, key: str) -> str:
        """A JSON object's member as text ("" when absent), numbers included."""
        if self.postgres:
            return f"COALESCE(({expr} ->> '{key}'), '')"
        return f"COALESCE(CAST(json_extract({expr}, '$.{key}') AS TEXT), '')"

    def integer(self, expr: str, key: str) -> str:
        """A JSON object's member as an integer (0 when absent)."""
        if self.postgres:
            return f"COALESCE(CAST(({expr} ->> '{key}') AS bigint), 0)"
        return f"COALESCE(CAST(json_extract({expr}, '$.{key}') AS INTEGER), 0)"

    def day(self, column: str) -> tuple[str, list]:
        """The project-time-zone date of a datetime column, as a date (PostgreSQL) or ``YYYY-MM-DD`` (SQLite)."""
        expr, params = connection.ops.datetime_cast_date_sql(column, (), settings.TIME_ZONE)
        return expr, list(params)

    def month(self, column: str) -> tuple[str, list]:
        """The first day of a datetime column's month in the project's time zone, like ``day``."""
        expr, params = connection.ops.datetime_trunc_sql("month", column, (), settings.TIME_ZONE)
        return (f"CAST({expr} AS date)" if self.postgres else f"SUBSTR({expr}, 1, 10)"), list(params)

    def contains(self, array: str, value: str) -> str:
        """Whether the JSON array ``array`` holds the string ``value``."""
        if self.postgres:
            return f"({array} @> jsonb_build_array({value}))"
        return f"EXISTS (SELECT 1 FROM json_each({array}) AS member WHERE member.value = {value})"


# PostgreSQL settings for the reconciliation's statements (``shopops.db.pg_settings``: within the transaction, then
# restored). JIT off: their many CASE expressions took it seconds to compile, more than it saved (at 100,000 lines the
# UPDATE ran in 2.1 s without it and 5.2 s with it, 3.9 s of them compiling). 64 MB to sort in: a whole shop's
# extraction sorts its entries three times (window, group, join), which spilled to disk at the default 4 MB.
BATCH_SETTINGS = {"jit": "off", "work_mem": "64MB"}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in(column: str, values: Sequence) -> tuple[str, list]:
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _chunks(order_ids: Iterable[str] | None) -> list[list[str] | None]:
    """The scope in statements: the whole shop (``[None]``), or the given order ids a thousand at a time."""
    if order_ids is None:
        return [None]
    ids = sorted(set(order_ids))
    return [ids[i : i + SCOPE_CHUNK] for i in range(0, len(ids), SCOPE_CHUNK)]


# --- merchant side: extraction from orders --------------------------------------------------------------------------


def _party_id(sql: _Dialect, e: str) -> str:
    kind = sql.integer(e, "type")
    return (
        f"CASE WHEN {kind} = 1 THEN {sql.text(e, 'agency_id')} ELSE COALESCE("
        f"NULLIF({sql.text(e, 'talent_id')}, ''), NULLIF({sql.text(e, 'finder_id')}, ''), "
        f"NULLIF({sql.text(e, 'openfinderid')}, ''), '') END"
    )


def _scope_sql(column: str, scope: list[str] | None) -> tuple[str, list]:
    """``AND <column> IN (…)`` for a scope of order ids, nothing for the whole shop."""
    if scope is None:
        return "", []
    condition, params = _in(column, scope)
    return "AND " + condition, params


def _entries_sql(sql: _Dialect, scope: list[str] | None) -> tuple[str, list]:
    """One row per commission entry of the shop's orders in scope, with the SKU's paid amount. The platform lists
    entries per SKU and the sync gives them to each line of that SKU: the order's first line of the SKU counts."""
    e = "entry.value"
    kind = sql.integer(e, "type")
    # The line's agency, from its own entries (a subquery per line: a window over the entries would sort them all).
    a = "agency.value"
    agency = f"""(SELECT MAX(CASE WHEN {sql.integer(a, "type")} = 1 THEN {sql.text(a, "agency_id")} END)
                  {sql.elements("l.commission_infos", "agency", standalone=True)})"""
    order_filter, params = _scope_sql("o.order_id", scope)
    query = f"""
        SELECT l.order_id AS order_id, l.sku_id AS sku_id, l.product_id AS product_id, l.pay_time AS pay_time,
               l.paid_fen AS paid_fen, {kind} AS party, {_party_id(sql, e)} AS party_id,
               SUBSTR({sql.text(e, "nickname")}, 1, 100) AS nickname,
               COALESCE({agency}, '') AS agency_appid,
               {sql.integer(e, "status")} AS status, {sql.integer(e, "amount")} AS amount
        FROM (
            SELECT ol.id, o.order_id, o.pay_time, ol.sku_id, ol.product_id, ol.line_no, ol.commission_infos,
                   MIN(ol.line_no) OVER sku AS first_line_no, SUM(ol.real_price_fen) OVER sku AS paid_fen
            FROM {_table(OrderLine)} ol JOIN {_table(Order)} o ON o.id = ol.order_id
            WHERE ol.shop_id = %s {order_filter}
            WINDOW sku AS (PARTITION BY ol.order_id, ol.sku_id)
        ) l
        {sql.elements("l.commission_infos", "entry")}
        WHERE l.line_no = l.first_line_no
    """
    return query, params


def _refunds_sql(statuses: Iterable[str], scope: list[str] | None, *, negate: bool = False) -> tuple[str, list]:
    """The shop's after-sale refunds per (order id, SKU id) in (or, ``negate``, not in) ``statuses``; the shop's
    id is the first parameter, the caller's."""
    condition, params = _in("status", sorted(statuses))
    order_filter, scope_params = _scope_sql("order_id", scope)
    query = f"""
        SELECT order_id, sku_id, SUM(refund_amount_fen) AS fen FROM {_table(AfterSale)}
        WHERE shop_id = %s AND sku_id <> '' AND {"NOT " if negate else ""}{condition} {order_filter}
        GROUP BY order_id, sku_id
    """
    return query, params + scope_params


# Columns the extraction owns (from the orders), then those the reconciliation computes from them.
EXTRACTED = (
    "product_id", "nickname", "agency_appid", "status", "pay_time", "paid_fen", "refunded_fen", "platform_amount_fen",
)  # fmt: skip
KEY = ("shop_id", "order_id", "sku_id", "party", "party_id")
RECONCILED = ("terms_id", "expected_ratio_ppm", "expected_amount_fen", "difference_fen", "reason", "self_referral")


def _extracted_sql(shop: Shop, scope: list[str] | None, synced_at: datetime) -> tuple[str, list]:
    """One row per commission line of the orders in scope, the columns ``KEY + EXTRACTED`` and ``synced_at``. The
    sums are cast back to bigint: PostgreSQL sums bigints as numeric, whose division would not be the floor."""
    sql = _Dialect()
    entries, entry_params = _entries_sql(sql, scope)
    refunds, refund_params = _refunds_sql(AFTERSALE_REFUNDED, scope)
    query = f"""
        SELECT CAST(%s AS bigint) AS shop_id, x.order_id, x.sku_id, x.party, x.party_id,
               MAX(x.product_id) AS product_id, MAX(x.nickname) AS nickname, MAX(x.agency_appid) AS agency_appid,
               MIN(x.status) AS status, MAX(x.pay_time) AS pay_time, CAST(MAX(x.paid_fen) AS bigint) AS paid_fen,
               CAST(CASE WHEN MAX(COALESCE(r.fen, 0)) > MAX(x.paid_fen) THEN MAX(x.paid_fen)
                         ELSE MAX(COALESCE(r.fen, 0)) END AS bigint) AS refunded_fen,
               CAST(SUM(x.amount) AS bigint) AS platform_amount_fen, %s AS synced_at
        FROM ({entries}) x
        LEFT JOIN ({refunds}) r ON r.order_id = x.order_id AND r.sku_id = x.sku_id
        GROUP BY x.order_id, x.sku_id, x.party, x.party_id
    """
    return query, [shop.pk, synced_at, shop.pk, *entry_params, shop.pk, *refund_params]


def _reconciled_sql(
    shop: Shop, scope: list[str] | None, source: tuple[str, list], columns: Sequence[str]
) -> tuple[str, str, list]:
    """The reconciliation of the lines ``source`` yields (SQL and parameters; each line with ``KEY + EXTRACTED``,
    of the orders in scope): a ``WITH`` clause and a SELECT of ``columns`` (taken from the source) followed by
    ``RECONCILED``, for an INSERT or an UPDATE to use."""
    sql = _Dialect()
    terms = _table(PlanTerms)
    pending, pending_params = _refunds_sql(AFTERSALE_NOT_OPEN, scope, negate=True)
    # The talent a line names: its talent AppID, or the talent whose channels id is on the line.
    names_talent = sql.contains("t.talent_appids", "COALESCE(tal.talent_appid, l.party_id)")
    orders, agencies = _table(CommissionOrder), _table(Agency)
    # The one ratio a terms row gives a party: the agency's service ratio, everybody else's commission ratio.
    ratio = "(CASE WHEN {p}.party = 1 THEN {t}.service_ratio_percent ELSE {t}.ratio_percent END * {per})"
    chosen_ratio = ratio.format(p="a", t="t", per=PPM_PER_PERCENT)
    other_ratio = ratio.format(p="b", t="other", per=PPM_PER_PERCENT)
    # The lines' own values and chosen terms first, once per line (MATERIALIZED: the planner would otherwise copy
    # the terms lookup into every expression that uses it); then the amounts and the reason.
    with_clause = f"""
        WITH a AS MATERIALIZED (
            SELECT l.*, COALESCE(pending.fen, 0) AS pending,
                   CASE WHEN l.paid_fen > l.refunded_fen THEN l.paid_fen - l.refunded_fen ELSE 0 END AS base,
                   (SELECT t.id FROM {terms} t
                    WHERE t.shop_id = l.shop_id AND t.product_id = l.product_id AND t.listed
                      AND t.valid_from <= l.pay_time AND (t.valid_to IS NULL OR t.valid_to > l.pay_time)
                      AND (
                        (l.agency_appid <> '' AND t.headsupplier_appid = l.agency_appid
                         AND (l.party = 0 OR t.service_ratio_percent IS NOT NULL))
                        OR (l.agency_appid = '' AND l.party = 0 AND t.headsupplier_appid = ''
                            AND (t.type = 1 OR (t.type IN (2, 3) AND {names_talent})))
                      )
                    ORDER BY CASE WHEN t.type = 1 THEN 1 ELSE 0 END, t.valid_from DESC, t.id DESC
                    LIMIT 1) AS chosen_terms_id,
                   CASE WHEN l.agency_appid <> '' THEN EXISTS (
                       SELECT 1 FROM {orders} co JOIN {agencies} ag ON ag.id = co.agency_id
                       WHERE ag.appid = l.agency_appid AND co.order_id = l.order_id
                         AND co.sku_id = l.sku_id AND co.shop_appid = %s AND co.self_referral
                   ) ELSE FALSE END AS is_self_referral
            FROM ({source[0]}) l
            LEFT JOIN ({pending}) pending ON pending.order_id = l.order_id AND pending.sku_id = l.sku_id
            LEFT JOIN (
                SELECT finder_id, MIN(talent_appid) AS talent_appid FROM {_table(Talent)}
                WHERE shop_id = %s AND finder_id <> '' GROUP BY finder_id
            ) tal ON tal.finder_id = l.party_id
        )
    """
    select = f"""
        SELECT {", ".join(f"b.{column}" for column in columns)},
               b.chosen_terms_id AS terms_id, b.ratio_ppm AS expected_ratio_ppm, b.expected_fen AS expected_amount_fen,
               b.platform_amount_fen - COALESCE(b.expected_fen, 0) AS difference_fen,
               CASE
                 WHEN b.chosen_terms_id IS NULL THEN
                   CASE WHEN b.platform_amount_fen = 0 THEN '' ELSE '{Reason.NO_PLAN.value}' END
                 WHEN b.platform_amount_fen = b.expected_fen THEN ''
                 WHEN (b.refunded_fen > 0 AND b.platform_amount_fen = b.paid_fen * b.ratio_ppm / {PPM})
                   OR (b.pending > 0 AND b.platform_amount_fen =
                       (CASE WHEN b.base > b.pending THEN b.base - b.pending ELSE 0 END) * b.ratio_ppm / {PPM})
                   THEN '{Reason.REFUND_CLAWBACK.value}'
                 WHEN EXISTS (
                   SELECT 1 FROM {terms} other
                   WHERE other.plan_id = b.plan_id AND other.id <> b.chosen_terms_id
                     AND b.base * {other_ratio} / {PPM} = b.platform_amount_fen
                 ) THEN '{Reason.PLAN_CHANGED.value}'
                 ELSE '{Reason.PLATFORM_MISCOMPUTED.value}'
               END AS reason,
               b.is_self_referral AS self_referral
        FROM (
            SELECT a.*, t.plan_id, {chosen_ratio} AS ratio_ppm, a.base * {chosen_ratio} / {PPM} AS expected_fen
            FROM a LEFT JOIN {terms} t ON t.id = a.chosen_terms_id
        ) b
    """
    # In the text's order: the self-referral probe (SELECT list), the source, pending refunds, talents.
    return with_clause, select, [shop.appid, *source[1], shop.pk, *pending_params, shop.pk]


def _rowcount(cursor) -> int:
    if cursor.rowcount >= 0:
        return cursor.rowcount
    cursor.execute("SELECT changes()")  # sqlite3 reports no row count for a statement starting with WITH
    return cursor.fetchone()[0]


def _lines_upsert(shop: Shop, scope: list[str] | None, synced_at: datetime) -> int:
    """Insert or update the commission lines of the orders in scope, extracted and reconciled in one INSERT …
    SELECT (a new line is written once, complete); a row whose values are unchanged is not written. Returns the
    rows written."""
    columns = (*KEY, *EXTRACTED, "synced_at")
    with_clause, select, params = _reconciled_sql(shop, scope, _extracted_sql(shop, scope, synced_at), columns)
    table = _table(CommissionLine)
    written = (*EXTRACTED, *RECONCILED)
    changed = " OR ".join(f"{table}.{column} IS DISTINCT FROM excluded.{column}" for column in written)
    query = f"""
        {with_clause}
        INSERT INTO {table} ({", ".join((*columns, *RECONCILED))})
        SELECT * FROM ({select}) c WHERE TRUE
        ON CONFLICT ({", ".join(KEY)}) DO UPDATE
        SET {", ".join(f"{column} = excluded.{column}" for column in (*written, "synced_at"))} WHERE {changed}
    """
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return _rowcount(cursor)


def _lines_prune(shop: Shop, scope: list[str] | None) -> int:
    """Delete the lines in scope whose entry the order no longer lists (removed line, changed party)."""
    sql = _Dialect()
    table = _table(CommissionLine)
    e = "entry.value"
    order_filter, params = _scope_sql(f"{table}.order_id", scope)
    query = f"""
        DELETE FROM {table} WHERE {table}.shop_id = %s {order_filter} AND NOT EXISTS (
            SELECT 1 FROM {_table(Order)} o JOIN {_table(OrderLine)} l ON l.order_id = o.id
            {sql.elements("l.commission_infos", "entry")}
            WHERE o.shop_id = {table}.shop_id AND o.order_id = {table}.order_id AND l.sku_id = {table}.sku_id
              AND {sql.integer(e, "type")} = {table}.party AND {_party_id(sql, e)} = {table}.party_id
        )
    """
    with connection.cursor() as cursor:
        cursor.execute(query, [shop.pk, *params])
        return cursor.rowcount


def _lines_reconcile(shop: Shop) -> int:
    """Expected ratio and amount, difference, reason and self-referral of every line of the shop, in one UPDATE
    that writes only the rows whose values change. Returns how many rows it wrote."""
    table = _table(CommissionLine)
    source = f"SELECT id, {', '.join((*KEY, *EXTRACTED))} FROM {table} WHERE shop_id = %s"
    with_clause, select, params = _reconciled_sql(shop, None, (source, [shop.pk]), ("id",))
    changed = " OR ".join(f"{table}.{column} IS DISTINCT FROM c.{column}" for column in RECONCILED)
    query = f"""
        {with_clause}
        UPDATE {table} SET {", ".join(f"{column} = c.{column}" for column in RECONCILED)}
        FROM ({select}) c
        WHERE {table}.id = c.id AND ({changed})
    """
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return _rowcount(cursor)


# --- merchant side: roll-ups ---------------------------------------------------------------------------------------

ROLLUP_KEY = ("shop_id", "month", "party", "party_id", "nickname", "agency_appid", "product_id", "reason")


def _rollup_sql(shop: Shop, scope: list[str] | None, sign: int) -> tuple[str, list]:
    """The lines in scope summed per roll-up key (``CommissionRollup``), each sum times ``sign`` (−1: to take the
    lines' old values out before they change). The GMV row of an order line is the one with its lowest party."""
    sql = _Dialect()
    month, month_params = sql.month("l.pay_time")
    order_filter, scope_params = _scope_sql("l.order_id", scope)
    sums = ", ".join(
        f"{sign} * SUM({expr})"
        for expr in ("1", "paid_fen", "refunded_fen", "CASE WHEN counted THEN paid_fen ELSE 0 END",
                     "platform_amount_fen", "COALESCE(expected_amount_fen, 0)", "difference_fen")
    )  # fmt: skip
    query = f"""
        SELECT {", ".join(ROLLUP_KEY)}, {sums} FROM (
            SELECT l.*, COALESCE({month}, %s) AS month,
                   l.party = MIN(l.party) OVER (PARTITION BY l.order_id, l.sku_id) AS counted
            FROM {_table(CommissionLine)} l WHERE l.shop_id = %s {order_filter}
        ) x
        GROUP BY {", ".join(ROLLUP_KEY)}
    """
    return query, [*month_params, CommissionRollup.UNPAID_MONTH, shop.pk, *scope_params]


ROLLUP_COLUMNS = f"{', '.join(ROLLUP_KEY)}, {', '.join(CommissionRollup.SUMS)}"


def _rollup_add(shop: Shop, scope: list[str] | None, sign: int) -> None:
    """Add (``sign`` 1) or take out (−1) the lines in scope from the shop's roll-up rows."""
    query, params = _rollup_sql(shop, scope, sign)
    table = _table(CommissionRollup)
    adds = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in CommissionRollup.SUMS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({ROLLUP_COLUMNS}) SELECT * FROM ({query}) s WHERE TRUE "
            f"ON CONFLICT ({', '.join(ROLLUP_KEY)}) DO UPDATE SET {adds}",
            params,
        )


def commission_rollups_rebuild(*, shop: Shop) -> None:
    """The shop's roll-up rows summed again from every line (after a whole-shop reconciliation, or lines written
    by other means)."""
    query, params = _rollup_sql(shop, None, 1)
    table = _table(CommissionRollup)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE shop_id = %s", [shop.pk])
        cursor.execute(f"INSERT INTO {table} ({ROLLUP_COLUMNS}) {query}", params)


# --- merchant side: entry points -----------------------------------------------------------------------------------


def commission_lines_refresh(*, shop: Shop, order_ids: Iterable[str] | None = None) -> None:
    """Bring the shop's commission lines in line with its synced orders (all, or the orders with these platform
    ids): delete the lines the orders no longer list, then upsert one reconciled line per entry of
    ``commission_infos`` (see the module docstring), and keep the roll-ups in step: the lines in scope are taken
    out before and added back after (the whole shop: summed again). Idempotent; never refuses."""
    synced_at = timezone.now()
    with transaction.atomic(), pg_settings(BATCH_SETTINGS):
        for scope in _chunks(order_ids):
            if scope is not None:
                _rollup_add(shop, scope, -1)
            _lines_prune(shop, scope)
            _lines_upsert(shop, scope, synced_at)
            if scope is not None:
                _rollup_add(shop, scope, 1)
        if order_ids is None:
            commission_rollups_rebuild(shop=shop)
        else:
            with connection.cursor() as cursor:  # in SQL: no signals, no audit entries for what is derived
                cursor.execute(f"DELETE FROM {_table(CommissionRollup)} WHERE shop_id = %s AND lines = 0", [shop.pk])


def commission_lines_reconcile(*, shop: Shop) -> int:
    """Recompute expected amounts, differences and reasons of every commission line of the shop, for when the
    plan terms or the shop's talents change (the lines themselves are unchanged), and its roll-ups when a line
    changed. Returns the rows written."""
    with transaction.atomic(), pg_settings(BATCH_SETTINGS):
        written = _lines_reconcile(shop)
        if written:
            commission_rollups_rebuild(shop=shop)
        return written


def orders_stored_receiver(sender, *, shop: Shop, order_ids: list[str], **kwargs) -> None:
    """``shopops.sync.store.orders_stored``: refresh the commission lines of the orders just stored."""
    if order_ids:
        commission_lines_refresh(shop=shop, order_ids=order_ids)


# --- agency side -----------------------------------------------------------------------------------------------------


def _floor_ppm(amount: str, ratio: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(amount) * F(ratio) / Value(PPM), output_field=BigIntegerField())


def commission_orders_reconcile(*, agency: Agency, keys: Iterable[tuple[str, str]] | None = None) -> int:
    """Expected service fee and promoter commission of the agency's commission orders (all, or these
    ``(order_id, sku_id)`` keys): floor(actual_payment × ratio / 1,000,000) for each, with the ratios the order
    itself carries; the difference (platform − expected, both parts); ``platform_miscomputed`` when a part
    differs; ``self_referral`` when the buyer's openid is the 推客's opensharerid. Returns the rows updated."""
    expected_service = _floor_ppm("actual_payment_fen", "service_ratio_ppm")
    expected_promoter = _floor_ppm("actual_payment_fen", "promoter_ratio_ppm")
    sharer_openid = KT("raw__order_detail__commission_info__sharer_info__opensharerid")
    matches = Q(service_amount_fen=expected_service) & Q(promoter_amount_fen=expected_promoter)
    is_self = (
        Q(promoter_kind=CommissionOrder.Promoter.SHARER)
        & ~Q(buyer_openid="")
        & (Q(buyer_openid=F("promoter_id")) | Q(buyer_openid=sharer_openid))
    )
    orders = CommissionOrder.objects.filter(agency=agency)
    batches: list[Q | None] = [None]
    if keys is not None:
        pairs = sorted(set(keys))
        batches = [
            Q.create([Q(order_id=o, sku_id=s) for o, s in pairs[i : i + SCOPE_CHUNK // 2]], connector=Q.OR)
            for i in range(0, len(pairs), SCOPE_CHUNK // 2)
        ]
    updated, days = 0, set()
    with transaction.atomic():
        for batch in batches:
            rows = orders if batch is None else orders.filter(batch)
            updated += rows.update(
                expected_service_amount_fen=expected_service,
                expected_promoter_amount_fen=expected_promoter,
                difference_fen=ExpressionWrapper(
                    F("service_amount_fen") + F("promoter_amount_fen") - expected_service - expected_promoter,
                    output_field=BigIntegerField(),
                ),
                reason=Case(When(matches, then=Value(Reason.NONE)), default=Value(Reason.PLATFORM_MISCOMPUTED)),
                self_referral=Case(When(is_self, then=Value(True)), default=Value(False), output_field=BooleanField()),
            )
            if batch is not None:
                days.update(timezone.localdate(at, _project_tz()) for at in rows.values_list("create_time", flat=True))
        commission_order_rollups_rebuild(agency=agency, days=None if keys is None else days)
    return updated


def _project_tz() -> zoneinfo.ZoneInfo:
    """The zone the roll-ups' days are in (``_Dialect.day``), whatever zone is active for the request."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def commission_order_rollups_rebuild(*, agency: Agency, days: Iterable[date] | None = None) -> None:
    """The agency's commission-order roll-up rows of these Beijing days of creation (None: all) summed again from
    its commission orders. A commission order's shop and creation time never change, so its row stays in the days
    it was created on whatever else a sync changes."""
    sql = _Dialect()
    table = _table(CommissionOrderRollup)
    created, created_params = sql.day("create_time")
    paid, paid_params = sql.day("pay_time")
    where, params = "agency_id = %s", [agency.pk]
    if days is not None:
        if not days:
            return
        starts = [datetime.combine(day, time.min, _project_tz()) for day in sorted(days)]
        where += " AND (" + " OR ".join(["(create_time >= %s AND create_time < %s)"] * len(starts)) + ")"
        adapt = connection.ops.adapt_datetimefield_value  # SQLite compares text in UTC
        params += [adapt(at) for start in starts for at in (start, start + timedelta(days=1))]
    key = "agency_id, shop_appid, status, promoter_kind, created_day, paid_day"
    query = f"""
        INSERT INTO {table} ({key}, count, payment_fen, service_fen, promoter_fen)
        SELECT {key}, COUNT(*), SUM(actual_payment_fen), SUM(service_amount_fen), SUM(promoter_amount_fen) FROM (
            SELECT agency_id, shop_appid, status, promoter_kind, {created} AS created_day,
                   COALESCE({paid}, %s) AS paid_day, actual_payment_fen, service_amount_fen, promoter_amount_fen
            FROM {_table(CommissionOrder)} WHERE {where}
        ) o
        GROUP BY {key}
    """
    # The roll-up's own rows are deleted in SQL too: no signals, no audit entries for what is derived.
    delete, delete_params = f"DELETE FROM {table} WHERE agency_id = %s", [agency.pk]
    if days is not None:
        condition, day_params = _in("created_day", [connection.ops.adapt_datefield_value(day) for day in sorted(days)])
        delete, delete_params = f"{delete} AND {condition}", [*delete_params, *day_params]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(delete, delete_params)
        cursor.execute(query, [*created_params, *paid_params, CommissionOrderRollup.UNPAID_DAY, *params])

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

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.db.models import BigIntegerField, BooleanField, Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.fields.json import KT
from django.utils import timezone

from affiliates.models import Agency, CommissionLine, CommissionOrder, PlanTerms, Reason, Talent
from shopops.models import AfterSale, Order, OrderLine, Shop
from shopops.money import PPM, PPM_PER_PERCENT
from shopops.selectors.orders import AFTERSALE_NOT_OPEN, AFTERSALE_REFUNDED

SCOPE_CHUNK = 1000  # platform order ids per statement (SQLite binds each as a parameter)


# --- SQL that differs between the databases ---------------------------------------------------------------------


class _Dialect:
    """The few expressions PostgreSQL (jsonb) and SQLite (JSON1) spell differently."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"

    def elements(self, column: str, alias: str) -> str:
        """A FROM item with one row per element of a JSON array column; the element is ``<alias>.value``."""
        if self.postgres:
            return f"CROSS JOIN LATERAL jsonb_array_elements({column}) AS {alias}(value)"
        return f"CROSS JOIN json_each({column}) AS {alias}"

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

    def contains(self, array: str, value: str) -> str:
        """Whether the JSON array ``array`` holds the string ``value``."""
        if self.postgres:
            return f"({array} @> jsonb_build_array({value}))"
        return f"EXISTS (SELECT 1 FROM json_each({array}) AS member WHERE member.value = {value})"


@contextmanager
def _without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiler off for the reconciliation's statements (within the transaction, then restored).
    Their many CASE expressions took it seconds to compile, more than it saved: at 100,000 lines the UPDATE ran in
    2.1 s without it and 5.2 s with it, 3.9 s of them compiling (bench/commissions.py, EXPLAIN ANALYZE)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        (previous, _off) = cursor.fetchone()
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', %s, true)", [previous])


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
    agency = f"CASE WHEN {kind} = 1 THEN {sql.text(e, 'agency_id')} END"
    order_filter, params = _scope_sql("o.order_id", scope)
    query = f"""
        SELECT l.order_id AS order_id, l.sku_id AS sku_id, l.product_id AS product_id, l.pay_time AS pay_time,
               l.paid_fen AS paid_fen, {kind} AS party, {_party_id(sql, e)} AS party_id,
               SUBSTR({sql.text(e, "nickname")}, 1, 100) AS nickname,
               COALESCE(MAX({agency}) OVER (PARTITION BY l.id), '') AS agency_appid,
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


# Columns the extraction owns; the reconciliation owns the rest.
EXTRACTED = ("product_id", "nickname", "agency_appid", "status", "pay_time", "paid_fen", "refunded_fen")
EXTRACTED_AMOUNT = "platform_amount_fen"


def _lines_extract(shop: Shop, scope: list[str] | None, synced_at: datetime) -> None:
    """Upsert the commission lines of the orders in scope; a row whose values are unchanged is not written."""
    sql = _Dialect()
    entries, entry_params = _entries_sql(sql, scope)
    refunds, refund_params = _refunds_sql(AFTERSALE_REFUNDED, scope)
    table = _table(CommissionLine)
    changed = " OR ".join(
        f"{table}.{column} IS DISTINCT FROM excluded.{column}" for column in (*EXTRACTED, EXTRACTED_AMOUNT)
    )
    updates = ", ".join(f"{column} = excluded.{column}" for column in (*EXTRACTED, EXTRACTED_AMOUNT, "synced_at"))
    query = f"""
        INSERT INTO {table} (shop_id, order_id, sku_id, party, party_id, {", ".join(EXTRACTED)},
                             {EXTRACTED_AMOUNT}, difference_fen, reason, self_referral, synced_at)
        SELECT * FROM (
            SELECT %s, x.order_id, x.sku_id, x.party, x.party_id, MAX(x.product_id), MAX(x.nickname),
                   MAX(x.agency_appid), MIN(x.status), MAX(x.pay_time), MAX(x.paid_fen),
                   CASE WHEN MAX(COALESCE(r.fen, 0)) > MAX(x.paid_fen) THEN MAX(x.paid_fen)
                        ELSE MAX(COALESCE(r.fen, 0)) END,
                   SUM(x.amount), 0, '', FALSE, %s
            FROM ({entries}) x
            LEFT JOIN ({refunds}) r ON r.order_id = x.order_id AND r.sku_id = x.sku_id
            GROUP BY x.order_id, x.sku_id, x.party, x.party_id
        ) extracted WHERE TRUE
        ON CONFLICT (shop_id, order_id, sku_id, party, party_id) DO UPDATE SET {updates} WHERE {changed}
    """
    params = [shop.pk, synced_at, shop.pk, *entry_params, shop.pk, *refund_params]
    with connection.cursor() as cursor:
        cursor.execute(query, params)


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


# --- merchant side: reconciliation -------------------------------------------------------------------------------

RECONCILED = ("terms_id", "expected_ratio_ppm", "expected_amount_fen", "difference_fen", "reason", "self_referral")


def _lines_reconcile(shop: Shop, scope: list[str] | None) -> int:
    """Expected ratio and amount, difference, reason and self-referral of the shop's lines in scope, in one UPDATE
    that writes only the rows whose values change. Returns how many rows it wrote."""
    sql = _Dialect()
    table, terms = _table(CommissionLine), _table(PlanTerms)
    scope_filter, scope_params = _scope_sql("l.order_id", scope)
    pending, pending_params = _refunds_sql(AFTERSALE_NOT_OPEN, scope, negate=True)
    # The talent a line names: its talent AppID, or the talent whose channels id is on the line.
    names_talent = sql.contains("t.talent_appids", "COALESCE(tal.talent_appid, l.party_id)")
    orders, agencies = _table(CommissionOrder), _table(Agency)
    # The one ratio a terms row gives a party: the agency's service ratio, everybody else's commission ratio.
    ratio = "(CASE WHEN {p}.party = 1 THEN {t}.service_ratio_percent ELSE {t}.ratio_percent END * {per})"
    chosen_ratio = ratio.format(p="a", t="t", per=PPM_PER_PERCENT)
    other_ratio = ratio.format(p="b", t="other", per=PPM_PER_PERCENT)
    changed = " OR ".join(f"{table}.{column} IS DISTINCT FROM c.{column}" for column in RECONCILED)
    # The lines' own values and chosen terms first, once per line (MATERIALIZED: the planner would otherwise copy
    # the terms lookup into every expression that uses it); then the amounts and the reason.
    query = f"""
        WITH a AS MATERIALIZED (
            SELECT l.id, l.party, l.platform_amount_fen AS platform, l.paid_fen AS paid,
                   l.refunded_fen AS refunded, COALESCE(pending.fen, 0) AS pending,
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
                    LIMIT 1) AS terms_id,
                   CASE WHEN l.agency_appid <> '' THEN EXISTS (
                       SELECT 1 FROM {orders} co JOIN {agencies} ag ON ag.id = co.agency_id
                       WHERE ag.appid = l.agency_appid AND co.order_id = l.order_id
                         AND co.sku_id = l.sku_id AND co.shop_appid = %s AND co.self_referral
                   ) ELSE FALSE END AS self_referral
            FROM {table} l
            LEFT JOIN ({pending}) pending ON pending.order_id = l.order_id AND pending.sku_id = l.sku_id
            LEFT JOIN (
                SELECT finder_id, MIN(talent_appid) AS talent_appid FROM {_table(Talent)}
                WHERE shop_id = %s AND finder_id <> '' GROUP BY finder_id
            ) tal ON tal.finder_id = l.party_id
            WHERE l.shop_id = %s {scope_filter}
        )
        UPDATE {table} SET {", ".join(f"{column} = c.{column}" for column in RECONCILED)}
        FROM (
            SELECT b.id, b.terms_id, b.ratio_ppm AS expected_ratio_ppm, b.expected_fen AS expected_amount_fen,
                   b.platform - COALESCE(b.expected_fen, 0) AS difference_fen,
                   CASE
                     WHEN b.terms_id IS NULL THEN CASE WHEN b.platform = 0 THEN '' ELSE '{Reason.NO_PLAN.value}' END
                     WHEN b.platform = b.expected_fen THEN ''
                     WHEN (b.refunded > 0 AND b.platform = b.paid * b.ratio_ppm / {PPM})
                       OR (b.pending > 0 AND b.platform =
                           (CASE WHEN b.base > b.pending THEN b.base - b.pending ELSE 0 END) * b.ratio_ppm / {PPM})
                       THEN '{Reason.REFUND_CLAWBACK.value}'
                     WHEN EXISTS (
                       SELECT 1 FROM {terms} other
                       WHERE other.plan_id = b.plan_id AND other.id <> b.terms_id
                         AND b.base * {other_ratio} / {PPM} = b.platform
                     ) THEN '{Reason.PLAN_CHANGED.value}'
                     ELSE '{Reason.PLATFORM_MISCOMPUTED.value}'
                   END AS reason,
                   b.self_referral
            FROM (
                SELECT a.*, t.plan_id, {chosen_ratio} AS ratio_ppm, a.base * {chosen_ratio} / {PPM} AS expected_fen
                FROM a LEFT JOIN {terms} t ON t.id = a.terms_id
            ) b
        ) c
        WHERE {table}.id = c.id AND ({changed})
    """
    # In the text's order: the self-referral probe (SELECT list), pending refunds, talents, the lines' scope.
    params = [shop.appid, shop.pk, *pending_params, shop.pk, shop.pk, *scope_params]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        if cursor.rowcount >= 0:
            return cursor.rowcount
        cursor.execute("SELECT changes()")  # sqlite3 reports no row count for a statement starting with WITH
        return cursor.fetchone()[0]


def commission_lines_refresh(*, shop: Shop, order_ids: Iterable[str] | None = None) -> None:
    """Bring the shop's commission lines in line with its synced orders (all, or the orders with these platform
    ids): upsert one line per entry of ``commission_infos``, delete the lines the orders no longer list, then
    compute expected amounts, differences and reasons (see the module docstring). Idempotent; never refuses."""
    synced_at = timezone.now()
    with transaction.atomic(), _without_jit():
        for scope in _chunks(order_ids):
            _lines_extract(shop, scope, synced_at)
            _lines_prune(shop, scope)
            _lines_reconcile(shop, scope)


def commission_lines_reconcile(*, shop: Shop) -> int:
    """Recompute expected amounts, differences and reasons of every commission line of the shop, for when the
    plan terms or the shop's talents change (the lines themselves are unchanged). Returns the rows written."""
    with transaction.atomic(), _without_jit():
        return _lines_reconcile(shop, None)


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
    updated = 0
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
    return updated

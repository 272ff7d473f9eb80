"""Reconciliation of the 私域激励 fee reduction: what the rules expect per order against what the platform granted.

- Expected: the sum of the order's accruals (``incentives.models.Accrual``, every row written: accruals, reversals,
  adjustments) under rule-set versions whose reward form is the service-fee reduction. Growth cards never show in
  the platform's fund flow, so they are not reconciled here.
- Actual: the synced fund flow (``incentives.models.OrderFlow``): ``original_platform_commission_fen −
  platform_commission_fen``.
- An order differs when the two are not equal; its reason, in this order: no fund flow synced (accruals but no
  flow row), not settled yet (the flow is not settled: the platform decides the reduction at settlement), waiting
  for the evaluation (the order is queued, due: stored by the sync since the last hourly run), within the after-sale
  period (queued, due when the period of its version ends: the platform reduces at settlement, the rules only once
  the period is over), not reduced by the platform (expected > 0, actual 0), held by the rules (expected 0,
  actual ≠ 0, and an after-sale of the order is open by ``shopops.selectors.orders.AFTERSALE_NOT_OPEN``: the
  evaluation waits for it, so the order is not final for the rules — a merchant's rejection counts as open there;
  the platform, and the emulator, settle an order only once every after-sale has ended, so this marks a settlement
  the platform made early), reduced but not eligible by the rules (expected 0, actual ≠ 0), amount differs (both
  non-zero).
- Month: the Beijing month of settlement (the flow's ``mch_settle_time``, else the order's ``settle_time``); an
  order never settled has no month.

Set-based: one SQL statement (a UNION ALL of the accruals and the flows grouped by order id) under every read, so
a page, its count and the month summary are a fixed number of queries whatever the number of orders.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incentives.models import Accrual, OrderFlow, QueuedOrder, RewardForm, RuleSet
from incentives.models.flows import SettleState
from shopops.models import AfterSale, Order, Shop
from shopops.selectors.orders import AFTERSALE_NOT_OPEN


class Reason:
    NO_FLOW = "no_flow"
    NOT_SETTLED = "not_settled"
    QUEUED = "queued"
    PERIOD = "period"
    NOT_REDUCED = "not_reduced"
    NOT_ELIGIBLE = "not_eligible"
    HELD = "held"
    AMOUNT = "amount"

    LABELS = {
        NO_FLOW: _("No fund flow synced"),
        NOT_SETTLED: _("Not settled yet"),
        QUEUED: _("Waiting for the hourly evaluation"),
        PERIOD: _("After-sale period not over"),
        NOT_REDUCED: _("Not reduced by the platform"),
        NOT_ELIGIBLE: _("Reduced but not eligible by the rules"),
        HELD: _("Held by the rules: an after-sale is still open"),
        AMOUNT: _("Amount differs"),
    }
    CHOICES = list(LABELS.items())


@dataclass(frozen=True)
class Difference:
    order_id: str
    month: date | None
    expected_fen: int
    actual_fen: int
    reason: str

    @property
    def difference_fen(self) -> int:
        return self.actual_fen - self.expected_fen

    @property
    def reason_label(self):
        return Reason.LABELS[self.reason]


@dataclass(frozen=True)
class MonthSummary:
    month: date | None
    orders: int  # orders with an expected or an actual reduction
    expected_fen: int
    actual_fen: int
    differing: int  # orders whose expected and actual differ

    @property
    def difference_fen(self) -> int:
        return self.actual_fen - self.expected_fen


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _month(column: str) -> tuple[str, list]:
    """The first day of the Beijing month of ``column`` (a date on PostgreSQL, ``YYYY-MM-DD`` text on SQLite)."""
    expr, params = connection.ops.datetime_trunc_sql("month", column, (), settings.TIME_ZONE)
    if connection.vendor == "postgresql":
        return f"CAST({expr} AS date)", list(params)
    return f"SUBSTR({expr}, 1, 10)", list(params)


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _now():
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _recon_sql(shop: Shop) -> tuple[str, list]:
    """``recon(order_id, month, expected_fen, actual_fen, reason)``: one row per order with an accrual of a
    fee-reduction version or a synced flow; ``reason`` is NULL when the two agree."""
    settled = "COALESCE(MAX(u.flow_settled_at), MAX(o.settle_time))"
    month, month_params = _month(settled)
    sql = f"""
        WITH u AS (
            SELECT a.order_id AS order_id, a.amount_fen AS expected_fen, 0 AS actual_fen, 0 AS has_flow,
                   NULL AS settle_state, NULL AS flow_settled_at
            FROM {_table(Accrual)} a JOIN {_table(RuleSet)} r ON r.id = a.ruleset_id
            WHERE a.shop_id = %s AND r.shop_id = %s AND r.reward_form = %s
            UNION ALL
            SELECT f.order_id, 0, f.original_platform_commission_fen - f.platform_commission_fen, 1,
                   f.settle_state, f.mch_settle_time
            FROM {_table(OrderFlow)} f WHERE f.shop_id = %s
        ),
        queued AS (
            SELECT order_id, MIN(CASE WHEN due_at IS NULL OR due_at <= %s THEN 0 ELSE 1 END) AS later
            FROM {_table(QueuedOrder)} WHERE shop_id = %s GROUP BY order_id
        ),
        g AS (
            SELECT u.order_id AS order_id, {month} AS month, SUM(u.expected_fen) AS expected_fen,
                   SUM(u.actual_fen) AS actual_fen, MAX(u.has_flow) AS has_flow, MAX(u.settle_state) AS settle_state,
                   MAX(CASE WHEN EXISTS (
                       SELECT 1 FROM {_table(AfterSale)} s WHERE s.shop_id = %s AND s.order_id = u.order_id
                       AND s.status NOT IN ({", ".join(["%s"] * len(AFTERSALE_NOT_OPEN))})
                   ) THEN 1 ELSE 0 END) AS held, MAX(q.later) AS queued_later
            FROM u LEFT JOIN {_table(Order)} o ON o.shop_id = %s AND o.order_id = u.order_id
            LEFT JOIN queued q ON q.order_id = u.order_id
            GROUP BY u.order_id
        ),
        recon AS (
            SELECT order_id, month, expected_fen, actual_fen,
                   CASE WHEN expected_fen = actual_fen THEN NULL
                        WHEN has_flow = 0 THEN %s
                        WHEN settle_state <> %s THEN %s
                        WHEN queued_later = 0 THEN %s
                        WHEN queued_later = 1 THEN %s
                        WHEN actual_fen = 0 THEN %s
                        WHEN expected_fen = 0 AND held = 1 THEN %s
                        WHEN expected_fen = 0 THEN %s
                        ELSE %s END AS reason
            FROM g
        )
    """
    params = [shop.pk, shop.pk, RewardForm.FEE_REDUCTION.value, shop.pk, _now(), shop.pk, *month_params]
    params += [shop.pk, *sorted(AFTERSALE_NOT_OPEN), shop.pk]
    params += [Reason.NO_FLOW, SettleState.SETTLED.value, Reason.NOT_SETTLED, Reason.QUEUED, Reason.PERIOD]
    params += [Reason.NOT_REDUCED, Reason.HELD]
    params += [Reason.NOT_ELIGIBLE, Reason.AMOUNT]
    return sql, params


def reconciliation_months(shop: Shop) -> list[MonthSummary]:
    """Per Beijing month of settlement, newest first (orders never settled last, month None): the orders with an
    expected or actual reduction, their sums and how many differ. One query."""
    sql, params = _recon_sql(shop)
    sql += """
        SELECT month, COUNT(*), SUM(expected_fen), SUM(actual_fen),
               SUM(CASE WHEN reason IS NULL THEN 0 ELSE 1 END)
        FROM recon WHERE expected_fen <> 0 OR actual_fen <> 0
        GROUP BY month ORDER BY CASE WHEN month IS NULL THEN 1 ELSE 0 END, month DESC
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        MonthSummary(month=_as_date(m), orders=n, expected_fen=int(e or 0), actual_fen=int(a or 0), differing=int(d))
        for m, n, e, a, d in rows
    ]


class Differences:
    """The differing orders (newest month first, then order id), optionally of one reason and one month, as a
    sequence a ``Paginator`` pages: ``count()`` is one query, a slice is one query."""

    def __init__(self, shop: Shop, *, reason: str = "", month: date | None = None):
        self.shop, self.reason, self.month = shop, reason, month

    def _where(self) -> tuple[str, list]:
        where, params = ["reason IS NOT NULL"], []
        if self.reason:
            where.append("reason = %s")
            params.append(self.reason)
        if self.month is not None:
            where.append("month = %s")
            params.append(self.month if connection.vendor == "postgresql" else self.month.isoformat())
        return " AND ".join(where), params

    def count(self) -> int:
        sql, params = _recon_sql(self.shop)
        where, where_params = self._where()
        with connection.cursor() as cursor:
            cursor.execute(sql + f" SELECT COUNT(*) FROM recon WHERE {where}", params + where_params)
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        sql, params = _recon_sql(self.shop)
        where, where_params = self._where()
        sql += f"""
            SELECT order_id, month, expected_fen, actual_fen, reason FROM recon WHERE {where}
            ORDER BY CASE WHEN month IS NULL THEN 1 ELSE 0 END, month DESC, order_id
        """
        params += where_params
        if stop is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [stop - start, start]
        elif start:
            sql += " LIMIT -1 OFFSET %s" if connection.vendor != "postgresql" else " OFFSET %s"
            params.append(start)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [
            Difference(order_id=o, month=_as_date(m), expected_fen=int(e), actual_fen=int(a), reason=r)
            for o, m, e, a, r in rows
        ]


def reconciliation_differences(shop: Shop, *, reason: str = "", month: date | None = None) -> Differences:
    return Differences(shop, reason=reason, month=month)

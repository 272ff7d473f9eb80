"""WeCom staff rewards: schemes, their set-based evaluation into rewards, posting to the ledger, and payouts.

What a staff member earns (``incentives.models.staff`` states the scheme and the attribution):

- An order's lines forwarded by a member (channel ``wecom_forward``, ``content_id`` = the member's userid) count
  under the version of each programme in force at the order's pay time.
- They are final when the order is settled (``Order.settle_time``; the platform settles after the after-sale
  period), is not cancelled (status 200/250) and no after-sale of the order is open. Until then nothing is decided.
- Settled GMV of a member on an order: per SKU, what the buyer paid less the refunds that reached the buyer
  (``AFTERSALE_REFUNDED``), never below 0, summed over the member's SKUs.
- Amount: ``gmv_share`` → floor(settled GMV × rate_ppm / 1,000,000), rounded once per order and member (the rule of
  ``shopops.money.commission_fen``, as integer division of non-negative integers in SQL);
  ``fixed_per_order`` → ``fixed_fen`` once per order, to the member with the most settled GMV in it.

Rewards are differences, as in ``incentives.services.evaluation``: the target is compared with what the member has
earned on the order under the version so far, and a row is written for each difference: the first (``accrual``)
booked on the Beijing day of settlement, later ones (``reversal`` when negative, ``adjustment`` otherwise) on the
evaluation's day. A refund after the accrual lowers the target; a cancellation makes it 0. Key:
``<order id>:<userid>:<programme>@<version>:<step>``, the step counted per order and version; the same facts give
no difference, so running the evaluation again writes nothing.

Posting: one balanced journal per order, version and step (``staff_reward:<order id>:<programme>@<version>:<step>``):
debit ``staff_reward_expense``, credit ``staff_reward_payable:<userid>`` (signs flipped for a reversal).
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incentives.models import StaffMember, StaffPayout, StaffReward, StaffRewardBasis, StaffRewardScheme
from incentives.selectors.ledger import balance
from incentives.selectors.rules import ruleset_segments
from incentives.services.evaluation import (
    BATCH_SETTINGS,
    CANCELLED,
    _final_day,
    _in,
    _rowcount,
    _shop_lock,
    _table,
    _ts,
    _values,
)
from incentives.services.ledger import JournalSpec, post_journal, post_journals_bulk
from shopops.channels import CONTENT_WECOM_MEMBER_FORWARD, Channel
from shopops.db import pg_settings
from shopops.models import AfterSale, Order, OrderLine, Shop
from shopops.money import PPM, format_yuan
from shopops.selectors.orders import AFTERSALE_NOT_OPEN, AFTERSALE_REFUNDED

JOURNAL_KIND = "staff_reward"
PAYOUT_KIND = "staff_reward_payout"
EXPENSE = "staff_reward_expense"
PAID = "staff_reward_paid"

SCHEME_FIELDS = ("name", "basis", "rate_ppm", "fixed_fen", "valid_from", "valid_until", "note")


def payable_code(userid: str) -> str:
    return f"staff_reward_payable:{userid}"


def reward_journal_key(order_id: str, label: str, step: int) -> str:
    return f"staff_reward:{order_id}:{label}:{step}"


# --- schemes ---------------------------------------------------------------------------------------------------------


def _check(fields: dict) -> None:
    """Field-level refusals of a scheme's fields, all at once."""
    errors = {}
    if not (fields.get("name") or "").strip():
        errors["name"] = ValidationError(_("Give the scheme a name."), code="name")
    basis = fields.get("basis")
    if basis not in StaffRewardBasis.values:
        errors["basis"] = ValidationError(_("Choose how the reward is computed."), code="basis")
    rate, fixed = fields.get("rate_ppm") or 0, fields.get("fixed_fen") or 0
    if basis == StaffRewardBasis.GMV_SHARE and not 0 < rate <= PPM:
        errors["rate_ppm"] = ValidationError(_("The share is more than 0% and at most 100%."), code="rate")
    if basis == StaffRewardBasis.FIXED_PER_ORDER and fixed <= 0:
        errors["fixed_fen"] = ValidationError(_("The amount per order is more than ¥0."), code="fixed")
    if rate < 0 or fixed < 0:
        errors.setdefault("rate_ppm" if rate < 0 else "fixed_fen", ValidationError(
            _("An amount cannot be negative."), code="negative"))  # fmt: skip
    if fields.get("valid_from") is None:
        errors["valid_from"] = ValidationError(_("Say from when the scheme applies."), code="required")
    elif fields.get("valid_until") is not None and fields["valid_until"] <= fields["valid_from"]:
        errors["valid_until"] = ValidationError(_("A version must end after it starts."), code="period")
    if errors:
        raise ValidationError(errors)


def _normalised(fields: dict) -> dict:
    """The basis that is not chosen is stored as 0, so a version says one thing."""
    fields = dict(fields)
    if fields.get("basis") == StaffRewardBasis.GMV_SHARE:
        fields["fixed_fen"] = 0
    elif fields.get("basis") == StaffRewardBasis.FIXED_PER_ORDER:
        fields["rate_ppm"] = 0
    fields["rate_ppm"] = fields.get("rate_ppm") or 0
    fields["fixed_fen"] = fields.get("fixed_fen") or 0
    fields["note"] = fields.get("note") or ""
    return fields


def _unknown(changes: dict) -> None:
    unknown = set(changes) - set(SCHEME_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be set: %(fields)s"), code="field",
                              params={"fields": ", ".join(sorted(unknown))})  # fmt: skip


def staff_scheme_create(*, shop: Shop, user=None, **fields) -> StaffRewardScheme:
    """A new programme, version 1. Refusals are field-level ValidationErrors (codes ``name``, ``basis``, ``rate``,
    ``fixed``, ``negative``, ``required``, ``period``; ``field`` for an unknown field); nothing is written then."""
    _unknown(fields)
    fields = _normalised(fields)
    _check(fields)
    return StaffRewardScheme.objects.create(
        shop=shop, code=f"staff-{uuid.uuid4().hex[:8]}", version=1, created_by=user, **fields
    )


def staff_scheme_is_used(scheme: StaffRewardScheme) -> bool:
    return StaffReward.objects.filter(scheme=scheme).exists()


def staff_scheme_update(*, scheme: StaffRewardScheme, **changes) -> StaffRewardScheme:
    """Edit a version that has earned nothing yet. A version with rewards is refused (code ``used``): write a new
    version instead."""
    _unknown(changes)
    with transaction.atomic():
        locked = StaffRewardScheme.objects.select_for_update().get(pk=scheme.pk)
        if staff_scheme_is_used(locked):
            raise ValidationError(
                _("This version has already earned rewards: create a new version instead."), code="used"
            )
        fields = _normalised({name: getattr(locked, name) for name in SCHEME_FIELDS} | changes)
        _check(fields)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    return locked


def staff_scheme_new_version(*, scheme: StaffRewardScheme, user=None, **changes) -> StaffRewardScheme:
    """A new version of ``scheme``'s programme: its fields with ``changes`` applied, numbered one above the
    programme's highest version. Older versions stay as they are; the new one supersedes them for orders paid from
    its ``valid_from``, and the evaluation moves what the older version earned on those orders to the new one."""
    _unknown(changes)
    fields = _normalised({name: getattr(scheme, name) for name in SCHEME_FIELDS} | changes)
    _check(fields)
    with transaction.atomic():
        versions = list(
            StaffRewardScheme.objects.select_for_update()
            .filter(shop_id=scheme.shop_id, code=scheme.code)
            .order_by("version")
        )
        return StaffRewardScheme.objects.create(
            shop_id=scheme.shop_id, code=scheme.code, version=versions[-1].version + 1, supersedes=scheme,
            created_by=user, **fields,
        )  # fmt: skip


# --- evaluation ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffEvaluationResult:
    written: int  # reward rows written
    amount_fen: int  # their sum
    posted: int  # journals posted


class _Versioned:
    """A scheme seen through ``ruleset_segments`` (which reads ``code``, ``version``, ``valid_from``, ``valid_to``)."""

    def __init__(self, scheme: StaffRewardScheme):
        self.scheme, self.pk, self.code, self.version = scheme, scheme.pk, scheme.code, scheme.version
        self.valid_from, self.valid_to = scheme.valid_from, scheme.valid_until


def _target_sql(shop: Shop, as_of: datetime, schemes: list[StaffRewardScheme]) -> tuple[str, list]:
    """``WITH`` clauses ending in ``target``: per final order, member and version, the settled GMV and the amount
    earned in total (see the module docstring)."""
    segments = ruleset_segments(shop, [_Versioned(s) for s in schemes])
    if segments:
        seg_rows = [(s.ruleset.pk, _ts(s.starts), _ts(s.ends)) for s in segments]
    else:  # a row that matches no order keeps the statement's shape
        seg_rows = [(0, _ts(as_of), _ts(as_of))]
    seg_cte, seg_params = _values("seg", [("sid", "int"), ("starts", "ts"), ("ends", "ts")], seg_rows)
    scheme_rows = [(s.pk, s.basis, s.rate_ppm, s.fixed_fen) for s in schemes] or [(0, "", 0, 0)]
    scheme_cte, scheme_params = _values(
        "scheme", [("sid", "int"), ("basis", "text"), ("rate", "int"), ("fixed", "int")], scheme_rows
    )
    not_open, not_open_params = _in(AFTERSALE_NOT_OPEN)
    refunded, refunded_params = _in(AFTERSALE_REFUNDED)
    cancelled, cancelled_params = _in(CANCELLED)
    line, order, aftersale = _table(OrderLine), _table(Order), _table(AfterSale)
    query = f"""
        WITH {seg_cte}, {scheme_cte},
        skus AS (
            SELECT o.order_id, o.settle_time, l.sku_id, seg.sid, MAX(l.content_id) AS uid,
                   CAST(SUM(l.real_price_fen) AS bigint) AS paid
            FROM {line} l
            JOIN {order} o ON o.id = l.order_id
            JOIN seg ON o.pay_time >= seg.starts AND (seg.ends IS NULL OR o.pay_time < seg.ends)
            WHERE l.shop_id = %s AND o.shop_id = %s AND l.channel = %s AND l.content_type = %s
              AND l.content_id <> '' AND o.status NOT IN {cancelled}
              AND o.settle_time IS NOT NULL AND o.settle_time <= %s
              AND NOT EXISTS (SELECT 1 FROM {aftersale} a
                              WHERE a.shop_id = %s AND a.order_id = o.order_id AND a.status NOT IN {not_open})
            GROUP BY o.order_id, o.settle_time, l.sku_id, seg.sid
        ),
        refunds AS (
            SELECT order_id, sku_id, CAST(SUM(refund_amount_fen) AS bigint) AS fen FROM {aftersale}
            WHERE shop_id = %s AND sku_id <> '' AND status IN {refunded}
            GROUP BY order_id, sku_id
        ),
        based AS (
            SELECT x.order_id, x.uid, x.sid, MAX(x.settle_time) AS settle_time,
                   CAST(SUM(CASE WHEN x.paid > COALESCE(f.fen, 0) THEN x.paid - COALESCE(f.fen, 0) ELSE 0 END)
                        AS bigint) AS basis
            FROM skus x LEFT JOIN refunds f ON f.order_id = x.order_id AND f.sku_id = x.sku_id
            GROUP BY x.order_id, x.uid, x.sid
        ),
        ranked AS (
            SELECT b.*, ROW_NUMBER() OVER (PARTITION BY b.order_id, b.sid ORDER BY b.basis DESC, b.uid) AS rn
            FROM based b
        ),
        target AS (
            SELECT r.order_id, r.uid, r.sid, r.basis, r.settle_time,
                   CAST(CASE WHEN s.basis = %s THEN r.basis * s.rate / {PPM}
                             WHEN r.rn = 1 AND r.basis > 0 THEN s.fixed ELSE 0 END AS bigint) AS amount
            FROM ranked r JOIN scheme s ON s.sid = r.sid
        )
    """
    params = [
        *seg_params, *scheme_params, shop.pk, shop.pk, Channel.WECOM_FORWARD.value, CONTENT_WECOM_MEMBER_FORWARD,
        *cancelled_params, _ts(as_of), shop.pk, *not_open_params, shop.pk, *refunded_params,
        StaffRewardBasis.GMV_SHARE.value,
    ]  # fmt: skip
    return query, params


def _delta_insert_sql(shop: Shop, as_of: datetime, schemes: list[StaffRewardScheme]) -> tuple[str, list]:
    target_sql, target_params = _target_sql(shop, as_of, schemes)
    ver_rows = [(s.pk, s.label) for s in schemes] or [(0, "")]
    ver_cte, ver_params = _values("ver", [("sid", "int"), ("label", "text")], ver_rows)
    not_open, not_open_params = _in(AFTERSALE_NOT_OPEN)
    reward, aftersale = _table(StaffReward), _table(AfterSale)
    final_day, final_day_params = _final_day("d.settle_time", "0")
    key = connection.ops.quote_name("key")
    today = connection.ops.adapt_datefield_value(timezone.localdate(as_of))
    query = f"""
        {target_sql},
        {ver_cte},
        accrued AS (
            SELECT a.order_id, a.userid AS uid, a.scheme_id AS sid, SUM(a.amount_fen) AS amount
            FROM {reward} a
            WHERE a.shop_id = %s AND NOT EXISTS (
                SELECT 1 FROM {aftersale} x
                WHERE x.shop_id = %s AND x.order_id = a.order_id AND x.status NOT IN {not_open})
            GROUP BY a.order_id, a.userid, a.scheme_id
        ),
        delta AS (
            SELECT order_id, uid, sid, CAST(SUM(amount) AS bigint) AS amount, MAX(basis) AS basis,
                   MAX(settle_time) AS settle_time
            FROM (
                SELECT order_id, uid, sid, amount, basis, settle_time FROM target
                UNION ALL
                SELECT order_id, uid, sid, -amount, 0, NULL FROM accrued
            ) u
            GROUP BY order_id, uid, sid
            HAVING SUM(amount) <> 0
        ),
        steps AS (
            SELECT order_id, scheme_id AS sid, MAX(step) AS step FROM {reward} WHERE shop_id = %s
            GROUP BY order_id, scheme_id
        ),
        described AS (
            SELECT d.*, COALESCE(st.step, 0) + 1 AS step, v.label,
                   CASE WHEN st.step IS NULL THEN {final_day} ELSE %s END AS booked_on,
                   CASE WHEN st.step IS NULL THEN 'accrual' WHEN d.amount < 0 THEN 'reversal'
                        ELSE 'adjustment' END AS kind
            FROM delta d
            JOIN ver v ON v.sid = d.sid
            LEFT JOIN steps st ON st.order_id = d.order_id AND st.sid = d.sid
        )
        INSERT INTO {reward} (shop_id, {key}, scheme_id, order_id, userid, step, kind, basis_fen, amount_fen,
                              booked_on, created_at)
        SELECT %s, d.order_id || ':' || d.uid || ':' || d.label || ':' || CAST(d.step AS text), d.sid, d.order_id,
               d.uid, d.step, d.kind, d.basis, d.amount, d.booked_on, %s
        FROM described d
        WHERE TRUE
        ON CONFLICT (shop_id, {key}) DO NOTHING
    """
    params = [
        *target_params, *ver_params, shop.pk, shop.pk, *not_open_params, shop.pk, *final_day_params, today, shop.pk,
        _ts(timezone.now()),
    ]  # fmt: skip
    return query, params


def staff_rewards_evaluate(*, shop: Shop, as_of: datetime | None = None, post: bool = True) -> StaffEvaluationResult:
    """Evaluate the shop's staff reward schemes over its synced orders at ``as_of`` (default now), write the rewards
    that change what members earn (module docstring), name the new members, and post to the ledger (``post``).
    One INSERT … SELECT whatever the number of orders. Idempotent: the same facts write nothing. Never refuses; a
    shop without schemes earns nothing (and what it earned under a scheme it no longer has stays)."""
    as_of = as_of or timezone.now()
    schemes = list(StaffRewardScheme.objects.for_shop(shop))
    with transaction.atomic(), pg_settings(BATCH_SETTINGS):
        _shop_lock(shop)  # one evaluation of a shop at a time, shared with the incentive evaluation
        before = StaffReward.objects.for_shop(shop).aggregate(last=Max("pk"))["last"] or 0
        written = 0
        if schemes or StaffReward.objects.for_shop(shop).exists():
            with connection.cursor() as cursor:
                cursor.execute(*_delta_insert_sql(shop, as_of, schemes))
                written = _rowcount(cursor)
        new = StaffReward.objects.for_shop(shop).filter(pk__gt=before)
        amount = new.aggregate(total=Sum("amount_fen"))["total"] or 0
        if written:
            StaffMember.objects.bulk_create(
                [StaffMember(shop=shop, userid=uid) for uid in new.values_list("userid", flat=True).distinct()],
                ignore_conflicts=True,
            )
        posted = staff_rewards_post(shop=shop) if post else 0
    return StaffEvaluationResult(written=written, amount_fen=amount, posted=posted)


def staff_rewards_post(*, shop: Shop) -> int:
    """Post the shop's unposted rewards, one journal per order, version and step, and mark them posted. Journal keys
    are the rewards' own, so posting twice posts nothing new. Returns the journals posted."""
    rewards = StaffReward.objects.for_shop(shop).filter(posted_at__isnull=True)
    labels = {s.pk: s.label for s in StaffRewardScheme.objects.for_shop(shop).only("code", "version")}
    rows = (
        rewards.values("order_id", "scheme_id", "step", "booked_on", "userid")
        .annotate(amount=Sum("amount_fen"), last=Max("pk"))
        .order_by("booked_on", "order_id", "scheme_id", "step", "userid")
    )
    journals: dict[tuple, dict] = {}
    last = 0
    for row in rows.iterator(chunk_size=10_000):
        last = max(last, row["last"])
        journal = journals.setdefault(
            (row["order_id"], row["scheme_id"], row["step"]),
            {"booked_on": row["booked_on"], "entries": defaultdict(int)},
        )
        journal["entries"][EXPENSE] += row["amount"]
        journal["entries"][payable_code(row["userid"])] -= row["amount"]
    specs = []
    for (order_id, scheme_id, step), journal in journals.items():
        entries = [(code, fen) for code, fen in sorted(journal["entries"].items()) if fen]
        if not entries:
            continue
        label = labels[scheme_id]
        specs.append(
            JournalSpec(
                key=reward_journal_key(order_id, label, step),
                kind=JOURNAL_KIND,
                booked_on=journal["booked_on"],
                entries=entries,
                memo=f"{order_id} {label}",
            )
        )
    if not last:
        return 0
    with transaction.atomic():
        posted = post_journals_bulk(shop=shop, journals=specs) if specs else 0
        rewards.filter(pk__lte=last).update(posted_at=timezone.now())
    return posted


# --- payouts ---------------------------------------------------------------------------------------------------------


def staff_owed_fen(shop: Shop, userid: str) -> int:
    """What the shop owes the member now: the credit balance of their payable account, in fen."""
    return -balance(shop, payable_code(userid))


def staff_reward_payout(
    *, member: StaffMember, amount_fen: int, key: str, user=None, paid_on: date | None = None, note: str = ""
) -> StaffPayout:
    """Record a payment of ``amount_fen`` to ``member`` and post it: debit ``staff_reward_payable:<userid>``, credit
    ``staff_reward_paid``, booked on ``paid_on`` (default today, Beijing). ``key`` is the request's idempotency
    key: the same key again returns the payout it made (a different member or amount under it: code ``key``).
    Refused, with nothing written: an amount not above 0 (code ``amount``), more than the member is owed (code
    ``over_balance``)."""
    shop = member.shop
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError({"amount_fen": ValidationError(_("The amount is more than ¥0."), code="amount")})
    paid_on = paid_on or timezone.localdate()
    with transaction.atomic():
        _shop_lock(shop)  # serialises with evaluations and other payouts: the balance read below stays true
        existing = StaffPayout.objects.for_shop(shop).filter(key=key).first()
        if existing is not None:
            if existing.member_id != member.pk or existing.amount_fen != amount_fen:
                raise ValidationError(_("This payout was already recorded with other details."), code="key")
            return existing
        owed = staff_owed_fen(shop, member.userid)
        if amount_fen > owed:
            raise ValidationError(
                {"amount_fen": ValidationError(
                    _("%(name)s is owed %(owed)s; a payout cannot be more."), code="over_balance",
                    params={"name": member.label, "owed": format_yuan(owed)},
                )}
            )  # fmt: skip
        journal_key = f"staff_payout:{key}"
        post_journal(
            shop=shop, key=journal_key, kind=PAYOUT_KIND, booked_on=paid_on,
            entries=[(payable_code(member.userid), amount_fen), (PAID, -amount_fen)],
            memo=f"{member.userid} {note}".strip()[:500],
        )  # fmt: skip
        return StaffPayout.objects.create(
            shop=shop, key=key, member=member, amount_fen=amount_fen, paid_on=paid_on, note=note,
            journal_key=journal_key, created_by=user,
        )  # fmt: skip


def staff_member_update(*, member: StaffMember, display_name: str, active: bool) -> StaffMember:
    """Name a member and mark them active or not (inactive members still earn: the platform attributed the sale)."""
    member.display_name = display_name.strip()[:100]
    member.active = active
    member.save(update_fields=["display_name", "active"])
    return member

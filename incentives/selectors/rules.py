"""Reads of incentive rule sets: which version is in force when, and the month's forecast.

``ruleset_segments`` turns a shop's versions into non-overlapping pay-time intervals, one version each: for every
instant, the highest version of each programme whose validity holds it. The evaluation joins order lines to these
intervals, so choosing the version is one range join in SQL whatever the number of versions.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from incentives.models import Accrual, RuleSet
from shopops.channels import Channel
from shopops.models import Shop


@dataclass(frozen=True)
class Segment:
    """Orders paid in [starts, ends) (``ends`` None: open) are evaluated under ``ruleset``."""

    ruleset: RuleSet
    starts: datetime
    ends: datetime | None


def rulesets_for_shop(shop: Shop):
    return RuleSet.objects.for_shop(shop).prefetch_related("sources").order_by("code", "-version")


def ruleset_get_for_shop_or_404(shop: Shop, pk: int) -> RuleSet:
    return get_object_or_404(RuleSet.objects.for_shop(shop), pk=pk)


def ruleset_segments(shop: Shop, versions: list[RuleSet] | None = None) -> list[Segment]:
    """The shop's versions as pay-time segments, per programme: each elementary interval between two validity
    bounds belongs to the highest version covering it; neighbouring intervals of the same version are merged."""
    if versions is None:
        versions = list(RuleSet.objects.for_shop(shop).prefetch_related("sources"))
    segments: list[Segment] = []
    for code in sorted({v.code for v in versions}):
        mine = [v for v in versions if v.code == code]
        bounds = sorted({v.valid_from for v in mine} | {v.valid_to for v in mine if v.valid_to is not None})
        edges: list[tuple[datetime, datetime | None]] = list(zip(bounds, [*bounds[1:], None], strict=True))
        for starts, ends in edges:
            covering = [v for v in mine if v.valid_from <= starts and _covers_end(v, ends)]
            if not covering:
                continue
            best = max(covering, key=lambda v: v.version)
            if segments and segments[-1].ruleset.pk == best.pk and segments[-1].ends == starts:
                segments[-1] = Segment(best, segments[-1].starts, ends)
            else:
                segments.append(Segment(best, starts, ends))
    return segments


def _covers_end(version: RuleSet, ends: datetime | None) -> bool:
    return version.valid_to is None or (ends is not None and ends <= version.valid_to)


def ruleset_in_force(shop: Shop, code: str, at: datetime) -> RuleSet | None:
    """The version of programme ``code`` that an order paid at ``at`` is evaluated under, or None."""
    for segment in ruleset_segments(shop, list(RuleSet.objects.for_shop(shop).filter(code=code))):
        if segment.starts <= at and (segment.ends is None or at < segment.ends):
            return segment.ruleset
    return None


# --- forecast --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRow:
    """One channel, or one linked account (``key`` = account id, ``label`` = its nickname), of the forecast."""

    key: str
    label: str
    accrued_fen: int
    pending_fen: int

    @property
    def total_fen(self) -> int:
        return self.accrued_fen + self.pending_fen


@dataclass(frozen=True)
class Forecast:
    month: date  # its first day
    accrued_fen: int
    pending_fen: int
    by_channel: list[ForecastRow]
    by_account: list[ForecastRow]

    @property
    def total_fen(self) -> int:
        return self.accrued_fen + self.pending_fen


def incentive_forecast(shop: Shop, *, as_of: datetime | None = None) -> Forecast:
    """This month's expected rebate (the Beijing month of ``as_of``, default now) and who earns it.

    - accrued: the accruals booked in the month (reversals included), as the evaluation wrote them;
    - pending: what the eligible lines of paid, uncancelled orders with no accrual yet would earn on today's
      refunds, under the version in force at their pay time, capped per order (by the predicted fee while the order
      has no actual one). They are expected to qualify when their orders settle; month caps are not applied.

    By channel (``shopops.channels.Channel``) and by linked account (the line's account id and nickname); each list
    sorted by total, largest first. Never refuses; a shop without rule sets forecasts 0.
    """
    from incentives.services.evaluation import targets_sql  # the evaluation's own SQL: the same rules

    as_of = as_of or timezone.now()
    today = timezone.localdate(as_of)
    month = today.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    accrued = (
        Accrual.objects.for_shop(shop)
        .filter(booked_on__gte=month, booked_on__lt=next_month)
        .values("channel", "account_id", "account_nickname")
        .annotate(fen=Sum("amount_fen"))
    )
    cells: dict[tuple[str, str, str], list[int]] = {}
    for row in accrued:
        cells.setdefault((row["channel"], row["account_id"], row["account_nickname"]), [0, 0])[0] += row["fen"]
    versions = list(RuleSet.objects.for_shop(shop).prefetch_related("sources"))
    targets = targets_sql(shop, as_of, versions, pending=True)
    if targets is not None:
        query, params = targets
        with connection.cursor() as cursor:
            cursor.execute(
                f"""{query}
                SELECT channel, account_id, account_nickname, SUM(amount) FROM target
                GROUP BY channel, account_id, account_nickname""",
                params,
            )
            for channel, account_id, nickname, fen in cursor.fetchall():
                cells.setdefault((channel, account_id, nickname), [0, 0])[1] += int(fen)
    by_channel: dict[str, list[int]] = {}
    by_account: dict[tuple[str, str], list[int]] = {}
    for (channel, account_id, nickname), (acc, pend) in cells.items():
        for bucket, key in ((by_channel, channel), (by_account, (account_id, nickname))):
            sums = bucket.setdefault(key, [0, 0])
            sums[0] += acc
            sums[1] += pend
    labels = dict(Channel.choices)
    channel_rows = [ForecastRow(c, str(labels.get(c, c)), a, p) for c, (a, p) in by_channel.items()]
    account_rows = [ForecastRow(i, n, a, p) for (i, n), (a, p) in by_account.items()]
    order = lambda row: (-row.total_fen, row.key, row.label)  # noqa: E731
    return Forecast(
        month=month,
        accrued_fen=sum(a for a, _p in cells.values()),
        pending_fen=sum(p for _a, p in cells.values()),
        by_channel=sorted(channel_rows, key=order),
        by_account=sorted(account_rows, key=order),
    )

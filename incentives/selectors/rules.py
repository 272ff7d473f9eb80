"""Reads of incentive rule sets: which version is in force when, and the month's forecast.

``ruleset_segments`` turns a shop's versions into non-overlapping pay-time intervals, one version each: for every
instant, the highest version of each programme whose validity holds it. The evaluation joins order lines to these
intervals, so choosing the version is one range join in SQL whatever the number of versions.
"""

from dataclasses import dataclass
from datetime import datetime

from incentives.models import RuleSet
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
    from django.shortcuts import get_object_or_404

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

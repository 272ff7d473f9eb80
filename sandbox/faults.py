"""Faults on demand, per appid. Random decisions depend only on (seed, call number) — never on the wall clock or
the global RNG — so two runs with the same settings inject the same faults at the same call numbers.

Business calls only (token endpoints are exempt from every fault here: a client must always be able to get a
token; invalidate/expire act on tokens directly). For call number n (counted from the last configuration):
1. slow: sleep ``slow_seconds`` first (with probability ``slow_rate``), then carry on;
2. HTTP 502/503 with an nginx HTML body (``http5xx_rate``);
3. ``{"errcode": -1, "errmsg": "system error rid: …"}`` (``busy_rate``);
4. 45011 while the rate-limit burst lasts (each such answer uses one of the N);
5. 45009 while the daily quota is marked exhausted.
The first that applies wins. Pushes: each event is delivered twice with ``duplicate_push_rate`` (decided per event
number), and with ``reorder_pushes`` every batch of due deliveries is shuffled (seeded per batch number).
"""

import random
from dataclasses import dataclass

from django.db import transaction

from sandbox.models import Account, FaultSettings

FIELDS = (
    "busy_rate",
    "http5xx_rate",
    "slow_rate",
    "slow_seconds",
    "rate_limit_remaining",
    "quota_exhausted",
    "duplicate_push_rate",
    "reorder_pushes",
    "seed",
)


@dataclass
class Decision:
    kind: str  # "slow", "http5xx", "busy", "rate_limit" or "quota"
    slow_seconds: float = 0
    http_status: int = 0
    errcode: int = 0


def is_active(settings: FaultSettings) -> bool:
    return bool(
        settings.busy_rate
        or settings.http5xx_rate
        or settings.slow_rate
        or settings.rate_limit_remaining
        or settings.quota_exhausted
    )


def _settings(account: Account) -> FaultSettings | None:
    try:
        return account.faults
    except FaultSettings.DoesNotExist:
        return None


def decide(account: Account) -> Decision | None:
    """Count this business call and decide its fault, if any."""
    settings = _settings(account)
    if settings is None or not is_active(settings):
        return None
    with transaction.atomic():
        row = FaultSettings.objects.select_for_update().get(pk=settings.pk)
        row.call_counter += 1
        rng = random.Random(f"sandbox:faults:{row.seed}:call:{row.call_counter}")
        r_slow, r_5xx, r_busy, r_pick = rng.random(), rng.random(), rng.random(), rng.random()
        slow = row.slow_seconds if r_slow < row.slow_rate else 0
        decision = Decision("slow", slow_seconds=slow) if slow else None
        if r_5xx < row.http5xx_rate:
            decision = Decision("http5xx", slow, http_status=502 if r_pick < 0.5 else 503)
        elif r_busy < row.busy_rate:
            decision = Decision("busy", slow, errcode=-1)
        elif row.rate_limit_remaining:
            row.rate_limit_remaining -= 1
            decision = Decision("rate_limit", slow, errcode=45011)
        elif row.quota_exhausted:
            decision = Decision("quota", slow, errcode=45009)
        row.save(update_fields=["call_counter", "rate_limit_remaining"])
    return decision


@transaction.atomic
def faults_configure(*, account: Account, clear: bool = False, **changes) -> FaultSettings:
    """Set some fault fields (``FIELDS``); ``clear`` first resets all to off. Restarts the call and push counters,
    so call number 1 is the next call after configuring."""
    settings, _ = FaultSettings.objects.select_for_update().get_or_create(account=account)
    if clear:
        defaults = FaultSettings(account=account)
        for name in FIELDS:
            setattr(settings, name, getattr(defaults, name))
    for name, value in changes.items():
        if name not in FIELDS:
            raise TypeError(f"unknown fault setting {name}")
        if value is not None:
            setattr(settings, name, value)
    settings.call_counter = settings.push_counter = settings.batch_counter = 0
    settings.full_clean()
    settings.save()
    return settings


def push_duplicates(account: Account, count: int) -> list[bool]:
    """For the next ``count`` events of the appid: whether each is delivered twice."""
    settings = _settings(account)
    if settings is None or not settings.duplicate_push_rate or not count:
        return [False] * count
    with transaction.atomic():
        row = FaultSettings.objects.select_for_update().get(pk=settings.pk)
        first = row.push_counter + 1
        row.push_counter += count
        row.save(update_fields=["push_counter"])
    return [
        random.Random(f"sandbox:faults:{row.seed}:push:{n}").random() < row.duplicate_push_rate
        for n in range(first, first + count)
    ]


def push_order(account: Account, deliveries: list) -> list:
    """The order in which to send a batch of due deliveries: as emitted, or shuffled with ``reorder_pushes``."""
    settings = _settings(account)
    if settings is None or not settings.reorder_pushes or len(deliveries) < 2:
        return deliveries
    with transaction.atomic():
        row = FaultSettings.objects.select_for_update().get(pk=settings.pk)
        row.batch_counter += 1
        row.save(update_fields=["batch_counter"])
    shuffled = list(deliveries)
    random.Random(f"sandbox:faults:{row.seed}:batch:{row.batch_counter}").shuffle(shuffled)
    return shuffled

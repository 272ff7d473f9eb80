"""Faults on demand, per appid. Random decisions depend only on (seed, call number) — never on the wall clock or
the global RNG — so two runs with the same settings inject the same faults at the same call numbers.

Business calls only (token endpoints are exempt from every fault here: a client must always be able to get a
token; invalidate/expire act on tokens directly). For call number n (counted from the last configuration):
1. slow: sleep ``slow_seconds`` first (with probability ``slow_rate``), then carry on;
2. a targeted fault (models.TargetedFault) whose window holds this call of this path: its errcode or HTTP status;
3. HTTP 502/503 with an nginx HTML body (``http5xx_rate``);
4. ``{"errcode": -1, "errmsg": "system error rid: …"}`` (``busy_rate``);
5. 45011 while the rate-limit burst lasts (each such answer uses one of the N);
6. 45009 while the daily quota is marked exhausted.
The first that applies wins. Targeted faults count the calls of their own path from when each was armed (every
call of the path counts, whatever answers it); when two windows hold the same call, the fault armed first answers
and both count it as fired. Pushes: each event is delivered twice with ``duplicate_push_rate`` (decided per event
number), and with ``reorder_pushes`` every batch of due deliveries is shuffled (seeded per batch number).
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, QuerySet

from sandbox.models import AccessToken, Account, FaultSettings, TargetedFault

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
    kind: str  # "slow", "targeted", "http5xx", "busy", "rate_limit" or "quota"
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


def decide(account: Account, *, path: str) -> Decision | None:
    """Count this business call of ``path`` and decide its fault, if any."""
    settings = _settings(account)
    if settings is None:
        return None
    armed = TargetedFault.objects.filter(account=account, path=path, fired__lt=F("times"))
    # Read first, lock only when there is something to count: a lock serialises the appid's calls.
    if not is_active(settings) and not armed.exists():
        return None
    with transaction.atomic():
        targeted = _targeted_count(armed)
        if not is_active(settings):
            return _targeted_decision(targeted, 0) if targeted is not None else None
        row = FaultSettings.objects.select_for_update().get(pk=settings.pk)
        row.call_counter += 1
        rng = random.Random(f"sandbox:faults:{row.seed}:call:{row.call_counter}")
        r_slow, r_5xx, r_busy, r_pick = rng.random(), rng.random(), rng.random(), rng.random()
        slow = row.slow_seconds if r_slow < row.slow_rate else 0
        decision = Decision("slow", slow_seconds=slow) if slow else None
        if targeted is not None:
            decision = _targeted_decision(targeted, slow)
        elif r_5xx < row.http5xx_rate:
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


def _targeted_count(armed: QuerySet[TargetedFault]) -> TargetedFault | None:
    """Count one call for each targeted fault of the path that is not used up; the first (armed earliest) whose
    window holds this call answers it. Runs inside decide's transaction."""
    answer = None
    for fault in armed.select_for_update().order_by("pk"):
        fault.calls_counted += 1
        if fault.first_call <= fault.calls_counted < fault.first_call + fault.times:
            fault.fired += 1
            answer = answer or fault
        fault.save(update_fields=["calls_counted", "fired"])
    return answer


def _targeted_decision(fault: TargetedFault, slow: float) -> Decision:
    return Decision("targeted", slow, http_status=fault.http_status or 0, errcode=fault.errcode or 0)


@transaction.atomic
def faults_configure(
    *, account: Account, clear: bool = False, targeted: Iterable[TargetedFault] = (), **changes
) -> FaultSettings:
    """Set some fault fields (``FIELDS``); ``clear`` first resets all to off and removes the targeted faults.
    Restarts the call and push counters, so call number 1 is the next call after configuring.

    ``targeted``: unsaved TargetedFault rows (path, first_call, times, errcode or http_status) to arm for this
    appid, each counting the calls of its path from now; the ones armed before keep their counts. Refuses
    (ValidationError, nothing changes) a fault without exactly one of errcode and http_status, a bad path or count.
    """
    settings, _ = FaultSettings.objects.select_for_update().get_or_create(account=account)
    if clear:
        defaults = FaultSettings(account=account)
        for name in FIELDS:
            setattr(settings, name, getattr(defaults, name))
        TargetedFault.objects.filter(account=account).delete()
    for name, value in changes.items():
        if name not in FIELDS:
            raise TypeError(f"unknown fault setting {name}")
        if value is not None:
            setattr(settings, name, value)
    settings.call_counter = settings.push_counter = settings.batch_counter = 0
    settings.full_clean()
    settings.save()
    for fault in targeted:
        fault.account = account
        targeted_fault_arm(fault=fault)
    return settings


@transaction.atomic
def targeted_fault_arm(*, fault: TargetedFault) -> TargetedFault:
    """Save a targeted fault with its counts restarted (its ``first_call`` 1 is the next call of its path), and
    make sure its appid has FaultSettings (calls are checked for faults only then). A path is stored as the
    dispatcher sees it ("/" + the path without surrounding slashes). ValidationError for a malformed fault."""
    FaultSettings.objects.get_or_create(account=fault.account)
    fault.path = "/" + fault.path.strip().strip("/")
    fault.calls_counted = fault.fired = 0
    fault.full_clean()
    fault.save()
    return fault


def tokens_invalidate(*, account: Account, now: int) -> int:
    """Every current token of the appid answers 40001 from now on; tokens issued later work."""
    return AccessToken.objects.filter(account=account, invalidated_at__isnull=True, expires_at__gt=now).update(
        invalidated_at=now
    )


def tokens_expire(*, account: Account, now: int) -> int:
    """Every current token of the appid answers 42001 from now on; tokens issued later work."""
    return AccessToken.objects.filter(
        account=account, invalidated_at__isnull=True, expired_by_fault=False, expires_at__gt=now
    ).update(expired_by_fault=True)


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

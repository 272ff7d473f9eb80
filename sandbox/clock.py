"""Time. ``platform_now()`` is the platform's wall clock (tokens, push retries, request ids): the one place that
reads it, so tests move it with time-machine. Each shop also has its own simulated clock (``Account.clock``) that
only ``sandbox_advance`` moves; generated data lives on that clock.
"""

import time
from dataclasses import dataclass, field

HOUR = 3600


def platform_now() -> float:
    return time.time()


@dataclass
class AdvanceReport:
    appid: str
    start: int
    end: int
    new_orders: int = 0
    actions: int = 0
    events: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    failed_attempts: int = 0


def shop_advance(*, appid: str, hours: float, deliver: bool = True) -> AdvanceReport:
    """Move a shop's clock forward by ``hours`` and play out everything that happens meanwhile, in time order.

    New orders arrive at the seeded daily rate (with the daily rhythm); existing orders follow their plans
    (payment, shipping partial then full, after-sales, refunds, receipt, settlement, commission settlement). Each
    change updates the payload and ``update_time`` and emits the platform's push event; with ``deliver`` the due
    pushes are sent after every simulated hour. Fails with Account.DoesNotExist for an unknown shop.
    """
    # Imported here: those modules read platform_now() from this one.
    from sandbox.models import Account
    from sandbox.push import deliver_due
    from sandbox.services import advance_interval, load_world

    shop = Account.objects.get(appid=appid, kind=Account.Kind.SHOP)
    if shop.clock is None or not shop.catalog:
        raise ValueError(f"shop {appid} has not been seeded (sandbox_seed)")
    start = shop.clock
    end = start + round(hours * HOUR)
    report = AdvanceReport(appid=appid, start=start, end=end)
    world = load_world(shop)
    t = start
    while t < end:
        step_end = min(end, (t // HOUR + 1) * HOUR)
        advance_interval(shop, world, t, step_end, report)
        if deliver:
            sent = deliver_due()
            report.delivered += sent.delivered
            report.failed_attempts += sent.failed
        t = step_end
    return report

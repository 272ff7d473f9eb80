"""Time. ``platform_now()`` is the platform's wall clock (tokens, push retries, request ids): the one place that
reads it, so tests move it with time-machine. Each shop also has its own simulated clock (``Account.clock``) that
only ``services.shop_advance`` moves; generated data lives on that clock.
"""

import time

HOUR = 3600


def platform_now() -> float:
    return time.time()

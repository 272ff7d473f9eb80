"""PostgreSQL settings for a few statements at a time.

``pg_settings`` sets them for the statements inside the block, within the caller's transaction, and restores the
previous values after it (``set_config(…, true)``: a transaction-local setting, so it must run in ``atomic``). On
SQLite it does nothing.

``SERIAL`` is for a page's read that probes many small index ranges: in parallel, starting the workers costs more
than the probes (the 点赞买 list's 20 campaigns at 1,000,000 orders: 20 ms in parallel, 9 ms serially), and planned
serially, a sum of many such parts can pass the JIT threshold (compiling took 240 ms for a 9 ms query).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

SERIAL = {"max_parallel_workers_per_gather": "0", "jit": "off"}


@contextmanager
def pg_settings(settings: dict[str, str]) -> Iterator[None]:
    if connection.vendor != "postgresql" or not settings:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("pg_settings needs a transaction (transaction.atomic): its settings end with it")
    names = list(settings)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in names),
            [value for name in names for value in (name, name, settings[name])],
        )
        previous = cursor.fetchone()[::2]
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
                [value for name, old in zip(names, previous, strict=True) for value in (name, old)],
            )

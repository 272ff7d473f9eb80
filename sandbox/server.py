"""The sandbox in server processes of its own (gunicorn on loopback), for benchmarks and acceptance-sized tests.

The product then reaches it exactly as it reaches the platform: over HTTP, from another process, on other cores.
The server shares the caller's database (pass its URL), so seeding and fault settings made by the caller apply.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def database_url(settings_dict: dict) -> str:
    """The URL of a Django database (``connection.settings_dict``), for the server's ``DATABASE_URL``."""
    name = settings_dict["NAME"]
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{name}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sandbox_server(database: str, *, workers: int = 2, threads: int = 4) -> Iterator[str]:
    """Serve the sandbox on a free loopback port; yields the API base URL (for ``WECHAT_API_BASE``)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database, "SANDBOX_ENABLED": "true", "DJANGO_DEBUG": "false"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the server's own (manage.py's default), not a test runner's
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "shopops.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    process = subprocess.Popen([*command, "--threads", str(threads), "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(200):
            if process.poll() is not None:
                raise RuntimeError(f"the sandbox server exited with {process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the sandbox server did not start in 10 s")
        yield f"http://127.0.0.1:{port}/sandbox/api"
    finally:
        process.terminate()
        process.wait(timeout=15)

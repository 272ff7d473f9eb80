"""What the benches share: a fresh database of their own."""

import sys
from pathlib import Path


def fresh_database(url: str) -> None:
    # It is dropped: refuse anything that does not look like a bench database (a developer's DATABASE_URL).
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit(f"refusing to recreate {url}: the bench's database name must contain 'bench'")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

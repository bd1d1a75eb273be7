"""A throwaway PostgreSQL database: created on entry, dropped (even when in use) on exit.

Used by the sync tests' `db_url` fixture and by bench/bench_sync.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg


@contextmanager
def scratch_database(admin_dsn: str, prefix: str) -> Iterator[str]:
    """Create `<prefix>_<random>` through `admin_dsn`; yield its SQLAlchemy psycopg URL.

    psycopg.OperationalError from creating it (server unreachable) comes before the yield.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

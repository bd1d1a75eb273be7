"""Building the SQLAlchemy engine for SQLite (tests, small installs) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

# Execution option of a connection that only reads (see `reading`).
READ_ONLY: Final[str] = "vaxdesk_read_only"


def is_sqlite(url: str) -> bool:
    """True for an SQLite URL."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and write transactions that lock early.

    On PostgreSQL each worker process keeps `pool_size` connections and opens as many
    again at peaks: pushes are few at a time (the push gate), reads are short.
    """
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Own the transaction boundaries: pysqlite's implicit BEGIN is deferred, and a
            # deferred reader that later writes can fail with "database is locked".
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # A reader takes a deferred snapshot (WAL: it never blocks the writer); a writer
            # takes the write lock at once.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=10, pool_pre_ping=True
    )


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection that only reads: on SQLite it holds no write lock, so a long read (a
    reconciliation, an export, a pull) never keeps a desk's push waiting."""
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        yield conn

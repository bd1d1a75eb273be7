"""The SQLite engine of the local store: WAL, foreign keys, busy timeout, explicit BEGIN.

pysqlite's own transaction handling would start transactions lazily and only as
DEFERRED; a check-in must take the write lock before it reads (BEGIN IMMEDIATE),
so two desks on one file serialise instead of both deciding "not checked in yet".
This follows SQLAlchemy's documented recipe: switch the driver to autocommit and
emit BEGIN ourselves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event

BUSY_TIMEOUT_MS: Final[int] = 5000
WRITE: Final[dict[str, Any]] = {"vaxdesk_begin": "IMMEDIATE"}


def make_engine(path: Path, autocheckpoint: bool = True) -> Engine:
    """An engine on the database file `path` with the store's connection settings.

    autocheckpoint=False leaves the WAL checkpoints to a `WalCheckpointer` thread.
    """
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, see _on_begin
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys = ON")
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                # WAL can be refused (e.g. on some network shares); keep going in the
                # default mode rather than refusing to work at the desk.
                pass
            cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits
            if not autocheckpoint:
                cur.execute("PRAGMA wal_autocheckpoint = 0")
            # 32 MiB of page cache: a 100,000-row import stays in memory until commit.
            cur.execute("PRAGMA cache_size = -32768")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("vaxdesk_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine

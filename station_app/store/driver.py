"""Statements run straight on the SQLite driver, for the desk's hot paths.

SQLAlchemy's work per execution (cache key, result set-up, parameter processing) costs
more than SQLite's own on a check-in's handful of small statements and on a late desk's
executemany of thousands of rows. The SQL is written or compiled once; values go in and
come out as SQLite holds them (dates and instants as ISO text, booleans as 0/1).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection


@contextmanager
def cursor(conn: Connection) -> Iterator[sqlite3.Cursor]:
    """A driver cursor inside the connection's transaction, with named rows."""
    raw = conn.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        raise TypeError("the desk store runs on sqlite3")
    cur = raw.cursor()
    cur.row_factory = sqlite3.Row
    try:
        yield cur
    finally:
        cur.close()


def executemany(conn: Connection, sql: str, rows: Sequence[Sequence[object]]) -> None:
    """Run `sql` once per row of parameters."""
    if rows:
        with cursor(conn) as cur:
            cur.executemany(sql, rows)


def value(conn: Connection, sql: str, params: Sequence[object]) -> object:
    """The first column of the first row `sql` returns (None when it returns none)."""
    with cursor(conn) as cur:
        row = cur.execute(sql, params).fetchone()
    return None if row is None else row[0]

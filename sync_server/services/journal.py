"""The site log: dialect-neutral upserts and the per-site write lock that keeps cursors safe.

Desks pull by `log_id`. On PostgreSQL ids come from a sequence at insert time, so two
concurrent writers of one site could commit out of id order and a puller could skip
the lower id. Every writer of a site therefore takes the site's row lock first; on
SQLite the write transaction already serialises writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from sync_server.db.tables import sites


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect (built once)."""
    return _insert_ignoring_conflicts(conn.dialect.name, table)


def upsert(conn: Connection, table: Table, keys: Sequence[str], update_cols: Sequence[str]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET update_cols = excluded.* (built once)."""
    return _upsert(conn.dialect.name, table, tuple(keys), tuple(update_cols))


# Statements are immutable: each is built once per dialect and table, not per call
# (building one costs more than SQLAlchemy's compiled-statement cache saves).
@cache
def _insert_ignoring_conflicts(dialect: str, table: Table) -> Any:
    return _dialect_insert(dialect, table).on_conflict_do_nothing()


@cache
def _upsert(dialect: str, table: Table, keys: tuple[str, ...], update_cols: tuple[str, ...]) -> Any:
    stmt = _dialect_insert(dialect, table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_cols}
    )


def _dialect_insert(dialect: str, table: Table) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def lock_site(conn: Connection, site_id: int) -> None:
    """Serialise writers of one site until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(sites.c.id).where(sites.c.id == site_id).with_for_update())

"""The site log: dialect-neutral upserts and the per-site write lock that keeps cursors safe.

Desks pull by `log_id`. On PostgreSQL ids come from a sequence at insert time, so two
concurrent writers of one site could commit out of id order and a puller could skip
the lower id. Every writer of a site therefore takes the site's row lock first; on
SQLite the write transaction already serialises writers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from sync_server.db.tables import sites


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def upsert(conn: Connection, table: Table, keys: list[str], update_cols: list[str]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET update_cols = excluded.*."""
    stmt: Any = (
        postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    )
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={c: stmt.excluded[c] for c in update_cols}
    )


def lock_site(conn: Connection, site_id: int) -> None:
    """Serialise writers of one site until the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(sites.c.id).where(sites.c.id == site_id).with_for_update())

"""The sync client's own bookkeeping inside the desk store: the pull cursor and rejected events.

Two small tables, created when missing (`sync_client_state`, `sync_client_rejections`),
so the sync client needs no change of the store's schema. Rejected events stay in the
outbox as they are (the truth of what happened at the desk) but are no longer offered
to the server, so one bad event never blocks the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import text

_SCHEMA: Final[tuple[str, ...]] = (
    "CREATE TABLE IF NOT EXISTS sync_client_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sync_client_rejections ("
    " event_id TEXT PRIMARY KEY, code TEXT, reason_zh TEXT, reason_en TEXT, at TEXT NOT NULL)",
)


class SyncBook:
    """Cursor and rejections kept in the desk's SQLite store."""

    def __init__(self, store: Any) -> None:
        self._store = store
        with store.write() as conn:
            for statement in _SCHEMA:
                conn.execute(text(statement))

    def get(self, key: str) -> str | None:
        """A stored value."""
        with self._store.read() as conn:
            value = conn.execute(
                text("SELECT value FROM sync_client_state WHERE key = :k"), {"k": key}
            ).scalar()
        return None if value is None else str(value)

    def put(self, key: str, value: str) -> None:
        """Store a value."""
        with self._store.write() as conn:
            conn.execute(
                text(
                    "INSERT INTO sync_client_state (key, value) VALUES (:k, :v) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                {"k": key, "v": value},
            )

    def cursor(self, server: str) -> int | None:
        """The pull cursor for this server, or None before the first pull."""
        value = self.get(f"cursor:{server}")
        return int(value) if value is not None else None

    def set_cursor(self, server: str, cursor: int) -> None:
        """Remember how far the log of this server has been applied."""
        self.put(f"cursor:{server}", str(cursor))

    def rejected_ids(self) -> set[str]:
        """Events the server refused for good."""
        with self._store.read() as conn:
            return set(conn.execute(text("SELECT event_id FROM sync_client_rejections")).scalars())

    def rejections(self) -> list[dict[str, Any]]:
        """Every refused event with the server's reason."""
        with self._store.read() as conn:
            rows = conn.execute(
                text(
                    "SELECT event_id, code, reason_zh, reason_en, at "
                    "FROM sync_client_rejections ORDER BY at"
                )
            )
            return [dict(r._mapping) for r in rows]

    def reject(self, items: Iterable[dict[str, Any]]) -> None:
        """Remember events the server refused, with its reasons."""
        rows = [
            {
                "e": r["event_id"],
                "c": r.get("code"),
                "z": r.get("reason_zh"),
                "n": r.get("reason_en"),
                "a": datetime.now(UTC).isoformat(),
            }
            for r in items
            if r.get("event_id")
        ]
        if not rows:
            return
        with self._store.write() as conn:
            conn.execute(
                text(
                    "INSERT OR IGNORE INTO sync_client_rejections "
                    "(event_id, code, reason_zh, reason_en, at) VALUES (:e, :c, :z, :n, :a)"
                ),
                rows,
            )

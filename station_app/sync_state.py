"""The sync client's own bookkeeping inside the desk store: the pull cursor and rejected events.

Its tables (`sync_client_state`, `sync_client_rejections`) are declared with the rest of
the store's schema and made by its migrations. Rejected events stay in the outbox as they
are (the truth of what happened at the desk) but are no longer offered to the server, so
one bad event never blocks the queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store.tables import sync_client_rejections, sync_client_state


class SyncBook:
    """Cursor and rejections kept in the desk's SQLite store."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def get(self, key: str) -> str | None:
        """A stored value."""
        with self._store.read() as conn:
            value = conn.execute(
                select(sync_client_state.c.value).where(sync_client_state.c.key == key)
            ).scalar()
        return None if value is None else str(value)

    def put(self, key: str, value: str) -> None:
        """Store a value."""
        upsert = sqlite_insert(sync_client_state).values(key=key, value=value)
        with self._store.write() as conn:
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=["key"], set_={"value": upsert.excluded.value}
                )
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
            return set(conn.execute(select(sync_client_rejections.c.event_id)).scalars())

    def rejections(self) -> list[dict[str, Any]]:
        """Every refused event with the server's reason."""
        with self._store.read() as conn:
            rows = conn.execute(
                select(sync_client_rejections).order_by(sync_client_rejections.c.at)
            )
            return [dict(r._mapping) for r in rows]

    def reject(self, items: Iterable[dict[str, Any]]) -> None:
        """Remember events the server refused, with its reasons."""
        at = datetime.now(UTC).isoformat()
        rows = [
            {
                "event_id": r["event_id"],
                "code": r.get("code"),
                "reason_zh": r.get("reason_zh"),
                "reason_en": r.get("reason_en"),
                "at": at,
            }
            for r in items
            if r.get("event_id")
        ]
        if not rows:
            return
        with self._store.write() as conn:
            conn.execute(sqlite_insert(sync_client_rejections).on_conflict_do_nothing(), rows)

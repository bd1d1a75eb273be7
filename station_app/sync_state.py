"""The sync client's own bookkeeping inside the desk store: the pull cursor and rejected events.

It also keeps when the server's log was last read through, so a desk that is offline
(or restarted offline) can say how old its knowledge of other sites is.

Its tables (`sync_client_state`, `sync_client_rejections`) are declared with the rest of
the store's schema and made by its migrations. Rejected events stay in the outbox as they
are (the truth of what happened at the desk) but are no longer offered to the server, so
one bad event never blocks the queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store.tables import (
    sync_client_rejections,
    sync_client_set_aside,
    sync_client_state,
)
from vaccination.wire import EventResult

if TYPE_CHECKING:
    from station_app.store import Store

_PULLED_AT = "pulled_at"
# Older than this, the desk's knowledge of other sites is said on the person card (an
# online desk pulls every few seconds).
STALE_AFTER: Final = timedelta(minutes=5)


@dataclass(frozen=True)
class SetAside:
    """A pulled log entry the desk could not apply (the rest of the log went on)."""

    server: str
    log_id: int
    reason: str
    at: str


class SyncBook:
    """Cursor and rejections kept in the desk's SQLite store."""

    def __init__(self, store: Store) -> None:
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

    def pulled_at(self) -> datetime | None:
        """When the desk last heard the server's log through (its knowledge of other sites)."""
        value = self.get(_PULLED_AT)
        return datetime.fromisoformat(value) if value is not None else None

    def set_pulled_at(self, at: datetime) -> None:
        """Remember that the log was read through at `at` (aware)."""
        self.put(_PULLED_AT, at.isoformat())

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

    def reject(self, items: Iterable[EventResult]) -> None:
        """Remember events the server refused, with its reasons."""
        at = datetime.now(UTC).isoformat()
        rows = [
            {
                "event_id": r.event_id,
                "code": r.code,
                "reason_zh": r.reason_zh,
                "reason_en": r.reason_en,
                "at": at,
            }
            for r in items
            if r.event_id
        ]
        if not rows:
            return
        with self._store.write() as conn:
            conn.execute(sqlite_insert(sync_client_rejections).on_conflict_do_nothing(), rows)

    def set_aside(self, server: str, log_id: int, raw: dict[str, Any], reason: str) -> None:
        """Keep a pulled log entry the desk could not apply, with the reason."""
        row = {
            "server": server,
            "log_id": log_id,
            "entry": json.dumps(raw, ensure_ascii=False, default=str),
            "reason": reason,
            "at": datetime.now(UTC).isoformat(),
        }
        with self._store.write() as conn:
            conn.execute(sqlite_insert(sync_client_set_aside).on_conflict_do_nothing(), [row])

    def set_aside_count(self) -> int:
        """How many pulled entries were set aside."""
        with self._store.read() as conn:
            return int(
                conn.execute(select(func.count()).select_from(sync_client_set_aside)).scalar_one()
            )

    def set_aside_entries(self) -> list[SetAside]:
        """Every pulled entry set aside, oldest first (what `vaxdesk sync` lists)."""
        with self._store.read() as conn:
            rows = conn.execute(select(sync_client_set_aside).order_by(sync_client_set_aside.c.at))
            return [SetAside(r.server, r.log_id, r.reason, r.at) for r in rows]

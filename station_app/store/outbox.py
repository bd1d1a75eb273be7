"""The outbox of events and the desk's own counters (event seq, queue numbers).

Events are appended in the same transaction as the state they describe; the sync
client reads the pending ones in sequence order and marks those the server
acknowledged. Remote events (other desks) are stored too, already acknowledged,
so applying them twice is recognised by their event_id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, Final

from sqlalchemy import Connection, and_, bindparam, func, select, update

from station_app.store import driver
from station_app.store.tables import events
from vaccination.events import Event, parse_event

LOCAL: Final[str] = "local"
REMOTE: Final[str] = "remote"
_EVENT_SCOPE: Final[str] = "event"
_QUEUE_SCOPE: Final[str] = "queue"


def format_queue_number(desk: str, number: int) -> str:
    """`A` + 28 -> `A028`; beyond 999 the number simply grows: `A1000`."""
    return f"{desk}{number:03d}"


def queue_position(queue_number: str) -> int:
    """`A028` -> 28."""
    return int(queue_number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or 0)


# Plain driver SQL: building the statement each time cost more than SQLite's own work on
# the check-in path, which takes two numbers per check-in.
_TAKE_NEXT: Final = (
    "INSERT INTO desk_sequences (scope, desk, site, day, next_value) VALUES (?, ?, ?, ?, 2)"
    " ON CONFLICT (scope, desk, site, day) DO UPDATE SET next_value = next_value + 1"
    " RETURNING next_value"
)


def _take_next(conn: Connection, scope: str, desk: str, site: str, day: str) -> int:
    """Return the next value of a counter and advance it (caller holds the write lock)."""
    after = driver.value(conn, _TAKE_NEXT, (scope, desk, site, day))
    return int(str(after)) - 1


def next_event_seq(conn: Connection, desk: str) -> int:
    """The desk's next event sequence number (1, 2, 3 ... over the desk's life)."""
    return _take_next(conn, _EVENT_SCOPE, desk, "", "")


def next_queue_number(conn: Connection, desk: str, site: str, day: date) -> str:
    """The desk's next queue number for the site and day: `A001`, `A002` ..."""
    return format_queue_number(desk, _take_next(conn, _QUEUE_SCOPE, desk, site, day.isoformat()))


def row_to_event(row: Any) -> Event:
    """Rebuild an Event from an `events` row (it parsed when it was stored).

    The payload comes as a dict through the table's JSON type, or as its JSON text from
    plain driver SQL.
    """
    payload = row.payload if isinstance(row.payload, dict) else json.loads(row.payload)
    return parse_event(
        {
            "event_id": row.event_id,
            "site": row.site,
            "desk": row.desk,
            "seq": row.seq,
            "at": row.at,
            "kind": row.kind,
            "payload": payload,
        }
    )


class Outbox:
    """Read and acknowledge the local events waiting to be pushed."""

    _PENDING = (
        select(events)
        .where(and_(events.c.origin == LOCAL, events.c.acked.is_(False)))
        .order_by(events.c.seq, events.c.desk)
        .limit(bindparam("limit"))
    )
    _COUNT = select(func.count()).where(and_(events.c.origin == LOCAL, events.c.acked.is_(False)))
    _ANY_LOCAL = select(events.c.event_id).where(events.c.origin == LOCAL).limit(1)

    def __init__(
        self,
        read: Callable[[], AbstractContextManager[Connection]],
        write: Callable[[], AbstractContextManager[Connection]],
    ) -> None:
        self._read = read
        self._write = write

    def pending(self, limit: int = 500) -> list[Event]:
        """Up to `limit` unacknowledged local events, lowest seq first."""
        with self._read() as conn:
            rows = conn.execute(self._PENDING, {"limit": limit}).all()
        return [row_to_event(r) for r in rows]

    def mark_acked(self, event_ids: Iterable[str]) -> int:
        """Mark these events as acknowledged by the server; returns how many changed."""
        ids = list(event_ids)
        if not ids:
            return 0
        changed = 0
        with self._write() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                result = conn.execute(
                    update(events)
                    .where(and_(events.c.event_id.in_(chunk), events.c.acked.is_(False)))
                    .values(acked=True)
                )
                changed += result.rowcount
        return changed

    def reopen_after(self, desk: str, acked_through: int) -> int:
        """Offer again this desk's acknowledged events after `acked_through`: the server now
        synced with (the bureau after a hub, a hub started over) holds none past it.
        Returns how many wait again; a repeat the server already holds comes back as a
        duplicate, so an event is never held twice."""
        with self._write() as conn:
            result = conn.execute(
                update(events)
                .where(
                    and_(
                        events.c.origin == LOCAL,
                        events.c.desk == desk,
                        events.c.seq > acked_through,
                        events.c.acked.is_(True),
                    )
                )
                .values(acked=False)
            )
        return int(result.rowcount)

    def has_local_events(self) -> bool:
        """True once this PC has written an event of its own."""
        with self._read() as conn:
            return conn.execute(self._ANY_LOCAL).first() is not None

    def count_pending(self) -> int:
        """How many local events still wait for the server."""
        with self._read() as conn:
            return int(conn.execute(self._COUNT).scalar_one())

    def all_events(self) -> list[Event]:
        """Every stored event (local and remote), in insertion order; for tools and tests."""
        with self._read() as conn:
            rows = conn.execute(select(events).order_by(events.c.at, events.c.seq)).all()
        return [row_to_event(r) for r in rows]

"""Each site day's fold of its own events, kept by the server between reconciliations.

The bureau reconciles every site again and again (the Today page every few seconds,
the site-day page, the exports), and reading and parsing a site day's events was most of
a reconciliation's cost. The log is append-only, so a fold of a site day's events stays
true: it is kept, and brought up to date with the log rows after the last one it read.

Whether a kept fold is up to date is asked of the database every time, in the reader's
own transaction: the count of the site day's log rows and the greatest log id. Writers
of one site are serialised (`journal.lock_site`), so its log ids commit in order and the
rows after the kept greatest id are the new ones; a count that does not add up (a row
with a smaller id arriving late) folds the day again from the start. A reader whose
snapshot is older than the kept fold folds its own copy and keeps nothing.

Folds are kept per database (engine), the least recently used dropped first beyond
`MAX_KEPT_EVENTS` events in all (about 0.6 KB an event kept: 120 MB at most).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, and_, func, select

from sync_server.db.tables import log
from sync_server.services.pull import event_json_columns
from vaccination.events import Event
from vaccination.projection import SiteDayFold

MAX_KEPT_EVENTS: Final[int] = 200_000

Parse = Callable[[Iterable[Any]], list[Event]]
SiteOf = Callable[[Event], str]


@dataclass(frozen=True)
class SiteDayRead:
    """A site day's own events as a fold (the caller's to add to), and who they are about."""

    fold: SiteDayFold
    people: frozenset[str]


@dataclass(frozen=True)
class _Mark:
    """How far a fold has read a site day's log: its rows and the greatest log id."""

    rows: int
    last_log_id: int

    def behind(self, other: _Mark) -> bool:
        """True when `other` has read this far and further: more rows, a greater id."""
        return self.rows < other.rows and self.last_log_id < other.last_log_id

    def covers(self, other: _Mark) -> bool:
        """True when this mark is not older than `other`."""
        return self.rows >= other.rows and self.last_log_id >= other.last_log_id


@dataclass
class _Kept:
    fold: SiteDayFold
    people: set[str]
    mark: _Mark

    def add(self, rows: Sequence[Any], events: list[Event], mark: _Mark) -> None:
        self.fold.add_all(events)
        self.people.update(r.id_number for r in rows if r.entry == "event" and r.id_number)
        self.mark = mark

    def read(self, site_of: SiteOf) -> SiteDayRead:
        return SiteDayRead(self.fold.copy(site_of), frozenset(self.people))


class SiteDayFolds:
    """The kept folds of one database's site days."""

    def __init__(self, max_events: int = MAX_KEPT_EVENTS) -> None:
        self.max_events = max_events
        self._kept: OrderedDict[tuple[int, date], _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def read(
        self, conn: Connection, site_id: int, site_code: str, day: date, parse: Parse,
        site_of: SiteOf,
    ) -> SiteDayRead:  # fmt: skip
        """The site day's own events (site `site_id`, keyed `site_code`), as they stand in
        `conn`'s transaction, in a fold of the caller's own that keys what it adds by
        `site_of`; `parse` turns log rows into events (leaving out invalid ones)."""
        mark = _mark(conn, site_id, day)
        key = (site_id, day)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                if kept.mark == mark:
                    return kept.read(site_of)
            was = kept.mark if kept is not None else None
        if kept is not None and was is not None and was.behind(mark):
            rows = _rows(conn, site_id, day, was.last_log_id, mark.last_log_id)
            if was.rows + len(rows) == mark.rows:  # else a row came late: fold it all again
                events = parse(r for r in rows if r.entry == "event")
                with self._lock:
                    if self._kept.get(key) is kept and kept.mark == was:
                        kept.add(rows, events, mark)
                        return kept.read(site_of)
        rows = _rows(conn, site_id, day, 0, mark.last_log_id)
        fresh = _Kept(SiteDayFold(lambda _: site_code), set(), _Mark(0, 0))
        fresh.add(rows, parse(r for r in rows if r.entry == "event"), mark)
        with self._lock:
            held = self._kept.get(key)
            if held is None or mark.covers(held.mark):  # never go back to an older snapshot
                self._kept[key] = fresh
                self._kept.move_to_end(key)
                self._trim()
            return fresh.read(site_of)

    def kept(self) -> list[tuple[int, date]]:
        """The (site id, day) of the folds kept, the least recently used first."""
        with self._lock:
            return list(self._kept)

    def _trim(self) -> None:
        total = sum(len(k.fold) for k in self._kept.values())
        while total > self.max_events and len(self._kept) > 1:
            _, dropped = self._kept.popitem(last=False)
            total -= len(dropped.fold)


_BY_ENGINE: WeakKeyDictionary[Engine, SiteDayFolds] = WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def folds_of(engine: Engine) -> SiteDayFolds:
    """The kept folds of the database `engine` connects to."""
    with _BY_ENGINE_LOCK:
        folds = _BY_ENGINE.get(engine)
        if folds is None:
            folds = _BY_ENGINE[engine] = SiteDayFolds()
        return folds


def _mark(conn: Connection, site_id: int, day: date) -> _Mark:
    c = log.c
    row = conn.execute(
        select(func.count(), func.coalesce(func.max(c.log_id), 0)).where(
            and_(c.site_id == site_id, c.day == day)
        )
    ).one()
    return _Mark(int(row[0]), int(row[1]))


def _rows(conn: Connection, site_id: int, day: date, after: int, upto: int) -> Sequence[Any]:
    """The site day's log rows with `after` < log id <= `upto` (roster changes too: the
    mark counts every row)."""
    c = log.c
    return conn.execute(
        select(c.entry, *event_json_columns(conn.dialect.name)).where(
            and_(c.site_id == site_id, c.day == day, c.log_id > after, c.log_id <= upto)
        )
    ).all()

"""Writing accepted roster rows into the store in bulk, idempotently.

Each booking gets a deterministic key from who, where, which day and which product,
so importing the same file again (or the server sending the same roster) updates
rows in place instead of duplicating them. Inserts go through Core executemany in
chunks inside the caller's single transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from hashlib import blake2b as _blake2b
from operator import itemgetter
from typing import Any, Final, Protocol

from sqlalchemy import Connection, Insert, Table, false, func, or_, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store.tables import bookings, dose_records, people, sites
from vaccination.bulk import cyclic_gc_paused
from vaccination.models import Booking, DoseRecord, Person
from vaccination.roster_import import booking_identity

CHUNK: Final[int] = 20_000
# Rows from which a first import into an empty bookings table drops and rebuilds the
# secondary indexes; below it the rebuild costs more than it saves.
INDEX_REBUILD_MIN: Final[int] = 10_000
# Page cache during an import (negative: KiB): a 100,000-row roster's pages stay in memory
# until the commit instead of spilling to the WAL mid-transaction.
IMPORT_CACHE_SIZE: Final[int] = -131_072


class EntryLike(Protocol):
    """What the store needs of a roster entry (vaccination.roster_import.RosterEntry)."""

    @property
    def person(self) -> Person: ...
    @property
    def booking(self) -> Booking: ...
    @property
    def history(self) -> tuple[DoseRecord, ...]: ...
    @property
    def history_text(self) -> str: ...
    @property
    def flags(self) -> tuple[str, ...]: ...
    @property
    def infection_date(self) -> date | None: ...
    @property
    def infection_onset_date(self) -> date | None: ...
    @property
    def other_vaccine_date(self) -> date | None: ...


@dataclass(frozen=True)
class ImportCounts:
    """What an import changed in the store."""

    rows: int  # accepted rows offered
    people_added: int
    bookings_added: int
    doses_added: int
    sites_added: int


def booking_key(booking: Booking) -> str:
    """A stable key of a booking: person, site, day and product (not the slot or row).

    The same person booked twice for one product on one day at one site (LINE and
    phone booking) is one booking. The ID number is hashed so keys can appear in
    logs and sync messages.
    """
    return booking_key_of(*booking_identity(booking))


def booking_key_of(id_number: str, site: str, day: date, product: str) -> str:
    """`booking_key` of a booking named by who, where, which day and which product."""
    return _key(id_number, _key_tail(site, day.isoformat(), product))


# blake2b of "id_number|site|day|product", 12 bytes: copying a ready hasher costs less
# than making one per booking.
_KEY_HASH: Final = _blake2b(digest_size=12)


def _key_tail(site: str, day: str, product: str) -> bytes:
    """The part of a booking key's text after the ID number (day in ISO form)."""
    return "|".join(("", site, day, product)).encode("utf-8")


def _key(id_number: str, tail: bytes) -> str:
    """`booking_key` of an ID number and the `_key_tail` of site, day and product."""
    h = _KEY_HASH.copy()
    h.update(id_number.encode("utf-8"))
    h.update(tail)
    return h.hexdigest()


def booking_row(booking: Booking, flags: Sequence[str] = ()) -> dict[str, Any]:
    """The `bookings` row of a Booking."""
    return {
        "booking_key": booking_key(booking),
        "id_number": booking.id_number,
        "site": booking.site,
        "day": booking.slot_start.date(),
        "slot_start": booking.slot_start,
        "slot_end": booking.slot_end,
        "product": booking.product,
        "dose": booking.dose,
        "dose_label": booking.dose_label,
        "row_number": booking.row_number,
        "walk_in": booking.walk_in,
        "cancelled": False,
        "flags": ",".join(flags),
    }


def dose_row(id_number: str, dose: DoseRecord) -> dict[str, Any]:
    """The `dose_records` row of a DoseRecord."""
    return {
        "id_number": id_number,
        "product": dose.product,
        "given_on": dose.given_on,
        "lot": dose.lot,
        "source": dose.source,
    }


def _iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _iso_datetime(value: datetime | None) -> str | None:
    return None if value is None else _datetime_text(value)


def _datetime_text(value: datetime) -> str:
    # The text form SQLAlchemy's SQLite DateTime type writes and parses back.
    return value.isoformat(" ", "microseconds")


class BulkStatement:
    """A Core insert compiled once and run as one executemany of plain tuples.

    SQLAlchemy's per-row parameter processing costs more than SQLite's own insert
    for 100,000-row rosters, so the bulk path hands the driver tuples in `keys`
    order, with dates in the text form SQLAlchemy's SQLite types use (a test reads
    them back through Core).
    """

    def __init__(self, stmt: Insert, table: Table, keys: Sequence[str]) -> None:
        compiled = stmt.compile(dialect=sqlite_dialect.dialect(), column_keys=list(keys))
        if list(compiled.positiontup or []) != list(keys):
            raise ValueError(f"{table.name}: statement binds {compiled.positiontup}, not {keys}")
        self.sql = compiled.string

    def run(self, conn: Connection, params: list[tuple[Any, ...]]) -> None:
        """Execute once per parameter tuple (one executemany)."""
        if params:
            conn.exec_driver_sql(self.sql, params)


class _DateText(dict[date | None, str | None]):
    """Text forms of dates: a roster repeats birth and dose dates thousands of times."""

    def __missing__(self, value: date | None) -> str | None:
        text = self[value] = _iso_date(value)
        return text


class _DatetimeText(dict[datetime, str]):
    """Text forms of slot times: a roster has a few hundred distinct slots in 100,000 rows."""

    def __missing__(self, value: datetime) -> str:
        text = self[value] = _datetime_text(value)
        return text


class _KeyTails(dict[tuple[str, str, str], bytes]):
    """`_key_tail` of each (site, day, product): a few per roster."""

    def __missing__(self, value: tuple[str, str, str]) -> bytes:
        tail = self[value] = _key_tail(*value)
        return tail


def _upsert(table: Table, key: str, changes: Callable[[Any], dict[str, Any]]) -> Insert:
    """Insert, or on a `key` conflict set `changes(excluded)`, only where a value differs.

    A re-import of an unchanged roster then rewrites no row: no page, index entry or
    WAL frame is written for it.
    """
    stmt = sqlite_insert(table)
    values = changes(stmt.excluded)
    differs = or_(*(table.c[col].is_distinct_from(value) for col, value in values.items()))
    return stmt.on_conflict_do_update(index_elements=[key], set_=values, where=differs)


_UPSERT_PERSON: Final = _upsert(
    people,
    "id_number",
    lambda new: {
        "name": new.name,
        "birth_date": new.birth_date,
        "phone": func.coalesce(new.phone, people.c.phone),
        "infection_date": func.coalesce(new.infection_date, people.c.infection_date),
        "infection_onset_date": func.coalesce(
            new.infection_onset_date, people.c.infection_onset_date
        ),
        "other_vaccine_date": func.coalesce(new.other_vaccine_date, people.c.other_vaccine_date),
        "history_text": new.history_text,
    },
)
_UPSERT_BOOKING: Final = _upsert(
    bookings,
    "booking_key",
    lambda new: (
        {
            col: new[col]
            for col in ("slot_start", "slot_end", "dose", "dose_label", "row_number", "flags")
        }
        | {"cancelled": false()}
    ),
)
# One dose is one fact (person, product, day): a second source of it changes nothing.
INSERT_DOSE: Final = sqlite_insert(dose_records).on_conflict_do_nothing(
    index_elements=["id_number", "product", "given_on"]
)
_INSERT_SITE = sqlite_insert(sites).on_conflict_do_nothing(index_elements=["name"])

BULK_PEOPLE: Final = BulkStatement(
    _UPSERT_PERSON,
    people,
    (
        "id_number",
        "name",
        "birth_date",
        "phone",
        "infection_date",
        "infection_onset_date",
        "other_vaccine_date",
        "history_text",
        "source",
    ),
)
BULK_BOOKINGS: Final = BulkStatement(
    _UPSERT_BOOKING,
    bookings,
    (
        "booking_key",
        "id_number",
        "site",
        "day",
        "slot_start",
        "slot_end",
        "product",
        "dose",
        "dose_label",
        "row_number",
        "walk_in",
        "cancelled",
        "flags",
    ),
)
BULK_DOSES: Final = BulkStatement(
    INSERT_DOSE, dose_records, ("id_number", "product", "given_on", "lot", "source")
)


def _count(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def import_entries(
    conn: Connection,
    entries: Iterable[EntryLike],
    progress: Callable[[int, int], None] | None = None,
) -> ImportCounts:
    """Upsert people, bookings and dose histories of accepted roster entries (one transaction)."""
    items = list(entries)
    # A few hundred thousand tuples, none of them in reference cycles (vaccination.bulk).
    with cyclic_gc_paused():
        return _import(conn, items, progress)


def _import(
    conn: Connection, items: list[EntryLike], progress: Callable[[int, int], None] | None
) -> ImportCounts:
    total = len(items)
    before = {t.name: _count(conn, t) for t in (people, bookings, dose_records, sites)}
    site_names = sorted({e.booking.site for e in items})
    if site_names:
        conn.execute(_INSERT_SITE, [{"name": s} for s in site_names])
    booking_rows = _booking_rows(items)
    person_rows, dose_rows = _person_and_dose_rows(items)
    # A first load into an empty table builds its secondary indexes once at the end: one
    # sort instead of a random b-tree insert per row. Bookings keep file order (their ids).
    rebuild = before["bookings"] == 0 and total >= INDEX_REBUILD_MIN
    previous_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = {IMPORT_CACHE_SIZE}")
    try:
        if rebuild:
            for index in bookings.indexes:
                index.drop(conn)
        # Every person first: bookings and doses refer to them (foreign keys).
        BULK_PEOPLE.run(conn, person_rows)
        for start in range(0, total, CHUNK):
            end = start + CHUNK
            BULK_BOOKINGS.run(conn, booking_rows[start:end])
            BULK_DOSES.run(conn, _share(dose_rows, start, end, total))
            if progress is not None:
                progress(min(end, total), total)
        if rebuild:
            for index in bookings.indexes:
                index.create(conn)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous_cache)}")
    after = {t.name: _count(conn, t) for t in (people, bookings, dose_records, sites)}
    return ImportCounts(
        rows=total,
        people_added=after["people"] - before["people"],
        bookings_added=after["bookings"] - before["bookings"],
        doses_added=after["dose_records"] - before["dose_records"],
        sites_added=after["sites"] - before["sites"],
    )


def _booking_rows(items: list[EntryLike]) -> list[tuple[Any, ...]]:
    """The `bookings` tuples (BULK_BOOKINGS order) in file order, the order of their ids."""
    slot_text = _DatetimeText()
    tails = _KeyTails()
    rows: list[tuple[Any, ...]] = []
    add = rows.append
    for e in items:
        b = e.booking
        start = slot_text[b.slot_start]
        day = start[:10]
        end = b.slot_end
        add(
            (
                _key(b.id_number, tails[b.site, day, b.product]),
                b.id_number,
                b.site,
                day,
                start,
                None if end is None else slot_text[end],
                b.product,
                b.dose,
                b.dose_label,
                b.row_number,
                int(b.walk_in),
                0,
                ",".join(e.flags) if e.flags else "",
            )
        )
    return rows


def _person_and_dose_rows(
    items: list[EntryLike],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The `people` and `dose_records` tuples (BULK_PEOPLE, BULK_DOSES order) by ID number.

    Both tables are keyed by ID number first, so rows in that order append to their
    b-tree instead of splitting pages all over it. A person may have several rows: the
    last one in the file describes them, and of two equal doses the first is kept, as
    in file order. The tuples are made in file order (the entries lie in memory that
    way) and sorted after, stably.
    """
    date_text = _DateText()
    persons: dict[str, tuple[Any, ...]] = {}
    doses: list[tuple[Any, ...]] = []
    add_dose = doses.append
    for e in items:
        p = e.person
        id_number = p.id_number
        persons[id_number] = (
            id_number,
            p.name,
            date_text[p.birth_date],
            p.phone,
            date_text[e.infection_date],
            date_text[e.infection_onset_date],
            date_text[e.other_vaccine_date],
            e.history_text or "",
            "walk_in" if e.booking.walk_in else "roster",
        )
        for d in e.history:
            add_dose((id_number, d.product, date_text[d.given_on], d.lot, d.source))
    by_id = itemgetter(0)
    return sorted(persons.values(), key=by_id), sorted(doses, key=by_id)


def _share(rows: list[tuple[Any, ...]], start: int, end: int, total: int) -> list[tuple[Any, ...]]:
    """The part of `rows` that belongs to entries start..end of `total`."""
    n = len(rows)
    lo = start * n // total if total else 0
    hi = n if end >= total else end * n // total
    return rows[lo:hi]

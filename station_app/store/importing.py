"""Writing accepted roster rows into the store in bulk, idempotently.

Each booking gets a deterministic key from who, where, which day and which product,
so importing the same file again (or the server sending the same roster) updates
rows in place instead of duplicating them. Inserts go through Core executemany in
chunks inside the caller's single transaction.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from hashlib import blake2b as _blake2b
from typing import Any, Final, Protocol

from sqlalchemy import Connection, Insert, Table, false, func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store.tables import bookings, dose_records, people, sites
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

    person: Person
    booking: Booking
    history: tuple[DoseRecord, ...]
    history_text: str
    flags: tuple[str, ...]


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
    id_number, site, day, product = booking_identity(booking)
    return _key(id_number, site, day.isoformat(), product)


def _key(id_number: str, site: str, day: str, product: str) -> str:
    """`booking_key` of the identity's parts, the day in ISO form."""
    text = "|".join((id_number, site, day, product))
    return _blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


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
    for 100,000-row rosters, so the bulk path hands the driver tuples built by
    `make_tuple`, with dates in the text form SQLAlchemy's SQLite types use
    (a test reads them back through Core).
    """

    def __init__(
        self,
        stmt: Insert,
        table: Table,
        keys: Sequence[str],
        make_tuple: Callable[..., tuple[Any, ...]],
    ) -> None:
        compiled = stmt.compile(dialect=sqlite_dialect.dialect(), column_keys=list(keys))
        if list(compiled.positiontup or []) != list(keys):
            raise ValueError(f"{table.name}: statement binds {compiled.positiontup}, not {keys}")
        self.sql = compiled.string
        self.make_tuple = make_tuple

    def run(self, conn: Connection, params: list[tuple[Any, ...]]) -> None:
        """Execute once per parameter tuple (one executemany)."""
        if params:
            conn.exec_driver_sql(self.sql, params)


def _person_tuple(entry: EntryLike) -> tuple[Any, ...]:
    p = entry.person
    return (
        p.id_number,
        p.name,
        _iso_date(p.birth_date),
        p.phone,
        _iso_date(getattr(entry, "infection_date", None)),
        _iso_date(getattr(entry, "other_vaccine_date", None)),
        entry.history_text or "",
        "walk_in" if entry.booking.walk_in else "roster",
    )


class _DatetimeText(dict[datetime, str]):
    """Text forms of slot times: a roster has a few hundred distinct slots in 100,000 rows."""

    def __missing__(self, value: datetime) -> str:
        text = self[value] = _datetime_text(value)
        return text


def _booking_tuple(
    b: Booking, flags: Sequence[str], iso: _DatetimeText | None = None
) -> tuple[Any, ...]:
    if iso is None:
        iso = _DatetimeText()
    text = iso[b.slot_start]
    day = text[:10]
    # booking_key(b), without a second text form of the day (one call per roster row)
    return (
        _key(b.id_number, b.site, day, b.product),
        b.id_number,
        b.site,
        day,
        text,
        None if b.slot_end is None else iso[b.slot_end],
        b.product,
        b.dose,
        b.dose_label,
        b.row_number,
        int(b.walk_in),
        0,
        ",".join(flags),
    )


def _dose_tuple(id_number: str, d: DoseRecord) -> tuple[Any, ...]:
    return (id_number, d.product, d.given_on.isoformat(), d.lot, d.source)


_UPSERT_PERSON = sqlite_insert(people)
_UPSERT_PERSON = _UPSERT_PERSON.on_conflict_do_update(
    index_elements=["id_number"],
    set_={
        "name": _UPSERT_PERSON.excluded.name,
        "birth_date": _UPSERT_PERSON.excluded.birth_date,
        "phone": func.coalesce(_UPSERT_PERSON.excluded.phone, people.c.phone),
        "infection_date": func.coalesce(
            _UPSERT_PERSON.excluded.infection_date, people.c.infection_date
        ),
        "other_vaccine_date": func.coalesce(
            _UPSERT_PERSON.excluded.other_vaccine_date, people.c.other_vaccine_date
        ),
        "history_text": _UPSERT_PERSON.excluded.history_text,
    },
)
_UPSERT_BOOKING = sqlite_insert(bookings)
_UPSERT_BOOKING = _UPSERT_BOOKING.on_conflict_do_update(
    index_elements=["booking_key"],
    set_={
        col: getattr(_UPSERT_BOOKING.excluded, col)
        for col in ("slot_start", "slot_end", "dose", "dose_label", "row_number", "flags")
    }
    | {"cancelled": false()},
)
_INSERT_DOSE = sqlite_insert(dose_records).on_conflict_do_nothing(
    index_elements=["id_number", "product", "given_on", "source"]
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
        "other_vaccine_date",
        "history_text",
        "source",
    ),
    _person_tuple,
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
    _booking_tuple,
)
BULK_DOSES: Final = BulkStatement(
    _INSERT_DOSE, dose_records, ("id_number", "product", "given_on", "lot", "source"), _dose_tuple
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
    gc_was_enabled = gc.isenabled()
    # Building a few hundred thousand tuples would trigger full collections that walk the
    # whole heap again and again; nothing here makes reference cycles.
    gc.disable()
    try:
        return _import(conn, items, progress)
    finally:
        if gc_was_enabled:
            gc.enable()


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
    """The `bookings` tuples in file order (the order of their ids)."""
    iso = _DatetimeText()
    return [_booking_tuple(e.booking, e.flags, iso) for e in items]


def _person_and_dose_rows(
    items: list[EntryLike],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The `people` and `dose_records` tuples in ID-number order.

    Both tables are keyed by ID number first, so rows in that order append to their
    b-tree instead of splitting pages all over it. A person may have several rows: the
    last one in the file describes them (the sort is stable), and of two equal doses
    the first is kept, as in file order.
    """
    ids = [e.person.id_number for e in items]
    persons: dict[str, tuple[Any, ...]] = {}
    doses: list[tuple[Any, ...]] = []
    add_dose = doses.append
    for i in sorted(range(len(items)), key=ids.__getitem__):
        entry = items[i]
        id_number = ids[i]
        persons[id_number] = _person_tuple(entry)
        for d in entry.history:
            add_dose(_dose_tuple(id_number, d))
    return list(persons.values()), doses


def _share(rows: list[tuple[Any, ...]], start: int, end: int, total: int) -> list[tuple[Any, ...]]:
    """The part of `rows` that belongs to entries start..end of `total`."""
    n = len(rows)
    lo = start * n // total if total else 0
    hi = n if end >= total else end * n // total
    return rows[lo:hi]

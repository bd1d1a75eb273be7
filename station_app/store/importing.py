"""Writing accepted roster rows into the store in bulk, idempotently.

Each booking gets a deterministic key from who, where, which day and which product,
so importing the same file again (or the server sending the same roster) updates
rows in place instead of duplicating them. Inserts go through Core executemany in
chunks inside the caller's single transaction.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Protocol

from sqlalchemy import Connection, Insert, Table, false, func, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store.tables import bookings, dose_records, people, sites
from vaccination.models import Booking, DoseRecord, Person
from vaccination.roster_import import booking_identity

CHUNK: Final[int] = 20_000


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
    text = "|".join((id_number, site, day.isoformat(), product))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


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
    # The text form SQLAlchemy's SQLite DateTime type writes and parses back.
    return None if value is None else value.isoformat(" ", "microseconds")


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


def _booking_tuple(b: Booking, flags: Sequence[str]) -> tuple[Any, ...]:
    return (
        booking_key(b),
        b.id_number,
        b.site,
        b.slot_start.date().isoformat(),
        _iso_datetime(b.slot_start),
        _iso_datetime(b.slot_end),
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
    done = 0
    for start in range(0, total, CHUNK):
        chunk = items[start : start + CHUNK]
        # A person may have several rows; the last one describes them.
        persons = {e.person.id_number: _person_tuple(e) for e in chunk}
        BULK_PEOPLE.run(conn, list(persons.values()))
        BULK_BOOKINGS.run(conn, [_booking_tuple(e.booking, e.flags) for e in chunk])
        BULK_DOSES.run(conn, [_dose_tuple(e.person.id_number, d) for e in chunk for d in e.history])
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    after = {t.name: _count(conn, t) for t in (people, bookings, dose_records, sites)}
    return ImportCounts(
        rows=total,
        people_added=after["people"] - before["people"],
        bookings_added=after["bookings"] - before["bookings"],
        doses_added=after["dose_records"] - before["dose_records"],
        sites_added=after["sites"] - before["sites"],
    )

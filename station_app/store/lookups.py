"""Read queries of the store, prepared once as Core statements (the scan path is hot).

`person_facts` gathers everything the assessment needs about one ID number for one
day; the other functions feed the roster table, search, counters, the doctor's queue
and the lot list. They return plain values, never rows or ORM objects.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    Connection,
    String,
    and_,
    bindparam,
    false,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from station_app.store import driver
from station_app.store.outbox import row_to_event
from station_app.store.tables import (
    bookings,
    checkins,
    dose_records,
    events,
    lots,
    people,
    vaccinations,
)
from vaccination.events import Event
from vaccination.models import Booking, CheckinFact, DoctorRefusal, DoseRecord, Person

TAIPEI: Final = ZoneInfo("Asia/Taipei")
NOT_APPROVED: Final = "not_approved"


def local_time(text: str) -> datetime:
    """A stored aware instant as naive Taiwan local time, the form the assessment compares."""
    return datetime.fromisoformat(text).astimezone(TAIPEI).replace(tzinfo=None)


@dataclass(frozen=True)
class PersonFacts:
    """What the store knows about one ID number, as the assessment takes it."""

    person: Person | None
    bookings: tuple[Booking, ...]
    cancelled_bookings: tuple[Booking, ...]
    history: tuple[DoseRecord, ...]
    infection_date: date | None
    infection_onset_date: date | None
    other_vaccine_date: date | None
    checkins: tuple[CheckinFact, ...]
    refusals: tuple[DoctorRefusal, ...]
    vaccinated_today: bool


@dataclass(frozen=True)
class CheckinRecord:
    """One stored check-in, with its latest doctor decision and vaccination state."""

    checkin_id: str
    id_number: str
    site: str
    desk: str
    day: date
    queue_number: str
    at: datetime
    product: str | None
    dose: int | None
    undone: bool
    decision: str | None
    decision_reason: str | None
    vaccinated: bool


_ID: Final[BindParameter[str]] = bindparam("id_number")
_DAY: Final[BindParameter[date]] = bindparam("day")
_SITE: Final[BindParameter[str]] = bindparam("site")

# One round trip each: the person, their bookings and dose history, and today's events
# (check-ins, doctor refusals, vaccinations) as one UNION ALL, usually empty.
Q_PERSON: Final = select(people).where(people.c.id_number == _ID)
Q_BOOKINGS: Final = (  # cancelled ones too: they explain a refusal
    select(bookings).where(bookings.c.id_number == _ID).order_by(bookings.c.slot_start)
)
Q_HISTORY: Final = (
    select(
        dose_records.c.product,
        dose_records.c.given_on,
        dose_records.c.lot,
        dose_records.c.source,
    )
    .where(dose_records.c.id_number == _ID)
    .order_by(dose_records.c.given_on)
)
Q_DAY_EVENTS: Final = union_all(
    select(
        literal("checkin").label("kind"),
        checkins.c.site,
        checkins.c.desk,
        checkins.c.queue_number,
        checkins.c.at,
        checkins.c.undone,
        null().label("reason"),
    ).where(and_(checkins.c.id_number == _ID, checkins.c.day == _DAY)),
    # A refusal is a check-in whose decision in force is 醫生不同意 (the projection's rule).
    select(
        literal("refusal"),
        checkins.c.site,
        checkins.c.desk,
        null(),
        checkins.c.decision_at,
        false(),
        checkins.c.decision_reason,
    ).where(
        and_(
            checkins.c.id_number == _ID,
            checkins.c.day == _DAY,
            checkins.c.decision == NOT_APPROVED,
        )
    ),
    select(
        literal("vaccination"),
        vaccinations.c.site,
        vaccinations.c.desk,
        null(),
        vaccinations.c.at,
        false(),
        null(),
    ).where(and_(vaccinations.c.id_number == _ID, vaccinations.c.day == _DAY)),
)


def row_to_booking(row: Any) -> Booking:
    """A Booking from a `bookings` row."""
    return Booking(
        id_number=row.id_number,
        site=row.site,
        slot_start=row.slot_start,
        product=row.product,
        dose=row.dose,
        slot_end=row.slot_end,
        dose_label=row.dose_label,
        row_number=row.row_number,
        walk_in=bool(row.walk_in),
    )


def row_to_person(row: Any) -> Person:
    """A Person from a `people` row."""
    return Person(
        id_number=row.id_number, name=row.name, birth_date=row.birth_date, phone=row.phone
    )


class _Prepared:
    """A Core query compiled once for SQLite, run on the driver with named rows.

    The scan path reads four small queries per scan; SQLAlchemy's per-execution work
    (cache key, result set-up) cost more than SQLite's. Values come back as SQLite holds
    them: dates and times as text, booleans as 0/1.
    """

    def __init__(self, query: Any) -> None:
        compiled = query.compile(dialect=sqlite_dialect())
        self.sql = compiled.string
        self.names = list(compiled.positiontup or [])
        self.defaults = dict(compiled.params)  # the query's own literals ("checkin" ...)

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[sqlite3.Row]:
        values = self.defaults | params
        with driver.cursor(conn) as cur:
            found: list[sqlite3.Row] = cur.execute(
                self.sql, [values[name] for name in self.names]
            ).fetchall()
        return found


_P_PERSON: Final = _Prepared(Q_PERSON)
_P_BOOKINGS: Final = _Prepared(Q_BOOKINGS)
_P_HISTORY: Final = _Prepared(Q_HISTORY)
_P_DAY_EVENTS: Final = _Prepared(Q_DAY_EVENTS)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _instant_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def person_facts(conn: Connection, id_number: str, day: date) -> PersonFacts:
    """Everything the assessment needs about `id_number` on `day`."""
    params = {"id_number": id_number, "day": day.isoformat()}
    found = _P_PERSON.rows(conn, params)
    prow = found[0] if found else None
    bookings_of: list[Booking] = []
    cancelled: list[Booking] = []
    history: tuple[DoseRecord, ...] = ()
    person = None
    if prow is not None:
        person = Person(prow["id_number"], prow["name"], _day(prow["birth_date"]), prow["phone"])
        for r in _P_BOOKINGS.rows(conn, params):
            (cancelled if r["cancelled"] else bookings_of).append(
                Booking(
                    id_number=r["id_number"],
                    site=r["site"],
                    slot_start=datetime.fromisoformat(r["slot_start"]),
                    product=r["product"],
                    dose=r["dose"],
                    slot_end=_instant_text(r["slot_end"]),
                    dose_label=r["dose_label"],
                    row_number=r["row_number"],
                    walk_in=bool(r["walk_in"]),
                )
            )
        history = tuple(
            DoseRecord(r["product"], date.fromisoformat(r["given_on"]), r["lot"], r["source"])
            for r in _P_HISTORY.rows(conn, params)
        )
    facts: list[CheckinFact] = []
    refusals: list[DoctorRefusal] = []
    vaccinated = False
    for r in _P_DAY_EVENTS.rows(conn, params):
        if r["kind"] == "checkin":
            facts.append(
                CheckinFact(
                    site=r["site"],
                    desk=r["desk"],
                    queue_number=r["queue_number"],
                    at=local_time(r["at"]),
                    undone=bool(r["undone"]),
                )
            )
        elif r["kind"] == "refusal":
            refusals.append(
                DoctorRefusal(site=r["site"], at=local_time(r["at"]), reason=r["reason"] or "")
            )
        else:
            vaccinated = True
    facts.sort(key=lambda f: f.at)
    refusals.sort(key=lambda f: f.at)
    return PersonFacts(
        person=person,
        bookings=tuple(bookings_of),
        cancelled_bookings=tuple(cancelled),
        history=history,
        infection_date=_day(prow["infection_date"]) if prow is not None else None,
        infection_onset_date=_day(prow["infection_onset_date"]) if prow is not None else None,
        other_vaccine_date=_day(prow["other_vaccine_date"]) if prow is not None else None,
        checkins=tuple(facts),
        refusals=tuple(refusals),
        vaccinated_today=vaccinated,
    )


def checkin_records(
    conn: Connection,
    *,
    day: date,
    site: str | None = None,
    id_numbers: Sequence[str] | None = None,
    include_undone: bool = False,
) -> list[CheckinRecord]:
    """Check-ins of a day (optionally one site or some people), oldest first."""
    conds = [checkins.c.day == day]
    if site is not None:
        conds.append(checkins.c.site == site)
    if id_numbers is not None:
        conds.append(checkins.c.id_number.in_(list(id_numbers)))
    if not include_undone:
        conds.append(checkins.c.undone.is_(False))
    rows = conn.execute(select(checkins).where(and_(*conds)).order_by(checkins.c.at)).all()
    vacc_conds = [vaccinations.c.day == day]
    if site is not None:
        vacc_conds.append(vaccinations.c.site == site)
    vaccinated_ids = {
        r.checkin_id
        for r in conn.execute(select(vaccinations.c.checkin_id).where(and_(*vacc_conds)))
    }
    out = []
    for r in rows:
        out.append(
            CheckinRecord(
                checkin_id=r.checkin_id,
                id_number=r.id_number,
                site=r.site,
                desk=r.desk,
                day=r.day,
                queue_number=r.queue_number,
                at=datetime.fromisoformat(r.at),
                product=r.product,
                dose=r.dose,
                undone=bool(r.undone),
                decision=r.decision,
                decision_reason=r.decision_reason or None,
                vaccinated=r.checkin_id in vaccinated_ids,
            )
        )
    return out


def checkin_by_id(conn: Connection, checkin_id: str) -> CheckinRecord | None:
    """One check-in by its id, whatever its day."""
    row = conn.execute(select(checkins.c.day).where(checkins.c.checkin_id == checkin_id)).first()
    if row is None:
        return None
    found = [
        c
        for c in checkin_records(conn, day=row.day, include_undone=True)
        if c.checkin_id == checkin_id
    ]
    return found[0] if found else None


def booking_people(conn: Connection, where: Any, limit: int | None = None) -> list[Any]:
    """Rows of bookings joined with their people, filtered by `where`, by slot then row."""
    stmt = (
        select(
            bookings,
            people.c.name,
            people.c.birth_date,
            people.c.phone,
            people.c.history_text,
        )
        .join(people, people.c.id_number == bookings.c.id_number)
        .where(and_(bookings.c.cancelled.is_(False), where))
        .order_by(bookings.c.day, bookings.c.slot_start, bookings.c.row_number)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(conn.execute(stmt).all())


def site_day_filter(site: str, day: date) -> Any:
    """The filter of the bookings of one site and day."""
    return and_(bookings.c.site == site, bookings.c.day == day)


_DIGITS = re.compile(r"\D")


def search_filter(text: str, normalized_id: str | None) -> Any:
    """The filter a manual search uses: an exact ID, a phone number or a name substring.

    A valid ID number is looked up by its index only: no name or phone holds one, and a
    `LIKE '%...%'` would scan every person (about 110 ms at 100,000).
    """
    if normalized_id:
        return bookings.c.id_number == normalized_id
    conds = []
    digits = _DIGITS.sub("", text)
    if len(digits) >= 6 and len(digits) == len(text.replace("-", "").replace(" ", "")):
        conds.append(people.c.phone.contains(digits, autoescape=True))
    if text.strip():
        conds.append(people.c.name.contains(text.strip(), autoescape=True))
    return or_(*conds) if conds else bookings.c.id.is_(None)


def booked_ids(conn: Connection, site: str, day: date) -> set[str]:
    """ID numbers with a booking at `site` on `day`."""
    stmt = select(bookings.c.id_number).where(
        and_(bookings.c.cancelled.is_(False), site_day_filter(site, day))
    )
    return {r.id_number for r in conn.execute(stmt)}


def people_by_id(conn: Connection, id_numbers: Sequence[str]) -> dict[str, Person]:
    """The stored people among `id_numbers`."""
    out: dict[str, Person] = {}
    for start in range(0, len(id_numbers), 500):
        chunk = list(id_numbers[start : start + 500])
        for r in conn.execute(select(people).where(people.c.id_number.in_(chunk))):
            out[r.id_number] = row_to_person(r)
    return out


def histories(conn: Connection, id_numbers: Sequence[str]) -> dict[str, tuple[DoseRecord, ...]]:
    """The dose history of each of `id_numbers`, oldest dose first."""
    found: dict[str, list[DoseRecord]] = {}
    for start in range(0, len(id_numbers), 500):
        chunk = list(id_numbers[start : start + 500])
        rows = conn.execute(
            select(dose_records)
            .where(dose_records.c.id_number.in_(chunk))
            .order_by(dose_records.c.given_on)
        )
        for r in rows:
            found.setdefault(r.id_number, []).append(
                DoseRecord(product=r.product, given_on=r.given_on, lot=r.lot, source=r.source)
            )
    return {k: tuple(v) for k, v in found.items()}


def main_site(conn: Connection, day: date) -> str | None:
    """The site with the most bookings on `day`, or None when the day has none."""
    row = conn.execute(
        select(bookings.c.site, func.count().label("n"))
        .where(and_(bookings.c.day == day, bookings.c.cancelled.is_(False)))
        .group_by(bookings.c.site)
        .order_by(func.count().desc(), bookings.c.site)
        .limit(1)
    ).first()
    return None if row is None else str(row.site)


def lot_rows(conn: Connection, site: str, day: date) -> list[tuple[str, str, int, int, int | None]]:
    """(product, lot, vials opened, doses given, the lot's doses per vial or None) of every
    lot opened or used on the day."""
    opened: dict[tuple[str, str], int] = {}
    per_vial: dict[tuple[str, str], int | None] = {}
    for r in conn.execute(
        select(lots.c.product, lots.c.lot, lots.c.vials_opened, lots.c.doses_per_vial).where(
            and_(lots.c.site == site, lots.c.day == day)
        )
    ):
        opened[(r.product, r.lot)] = int(r.vials_opened)
        per_vial[(r.product, r.lot)] = r.doses_per_vial
    given = {
        (r.product, r.lot): int(r.n)
        for r in conn.execute(
            select(vaccinations.c.product, vaccinations.c.lot, func.count().label("n"))
            .where(and_(vaccinations.c.site == site, vaccinations.c.day == day))
            .group_by(vaccinations.c.product, vaccinations.c.lot)
        )
    }
    keys = sorted(set(opened) | set(given))
    return [
        (p, lot, opened.get((p, lot), 0), given.get((p, lot), 0), per_vial.get((p, lot)))
        for p, lot in keys
    ]


_ACTIVE_CHECKIN: Final = and_(
    checkins.c.site == _SITE, checkins.c.day == _DAY, checkins.c.undone.is_(False)
)
_BOOKED: Final = and_(
    bookings.c.site == _SITE, bookings.c.day == _DAY, bookings.c.cancelled.is_(False)
)
_NOT_APPROVED: Final = checkins.c.decision == NOT_APPROVED
# Counting in SQL: a 100,000-booking day never travels into Python for five numbers.
Q_COUNTERS: Final = select(
    select(func.count(bookings.c.id_number.distinct())).where(_BOOKED).scalar_subquery(),
    # Booked and arrived: walked from the day's few check-ins, not from every booking.
    select(func.count(checkins.c.id_number.distinct()))
    .where(
        and_(
            _ACTIVE_CHECKIN,
            select(literal(1))
            .where(and_(bookings.c.id_number == checkins.c.id_number, _BOOKED))
            .exists(),
        )
    )
    .scalar_subquery(),
    select(func.count(checkins.c.id_number.distinct())).where(_ACTIVE_CHECKIN).scalar_subquery(),
    select(func.count(vaccinations.c.id_number.distinct()))
    .where(and_(vaccinations.c.site == _SITE, vaccinations.c.day == _DAY))
    .scalar_subquery(),
    select(func.count(checkins.c.id_number.distinct()))
    .where(and_(_ACTIVE_CHECKIN, _NOT_APPROVED))
    .scalar_subquery(),
)


def counter_values(conn: Connection, site: str, day: date) -> tuple[int, int, int, int, int]:
    """(booked, booked and checked in, checked in, vaccinated, not approved) people."""
    row = conn.execute(Q_COUNTERS, {"site": site, "day": day}).one()
    return (int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]))


def _raw(column: Any) -> Any:
    """The column as SQLite holds it (text), skipping SQLAlchemy's per-value date parsing."""
    return type_coerce(column, String).label(column.name)


_c = checkins.alias("c")
_v = vaccinations.alias("v")
# Each person's latest active check-in of the day (SQLite takes the other columns of a
# MAX() aggregate from the row holding the maximum), its latest doctor decision and
# whether a dose was given. A few thousand rows: joined to the roster by id_number.
_TODAY: Final = (
    select(
        _c.c.id_number,
        _c.c.queue_number,
        _c.c.at,
        func.max(_c.c.at).label("latest"),
        select(literal(1))
        .where(and_(_v.c.checkin_id == _c.c.checkin_id, _v.c.day == _DAY))
        .exists()
        .label("vaccinated"),
        _c.c.decision.label("decision"),
    )
    .where(and_(_c.c.day == _DAY, _c.c.undone.is_(False)))
    .group_by(_c.c.id_number)
    .subquery("today")
)
Q_ROSTER: Final = (
    select(
        bookings.c.row_number,
        bookings.c.id_number,
        people.c.name,
        _raw(people.c.birth_date),
        people.c.phone,
        bookings.c.dose,
        bookings.c.dose_label,
        people.c.history_text,
        bookings.c.site,
        _raw(bookings.c.slot_start),
        bookings.c.product,
        bookings.c.walk_in,
        bookings.c.flags,
        _TODAY.c.queue_number,
        _TODAY.c.at,
        _TODAY.c.vaccinated,
        _TODAY.c.decision,
    )
    .select_from(bookings)
    .join(people, people.c.id_number == bookings.c.id_number)
    .outerjoin(
        _TODAY,
        and_(_TODAY.c.id_number == bookings.c.id_number, bookings.c.day == _DAY),
    )
    .where(and_(bookings.c.cancelled.is_(False), bookings.c.site == _SITE, bookings.c.day == _DAY))
    .order_by(bookings.c.slot_start, bookings.c.row_number)
)


def roster_tuples(conn: Connection, site: str, day: date) -> list[tuple[Any, ...]]:
    """The day's roster of a site as plain tuples, in Q_ROSTER's column order.

    Dates come as text (birth date, slot start, check-in time); booleans as 0/1.
    """
    # Straight through the driver: SQLAlchemy's result rows would add a third to the time.
    values = _ROSTER_SQL.params | {"site": site, "day": day.isoformat()}
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        names = _ROSTER_SQL.positiontup or []
        cursor.execute(_ROSTER_SQL.string, [values[name] for name in names])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
    finally:
        cursor.close()


_ROSTER_SQL: Final = Q_ROSTER.compile(dialect=sqlite_dialect())


_DAY_EVENTS: Final = select(events).where(events.c.day == bindparam("day")).order_by(events.c.seq)


def day_events(conn: Connection, day: date) -> list[Event]:
    """Every event (this desk's and the others') of a site day."""
    return [row_to_event(r) for r in conn.execute(_DAY_EVENTS, {"day": day.isoformat()})]


def lot_is_open(conn: Connection, site: str, day: date, product: str, lot: str) -> bool:
    """True when a vial of the lot was opened at the site on the day."""
    found = conn.execute(
        select(lots.c.vials_opened).where(
            and_(
                lots.c.site == site,
                lots.c.day == day,
                lots.c.product == product,
                lots.c.lot == lot,
                lots.c.vials_opened > 0,
            )
        )
    ).first()
    return found is not None


def vaccinated_on(conn: Connection, id_number: str, day: date) -> bool:
    """True when the person has a dose on the day at any desk this desk knows of."""
    found = conn.execute(
        select(vaccinations.c.vaccination_id).where(
            and_(vaccinations.c.id_number == id_number, vaccinations.c.day == day)
        )
    ).first()
    return found is not None


_VIAL_KINDS: Final = ("vial_opened", "vial_discarded")


def vial_events(conn: Connection, day: date) -> list[Event]:
    """The vials opened and discarded on the day (every site's this desk knows of)."""
    rows = conn.execute(
        select(events).where(and_(events.c.day == day.isoformat(), events.c.kind.in_(_VIAL_KINDS)))
    )
    return [row_to_event(r) for r in rows]


def doses_drawn(conn: Connection, site: str, day: date) -> list[tuple[str, str, str]]:
    """(product, lot, ISO instant) of every dose given at the site on the day."""
    rows = conn.execute(
        select(vaccinations.c.product, vaccinations.c.lot, vaccinations.c.at).where(
            and_(vaccinations.c.site == site, vaccinations.c.day == day)
        )
    )
    return [(r.product, r.lot, r.at) for r in rows]

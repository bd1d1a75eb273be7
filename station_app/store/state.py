"""How events become the desk store's state: through the shared projection, in batches.

A desk action and a page of pulled events take the same path, `apply_events`: the new
events go into the events table, and the site day of every person they touch is folded
again by `vaccination.projection.SiteDayFold` (their earlier events of that day read
back from the table), and the projected check-ins and vaccinations are written. So
the rules ("latest decision", undo by check-in id, voids) exist once, and events may
arrive in any order or twice. Statements are compiled once and run as executemany.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final

from sqlalchemy import Connection
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store import driver
from station_app.store.outbox import queue_position, row_to_event
from station_app.store.tables import bookings, people, sites
from vaccination.event_payloads import PersonPayload
from vaccination.events import CheckinEvent, Event, VialOpenedEvent, WalkinAddedEvent
from vaccination.models import Booking, DoseRecord
from vaccination.projection import CheckinState, SiteDayFold, SiteDayState, event_order

log = logging.getLogger(__name__)

_CHUNK: Final[int] = 500

# Plain driver SQL run as one executemany of tuples: SQLAlchemy's per-row parameter
# handling cost more than SQLite's own work on a late desk's catch-up.
_PERSON_EVENTS: Final = (
    "SELECT event_id, site, desk, seq, at, kind, json(payload) AS payload FROM events"
    " WHERE day = ? AND id_number IN "
)
_INSERT_EVENT: Final = (
    "INSERT INTO events (event_id, site, desk, seq, at, kind, payload, acked, origin,"
    " id_number, day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING"
)
# The check-in's booking: by the key the desk wrote, else the person's booking of the day.
_UPSERT_CHECKIN: Final = """
    INSERT INTO checkins (checkin_id, id_number, booking_id, site, desk, day, queue_number, at,
        product, dose, flags, confirm_reason, rule_set_version, undone, undone_at, undo_reason,
        origin, decision, decision_reason, decision_at)
    SELECT c.checkin_id, c.id_number,
        coalesce((SELECT id FROM bookings WHERE booking_key = c.booking_key),
                 (SELECT id FROM bookings WHERE id_number = c.id_number AND site = c.site
                    AND day = c.day AND NOT cancelled ORDER BY slot_start LIMIT 1)),
        c.site, c.desk, c.day, c.queue_number, c.at, c.product, c.dose, c.flags,
        c.confirm_reason, c.rule_set_version, c.undone, c.undone_at, c.undo_reason, c.origin,
        c.decision, c.decision_reason, c.decision_at
    FROM (SELECT ? AS checkin_id, ? AS id_number, ? AS booking_key, ? AS site, ? AS desk,
        ? AS day, ? AS queue_number, ? AS at, ? AS product, ? AS dose, ? AS flags,
        ? AS confirm_reason, ? AS rule_set_version, ? AS undone, ? AS undone_at,
        ? AS undo_reason, ? AS origin, ? AS decision, ? AS decision_reason,
        ? AS decision_at) AS c WHERE true
    ON CONFLICT (checkin_id) DO UPDATE SET undone = excluded.undone,
        undone_at = excluded.undone_at, undo_reason = excluded.undo_reason,
        decision = excluded.decision, decision_reason = excluded.decision_reason,
        decision_at = excluded.decision_at
"""
_INSERT_VACCINATION: Final = (
    "INSERT INTO vaccinations (vaccination_id, checkin_id, id_number, site, day, product, lot,"
    " dose, desk, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (vaccination_id) DO NOTHING"
)
# The dose joins the person's history (when the desk knows the person); the desk's
# record, with its lot, stands for the roster's copy of the same dose.
_INSERT_DOSE: Final = (
    "INSERT INTO dose_records (id_number, product, given_on, lot, source)"
    " SELECT d.id_number, d.product, d.given_on, d.lot, 'desk'"
    " FROM (SELECT ? AS id_number, ? AS product, ? AS given_on, ? AS lot) AS d"
    " WHERE EXISTS (SELECT 1 FROM people WHERE id_number = d.id_number)"
    " ON CONFLICT (id_number, product, given_on) DO UPDATE SET lot = excluded.lot,"
    " source = 'desk'"
)
# The lot's doses per vial are set by its first vial (AZ comes in 8 and 10).
# The numbers a desk has used: a PC that learns of its own desk's events (a replacement
# PC catching up) continues after them, instead of writing seq 1 and A001 again.
_SEEN_SEQ: Final = (
    "INSERT INTO desk_sequences (scope, desk, site, day, next_value) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (scope, desk, site, day) DO UPDATE SET"
    " next_value = max(next_value, excluded.next_value)"
)
_OPEN_VIAL: Final = (
    "INSERT INTO lots (site, day, product, lot, vials_opened, doses_per_vial)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site, day, product, lot) DO UPDATE SET"
    " vials_opened = vials_opened + excluded.vials_opened,"
    " doses_per_vial = coalesce(doses_per_vial, excluded.doses_per_vial)"
)


def _placeholders(n: int) -> str:
    return ", ".join("?" * n)


def _new_events(conn: Connection, batch: Sequence[Event]) -> list[Event]:
    """The events of `batch` not stored yet, each once, in batch order."""
    unique: dict[str, Event] = {}
    for e in batch:
        unique.setdefault(e.event_id, e)
    known: set[str] = set()
    ids = list(unique)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        sql = f"SELECT event_id FROM events WHERE event_id IN ({_placeholders(len(chunk))})"
        known.update(r[0] for r in conn.exec_driver_sql(sql, tuple(chunk)))
    return [e for e in unique.values() if e.event_id not in known]


def _stored_events(conn: Connection, people_by_day: dict[date, set[str]]) -> list[Event]:
    """Every stored event of these people on these days."""
    out: list[Event] = []
    for day, ids in people_by_day.items():
        listed = sorted(ids)
        for start in range(0, len(listed), _CHUNK):
            chunk = listed[start : start + _CHUNK]
            sql = _PERSON_EVENTS + f"({_placeholders(len(chunk))})"
            rows = conn.exec_driver_sql(sql, (day.isoformat(), *chunk))
            out += [row_to_event(r) for r in rows]
    return out


def _event_row(event: Event, origin: str) -> tuple[object, ...]:
    p = event.payload
    return (
        event.event_id,
        event.site,
        event.desk,
        event.seq,
        event.at.isoformat(),
        event.kind.value,
        p.model_dump_json(by_alias=True, exclude_none=True),
        origin == "remote",
        origin,
        p.id_number if isinstance(p, PersonPayload) else None,
        p.day.isoformat(),
    )


def _checkin_row(c: CheckinState, day: str, origin: str) -> tuple[object, ...]:
    undone_at = c.undone_at or (c.void.at if c.void else None)
    d = c.decision
    return (
        c.checkin_id,
        c.id_number,
        c.booking_key,
        c.site_label,
        c.desk,
        day,
        c.queue_number,
        c.at.isoformat(),
        c.product,
        c.dose,
        json.dumps(list(c.flags), ensure_ascii=False),
        c.confirm_reason,
        c.rule_set_version,
        c.undone,
        undone_at.isoformat() if undone_at else None,
        c.undo_reason or (c.void.reason if c.void else None),
        origin,
        c.decision_code,
        d.reason if d else None,
        d.at.isoformat() if d else None,
    )


def _write_state(conn: Connection, day: date, state: SiteDayState, origin: str) -> None:
    text_day = day.isoformat()
    if state.checkins:
        rows = [_checkin_row(c, text_day, origin) for c in state.checkins]
        driver.executemany(conn, _UPSERT_CHECKIN, rows)
    if not state.vaccinations:
        return
    driver.executemany(
        conn,
        _INSERT_VACCINATION,
        [
            (v.vaccination_id, v.checkin_id, v.id_number, v.site_label, text_day, v.product,
             v.lot, v.dose, v.desk, v.at.isoformat())
            for v in state.vaccinations
        ],
    )  # fmt: skip
    driver.executemany(
        conn, _INSERT_DOSE, [(v.id_number, v.product, text_day, v.lot) for v in state.vaccinations]
    )


def _sequences_seen(new: Sequence[Event]) -> list[tuple[object, ...]]:
    """desk_sequences rows: each desk's next event seq and next queue number of a day."""
    seqs: dict[str, int] = {}
    queues: dict[tuple[str, str, str], int] = {}
    for e in new:
        seqs[e.desk] = max(seqs.get(e.desk, 0), e.seq + 1)
        if isinstance(e, CheckinEvent):
            number = queue_position(e.payload.queue_number)
            key = (e.desk, e.site, e.payload.day.isoformat())
            queues[key] = max(queues.get(key, 0), number + 1)
    rows: list[tuple[object, ...]] = [("event", desk, "", "", n) for desk, n in seqs.items()]
    return rows + [("queue", desk, site, day, n) for (desk, site, day), n in queues.items()]


def walk_in_booking(event: WalkinAddedEvent) -> Booking:
    """The Booking a WALKIN_ADDED event describes."""
    p = event.payload
    slot_start = p.slot_start or event.at.replace(tzinfo=None)
    return Booking(
        id_number=p.id_number,
        site=p.site or event.site,
        slot_start=slot_start.replace(tzinfo=None),
        product=p.product,
        dose=p.dose,
        dose_label=p.dose_label,
        walk_in=True,
    )


def _write_walk_in(conn: Connection, event: WalkinAddedEvent) -> None:
    from station_app.store import importing  # loads the roster reader: not at start-up

    p = event.payload
    person: dict[str, Any] = {
        "id_number": p.id_number,
        "name": p.name,
        "birth_date": p.birth_date,
        "phone": p.phone,
        "history_text": p.history_text,
        "source": "walk_in",
    }
    conn.execute(
        sqlite_insert(people)
        .values(**person)
        .on_conflict_do_update(
            index_elements=["id_number"], set_={k: v for k, v in person.items() if k != "source"}
        )
    )
    booking = walk_in_booking(event)
    conn.execute(
        sqlite_insert(sites)
        .values(name=booking.site)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    conn.execute(
        sqlite_insert(bookings)
        .values(**importing.booking_row(booking))
        .on_conflict_do_update(index_elements=["booking_key"], set_={"cancelled": False})
    )
    doses = [
        importing.dose_row(p.id_number, DoseRecord(d.product, d.given_on, d.lot, source="roster"))
        for d in p.history
    ]
    if doses:
        conn.execute(importing.INSERT_DOSE, doses)


def _write_vials(conn: Connection, opened: Iterable[VialOpenedEvent]) -> None:
    counts: dict[tuple[str, str, str, str], int] = defaultdict(int)
    doses: dict[tuple[str, str, str, str], int] = {}
    for e in sorted(opened, key=event_order):
        p = e.payload
        key = (e.site, p.day.isoformat(), p.product, p.lot)
        counts[key] += 1
        doses.setdefault(key, p.doses)
    if counts:
        rows = [(*key, n, doses[key]) for key, n in counts.items()]
        driver.executemany(conn, _OPEN_VIAL, rows)


def apply_events(
    conn: Connection,
    batch: Sequence[Event],
    origin: str,
    *,
    fresh: bool = False,
    sequences: bool = True,
) -> list[Event]:
    """Store the new events of `batch` and project the people they touch; returns the new.

    Idempotent by event id: an event stored before changes nothing. `fresh`: the desk
    made these events just now (new ids), so there is nothing to look up. `sequences`:
    the events' desks are this site's, whose numbers this desk continues when it is one
    of them.
    """
    new = list(batch) if fresh else _new_events(conn, batch)
    if not new:
        return []
    touched: dict[date, set[str]] = defaultdict(set)
    for e in new:
        if isinstance(e.payload, PersonPayload):
            touched[e.payload.day].add(e.payload.id_number)
    # A new check-in of this desk changes no other row: nothing earlier to fold it with.
    only_new_checkins = fresh and all(isinstance(e, CheckinEvent) for e in new)
    prior = [] if only_new_checkins else _stored_events(conn, touched)
    driver.executemany(conn, _INSERT_EVENT, [_event_row(e, origin) for e in new])
    if sequences and not fresh:
        driver.executemany(conn, _SEEN_SEQ, _sequences_seen(new))
    for e in new:
        if isinstance(e, WalkinAddedEvent):
            _write_walk_in(conn, e)
    _write_vials(conn, (e for e in new if isinstance(e, VialOpenedEvent)))
    by_day: dict[date, list[Event]] = defaultdict(list)
    for e in (*prior, *new):
        if isinstance(e.payload, PersonPayload):
            by_day[e.payload.day].append(e)
    for day, day_events in by_day.items():
        _write_state(conn, day, SiteDayFold().add_all(day_events).state(), origin)
    return new

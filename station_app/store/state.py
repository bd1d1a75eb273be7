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

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store.outbox import row_to_event
from station_app.store.tables import bookings, events, people, sites
from vaccination.event_payloads import PersonPayload
from vaccination.events import Event, VialOpenedEvent, WalkinAddedEvent
from vaccination.models import Booking, DoseRecord
from vaccination.projection import CheckinState, SiteDayFold, SiteDayState

log = logging.getLogger(__name__)

_CHUNK: Final[int] = 500

_KNOWN_IDS: Final = select(events.c.event_id).where(
    events.c.event_id.in_(bindparam("ids", expanding=True))
)
_PERSON_EVENTS: Final = select(events).where(
    events.c.day == bindparam("day"), events.c.id_number.in_(bindparam("ids", expanding=True))
)
_INSERT_EVENT: Final = text(
    "INSERT INTO events (event_id, site, desk, seq, at, kind, payload, acked, origin,"
    " id_number, day) VALUES (:event_id, :site, :desk, :seq, :at, :kind, :payload, :acked,"
    " :origin, :id_number, :day) ON CONFLICT (event_id) DO NOTHING"
)
# The check-in's booking: by the key the desk wrote, else the person's booking of the day.
_UPSERT_CHECKIN: Final = text(
    """
    INSERT INTO checkins (checkin_id, id_number, booking_id, site, desk, day, queue_number, at,
        product, dose, flags, confirm_reason, rule_set_version, undone, undone_at, undo_reason,
        origin, decision, decision_reason, decision_at)
    VALUES (:checkin_id, :id_number,
        coalesce((SELECT id FROM bookings WHERE booking_key = :booking_key),
                 (SELECT id FROM bookings WHERE id_number = :id_number AND site = :site
                    AND day = :day AND NOT cancelled ORDER BY slot_start LIMIT 1)),
        :site, :desk, :day, :queue_number, :at, :product, :dose, :flags, :confirm_reason,
        :rule_set_version, :undone, :undone_at, :undo_reason, :origin, :decision,
        :decision_reason, :decision_at)
    ON CONFLICT (checkin_id) DO UPDATE SET undone = excluded.undone,
        undone_at = excluded.undone_at, undo_reason = excluded.undo_reason,
        decision = excluded.decision, decision_reason = excluded.decision_reason,
        decision_at = excluded.decision_at
    """
)
_INSERT_VACCINATION: Final = text(
    "INSERT INTO vaccinations (vaccination_id, checkin_id, id_number, site, day, product, lot,"
    " dose, desk, at) VALUES (:vaccination_id, :checkin_id, :id_number, :site, :day, :product,"
    " :lot, :dose, :desk, :at) ON CONFLICT (vaccination_id) DO NOTHING"
)
# The dose joins the person's history (when the desk knows the person); the desk's
# record, with its lot, stands for the roster's copy of the same dose.
_INSERT_DOSE: Final = text(
    "INSERT INTO dose_records (id_number, product, given_on, lot, source)"
    " SELECT :id_number, :product, :given_on, :lot, 'desk'"
    " WHERE EXISTS (SELECT 1 FROM people WHERE id_number = :id_number)"
    " ON CONFLICT (id_number, product, given_on) DO UPDATE SET lot = excluded.lot,"
    " source = 'desk'"
)
_OPEN_VIAL: Final = text(
    "INSERT INTO lots (site, day, product, lot, vials_opened) VALUES (:site, :day, :product,"
    " :lot, :n) ON CONFLICT (site, day, product, lot) DO UPDATE SET"
    " vials_opened = vials_opened + excluded.vials_opened"
)


def _new_events(conn: Connection, batch: Sequence[Event]) -> list[Event]:
    """The events of `batch` not stored yet, each once, in batch order."""
    unique: dict[str, Event] = {}
    for e in batch:
        unique.setdefault(e.event_id, e)
    known: set[str] = set()
    ids = list(unique)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        known.update(conn.execute(_KNOWN_IDS, {"ids": chunk}).scalars())
    return [e for e in unique.values() if e.event_id not in known]


def _stored_events(conn: Connection, people_by_day: dict[date, set[str]]) -> list[Event]:
    """Every stored event of these people on these days."""
    out: list[Event] = []
    for day, ids in people_by_day.items():
        listed = sorted(ids)
        for start in range(0, len(listed), _CHUNK):
            params = {"day": day.isoformat(), "ids": listed[start : start + _CHUNK]}
            out += [row_to_event(r) for r in conn.execute(_PERSON_EVENTS, params)]
    return out


def _event_row(event: Event, origin: str) -> dict[str, Any]:
    p = event.payload
    return {
        "event_id": event.event_id,
        "site": event.site,
        "desk": event.desk,
        "seq": event.seq,
        "at": event.at.isoformat(),
        "kind": event.kind.value,
        "payload": p.model_dump_json(by_alias=True, exclude_none=True),
        "acked": origin == "remote",
        "origin": origin,
        "id_number": p.id_number if isinstance(p, PersonPayload) else None,
        "day": p.day.isoformat(),
    }


def _checkin_row(c: CheckinState, day: date, origin: str) -> dict[str, Any]:
    undone_at = c.undone_at or (c.void.at if c.void else None)
    d = c.decision
    return {
        "checkin_id": c.checkin_id,
        "id_number": c.id_number,
        "booking_key": c.booking_key,
        "site": c.site_label,
        "desk": c.desk,
        "day": day.isoformat(),
        "queue_number": c.queue_number,
        "at": c.at.isoformat(),
        "product": c.product,
        "dose": c.dose,
        "flags": json.dumps(list(c.flags), ensure_ascii=False),
        "confirm_reason": c.confirm_reason,
        "rule_set_version": c.rule_set_version,
        "undone": c.undone,
        "undone_at": undone_at.isoformat() if undone_at else None,
        "undo_reason": c.undo_reason or (c.void.reason if c.void else None),
        "origin": origin,
        "decision": c.decision_code,
        "decision_reason": d.reason if d else None,
        "decision_at": d.at.isoformat() if d else None,
    }


def _write_state(conn: Connection, day: date, state: SiteDayState, origin: str) -> None:
    if state.checkins:
        conn.execute(_UPSERT_CHECKIN, [_checkin_row(c, day, origin) for c in state.checkins])
    if not state.vaccinations:
        return
    conn.execute(
        _INSERT_VACCINATION,
        [
            {
                "vaccination_id": v.vaccination_id,
                "checkin_id": v.checkin_id,
                "id_number": v.id_number,
                "site": v.site_label,
                "day": day.isoformat(),
                "product": v.product,
                "lot": v.lot,
                "dose": v.dose,
                "desk": v.desk,
                "at": v.at.isoformat(),
            }
            for v in state.vaccinations
        ],
    )
    conn.execute(
        _INSERT_DOSE,
        [
            {"id_number": v.id_number, "product": v.product, "given_on": day, "lot": v.lot}
            for v in state.vaccinations
        ],
    )


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
    for e in opened:
        p = e.payload
        counts[(e.site, p.day.isoformat(), p.product, p.lot)] += 1
    if counts:
        conn.execute(
            _OPEN_VIAL,
            [
                {"site": s, "day": d, "product": prod, "lot": lot, "n": n}
                for (s, d, prod, lot), n in counts.items()
            ],
        )


def apply_events(conn: Connection, batch: Sequence[Event], origin: str) -> list[Event]:
    """Store the new events of `batch` and project the people they touch; returns the new.

    Idempotent by event id: an event stored before changes nothing.
    """
    new = _new_events(conn, batch)
    if not new:
        return []
    touched: dict[date, set[str]] = defaultdict(set)
    for e in new:
        if isinstance(e.payload, PersonPayload):
            touched[e.payload.day].add(e.payload.id_number)
    prior = _stored_events(conn, touched)
    conn.execute(_INSERT_EVENT, [_event_row(e, origin) for e in new])
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

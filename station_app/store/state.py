"""How each event kind changes the store's state; shared by local actions and remote events.

A desk action builds its Event, then calls `apply_event` and `insert_event` in one
transaction. A pulled event of another desk goes through the same `apply_event`, so
desk A sees desk B's check-ins exactly as it sees its own.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from station_app.store.tables import (
    bookings,
    checkins,
    doctor_decisions,
    dose_records,
    people,
    sites,
    vaccinations,
)
from vaccination.events import Event, EventKind
from vaccination.models import Booking, DoseRecord

log = logging.getLogger(__name__)


def _day(event: Event) -> date:
    return date.fromisoformat(str(event.payload["day"]))


def _find_booking_id(conn: Connection, event: Event) -> int | None:
    p = event.payload
    if p.get("booking_key"):
        found = conn.execute(
            select(bookings.c.id).where(bookings.c.booking_key == p["booking_key"])
        ).scalar()
        if found is not None:
            return int(found)
    found = conn.execute(
        select(bookings.c.id)
        .where(
            and_(
                bookings.c.id_number == p["id_number"],
                bookings.c.site == event.site,
                bookings.c.day == _day(event),
                bookings.c.cancelled.is_(False),
            )
        )
        .order_by(bookings.c.slot_start)
        .limit(1)
    ).scalar()
    return int(found) if found is not None else None


def _apply_checkin(conn: Connection, event: Event, origin: str) -> None:
    p = event.payload
    conn.execute(
        sqlite_insert(checkins)
        .values(
            checkin_id=event.event_id,
            id_number=p["id_number"],
            booking_id=_find_booking_id(conn, event),
            site=event.site,
            desk=event.desk,
            day=_day(event),
            queue_number=p["queue_number"],
            at=event.at.isoformat(),
            product=p.get("product"),
            dose=p.get("dose"),
            flags=list(p.get("flags") or []),
            confirm_reason=p.get("confirm_reason"),
            rule_set_version=p.get("rule_set_version"),
            origin=origin,
        )
        .on_conflict_do_nothing(index_elements=["checkin_id"])
    )


def _apply_undo(conn: Connection, event: Event) -> None:
    p = event.payload
    values = {"undone": True, "undone_at": event.at.isoformat(), "undo_reason": p.get("reason")}
    if p.get("checkin_id"):
        where = checkins.c.checkin_id == p["checkin_id"]
    else:
        where = and_(
            checkins.c.id_number == p["id_number"],
            checkins.c.queue_number == p["queue_number"],
            checkins.c.day == _day(event),
        )
    conn.execute(update(checkins).where(where).values(**values))


def _apply_decision(conn: Connection, event: Event) -> None:
    p = event.payload
    conn.execute(
        sqlite_insert(doctor_decisions)
        .values(
            decision_id=event.event_id,
            checkin_id=p.get("checkin_id") or "",
            id_number=p["id_number"],
            site=event.site,
            day=_day(event),
            approved=bool(p["approved"]),
            reason=p.get("reason"),
            desk=event.desk,
            at=event.at.isoformat(),
        )
        .on_conflict_do_nothing(index_elements=["decision_id"])
    )


def _person_exists(conn: Connection, id_number: str) -> bool:
    found = conn.execute(select(people.c.id_number).where(people.c.id_number == id_number))
    return found.first() is not None


def _apply_vaccination(conn: Connection, event: Event) -> None:
    from station_app.store import importing  # loads the roster reader: not at start-up

    p = event.payload
    day = _day(event)
    conn.execute(
        sqlite_insert(vaccinations)
        .values(
            vaccination_id=event.event_id,
            checkin_id=p.get("checkin_id"),
            id_number=p["id_number"],
            site=event.site,
            day=day,
            product=p["product"],
            lot=p["lot"],
            dose=int(p["dose"]),
            desk=event.desk,
            at=event.at.isoformat(),
        )
        .on_conflict_do_nothing(index_elements=["vaccination_id"])
    )
    if _person_exists(conn, p["id_number"]):
        # The dose joins the person's history so the next assessment counts it.
        record = DoseRecord(product=p["product"], given_on=day, lot=p["lot"], source="desk")
        conn.execute(
            sqlite_insert(dose_records)
            .values(**importing.dose_row(p["id_number"], record))
            .on_conflict_do_nothing(index_elements=["id_number", "product", "given_on", "source"])
        )
    else:
        log.warning("vaccination event %s names a person not in this store", event.event_id)


def walk_in_booking(event: Event) -> Booking:
    """The Booking a WALKIN_ADDED event describes."""
    p = event.payload
    slot = p.get("slot_start")
    slot_start = (
        datetime.fromisoformat(slot) if slot else datetime.combine(_day(event), event.at.time())
    )
    return Booking(
        id_number=p["id_number"],
        site=p.get("site") or event.site,
        slot_start=slot_start.replace(tzinfo=None),
        product=p["product"],
        dose=int(p["dose"]),
        dose_label=p.get("dose_label"),
        walk_in=True,
    )


def _apply_walk_in(conn: Connection, event: Event) -> None:
    from station_app.store import importing  # loads the roster reader: not at start-up

    p = event.payload
    birth = p.get("birth_date")
    person: dict[str, Any] = {
        "id_number": p["id_number"],
        "name": p["name"],
        "birth_date": date.fromisoformat(birth) if birth else None,
        "phone": p.get("phone"),
        "history_text": p.get("history_text") or "",
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
    for item in p.get("history") or []:
        record = DoseRecord(
            product=item["product"],
            given_on=date.fromisoformat(item["given_on"]),
            lot=item.get("lot"),
            source="roster",
        )
        conn.execute(
            sqlite_insert(dose_records)
            .values(**importing.dose_row(p["id_number"], record))
            .on_conflict_do_nothing(index_elements=["id_number", "product", "given_on", "source"])
        )


def apply_event(conn: Connection, event: Event, origin: str) -> None:
    """Change the state the way `event` says (idempotent for one event_id)."""
    if event.kind is EventKind.CHECKIN:
        _apply_checkin(conn, event, origin)
    elif event.kind is EventKind.CHECKIN_UNDONE:
        _apply_undo(conn, event)
    elif event.kind is EventKind.DOCTOR_DECISION:
        _apply_decision(conn, event)
    elif event.kind is EventKind.VACCINATION:
        _apply_vaccination(conn, event)
    elif event.kind is EventKind.WALKIN_ADDED:
        _apply_walk_in(conn, event)
    # CORRECTION events are kept in the log for the health bureau; the desk state has no
    # field they change yet.

"""Rosters per site and day: upload (replace), central additions and cancellations, download.

A roster upload is compared with what the server held for that site and day: new or
changed bookings become `roster_add` log entries, bookings gone from the file become
`roster_cancel` entries, so desks that already downloaded the day get the difference
through pull. Rows are read by the same importer the desks use
(`vaccination.roster_import.read_roster`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from sync_server.db.tables import log, roster_entries
from sync_server.errors import bad_request
from sync_server.services.accounts import Site, now_utc
from sync_server.services.journal import insert_ignoring_conflicts, lock_site, upsert
from vaccination.models import Booking, DoseRecord, Person
from vaccination.rules import RuleSetRegistry

ROSTER_ADD = "roster_add"
ROSTER_CANCEL = "roster_cancel"

# Columns compared to decide whether a re-uploaded booking changed.
_COMPARED = (
    "name",
    "birth_date",
    "phone",
    "booking_site",
    "slot_start",
    "slot_end",
    "dose",
    "dose_label",
    "history",
    "history_text",
    "flags",
    "walk_in",
    "infection_date",
    "other_vaccine_date",
)


@dataclass(frozen=True)
class RosterSummary:
    """What an upload did."""

    day: date
    accepted: int  # rows of the file the importer accepted for this day
    rejected: list[dict[str, Any]]  # [{row_number, reason_zh, reason_en}]
    other_days: int  # accepted rows booked for another day (not stored)
    added: int
    changed: int
    cancelled: int
    unchanged: int
    cursor: int  # the site's log position after the upload


def entry_row(
    site_id: int,
    person: Person,
    booking: Booking,
    history: Iterable[DoseRecord],
    history_text: str,
    flags: Iterable[str],
    *,
    infection_date: date | None = None,
    other_vaccine_date: date | None = None,
) -> dict[str, Any]:
    """The roster_entries row of one booking (every field the desks' importer reads)."""
    return {
        "site_id": site_id,
        "day": booking.slot_start.date(),
        "id_number": person.id_number,
        "product": booking.product,
        "name": person.name,
        "birth_date": person.birth_date,
        "phone": person.phone,
        "booking_site": booking.site,
        "slot_start": booking.slot_start.replace(tzinfo=None).isoformat(timespec="minutes"),
        "slot_end": (
            booking.slot_end.replace(tzinfo=None).isoformat(timespec="minutes")
            if booking.slot_end
            else None
        ),
        "dose": booking.dose,
        "dose_label": booking.dose_label,
        "row_number": booking.row_number,
        "history": [
            {"product": d.product, "given_on": d.given_on.isoformat(), "lot": d.lot}
            for d in history
        ],
        "history_text": history_text or "",
        "flags": list(flags),
        "walk_in": booking.walk_in,
        "cancelled": False,
        "infection_date": infection_date,
        "other_vaccine_date": other_vaccine_date,
    }


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def wire_entry(row: Any) -> dict[str, Any]:
    """The JSON form of a roster entry that desks download and pull (vaccination.wire)."""
    m = row._mapping if hasattr(row, "_mapping") else row
    return {
        "id_number": m["id_number"],
        "name": m["name"],
        "birth_date": _iso(m["birth_date"]),
        "phone": m["phone"],
        "site": m["booking_site"],
        "slot_start": m["slot_start"],
        "slot_end": m["slot_end"],
        "product": m["product"],
        "dose": m["dose"],
        "dose_label": m["dose_label"],
        "row_number": m["row_number"],
        "walk_in": bool(m["walk_in"]),
        "history": list(m["history"] or []),
        "history_text": m["history_text"] or "",
        "flags": list(m["flags"] or []),
        "infection_date": _iso(m["infection_date"]),
        "other_vaccine_date": _iso(m["other_vaccine_date"]),
    }


def _cancel_payload(m: Any) -> dict[str, Any]:
    return {
        "id_number": m["id_number"],
        "product": m["product"],
        "site": m["booking_site"],
        "slot_start": m["slot_start"],
        "day": m["slot_start"][:10],
    }


def _log_rows(site_id: int, kind: str, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    at = now_utc().isoformat()
    return [
        {
            "site_id": site_id,
            "entry": "roster",
            "event_id": None,
            "site_label": None,
            "desk": None,
            "seq": None,
            "at": at,
            "day": date.fromisoformat(p["slot_start"][:10]),
            "kind": kind,
            "id_number": p["id_number"],
            "payload": p,
        }
        for p in payloads
    ]


def site_cursor(conn: Connection, site_id: int) -> int:
    """The newest log_id of the site (0 when empty)."""
    value = conn.execute(select(func.max(log.c.log_id)).where(log.c.site_id == site_id)).scalar()
    return int(value or 0)


def _existing(conn: Connection, site_id: int, day: date) -> dict[tuple[str, str], Any]:
    rows = conn.execute(
        select(roster_entries).where(
            and_(roster_entries.c.site_id == site_id, roster_entries.c.day == day)
        )
    )
    return {(r.id_number, r.product): r._mapping for r in rows}


def _store(conn: Connection, site: Site, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = [c for c in rows[0] if c not in ("site_id", "day", "id_number", "product")]
    stmt = upsert(conn, roster_entries, ["site_id", "day", "id_number", "product"], cols)
    conn.execute(stmt, rows)


def replace_day(
    conn: Connection, site: Site, day: date, rows: list[dict[str, Any]]
) -> dict[str, int]:
    """Make the site's roster of `day` equal `rows`, logging what changed (caller's transaction)."""
    lock_site(conn, site.id)
    before = _existing(conn, site.id, day)
    incoming: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        incoming[(row["id_number"], row["product"])] = row  # a duplicate row: the last wins
    added, changed, unchanged = [], [], 0
    for key, row in incoming.items():
        old = before.get(key)
        if old is None or old["cancelled"]:
            added.append(row)
        elif any(old[c] != row[c] for c in _COMPARED):
            changed.append(row)
        else:
            unchanged += 1
    gone = [m for key, m in before.items() if key not in incoming and not m["cancelled"]]
    _store(conn, site, added + changed)
    if gone:
        for m in gone:
            conn.execute(
                update(roster_entries).where(roster_entries.c.id == m["id"]).values(cancelled=True)
            )
    log_rows = _log_rows(site.id, ROSTER_ADD, [wire_entry(r) for r in added + changed])
    log_rows += _log_rows(site.id, ROSTER_CANCEL, [_cancel_payload(m) for m in gone])
    if log_rows:
        conn.execute(insert_ignoring_conflicts(conn, log), log_rows)
    return {
        "added": len(added),
        "changed": len(changed),
        "cancelled": len(gone),
        "unchanged": unchanged,
    }


def upload_roster(
    conn: Connection, site: Site, day: date, path: Path, rules: RuleSetRegistry
) -> RosterSummary:
    """Read a roster file with the desk's importer and make it the site's roster of `day`."""
    from vaccination.roster_import import read_roster

    report = read_roster(path, rules)
    if report.fatal_error:
        raise bad_request(
            "roster_unreadable",
            f"名冊檔無法讀取：{report.fatal_error}",
            f"the roster file cannot be read: {report.fatal_error}",
        )
    rows, other_days = [], 0
    for entry in report.rows:
        if entry.booking.slot_start.date() != day:
            other_days += 1
            continue
        rows.append(
            entry_row(
                site.id,
                entry.person,
                entry.booking,
                entry.history,
                entry.history_text,
                entry.flags,
                infection_date=entry.infection_date,
                other_vaccine_date=entry.other_vaccine_date,
            )
        )
    counts = replace_day(conn, site, day, rows)
    rejected = [
        {"row_number": r.row_number, "reason_zh": r.reason_zh, "reason_en": r.reason_en}
        for r in report.rejected
    ]
    return RosterSummary(
        day=day,
        accepted=len(rows),
        rejected=rejected,
        other_days=other_days,
        cursor=site_cursor(conn, site.id),
        **counts,
    )


def add_entry(conn: Connection, site: Site, row: dict[str, Any]) -> int:
    """Add (or update) one booking centrally; returns the site's cursor after it."""
    lock_site(conn, site.id)
    _store(conn, site, [row])
    conn.execute(
        insert_ignoring_conflicts(conn, log), _log_rows(site.id, ROSTER_ADD, [wire_entry(row)])
    )
    return site_cursor(conn, site.id)


def cancel_entry(conn: Connection, site: Site, day: date, id_number: str, product: str) -> int:
    """Cancel one booking centrally; returns the site's cursor after it. 404 when unknown."""
    lock_site(conn, site.id)
    row = conn.execute(
        select(roster_entries).where(
            and_(
                roster_entries.c.site_id == site.id,
                roster_entries.c.day == day,
                roster_entries.c.id_number == id_number,
                roster_entries.c.product == product,
                roster_entries.c.cancelled.is_(False),
            )
        )
    ).first()
    if row is None:
        from sync_server.errors import not_found

        raise not_found("此預約", "booking")
    conn.execute(update(roster_entries).where(roster_entries.c.id == row.id).values(cancelled=True))
    conn.execute(
        insert_ignoring_conflicts(conn, log),
        _log_rows(site.id, ROSTER_CANCEL, [_cancel_payload(row._mapping)]),
    )
    return site_cursor(conn, site.id)


def download(conn: Connection, site: Site, day: date) -> tuple[list[dict[str, Any]], int]:
    """The site's bookings of `day` (not cancelled) and the cursor to pull from afterwards."""
    cursor = site_cursor(conn, site.id)
    rows = conn.execute(
        select(roster_entries)
        .where(
            and_(
                roster_entries.c.site_id == site.id,
                roster_entries.c.day == day,
                roster_entries.c.cancelled.is_(False),
            )
        )
        .order_by(roster_entries.c.slot_start, roster_entries.c.row_number, roster_entries.c.id)
    )
    return [wire_entry(r) for r in rows], cursor

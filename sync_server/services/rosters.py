"""Rosters per site and day: upload (replace), central additions and cancellations, download.

A roster upload is compared with what the server held for that site and day: new or
changed bookings become `roster_add` log entries, bookings gone from the file become
`roster_cancel` entries, so desks that already downloaded the day get the difference
through pull. Rows are read by the same importer the desks use
(`vaccination.roster_import.read_roster`), before any transaction is opened
(`read_upload`): on SQLite a transaction holds the one write lock, and a desk's push
must not wait for a file being parsed.

A row belongs to the site its 接種地點 names, by the site's name or code compared as
`vaccination.assessment.site_key` does (台/臺, full-width forms and spaces aside), and
is filed under the bureau's name of the site. A site's upload files that site's rows of
one day; a bureau-wide upload (the Tainan back-office export: several sites, several
days) files every row under its site and day and lists the rows of sites the bureau
does not have, filing them nowhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select, update

from sync_server.db.tables import log, roster_entries
from sync_server.errors import bad_request
from sync_server.services.accounts import Site, list_sites, now_utc
from sync_server.services.journal import insert_ignoring_conflicts, lock_site, upsert
from vaccination.assessment import site_key
from vaccination.models import Booking, DoseRecord, Person
from vaccination.roster_files import RosterLimits
from vaccination.roster_import import ImportReport, RosterEntry, read_roster
from vaccination.rules import RuleSetRegistry

ROSTER_ADD = "roster_add"
ROSTER_CANCEL = "roster_cancel"
MAX_DOWNLOAD_DAYS: Final[int] = 31
MAX_LISTED_ROWS: Final[int] = 200  # row numbers listed per unknown site
# Refusals a client may want to tell apart (the file is too big, not broken).
_REFUSAL_CODES: Final[dict[str, str]] = {
    "too_large": "roster_too_large",
    "too_many_rows": "roster_too_many_rows",
    "no_rows": "roster_no_rows",
}

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
    "infection_onset_date",
    "other_vaccine_date",
)


@dataclass(frozen=True)
class RosterSummary:
    """What an upload did."""

    day: date
    accepted: int  # rows of the file the importer accepted for this day
    rejected: list[dict[str, Any]]  # [{row_number, reason_zh, reason_en}]
    other_days: int  # accepted rows of this site booked for another day (not stored)
    other_sites: int  # accepted rows of other sites (not stored)
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
    infection_onset_date: date | None = None,
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
        "infection_onset_date": infection_onset_date,
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
        "infection_onset_date": _iso(m["infection_onset_date"]),
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


def day_cursor(conn: Connection, site_id: int, day: date) -> int:
    """Where a desk joining on `day` pulls from: just before the day's first event.

    A desk started at 11:00, or a replacement PC, thus learns the morning's check-ins and
    doses (its own desk's too) instead of starting blind at "now".
    """
    first = conn.execute(
        select(func.min(log.c.log_id)).where(
            and_(log.c.site_id == site_id, log.c.day >= day, log.c.entry == "event")
        )
    ).scalar()
    return int(first) - 1 if first is not None else site_cursor(conn, site_id)


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
        key = (row["id_number"], row["product"])
        earlier = incoming.get(key)
        if earlier is not None:  # a duplicate row: the last wins, keeping every flag
            row = row | {"flags": sorted(set(earlier["flags"]) | set(row["flags"]))}
        incoming[key] = row
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


def read_upload(
    path: Path, rules: RuleSetRegistry, limits: RosterLimits, default_site: str | None = None
) -> ImportReport:
    """Read an uploaded roster file, outside any transaction; 422 when it cannot be read.

    A file beyond `limits` is refused before it is parsed (`roster_too_large`,
    `roster_too_many_rows`), so a zip bomb costs neither memory nor time.
    """
    report = read_roster(path, rules, default_site=default_site, limits=limits)
    if report.fatal_error:
        raise bad_request(
            _REFUSAL_CODES.get(report.fatal_code or "", "roster_unreadable"),
            f"名冊檔無法讀取：{report.fatal_error_zh}",
            f"the roster file cannot be read: {report.fatal_error_en}",
        )
    return report


def _filed_row(site: Site, entry: RosterEntry) -> dict[str, Any]:
    """The roster_entries row of an accepted entry filed under `site` (by its bureau name)."""
    booking = replace(entry.booking, site=site.name)
    return entry_row(
        site.id,
        entry.person,
        booking,
        entry.history,
        entry.history_text,
        entry.flags,
        infection_date=entry.infection_date,
        infection_onset_date=entry.infection_onset_date,
        other_vaccine_date=entry.other_vaccine_date,
    )


def _rejected(report: ImportReport) -> list[dict[str, Any]]:
    return [
        {"row_number": r.row_number, "reason_zh": r.reason_zh, "reason_en": r.reason_en}
        for r in report.rejected
    ]


def upload_roster(conn: Connection, site: Site, day: date, report: ImportReport) -> RosterSummary:
    """Make the file's rows of `site` on `day` that day's roster (caller's transaction)."""
    names = {site_key(site.code), site_key(site.name)}
    rows, other_days, other_sites = [], 0, 0
    for entry in report.rows:
        if site_key(entry.booking.site) not in names:
            other_sites += 1
        elif entry.booking.slot_start.date() != day:
            other_days += 1
        else:
            rows.append(_filed_row(site, entry))
    counts = replace_day(conn, site, day, rows)
    return RosterSummary(
        day=day,
        accepted=len(rows),
        rejected=_rejected(report),
        other_days=other_days,
        other_sites=other_sites,
        cursor=site_cursor(conn, site.id),
        **counts,
    )


@dataclass(frozen=True)
class SiteDaySummary:
    """What a bureau-wide upload did to one site's day."""

    site: str  # code
    site_name: str
    day: date
    accepted: int  # rows of the file filed under this site and day
    added: int
    changed: int
    cancelled: int
    unchanged: int
    cursor: int  # the site's log position after the upload


@dataclass(frozen=True)
class UnknownSite:
    """Rows naming a site the bureau does not have: reported, filed nowhere."""

    site: str  # 接種地點 as the file writes it
    count: int
    rows: list[int]  # row numbers, the first MAX_LISTED_ROWS


@dataclass(frozen=True)
class BureauRosterSummary:
    """What a bureau-wide upload did: per site and day, and the rows of unknown sites."""

    accepted: int
    filed: int
    rejected: list[dict[str, Any]]
    days: list[SiteDaySummary]
    unknown_sites: list[UnknownSite]


def upload_bureau_roster(conn: Connection, report: ImportReport) -> BureauRosterSummary:
    """File every accepted row under its site and day, replacing those days (caller's transaction).

    Days and sites the file does not mention are left as they are.
    """
    sites = list_sites(conn)
    by_name = {site_key(s.code): s for s in sites} | {site_key(s.name): s for s in sites}
    groups: dict[tuple[int, date], list[dict[str, Any]]] = {}
    unknown: dict[str, tuple[str, list[int]]] = {}  # site_key -> (as written, row numbers)
    for entry in report.rows:
        written = entry.booking.site
        site = by_name.get(site_key(written))
        if site is None:
            unknown.setdefault(site_key(written), (written, []))[1].append(
                entry.booking.row_number or 0
            )
            continue
        groups.setdefault((site.id, entry.booking.slot_start.date()), []).append(
            _filed_row(site, entry)
        )
    by_id = {s.id: s for s in sites}
    counted: list[tuple[Site, date, int, dict[str, int]]] = []
    for site_id, day in sorted(groups):  # site by site: PostgreSQL row locks in one order
        rows = groups[(site_id, day)]
        counted.append(
            (by_id[site_id], day, len(rows), replace_day(conn, by_id[site_id], day, rows))
        )
    cursors = {site.id: site_cursor(conn, site.id) for site, _, _, _ in counted}
    return BureauRosterSummary(
        accepted=len(report.rows),
        filed=sum(n for _, _, n, _ in counted),
        rejected=_rejected(report),
        days=[
            SiteDaySummary(site.code, site.name, day, n, cursor=cursors[site.id], **counts)
            for site, day, n, counts in counted
        ],
        unknown_sites=[
            UnknownSite(written, len(rows), rows[:MAX_LISTED_ROWS])
            for written, rows in unknown.values()
        ],
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


def _booked(site: Site, start: date, days: int) -> ColumnElement[bool]:
    return and_(
        roster_entries.c.site_id == site.id,
        roster_entries.c.day >= start,
        roster_entries.c.day < start + timedelta(days=days),
        roster_entries.c.cancelled.is_(False),
    )


def booked_people(site: Site, start: date, days: int) -> Select[tuple[str]]:
    """The ID numbers booked at the site in `days` days from `start` (a query)."""
    return select(roster_entries.c.id_number).where(_booked(site, start, days))


def download(conn: Connection, site: Site, day: date) -> tuple[list[dict[str, Any]], int]:
    """The site's bookings of `day` (not cancelled) and the cursor to pull from afterwards."""
    return download_days(conn, site, day, 1)


def download_days(
    conn: Connection, site: Site, start: date, days: int
) -> tuple[list[dict[str, Any]], int]:
    """The site's bookings (not cancelled) of `days` days from `start`, and the cursor.

    A desk that holds its coming days can tell a person who came on the wrong day their
    booked date (WRONG_DATE) instead of NOT_ON_ROSTER.
    """
    cursor = day_cursor(conn, site.id, start)
    rows = conn.execute(
        select(roster_entries)
        .where(_booked(site, start, days))
        .order_by(
            roster_entries.c.day,
            roster_entries.c.slot_start,
            roster_entries.c.row_number,
            roster_entries.c.id,
        )
    )
    return [wire_entry(r) for r in rows], cursor

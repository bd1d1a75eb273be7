"""Pull: a page of the site's log after a cursor, for one desk.

The page holds roster changes and the other desks' events of the desk's site, and the
other sites' events about the people on its roster, in log order; the desk's own events
are left out (it has them). The cursor is the last
`log_id` looked at; a desk stores it and asks for what comes after. An event the
server would not accept today (written into the database some other way) is never
served: it is logged and passed over, and the cursor moves on.

What other sites knew of a person before the desk's cursor comes with the person
(`elsewhere_history`): with the roster download, and in the page that adds them to
the roster. That is the day's events, and the doses of the days before within the rule
sets' longest look-back (`RuleSetRegistry.history_days`): a dose given at TN01 20 days
ago stops a dose 2 at TN02 that needs 28. Check-ins and refusals of earlier days are
not sent: the assessment reads only the day's.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
)

from sync_server.db.tables import log, roster_entries
from sync_server.services.accounts import Principal, Site
from vaccination.events import EventError, EventKind, parse_event
from vaccination.wire import ROSTER_ADD, PulledEvent, PulledRosterChange, PullEntry, PullPage

_log = logging.getLogger(__name__)


def event_wire(row: Any) -> dict[str, Any]:
    """An event log row in its wire form (as the desk pushed it)."""
    return {
        "event_id": row.event_id,
        "site": row.site_label,
        "desk": row.desk,
        "seq": int(row.seq),
        "at": row.at,
        "kind": row.kind,
        "payload": row.payload,
    }


def event_json_columns(dialect: str) -> list[ColumnElement[Any]]:
    """The log columns a reader of many events needs, with `event_json`: the event's wire
    JSON text, built by the database (not decoded into Python and encoded again); NULL for
    a roster change, which a reader of a site day's rows counts but does not parse."""
    c = log.c
    fields: list[Any] = []
    for name, column in (("event_id", c.event_id), ("site", c.site_label), ("desk", c.desk),
                         ("seq", c.seq), ("at", c.at), ("kind", c.kind)):  # fmt: skip
        fields += [literal(name), column]
    wire: ColumnElement[Any]
    if dialect == "postgresql":
        wire = cast(func.json_build_object(*fields, literal("payload"), c.payload), Text)
    else:  # SQLite keeps JSON as text: json() embeds it as JSON, not as a string
        wire = func.json_object(*fields, literal("payload"), func.json(c.payload))
    wire = case((c.entry == "event", wire), else_=null())
    return [c.log_id, c.site_id, c.event_id, c.id_number, wire.label("event_json")]


def log_entry(
    row: Any, products: Collection[str] | None = None, site_id: int | None = None
) -> PullEntry | None:
    """The wire form of one log row (pulled by `site_id`), or None for an invalid event."""
    if row.entry != "event":
        return PulledRosterChange(
            log_id=int(row.log_id), type="roster", kind=row.kind, change=row.payload
        )
    wire = event_wire(row)
    try:
        parse_event(wire, products)
    except EventError as exc:
        _log.warning("log entry %s is not a valid event, not served: %s", row.log_id, exc)
        return None
    other = site_id is not None and row.site_id != site_id
    return PulledEvent(log_id=int(row.log_id), type="event", event=wire, other_site=other)


def elsewhere_history(
    conn: Connection,
    site: Site,
    people: Select[tuple[str]] | Collection[str],
    first_day: date,
    history_days: int,
    through: int,
    products: Collection[str] | None = None,
) -> list[PulledEvent]:
    """Other sites' events about `people` up to log entry `through`, oldest first.

    Every event of `first_day` and later, and the doses (VACCINATION) of the
    `history_days` days before it; `people` is a query of ID numbers or a list of them.
    """
    past = and_(
        log.c.day >= first_day - timedelta(days=history_days),
        log.c.day < first_day,
        log.c.kind == EventKind.VACCINATION.value,
    )
    cond = and_(
        log.c.site_id != site.id,
        log.c.entry == "event",
        log.c.log_id <= through,
        log.c.id_number.in_(people),
        or_(log.c.day >= first_day, past),
    )
    rows = conn.execute(select(log).where(cond).order_by(log.c.log_id)).all()
    found = (log_entry(r, products, site.id) for r in rows)
    return [e for e in found if isinstance(e, PulledEvent)]


def _added_people_history(
    conn: Connection,
    site: Site,
    rows: Collection[Any],
    after: int,
    history_days: int,
    products: Collection[str] | None,
) -> list[PulledEvent]:
    """What other sites knew, before `after`, of the people these rows add to the roster."""
    added = [r for r in rows if r.entry == "roster" and r.kind == ROSTER_ADD]
    if not added:
        return []
    first_day = min(r.day for r in added)
    people = sorted({str(r.id_number) for r in added})
    return elsewhere_history(conn, site, people, first_day, history_days, after, products)


def pull(
    conn: Connection,
    principal: Principal,
    site: Site,
    after: int,
    limit: int,
    products: Collection[str] | None = None,
    own: bool = False,
    history_days: int = 0,
) -> PullPage:
    """Up to `limit` log entries for the site after `after`, without the desk's own events.

    The site's own log, and the events of other sites about people on this site's roster:
    a person vaccinated at another site this morning is known here before they are
    checked in again. `own`: with the desk's own events (a replacement PC catching up).
    A person the page adds to the roster comes with what other sites knew of them before
    (`elsewhere_history`, `history_days` of doses back), after the page's log entries.
    """
    on_roster = select(roster_entries.c.id_number).where(roster_entries.c.site_id == site.id)
    here = log.c.site_id == site.id
    if principal.desk and not own:
        here = and_(here, or_(log.c.desk.is_(None), log.c.desk != principal.desk))
    elsewhere = and_(
        log.c.site_id != site.id, log.c.entry == "event", log.c.id_number.in_(on_roster)
    )
    cond = and_(log.c.log_id > after, or_(here, elsewhere))
    rows = conn.execute(select(log).where(cond).order_by(log.c.log_id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = int(rows[-1].log_id) if rows else after
    entries = [e for e in (log_entry(r, products, site.id) for r in rows) if e is not None]
    entries += _added_people_history(conn, site, rows, after, history_days, products)
    return PullPage(entries=entries, cursor=cursor, more=more)

"""Pull: a page of the site's log after a cursor, for one desk.

The page holds roster changes and the other desks' events of the desk's site, in
log order; the desk's own events are left out (it has them). The cursor is the last
`log_id` returned; a desk stores it and asks for what comes after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from sync_server.db.tables import log
from sync_server.services.accounts import Principal, Site


@dataclass(frozen=True)
class PullPage:
    """One page of the log."""

    entries: list[dict[str, Any]]
    cursor: int
    more: bool


def log_entry(row: Any) -> dict[str, Any]:
    """The wire form of one log row: an event, or a roster change."""
    if row.entry == "event":
        return {
            "log_id": int(row.log_id),
            "type": "event",
            "event": {
                "event_id": row.event_id,
                "site": row.site_label,
                "desk": row.desk,
                "seq": int(row.seq),
                "at": row.at,
                "kind": row.kind,
                "payload": row.payload,
            },
        }
    return {"log_id": int(row.log_id), "type": "roster", "kind": row.kind, "change": row.payload}


def pull(conn: Connection, principal: Principal, site: Site, after: int, limit: int) -> PullPage:
    """Up to `limit` log entries of the site after `after`, without the desk's own events."""
    cond = and_(log.c.site_id == site.id, log.c.log_id > after)
    if principal.desk:
        cond = and_(cond, or_(log.c.desk.is_(None), log.c.desk != principal.desk))
    rows = conn.execute(select(log).where(cond).order_by(log.c.log_id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = int(rows[-1].log_id) if rows else after
    return PullPage([log_entry(r) for r in rows], cursor, more)

"""Today: every site of the bureau with its counts and its desks' last sync, refreshing itself.

Each desk shows the events it still holds unsent, from the report it sends with every
push (a desk holding events stands out); a site whose day was closed says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Connection, select

from sync_server.api.deps import EngineDep, ReaderDep, RulesDep
from sync_server.api.params import IsoDate
from sync_server.db.engine import reading
from sync_server.db.tables import desk_progress
from sync_server.services import closing
from sync_server.services.accounts import BUREAU_ROLES, Principal, Site, list_sites, now_utc
from sync_server.web.pages import PageRoute, render
from vaccination.rules import RuleSetRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# A desk that has not pushed for this long during the day stands out.
STALE_AFTER: Final[timedelta] = timedelta(minutes=15)
REFRESH_SECONDS: Final[int] = 10


@dataclass(frozen=True)
class DeskSync:
    """A desk's last push as the server saw it."""

    desk: str
    acked_through: int
    last_push_at: datetime
    stale: bool
    events_waiting: int | None = None  # from the desk's last report; None: it never said

    @property
    def holding(self) -> bool:
        """True when the desk's last report says it holds unsent events."""
        return bool(self.events_waiting)


@dataclass(frozen=True)
class SiteToday:
    """One row of the Today table."""

    site: Site
    counts: dict[str, int]
    conflicts: int
    desks: list[DeskSync]
    stale: bool
    closed: bool = False

    @property
    def waiting(self) -> int:
        """Events the site's desks said they still hold unsent."""
        return sum(d.events_waiting or 0 for d in self.desks)


def visible_sites(conn: Connection, who: Principal) -> list[Site]:
    """The sites the principal may see (bureau: all; others: their own)."""
    every = list_sites(conn)
    return every if who.role in BUREAU_ROLES else [s for s in every if s.id == who.site_id]


def _desks(conn: Connection, site: Site, now: datetime) -> list[DeskSync]:
    reports = closing.desk_reports_of(conn, site)
    out = []
    for r in conn.execute(
        select(desk_progress)
        .where(desk_progress.c.site_id == site.id)
        .order_by(desk_progress.c.desk)
    ):
        at = r.last_push_at if r.last_push_at.tzinfo else r.last_push_at.replace(tzinfo=now.tzinfo)
        waiting = reports[r.desk][0] if r.desk in reports else None
        out.append(DeskSync(r.desk, int(r.acked_through), at, now - at > STALE_AFTER, waiting))
    return out


def site_rows(
    conn: Connection, who: Principal, day: date, rules: RuleSetRegistry
) -> list[SiteToday]:
    """Counts and desk sync of every visible site on `day`."""
    now = now_utc()
    rows = []
    for site in visible_sites(conn, who):
        rec, closure = closing.day_reconciliation(conn, site, day, rules)
        desks = _desks(conn, site, now)
        # Only a day under way can be late: a site with bookings whose desks are all quiet.
        stale = (
            day == date.today() and rec.booked > 0 and (not desks or all(d.stale for d in desks))
        )
        closed = closure is not None
        rows.append(SiteToday(site, rec.counts(), len(rec.conflicts), desks, stale, closed))
    return rows


@router.get("/")
def today(
    request: Request,
    who: ReaderDep,
    engine: EngineDep,
    rules: RulesDep,
    day: IsoDate | None = None,
    every: Annotated[int, Query(ge=2, le=600)] = REFRESH_SECONDS,
) -> Response:
    """The Today page; it refreshes its table every `every` seconds."""
    day = day or date.today()
    with reading(engine) as conn:
        rows = site_rows(conn, who, day, rules)
    return render(request, "today.html", nav="today", day=day, rows=rows, refresh=every)


@router.get("/today/table")
def today_table(
    request: Request, who: ReaderDep, engine: EngineDep, rules: RulesDep, day: IsoDate | None = None
) -> Response:
    """The table alone, what the page fetches every few seconds."""
    day = day or date.today()
    with reading(engine) as conn:
        rows = site_rows(conn, who, day, rules)
    return render(request, "today_table.html", day=day, rows=rows)

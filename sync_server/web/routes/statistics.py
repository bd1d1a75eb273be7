"""每日數量: vaccinations per day, site, product, dose and age band; as a table, bars and CSV."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine

from sync_server.api.deps import EngineDep, ReaderDep
from sync_server.api.params import IsoDate
from sync_server.db.engine import reading
from sync_server.errors import bad_request
from sync_server.services import statistics
from sync_server.services.accounts import Principal
from sync_server.web.pages import PageRoute, logged_download, render
from sync_server.web.routes.today import visible_sites

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_DAYS = 366


def _range(start: date | None, end: date | None) -> tuple[date, date]:
    end = end or date.today()
    start = start or end - timedelta(days=6)
    if start > end or (end - start).days >= MAX_DAYS:
        raise bad_request(
            "bad_range", "日期範圍需在一年之內且起日不晚於迄日", "the range must be within a year"
        )
    return start, end


def _counts(
    engine: Engine, who: Principal, start: date | None, end: date | None
) -> tuple[date, date, list[statistics.CountRow]]:
    """The checked range and the daily counts of the sites the caller may see."""
    first, last = _range(start, end)
    with reading(engine) as conn:
        return first, last, statistics.daily_counts(conn, visible_sites(conn, who), first, last)


@router.get("/statistics")
def statistics_page(
    request: Request,
    who: ReaderDep,
    engine: EngineDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
) -> Response:
    """Counts as a table, and per day and per age band as bars."""
    start, end, rows = _counts(engine, who, start, end)
    per_day: Counter[date] = Counter()
    per_band: Counter[str] = Counter()
    for r in rows:
        per_day[r.day] += r.count
        per_band[r.age_band] += r.count
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    bands = [b for _, b in statistics.AGE_BANDS] + [statistics.UNKNOWN_AGE]
    top = max([*per_day.values(), *per_band.values(), 1])
    return render(
        request,
        "statistics.html",
        nav="statistics",
        rows=rows,
        start=start,
        end=end,
        per_day=[(d, per_day[d]) for d in days],
        per_band=[(b, per_band[b]) for b in bands if per_band[b] or b != statistics.UNKNOWN_AGE],
        top=top,
        total=sum(per_day.values()),
    )


@router.get("/statistics.csv")
def statistics_csv(
    request: Request,
    who: ReaderDep,
    engine: EngineDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
) -> Response:
    """The same counts as a CSV download (logged)."""
    start, end, rows = _counts(engine, who, start, end)
    return logged_download(
        request,
        who,
        engine,
        f"statistics_{start}_{end}.csv",
        statistics.counts_csv(rows),
        target="statistics",
    )

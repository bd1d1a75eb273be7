"""Rosters per site and day: upload, central additions and cancellations, download.

`router` holds the routes of one site's day; `bureau_router` the bureau-wide upload
(several sites and days in one file) and the download of a site's coming days.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import (
    AdminDep,
    EngineDep,
    PrincipalDep,
    ProductCodesDep,
    RosterWriterDep,
    RulesDep,
    SettingsDep,
    SiteDep,
)
from sync_server.api.params import DayPath, IsoDate
from sync_server.api.protocol import ProtocolDep
from sync_server.api.responses import SITE_ERRORS, errors
from sync_server.api.schemas import (
    BureauRosterOut,
    CancelIn,
    CursorOut,
    RosterEntryIn,
    RosterSummaryOut,
)
from sync_server.core.config import Settings
from sync_server.db.engine import reading
from sync_server.errors import bad_request
from sync_server.services import rosters as svc
from sync_server.services.pull import elsewhere_history
from vaccination.models import Booking, DoseRecord, Person
from vaccination.roster_files import RosterLimits
from vaccination.roster_import import ImportReport
from vaccination.rules import RuleSetRegistry
from vaccination.wire import RosterDay, RosterDays, RosterEntry

router = APIRouter(
    prefix="/api/v1/sites/{code}/rosters/{day}", tags=["rosters"], responses=SITE_ERRORS
)
bureau_router = APIRouter(prefix="/api/v1", tags=["rosters"], responses=SITE_ERRORS)

_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls", ".tsv"}


async def read_upload_file(
    file: UploadFile, rules: RuleSetRegistry, settings: Settings, default_site: str | None
) -> ImportReport:
    """Parse the uploaded file in a worker thread, before any transaction is opened."""
    suffix = Path(file.filename or "roster.csv").suffix.lower()
    if suffix not in _SUFFIXES:
        raise bad_request(
            "bad_roster_type",
            "名冊檔必須是 CSV 或 Excel",
            "the roster must be a CSV or Excel file",
        )
    data = await file.read()
    limits = RosterLimits(settings.roster_max_bytes, settings.roster_max_rows)

    def parse() -> ImportReport:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"roster{suffix}"
            path.write_bytes(data)
            return svc.read_upload(path, rules, limits, default_site)

    return await run_in_threadpool(parse)


@router.post("", response_model=RosterSummaryOut)
async def upload(
    day: DayPath,
    file: UploadFile,
    _: RosterWriterDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
    settings: SettingsDep,
) -> RosterSummaryOut:
    """Replace the site's roster of `day` with the file's rows of this site on that day."""
    report = await read_upload_file(file, rules, settings, site.name)

    def store() -> svc.RosterSummary:
        with engine.begin() as conn:
            return svc.upload_roster(conn, site, day, report)

    summary = await run_in_threadpool(store)
    return RosterSummaryOut(**summary.__dict__)


@router.get("", response_model=RosterDay, responses=errors(426))
def download(
    day: DayPath, _: PrincipalDep, site: SiteDep, engine: EngineDep, __: ProtocolDep
) -> RosterDay:
    """The site's bookings of `day`, and the cursor to pull later changes from."""
    with engine.begin() as conn:
        entries, cursor = svc.download(conn, site, day)
    return RosterDay(
        site=site.code,
        day=day,
        cursor=cursor,
        entries=[RosterEntry.model_validate(e) for e in entries],
    )


@router.post("/entries", response_model=CursorOut, status_code=201)
def add_entry(
    day: DayPath, body: RosterEntryIn, _: RosterWriterDep, site: SiteDep, engine: EngineDep
) -> CursorOut:
    """Add a person to the day centrally; desks get it through pull."""
    if body.slot_start.date() != day:
        raise bad_request("wrong_day", "時段不在這一天", "the slot is not on this day")
    person = Person(body.id_number, body.name, body.birth_date, body.phone)
    booking = Booking(
        id_number=body.id_number,
        site=site.name,
        slot_start=body.slot_start.replace(tzinfo=None),
        slot_end=body.slot_end.replace(tzinfo=None) if body.slot_end else None,
        product=body.product,
        dose=body.dose,
        dose_label=body.dose_label,
    )
    history = [DoseRecord(h.product, h.given_on, h.lot) for h in body.history]
    row = svc.entry_row(site.id, person, booking, history, body.history_text, ())
    with engine.begin() as conn:
        cursor = svc.add_entry(conn, site, row)
    return CursorOut(cursor=cursor)


@router.post("/cancellations", response_model=CursorOut)
def cancel(
    day: DayPath, body: CancelIn, _: RosterWriterDep, site: SiteDep, engine: EngineDep
) -> CursorOut:
    """Cancel a booking centrally; desks get it through pull."""
    with engine.begin() as conn:
        cursor = svc.cancel_entry(conn, site, day, body.id_number, body.product)
    return CursorOut(cursor=cursor)


@bureau_router.post("/rosters", response_model=BureauRosterOut)
async def upload_bureau(
    file: UploadFile, _: AdminDep, engine: EngineDep, rules: RulesDep, settings: SettingsDep
) -> BureauRosterOut:
    """File a roster of several sites and days (the Tainan back-office export) under each
    row's site and day, replacing those days; rows of sites the bureau does not have are
    listed and filed nowhere."""
    report = await read_upload_file(file, rules, settings, None)

    def store() -> svc.BureauRosterSummary:
        with engine.begin() as conn:
            return svc.upload_bureau_roster(conn, report)

    summary = await run_in_threadpool(store)
    return BureauRosterOut.model_validate(summary, from_attributes=True)


@bureau_router.get("/sites/{code}/rosters", response_model=RosterDays, responses=errors(426))
def download_days(
    start: Annotated[IsoDate, Query(alias="from", description="the first day")],
    _: PrincipalDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
    products: ProductCodesDep,
    __: ProtocolDep,
    days: Annotated[int, Query(ge=1, le=svc.MAX_DOWNLOAD_DAYS)] = 1,
) -> RosterDays:
    """The site's bookings of `days` days from `from` (a desk's coming days), the cursor,
    and what other sites know of these people up to it (their doses of the rule sets'
    look-back before `from` too)."""
    with reading(engine) as conn:
        entries, cursor = svc.download_days(conn, site, start, days)
        people = svc.booked_people(site, start, days)
        elsewhere = elsewhere_history(
            conn, site, people, start, rules.history_days(), cursor, products
        )
    return RosterDays.model_validate(
        {
            "site": site.code,
            "from": start,
            "days": days,
            "cursor": cursor,
            "entries": entries,
            "elsewhere": elsewhere,
        }
    )

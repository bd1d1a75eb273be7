"""Rosters per site and day: upload, central additions and cancellations, download."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, UploadFile
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import EngineDep, PrincipalDep, RosterWriterDep, RulesDep, SiteDep
from sync_server.api.params import DayPath
from sync_server.api.responses import SITE_ERRORS
from sync_server.api.schemas import (
    CancelIn,
    CursorOut,
    RosterEntryIn,
    RosterOut,
    RosterSummaryOut,
)
from sync_server.errors import bad_request
from sync_server.services import rosters as svc
from vaccination.models import Booking, DoseRecord, Person

router = APIRouter(
    prefix="/api/v1/sites/{code}/rosters/{day}", tags=["rosters"], responses=SITE_ERRORS
)

_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls", ".tsv"}


@router.post("", response_model=RosterSummaryOut)
async def upload(
    day: DayPath,
    file: UploadFile,
    _: RosterWriterDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
) -> RosterSummaryOut:
    """Replace the site's roster of `day` with a CSV or Excel file (desks get the difference)."""
    suffix = Path(file.filename or "roster.csv").suffix.lower()
    if suffix not in _SUFFIXES:
        raise bad_request(
            "bad_roster_type",
            "名冊檔必須是 CSV 或 Excel",
            "the roster must be a CSV or Excel file",
        )
    data = await file.read()

    def work() -> svc.RosterSummary:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"roster{suffix}"
            path.write_bytes(data)
            with engine.begin() as conn:
                return svc.upload_roster(conn, site, day, path, rules)

    summary = await run_in_threadpool(work)
    return RosterSummaryOut(**summary.__dict__)


@router.get("", response_model=RosterOut)
def download(day: DayPath, _: PrincipalDep, site: SiteDep, engine: EngineDep) -> RosterOut:
    """The site's bookings of `day`, and the cursor to pull later changes from."""
    with engine.begin() as conn:
        entries, cursor = svc.download(conn, site, day)
    return RosterOut(site=site.code, day=day, cursor=cursor, entries=entries)


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

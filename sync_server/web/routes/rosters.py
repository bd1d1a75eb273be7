"""Rosters: a site day's bookings, upload with its import report, cancel, add a person, notices.

The page calls the same services as the API (`sync_server.services.rosters`). Full ID
numbers never reach the browser: a booking is named in forms by an opaque reference
(a digest of site, day, ID and product) that the server resolves again.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import (
    EngineDep,
    ReaderDep,
    RosterWriterDep,
    RulesDep,
    SettingsDep,
    SiteDep,
)
from sync_server.api.params import IsoDate
from sync_server.api.routes.rosters import read_upload_file
from sync_server.db.engine import reading
from sync_server.errors import bad_request, not_found
from sync_server.services import audit
from sync_server.services import rosters as svc
from sync_server.services.accounts import Site
from sync_server.services.spreadsheets import csv_bytes
from sync_server.web.pages import PageRoute, actor, logged_download, render, see_other
from sync_server.web.routes.today import visible_sites
from vaccination.ids import check_id, mask_id
from vaccination.models import Booking, Person
from vaccination.rules import RuleSetLookupError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

NOTICE_HEADER = ["姓名", "身分證字號", "電話", "接種時段", "接種地點", "疫苗", "劑別"]


def booking_ref(site: Site, day: date, id_number: str, product: str) -> str:
    """The opaque name of a booking in the page's forms."""
    raw = f"{site.id}|{day.isoformat()}|{id_number}|{product}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def _entries(engine: EngineDep, site: Site, day: date) -> list[dict[str, Any]]:
    with reading(engine) as conn:
        entries, _ = svc.download(conn, site, day)
    for e in entries:
        e["ref"] = booking_ref(site, day, e["id_number"], e["product"])
    return entries


@router.get("/rosters")
def rosters_start(request: Request, who: ReaderDep, engine: EngineDep) -> Response:
    """Choose a site and a day."""
    with reading(engine) as conn:
        sites = visible_sites(conn, who)
    return render(request, "rosters_start.html", nav="rosters", sites=sites)


@router.get("/rosters/open")
def rosters_open(code: str, day: IsoDate, _: ReaderDep) -> Response:
    """The chooser's answer: the roster page of that site and day."""
    return see_other(f"/sites/{code}/rosters/{day.isoformat()}")


def _roster_page(
    request: Request,
    site: Site,
    day: date,
    engine: EngineDep,
    rules: RulesDep,
    report: svc.RosterSummary | None = None,
    filename: str = "",
) -> Response:
    return render(
        request,
        "roster.html",
        nav="rosters",
        site=site,
        day=day,
        entries=_entries(engine, site, day),
        products=rules.products(),
        report=report,
        filename=filename,
    )


@router.get("/sites/{code}/rosters/{day}")
def roster_page(
    request: Request, day: IsoDate, _: ReaderDep, site: SiteDep, engine: EngineDep, rules: RulesDep
) -> Response:
    """The site's bookings of the day (IDs masked), and the forms that change them."""
    return _roster_page(request, site, day, engine, rules)


@router.post("/sites/{code}/rosters/{day}")
async def upload(
    request: Request,
    day: IsoDate,
    who: RosterWriterDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Replace the day's roster with a file and show the import report."""
    filename = Path(file.filename or "roster.csv").name
    report = await read_upload_file(file, rules, settings, site.name)  # the API's own path

    def work() -> svc.RosterSummary:
        with engine.begin() as conn:
            summary = svc.upload_roster(conn, site, day, report)
            audit.record(
                conn,
                actor(request, who),
                "roster_uploaded",
                f"{site.code} {day}",
                {
                    "file": filename,
                    "accepted": summary.accepted,
                    "rejected": len(summary.rejected),
                    "added": summary.added,
                    "cancelled": summary.cancelled,
                },
            )
            return summary

    summary = await run_in_threadpool(work)
    return await run_in_threadpool(
        _roster_page, request, site, day, engine, rules, summary, filename
    )


@router.post("/sites/{code}/rosters/{day}/cancel")
def cancel(
    request: Request,
    day: IsoDate,
    who: RosterWriterDep,
    site: SiteDep,
    engine: EngineDep,
    ref: Annotated[str, Form(max_length=64)],
) -> Response:
    """Cancel one booking centrally; desks get it through pull."""
    entry = next((e for e in _entries(engine, site, day) if e["ref"] == ref), None)
    if entry is None:
        raise not_found("此預約", "booking")
    with engine.begin() as conn:
        svc.cancel_entry(conn, site, day, entry["id_number"], entry["product"])
        audit.record(
            conn,
            actor(request, who),
            "booking_cancelled",
            f"{site.code} {day}",
            {"id": mask_id(entry["id_number"]), "product": entry["product"]},
        )
    return see_other(f"/sites/{site.code}/rosters/{day.isoformat()}")


@router.post("/sites/{code}/rosters/{day}/add")
def add_person(
    request: Request,
    day: IsoDate,
    who: RosterWriterDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
    id_number: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(min_length=1, max_length=200)],
    slot: Annotated[time, Form()],
    product: Annotated[str, Form(max_length=40)],
    dose: Annotated[int, Form(ge=1, le=20)],
    birth_date: Annotated[date | None, Form()] = None,
    phone: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """增加人員: add a person to the day centrally (desks get it through pull)."""
    checked = check_id(id_number)
    if not checked.valid:
        raise bad_request(
            "bad_id",
            f"身分證字號 {checked.masked} 不正確：{checked.message_zh or ''}",
            f"ID number {checked.masked} is not valid: {checked.message_en or ''}",
        )
    try:
        rules.product(product)
    except RuleSetLookupError:
        raise bad_request(
            "unknown_product", f"未知的疫苗：{product}", f"unknown product: {product}"
        ) from None
    person = Person(checked.normalized, name.strip(), birth_date, phone.strip() or None)
    booking = Booking(
        id_number=checked.normalized,
        site=site.name,
        slot_start=datetime.combine(day, slot),
        slot_end=None,
        product=product,
        dose=dose,
        dose_label=f"第{dose}劑",
    )
    row = svc.entry_row(site.id, person, booking, [], "", ())
    with engine.begin() as conn:
        svc.add_entry(conn, site, row)
        audit.record(
            conn,
            actor(request, who),
            "person_added",
            f"{site.code} {day}",
            {"id": checked.masked, "product": product},
        )
    return see_other(f"/sites/{site.code}/rosters/{day.isoformat()}")


@router.get("/sites/{code}/rosters/{day}/notices.csv")
def notices(
    request: Request, day: IsoDate, who: ReaderDep, site: SiteDep, engine: EngineDep
) -> Response:
    """匯出通知單: the day's people with slot and place, for phoning or mailing (logged)."""
    entries = _entries(engine, site, day)
    rows = [
        [
            e["name"],
            mask_id(e["id_number"]),
            e["phone"] or "",
            e["slot_start"].replace("T", " "),
            site.name,
            e["product"],
            e["dose_label"] or f"第{e['dose']}劑",
        ]
        for e in entries
    ]
    return logged_download(
        request,
        who,
        engine,
        f"notices_{site.code}_{day}.csv",
        csv_bytes(NOTICE_HEADER, rows),
        action="notices_exported",
        target=f"{site.code} {day}",
        detail={"rows": len(rows)},
    )

"""A site day: the counts and conflicts of `reconcile()`, masked IDs, a full ID only after a reason.

Per-person lists (no-shows, refusals with reasons, walk-ins, vaccinations with lot),
conflict states and closing the day need server data that does not exist yet; the
page says so instead of showing anything made up.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from sync_server.api.deps import EngineDep, ReaderDep, RulesDep, SiteDep
from sync_server.api.params import IsoDate
from sync_server.db.engine import reading
from sync_server.errors import bad_request, not_found
from sync_server.services import audit, reconcile
from sync_server.services.accounts import Site
from sync_server.web.pages import PageRoute, actor, render
from vaccination.ids import mask_id
from vaccination.rules import RuleSetRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _page(
    request: Request,
    engine: EngineDep,
    site: Site,
    day: date,
    rules: RuleSetRegistry,
    revealed: dict[int, str] | None = None,
) -> Response:
    with reading(engine) as conn:
        rec = reconcile.reconcile(conn, site, day, rules)
    return render(
        request,
        "site_day.html",
        nav="today",
        site=site,
        day=day,
        rec=rec,
        counts=rec.counts(),
        revealed=revealed or {},
    )


@router.get("/sites/{code}/days/{day}")
def site_day(
    request: Request, day: IsoDate, _: ReaderDep, site: SiteDep, engine: EngineDep, rules: RulesDep
) -> Response:
    """Counts and conflicts of the site's day."""
    return _page(request, engine, site, day, rules)


@router.post("/sites/{code}/days/{day}/reveal")
def reveal(
    request: Request,
    day: IsoDate,
    who: ReaderDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
    conflict: Annotated[int, Form(ge=0)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Show one conflict's full ID number, after a reason that goes into the audit log."""
    if len(reason.strip()) < 4:
        raise bad_request(
            "reason_needed", "請寫明查看完整身分證字號的原因", "give a reason to see the full ID"
        )
    with reading(engine) as conn:
        rec = reconcile.reconcile(conn, site, day, rules)
    if conflict >= len(rec.conflicts):
        raise not_found("此衝突", "conflict")
    id_number = rec.conflicts[conflict].id_number
    with engine.begin() as conn:
        audit.record(
            conn,
            actor(request, who),
            "id_revealed",
            f"{site.code} {day}",
            {"id": mask_id(id_number), "reason": reason.strip()},
        )
    response = _page(request, engine, site, day, rules, {conflict: id_number})
    response.headers["Cache-Control"] = "no-store"
    return response

"""A site day: counts, conflicts and lists of `reconcile()`, masked IDs, a full ID only after a
reason; and closing the day (結帳).

The 結帳 section lists every enrolled desk with what its last report said (synced, events
still unsent, never reported); bureau accounts close the day from it, marking desks out of
service with a reason. A closed day shows the reconciliation frozen at closing, a banner
saying by whom and when, and the events that arrived later.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from sync_server.api.deps import BureauDep, EngineDep, ReaderDep, RulesDep, SiteDep
from sync_server.api.params import IsoDate
from sync_server.db.engine import reading
from sync_server.errors import ServiceError, bad_request, not_found
from sync_server.services import audit, closing
from sync_server.services.accounts import BUREAU_ROLES, Principal, Site
from sync_server.web.pages import PageRoute, actor, render, see_other
from vaccination.ids import mask_id
from vaccination.rules import RuleSetRegistry

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _page(
    request: Request,
    engine: EngineDep,
    who: Principal,
    site: Site,
    day: date,
    rules: RuleSetRegistry,
    revealed: dict[int, str] | None = None,
    close_error: ServiceError | None = None,
) -> Response:
    with reading(engine) as conn:
        rec, _ = closing.day_reconciliation(conn, site, day, rules)
        state = closing.readiness(conn, site, day)
    return render(
        request,
        "site_day.html",
        status=close_error.status if close_error else 200,
        nav="today",
        site=site,
        day=day,
        rec=rec,
        counts=rec.counts(),
        revealed=revealed or {},
        closing=state,
        may_close=who.role in BUREAU_ROLES,
        close_error=close_error,
    )


@router.get("/sites/{code}/days/{day}")
def site_day(
    request: Request,
    day: IsoDate,
    who: ReaderDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
) -> Response:
    """Counts and conflicts of the site's day."""
    return _page(request, engine, who, site, day, rules)


@router.post("/sites/{code}/days/{day}/close")
def close(
    request: Request,
    day: IsoDate,
    who: BureauDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
    out: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006 (FastAPI copies it)
    reason_desk: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006
    reason: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006
) -> Response:
    """Close the site day (結帳); refused on the page itself, naming the desks holding events."""
    reasons = dict(zip(reason_desk, reason, strict=False))
    away = {desk: reasons.get(desk, "") for desk in out}
    try:
        with engine.begin() as conn:
            closing.close_day(conn, site, day, rules, actor(request, who), away)
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        return _page(request, engine, who, site, day, rules, close_error=exc)
    return see_other(f"/sites/{site.code}/days/{day}#closing")


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
        rec, _ = closing.day_reconciliation(conn, site, day, rules)
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
    response = _page(request, engine, who, site, day, rules, {conflict: id_number})
    response.headers["Cache-Control"] = "no-store"
    return response

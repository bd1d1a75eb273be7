"""Closing a site day: whether every desk has sent everything, and the close itself."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sync_server.api.deps import BureauDep, EngineDep, ReaderDep, RulesDep, SiteDep
from sync_server.api.params import DayPath
from sync_server.api.responses import SITE_ERRORS, errors
from sync_server.api.schemas import CloseDayIn
from sync_server.db.engine import reading
from sync_server.services import closing
from sync_server.services.audit import Actor
from sync_server.web.session import client_address

router = APIRouter(prefix="/api/v1/sites/{code}/days/{day}", tags=["days"], responses=SITE_ERRORS)


@router.get("/closing")
def readiness(day: DayPath, _: ReaderDep, site: SiteDep, engine: EngineDep) -> dict[str, Any]:
    """Each enrolled desk of the site: synced, holding unsent events, silent; or the closure."""
    with reading(engine) as conn:
        return closing.readiness(conn, site, day).to_dict()


@router.post("/close", responses=errors(409))
def close(
    request: Request,
    day: DayPath,
    body: CloseDayIn,
    who: BureauDep,
    site: SiteDep,
    engine: EngineDep,
    rules: RulesDep,
) -> dict[str, Any]:
    """Close the site day: freezes its reconciliation and NIIS file; later events come late.

    409 while a desk not marked out of service holds unsent events (each named), and
    when the day is already closed.
    """
    by = Actor.of(who, client_address(request))
    with engine.begin() as conn:
        return closing.close_day(conn, site, day, rules, by, body.out_of_service).to_dict()

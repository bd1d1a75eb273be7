"""A site's staff: the bureau (or the site's manager) adds and disables members; desks
download the list so staff sign in offline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import EngineDep, RosterWriterDep, SiteDep, roles
from sync_server.api.protocol import ProtocolDep
from sync_server.api.responses import SITE_ERRORS, errors
from sync_server.api.schemas import StaffIn, StaffOut
from sync_server.db.engine import reading
from sync_server.services import staff as svc
from sync_server.services.accounts import Principal, Role
from sync_server.web.session import HasherDep
from vaccination.wire import StaffList

router = APIRouter(prefix="/api/v1/sites/{code}/staff", tags=["staff"], responses=SITE_ERRORS)

# The list carries PIN hashes: desks, the site's hub (for its desks), the bureau's
# administrators and the site's manager.
StaffReaderDep = Annotated[
    Principal, Depends(roles(Role.DESK, Role.HUB, Role.BUREAU_ADMIN, Role.SITE_MANAGER))
]


@router.post("", response_model=StaffOut, status_code=201, responses=errors(409))
async def add(
    body: StaffIn, _: RosterWriterDep, site: SiteDep, engine: EngineDep, hasher: HasherDep
) -> StaffOut:
    """Add a member (name, role, PIN, optional staff card) who may sign in at the site's desks."""

    def store() -> svc.NewStaff:
        with engine.begin() as conn:
            return svc.add_staff(
                conn, hasher, site, name=body.name, role=body.role, pin=body.pin, card=body.card
            )

    new = await run_in_threadpool(store)  # argon2 takes a while: off the event loop
    return StaffOut(
        staff_id=new.staff_id, name=new.name, role=new.role, site=new.site_code,
        has_card=new.has_card,
    )  # fmt: skip


@router.get("", response_model=StaffList, responses=errors(426))
def download(_: StaffReaderDep, site: SiteDep, engine: EngineDep, __: ProtocolDep) -> StaffList:
    """The members who may sign in at the site's desks, with their PIN hashes."""
    with reading(engine) as conn:
        members = svc.staff_list(conn, site)
    return StaffList(site=site.code, staff=members)


@router.post("/{staff_id}/disable", status_code=204)
def disable(
    staff_id: Annotated[str, Path(max_length=12)],
    _: RosterWriterDep,
    site: SiteDep,
    engine: EngineDep,
) -> None:
    """Stop a member signing in; desks drop them at their next download."""
    with engine.begin() as conn:
        svc.disable_staff(conn, site, staff_id)

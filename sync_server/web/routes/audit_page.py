"""The audit log page: newest first, filtered by action, person and day, with the chain's state."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sync_server.api.deps import BureauDep, EngineDep
from sync_server.api.params import IsoDate
from sync_server.db.engine import reading
from sync_server.services import audit
from sync_server.web.pages import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/audit")
def audit_page(
    request: Request,
    _: BureauDep,
    engine: EngineDep,
    action: str = "",
    actor: str = "",
    day: IsoDate | None = None,
) -> Response:
    """List and filter the audit log; say whether the hash chain is intact."""
    where = audit.AuditFilter(action=action, actor=actor.strip(), day=day)
    with reading(engine) as conn:
        found = audit.entries(conn, where)
        actions = audit.actions(conn)
        check = audit.verify(conn)
    return render(
        request, "audit.html", nav="audit", entries=found, actions=actions, where=where, check=check
    )

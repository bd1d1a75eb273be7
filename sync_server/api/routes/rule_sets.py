"""Rule sets: the bureau publishes versions, everyone lists them, desks download them.

Desks download under their site (`/sites/{code}/rule-sets`), with the access rule and the
protocol check of the other sync routes; every site gets every published version.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import AdminDep, EngineDep, PrincipalDep, SiteDep
from sync_server.api.protocol import ProtocolDep
from sync_server.api.responses import SYNC_ERRORS, errors
from sync_server.services import audit
from sync_server.services import rule_sets as svc
from sync_server.web.session import client_address
from vaccination.wire import RuleSetDownload, RuleSetInfo, RuleSetList

router = APIRouter(prefix="/api/v1", tags=["rule sets"])

# The body is the rule set file itself, read raw so the desks' parser gives the reason
# (line and column of broken JSON, the field of a wrong value) for whatever is sent.
_FILE_BODY: Final = {
    "requestBody": {
        "required": True,
        "description": "規則集檔案（JSON，格式同 resources/rules/*.json） / a rule set file",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.post(
    "/rule-sets",
    response_model=RuleSetInfo,
    status_code=201,
    openapi_extra=_FILE_BODY,
    responses=errors(401, 403, 408, 409, 413, 422, 503),
)
async def publish(request: Request, who: AdminDep, engine: EngineDep) -> RuleSetInfo:
    """Publish a new version (its own version and effective date; older ones are kept).

    Refused with the reason (422) when the file is not a usable rule set: broken JSON,
    an unknown field, a value of the wrong type, a product name another product has.
    """
    data = await request.body()
    bundled = request.app.state.rule_book.bundled
    actor = audit.Actor.of(who, client_address(request))

    def work() -> RuleSetInfo:
        with engine.begin() as conn:
            return svc.publish(conn, data, "rule set file", actor, bundled)

    return await run_in_threadpool(work)


@router.get("/rule-sets", response_model=RuleSetList, responses=errors(401, 422, 503))
def list_versions(_: PrincipalDep, engine: EngineDep) -> RuleSetList:
    """Every published version, newest publication first."""
    with engine.connect() as conn:
        return RuleSetList(rule_sets=svc.listing(conn))


@router.get("/sites/{code}/rule-sets", response_model=RuleSetDownload, responses=SYNC_ERRORS)
def download(_: SiteDep, engine: EngineDep, __: ProtocolDep) -> RuleSetDownload:
    """Every published version with its file, for the desks (downloaded with the roster)."""
    with engine.connect() as conn:
        return RuleSetDownload(rule_sets=svc.download(conn))

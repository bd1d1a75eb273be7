"""Push and pull: the desks' sync endpoints, speaking the wire contract of vaccination.wire."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import (
    EngineDep,
    PrincipalDep,
    ProductCodesDep,
    RulesDep,
    SettingsDep,
    SiteDep,
    roles,
)
from sync_server.api.protocol import ProtocolDep
from sync_server.db.engine import reading
from sync_server.errors import ServiceError, bad_request
from sync_server.services.accounts import Principal, Role, Site, desk_of_site
from sync_server.services.ingest import push_events
from sync_server.services.pull import pull
from vaccination.wire import DeskReport, PullPage, PushReply, PushRequest

router = APIRouter(prefix="/api/v1/sites/{code}", tags=["sync"])


_PUSH: Final = TypeAdapter(PushRequest)


def parse_push_body(
    body: bytes, max_events: int, products: Collection[str] | None = None
) -> tuple[Sequence[object], DeskReport | None]:
    """The events and the desk's report of a push body; 422 naming what is wrong with the body.

    The usual body (every event valid) is parsed and validated in one pass from the JSON
    bytes; otherwise each event is left as an object, to be judged on its own.
    """
    if b"\\u0000" in body or b"\x00" in body:
        raise bad_request("bad_json", "內容含有 NUL 字元", "the body contains a NUL character")
    try:
        whole = _PUSH.validate_json(body, context={"products": products})
    except ValidationError:
        pass
    else:
        _check_size(len(whole.events), max_events)
        return whole.events, whole.report
    try:
        # pydantic-core's parser: faster than json's; it refuses the NaN and Infinity
        # literals, lone surrogates and invalid UTF-8 by itself.
        data = from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        raise bad_request("bad_json", f"不是有效的 JSON：{exc}", f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise bad_request(
            "bad_push", '內容必須是 {"events": [...]}', 'the body must be {"events": [...]}'
        )
    events: list[Any] = data["events"]
    _check_size(len(events), max_events)
    return events, _report(data.get("report"))


_REPORT: Final = TypeAdapter(DeskReport)


def _report(raw: object) -> DeskReport | None:
    """The desk's report of itself; 422 when it is there but not a report."""
    if raw is None:
        return None
    try:
        return _REPORT.validate_python(raw)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise bad_request(
            "bad_report",
            f"櫃台回報格式錯誤：report.{where}",
            f"malformed desk report: report.{where}",
        ) from None


def _check_size(count: int, max_events: int) -> None:
    if count > max_events:
        raise ServiceError(
            413,
            "too_many_events",
            f"一次最多 {max_events} 筆事件",
            f"at most {max_events} events per push",
        )


# The body is read raw, so that each event is judged on its own (one bad event is
# rejected, the rest stored); the schema is declared for clients and fuzzers alike.
_PUSH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}},
    }
}


PusherDep = Annotated[Principal, Depends(roles(Role.DESK, Role.HUB))]


def _as_desk(conn: Connection, who: Principal, site: Site, desk: str | None) -> Principal:
    """The desk a push speaks for: the desk's own token, or a hub naming one of its site's desks."""
    if who.role is Role.DESK:
        return who
    if not desk or who.site_id != site.id or not desk_of_site(conn, site, desk):
        raise bad_request(
            "bad_desk", "中繼站上傳須指定此場所的櫃台", "a hub's push must name a desk of its site"
        )
    return replace(who, role=Role.DESK, desk=desk)


@router.post("/events", response_model=PushReply, openapi_extra=_PUSH_BODY)
async def push(
    request: Request,
    who: PusherDep,
    site: SiteDep,
    engine: EngineDep,
    settings: SettingsDep,
    _: ProtocolDep,
    products: ProductCodesDep,
    desk: Annotated[
        str | None, Query(max_length=2, description="a hub's push: the desk it relays")
    ] = None,
) -> Response:
    """Store a batch of this desk's events, in seq order; each is judged on its own.

    A site hub relays one desk's events per push, naming the desk (`desk`); it may push
    for its own site's enrolled desks only.

    A repeat of a stored event is acknowledged as `duplicate`; a bad one is `rejected`
    with its reason and the field at fault. `acked_through` is the desk's highest seq
    held with no gap below.
    """
    body = await request.body()

    def work() -> PushReply:
        # Parsing runs here too, off the event loop, which stays free to turn pushes away.
        events, report = parse_push_body(body, settings.max_push_events, products)
        with engine.begin() as conn:
            return push_events(
                conn, _as_desk(conn, who, site, desk), site, events, products, report
            )

    reply = await run_in_threadpool(work)
    return Response(reply.model_dump_json(exclude_none=True), media_type="application/json")


@router.get("/events", response_model=PullPage)
def pull_events(
    who: PrincipalDep,
    site: SiteDep,
    engine: EngineDep,
    settings: SettingsDep,
    _: ProtocolDep,
    products: ProductCodesDep,
    rules: RulesDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    own: Annotated[bool, Query(description="include this desk's own events")] = False,
) -> PullPage:
    """The site's log after `after`: roster changes and the other desks' events."""
    size = min(limit or settings.pull_page_size, settings.pull_page_size)
    with reading(engine) as conn:
        return pull(conn, who, site, after, size, products, own, rules.history_days())

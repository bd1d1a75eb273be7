"""Push and pull: the desks' sync endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic_core import from_json, to_json
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import DeskDep, EngineDep, PrincipalDep, SettingsDep, SiteDep
from sync_server.api.schemas import PullOut, PushOut
from sync_server.errors import ServiceError, bad_request
from sync_server.services.ingest import DUPLICATE, REJECTED, STORED, push_events
from sync_server.services.pull import pull

router = APIRouter(prefix="/api/v1/sites/{code}", tags=["sync"])


def parse_push_body(body: bytes, max_events: int) -> list[Any]:
    """The events of a push body; 422 naming what is wrong with it."""
    if b"\\u0000" in body or b"\x00" in body:
        raise bad_request("bad_json", "內容含有 NUL 字元", "the body contains a NUL character")
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
    if len(events) > max_events:
        raise ServiceError(
            413,
            "too_many_events",
            f"一次最多 {max_events} 筆事件",
            f"at most {max_events} events per push",
        )
    return events


@router.post("/events", response_model=PushOut, responses={200: {"model": PushOut}})
async def push(
    request: Request, who: DeskDep, site: SiteDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    """Store a batch of this desk's events, in seq order; each is judged on its own.

    A repeat of a stored event is acknowledged as `duplicate`; a bad one is `rejected`
    with its reason. `acked_through` is the desk's highest seq held with no gap below.
    """
    body = await request.body()

    def work() -> Any:
        # Parsing runs here too, off the event loop, which stays free to turn pushes away.
        events = parse_push_body(body, settings.max_push_events)
        with engine.begin() as conn:
            return push_events(conn, who, site, events)

    result = await run_in_threadpool(work)
    # Built by hand: validating hundreds of result models per push costs more than the insert.
    reply = {
        "acked_through": result.acked_through,
        "stored": result.count(STORED),
        "duplicates": result.count(DUPLICATE),
        "rejected": result.count(REJECTED),
        "results": [
            {"index": r.index, "event_id": r.event_id, "seq": r.seq, "status": r.status}
            if r.code is None
            else r.__dict__
            for r in result.results
        ],
    }
    return Response(to_json(reply), media_type="application/json")


@router.get("/events", response_model=PullOut)
def pull_events(
    who: PrincipalDep,
    site: SiteDep,
    engine: EngineDep,
    settings: SettingsDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> PullOut:
    """The site's log after `after`: roster changes and the other desks' events."""
    size = min(limit or settings.pull_page_size, settings.pull_page_size)
    with engine.connect() as conn:
        page = pull(conn, who, site, after, size)
    return PullOut(entries=page.entries, cursor=page.cursor, more=page.more)

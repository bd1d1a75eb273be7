"""Admission control: bodies read whole under a deadline, then a few pushes at a time.

Two ASGI middlewares, outermost first:

`BodyReader` reads every request body whole before any route (or the push gate) sees
it: at most `limit` bytes (413 otherwise) within `deadline` seconds (408 and the
connection closed otherwise). A client that sends half a body and holds its socket
therefore costs one idle connection for a few seconds, never a push slot, a worker
thread or a database connection; a client that cuts off mid-body is one log line.

`PushGate` lets a worker work on as many pushes at once as it has the means for (see
`push_slots`). A push that finds them all taken waits in line for one, at most
`push_queue_seconds` (1 s) and behind at most as many others as there are slots: a push
takes a tenth of a second or so, and a desk turned away comes back a whole Retry-After
second later (in bench_sync's ingest, 8 desks on 2 workers, up to 17 pushes a run were
turned away, each costing its desk one to two seconds; none since). Any other push is
answered 503, before authentication. Its Retry-After is a ticket: the
desks turned away are told to come back one push-time after another, so their retries
arrive about as fast as the worker can take them, instead of all in the same second.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections import deque

import anyio.to_thread
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_server.core.config import Settings
from sync_server.db.engine import is_sqlite
from sync_server.errors import ServiceError

log = logging.getLogger(__name__)

_PUSH_PATH = re.compile(r"^/api/v1/sites/[^/]+/events$")
MAX_RETRY_AFTER = 60  # seconds; a desk never waits longer for its next try


class _BodyTooLarge(Exception):
    pass


class _ClientGone(Exception):
    def __init__(self, received: int) -> None:
        super().__init__(received)
        self.received = received


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "unknown client"


class BodyReader:
    """Read a request body whole, within `deadline` seconds and `limit` bytes, then replay it."""

    def __init__(self, app: ASGIApp, limit: int, deadline: float) -> None:
        self.app = app
        self.limit = limit
        self.deadline = deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body (RFC 9112, 6.3)
            return
        if declared is not None and not (declared.isdigit() and int(declared) <= self.limit):
            await _too_large(scope, send, self.limit)
            return
        expected = f"{int(declared)} bytes" if declared is not None else "a chunked body"
        where = f"{scope['method']} {scope['path']} from {_client(scope)}"
        chunks: list[bytes] = []
        try:
            async with asyncio.timeout(self.deadline):
                await self._read(receive, chunks)
        except TimeoutError:
            got = sum(map(len, chunks))
            log.warning("%s: %d of %s in %g s, closed (408)", where, got, expected, self.deadline)
            await _answer(scope, send, _too_slow(self.deadline), {"Connection": "close"})
            return
        except _BodyTooLarge:
            await _too_large(scope, send, self.limit)
            return
        except _ClientGone as gone:
            log.warning("%s: client cut off after %d of %s", where, gone.received, expected)
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the disconnect a route may wait for
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive, chunks: list[bytes]) -> None:
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone(size)
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return


def _too_slow(deadline: float) -> ServiceError:
    return ServiceError(
        408,
        "body_timeout",
        f"內容未在 {deadline:g} 秒內送達，連線已關閉",
        f"the request body did not arrive within {deadline:g} s; the connection is closed",
    )


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    err = ServiceError(
        413,
        "too_large",
        f"內容超過 {limit // 1024} KB 上限",
        f"the request body is over the {limit // 1024} KB limit",
    )
    await _answer(scope, send, err, {})


async def _answer(scope: Scope, send: Send, err: ServiceError, headers: dict[str, str]) -> None:
    response = JSONResponse(err.body(), status_code=err.status, headers=headers)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def push_slots(settings: Settings, threads: int) -> int:
    """How many pushes one worker process works on at once, from what it has for them.

    `max_concurrent_pushes` when set. Otherwise: a push holds a worker thread and, for
    its transaction, a database connection. SQLite writes one transaction at a time, so
    two: one writing, one parsing its body meanwhile (a third would only wait for the
    lock). PostgreSQL: one connection of the pool each (`database_pool_size`), the
    overflow left to pulls, sign-ins and reports. Never more than half of the `threads`
    that every other route shares.
    """
    if settings.max_concurrent_pushes is not None:
        return settings.max_concurrent_pushes
    wanted = 2 if is_sqlite(settings.database_url) else settings.database_pool_size
    return max(1, min(wanted, threads // 2))


class PushGate:
    """ASGI middleware around the push route. One event loop per worker: plain state is safe."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self._settings = settings
        self._limit: int | None = None  # known once the worker's thread pool is: in its loop
        self.in_flight = 0
        self._waiting: deque[asyncio.Future[None]] = deque()  # in line for a slot, in order
        self._push_seconds = 0.1  # running mean of a push's duration; a guess until measured
        self._next_ticket = 0.0  # monotonic time of the last slot promised to a turned-away desk

    @property
    def limit(self) -> int:
        """The pushes this worker works on at once."""
        if self._limit is None:
            threads = int(anyio.to_thread.current_default_thread_limiter().total_tokens)
            self._limit = push_slots(self._settings, threads)
            log.info("push gate: %d pushes at once in this worker", self._limit)
        return self._limit

    @property
    def waiting(self) -> int:
        """The pushes in line for a slot."""
        return sum(not turn.done() for turn in self._waiting)

    def retry_after(self) -> int:
        """Whole seconds until the next free ticket; each turned-away desk gets a later one."""
        now = time.monotonic()
        slot = self._push_seconds / self.limit  # seconds between two pushes finishing
        ticket = max(self._next_ticket, now + self.in_flight * slot) + slot
        self._next_ticket = min(now + MAX_RETRY_AFTER, ticket)
        return max(1, math.ceil(self._next_ticket - now))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not _PUSH_PATH.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        if not await self._take_slot():
            err = ServiceError(503, "busy", "伺服器忙碌，請稍後再試", "server busy, retry later")
            await _answer(scope, send, err, {"Retry-After": str(self.retry_after())})
            return
        started = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self._give_slot()
            self._push_seconds += 0.2 * (time.monotonic() - started - self._push_seconds)

    async def _take_slot(self) -> bool:
        """A slot for this push, at once or after waiting in line; False: none came."""
        if self.in_flight < self.limit and not self._waiting:
            self.in_flight += 1
            return True
        if len(self._waiting) >= self.limit:
            return False
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            # A finished push hands its slot over.
            await asyncio.wait_for(turn, self._settings.push_queue_seconds)
            return True
        except TimeoutError:
            return False
        except BaseException:  # the client went away while waiting
            if turn.done() and not turn.cancelled():
                self._give_slot()  # handed over just then: pass it on
            raise
        finally:
            if turn in self._waiting:
                self._waiting.remove(turn)

    def _give_slot(self) -> None:
        """Hand the slot to the first push in line that still waits, else free it."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.in_flight -= 1

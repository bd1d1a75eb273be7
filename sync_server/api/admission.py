"""Admission control for pushes: a few at a time, the rest turned away at once with a ticket.

A reconnect storm (hundreds of desks pushing a day at once) must neither queue
requests inside the server for seconds nor leave it idle between retries. Each worker
process handles `limit` pushes at once; any other push is answered 503 at once, before
authentication and before its body is read. Its Retry-After is a ticket: the desks
turned away are told to come back one push-time after another, so their retries
arrive about as fast as the worker can take them, instead of all in the same second.
"""

from __future__ import annotations

import math
import re
import time

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from sync_server.errors import ServiceError

_PUSH_PATH = re.compile(r"^/api/v1/sites/[^/]+/events$")
MAX_RETRY_AFTER = 60  # seconds; a desk never waits longer for its next try


class PushGate:
    """ASGI middleware around the push route. One event loop per worker: plain state is safe."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self._push_seconds = 0.1  # running mean of a push's duration; a guess until measured
        self._next_ticket = 0.0  # monotonic time of the last slot promised to a turned-away desk

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
        if self.in_flight >= self.limit:
            err = ServiceError(503, "busy", "伺服器忙碌，請稍後再試", "server busy, retry later")
            headers = {"Retry-After": str(self.retry_after())}
            await JSONResponse(err.body(), status_code=503, headers=headers)(scope, receive, send)
            return
        started = time.monotonic()
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self._push_seconds += 0.2 * (time.monotonic() - started - self._push_seconds)

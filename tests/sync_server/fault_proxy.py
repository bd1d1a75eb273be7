"""A TCP proxy on loopback that breaks HTTP traffic on purpose (asyncio, in its own thread).

It reads each HTTP/1.1 request from the client, then per request applies a fault:
pass it on, drop it unanswered, delay it, send it to the server twice, cut the
connection halfway through the request body, or let the server answer and cut the
connection before the reply reaches the client. `offline = True` refuses everything
(the network is gone).
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from enum import StrEnum

from live_server import free_port


class Fault(StrEnum):
    PASS = "pass"
    DROP = "drop"  # close before the server sees the request
    DELAY = "delay"
    DUPLICATE = "duplicate"  # the server gets the request twice
    CUT_MID_REQUEST = "cut_mid_request"  # half the body reaches the server, then both closed
    CUT_BEFORE_REPLY = "cut_before_reply"  # the server handled it; the client never hears


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP message: (head, body) by Content-Length or chunked encoding."""
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers[k.strip().lower()] = v.strip()
    if b"content-length" in headers:
        body = await reader.readexactly(int(headers[b"content-length"]))
        return head, body
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            body += size_line + chunk
            if size == 0:
                return head, body
    return head, b""


class FaultProxy:
    """Proxy 127.0.0.1:port -> upstream_port with a random fault plan (seeded)."""

    def __init__(self, upstream_port: int, weights: dict[Fault, float], seed: int = 1) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.weights = weights
        self.rng = random.Random(seed)
        self.offline = False
        self.script: list[Fault] = []  # faults for the next pushes (POST), before random ones
        self.delay_seconds = 0.3
        self.counts: Counter[Fault] = Counter()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        fut.result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    def _pick(self) -> Fault:
        faults = list(self.weights)
        return self.rng.choices(faults, weights=[self.weights[f] for f in faults])[0]

    async def _upstream(self, head: bytes, body: bytes, partial: bool = False) -> bytes | None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            return None
        try:
            if partial:
                writer.write(head + body[: len(body) // 2])
                await writer.drain()
                return None
            writer.write(head + body)
            await writer.drain()
            rhead, rbody = await _read_message(reader)
            return rhead + rbody
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return None
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                if self.offline:
                    return
                try:
                    head, body = await _read_message(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                if self.offline:
                    return
                if self.script and head.startswith(b"POST"):
                    fault = self.script.pop(0)
                else:
                    fault = self._pick()
                self.counts[fault] += 1
                if fault is Fault.DROP:
                    return
                if fault is Fault.CUT_MID_REQUEST:
                    await self._upstream(head, body, partial=True)
                    return
                if fault is Fault.DELAY:
                    await asyncio.sleep(self.delay_seconds)
                if fault is Fault.DUPLICATE:
                    await self._upstream(head, body)
                reply = await self._upstream(head, body)
                if reply is None or fault is Fault.CUT_BEFORE_REPLY:
                    return
                writer.write(reply)
                await writer.drain()
        finally:
            writer.close()

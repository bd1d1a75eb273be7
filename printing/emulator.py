"""A network receipt printer on loopback (raw port 9100), for tests, benchmarks and demos.

It records every connection's bytes, answers the real-time status requests DLE EOT 1
and DLE EOT 4 like an Epson printer, and can misbehave on purpose: be switched off
(connections refused), run out of paper, or drop the next connection after N bytes.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

_STATUS_REQUEST: Final[bytes] = b"\x10\x04"
_ONLINE: Final[int] = 0x12  # fixed bits 1 and 4 set, nothing wrong
_PAPER_END: Final[int] = 0x12 | 0x60


@dataclass
class Received:
    """The bytes of one connection, status requests removed; `whole` when the client closed."""

    data: bytes
    whole: bool
    status_requests: int = 0


@dataclass
class NetworkPrinterEmulator:
    """A TCP printer emulator; `start()` binds 127.0.0.1 on a free (or the given) port."""

    host: str = "127.0.0.1"
    port: int = 0
    answers_status: bool = True
    paper_out: bool = False
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._drop_after: int | None = None
        self._running = False

    # -- control -------------------------------------------------------------------------

    def start(self) -> NetworkPrinterEmulator:
        """Switch on: listen (again) on the same port."""
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(8)
        server.settimeout(0.1)
        self.port = server.getsockname()[1]
        self._server = server
        self._running = True
        self._thread = threading.Thread(target=self._serve, name="printer-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Switch off: close the port, so connections are refused."""
        self._running = False
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._server is not None:
            self._server.close()
            self._server = None

    @property
    def uri(self) -> str:
        """tcp://host:port of this printer."""
        return f"tcp://{self.host}:{self.port}"

    def drop_next_connection_after(self, n_bytes: int) -> None:
        """Cut the next connection once it has delivered `n_bytes` of data."""
        self._drop_after = n_bytes

    @property
    def jobs(self) -> list[bytes]:
        """The data of connections that arrived whole, in order."""
        with self._lock:
            return [r.data for r in self.received if r.whole and r.data]

    def wait_for_jobs(self, count: int, timeout: float = 10.0) -> list[bytes]:
        """Wait until `count` whole jobs arrived; returns them (fewer on timeout)."""
        self._wait(lambda: len([r for r in self.received if r.whole and r.data]) >= count, timeout)
        return self.jobs

    def wait_for_connections(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until `count` connections ended (whole or cut); returns them all."""
        self._wait(lambda: len(self.received) >= count, timeout)
        with self._lock:
            return list(self.received)

    def _wait(self, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._lock.wait(remaining)

    # -- serving -------------------------------------------------------------------------

    def _serve(self) -> None:
        assert self._server is not None
        while self._running:
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        # One connection at a time, as a real printer does.
        drop_after, self._drop_after = self._drop_after, None
        buf = bytearray()
        requests = 0
        whole = False
        conn.settimeout(5.0)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    whole = True
                    break
                buf += chunk
                if drop_after is not None and len(buf) >= drop_after:
                    del buf[drop_after:]
                    # SO_LINGER 0: reset, like a printer switched off mid-job.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    break
                # A status request is answered when it is the last thing received: the
                # client waits for the answer before sending more.
                if self.answers_status and len(buf) >= 3 and buf[-3:-1] == _STATUS_REQUEST:
                    requests += 1
                    kind = buf[-1]
                    del buf[-3:]
                    reply = _PAPER_END if (kind == 4 and self.paper_out) else _ONLINE
                    try:
                        conn.sendall(bytes([reply]))
                    except OSError:
                        break
        with self._lock:
            self.received.append(Received(bytes(buf), whole, requests))
            self._lock.notify_all()

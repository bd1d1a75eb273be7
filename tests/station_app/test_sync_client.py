"""The sync client's back-off, Retry-After and status, against a real HTTP server on loopback."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from datetime import date, datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from station_app.store import Store
from station_app.sync_client import (
    SyncClient,
    SyncRefused,
    SyncState,
    SyncStatus,
    SyncUnavailable,
    entry_from_wire,
)
from vaccination.wire import RosterEntry


class _Handler(BaseHTTPRequestHandler):
    replies: ClassVar[list[tuple[int, dict[str, str], dict]]] = []
    seen: ClassVar[list[str]] = []

    def _answer(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, headers, body = self.replies.pop(0) if self.replies else (500, {}, {})
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("H", (_Handler,), {"replies": [], "seen": []})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", handler
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "desk.db")
    try:
        yield s
    finally:
        s.close()


ME = (200, {}, {"role": "desk", "site": "TN01", "desk": "A", "name": "x"})


def test_busy_server_retry_after_is_honoured(http_server, store: Store) -> None:  # type: ignore[no-untyped-def]
    url, handler = http_server
    handler.replies += [
        ME,
        (503, {"Retry-After": "7"}, {"detail": {"message_zh": "忙", "message_en": "busy"}}),
    ]
    statuses: list[SyncStatus] = []
    client = SyncClient(
        store, url, "secret-token", interval=0.5, on_status=statuses.append, rng=random.Random(1)
    )
    try:
        delay = client.run_cycle()
    finally:
        client.stop()
    assert delay >= 7
    assert statuses[-1].state is SyncState.OFFLINE
    assert statuses[-1].message_en == "busy"
    assert "離線" in statuses[-1].text_zh() and "offline" in statuses[-1].text_en()


def test_backoff_grows_with_jitter_and_is_capped(tmp_path: Path, store: Store) -> None:
    client = SyncClient(
        store, "http://127.0.0.1:9", "t", interval=1.0, max_backoff=30, rng=random.Random(5)
    )
    try:
        delays = []
        for failures in range(1, 12):
            client._failures = failures
            delays.append(client.next_delay())
        for n, d in enumerate(delays, start=1):
            ceiling = min(30, 2 ** (n - 1))
            assert ceiling / 2 <= d <= ceiling
        assert len({round(d, 6) for d in delays[6:]}) > 1  # jittered, not lock-step
        # A server's Retry-After is honoured, plus up to a second so desks spread out.
        client._failures = 1
        told = [client.next_delay(retry_after=5) for _ in range(20)]
        assert all(5 <= d < 6 for d in told) and len({round(d, 6) for d in told}) > 1
        # No server at all: offline, the desk keeps its events.
        with pytest.raises(SyncUnavailable):
            client.sync_once()
        assert client.status.state is SyncState.OFFLINE
    finally:
        client.stop()


def test_a_body_the_server_timed_out_is_retried_soon(http_server, store: Store) -> None:  # type: ignore[no-untyped-def]
    """408: the desk's line was too slow for the server's body deadline; not a refusal."""
    url, handler = http_server
    too_slow = {"detail": {"code": "body_timeout", "message_zh": "逾時", "message_en": "too slow"}}
    handler.replies += [ME, (408, {"Connection": "close"}, too_slow)]
    client = SyncClient(store, url, "t", interval=0.5, max_backoff=45, rng=random.Random(1))
    try:
        delay = client.run_cycle()
    finally:
        client.stop()
    assert delay < 45
    assert client.status.state is SyncState.OFFLINE
    assert client.status.message_en == "too slow"


def test_refusal_is_not_retried_fast(http_server, store: Store) -> None:  # type: ignore[no-untyped-def]
    url, handler = http_server
    handler.replies += [
        (
            401,
            {},
            {
                "detail": {
                    "code": "bad_token",
                    "message_zh": "授權憑證無效",
                    "message_en": "the token is not valid",
                }
            },
        )
    ]
    client = SyncClient(store, url, "t", interval=0.1, max_backoff=45)
    try:
        assert client.run_cycle() == 45
        handler.replies += [(401, {}, {})]
        with pytest.raises(SyncRefused):
            client.sync_once()
    finally:
        client.stop()
    assert client.status.message_zh  # the status bar can say why


def test_a_pulled_roster_entry_becomes_a_booking() -> None:
    entry = entry_from_wire(
        RosterEntry.model_validate(
        {
            "id_number": "A123456789", "name": "王小明", "birth_date": "1980-05-01",
            "phone": None, "site": "臺南市立體育館", "slot_start": "2026-11-23T09:00",
            "slot_end": None, "product": "CoV_AZ", "dose": 2, "dose_label": "第2劑",
            "row_number": 4, "walk_in": False,
            "history": [{"product": "CoV_AZ", "given_on": "2026-08-01", "lot": None}],
            "history_text": "CoV_AZ 2026-08-01", "flags": ["DUPLICATE_BOOKING"],
        }
        )
    )  # fmt: skip
    assert entry.person.birth_date == date(1980, 5, 1)
    assert entry.booking.slot_start == datetime.combine(date(2026, 11, 23), time(9, 0))
    assert entry.history[0].given_on == date(2026, 8, 1)
    assert entry.flags == ("DUPLICATE_BOOKING",)


def test_status_through_a_hub_says_whether_the_bureau_is_reached() -> None:
    from vaccination.wire import HubStatus

    cut = HubStatus(site="TN01", instance="1", upstream_reachable=False, waiting=7)
    up = cut.model_copy(update={"upstream_reachable": True, "waiting": 0})
    offline_hub = SyncStatus(SyncState.ONLINE, 2, hub=cut)
    assert offline_hub.text_zh() == "已連線（站內），衛生局離線 7 筆未上傳"
    assert offline_hub.text_en() == "online (site hub), bureau offline: 7 not yet uploaded"
    assert SyncStatus(SyncState.ONLINE, 2, hub=up).text_zh() == "已連線（站內），待上傳 2 筆"
    # Not reaching the hub at all is the desk's own offline state.
    assert SyncStatus(SyncState.OFFLINE, 2, hub=cut).text_zh().startswith("離線，待上傳 2 筆")
    assert SyncStatus(SyncState.ONLINE, 0).text_zh() == "已連線，待上傳 0 筆"

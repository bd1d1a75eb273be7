"""Admission of pushes against a real uvicorn on loopback: slow bodies, full gates, cut-offs.

A body is read whole, under `body_timeout_seconds`, before a push may take one of the
worker's push slots; a push that finds every slot working waits in line for one (at most
`push_queue_seconds`, behind at most as many pushes as there are slots), and is turned
away with a Retry-After when none comes.
"""

from __future__ import annotations

import http.client
import json
import logging
import select
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from desks import DAY, SITE, SITE_CODE, pid
from live_server import Admin, ThreadServer, auth
from sqlalchemy import text

from sync_server.api.admission import PushGate, push_slots
from sync_server.core.config import Settings
from sync_server.db.engine import is_sqlite, make_engine
from vaccination.wire import PROTOCOL, PROTOCOL_HEADER

PUSH_PATH = f"/api/v1/sites/{SITE_CODE}/events"


def _checkin(desk: str, seq: int) -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()),
        "site": SITE,
        "desk": desk,
        "seq": seq,
        "at": f"{DAY}T09:{seq % 60:02d}:00+08:00",
        "kind": "checkin",
        "payload": {
            "day": DAY.isoformat(),
            "id_number": pid(seq),
            "queue_number": f"{desk}{seq:03d}",
        },
    }


def _push(url: str, token: str, events: list[dict[str, object]]) -> httpx.Response:
    return httpx.post(
        f"{url}{PUSH_PATH}",
        json={"events": events},
        headers=auth(token),
        timeout=30,
    )


def _half_push(port: int, token: str, desk: str, seq: int) -> socket.socket:
    """A push on a raw socket whose body stops after 4 bytes; the socket is held open."""
    body = json.dumps({"events": [_checkin(desk, seq)]}).encode()
    head = (
        f"POST {PUSH_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"{PROTOCOL_HEADER}: {PROTOCOL}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(head + body[:4])
    return sock


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, part: str) -> list[str]:
        return [r.getMessage() for r in self.records if part in r.getMessage()]


@contextmanager
def server_log() -> Iterator[_Records]:
    """What the server logs (its own loggers and uvicorn's error log) while the block runs.

    Attach after the server started: uvicorn's logging set-up replaces its handlers.
    """
    records = _Records()
    loggers = [logging.getLogger("sync_server"), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(records)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(records)


def _answered(sockets: list[socket.socket]) -> list[socket.socket]:
    readable, _, _ = select.select(sockets, [], [], 0)
    return readable


def test_half_sent_pushes_do_not_keep_another_desk_from_pushing(db_url: str) -> None:
    """Issue 12: two desks sending 4 bytes of a body and holding kept every desk out (503).

    Eight held half-sent pushes (more than any worker's push slots) take no slot: a third
    desk's pushes are stored while they are still held, without a 503. When the held
    sockets close, each is one line in the log and no traceback.
    """
    srv = ThreadServer(db_url).start()  # the default settings: a 10 s body deadline
    try:
        admin = Admin(srv.url)
        admin.site(SITE_CODE, SITE)
        slow_desks = [admin.desk(SITE_CODE, "A"), admin.desk(SITE_CODE, "B")]
        token_c = admin.desk(SITE_CODE, "C")
        with server_log() as logged:
            held = [
                _half_push(srv.port, token, desk, seq)
                for seq in range(1, 5)
                for token, desk in zip(slow_desks, "AB", strict=True)
            ]
            try:
                pushed = [_checkin("C", seq) for seq in range(1, 6)]
                answers = [_push(srv.url, token_c, [event]) for event in pushed]
                assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
                assert [a.json()["stored"] for a in answers] == [1] * 5
                assert answers[-1].json()["acked_through"] == 5
                # Done while the slow desks still hold their sockets, unanswered.
                assert _answered(held) == []
                pulled = httpx.get(
                    f"{srv.url}{PUSH_PATH}",
                    headers=auth(slow_desks[0]),
                    timeout=30,
                ).json()["entries"]
                stored = {e["event"]["event_id"] for e in pulled if e["type"] == "event"}
                assert stored == {e["event_id"] for e in pushed}
            finally:
                for sock in held:
                    sock.close()
            deadline = time.monotonic() + 15
            while len(logged.lines("cut off")) < len(held) and time.monotonic() < deadline:
                time.sleep(0.05)
        cut_off = logged.lines("cut off")
        assert len(cut_off) == len(held), [r.getMessage() for r in logged.records]
        assert all(f"POST {PUSH_PATH}" in line and "after 4 of" in line for line in cut_off)
        assert [r for r in logged.records if r.exc_info or r.levelno >= logging.ERROR] == []
    finally:
        srv.stop()


def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_closed(
    tmp_path: Path,
) -> None:
    srv = ThreadServer(f"sqlite:///{tmp_path / 'server.db'}", body_timeout_seconds=1).start()
    try:
        admin = Admin(srv.url)
        admin.site(SITE_CODE, SITE)
        token = admin.desk(SITE_CODE, "A")
        with server_log() as logged, _half_push(srv.port, token, "A", 1) as slow:
            reply = http.client.HTTPResponse(slow)
            reply.begin()
            assert reply.status == 408
            assert reply.getheader("Connection") == "close"
            detail = json.loads(reply.read())["detail"]
            assert detail["code"] == "body_timeout"
            assert "1 秒" in detail["message_zh"] and "1 s" in detail["message_en"]
            assert slow.recv(1) == b""  # closed by the server
        assert len(logged.lines("(408)")) == 1
        # The desk's next push, sent whole, is stored.
        assert _push(srv.url, token, [_checkin("A", 1)]).json()["stored"] == 1
    finally:
        srv.stop()


@contextmanager
def writes_held(db_url: str) -> Iterator[None]:
    """Another connection holds the write lock of the events' table until the block ends."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:  # on SQLite: BEGIN IMMEDIATE, the database's write lock
            if not is_sqlite(db_url):
                conn.execute(text("LOCK TABLE log IN EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def test_a_full_server_turns_a_push_away_with_retry_after(db_url: str) -> None:
    srv = ThreadServer(db_url, max_concurrent_pushes=1, push_queue_seconds=0).start()
    try:
        admin = Admin(srv.url)
        admin.site(SITE_CODE, SITE)
        token = admin.desk(SITE_CODE, "A")
        with ThreadPoolExecutor(1) as pool:
            with writes_held(db_url):
                # The only slot works on a push that waits for the database.
                working = pool.submit(_push, srv.url, token, [_checkin("A", 1)])
                busy = _turned_away(srv.url)
                assert busy.json()["detail"]["code"] == "busy"
                assert 1 <= int(busy.headers["Retry-After"]) <= 60
                assert not working.done()  # turned away without waiting for it
            assert working.result(timeout=30).json()["stored"] == 1
        assert _push(srv.url, token, [_checkin("A", 2)]).json()["acked_through"] == 2
    finally:
        srv.stop()


def test_a_push_that_finds_the_slots_taken_waits_in_line_for_one(db_url: str) -> None:
    """A desk turned away would come back a whole Retry-After later; a push that waits a
    moment in line is stored as soon as a slot frees. The line is as long as the slots:
    one more than that is turned away at once, never left waiting."""
    srv = ThreadServer(db_url, max_concurrent_pushes=1, push_queue_seconds=60).start()
    try:
        admin = Admin(srv.url)
        admin.site(SITE_CODE, SITE)
        token = admin.desk(SITE_CODE, "A")
        gate = _push_gate(srv)
        with ThreadPoolExecutor(2) as pool:
            with writes_held(db_url):
                working = pool.submit(_push, srv.url, token, [_checkin("A", 1)])
                _until(lambda: gate.in_flight == 1)  # the only slot: waiting for the database
                waiting = pool.submit(_push, srv.url, token, [_checkin("A", 2)])
                _until(lambda: gate.waiting == 1)
                busy = httpx.post(f"{srv.url}{PUSH_PATH}", content=b"{}", timeout=30)
                assert busy.status_code == 503, busy.text  # the line is full: at once
                assert not waiting.done()
            assert working.result(timeout=30).json()["stored"] == 1
            reply = waiting.result(timeout=30)
        assert reply.status_code == 200, reply.text
        assert reply.json()["stored"] == 1 and reply.json()["acked_through"] == 2
        assert (gate.in_flight, gate.waiting) == (0, 0)
    finally:
        srv.stop()


def _push_gate(srv: ThreadServer) -> PushGate:
    """The running app's push gate (built with the app's middleware on its first request)."""
    httpx.get(f"{srv.url}/api/v1/health", timeout=10)
    layer: object = srv.app.middleware_stack
    while not isinstance(layer, PushGate):
        layer = getattr(layer, "app")  # noqa: B009 - each middleware wraps the next as .app
    return layer


def _until(condition: Callable[[], bool]) -> None:
    for _ in range(3000):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the server never got there")


def _turned_away(url: str) -> httpx.Response:
    """Push (with no token: 401 once past the gate) until the gate answers 503."""
    answers: list[httpx.Response] = []
    while len(answers) < 200 and (not answers or answers[-1].status_code != 503):
        answers.append(httpx.post(f"{url}{PUSH_PATH}", content=b"{}", timeout=90))
        time.sleep(0.01)
    assert answers[-1].status_code == 503, [a.status_code for a in answers]
    return answers[-1]


@pytest.mark.parametrize(
    ("settings", "threads", "slots"),
    [
        (Settings(database_url="sqlite:///s.db"), 40, 2),  # one writer, one parsing meanwhile
        (Settings(database_url="postgresql+psycopg://h/db"), 40, 5),  # the pool's connections
        (Settings(database_url="postgresql+psycopg://h/db", database_pool_size=30), 40, 20),
        (Settings(database_url="postgresql+psycopg://h/db", max_concurrent_pushes=3), 40, 3),
    ],
)
def test_the_push_gate_is_sized_to_the_worker(settings: Settings, threads: int, slots: int) -> None:
    assert push_slots(settings, threads) == slots

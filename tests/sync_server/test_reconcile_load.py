"""Issue 13, defect 13: a reconciliation must not be quadratic, nor lock the server.

"One person with N refusals and N vaccinations at the same time (N within the push limit)
took 0.2 s at 100 events, 12.5 s at 400 and 95 s at 800, holding `BEGIN IMMEDIATE` on
SQLite the whole time, so pushes got 503 and pulls timed out ... Reconcile in time linear
in the site's events, read without taking the write lock, and stop on SIGTERM."

The growth is measured as work done (Python function calls, which do not depend on how
busy the machine is), never as seconds.
"""

from __future__ import annotations

import contextlib
import cProfile
import pstats
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from desks import DAY, SITE, SITE_CODE, pid
from live_server import Admin, ProcessServer, ThreadServer, auth
from store_fixtures import rules

from sync_server.db.engine import make_engine, reading
from sync_server.services import reconcile
from sync_server.services.accounts import site_by_code

PUSH = f"/api/v1/sites/{SITE_CODE}/events"


def _event(
    seq: int, kind: str, minute: int, day: date = DAY, **payload: object
) -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()),
        "site": SITE,
        "desk": "A",
        "seq": seq,
        "at": f"{day}T09:{minute // 60:02d}:{minute % 60:02d}+08:00",
        "kind": kind,
        "payload": {"day": day.isoformat(), "id_number": pid(1), **payload},
    }


def one_person_storm(n: int, day: date = DAY) -> list[dict[str, object]]:
    """A check-in, then `n` refusals and `n` doses of one person, all at one minute."""
    checkin = _event(1, "checkin", 0, day, queue_number="A001")
    ref = {"checkin_id": checkin["event_id"]}
    out = [checkin]
    for _ in range(n):
        out.append(
            _event(len(out) + 1, "doctor_decision", 1, day, approved=False, reason="發燒", **ref)
        )
        dose = {"product": "CoV_Moderna", "lot": "M1", "dose": 1}
        out.append(_event(len(out) + 1, "vaccination", 1, day, **dose, **ref))
    return out


def _push(url: str, token: str, events: list[dict[str, object]]) -> httpx.Response:
    return httpx.post(f"{url}{PUSH}", json={"events": events}, headers=auth(token), timeout=60)


def _reconcile_calls(db_url: str, day: date) -> tuple[int, int]:
    """(function calls, conflicts) of one server reconciliation of the site's day."""
    engine = make_engine(db_url)
    try:
        with reading(engine) as conn:
            site = site_by_code(conn, SITE_CODE)
            profile = cProfile.Profile()
            profile.enable()
            rec = reconcile.reconcile(conn, site, day, rules())
            profile.disable()
    finally:
        engine.dispose()
    return pstats.Stats(profile).total_calls, len(rec.conflicts)  # type: ignore[attr-defined]


def test_reconciling_one_person_with_many_refusals_and_doses_grows_linearly(
    server: ThreadServer, admin: Admin
) -> None:
    admin.site(SITE_CODE, SITE)
    token = admin.desk(SITE_CODE, "A")
    work: dict[int, int] = {}
    for n, day_offset in ((100, 0), (400, 1)):
        day = date.fromordinal(DAY.toordinal() + day_offset)
        r = _push(server.url, token, one_person_storm(n, day))
        assert r.status_code == 200, r.text
        calls, conflicts = _reconcile_calls(server.database_url, day)
        assert conflicts >= 2  # vaccinated twice, and after a refusal: the storm is seen
        work[n] = calls
    # Four times the events: about four times the work (n log n), not sixteen (n²).
    assert work[400] < 6 * work[100], work


@pytest.fixture
def held_reconciliation(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Every reconciliation the server runs waits, inside its read, until released."""
    release = threading.Event()
    inside = threading.Event()
    real = reconcile.reconcile

    def held(*args: object, **kwargs: object) -> reconcile.Reconciliation:
        rec = real(*args, **kwargs)  # type: ignore[arg-type]
        inside.set()
        release.wait(60)
        return rec

    monkeypatch.setattr(reconcile, "reconcile", held)
    release.inside = inside  # type: ignore[attr-defined]
    try:
        yield release
    finally:
        release.set()


def test_a_push_is_stored_while_a_reconciliation_is_reading(
    server: ThreadServer, admin: Admin, held_reconciliation: threading.Event
) -> None:
    admin.site(SITE_CODE, SITE)
    token = admin.desk(SITE_CODE, "A")
    assert _push(server.url, token, one_person_storm(20)).status_code == 200
    reader = threading.Thread(
        target=admin.call, args=("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}")
    )
    reader.start()
    try:
        assert held_reconciliation.inside.wait(30)  # type: ignore[attr-defined]
        # The reconciliation is still inside its transaction: a desk's push goes through.
        late = _event(100, "checkin", 30, queue_number="A002")
        r = httpx.post(
            f"{server.url}{PUSH}", json={"events": [late]}, headers=auth(token), timeout=10
        )
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["status"] == "stored"
    finally:
        held_reconciliation.set()
        reader.join(30)


def test_the_server_stops_on_sigterm_while_a_client_holds_a_request_open(db_url: str) -> None:
    srv = ProcessServer(db_url).start()
    admin = Admin(srv.url)
    admin.site(SITE_CODE, SITE)
    token = admin.desk(SITE_CODE, "A")
    assert _push(srv.url, token, one_person_storm(200)).status_code == 200

    # A reconciliation in flight, and a client that never finishes its request.
    def reconcile_until_cut() -> None:
        # The server may go away mid-answer: that is what stopping does.
        with contextlib.suppress(httpx.HTTPError):
            admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}")

    reader = threading.Thread(target=reconcile_until_cut, daemon=True)
    reader.start()
    held = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    held.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers not ended
    try:
        assert srv.terminate_and_wait(60) is not None, "the server did not stop on SIGTERM"
    finally:
        held.close()

"""Fault injection: a lossy network and a server killed mid-push still give exactly-once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from desks import DAY, SITE, SITE_CODE, Desk, make_desk, pid, seed_roster
from fault_proxy import Fault, FaultProxy
from live_server import BOOT, Admin, ProcessServer, ThreadServer, auth

from station_app.sync_client import SyncState, SyncStatus

PEOPLE = 60


def _server_events(url: str, site: str = SITE_CODE) -> list[dict]:
    """Every event the server holds for the site, read as the bureau."""
    out, cursor = [], 0
    while True:
        page = httpx.get(
            f"{url}/api/v1/sites/{site}/events",
            params={"after": cursor},
            headers=auth(BOOT),
            timeout=30,
        ).json()
        out += [e["event"] for e in page["entries"] if e["type"] == "event"]
        cursor = page["cursor"]
        if not page["more"]:
            return out


def _work_the_day(desk: Desk, people: range) -> None:
    """A vial is opened; people are checked in, approved and given the dose: three events each."""
    desk.service.open_vial("CoV_Moderna", "MOD123")
    for n in people:
        out = desk.service.check_in(pid(n))
        assert out.checked_in, out.assessment.codes()
        assert out.checkin_id is not None
        desk.service.doctor_decision(out.checkin_id, True, None)
        desk.service.record_vaccination(out.checkin_id, "CoV_Moderna", "MOD123", 1)


def _sync_until_done(desk: Desk, deadline: float = 120.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        desk.client.run_cycle()
        if desk.client.status.state is SyncState.ONLINE and desk.store.outbox.count_pending() == 0:
            return
        time.sleep(0.02)
    raise AssertionError(f"not synced; {desk.store.outbox.count_pending()} still waiting")


def _state(desk: Desk) -> tuple:
    c = desk.service.counters()
    return (
        c.checked_in,
        c.vaccinated,
        c.not_approved,
        sorted((q.queue_number, q.vaccinated) for q in desk.service.doctor_queue()),
    )


@pytest.mark.slow
def test_lossy_network_gives_exactly_once(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, PEOPLE + 1))
    token_a, token_b = admin.desk(SITE_CODE, "A"), admin.desk(SITE_CODE, "B")
    weights = {
        Fault.PASS: 4,
        Fault.DROP: 1,
        Fault.DELAY: 1,
        Fault.DUPLICATE: 1,
        Fault.CUT_MID_REQUEST: 1,
        Fault.CUT_BEFORE_REPLY: 2,
    }
    proxy = FaultProxy(server.port, weights, seed=7).start()
    statuses: list[SyncStatus] = []
    a = make_desk(
        tmp_path, proxy.url, token_a, "A", batch_size=20, timeout=3, on_status=statuses.append
    )
    b = make_desk(tmp_path, proxy.url, token_b, "B", batch_size=20, timeout=3)
    try:
        _retry(lambda: a.client.download_roster(DAY))
        _retry(lambda: b.client.download_roster(DAY))
        _work_the_day(a, range(1, PEOPLE // 2 + 1))
        _work_the_day(b, range(PEOPLE // 2 + 1, PEOPLE + 1))
        proxy.offline = True
        a.client.run_cycle()
        assert a.client.status.state is SyncState.OFFLINE
        assert a.client.status.waiting == 3 * (PEOPLE // 2) + 1
        proxy.offline = False
        # Every kind of fault hits a push at least once, then chance takes over.
        proxy.script = [
            Fault.CUT_BEFORE_REPLY,
            Fault.DUPLICATE,
            Fault.CUT_MID_REQUEST,
            Fault.DROP,
            Fault.DELAY,
            Fault.CUT_BEFORE_REPLY,
        ]
        for _ in range(3):  # both desks until neither has anything left to learn
            _sync_until_done(a)
            _sync_until_done(b)
        assert all(proxy.counts[f] > 0 for f in weights), proxy.counts
        held = _server_events(server.url)
        assert len(held) == 3 * PEOPLE + 2
        assert len({e["event_id"] for e in held}) == 3 * PEOPLE + 2
        for letter in "AB":
            seqs = sorted(e["seq"] for e in held if e["desk"] == letter)
            assert seqs == list(range(1, 3 * PEOPLE // 2 + 2))
        assert _state(a) == _state(b)
        assert a.service.counters().vaccinated == PEOPLE
        assert any(s.state is SyncState.OFFLINE for s in statuses)
        assert statuses[-1].state is SyncState.ONLINE and statuses[-1].waiting == 0
    finally:
        a.close()
        b.close()
        proxy.stop()


def _retry(fn, tries: int = 50) -> bool:  # type: ignore[no-untyped-def]
    from station_app.sync_client import SyncUnavailable

    for _ in range(tries):
        try:
            fn()
            return False
        except SyncUnavailable:
            time.sleep(0.01)
    raise AssertionError("never got through")


@pytest.mark.slow
def test_server_killed_in_the_middle_of_a_push(db_url: str, tmp_path: Path) -> None:
    srv = ProcessServer(db_url).start()
    admin = Admin(srv.url)
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, PEOPLE + 1))
    token = admin.desk(SITE_CODE, "A")
    desk = make_desk(tmp_path, srv.url, token, "A", batch_size=5, timeout=3)
    try:
        desk.client.download_roster(DAY)
        _work_the_day(desk, range(1, PEOPLE + 1))
        total = 3 * PEOPLE + 1  # and the vial opened
        pusher = threading.Thread(target=lambda: _sync_until_done(desk, deadline=90))
        pusher.start()
        # Kill the server once part of the outbox is through, while batches are in flight.
        end = time.monotonic() + 30
        while desk.store.outbox.count_pending() > total // 2 and time.monotonic() < end:
            time.sleep(0.005)
        srv.kill()
        assert 0 < desk.store.outbox.count_pending() < total
        time.sleep(0.5)
        srv.start()
        pusher.join(120)
        assert desk.store.outbox.count_pending() == 0
        held = _server_events(srv.url)
        assert sorted(e["seq"] for e in held) == list(range(1, total + 1))
        assert len({e["event_id"] for e in held}) == total
    finally:
        desk.close()
        srv.stop()

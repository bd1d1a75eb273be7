"""End to end: real server on loopback (SQLite and PostgreSQL), real desk stores and clients."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from desks import DAY, OTHER_CODE, OTHER_SITE, SITE, SITE_CODE, Desk, make_desk, pid, seed_roster
from live_server import Admin, ThreadServer, auth

from station_app.sync_client import SyncRefused, SyncState, SyncStatus


def _setup(admin: Admin) -> tuple[str, str]:
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 6))
    return admin.desk(SITE_CODE, "A"), admin.desk(SITE_CODE, "B")


@pytest.fixture
def two_desks(server: ThreadServer, admin: Admin, tmp_path: Path) -> Iterator[tuple[Desk, Desk]]:
    """Desks A and B of the seeded site (roster not downloaded yet), closed after the test."""
    token_a, token_b = _setup(admin)
    a = make_desk(tmp_path, server.url, token_a, "A")
    try:
        b = make_desk(tmp_path, server.url, token_b, "B")
        try:
            yield a, b
        finally:
            b.close()
    finally:
        a.close()


def test_roster_download_push_and_pull_between_two_desks(
    admin: Admin, two_desks: tuple[Desk, Desk]
) -> None:
    a, b = two_desks
    assert a.client.download_roster(DAY) == 5
    assert b.client.download_roster(DAY) == 5
    assert a.service.counters().total == 5

    out = a.service.check_in(pid(1))
    assert out.checked_in, out.assessment.codes()
    a.client.sync_once()
    assert a.store.outbox.count_pending() == 0
    b.client.sync_once()
    # Desk B now knows desk A checked person 1 in: a scan at B says so.
    assert "ALREADY_CHECKED_IN" in b.service.assess(pid(1)).codes()
    assert b.service.counters().checked_in == 1

    # A central change comes down through pull: one cancelled, one added.
    r = admin.call(
        "POST",
        f"/api/v1/sites/{SITE_CODE}/rosters/{DAY}/cancellations",
        json={"id_number": pid(5), "product": "CoV_Moderna"},
    )
    assert r.status_code == 200, r.text
    seed_roster(admin, SITE_CODE, range(9, 10))
    report = b.client.sync_once()
    assert (report.roster_added, report.roster_cancelled) == (1, 1)
    assert b.service.counters().total == 5  # 5 - 1 cancelled + 1 added
    assert any(row.id_number == pid(9) for row in b.service.roster())
    assert not any(row.id_number == pid(5) for row in b.service.roster())


def test_two_offline_desks_check_in_the_same_person(
    admin: Admin, two_desks: tuple[Desk, Desk]
) -> None:
    a, b = two_desks
    a.client.download_roster(DAY)
    b.client.download_roster(DAY)
    # Both offline: each desk checks the same person in.
    assert a.service.check_in(pid(2)).checked_in
    assert b.service.check_in(pid(2)).checked_in
    a.client.sync_once()
    b.client.sync_once()
    a.client.sync_once()
    for desk in (a, b):
        assert "ALREADY_CHECKED_IN" in desk.service.assess(pid(2)).codes()
    rec = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}").json()
    twice = [c for c in rec["conflicts"] if c["code"] == "CHECKED_IN_TWICE"]
    assert len(twice) == 1
    assert twice[0]["masked_id"] == pid(2)[:3] + "****" + pid(2)[-3:]
    assert {c["desk"] for c in twice[0]["data"]["checkins"]} == {"A", "B"}
    assert rec["counts"]["checked_in"] == 1
    assert rec["counts"]["no_show"] == 4


def test_desk_of_one_site_cannot_touch_another(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    token_a, _ = _setup(admin)
    admin.site(OTHER_CODE, OTHER_SITE)
    seed_roster(admin, OTHER_CODE, range(20, 23))
    other_token = admin.desk(OTHER_CODE, "A")
    headers = auth(token_a)
    base = f"{server.url}/api/v1/sites/{OTHER_CODE}"
    assert httpx.get(f"{base}/rosters/{DAY}", headers=headers).status_code == 403
    assert httpx.get(f"{base}/events", headers=headers).status_code == 403
    assert httpx.post(f"{base}/events", json={"events": []}, headers=headers).status_code == 403
    assert httpx.get(f"{base}/reconciliation/{DAY}", headers=headers).status_code == 403
    assert httpx.get(f"{base}/exports/niis/{DAY}", headers=headers).status_code == 403

    # An event naming the other site, pushed to the desk's own site, is rejected alone.
    other = make_desk(tmp_path, server.url, other_token, "A", site=OTHER_SITE)
    try:
        other.client.download_roster(DAY)
        assert other.service.check_in(pid(20)).checked_in
        event = other.store.outbox.pending(10)[0].to_dict()
    finally:
        other.close()
    r = httpx.post(
        f"{server.url}/api/v1/sites/{SITE_CODE}/events", json={"events": [event]}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["results"][0]["code"] == "wrong_site"
    # And the other site's people never show up in this site's pull.
    pulled = httpx.get(f"{server.url}/api/v1/sites/{SITE_CODE}/events", headers=headers).json()
    assert all(pid(20) not in str(e) for e in pulled["entries"])


def test_expired_account_is_refused(server: ThreadServer, admin: Admin, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, update

    from sync_server.db.tables import accounts

    token_a, _ = _setup(admin)
    engine = create_engine(server.database_url)
    with engine.begin() as conn:
        conn.execute(
            update(accounts)
            .where(accounts.c.desk == "A")
            .values(expires_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
    engine.dispose()
    r = httpx.get(f"{server.url}/api/v1/me", headers=auth(token_a))
    assert r.status_code == 401
    assert r.json()["detail"]["code"] == "expired"
    statuses: list[SyncStatus] = []
    desk = make_desk(tmp_path, server.url, token_a, "A", on_status=statuses.append)
    try:
        with pytest.raises(SyncRefused):
            desk.client.sync_once()
        desk.client.run_cycle()
        assert statuses[-1].state is SyncState.OFFLINE
        assert "期限" in statuses[-1].message_zh
    finally:
        desk.close()


def test_token_never_reaches_the_logs(
    server: ThreadServer, admin: Admin, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token_a, _ = _setup(admin)
    caplog.set_level(logging.DEBUG)
    desk = make_desk(tmp_path, server.url, token_a, "A")
    try:
        desk.client.download_roster(DAY)
        desk.service.check_in(pid(3))
        desk.client.run_cycle()
        desk.client.sync_once()
        assert desk.client.status.state is SyncState.ONLINE
    finally:
        desk.close()
    assert caplog.records, "debug logging was captured"
    assert token_a not in caplog.text
    assert token_a not in repr(desk.client)


def test_a_rejected_event_does_not_block_the_queue(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    from station_app.store.outbox import LOCAL, next_event_seq
    from station_app.store.state import apply_events
    from vaccination.events import Event, EventKind

    token_a, _ = _setup(admin)
    statuses: list[SyncStatus] = []
    desk = make_desk(tmp_path, server.url, token_a, "A", batch_size=2, on_status=statuses.append)
    try:
        desk.client.download_roster(DAY)
        # An event a misconfigured desk wrote for another site sits first in the outbox.
        with desk.store.write() as conn:
            bad = Event.new(
                site=OTHER_SITE,
                desk="A",
                seq=next_event_seq(conn, "A"),
                at=desk.service.clock(),
                kind=EventKind.CHECKIN,
                payload={"id_number": pid(900), "queue_number": "A900", "day": DAY.isoformat()},
            )
            apply_events(conn, [bad], LOCAL)
        for n in (1, 2, 3):
            assert desk.service.check_in(pid(n)).checked_in
        report = desk.client.sync_once()
        assert (report.pushed, report.rejected) == (3, 1)
        assert statuses[-1].state is SyncState.ONLINE
        assert (statuses[-1].waiting, statuses[-1].rejected) == (0, 1)
        assert desk.client.book.rejections()[0]["code"] == "wrong_site"
        assert desk.client.sync_once().pushed == 0  # nothing is sent again
    finally:
        desk.close()

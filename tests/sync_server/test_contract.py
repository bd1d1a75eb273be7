"""The wire contract across desks and the server: one projection, a log that cannot be poisoned.

Real desk stores, services and sync clients against the real server on loopback (SQLite
and PostgreSQL).
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import httpx
from desks import DAY, SITE, SITE_CODE, Desk, make_desk, pid, seed_roster
from live_server import Admin, ThreadServer, auth
from sqlalchemy import create_engine

from station_app.store.outbox import LOCAL, next_event_seq
from station_app.store.state import apply_events
from station_app.sync_client import SyncRefused
from sync_server.db.tables import log
from vaccination.assessment import site_key
from vaccination.events import Event, EventKind
from vaccination.models import IdKind, Person
from vaccination.wire import PROTOCOL_HEADER


def _desks(tmp_path: Path, server: ThreadServer, admin: Admin, letters: str) -> dict[str, Desk]:
    desks = {}
    for letter in letters:
        desk = make_desk(tmp_path, server.url, admin.desk(SITE_CODE, letter), letter)
        desk.client.download_roster(DAY)
        desks[letter] = desk
    return desks


def _sync_all(desks: dict[str, Desk]) -> None:
    for _ in range(2):  # the second round brings each desk what the others pushed after it
        for desk in desks.values():
            desk.client.sync_once()


def test_four_desks_a_doctor_and_the_server_agree_on_counts_and_conflicts(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 21))
    desks = _desks(tmp_path, server, admin, "ABCDE")
    try:
        a, b, c, d, doctor = (desks[x] for x in "ABCDE")
        checked = {}
        for n, desk in zip(range(1, 13), [a, b, c, d] * 3, strict=False):
            out = desk.service.check_in(pid(n))
            assert out.checked_in, out.assessment.codes()
            checked[n] = out.checkin_id
        # Offline, two desks check person 13 in: a double check-in.
        assert a.service.check_in(pid(13)).checked_in
        assert b.service.check_in(pid(13)).checked_in
        d.service.undo_last_checkin("掃錯人")  # person 12's check-in at D
        _sync_all(desks)
        for n in range(1, 8):
            doctor.service.doctor_decision(checked[n], approved=n != 3, reason="發燒")
        doctor.service.open_vial("CoV_Moderna", "MOD1-CDC")
        for n in (1, 2, 4, 5):
            doctor.service.record_vaccination(checked[n], "CoV_Moderna", "MOD1-CDC", 1)
        # An older desk, which did not check for the approval, recorded a dose for person 8.
        older_desk_dose(doctor, checked[8], pid(8))
        _sync_all(desks)

        rec = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}").json()
        expected = {
            "booked": 20, "checked_in": 12, "vaccinated": 5, "not_approved": 1, "no_show": 8,
            "walk_in": 0,
        }  # fmt: skip
        assert rec["counts"] == expected
        # The books to the person (defect 10 of issue 13): who is behind each count.
        assert len(rec["no_shows"]) == 8
        assert [(r["masked_id"], r["reason"]) for r in rec["refusals"]] == [
            (pid_mask(pid(3)), "發燒")
        ]
        assert sorted(r["masked_id"] for r in rec["vaccinations"]) == sorted(
            pid_mask(pid(n)) for n in (1, 2, 4, 5, 8)
        )
        assert {r["lot"] for r in rec["vaccinations"]} == {"MOD1-CDC"}
        sheet = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}?format=csv")
        text = sheet.content.decode("utf-8-sig")
        assert "未到 no-shows" in text and "醫生不同意 refusals" in text and "發燒" in text
        assert pid(3) not in text  # masked
        server_conflicts = {(x["code"], x["masked_id"]) for x in rec["conflicts"]}
        for desk in desks.values():
            counters = desk.service.counters()
            assert (
                counters.total,
                counters.checked_in,
                counters.vaccinated,
                counters.not_approved,
                counters.not_arrived,
            ) == (20, 12, 5, 1, 8)
            state = desk.service.site_day()
            mine = {(x.code, pid_mask(x.id_number)) for x in state.conflicts_at(site_key(SITE))}
            assert mine == server_conflicts
        assert ("CHECKED_IN_TWICE", pid_mask(pid(13))) in server_conflicts
        assert ("VACCINATED_WITHOUT_APPROVAL", pid_mask(pid(8))) in server_conflicts
    finally:
        for desk in desks.values():
            desk.close()


def older_desk_dose(desk: Desk, checkin_id: str, id_number: str) -> None:
    with desk.store.write() as conn:
        event = Event.new(
            site=SITE,
            desk=desk.service.desk,
            seq=next_event_seq(conn, desk.service.desk),
            at=desk.service.clock(),
            kind=EventKind.VACCINATION,
            payload={
                "day": DAY.isoformat(),
                "id_number": id_number,
                "checkin_id": checkin_id,
                "product": "CoV_Moderna",
                "lot": "MOD1-CDC",
                "dose": 1,
            },
        )
        apply_events(conn, [event], LOCAL)


def pid_mask(id_number: str) -> str:
    return id_number[:3] + "****" + id_number[-3:]


def test_a_malformed_event_is_rejected_and_a_poisoned_log_never_stops_the_site(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 6))
    desks = _desks(tmp_path, server, admin, "AB")
    a, b = desks["A"], desks["B"]
    try:
        out = a.service.check_in(pid(1))
        wire = a.store.outbox.pending()[0].to_dict()
        bad = {
            **wire,
            "event_id": str(uuid.uuid4()),
            "seq": 1,
            "desk": "C",
            "kind": "vaccination",
            "payload": {
                "day": DAY.isoformat(),
                "id_number": pid(1),
                "checkin_id": out.checkin_id,
                "product": "CoV_Moderna",
                "lot": "M1",
                "dose": "two",
            },
        }
        token_c = admin.desk(SITE_CODE, "C")
        reply = httpx.post(
            f"{server.url}/api/v1/sites/{SITE_CODE}/events",
            json={"events": [bad]},
            headers=auth(token_c),
            timeout=30,
        ).json()
        assert reply["rejected"] == 1 and reply["stored"] == 0
        assert reply["results"][0]["field"] == "payload.dose"
        # One slipped in anyway, written into the server's database by hand.
        engine = create_engine(server.settings.database_url)
        with engine.begin() as conn:
            site_id = conn.exec_driver_sql(
                f"SELECT id FROM sites WHERE code = '{SITE_CODE}'"
            ).scalar()
            conn.execute(
                log.insert().values(
                    site_id=site_id, entry="event", event_id=bad["event_id"], site_label=SITE,
                    desk="C", seq=1, at=bad["at"], day=DAY, kind="vaccination",
                    id_number=pid(1), payload=bad["payload"],
                )
            )  # fmt: skip
        engine.dispose()
        a.client.sync_once()
        for n in (2, 3):
            assert a.service.check_in(pid(n)).checked_in
        a.client.sync_once()
        report = b.client.sync_once()
        # The server does not serve the event; desk B learns every check-in around it.
        assert report.applied_events == 3
        assert b.service.counters().checked_in == 3
        assert b.service.counters().vaccinated == 0
    finally:
        for desk in desks.values():
            desk.close()


def test_a_pulled_event_the_desk_cannot_apply_is_set_aside_and_the_cursor_moves_on(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 6))
    a = make_desk(tmp_path, server.url, admin.desk(SITE_CODE, "A"), "A")
    # Desk B's rule sets are older: they lack the product desk A records.
    b = make_desk(tmp_path, server.url, admin.desk(SITE_CODE, "B"), "B", product_codes={"CoV_AZ"})
    try:
        for desk in (a, b):
            desk.client.download_roster(DAY)
        first = a.service.check_in(pid(1))
        a.service.doctor_decision(first.checkin_id, approved=True, reason=None)
        a.service.record_vaccination(first.checkin_id, "CoV_Moderna", "MOD1-CDC", 1, open_vial=True)
        assert a.service.check_in(pid(2)).checked_in
        a.client.sync_once()
        report = b.client.sync_once()
        assert report.set_aside >= 3  # the Moderna check-in, its vial and its dose
        reasons = [item.reason for item in b.client.book.set_aside_entries()]
        assert any("unknown product code 'CoV_Moderna'" in r for r in reasons)
        assert b.client.status.set_aside == report.set_aside
        assert "無法套用" in b.client.status.text_zh()
        # The decision named no product and arrived; the cursor moved past the rest.
        assert b.client.book.cursor(server.url) == report.cursor > 0
        assert b.client.sync_once().set_aside == 0
    finally:
        a.close()
        b.close()


def test_an_old_desk_is_told_to_update_and_a_newer_field_passes_through(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 4))
    token_a = admin.desk(SITE_CODE, "A")
    old = httpx.get(
        f"{server.url}/api/v1/sites/{SITE_CODE}/events",
        headers={"Authorization": f"Bearer {token_a}"},
        timeout=30,
    )
    assert old.status_code == 426
    assert "請更新" in old.json()["detail"]["message_zh"]
    a = make_desk(tmp_path, server.url, token_a, "A")
    b = make_desk(tmp_path, server.url, admin.desk(SITE_CODE, "B"), "B")
    try:
        a.client._http.headers[PROTOCOL_HEADER] = "1"  # a desk of the previous version
        try:
            a.client.sync_once()
        except SyncRefused as refused:
            assert refused.status == 426 and "更新" in refused.message_zh
        else:
            raise AssertionError("an old desk was answered as if it were current")
        assert "更新" in a.client.status.text_zh()
        a.client._http.headers.pop(PROTOCOL_HEADER)
        a.client._http.headers[PROTOCOL_HEADER] = "2"
        a.client.download_roster(DAY)
        b.client.download_roster(DAY)
        # A newer desk adds a field this version does not know.
        out = a.service.check_in(pid(1))
        newer = a.store.outbox.pending()[0].to_dict()
        newer["payload"]["wristband"] = "W-17"
        a.store.outbox.mark_acked([out.checkin_id])
        pushed = httpx.post(
            f"{server.url}/api/v1/sites/{SITE_CODE}/events",
            json={"events": [newer]},
            headers=auth(token_a),
            timeout=30,
        ).json()
        assert pushed["stored"] == 1
        assert b.client.sync_once().applied_events == 1
        assert b.service.counters().checked_in == 1
        (kept,) = [e for e in b.store.outbox.all_events() if e.event_id == out.checkin_id]
        assert json.loads(kept.payload.model_dump_json())["wristband"] == "W-17"
    finally:
        a.close()
        b.close()


def test_a_passport_walk_in_and_an_8_dose_az_lot_mean_the_same_on_every_desk(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """Issue 16's walk-in document type and a lot's doses per vial, written at desk A,
    reach desk B and the bureau as the same facts (WALKIN_ADDED, VIAL_OPENED)."""
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 3))
    desks = _desks(tmp_path, server, admin, "AB")
    try:
        a, b = desks["A"], desks["B"]
        traveller = Person("X12345678", "陳旅客", date(1980, 1, 2))
        a.service.add_walk_in(traveller, "CoV_AZ", 1, "", id_kind=IdKind.PASSPORT)
        a.service.open_vial("CoV_AZ", "AZ8-CDC", doses_per_vial=8)
        _sync_all(desks)
        seen = b.service.assess("X12345678")
        assert seen.id_check.kind is IdKind.PASSPORT and seen.person is not None
        assert seen.person.name == "陳旅客"
        (lot,) = [x for x in b.service.lots() if x.lot == "AZ8-CDC"]
        assert (lot.doses_per_vial, lot.vials_opened) == (8, 1)
        rec = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}").json()
        assert rec["counts"]["walk_in"] == 1
        stock = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/exports/stock/{DAY}")
        rows = [line.split(",") for line in stock.content.decode("utf-8-sig").splitlines()]
        assert rows[1][:2] == ["CoV_AZ", "AZ8-CDC"] and rows[1][3] == "1"  # one vial used
    finally:
        for desk in desks.values():
            desk.close()

"""A safe site day across desks (issue 13): what would let a vaccination error through.

Real desk stores, services and sync clients against the real server on loopback
(SQLite and PostgreSQL).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from desks import DAY, OTHER_CODE, OTHER_SITE, SITE, SITE_CODE, make_desk, pid, seed_roster
from live_server import Admin, ThreadServer, auth
from store_fixtures import rules

from station_app.checkin_service import CheckinService, DeskActionError
from station_app.store import Store, lookups
from station_app.sync_client import SyncRefused
from vaccination.assessment import site_key
from vaccination.demo_roster import write_demo_roster
from vaccination.roster_import import read_roster


def _facts(store: Store, id_number: str) -> tuple[object, ...]:
    with store.read() as conn:
        f = lookups.person_facts(conn, id_number, DAY)
    return (
        f.person,
        [(site_key(b.site), b.slot_start, b.product, b.dose, b.dose_label) for b in f.bookings],
        sorted((d.product, d.given_on) for d in f.history),
        f.infection_date,
        f.infection_onset_date,
        f.other_vaccine_date,
    )


def test_the_roster_from_the_server_is_the_roster_from_the_file_field_by_field(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """Defects 1 and 2: a downloaded roster kept 確診日期 and 其他疫苗接種日 out, and a desk
    that had both the file and the download counted every dose of the history twice."""
    admin.site(SITE_CODE, SITE)
    path = tmp_path / "roster.csv"
    write_demo_roster(path, 160, DAY)
    with path.open("rb") as fh:
        r = admin.call("POST", f"/api/v1/sites/{SITE_CODE}/rosters/{DAY}", files={"file": fh})
    assert r.status_code == 200, r.text
    report = read_roster(path, rules())
    here = site_key(SITE)
    # People booked only here and today: the site's upload files just those bookings (a
    # booking at another site or day is the other site's and day's to send).
    elsewhere = {
        e.person.id_number
        for e in report.rows
        if e.booking.slot_start.date() != DAY or site_key(e.booking.site) != here
    }
    people = sorted({e.person.id_number for e in report.rows} - elsewhere)
    assert any(e.infection_date for e in report.rows)  # the demo has such people
    downloaded = make_desk(tmp_path, server.url, admin.desk(SITE_CODE, "A"), "A")
    from_file = Store.open(tmp_path / "file.db")
    try:
        downloaded.client.download_roster(DAY)
        from_file.import_entries(report.rows)
        by_file = CheckinService(from_file, rules(), SITE, "B", DAY, downloaded.service.clock)
        assert [_facts(downloaded.store, p) for p in people] == [
            _facts(from_file, p) for p in people
        ]
        codes = {p: downloaded.service.assess(p).codes() for p in people}
        assert codes == {p: by_file.assess(p).codes() for p in people}
        # The same file imported on the desk that downloaded it: no dose twice.
        downloaded.store.import_entries(report.rows)
        assert {p: downloaded.service.assess(p).codes() for p in people} == codes
    finally:
        downloaded.close()
        from_file.close()


def test_a_double_checkin_is_one_person_for_the_doctor_and_a_manager_voids_it(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """Defect 6: two offline desks checked one person in; both entries reached the doctor's
    queue and both were recorded as vaccinated."""
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 4))
    a, b, doctor = (make_desk(tmp_path, server.url, admin.desk(SITE_CODE, x), x) for x in "ABE")
    try:
        for desk in (a, b, doctor):
            desk.client.download_roster(DAY)
        first = a.service.check_in(pid(1)).checkin_id  # both desks offline
        second = b.service.check_in(pid(1)).checkin_id
        assert first and second
        for desk in (a, b, doctor, a, b, doctor):
            desk.client.sync_once()
        (entry,) = [q for q in doctor.service.doctor_queue() if q.id_number == pid(1)]
        assert entry.also_checked_in_as  # the card can say "checked in twice"
        doctor.service.doctor_decision(entry.checkin_id, approved=True, reason=None)
        doctor.service.record_vaccination(entry.checkin_id, "CoV_Moderna", "M1", 1, open_vial=True)
        other = second if entry.checkin_id == first else first
        doctor.service.doctor_decision(other, approved=True, reason=None)
        try:
            doctor.service.record_vaccination(other, "CoV_Moderna", "M1", 1)
        except DeskActionError as refused:
            assert "已接種" in refused.message_zh
        else:
            raise AssertionError("the second entry of one person was vaccinated too")
        doctor.client.sync_once()
        rec = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}").json()
        (twice,) = [c for c in rec["conflicts"] if c["code"] == "CHECKED_IN_TWICE"]
        assert twice["state"] == "open"
        manager = a if other == first else b
        manager.service.void_checkin(other, "同一人兩個櫃台重複報到")
        for desk in (a, b, doctor):
            desk.client.sync_once()
        rec = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}").json()
        (twice,) = [c for c in rec["conflicts"] if c["code"] == "CHECKED_IN_TWICE"]
        assert twice["state"] == "resolved" and twice["resolved_by"].startswith("desk ")
        assert rec["counts"]["checked_in"] == 1 and rec["counts"]["vaccinated"] == 1
        assert doctor.service.counters().checked_in == 1
    finally:
        for desk in (a, b, doctor):
            desk.close()


def test_a_desk_joining_at_noon_and_a_replacement_pc_know_the_morning(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """Defect 3: a desk started at 11:00 never learnt the morning's doses, and a PC replacing
    a desk restarted at A001 and had its first check-in rejected for good (seq_taken)."""
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 8))
    token_a = admin.desk(SITE_CODE, "A")
    for pc in ("pc1", "late", "pc2", "old"):
        (tmp_path / pc).mkdir()
    morning = make_desk(tmp_path / "pc1", server.url, token_a, "A")
    try:
        morning.client.download_roster(DAY)
        for n in (1, 2, 3):
            assert morning.service.check_in(pid(n)).checked_in
        first = morning.service.search(pid(1))[0]
        (entry,) = [q for q in morning.service.doctor_queue() if q.id_number == pid(1)]
        morning.service.doctor_decision(entry.checkin_id, approved=True, reason=None)
        morning.service.record_vaccination(entry.checkin_id, "CoV_Moderna", "M1", 1, open_vial=True)
        morning.client.sync_once()
        assert first.queue_number == "A001"
    finally:
        morning.close()  # the PC dies
    late = make_desk(tmp_path / "late", server.url, admin.desk(SITE_CODE, "C"), "C")
    # The bureau re-enrols desk A for the replacement PC: a new token, the old one revoked.
    r = admin.call("POST", f"/api/v1/sites/{SITE_CODE}/desks/A/token")
    assert r.status_code == 200, r.text
    replacement = make_desk(tmp_path / "pc2", server.url, r.json()["token"], "A")
    try:
        for desk in (late, replacement):
            desk.client.download_roster(DAY)
            desk.client.sync_once()
            assert "ALREADY_VACCINATED" in desk.service.assess(pid(1)).codes()
            assert "ALREADY_CHECKED_IN" in desk.service.assess(pid(2)).codes()
            assert desk.service.counters().checked_in == 3
        out = replacement.service.check_in(pid(4))
        assert out.queue_number == "A004"  # the desk's numbering goes on
        report = replacement.client.sync_once()
        assert (report.pushed, report.rejected) == (1, 0)
        old = make_desk(tmp_path / "old", server.url, token_a, "A")
        try:
            try:
                old.client.download_roster(DAY)
            except SyncRefused as refused:
                assert refused.status == 401
            else:
                raise AssertionError("the revoked token still works")
        finally:
            old.close()
    finally:
        late.close()
        replacement.close()


def test_vials_opened_reach_the_bureau_and_its_stock_report_counts_them(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """Defect 7: 開一瓶 wrote only the desk's own table, and the stock report guessed
    ceil(doses / doses per vial): 227 vials opened, 216 reported."""
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 4))
    desk = make_desk(tmp_path, server.url, admin.desk(SITE_CODE, "A"), "A")
    try:
        desk.client.download_roster(DAY)
        for _ in range(3):  # one dropped, one expired, one used
            desk.service.open_vial("CoV_Moderna", "MOD9")
        for n in (1, 2):
            cid = desk.service.check_in(pid(n)).checkin_id
            assert cid
            desk.service.doctor_decision(cid, approved=True, reason=None)
            desk.service.record_vaccination(cid, "CoV_Moderna", "MOD9", 1)
        desk.client.sync_once()
        # Desk B drops a vial of the lot before opening it: a vial used all the same.
        dropped = {
            "event_id": str(uuid.uuid4()),
            "site": SITE,
            "desk": "B",
            "seq": 1,
            "at": f"{DAY}T10:00:00+08:00",
            "kind": "vial_discarded",
            "payload": {"day": str(DAY), "product": "CoV_Moderna", "lot": "MOD9", "reason": "摔破"},
        }
        r = httpx.post(
            f"{server.url}/api/v1/sites/{SITE_CODE}/events",
            json={"events": [dropped]},
            headers=auth(admin.desk(SITE_CODE, "B")),
        )
        assert r.json()["results"][0]["status"] == "stored", r.text
        r = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/exports/stock/{DAY}")
        rows = [line.split(",") for line in r.content.decode("utf-8-sig").splitlines()]
        (lot,) = [row for row in rows if row[1] == "MOD9-CDC"]
        # 消耗數量(瓶): the 3 vials opened and the one dropped unopened, not ceil(2 doses / 10)
        assert lot[3] == "4"
    finally:
        desk.close()


def test_a_person_vaccinated_at_another_site_this_morning_is_known_here(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """Defect 4: desks pulled only their own site's log, so a person vaccinated at TN01 in
    the morning was checked in and vaccinated again at TN02 in the afternoon."""
    admin.site(SITE_CODE, SITE)
    admin.site(OTHER_CODE, OTHER_SITE)
    seed_roster(admin, SITE_CODE, range(1, 3))
    seed_roster(admin, OTHER_CODE, range(1, 3))  # person 1 booked at both
    for folder in ("tn01", "tn02"):
        (tmp_path / folder).mkdir()
    morning = make_desk(tmp_path / "tn01", server.url, admin.desk(SITE_CODE, "A"), "A")
    afternoon = make_desk(
        tmp_path / "tn02", server.url, admin.desk(OTHER_CODE, "A"), "A", site=OTHER_SITE
    )
    try:
        for desk in (morning, afternoon):
            desk.client.download_roster(DAY)
        cid = morning.service.check_in(pid(1)).checkin_id
        assert cid
        morning.service.doctor_decision(cid, approved=True, reason=None)
        morning.service.record_vaccination(cid, "CoV_Moderna", "M1", 1, open_vial=True)
        morning.client.sync_once()
        afternoon.client.sync_once()
        codes = afternoon.service.assess(pid(1)).codes()
        assert "ALREADY_VACCINATED" in codes, codes
        assert not afternoon.service.check_in(pid(1)).checked_in
        # The other site's desk A is not this site's desk A: its numbers go on as its own.
        assert afternoon.service.check_in(pid(2)).queue_number == "A001"
        assert afternoon.client.sync_once().rejected == 0
        assert afternoon.service.counters().vaccinated == 0  # TN02's own counts
    finally:
        morning.close()
        afternoon.close()

"""A safe site day across desks (issue 13): what would let a vaccination error through.

Real desk stores, services and sync clients against the real server on loopback
(SQLite and PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path

from desks import DAY, SITE, SITE_CODE, make_desk, pid, seed_roster
from live_server import Admin, ThreadServer
from store_fixtures import rules

from station_app.checkin_service import CheckinService, DeskActionError
from station_app.store import Store, lookups
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

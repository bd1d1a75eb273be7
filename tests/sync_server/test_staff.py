"""A site's staff: the bureau adds them, desks download the list and sign in offline,
and every event a desk writes names who acted, up to the bureau's log.

Real server on loopback (SQLite and PostgreSQL), real desk stores and sync clients.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from desks import DAY, SITE, SITE_CODE, make_desk, pid, seed_roster
from live_server import Admin, ThreadServer
from sqlalchemy import create_engine, select

from station_app.checkin_service import DeskActionError
from station_app.staff import DeskSession, StaffBook
from sync_server.db.tables import log
from vaxdesk.cli import main

DOCTOR_CARD = "STAFF-CARD-0042"


def add_staff(admin: Admin, name: str, role: str, pin: str, card: str | None = None) -> str:
    body = {"name": name, "role": role, "pin": pin} | ({"card": card} if card else {})
    r = admin.call("POST", f"/api/v1/sites/{SITE_CODE}/staff", json=body)
    assert r.status_code == 201, r.text
    assert "pin" not in r.json() and "pin_hash" not in r.json()
    return str(r.json()["staff_id"])


def test_staff_sign_in_offline_and_the_operator_reaches_the_bureau(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE)
    seed_roster(admin, SITE_CODE, range(1, 4))
    clerk_id = add_staff(admin, "陳報到", "clerk", "1357")
    doctor_id = add_staff(admin, "林醫師", "doctor", "2468", card=DOCTOR_CARD)
    desk = make_desk(tmp_path, server.url, admin.desk(SITE_CODE, "A"), "A")
    try:
        desk.client.download_roster(DAY)
        assert desk.client.sync_once().staff == 2  # the list arrives with the first cycle
        # Sign-in reads the list the store keeps (no server call): it works offline.
        book = StaffBook(desk.store)
        session = DeskSession(book)
        desk.service.session = session
        assert session.enforced

        assert book.by_pin(clerk_id, "0000") is None  # a wrong PIN signs nobody in
        clerk = book.by_pin(clerk_id, "1357")
        assert clerk is not None and clerk.name == "陳報到"
        session.sign_in(clerk)
        out = desk.service.check_in(pid(1))
        assert out.checked_in and out.checkin_id
        with pytest.raises(DeskActionError) as refused:
            desk.service.doctor_decision(out.checkin_id, True, None)
        assert refused.value.message_zh.startswith("報到人員不能醫師評估")
        assert refused.value.code == "NOT_ALLOWED"

        doctor = book.by_card(DOCTOR_CARD)  # the doctor scans the staff card
        assert doctor is not None and doctor.staff_id == doctor_id
        session.sign_in(doctor)
        desk.service.doctor_decision(out.checkin_id, True, None)
        assert desk.client.sync_once().pushed == 2
    finally:
        desk.close()

    engine = create_engine(server.settings.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(log.c.kind, log.c.payload).order_by(log.c.log_id)).all()
    finally:
        engine.dispose()
    operators = {kind: payload.get("operator") for kind, payload in rows if kind != "roster"}
    assert operators["checkin"] == {"staff_id": clerk_id, "name": "陳報到", "role": "clerk"}
    assert operators["doctor_decision"] == {
        "staff_id": doctor_id, "name": "林醫師", "role": "doctor",
    }  # fmt: skip


def test_a_disabled_member_leaves_the_desks_list_and_pins_are_checked(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE)
    gone = add_staff(admin, "離職者", "manager", "9999")
    kept = add_staff(admin, "王站長", "manager", "8642")
    bad = admin.call(
        "POST", f"/api/v1/sites/{SITE_CODE}/staff", json={"name": "X", "role": "clerk", "pin": "12"}
    )
    assert bad.status_code == 422 and "4 到 8 位數字" in bad.text
    r = admin.call("POST", f"/api/v1/sites/{SITE_CODE}/staff/{gone}/disable")
    assert r.status_code == 204
    desk = make_desk(tmp_path, server.url, admin.desk(SITE_CODE, "A"), "A")
    try:
        assert desk.client.download_staff() == 1
        assert [m.staff_id for m in StaffBook(desk.store).members()] == [kept]
    finally:
        desk.close()


def test_the_bureau_adds_staff_from_the_command_line_pin_on_stdin(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["server", "site", "add", "--db", db_url, "--code", SITE_CODE, "--name", SITE,
                 "--institution", "2321010010"]) == 0  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\nSTAFF-CARD-9\n"))
    assert main(["server", "staff", "add", "--db", db_url, "--site", SITE_CODE, "--name",
                 "林醫師", "--role", "doctor", "--pin-stdin", "--card-stdin"]) == 0  # fmt: skip
    added = capsys.readouterr().out
    assert "林醫師 (doctor)" in added and "2468" not in added and "STAFF-CARD-9" not in added
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert main(["server", "staff", "add", "--db", db_url, "--site", SITE_CODE, "--name", "X",
                 "--role", "clerk", "--pin-stdin"]) != 0  # fmt: skip
    assert "PIN 必須是 4 到 8 位數字" in capsys.readouterr().err
    assert main(["server", "staff", "list", "--db", db_url, "--site", SITE_CODE]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("S1\t林醫師\tdoctor") and "$argon2" not in listed

"""Staff at the desk: sign in with name + PIN or a staff card, roles, the idle lock, the
demo's quick sign-in, the record card on the ticket printer, tickets dropped after a jam.

The REAL window over the REAL service on a temporary store holding a staff list (as the
server's download leaves it); keys typed on the fake key clock as a person or a scanner.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from app_fixtures import GuiDesk, KeyClock, focus, gui_fixture, roster_entries  # noqa: F401
from PySide6.QtWidgets import QApplication, QWidget
from store_fixtures import DAY, SITE, clock_at, open_store, pid, rules

from station_app.app import DEMO_STAFF, build_desk, demo_staff, show_demo_staff
from station_app.settings import DeskSettings
from station_app.sounds import SoundPlayer
from station_app.staff import StaffBook
from vaccination.events import EventKind
from vaccination.staff import card_digest

pytestmark = pytest.mark.gui

DOCTOR_CARD = "STAFF-0000042"
PERSON_MS = 150.0  # a person typing
SCANNER_MS = 4.0  # a keyboard-wedge scanner


def _staff() -> list[object]:
    members = demo_staff()  # 陳報到 1111 clerk, 林醫師 2222 doctor, 黃護理師 3333, 王站長 4444
    return [
        m.model_copy(update={"card_digest": card_digest(DOCTOR_CARD)}) if m.staff_id == "D2" else m
        for m in members
    ]


@pytest.fixture(name="staffed")
def staffed_fixture(qtbot, tmp_path: Path) -> Iterator[GuiDesk]:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path)
    store.import_entries(roster_entries())
    StaffBook(store).replace(_staff())  # type: ignore[arg-type]
    keys = KeyClock()
    sounds = SoundPlayer(enabled=False)
    desk = build_desk(
        store,
        DeskSettings(site=SITE, desk="A", lock_idle_minutes=5),
        day=DAY,
        clock=clock_at(9, 5),
        key_clock=keys,
        sounds=sounds,
        rules=rules(),
        folder=tmp_path,
    )
    desk.window.show()
    qtbot.waitExposed(desk.window)
    yield GuiDesk(desk, keys, sounds, tmp_path)
    desk.close()
    QApplication.processEvents()


def _sign_in(qtbot, g: GuiDesk, staff_id: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    dialog = g.window.sign_in_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.staff_box.setCurrentIndex(dialog.staff_box.findData(staff_id))
    focus(qtbot, dialog.pin_edit)
    g.type_into(dialog.pin_edit, pin, PERSON_MS)  # and Enter


def _checkins(g: GuiDesk) -> list[object]:
    return [e for e in g.desk.store.outbox.pending(100) if e.kind is EventKind.CHECKIN]


def test_the_desk_opens_at_sign_in_a_wrong_pin_is_refused_and_the_operator_is_kept(
    qtbot, staffed: GuiDesk
) -> None:  # type: ignore[no-untyped-def]
    g = staffed
    dialog = g.window.sign_in_dialog
    assert dialog is not None and dialog.windowTitle() == "工作人員登入"
    assert g.window.staff_label.text() == "未登入"
    _sign_in(qtbot, g, "D1", "9999")
    assert dialog.isVisible() and dialog.message_line.text() == "PIN 錯誤，請再試一次"
    assert dialog.pin_edit.text() == ""  # the wrong PIN is not left in the field
    dialog.reject()  # Escape does not walk away from it either
    assert dialog.isVisible()
    _sign_in(qtbot, g, "D1", "1111")
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert g.window.staff_label.text() == "值班：陳報到（報到人員）"

    g.window.handle_scan(pid(1))
    (event,) = _checkins(g)
    assert event.payload.operator is not None
    assert (event.payload.operator.staff_id, event.payload.operator.name) == ("D1", "陳報到")


def test_a_clerk_is_refused_doctor_and_manager_actions_with_a_clear_line(
    qtbot, staffed: GuiDesk
) -> None:  # type: ignore[no-untyped-def]
    g = staffed
    _sign_in(qtbot, g, "D1", "1111")
    g.window.handle_scan(pid(1))
    g.window.show_view(1)
    doctor = g.window.doctor_view
    doctor.table.selectRow(0)
    doctor.approve()
    assert doctor.message_label.text() == "報到人員不能醫師評估：只有醫師可以（請醫師登入）"
    assert doctor.entries[0].decision is None  # nothing written
    g.window.show_view(2)
    manager = g.window.manager_view
    g.settle()
    manager.table.selectRow(0)
    manager.ask_reveal()
    assert manager.reveal_dialog is None  # no dialog: refused before asking a reason
    assert "只有站長可以" in manager.message_label.text()
    manager.choose_export("csv")  # refused before the file picker opens
    assert manager.message_label.text().startswith("報到人員不能匯出")


def test_a_staff_card_scan_signs_in_and_idle_minutes_lock_the_desk(qtbot, staffed: GuiDesk) -> None:  # type: ignore[no-untyped-def]
    g = staffed
    dialog = g.window.sign_in_dialog
    focus(qtbot, dialog.pin_edit)
    g.type_into(dialog.pin_edit, DOCTOR_CARD, SCANNER_MS)  # the doctor scans the staff card
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert g.window.session.member.name == "林醫師"
    g.window.handle_scan(pid(2))
    assert len(_checkins(g)) == 1

    g.keys.advance(4 * 60_000)
    g.window.refresh_status()
    assert g.window.sign_in_dialog is None  # 4 of 5 minutes: still open
    g.keys.advance(61_000)
    g.window.refresh_status()
    lock = g.window.sign_in_dialog
    assert lock is not None and lock.isVisible() and lock.windowTitle() == "畫面已鎖定"
    assert g.window.session.member is None
    g.window.handle_scan(pid(3))  # a person's card while locked: refused, nobody checked in
    assert len(_checkins(g)) == 1 and g.sounds.played[-1] == "block"
    assert lock.scan_line.text().startswith("無法辨識的員工卡")
    _sign_in(qtbot, g, "D4", "4444")  # the manager takes over
    qtbot.waitUntil(lambda: not lock.isVisible())
    assert g.window.staff_label.text() == "值班：王站長（站長）"


def test_a_desk_without_a_staff_list_works_as_before(gui: GuiDesk) -> None:
    assert gui.window.sign_in_dialog is None and not gui.window.session.enforced
    assert not gui.window.staff_label.isVisibleTo(gui.window)
    gui.window.lock_screen()  # Ctrl+L: nothing to lock
    assert gui.window.sign_in_dialog is None
    gui.window.handle_scan(pid(1))
    (event,) = _checkins(gui)
    assert event.payload.operator is None


def test_the_demo_is_one_scan_away_and_names_its_pins(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path)
    store.import_entries(roster_entries())
    StaffBook(store).replace(demo_staff())
    quiet = SoundPlayer(enabled=False)
    desk = build_desk(store, DeskSettings(site=SITE), day=DAY, clock=clock_at(9, 5),
                      sounds=quiet, rules=rules(), folder=tmp_path)  # fmt: skip
    try:
        show_demo_staff(desk.window)
        assert desk.window.sign_in_dialog is None or not desk.window.sign_in_dialog.isVisible()
        note = desk.window.findChild(QWidget, "demoStaff")
        assert all(f"{name} {pin}" in note.text() for _i, name, _r, pin in DEMO_STAFF)
        desk.window.handle_scan(pid(1))
        assert desk.service.counters().checked_in == 1
    finally:
        desk.close()


def test_the_record_card_entry_prints_on_the_ticket_printer(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app_fixtures import desk_with

    out = tmp_path / "printer.bin"
    uri = f"file://{out}?mode=text&profile=TM-T88V"
    desk = desk_with(tmp_path, DeskSettings(site=SITE, ticket_printer=uri))
    try:
        view = desk.window.checkin_view
        view.handle_scan(pid(1))
        # The ticket is queued once the card is on screen: before the record card, so the
        # file printer's last job is the card.
        qtbot.waitUntil(lambda: view.message_label.text() == "號碼單 A001 已送出列印")
        desk.service.open_vial("CoV_Moderna", "MOD001-CDC")
        desk.window.show_view(1)
        doctor = desk.window.doctor_view
        doctor.table.selectRow(0)
        doctor.vaccinate()
        assert doctor.print_card_button.isEnabled()
        doctor.print_card()
        assert doctor.message_label.text() == "小黃卡已送出列印"
        next_dose = (DAY + timedelta(days=28)).isoformat()  # Moderna dose 1: 28 days
        assert "下一劑最早 " + next_dose in doctor.card_label.text()
        wanted = [
            "小黃卡".encode("cp950"),
            "批號 Lot MOD001-CDC".encode("cp950"),
            f"接種日期 {DAY.isoformat()}".encode("cp950"),
            f"接種單位 {SITE}".encode("cp950"),
            f"Next dose from {next_dose}".encode(),
            b"CoV_Moderna",
        ]
        qtbot.waitUntil(
            lambda: out.exists() and all(w in out.read_bytes() for w in wanted), timeout=30_000
        )
        data = out.read_bytes()
        assert data.startswith(b"\x1b@")  # ESC @: the printer is reset first
        assert pid(1).encode() not in data
    finally:
        desk.close()


@pytest.mark.slow
def test_tickets_dropped_after_a_jam_are_listed_and_reprinted_marked(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app_fixtures import desk_with

    from printing.print_queue import PrintQueue
    from printing.ticket import TicketData
    from station_app.ticket_hook import SITE_ZONE

    out = tmp_path / "tickets"
    settings = DeskSettings(site=SITE, ticket_printer=f"pdf://{out}", ticket_drop_minutes=10)
    desk = desk_with(tmp_path, settings)
    try:
        jammed = PrintQueue(desk.store.path, None)  # a ticket left waiting 20 minutes ago
        ticket = TicketData.build(
            site_name=SITE, queue_number="A007", printed_at=datetime.now(SITE_ZONE),
            product_label="", dose_label="", name="王小7", id_number="", checkin_id="c7",
        )  # fmt: skip
        job = jammed.enqueue_ticket(ticket)
        with sqlite3.connect(desk.store.path) as conn:
            conn.execute(
                "UPDATE print_jobs SET created_at = created_at - 1200 WHERE id = ?", (job,)
            )
        jammed.close()
        window = desk.window
        window.checkin_view.handle_scan(pid(1))  # its ticket starts the queue
        qtbot.waitUntil(lambda: not window.dropped_button.isHidden(), timeout=30_000)
        assert window.dropped_button.text() == "卡紙未印號碼單 1 張：補印…"
        window.open_dropped_tickets()
        dialog = window.dropped_dialog
        assert dialog is not None and dialog.list.count() == 1
        (item,) = dialog.list.selectedItems()
        queued = datetime.now(SITE_ZONE) - timedelta(seconds=1200)
        number, name, at = item.text().split("　")
        assert (number, name) == ("A007", "王○7")
        # The site's time, not the PC's zone (a minute either way: the clock ticks on).
        assert at in {f"{queued + timedelta(minutes=d):%H:%M}" for d in (-1, 0, 1)}
        dialog.accept()
        assert window.statusBar().currentMessage() == "已送出補印 1 張"
        assert window.dropped_button.isHidden()
        qtbot.waitUntil(lambda: (out / "ticket-A007-reprint.pdf").exists(), timeout=30_000)
        with sqlite3.connect(desk.store.path) as conn:
            (payload,) = conn.execute(
                "SELECT payload FROM print_jobs WHERE reprint_of = ?", (job,)
            ).fetchone()
        assert '"reprint": true' in payload  # printed marked 補印
    finally:
        desk.close()


def test_a_member_taken_off_the_list_is_locked_out_and_nothing_is_written_signed_out(
    qtbot, staffed: GuiDesk
) -> None:  # type: ignore[no-untyped-def]
    g = staffed
    _sign_in(qtbot, g, "D1", "1111")
    qtbot.waitUntil(lambda: g.window.sign_in_dialog is None)
    book = g.window.session.book
    book.replace([m for m in book.members() if m.staff_id != "D1"])  # the next download
    g.window.refresh_status()
    assert g.window.sign_in_dialog is not None and g.window.session.member is None
    with pytest.raises(ValueError, match="請先登入"):
        g.service.check_in(pid(1))
    assert _checkins(g) == [] and g.service.counters().checked_in == 0


@pytest.mark.parametrize("screen", ["1366x768", "1024x600"])
def test_a_signed_in_desk_fits_the_small_screens(qtbot, staffed: GuiDesk, screen: str) -> None:  # type: ignore[no-untyped-def]
    from test_app_screens import SCREENS, clipped

    g = staffed
    _sign_in(qtbot, g, "D2", "2222")
    qtbot.waitUntil(lambda: g.window.sign_in_dialog is None)
    g.window.dropped_button.setText("卡紙未印號碼單 3 張：補印…")
    g.window.dropped_button.show()  # the longest status bar a jam leaves
    g.window.handle_scan(pid(1))
    g.service.open_vial("CoV_Moderna", "MOD001-CDC")
    g.window.resize(*SCREENS[screen])
    problems = {}
    for index in range(g.window.tabs.count()):
        g.window.show_view(index)
        if index == 1:
            g.window.doctor_view.table.selectRow(0)
            g.window.doctor_view.vaccinate()  # the record card and its print button shown
            assert g.window.doctor_view.last_card is not None
        QApplication.processEvents()
        found = clipped(g.window)
        if found:
            problems[g.window.tabs.tabText(index)] = found
    assert problems == {}

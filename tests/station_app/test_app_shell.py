"""Around the views: settings, translations, sounds, the crash guard, first-run setup."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import subprocess
import sys
import wave
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from app_fixtures import GuiDesk, gui_fixture  # noqa: F401 (the gui fixture)
from PySide6.QtWidgets import QApplication

from station_app import crash_guard, i18n
from station_app.dialogs import FirstRunDialog
from station_app.i18n import install_language
from station_app.settings import DeskSettings, describe, load_settings, save_settings
from station_app.sounds import TONES, SoundPlayer, write_tones

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def test_settings_round_trip_in_a_config_folder(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == DeskSettings()
    assert not DeskSettings().configured
    chosen = DeskSettings(site="臺南市立體育館", desk="c", ticket_printer="tcp://127.0.0.1:9100")
    save_settings(chosen.validated(), tmp_path)
    loaded = load_settings(tmp_path)
    assert loaded.site == "臺南市立體育館" and loaded.desk == "C" and loaded.configured
    assert loaded.ticket_printer == "tcp://127.0.0.1:9100"


def test_broken_or_odd_settings_fall_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json", encoding="utf-8")
    assert load_settings(tmp_path) == DeskSettings()
    (tmp_path / "settings.json").write_text(
        json.dumps(
            {
                "desk": "AB",
                "language": "fr",
                "wedge_max_gap_ms": "fast",
                "sounds": 1,
                "unknown": True,
                "site": "永康",
            }
        ),
        encoding="utf-8",
    )
    s = load_settings(tmp_path)
    assert (s.site, s.desk, s.language, s.wedge_max_gap_ms, s.sounds) == (
        "永康",
        "A",
        "zh_TW",
        30.0,
        True,
    )


def test_every_setting_is_described_in_both_languages() -> None:
    rows = describe()
    assert {r[0] for r in rows} >= {"site", "desk", "language", "ticket_printer", "server_url"}
    assert all(zh and en for _n, _t, _d, zh, en in rows)


def test_translation_file_is_complete_and_compiled(tmp_path: Path) -> None:
    lupdate = VENV_BIN / "pyside6-lupdate"
    lrelease = VENV_BIN / "pyside6-lrelease"
    if not lupdate.exists():  # pragma: no cover - shipped with PySide6-Essentials
        lupdate = Path(shutil.which("pyside6-lupdate") or "pyside6-lupdate")
        lrelease = Path(shutil.which("pyside6-lrelease") or "pyside6-lrelease")
    ts = tmp_path / "check.ts"
    shutil.copy(ROOT / "resources/i18n/vaxdesk_en.ts", ts)
    sources = [
        str(p) for p in sorted((ROOT / "station_app").rglob("*.py")) if "store" not in p.parts
    ]
    subprocess.run([str(lupdate), *sources, "-ts", str(ts), "-no-obsolete", "-locations", "none"],
                   check=True, capture_output=True)  # fmt: skip
    unfinished = [
        m.findtext("source")
        for m in ET.parse(ts).iter("message")
        if m.find("translation").get("type") == "unfinished"  # type: ignore[union-attr]
    ]
    assert unfinished == []
    qm = tmp_path / "check.qm"
    subprocess.run([str(lrelease), str(ROOT / "resources/i18n/vaxdesk_en.ts"), "-qm", str(qm)],
                   check=True, capture_output=True)  # fmt: skip
    assert qm.read_bytes() == (ROOT / "resources/i18n/vaxdesk_en.qm").read_bytes()


def test_english_interface(qapp, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app_fixtures import roster_entries
    from store_fixtures import DAY, SITE, clock_at, open_store, pid, rules

    from station_app.app import build_desk

    assert i18n.install_language(qapp, "en") is not None
    try:
        store = open_store(tmp_path)
        store.import_entries(roster_entries())
        desk = build_desk(
            store,
            DeskSettings(site=SITE),
            day=DAY,
            clock=clock_at(9, 5),
            sounds=SoundPlayer(enabled=False),
            rules=rules(),
            folder=tmp_path,
        )
        window = desk.window
        assert [window.tabs.tabText(i) for i in range(4)] == [
            "Check-in F1", "Doctor F2", "Manage F3", "Vaccine lots F4"]  # fmt: skip
        window.checkin_view.handle_scan(pid(31))
        card = window.checkin_view.card
        assert card.banner_text.text() == "Cannot check in at this desk"
        assert any("Refused" in t and "booked at" in t.lower() for t in card.flag_texts()), (
            card.flag_texts()
        )
        desk.close()
    finally:
        i18n.install_language(qapp, "zh_TW")
    assert i18n.pick("中文", "English") == "中文"


def test_sounds_are_distinct_files_and_fall_back_to_beeps(tmp_path: Path) -> None:
    paths = write_tones(tmp_path)
    lengths = {}
    for p in paths:
        with wave.open(str(p)) as w:
            lengths[p.stem] = w.getnframes()
    assert set(lengths) == set(TONES) and len(set(lengths.values())) == 3
    played: list[str] = []
    player = SoundPlayer(backend=lambda p: played.append(p.name), directory=tmp_path)
    for name in ("ok", "warn", "block"):
        player.play(name)
    assert played == ["ok.wav", "warn.wav", "block.wav"]
    beeps: list[int] = []
    silent = SoundPlayer(directory=tmp_path / "missing", backend=lambda p: None,
                         beep=lambda: beeps.append(1))  # fmt: skip
    silent.play("block")
    assert len(beeps) == 3
    with pytest.raises(ValueError):
        player.play("fanfare")


def test_shipped_sound_files_exist() -> None:
    for name in TONES:
        with wave.open(str(ROOT / "resources/sounds" / f"{name}.wav")) as w:
            assert w.getnframes() > 1000


def test_crash_guard_shows_a_calm_dialog_and_logs(qapp, caplog) -> None:  # type: ignore[no-untyped-def]
    guard = crash_guard.CrashGuard()
    try:
        raise KeyError("internal detail")
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="vaxdesk.crash"):
            guard(type(exc), exc, exc.__traceback__)
    text = guard.last_dialog.text()
    assert "已保存" in text
    assert "Traceback" not in text and "internal detail" not in text
    assert "Traceback" in caplog.text and "internal detail" in caplog.text
    guard.last_dialog.close()

    class PrinterOff(Exception):
        message_zh = "印表機沒有回應"
        message_en = "printer did not answer"

    guard(PrinterOff, PrinterOff(), None)
    assert guard.last_dialog.text().startswith("印表機沒有回應")
    guard.last_dialog.close()


def test_first_run_dialog_validates(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstRunDialog(desk="")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.accept()
    assert dialog.isVisible() and dialog.error_label.text() == "請輸入接種站名稱"
    dialog.site_edit.setText("臺南市立體育館")
    dialog.accept()
    assert dialog.error_label.text() == "櫃台代號請填一個英文字母"
    dialog.desk_edit.setText("b")
    dialog.demo_radio.setChecked(True)
    dialog.accept()
    assert not dialog.isVisible() and dialog.choice() == "demo"


def test_status_bar_parts(gui: GuiDesk) -> None:
    w = gui.window
    assert w.scanner_label.text() == "掃描器：鍵盤模式就緒"
    assert w.printer_label.text() == "印表機：未設定"
    gui.settle()
    assert w.sync_label.text() == "同步：未設定（0 筆待傳送）"
    w.checkin_view.handle_scan(__import__("store_fixtures").pid(1))
    gui.settle()
    assert w.sync_label.text() == "同步：未設定（1 筆待傳送）"
    assert gui.counts()["checked_in"] == 1


def test_windows_carry_the_vaxdesk_icon(qapp) -> None:  # type: ignore[no-untyped-def]
    from station_app.app import make_application

    icon = make_application().windowIcon().pixmap(64, 64).toImage()
    assert not icon.isNull()
    # The icon's blue tile, drawn from resources/icons/vaxdesk.svg (a missing file gives none).
    assert icon.pixelColor(32, 4).name() == "#1f6f8b"


def test_settings_dialog_saves_and_applies(gui: GuiDesk) -> None:
    w = gui.window
    w.open_settings()
    dialog = w.settings_dialog
    assert set(dialog.editors) == {name for name, *_ in describe()}
    dialog.editors["auto_checkin"].setChecked(False)
    dialog.editors["wedge_min_length"].setValue(8)
    dialog.editors["server_url"].setText("https://sync.example.invalid")
    dialog.accept()
    saved = load_settings(gui.tmp)
    assert saved.auto_checkin is False and saved.wedge_min_length == 8
    assert saved.server_url == "https://sync.example.invalid"
    assert w.checkin_view.auto_checkin is False
    assert w.wedge.detector.timing.min_length == 8


@pytest.mark.slow
def test_ticket_goes_to_the_configured_printer(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app_fixtures import desk_with
    from store_fixtures import SITE, pid

    out = tmp_path / "tickets"
    desk = desk_with(tmp_path, DeskSettings(site=SITE, ticket_printer=f"pdf://{out}"))
    try:
        view = desk.window.checkin_view
        view.handle_scan(pid(1))
        # Queued once the card is on screen (the queue writes to disk).
        qtbot.waitUntil(lambda: view.message_label.text() == "號碼單 A001 已送出列印")
        qtbot.waitUntil(lambda: any(out.glob("*.pdf")), timeout=30_000)
        pdf = next(out.glob("*.pdf"))
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "A001" in text and pid(1) not in text
        qtbot.waitUntil(lambda: desk.window.printer_label.text() == "印表機：正常")
        view.reprint_last()
        assert view.message_label.text() == "王小1 A001：已送出補印"
        # The jobs live in the desk's own file, where `vaxdesk print reprint --db` looks.
        with sqlite3.connect(desk.store.path) as db:
            jobs = [
                (r[0], json.loads(r[1]))
                for r in db.execute("SELECT queue_number, payload FROM print_jobs ORDER BY id")
            ]
        assert [q for q, _ in jobs] == ["A001", "A001"]
        # The site's time whatever the PC's zone; the copy is marked 補印.
        assert jobs[0][1]["printed_at"].endswith("+08:00") and not jobs[0][1].get("reprint")
        assert jobs[1][1]["reprint"] is True
        from printing.ticket import TicketData, ticket_document

        lines = ticket_document(TicketData.from_json(jobs[1][1])).lines
        assert "補印 REPRINT" in [line.text for line in lines]
    finally:
        desk.close()


@pytest.mark.slow
def test_the_consent_form_prints_at_check_in_on_the_form_printer(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app_fixtures import desk_with
    from store_fixtures import SITE, pid

    forms = tmp_path / "forms"
    desk = desk_with(tmp_path, DeskSettings(site=SITE, form_printer=f"pdf://{forms}"))
    try:
        view = desk.window.checkin_view
        view.handle_scan(pid(1))
        qtbot.waitUntil(lambda: "同意書已送出列印" in view.message_label.text())
        qtbot.waitUntil(lambda: any(forms.glob("*.pdf")), timeout=30_000)
        text = subprocess.run(
            ["pdftotext", str(next(forms.glob("*.pdf"))), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "王小1" in text and "A001" in text  # the form is pre-filled for this person
    finally:
        desk.close()


@pytest.mark.hardware
def test_a_serial_scanner_checks_in_through_the_same_path(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app_fixtures import desk_with
    from store_fixtures import SITE, pid

    from hardware.pty_scanner import PtyScanner

    with PtyScanner(tmp_path / "scanner") as scanner:
        desk = desk_with(tmp_path, DeskSettings(site=SITE, serial_port=str(scanner.link)))
        try:
            view = desk.window.checkin_view
            label = desk.window.scanner_label
            first = label.text()
            # The source opens the port on its own thread and reports its state.
            qtbot.waitUntil(lambda: label.text() != first, timeout=10_000)
            scanner.send(pid(4).encode() + b"\r")
            qtbot.waitUntil(lambda: view.card.queue_label.text() == "A001", timeout=10_000)
            assert view.card.name_label.text() == "王小4"
        finally:
            desk.close()


def test_first_run_on_an_empty_machine_asks_then_opens_the_desk(
    qapp,
    qtbot,
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from PySide6.QtCore import QTimer

    from station_app.app import open_desk

    monkeypatch.setenv("VAXDESK_CONFIG_DIR", str(tmp_path))
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FirstRunDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog.windowTitle())
        dialog.site_edit.setText("永康國民運動中心")
        dialog.desk_edit.setText("c")
        dialog.later_radio.setChecked(True)
        dialog.accept()

    QTimer.singleShot(0, answer)
    desk = open_desk(quiet=True)
    assert desk is not None
    try:
        assert seen == ["VaxDesk 初次設定"]
        assert desk.service.site == "永康國民運動中心" and desk.service.desk == "C"
        assert desk.window.isVisible()
        saved = load_settings(tmp_path)
        assert (saved.site, saved.desk) == ("永康國民運動中心", "C")
        assert (tmp_path / "vaxdesk.db").exists()
    finally:
        desk.close()


@pytest.mark.hardware
def test_a_webcam_scanner_shows_its_preview_and_checks_in(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app_fixtures import desk_with
    from store_fixtures import SITE, pid

    from hardware.scan import Symbology
    from hardware.synthetic import write_card_video

    video = tmp_path / "cards.avi"
    write_card_video(video, [(pid(6), Symbology.CODE39)])
    # The setting as typed, spaces and all.
    desk = desk_with(tmp_path, DeskSettings(site=SITE, camera=f" {video} "))
    try:
        view = desk.window.checkin_view
        preview = view.camera_preview
        assert preview is not None and view.isAncestorOf(preview)
        frames: list[object] = []
        desk.scanners.frame_ready.connect(lambda frame, _found: frames.append(frame))
        qtbot.waitUntil(lambda: view.card.queue_label.text() == "A001", timeout=20_000)
        assert view.card.name_label.text() == "王小6"
        assert frames  # the preview was fed the camera's pictures
        bridge = desk.scanners
    finally:
        desk.close()
    assert bridge.sources == []  # the camera thread was stopped with the desk


def test_first_run_picks_the_site_from_the_rosters_list(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from station_app.app import roster_sites
    from vaccination.demo_roster import MAIN_SITE, write_demo_roster

    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, 60, date(2026, 11, 23), "utf-8-sig", 3)
    dialog = FirstRunDialog(read_sites=roster_sites)
    qtbot.addWidget(dialog)
    dialog.open()
    found = dialog.load_sites(roster)
    assert found[0] == MAIN_SITE and dialog.site() == MAIN_SITE
    assert [dialog.site_box.itemText(i) for i in range(dialog.site_box.count())] == found
    # Typed with 台 for the roster's 臺: taken in the roster's spelling.
    dialog.site_edit.setText(MAIN_SITE.replace("臺", "台") + " ")
    assert dialog.site() == MAIN_SITE
    assert dialog.roster_path == roster and dialog.choice() == "import"


def test_qt_own_dialogs_speak_traditional_chinese(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialogButtonBox

    install_language(qapp, "zh_TW")
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
    )
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert any("開啟" in t for t in texts) and any("取消" in t for t in texts), texts
    install_language(qapp, "en")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert box.buttons()[0].text().replace("&", "") == "Cancel"
    install_language(qapp, "zh_TW")


def test_the_import_report_speaks_one_language() -> None:
    from station_app.views.manager import report_lines
    from vaccination.roster_import import ImportReport, RowNote

    install_language(QApplication.instance(), "zh_TW")  # type: ignore[arg-type]
    report = ImportReport(
        fatal_error="找不到名冊檔案：x.csv / roster file not found: x.csv",
        notes=[RowNote(3, "PHONE_UNUSUAL", "電話不像手機號碼", "phone is not a mobile number")],
    )
    summary, lines, _changed = report_lines(report)
    assert summary.endswith("找不到名冊檔案：x.csv") and "/" not in summary
    assert lines == ["第 3 列提醒：電話不像手機號碼"]


@pytest.mark.slow
def test_tickets_older_than_the_setting_are_dropped_and_offered_as_reprints(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from printing.print_queue import DROPPED, PrintQueue
    from printing.ticket import TicketData
    from station_app.ticket_hook import SITE_ZONE, TicketHook

    db = tmp_path / "desk.db"
    stale = PrintQueue(db, None)  # a ticket left waiting by a jam 20 minutes ago
    ticket = TicketData.build(
        site_name="站", queue_number="A007", printed_at=datetime.now(SITE_ZONE), product_label="",
        dose_label="", name="王小7", id_number="", checkin_id="c7",
    )  # fmt: skip
    job = stale.enqueue_ticket(ticket)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE print_jobs SET created_at = created_at - 1200 WHERE id = ?", (job,))
    hook = TicketHook(f"pdf://{tmp_path / 'out'}", db, drop_minutes=10)
    said: list[str] = []
    hook.message.connect(said.append)
    try:
        hook.print_ticket(site="站", queue_number="A008", checkin_id="c8", product_label="",
                          dose_label="", name="王小8", id_number="")  # fmt: skip
        qtbot.waitUntil(lambda: bool(said), timeout=20_000)
        assert "A007" in said[0] and "重印" in said[0]
        assert stale.job(job).state == DROPPED
        assert "已送出補印" in hook.reprint("c7", "A007")  # offered as a reprint
    finally:
        hook.stop()
        stale.close()

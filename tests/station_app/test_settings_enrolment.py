"""Enrolling a desk by scanning the QR code the bureau's Sites page shows (issue 17:
"enrol a desk (token shown once, with a QR code the desk's settings dialog can scan)").

The QR code's text goes through the real keyboard-wedge filter into the settings
dialog; saved, the desk syncs with the real bureau on loopback with the scanned token,
which sits in a file only its owner can read and never in the settings.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from app_fixtures import desk_with
from live_server import Admin, ThreadServer
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from store_fixtures import SITE

from station_app.dialogs import SettingsDialog
from station_app.settings import DeskSettings, load_settings
from vaccination.wire import DeskEnrolment

pytestmark = pytest.mark.gui
SITE_CODE = "TN01"


def _scan_into(widget: object, text: str) -> None:
    """A wedge scanner: the code's characters as key presses at machine speed, then Enter."""
    for ch in text:
        QTest.keyClick(widget, ch)  # type: ignore[call-overload]
    QTest.keyClick(widget, Qt.Key.Key_Return)  # type: ignore[call-overload]


def test_a_new_desk_is_set_up_by_scanning_the_bureau_qr_code(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bureau = ThreadServer(f"sqlite:///{tmp_path / 'bureau.db'}", auth_cache_seconds=0).start()
    try:
        admin = Admin(bureau.url)
        admin.site(SITE_CODE, SITE)
        code = DeskEnrolment(
            server=bureau.url, site=SITE_CODE, desk="B", token=admin.desk(SITE_CODE, "B")
        ).model_dump_json()
        assert code.isascii()  # a wedge scanner types it key by key
        folder = tmp_path / "new-pc"
        folder.mkdir()
        desk = desk_with(folder, DeskSettings(site=SITE, desk="A"))
        try:
            desk.window.show()
            desk.window.open_settings()
            dialog = desk.window.settings_dialog
            assert isinstance(dialog, SettingsDialog)
            qtbot.waitExposed(dialog)
            dialog.enrolment_edit.setFocus()
            qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.enrolment_edit)
            _scan_into(dialog.enrolment_edit, code)
            assert dialog.editors["server_url"].text() == bureau.url  # type: ignore[attr-defined]
            assert dialog.editors["desk"].text() == "B"  # type: ignore[attr-defined]
            assert "TN01" in dialog.enrolment_line.text() and "B" in dialog.enrolment_line.text()
            token = json.loads(code)["token"]
            assert token not in dialog.enrolment_edit.text()  # never shown
            dialog.accept()
        finally:
            desk.close()
            QApplication.processEvents()
        saved = load_settings(folder)
        assert (saved.server_url, saved.desk) == (bureau.url, "B")
        token_file = Path(saved.desk_token_file)
        assert token_file.read_text(encoding="utf-8").strip() == token
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert token not in (folder / "settings.json").read_text(encoding="utf-8")
        # Started again with what was saved, the desk syncs with the bureau.
        again = desk_with(folder, saved)
        try:
            qtbot.waitUntil(lambda: "已連線" in again.window.sync_label.text(), timeout=30_000)
        finally:
            again.close()
            QApplication.processEvents()
    finally:
        bureau.stop()


def test_another_scan_in_the_settings_is_refused_with_a_line(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(DeskSettings(site=SITE, desk="A"), folder=tmp_path)
    qtbot.addWidget(dialog)
    assert not dialog.take_scan("A123456789")  # a person's ID: not for this dialog
    assert dialog.scan_line.isVisibleTo(dialog) and "QR" in dialog.scan_line.text()
    assert not dialog.take_scan('{"kind":"vaxdesk-desk","server":"ftp://x"}')  # malformed
    dialog.accept()
    assert not list(tmp_path.glob("*.token"))  # nothing scanned, nothing written

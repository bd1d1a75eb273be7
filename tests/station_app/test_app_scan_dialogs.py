"""A scan while a dialog is open goes into the dialog or is refused, never behind it.

Before: a scan with the warning-reason dialog open checked in the NEXT person behind
it, while the dialog still showed the first; confirming then checked in nobody.
"""

from __future__ import annotations

import pytest
from app_fixtures import GuiDesk, focus, gui_fixture  # noqa: F401 (the gui fixture)
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit
from store_fixtures import pid

from vaccination.events import EventKind

pytestmark = pytest.mark.gui


def _checked_in(g: GuiDesk) -> list[object]:
    return [e.payload.id_number for e in g.desk.store.outbox.pending(1000)
            if e.kind is EventKind.CHECKIN]  # fmt: skip


def test_a_scan_with_the_warning_dialog_open_is_refused_and_the_warned_person_checks_in(
    gui: GuiDesk, qtbot
) -> None:
    view = gui.window.checkin_view
    focus(qtbot, view.search_edit)
    gui.type_into(view.search_edit, pid(30), gap_ms=5)  # AGE_UNKNOWN: a warning
    dialog = view.reason_dialog
    assert dialog is not None and dialog.isVisible()
    warned_name = view.card.name_label.text()
    field = dialog.reason_box
    focus(qtbot, field)
    gui.type_into(field, pid(1), gap_ms=4)  # the next person's card, scanned too early
    assert _checked_in(gui) == []
    assert gui.sounds.played == ["warn", "block"]
    assert dialog.isVisible() and dialog.scan_line.isVisible()
    assert dialog.scan_line.text() == "先完成這位民眾的報到"
    assert dialog.reason() == ""  # the ID never became the reason
    assert view.card.name_label.text() == warned_name
    # A scan from another source (serial, webcam) takes the same way.
    gui.window.handle_scan(pid(2))
    assert _checked_in(gui) == [] and dialog.refused_scans == 2
    dialog.set_reason("民眾出示健保卡，出生日期口頭確認")
    dialog.accept()
    assert _checked_in(gui) == [pid(30)]
    assert view.card.queue_label.text() == "A001"
    assert view.card.name_label.text() == warned_name


def test_the_warned_persons_confirmation_says_why_not_when_they_were_checked_in_meanwhile(
    gui: GuiDesk,
) -> None:
    view = gui.window.checkin_view
    view.handle_scan(pid(30))
    dialog = view.reason_dialog
    # Another desk on the same file checks the person in while the dialog is open.
    gui.service.check_in(pid(30), confirm_reason="另一櫃台")
    dialog.set_reason("已核對")
    dialog.accept()
    assert len(_checked_in(gui)) == 1
    assert view.card.severity == "already"  # says why not: already checked in, as A001
    assert view.card.queue_label.text() == "A001"


def test_a_scan_with_the_walk_in_form_open_fills_its_id_field(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    view.open_walk_in()
    dialog = view.walk_in_dialog
    focus(qtbot, dialog.name_edit)
    gui.type_into(dialog.name_edit, "A123456789", gap_ms=4)
    assert dialog.id_edit.text() == "A123456789"
    assert dialog.name_edit.text() == ""
    assert QApplication.focusWidget() is dialog.name_edit
    assert _checked_in(gui) == []
    gui.window.handle_scan("HELLO-WORLD")  # not an ID number: refused
    assert dialog.scan_line.isVisible() and gui.sounds.played == ["block"]
    assert dialog.id_edit.text() == "A123456789"


def test_a_scan_with_the_undo_dialog_open_changes_nothing(gui: GuiDesk) -> None:
    view = gui.window.checkin_view
    view.handle_scan(pid(4))
    view.ask_undo()
    gui.window.handle_scan(pid(5))
    assert _checked_in(gui) == [pid(4)]
    assert view.undo_dialog.scan_line.isVisible()
    assert view.card.name_label.text() == "王小4"


def test_fast_typing_in_a_file_dialog_is_never_a_scan(gui: GuiDesk, qtbot) -> None:
    picker = QFileDialog(gui.window, "roster")
    picker.setOption(QFileDialog.Option.DontUseNativeDialog)
    picker.open()
    qtbot.waitExposed(picker)
    name = picker.findChild(QLineEdit, "fileNameEdit")
    focus(qtbot, name)
    # A person typing 20 ms a key, ending with Tab: every key stays in the field.
    for ch in pid(6):
        gui.keys.advance(20)
        QTest.keyClick(name, ch)
    gui.keys.advance(20)
    QTest.keyClick(name, Qt.Key.Key_Tab)
    assert name.text() == pid(6)
    assert _checked_in(gui) == [] and gui.sounds.played == []
    picker.reject()


def test_a_scan_with_a_message_box_open_is_refused_in_the_status_bar(gui: GuiDesk) -> None:
    picker = QFileDialog(gui.window, "roster")
    picker.setOption(QFileDialog.Option.DontUseNativeDialog)
    picker.open()
    gui.window.handle_scan(pid(7))
    assert _checked_in(gui) == [] and gui.sounds.played == ["block"]
    assert "請先關閉" in gui.window.statusBar().currentMessage()
    picker.reject()

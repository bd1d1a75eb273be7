"""Keyboard only: shortcuts win over a field's own, Enter and Space press buttons,
start-up focus on the search field, Tab leaves the doctor's table, visible focus."""

from __future__ import annotations

import pytest
from app_fixtures import GuiDesk, focus, gui_fixture  # noqa: F401 (the gui fixture)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton
from store_fixtures import pid

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier


def test_start_up_focus_is_on_the_search_field(gui: GuiDesk, qtbot) -> None:
    qtbot.waitUntil(lambda: QApplication.focusWidget() is gui.window.checkin_view.search_edit)


def test_ctrl_z_in_the_search_field_is_the_desks_undo_not_the_fields(gui: GuiDesk, qtbot) -> None:
    view = gui.window.checkin_view
    focus(qtbot, view.search_edit)
    gui.type_into(view.search_edit, "0912", gap_ms=150, enter=False)  # a person typing
    qtbot.waitUntil(lambda: view.search_edit.text() == "0912")
    view.search_edit.clear()
    view.handle_scan(pid(4))
    QTest.keyClick(view.search_edit, Qt.Key.Key_Z, CTRL)
    assert view.search_edit.text() == ""  # the previous search was not brought back
    assert view.undo_dialog is not None and view.undo_dialog.isVisible()


def test_space_and_enter_press_a_focused_button_with_the_wedge_filter_on(
    gui: GuiDesk, qtbot
) -> None:
    view = gui.window.checkin_view
    assert gui.desk.wedge.enabled
    focus(qtbot, view.walk_in_button)
    QTest.keyClick(view.walk_in_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.walk_in_dialog is not None and view.walk_in_dialog.isVisible())
    view.walk_in_dialog.reject()
    view.walk_in_dialog = None
    focus(qtbot, view.walk_in_button)
    QTest.keyClick(view.walk_in_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.walk_in_dialog is not None and view.walk_in_dialog.isVisible())
    # In the dialog, Enter on the focused Cancel button cancels it.
    dialog = view.walk_in_dialog
    cancel = dialog.findChildren(QPushButton)[-1]
    assert cancel.text() == "取消"
    focus(qtbot, cancel)
    QTest.keyClick(cancel, Qt.Key.Key_Return)
    assert not dialog.isVisible()


def test_tab_leaves_the_doctor_table_without_changing_the_patient(gui: GuiDesk, qtbot) -> None:
    for n in (8, 9, 10):
        gui.window.checkin_view.handle_scan(pid(n))
    gui.window.show_view(1)
    doctor = gui.window.doctor_view
    doctor.table.selectRow(1)
    focus(qtbot, doctor.table)
    QTest.keyClick(doctor.table, Qt.Key.Key_Tab)
    assert doctor.current().queue_number == "A002"
    assert QApplication.focusWidget() is not doctor.table


def _pixel(button: QPushButton, x: int, y: int) -> QColor:
    return button.grab().toImage().pixelColor(x, y)


def test_focused_buttons_are_marked_and_disabled_coloured_buttons_look_disabled(
    gui: GuiDesk, qtbot
) -> None:
    doctor = gui.window.doctor_view
    gui.window.show_view(1)
    approve = doctor.approve_button
    assert not approve.isEnabled()  # nobody chosen yet
    middle = _pixel(approve, approve.width() // 2, approve.height() - 8)
    assert middle.name() != "#1b6b3a"  # not the enabled green
    assert abs(middle.red() - middle.green()) < 12  # grey
    gui.window.show_view(0)
    button = gui.window.checkin_view.walk_in_button
    plain = _pixel(button, 2, button.height() // 2)
    focus(qtbot, button)
    button.repaint()
    marked = _pixel(button, 2, button.height() // 2)
    assert marked.name() == "#f0a000" and plain.name() != marked.name()


def test_the_managers_buttons_show_focus_too(gui: GuiDesk, qtbot) -> None:
    gui.window.show_view(2)
    button = gui.window.manager_view.export_csv_button
    focus(qtbot, button)
    button.repaint()
    assert _pixel(button, 2, button.height() // 2).name() == "#f0a000"


def test_the_settings_dialog_fits_a_1024x600_screen(gui: GuiDesk) -> None:
    gui.window.open_settings()
    dialog = gui.window.settings_dialog
    assert dialog.minimumSizeHint().height() <= 530  # the screen less taskbar and title
    assert dialog.minimumSizeHint().width() <= 1024
    dialog.reject()

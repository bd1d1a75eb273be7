"""The Qt keyboard-wedge filter on a plain window: bursts become scans, people keep their keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from hardware.wedge import WedgeTiming
from station_app.scan_routing import mark_scan_window
from station_app.wedge_filter import WedgeFilter

pytestmark = pytest.mark.gui


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup(qtbot):  # type: ignore[no-untyped-def]
    window = QWidget()
    mark_scan_window(window)
    layout = QVBoxLayout(window)
    first, second = QLineEdit(), QLineEdit()
    layout.addWidget(first)
    layout.addWidget(second)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    first.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    clock = Clock()
    wedge = WedgeFilter(WedgeTiming(max_gap_ms=30, min_length=6), clock)
    wedge.install()
    scans: list[str] = []
    wedge.scanned.connect(scans.append)
    yield wedge, clock, first, second, scans
    wedge.uninstall()


def _type(widget: QWidget, clock: Clock, keys: str, gap_ms: float) -> None:
    for ch in keys:
        clock.now += gap_ms / 1000
        if ch == "\r":
            QTest.keyClick(widget, Qt.Key.Key_Return)
        elif ch == "\t":
            QTest.keyClick(widget, Qt.Key.Key_Tab)
        else:
            QTest.keyClick(widget, ch)


def test_burst_becomes_a_scan_and_the_field_keeps_its_text(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    _wedge, clock, first, _second, scans = setup
    first.setText("abc")
    _type(first, clock, "B223456781\r", 3)
    assert scans == ["B223456781"]
    assert first.text() == "abc"


def test_tab_terminated_burst_does_not_move_focus(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    _wedge, clock, first, _second, scans = setup
    _type(first, clock, "A123456789\t", 4)
    assert scans == ["A123456789"]
    assert QApplication.focusWidget() is first


def test_person_typing_gets_every_key_in_order(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    _wedge, clock, first, _second, scans = setup
    _type(first, clock, "hello12", 90)
    qtbot.waitUntil(lambda: first.text() == "hello12")
    assert scans == []


def test_enter_of_a_person_reaches_the_field(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    _wedge, clock, first, _second, scans = setup
    pressed: list[str] = []
    first.returnPressed.connect(lambda: pressed.append(first.text()))
    _type(first, clock, "ab\r", 120)
    assert pressed == ["ab"]
    assert scans == []


def test_backspace_delivers_held_keys_first(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    _wedge, clock, first, _second, _scans = setup
    _type(first, clock, "xyz", 100)
    QTest.keyClick(first, Qt.Key.Key_Backspace)
    assert first.text() == "xy"


def test_shortcut_keys_pass_through_untouched(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    _wedge, _clock, first, _second, _scans = setup
    first.setText("select me")
    QTest.keyClick(first, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert first.selectedText() == "select me"


def test_disabled_filter_lets_a_burst_type_into_the_field(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    wedge, clock, first, _second, scans = setup
    wedge.enabled = False
    _type(first, clock, "A123456789", 3)
    assert first.text() == "A123456789"
    assert scans == []


def test_keys_go_back_to_the_widget_that_had_focus(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    _wedge, clock, first, second, _scans = setup
    _type(first, clock, "q", 100)
    second.setFocus()
    qtbot.waitUntil(lambda: first.text() == "q")
    assert second.text() == ""


def test_a_burst_ending_in_a_line_feed_is_a_scan(setup, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    _wedge, clock, first, _second, scans = setup
    _type(first, clock, "A123456789", gap_ms=4)
    clock.now += 0.004
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(first, QKeyEvent(kind, 0x0A, Qt.KeyboardModifier.NoModifier, "\n"))
    assert scans == ["A123456789"] and first.text() == ""

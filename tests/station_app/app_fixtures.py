"""Shared set-up of the GUI tests: the REAL window over the REAL CheckinService on a temp DB.

The keyboard-wedge filter gets a fake key clock so a test can type "a scanner" (4 ms
apart) or "a person" (150 ms apart) without sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from store_fixtures import DAY, OTHER_SITE, SITE, clock_at, entry, open_store, rules

from station_app.app import Desk, build_desk
from station_app.settings import DeskSettings
from station_app.sounds import SoundPlayer


class KeyClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms / 1000.0


@dataclass
class GuiDesk:
    desk: Desk
    keys: KeyClock
    sounds: SoundPlayer
    tmp: Path

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.desk.window

    @property
    def service(self):  # type: ignore[no-untyped-def]
        return self.desk.service

    def settle(self) -> None:
        """Let the background reads (counters, roster, history) finish and show."""
        assert self.window.background.wait(30_000)

    def counts(self) -> dict[str, int]:
        self.settle()
        return self.window.counters.as_dict()

    def type_into(self, widget: QWidget, text: str, gap_ms: float, enter: bool = True) -> None:
        """Key presses `gap_ms` apart on the fake clock, as a scanner or a person would."""
        for ch in text:
            self.keys.advance(gap_ms)
            QTest.keyClick(widget, ch)
        if enter:
            self.keys.advance(gap_ms)
            QTest.keyClick(widget, Qt.Key.Key_Return)


def roster_entries() -> list[object]:
    return (
        [entry(n) for n in range(1, 21)]
        + [entry(30, birth=None)]  # AGE_UNKNOWN: a warning
        + [entry(31, site=OTHER_SITE)]  # WRONG_SITE: blocks here
        + [entry(32, day=date(2026, 11, 24))]  # WRONG_DATE: blocks today
    )


def desk_with(tmp_path: Path, settings: DeskSettings) -> Desk:
    """A desk on the test roster with these settings (tests close it themselves)."""
    store = open_store(tmp_path)
    store.import_entries(roster_entries())
    return build_desk(
        store,
        settings,
        day=DAY,
        clock=clock_at(9, 5),
        sounds=SoundPlayer(enabled=False),
        rules=rules(),
        folder=tmp_path,
    )


@pytest.fixture(name="gui")
def gui_fixture(qtbot, tmp_path: Path) -> Iterator[GuiDesk]:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path)
    store.import_entries(roster_entries())
    keys = KeyClock()
    sounds = SoundPlayer(enabled=False)
    desk = build_desk(
        store,
        DeskSettings(site=SITE, desk="A"),
        day=DAY,
        clock=clock_at(9, 5),
        key_clock=keys,
        sounds=sounds,
        rules=rules(),
        folder=tmp_path,
    )
    window = desk.window
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    yield GuiDesk(desk, keys, sounds, tmp_path)
    desk.close()
    QApplication.processEvents()


def focus(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    window = widget.window()
    if not window.isActiveWindow():  # a dialog: keys go to it once it is active
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)

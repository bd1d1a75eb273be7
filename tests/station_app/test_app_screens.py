"""Every view fits the screens sites have, with nothing actionable clipped.

Sizes are the window's client area when maximised with a taskbar (about 40 px) and a
title bar (about 30 px): 1366x768, 1024x600, and 1920x1080 at 125 % and 150 % scale
(1536x864 and 1280x720 logical pixels).
"""

from __future__ import annotations

import pytest
from app_fixtures import GuiDesk, gui_fixture  # noqa: F401 (the gui fixture)
from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QWidget,
)
from store_fixtures import pid

pytestmark = pytest.mark.gui

SCREENS = {
    "1366x768": (1366, 698),
    "1024x600": (1024, 530),
    "1920x1080@125%": (1536, 794),
    "1920x1080@150%": (1280, 650),
}
ACTIONABLE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView)


def clipped(window: QWidget) -> list[str]:
    """Actionable widgets shown but not wholly inside the window and their parents."""
    out = []
    inside = window.rect()
    for w in window.findChildren(QWidget):
        if not isinstance(w, ACTIONABLE) or not w.isVisibleTo(window) or w.window() is not window:
            continue
        if isinstance(w, QLineEdit) and isinstance(w.parent(), QComboBox | QAbstractSpinBox):
            continue  # part of its box
        qt_own = type(w).__name__ in {"QTabBar", "QToolButton"} or w.objectName().startswith("qt_")
        if qt_own and (not isinstance(w, QAbstractButton) or w.text() == ""):
            continue  # Qt's own scroll arrows and corner buttons
        if isinstance(w, QHeaderView):
            continue  # part of its table
        rect = QRect(w.mapTo(window, w.rect().topLeft()), w.size())
        # Clipped by a parent (a scroll area's viewport, a too-small box, the window)?
        visible = QRect(rect)
        parent = w.parentWidget()
        while parent is not None and parent is not window:
            visible &= QRect(parent.mapTo(window, parent.rect().topLeft()), parent.size())
            parent = parent.parentWidget()
        visible &= inside
        if visible != rect:
            label = getattr(w, "text", lambda: "")() or w.objectName() or type(w).__name__
            out.append(f"{label} at {rect.getRect()} visible {visible.getRect()}")
    return out


@pytest.mark.parametrize("screen", SCREENS)
def test_every_view_fits_with_nothing_clipped(gui: GuiDesk, screen: str) -> None:
    window = gui.window
    gui.window.checkin_view.handle_scan(pid(30))  # a warning: card, flags, confirm button
    gui.window.checkin_view.reason_dialog.reject()
    gui.service.open_vial("CoV_Moderna", "MOD001-CDC")
    width, height = SCREENS[screen]
    window.resize(width, height)
    assert (window.width(), window.height()) == (width, height), "minimum size too large"
    problems = {}
    for index in range(window.tabs.count()):
        window.show_view(index)
        if index == 1:
            window.doctor_view.table.selectRow(0)
        QApplication.processEvents()
        found = clipped(window)
        if found:
            problems[window.tabs.tabText(index)] = found
    assert problems == {}

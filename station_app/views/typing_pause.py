"""Run a search once the person stops typing, not on every key."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLineEdit


def after_typing(edit: QLineEdit, interval_ms: int, slot: Callable[[], object]) -> QTimer:
    """A timer that calls `slot` once `edit` has had no typed change for `interval_ms`."""
    timer = QTimer(edit)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    edit.textEdited.connect(lambda _text: timer.start())
    return timer

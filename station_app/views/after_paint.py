"""Work that waits until the window has painted what is pending: a scan's card first.

Qt lays out and paints a window in response to events it posts: the layout request
at normal priority, the paint (UpdateRequest) at low priority. A callable handed to
`AfterPaint` is posted below both, so it runs in the same turn of the event loop,
just after the card is on screen. Background reads started from there do not compete
with the paint for the GIL, and their results repaint the counters in a later turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt

from station_app.background import Background

_RUN = QEvent.Type(QEvent.registerEventType())
_BELOW_PAINT = Qt.EventPriority.LowEventPriority.value - 1


class AfterPaint(QObject):
    """Runs keyed callables once the posted layout and paint are done; a newer call of a key
    replaces an older one still waiting (so ten changes make one counters refresh)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: dict[str, Callable[[], None]] = {}

    def call(self, key: str, fn: Callable[[], None]) -> None:
        if not self._waiting:
            QCoreApplication.postEvent(self, QEvent(_RUN), _BELOW_PAINT)
        self._waiting.pop(key, None)  # keeps the order of the newest calls
        self._waiting[key] = fn

    @property
    def pending(self) -> bool:
        return bool(self._waiting)

    def customEvent(self, event: QEvent) -> None:
        if event.type() != _RUN:
            return
        waiting, self._waiting = self._waiting, {}
        for fn in waiting.values():
            fn()


class PaintFirstBackground(Background):
    """The window's background reads: each starts once the window has painted (see above)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.after_paint = AfterPaint(self)

    def submit(self, key: str, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.after_paint.call(key, lambda: Background.submit(self, key, fn, done))

    @property
    def busy(self) -> bool:
        return self.after_paint.pending or super().busy

"""Qt side of the keyboard-wedge scanner: an application-wide key event filter.

Installed on the QApplication, it sees every key press before the focused widget
does. Printable keys are held (copies of the events) while hardware.wedge says a
scanner burst is possible; when the burst completes, `scanned` is emitted and the
keys never reach the widget (the search field keeps nothing). When it turns out to
be a person typing, the held keys are replayed to the widget that had focus, in
order. A single-shot Qt timer ends the wait after the gap threshold: no threads.

The release of a held key is held with it and replayed after its press: a button
pressed with Space clicks on the release, which must not arrive first. Bursts are
looked for only in windows that take scans (station_app.scan_routing): a person
typing fast in a file picker or a message box keeps every key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from hardware.wedge import WedgeDetector, WedgeTiming
from station_app.scan_routing import takes_scans
from vaccination.gs1 import GS

_MODIFIER_KEYS = {
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_Meta,
    Qt.Key.Key_CapsLock,
    Qt.Key.Key_AltGr,
}
_TERMINATOR_KEYS = {Qt.Key.Key_Return: "\r", Qt.Key.Key_Enter: "\r", Qt.Key.Key_Tab: "\t"}
_BLOCKING_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


@dataclass
class _HeldKey:
    target: QObject
    event: QKeyEvent
    release: QKeyEvent | None = field(default=None)


class WedgeFilter(QObject):
    """Routes scanner bursts to `scanned(str)` from whichever widget has focus."""

    scanned = Signal(str)

    def __init__(
        self,
        timing: WedgeTiming | None = None,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.detector: WedgeDetector[_HeldKey] = WedgeDetector(timing, clock)
        self.enabled = True
        self.last_scan_at: float | None = None
        self._replaying = False
        self._held: list[_HeldKey] = []  # what the detector holds, for their releases
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._lapse)

    def set_timing(self, timing: WedgeTiming) -> None:
        self._replay(self.detector.flush())
        self.detector.timing = timing

    def install(self, app: QApplication | None = None) -> None:
        (app or QApplication.instance()).installEventFilter(self)  # type: ignore[union-attr]

    def uninstall(self, app: QApplication | None = None) -> None:
        self._replay(self.detector.flush())
        instance = app or QApplication.instance()
        if instance is not None:
            instance.removeEventFilter(self)

    # -- the filter ---------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self._replaying or not self.enabled:
            return False
        if kind == QEvent.Type.KeyRelease:
            return self._hold_release(watched, event)
        if kind != QEvent.Type.KeyPress:
            return False
        # Key events reach the window, then propagate up to parents: only the first
        # (the focused widget) counts, or each key would be seen several times.
        if not isinstance(watched, QWidget) or watched is not QApplication.focusWidget():
            return False
        if not takes_scans(watched):
            return False
        assert isinstance(event, QKeyEvent)
        key = Qt.Key(event.key())
        if key in _MODIFIER_KEYS:
            return False
        char = _TERMINATOR_KEYS.get(key)
        text = event.text()
        if char is None and text in ("\r", "\n"):
            char = "\r"  # a scanner (or xdotool) ending with a line feed, not Return
        if char is None:
            if (
                len(text) != 1
                or not (text.isprintable() or text == GS)
                or event.modifiers() & _BLOCKING_MODIFIERS
                or event.isAutoRepeat()
            ):
                # Arrows, Backspace, shortcuts: deliver what was held first, then this key.
                self._replay(self.detector.flush())
                return False
            char = text
        held = _HeldKey(watched, self._copy(event))
        decision = self.detector.feed(char, held)
        self._replay(decision.release)
        if decision.scan is not None:
            self._held.clear()  # the burst's keys and their releases are swallowed
            self._timer.stop()
            self.last_scan_at = self.detector.clock()
            self.scanned.emit(decision.scan)
            return True
        if decision.hold:
            self._held.append(held)
            self._timer.start(max(1, round(self.detector.timing.max_gap_ms)))
            return True
        # The terminator itself was among the released keys and has been delivered.
        return True

    def _hold_release(self, watched: QObject, event: QEvent) -> bool:
        """Hold the release of a key whose press is held; True when it was held."""
        assert isinstance(event, QKeyEvent)
        for held in self._held:
            if held.target is watched and held.release is None and held.event.key() == event.key():
                held.release = self._copy(event)
                return True
        return False

    @staticmethod
    def _copy(event: QKeyEvent) -> QKeyEvent:
        return QKeyEvent(
            event.type(),
            event.key(),
            event.modifiers(),
            event.text(),
            event.isAutoRepeat(),
            event.count(),
        )

    def _lapse(self) -> None:
        # The Qt timer measured the gap in real time: whatever is held was typed.
        self._replay(self.detector.flush())

    def _replay(self, keys: tuple[_HeldKey, ...]) -> None:
        if not keys:
            return
        self._replaying = True
        try:
            for held in keys:
                if held in self._held:
                    self._held.remove(held)
                QApplication.sendEvent(held.target, held.event)
                if held.release is not None:
                    QApplication.sendEvent(held.target, held.release)
        finally:
            self._replaying = False

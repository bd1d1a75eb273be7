"""The records every scan source produces: `Scan`, `SourceState`, and the shared `Deduplicator`.

A source (serial scanner, webcam, keyboard wedge) turns whatever its device sends into
plain `Scan` records and reports how the device is doing as a `SourceState` with a reason
in Traditional Chinese and English. Nothing here knows about people, Qt or printing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Symbology(StrEnum):
    """The barcode kinds VaxDesk reads; UNKNOWN when the device does not say (plain serial)."""

    CODE39 = "code39"
    CODE128 = "code128"
    QR = "qr"
    UNKNOWN = "unknown"


ALL_SYMBOLOGIES: tuple[Symbology, ...] = (Symbology.CODE39, Symbology.CODE128, Symbology.QR)


def parse_symbologies(text: str) -> tuple[Symbology, ...]:
    """`"code39,qr"` -> (CODE39, QR); raises ValueError naming the unknown kind."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    known = {s.value: s for s in ALL_SYMBOLOGIES}
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        choices = ", ".join(known)
        raise ValueError(f"不支援的條碼種類 / unsupported symbology: {text!r} (use {choices})")
    return tuple(dict.fromkeys(known[n] for n in names))


@dataclass(frozen=True)
class Scan:
    """One code read by one source, once (duplicates already folded by a Deduplicator)."""

    text: str
    symbology: Symbology
    source: str
    monotonic: float = field(default_factory=time.monotonic)
    wall: float = field(default_factory=time.time)


class SourceStatus(StrEnum):
    CONNECTED = "connected"
    WAITING = "waiting"  # waiting for the device to appear (unplugged, not yet plugged in)
    ERROR = "error"  # the device is there but unusable (busy, no permission, bad setting)
    STOPPED = "stopped"  # stop() was called, or a video file has been read to its end


@dataclass(frozen=True)
class SourceState:
    """How a source is doing, with a reason a desk worker can act on (zh first, en second)."""

    source: str
    status: SourceStatus
    reason_zh: str
    reason_en: str

    @property
    def message(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}"


ScanCallback = Callable[[Scan], None]
StateCallback = Callable[[SourceState], None]


class Deduplicator:
    """Folds repeated reads of the same code into one scan.

    A webcam sees one card in many consecutive frames and a serial scanner in
    continuous mode repeats itself; a code is accepted again only after it has NOT
    been seen for `window` seconds. The window slides with every sighting, so a card
    held in front of the camera for ten seconds is still one scan. One instance may
    be shared by several sources (a camera and a hand scanner reading the same card).
    The caller may pass its own clock value (a video file's media time) so that
    decisions do not depend on how fast frames are processed.
    """

    def __init__(self, window: float = 2.0) -> None:
        if window < 0:
            raise ValueError("window must be >= 0")
        self.window = window
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def accept(self, text: str, now: float | None = None) -> bool:
        """True when `text` should become a Scan; records the sighting either way."""
        at = time.monotonic() if now is None else now
        with self._lock:
            previous = self._last_seen.get(text)
            self._last_seen[text] = at
            if len(self._last_seen) > 256:
                self._forget_before(at - self.window)
            return previous is None or at - previous > self.window or at < previous

    def reset(self) -> None:
        with self._lock:
            self._last_seen.clear()

    def _forget_before(self, cutoff: float) -> None:
        for key in [k for k, seen in self._last_seen.items() if seen < cutoff]:
            del self._last_seen[key]

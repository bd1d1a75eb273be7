"""Keyboard-wedge burst detection: tells a USB scanner's keystrokes from a person typing.

A keyboard-wedge scanner "types" the barcode into whatever has focus, a few
milliseconds per character, and ends with Enter or Tab. A person types 60-120 ms
per key. The detector holds printable keys while a burst is still possible and
decides per key: keep holding, release the held keys to the focused field (it was
a person), or report a complete scan (the held keys are swallowed).

Plain logic with an injectable clock and opaque tokens: the Qt event filter stores
copies of its key events as tokens and replays the released ones; tests feed
synthetic timings and never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

TERMINATORS = frozenset({"\r", "\n", "\t"})


@dataclass(frozen=True)
class WedgeTiming:
    """How a scanner burst looks; one per desk, from the settings.

    max_gap_ms: the longest pause between two characters of one burst. Scanners
        send 2-8 ms apart (some Bluetooth ones ~15 ms); people 60 ms and more.
    min_length: the fewest characters before the terminator (an ID number has 10).
    max_length: longer bursts are not barcodes we read; they are released (the longest
        we read is the bureau's desk-enrolment QR code, about 120 characters).
    """

    max_gap_ms: float = 30.0
    min_length: int = 6
    max_length: int = 256
    terminators: frozenset[str] = TERMINATORS

    def __post_init__(self) -> None:
        if self.max_gap_ms <= 0:
            raise ValueError("max_gap_ms must be positive")
        if self.min_length < 1 or self.max_length < self.min_length:
            raise ValueError("need 1 <= min_length <= max_length")


@dataclass(frozen=True)
class Decision(Generic[T]):
    """What to do after one key.

    release: held tokens to hand back to the focused widget now, in order.
    hold: the key just fed is held (do not deliver it yet).
    scan: the text of a complete burst; its keys (and the terminator) are swallowed.
    """

    release: tuple[T, ...] = ()
    hold: bool = False
    scan: str | None = None


@dataclass
class _Held(Generic[T]):
    chars: list[str] = field(default_factory=list)
    tokens: list[T] = field(default_factory=list)
    last_at: float = 0.0


class WedgeDetector(Generic[T]):
    """Feeds keys with their arrival times; see the module docstring for the decisions."""

    def __init__(
        self, timing: WedgeTiming | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.timing = timing or WedgeTiming()
        self.clock = clock
        self._held: _Held[T] = _Held()

    @property
    def holding(self) -> bool:
        """True while keys are held back waiting for the burst to complete or lapse."""
        return bool(self._held.tokens)

    @property
    def held_text(self) -> str:
        return "".join(self._held.chars)

    def deadline(self) -> float | None:
        """Clock time after which the held keys are a person's typing (None when idle)."""
        if not self.holding:
            return None
        return self._held.last_at + self.timing.max_gap_ms / 1000.0

    def _take(self) -> tuple[T, ...]:
        tokens = tuple(self._held.tokens)
        self._held = _Held()
        return tokens

    def feed(self, char: str, token: T, at: float | None = None) -> Decision[T]:
        """One key press carrying `char` (one character; "\\r" or "\\t" for Enter/Tab)."""
        now = self.clock() if at is None else at
        gap_ok = self.holding and (now - self._held.last_at) * 1000.0 <= self.timing.max_gap_ms
        if char in self.timing.terminators:
            if gap_ok and len(self._held.chars) >= self.timing.min_length:
                text = self.held_text
                self._held = _Held()
                return Decision(scan=text)
            # A person's Enter (or a too-short burst): everything goes through, in order.
            return Decision(release=(*self._take(), token))
        released: tuple[T, ...] = ()
        if (self.holding and not gap_ok) or len(self._held.chars) >= self.timing.max_length:
            released = self._take()
        self._held.chars.append(char)
        self._held.tokens.append(token)
        self._held.last_at = now
        return Decision(release=released, hold=True)

    def expire(self, at: float | None = None) -> tuple[T, ...]:
        """The held keys when the burst lapsed by `at` (a timer's tick); () otherwise."""
        now = self.clock() if at is None else at
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return ()
        return self._take()

    def flush(self) -> tuple[T, ...]:
        """Give back every held key now (a non-character key or focus change came)."""
        return self._take()

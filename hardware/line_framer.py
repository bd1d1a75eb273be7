"""Cuts a serial scanner's byte stream into codes: terminators, idle timeouts, garbage.

Pure logic (no I/O, the caller passes the clock) so every rule is tested byte by byte.
Rules, and why:
- A line ends at the configured terminator (CR, LF, CRLF) or, with NONE, when the line
  has been idle for `inter_char_timeout` (scanners without a suffix send one burst).
- A partial line left idle longer than `stale_after` is garbage (a glitch, or the half of
  a code sent while the cable was pulled): it is dropped, never glued onto the next code.
- Control bytes and bytes that are not valid UTF-8 are noise on the wire: removed.
- A configured prefix/suffix (what many scanners add, e.g. "STX" or a desk tag) is cut.
- AIM symbology identifiers ("]A0" Code 39, "]C0" Code 128, "]Q1" QR), when the scanner
  is set to send them, tell the symbology and are cut too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hardware.scan import Symbology


class Terminator(StrEnum):
    CR = "cr"
    LF = "lf"
    CRLF = "crlf"
    NONE = "none"

    @property
    def bytes(self) -> bytes:
        return {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "none": b""}[self.value]


_AIM = {"A": Symbology.CODE39, "C": Symbology.CODE128, "Q": Symbology.QR}
_NOISE = bytes(range(0x20)) + b"\x7f"


@dataclass(frozen=True)
class FramedCode:
    text: str
    symbology: Symbology


class LineFramer:
    """Feed bytes with their arrival time; get the complete codes they finish."""

    def __init__(
        self,
        terminator: Terminator = Terminator.CR,
        *,
        inter_char_timeout: float = 0.05,
        stale_after: float = 0.5,
        prefix: str = "",
        suffix: str = "",
        aim_ids: bool = False,
        max_length: int = 1024,
    ) -> None:
        self.terminator = terminator
        self.inter_char_timeout = inter_char_timeout
        self.stale_after = stale_after
        self.prefix = prefix
        self.suffix = suffix
        self.aim_ids = aim_ids
        self.max_length = max_length
        self._buffer = bytearray()
        self._last_byte_at = 0.0
        self.dropped_partials = 0

    def reset(self) -> None:
        """Forget a partial line (the device went away mid-code)."""
        if self._buffer:
            self.dropped_partials += 1
        self._buffer.clear()

    @property
    def pending(self) -> bytes:
        return bytes(self._buffer)

    def feed(self, data: bytes, now: float) -> list[FramedCode]:
        if not data:
            return self.poll(now)
        codes = self.poll(now)
        if self._buffer and now - self._last_byte_at > self.stale_after:
            self.reset()
        self._last_byte_at = now
        self._buffer += data
        sep = self.terminator.bytes
        if sep:
            while True:
                index = self._buffer.find(sep)
                if index < 0:
                    break
                line = bytes(self._buffer[:index])
                del self._buffer[: index + len(sep)]
                code = self._clean(line)
                if code is not None:
                    codes.append(code)
        if len(self._buffer) > self.max_length:
            self.reset()
        return codes

    def poll(self, now: float) -> list[FramedCode]:
        """Call when no byte arrived: ends an idle line (NONE) or drops a stale one."""
        if not self._buffer:
            return []
        idle = now - self._last_byte_at
        if self.terminator is Terminator.NONE and idle >= self.inter_char_timeout:
            line = bytes(self._buffer)
            self._buffer.clear()
            code = self._clean(line)
            return [] if code is None else [code]
        if idle > self.stale_after:
            self.reset()
        return []

    def seconds_until_due(self, now: float) -> float | None:
        """How long the reader may block before `poll` has work to do (None: forever)."""
        if not self._buffer:
            return None
        limit = self.inter_char_timeout if self.terminator is Terminator.NONE else self.stale_after
        return max(0.0, self._last_byte_at + limit - now)

    def _clean(self, line: bytes) -> FramedCode | None:
        text = line.translate(None, _NOISE).decode("utf-8", errors="ignore").strip()
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix) :]
        if self.suffix and text.endswith(self.suffix):
            text = text[: -len(self.suffix)]
        symbology = Symbology.UNKNOWN
        if self.aim_ids and len(text) >= 3 and text[0] == "]":
            symbology = _AIM.get(text[1], Symbology.UNKNOWN)
            text = text[3:]
        text = text.strip()
        return FramedCode(text, symbology) if text else None

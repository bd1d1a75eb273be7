"""A distinct sound per outcome: checked in, needs a confirm (warn), refused (block).

PySide6-Essentials has no QtMultimedia, so the WAV files in resources/sounds/ are
played by the platform: winsound on Windows, the first of paplay/pw-play/aplay on
Linux, afplay on macOS; none of them found, QApplication.beep() sounds one, two or
three times. `write_tones` makes the WAV files (stdlib `wave`, no dependency).
"""

from __future__ import annotations

import logging
import math
import shutil
import struct
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

SOUNDS_DIR = Path(__file__).resolve().parents[1] / "resources" / "sounds"
RATE = 22_050

# name -> ((frequency Hz, duration s), ...): a rising chime, two mid beeps, a low triple buzz.
TONES: dict[str, tuple[tuple[float, float], ...]] = {
    "ok": ((880.0, 0.09), (1320.0, 0.14)),
    "warn": ((660.0, 0.16), (0.0, 0.08), (660.0, 0.16)),
    "block": ((220.0, 0.2), (0.0, 0.06), (220.0, 0.2), (0.0, 0.06), (220.0, 0.3)),
}
BEEPS = {"ok": 1, "warn": 2, "block": 3}


def write_tones(directory: Path = SOUNDS_DIR) -> list[Path]:
    """Write ok.wav, warn.wav and block.wav (16-bit mono) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, parts in TONES.items():
        frames = bytearray()
        for freq, seconds in parts:
            n = int(RATE * seconds)
            for i in range(n):
                # A short fade at both ends keeps the speaker from clicking.
                envelope = min(1.0, i / 200, (n - i) / 200)
                value = math.sin(2 * math.pi * freq * i / RATE) if freq else 0.0
                frames += struct.pack("<h", int(12_000 * envelope * value))
        path = directory / f"{name}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(bytes(frames))
        written.append(path)
    return written


def _platform_backend() -> Callable[[Path], None] | None:
    if sys.platform == "win32":
        import winsound

        def play_windows(path: Path) -> None:
            winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC)

        return play_windows
    for tool in ("paplay", "pw-play", "aplay", "afplay"):
        exe = shutil.which(tool)
        if exe:
            extra = ["-q"] if tool == "aplay" else []

            def play_tool(path: Path, exe: str = exe, extra: list[str] = extra) -> None:
                subprocess.Popen(
                    [exe, *extra, str(path)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )

            return play_tool
    return None


class SoundPlayer:
    """Plays "ok", "warn" or "block"; `played` keeps the names (the status bar and tests)."""

    def __init__(
        self,
        enabled: bool = True,
        backend: Callable[[Path], None] | None = None,
        directory: Path = SOUNDS_DIR,
        beep: Callable[[], None] | None = None,
    ) -> None:
        self.enabled = enabled
        self.directory = directory
        self._backend = backend
        self._backend_probed = backend is not None
        self._beep = beep
        self.played: list[str] = []

    @property
    def method(self) -> str:
        """How sounds come out on this PC, for the settings page."""
        self._probe()
        return "file" if self._backend else "beep"

    def _probe(self) -> None:
        if not self._backend_probed:
            self._backend = _platform_backend()
            self._backend_probed = True

    def play(self, name: str) -> None:
        if name not in TONES:
            raise ValueError(f"unknown sound {name!r}")
        self.played.append(name)
        if not self.enabled:
            return
        self._probe()
        path = self.directory / f"{name}.wav"
        try:
            if self._backend is not None and path.is_file():
                self._backend(path)
                return
        except OSError as exc:
            log.warning("cannot play %s (%s); beeping instead", path.name, exc)
        beep = self._beep or _qt_beep
        for _ in range(BEEPS[name]):
            beep()


def _qt_beep() -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.beep()

"""A pluggable emulated serial scanner on a real pseudo-terminal pair (POSIX only).

The slave side is the "device" that a SerialScanSource opens, reached through a stable
symlink (like /dev/serial/by-id/...); closing the master is pulling the cable, and
plugging in opens a fresh pty behind the same symlink. Used by tests, benchmarks and
the demo mode, so the serial code path is exercised end to end without hardware.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


class PtyScanner:
    def __init__(self, link: Path) -> None:
        self.link = Path(link)
        self._master: int | None = None
        self.slave_name: str | None = None

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> Path:
        """Create a new pty and point the link at it; returns the link path."""
        if self._master is not None:
            raise RuntimeError("already plugged in")
        master, slave = os.openpty()
        self.slave_name = os.ttyname(slave)
        # Nobody keeps the slave open but the reader, as with a real device node.
        os.close(slave)
        self._master = master
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(self.slave_name)
        tmp.replace(self.link)
        return self.link

    def unplug(self) -> None:
        """Close the master: the reader's next read fails as with a pulled USB cable."""
        if self._master is None:
            return
        self.link.unlink(missing_ok=True)
        os.close(self._master)
        self._master = None

    def send(self, data: bytes, *, char_delay: float = 0.0) -> float:
        """Write bytes as the scanner would; returns time.monotonic() after the last byte."""
        if self._master is None:
            raise RuntimeError("not plugged in")
        if char_delay <= 0:
            os.write(self._master, data)
            return time.monotonic()
        for i, byte in enumerate(data):
            if i:
                time.sleep(char_delay)
            os.write(self._master, bytes([byte]))
        return time.monotonic()

    def close(self) -> None:
        self.unplug()
        self.link.unlink(missing_ok=True)

    def __enter__(self) -> PtyScanner:
        self.plug()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

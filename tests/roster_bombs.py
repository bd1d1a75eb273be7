"""Hostile roster files for the limit tests (desk and server): XLSX zip bombs, a peak-RSS probe.

The bomb is built in a few hundred milliseconds without inflating it: one megabyte of
sheet rows is deflated once with a full flush (which resets the compressor, so the same
input gives the same bytes), and that block is repeated. The ZIP is written by hand so a
test can also make its directory lie about a member's size.
"""

from __future__ import annotations

import io
import struct
import threading
import zipfile
import zlib
from functools import lru_cache
from types import TracebackType

import openpyxl

_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_ROW = b"<row><c><v>1</v></c></row>"  # 26 bytes: ~400:1 deflated, one list per row parsed
_TAIL = b"</sheetData></worksheet>"
_BLOCK = _ROW * ((1 << 20) // len(_ROW))  # about 1 MB of rows
SHEET = "xl/worksheets/sheet1.xml"


def _deflate(data: bytes, final: bool) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP of deflated members (name, deflated data, CRC-32, size the directory declares)."""
    out = bytearray()
    central = bytearray()
    for name, data, crc, size in members:
        raw = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0
        )
        out += raw + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0, 0, 0, 0, 0,
            offset,
        )  # fmt: skip
        central += raw
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0
    )
    return bytes(out + central + end)


def _workbook_members() -> list[tuple[str, bytes, int, int]]:
    """The members of a real one-sheet workbook, except its sheet."""
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["姓名"])
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        return [
            (n, _deflate(z.read(n), True), zlib.crc32(z.read(n)), len(z.read(n)))
            for n in z.namelist()
            if n != SHEET
        ]


@lru_cache(maxsize=4)
def xlsx_bomb(expanded: int = 1 << 30, *, declared: int | None = None) -> bytes:
    """An .xlsx of about 3 MB whose sheet inflates to `expanded` bytes of rows.

    `declared` makes the ZIP directory state another size for the sheet (a lying bomb);
    its CRC is then that of the first `declared` bytes, so a reader trusting the
    directory finds nothing wrong.
    """
    blocks = expanded // len(_BLOCK)
    stream = _deflate(_HEAD, False) + _deflate(_BLOCK, False) * blocks + _deflate(_TAIL, True)
    size = len(_HEAD) + blocks * len(_BLOCK) + len(_TAIL)
    if declared is None:
        crc = zlib.crc32(_HEAD)
        for _ in range(blocks):
            crc = zlib.crc32(_BLOCK, crc)
        crc = zlib.crc32(_TAIL, crc)
    else:
        prefix = (_HEAD + _BLOCK * (declared // len(_BLOCK) + 1))[:declared]
        crc, size = zlib.crc32(prefix), declared
    return _zip([*_workbook_members(), (SHEET, stream, crc, size)])


def _rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * 4096


class PeakRss:
    """How far this process's resident memory rose above its level at entry (sampled)."""

    def __init__(self, every: float = 0.005) -> None:
        self.every = every
        self.growth = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.growth = max(self.growth, _rss() - self._base)

    def __enter__(self) -> PeakRss:
        self._base = _rss()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.growth = max(self.growth, _rss() - self._base)

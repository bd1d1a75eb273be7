"""Reading a roster file into rows of cells: file-type sniffing, text encodings, CSV and XLSX.

The encoding is detected, never asked: UTF-8 (with or without BOM) is tried strictly,
then CP950 (Microsoft's Big5, what Excel on Traditional Chinese Windows writes), then
Big5-HKSCS (rare name characters). A file that is almost valid in one of them keeps
its good rows: every undecodable byte is remembered with its offset and line, and the
row holding it is rejected by the importer. Anything that is not a roster at all (PDF,
image, old .xls, random bytes, an empty file) raises `RosterFileError` with one clear
message in Traditional Chinese and English.

A file beyond `RosterLimits` is refused before it is parsed: its size on disk, and for
an XLSX the sizes its ZIP directory declares (a zip bomb is refused before one byte is
inflated). The members are then inflated in chunks into an uncompressed copy, so a
directory that understates a size cannot make openpyxl inflate more than it declares,
and rows are counted while they are read. Memory stays within a small multiple of
`max_bytes`, whatever the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import threading
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol
from xml.etree import ElementTree

from vaccination.roster_cells import Cell, cell_text, to_cell
from vaccination.roster_columns import HEADER_SEARCH_ROWS, find_header

# Lines with undecodable bytes tolerated before a file is called "not text": a few rows
# pasted from a Big5 file into a UTF-8 one are a damaged roster worth importing, a file
# where every line breaks is a binary file or another encoding.
MAX_BAD_LINES: Final[int] = 5
MAX_BAD_LINE_SHARE: Final[float] = 0.1
# Undecodable sequences in one line beyond which it is not a roster row but noise, and in
# the whole file (a bound on what is noted before giving up).
MAX_BAD_PER_LINE: Final[int] = 64
MAX_BAD_SEQUENCES: Final[int] = 100_000
SNIFF_BYTES: Final[int] = 8192
REPLACEMENT: Final[str] = "\ufffd"
# Cells of a row kept (a roster has 10-20 columns; Excel allows 16,384).
MAX_COLUMNS: Final[int] = 256
_COPY_CHUNK: Final[int] = 1 << 20


@dataclass(frozen=True)
class RosterLimits:
    """How big a roster file may be; beyond it the file is refused, not parsed."""

    max_bytes: int = 50 * 1024 * 1024  # the file, uncompressed (all members of an XLSX)
    max_rows: int = 200_000  # lines of the sheet(s), header and blank lines included


DEFAULT_LIMITS: Final[RosterLimits] = RosterLimits()


class RosterFileError(Exception):
    """A file that cannot be read as a roster; one message for the user (zh, en)."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")


@dataclass(frozen=True)
class BadBytes:
    """An undecodable byte sequence: where it is and what it was."""

    offset: int  # 0-based byte offset in the file
    line: int  # 1-based physical line of the file
    data: bytes

    def describe(self) -> tuple[str, str]:
        """zh / en description, e.g. `第 3 行第 57 位元組 0xA4`."""
        hexed = " ".join(f"0x{b:02X}" for b in self.data)
        return (
            f"第 {self.line} 行（檔案第 {self.offset} 位元組）{hexed} 無法解讀",
            f"line {self.line} (byte offset {self.offset}) {hexed} cannot be decoded",
        )


@dataclass
class RosterSheet:
    """The rows of one roster file, as cells, with how they were read."""

    rows: list[list[Cell]]  # str cells; XLSX dates and times stay date/datetime/time
    format: str  # "csv", "tsv" or "xlsx"
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp950", "big5hkscs" or "xlsx"
    sheet_name: str | None = None
    bad_bytes: list[BadBytes] = field(default_factory=list)


_FOREIGN_FORMATS: Final[tuple[tuple[bytes, str, str, str], ...]] = (
    (b"%PDF", "pdf", "PDF 文件", "a PDF document"),
    (b"\x89PNG", "png", "PNG 圖片", "a PNG image"),
    (b"\xff\xd8\xff", "jpeg", "JPEG 圖片", "a JPEG image"),
    (b"GIF8", "gif", "GIF 圖片", "a GIF image"),
    (b"BM", "bmp", "BMP 圖片", "a BMP image"),
    (b"II*\x00", "tiff", "TIFF 圖片", "a TIFF image"),
    (b"MM\x00*", "tiff", "TIFF 圖片", "a TIFF image"),
    (b"\x1f\x8b", "gzip", "壓縮檔（gzip）", "a gzip archive"),
    (b"Rar!", "rar", "壓縮檔（RAR）", "a RAR archive"),
    (b"7z\xbc\xaf", "7z", "壓縮檔（7z）", "a 7z archive"),
)
# What openpyxl raises for a ZIP that is not a workbook or a damaged one.
_BROKEN_WORKBOOK: Final = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    TypeError,
    IndexError,
    ElementTree.ParseError,
)
_OLE2: Final[bytes] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP: Final[bytes] = b"PK\x03\x04"

_FIX_ZH: Final[str] = "請匯入 CSV（UTF-8 或 Big5）或 Excel（.xlsx）格式的名冊。"
_FIX_EN: Final[str] = "Import a roster as CSV (UTF-8 or Big5) or Excel (.xlsx)."
_SPLIT_ZH: Final[str] = "請把名冊分成幾個較小的檔案（例如每個接種站或每天一個）。"
_SPLIT_EN: Final[str] = "Split the roster into smaller files (e.g. one per site or day)."


def _size_text(n: int) -> str:
    """1 MB = 1,048,576 bytes; whole numbers without decimals (`50 MB`, `10 KB`, `1.5 GB`)."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def _too_large(limits: RosterLimits, size: int, what_zh: str, what_en: str) -> RosterFileError:
    limit = _size_text(limits.max_bytes)
    return RosterFileError(
        "too_large",
        f"名冊檔{what_zh} {_size_text(size)}，超過解壓縮後 {limit} 的上限，未讀取。{_SPLIT_ZH}",
        f"The roster file {what_en} {_size_text(size)}, over the limit of {limit} "
        f"uncompressed; it was not read. {_SPLIT_EN}",
    )


def _too_many_rows(limits: RosterLimits) -> RosterFileError:
    limit = f"{limits.max_rows:,}"
    return RosterFileError(
        "too_many_rows",
        f"名冊超過 {limit} 列的上限，未匯入。{_SPLIT_ZH}",
        f"The roster has more than {limit} rows (the limit); nothing was imported. {_SPLIT_EN}",
    )


def _not_a_roster(code: str, what_zh: str, what_en: str) -> RosterFileError:
    return RosterFileError(
        code,
        f"這不是名冊檔（{what_zh}）。{_FIX_ZH}",
        f"This is not a roster file ({what_en}). {_FIX_EN}",
    )


def read_sheet(path: Path | str, limits: RosterLimits = DEFAULT_LIMITS) -> RosterSheet:
    """Read a roster file into rows of cells, detecting its type and encoding."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limits.max_bytes and p.is_file():
            raise _too_large(limits, size, "有", "is")
        data = p.read_bytes()
    except IsADirectoryError:
        raise RosterFileError(
            "not_a_file",
            f"「{p.name}」是資料夾，不是檔案。",
            f"{p.name!r} is a folder, not a file.",
        ) from None
    except FileNotFoundError:
        raise RosterFileError(
            "not_found", f"找不到檔案「{p}」。", f"File not found: {str(p)!r}."
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise RosterFileError(
            "unreadable", f"無法讀取檔案「{p.name}」：{reason}", f"Cannot read {p.name!r}: {reason}"
        ) from None
    return sheet_from_bytes(data, limits)


def sheet_from_bytes(data: bytes, limits: RosterLimits = DEFAULT_LIMITS) -> RosterSheet:
    """Read roster bytes (CSV text or an XLSX workbook) into rows of cells, within `limits`."""
    if len(data) > limits.max_bytes:
        raise _too_large(limits, len(data), "有", "is")
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise RosterFileError(
            "empty", "檔案是空的，沒有任何資料列。", "The file is empty: no rows."
        )
    for magic, code, zh, en in _FOREIGN_FORMATS:
        if data.startswith(magic):
            raise _not_a_roster(code, zh, en)
    if data.startswith(_OLE2):
        raise RosterFileError(
            "xls",
            "這是舊版 Excel 97-2003（.xls）或有密碼保護的 Excel 檔案，無法直接讀取；"
            "請在 Excel 取消密碼並另存為 .xlsx 或 CSV。",
            "This is an old Excel 97-2003 (.xls) file or a password-protected workbook; remove "
            "the password and save it as .xlsx or CSV in Excel.",
        )
    if data.startswith(_ZIP):
        return _read_xlsx(data, limits)
    return _read_delimited(data, limits)


def _read_xlsx(data: bytes, limits: RosterLimits) -> RosterSheet:
    import openpyxl  # only XLSX imports pay for it

    budget = _Budget(limits)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles of workbooks made elsewhere; not the user's concern.
            warnings.simplefilter("ignore")
            archive = _inflated_copy(data, limits)
            book = openpyxl.load_workbook(archive, read_only=True, data_only=True)
            try:
                sheets = [(ws.title, _sheet_rows(ws, budget)) for ws in book.worksheets]
            finally:
                book.close()
    except _BROKEN_WORKBOOK as exc:
        raise _not_a_roster(
            "zip",
            "壓縮檔、損壞的活頁簿或其他 Office 文件，不是可讀的 Excel 活頁簿",
            "a ZIP archive, a damaged workbook or another Office file, not a readable Excel "
            "workbook",
        ) from exc
    with_data = [(title, rows) for title, rows in sheets if any(c != "" for r in rows for c in r)]
    if not with_data:
        raise RosterFileError(
            "empty", "Excel 檔案沒有任何資料列。", "The Excel workbook has no rows with data."
        )
    # A cover or notes sheet may come first: take the first sheet that has a roster header.
    for title, rows in with_data:
        if find_header([[cell_text(c) for c in r] for r in rows[:HEADER_SEARCH_ROWS]]):
            return RosterSheet(rows=rows, format="xlsx", encoding="xlsx", sheet_name=title)
    title, rows = with_data[0]
    return RosterSheet(rows=rows, format="xlsx", encoding="xlsx", sheet_name=title)


def _inflated_copy(data: bytes, limits: RosterLimits) -> io.BytesIO:
    """The workbook's ZIP with its members inflated (stored), within `limits.max_bytes`.

    The sizes the ZIP directory declares are checked first: a zip bomb is refused before
    one byte is inflated. Members are then inflated in chunks, so a directory that
    understates a size yields no more than it declares (zipfile stops there), and openpyxl,
    which reads whole members at once, only ever sees honest sizes.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = [m for m in src.infolist() if not m.is_dir()]
        declared = sum(m.file_size for m in members)
        if declared > limits.max_bytes:
            raise _too_large(limits, declared, "解壓縮後有", "inflates to")
        out = io.BytesIO()
        inflated = 0
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
            for member in members:
                with src.open(member) as fin, dst.open(member.filename, "w") as fout:
                    while chunk := fin.read(_COPY_CHUNK):
                        inflated += len(chunk)
                        if inflated > limits.max_bytes:
                            raise _too_large(limits, inflated, "解壓縮後超過", "inflates to over")
                        fout.write(chunk)
    out.seek(0)
    return out


class _Budget:
    """Rows and characters left to read: what keeps a workbook's cells in bounded memory."""

    def __init__(self, limits: RosterLimits) -> None:
        self.limits = limits
        self.rows = limits.max_rows
        # A shared string is one object however many cells use it, but trimmed copies
        # are not; the text read may not exceed what the file may hold uncompressed.
        self.chars = limits.max_bytes

    def take(self, rows: int, chars: int = 0) -> None:
        self.rows -= rows
        self.chars -= chars
        if self.rows < 0:
            raise _too_many_rows(self.limits)
        if self.chars < 0:
            raise _too_large(self.limits, self.limits.max_bytes, "的文字超過", "holds over")


class _ReadOnlySheet(Protocol):
    """What is read of an openpyxl read-only worksheet."""

    title: str
    max_row: int | None

    def reset_dimensions(self) -> None: ...
    def iter_rows(self, *, values_only: bool) -> Iterator[tuple[object, ...]]: ...


def _sheet_rows(ws: _ReadOnlySheet, budget: _Budget) -> list[list[Cell]]:
    # The sheet's declared size (<dimension>) refuses a huge sheet before its rows are
    # parsed; it is then dropped, because openpyxl pads every row to the declared width,
    # and rows are counted as they come (a sheet may declare nothing or lie).
    if ws.max_row is not None and ws.max_row > budget.rows:
        raise _too_many_rows(budget.limits)
    ws.reset_dimensions()
    rows: list[list[Cell]] = []
    for values in ws.iter_rows(values_only=True):
        row = [to_cell(v) for v in values[:MAX_COLUMNS]]
        budget.take(1, sum(len(c) for c in row if isinstance(c, str)))
        rows.append(row)
    return rows


def _read_delimited(data: bytes, limits: RosterLimits) -> RosterSheet:
    head = data[:SNIFF_BYTES]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise RosterFileError(
                "bad_encoding",
                f"UTF-16 文字檔在第 {exc.start} 位元組損壞。",
                f"The UTF-16 text file is damaged at byte {exc.start}.",
            ) from None
        return _parse_text(text, "utf-16", [], limits)
    if b"\x00" in head:
        raise _not_a_roster("binary", "二進位檔案", "a binary file")
    text, encoding, bad = decode_roster_text(data)
    return _parse_text(text, encoding, bad, limits)


def decode_roster_text(data: bytes) -> tuple[str, str, list[BadBytes]]:
    """Decode roster bytes: (text, encoding, undecodable bytes replaced by U+FFFD)."""
    for encoding in ("utf-8-sig", "cp950", "big5hkscs"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8"
        return text, encoding, []
    # Valid in none: take the encoding with fewer broken bytes (UTF-8 Chinese read as
    # Big5, or the reverse, breaks on roughly every other character).
    lines = data.count(b"\n") + 1
    allowed = max(MAX_BAD_LINES, int(lines * MAX_BAD_LINE_SHARE))
    found = {enc: _decode_noting_bad_bytes(data, enc, allowed) for enc in ("utf-8", "cp950")}

    def broken(enc: str) -> int:
        decoded = found[enc]
        return len(data) + 1 if decoded is None else len(decoded[1])

    encoding = min(found, key=broken)
    result = found[encoding]
    if result is None:
        first = _first_bad_bytes(data)
        raise RosterFileError(
            "not_text",
            "這不是可讀的文字名冊：許多行有無法解讀的位元組"
            f"（UTF-8 與 Big5 都不符，例如{first[0]}）。{_FIX_ZH}",
            f"This is not a readable text roster: many lines hold bytes valid neither in "
            f"UTF-8 nor in Big5 (e.g. {first[1]}). {_FIX_EN}",
        )
    text, bad = result
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
        text = text.removeprefix("\ufeff")
    return text, encoding, bad


class _TooBroken(Exception):
    """More broken lines (or bytes in a line) than a damaged roster has."""


# The decode error handler is global (codecs has no per-call handlers); what it notes is
# kept per thread, so two imports at once (server threads) do not mix their notes.
_NOTES = threading.local()


def _note_bad_bytes(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    spans: list[tuple[int, int]] = _NOTES.spans
    spans.append((exc.start, exc.end))
    if len(spans) > _NOTES.cap:
        raise _TooBroken
    return REPLACEMENT, exc.end


codecs.register_error("vaxdesk-note-bad-bytes", _note_bad_bytes)


def _decode_noting_bad_bytes(
    data: bytes, encoding: str, allowed_lines: int
) -> tuple[str, list[BadBytes]] | None:
    """One pass: the text with U+FFFD for each broken sequence, and where each was.

    None when more than `allowed_lines` lines break (or one line breaks too often).
    """
    _NOTES.spans = []
    _NOTES.cap = min(allowed_lines * MAX_BAD_PER_LINE, MAX_BAD_SEQUENCES)
    try:
        text = data.decode(encoding, errors="vaxdesk-note-bad-bytes")
    except _TooBroken:
        return None
    finally:
        spans, _NOTES.spans = _NOTES.spans, []
    bad: list[BadBytes] = []
    line, counted_to = 1, 0
    per_line: dict[int, int] = {}
    for start, end in spans:
        line += data.count(b"\n", counted_to, start)
        counted_to = start
        per_line[line] = per_line.get(line, 0) + 1
        bad.append(BadBytes(start, line, data[start:end]))
    if len(per_line) > allowed_lines or any(n > MAX_BAD_PER_LINE for n in per_line.values()):
        return None
    return text, bad


def _first_bad_bytes(data: bytes) -> tuple[str, str]:
    """zh / en description of the first byte sequence that is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return BadBytes(exc.start, line, data[exc.start : exc.end]).describe()
    return ("位置不明", "position unknown")


def _parse_text(text: str, encoding: str, bad: list[BadBytes], limits: RosterLimits) -> RosterSheet:
    first_line = next((ln for ln in text[:SNIFF_BYTES].splitlines() if ln.strip()), "")
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        rows: list[list[Cell]] = list(
            itertools.islice(_csv_rows(text, delimiter), limits.max_rows + 1)
        )
    except csv.Error as exc:
        raise RosterFileError("bad_csv", f"CSV 格式錯誤：{exc}", f"Malformed CSV: {exc}") from None
    if len(rows) > limits.max_rows:
        raise _too_many_rows(limits)
    return RosterSheet(
        rows=rows,
        format="tsv" if delimiter == "\t" else "csv",
        encoding=encoding,
        bad_bytes=bad,
    )


def _csv_rows(text: str, delimiter: str) -> Iterator[list[Cell]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    yield from reader

"""Reading a roster file into rows of cells: file-type sniffing, text encodings, CSV and XLSX.

The encoding is detected, never asked: UTF-8 (with or without BOM) is tried strictly,
then CP950 (Microsoft's Big5, what Excel on Traditional Chinese Windows writes), then
Big5-HKSCS (rare name characters). A file that is almost valid in one of them keeps
its good rows: every undecodable byte is remembered with its offset and line, and the
row holding it is rejected by the importer. Anything that is not a roster at all (PDF,
image, old .xls, random bytes, an empty file) raises `RosterFileError` with one clear
message in Traditional Chinese and English.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from xml.etree import ElementTree

from vaccination.roster_cells import Cell, cell_text, to_cell
from vaccination.roster_columns import HEADER_SEARCH_ROWS, find_header

# Undecodable bytes tolerated before a file is called "not text": a few broken bytes
# are a damaged roster worth importing, hundreds are a binary file.
MAX_BAD_BYTES: Final[int] = 20
SNIFF_BYTES: Final[int] = 8192
REPLACEMENT: Final[str] = "\ufffd"


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


def _not_a_roster(code: str, what_zh: str, what_en: str) -> RosterFileError:
    return RosterFileError(
        code,
        f"這不是名冊檔（{what_zh}）。{_FIX_ZH}",
        f"This is not a roster file ({what_en}). {_FIX_EN}",
    )


def read_sheet(path: Path | str) -> RosterSheet:
    """Read a roster file into rows of cells, detecting its type and encoding."""
    p = Path(path)
    try:
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
    return sheet_from_bytes(data)


def sheet_from_bytes(data: bytes) -> RosterSheet:
    """Read roster bytes (CSV text or an XLSX workbook) into rows of cells."""
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
        return _read_xlsx(data)
    return _read_delimited(data)


def _read_xlsx(data: bytes) -> RosterSheet:
    import openpyxl  # type: ignore[import-untyped]  # only XLSX imports pay for it

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles of workbooks made elsewhere; not the user's concern.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheets = [
                    (ws.title, [[to_cell(v) for v in r] for r in ws.iter_rows(values_only=True)])
                    for ws in book.worksheets
                ]
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


def _read_delimited(data: bytes) -> RosterSheet:
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
        return _parse_text(text, "utf-16", [])
    if b"\x00" in head:
        raise _not_a_roster("binary", "二進位檔案", "a binary file")
    text, encoding, bad = decode_roster_text(data)
    return _parse_text(text, encoding, bad)


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
    counts = {
        enc: data.decode(enc, errors="replace").count(REPLACEMENT) for enc in ("utf-8", "cp950")
    }
    encoding = min(counts, key=lambda e: counts[e])
    bad = _bad_bytes(data, encoding, MAX_BAD_BYTES + 1)
    if len(bad) > MAX_BAD_BYTES:
        first_zh, first_en = bad[0].describe()
        raise RosterFileError(
            "not_text",
            "這不是可讀的文字名冊：有大量無法解讀的位元組"
            f"（UTF-8 與 Big5 都不符，例如{first_zh}）。{_FIX_ZH}",
            f"This is not a readable text roster: many bytes are valid neither in UTF-8 nor "
            f"in Big5 (e.g. {first_en}). {_FIX_EN}",
        )
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    return data.decode(encoding, errors="replace"), encoding, bad


def _bad_bytes(data: bytes, encoding: str, limit: int) -> list[BadBytes]:
    """Where decoding fails, up to `limit` places (each re-decode starts after the last one)."""
    out: list[BadBytes] = []
    pos = 0
    while pos < len(data) and len(out) < limit:
        try:
            data[pos:].decode(encoding)
            break
        except UnicodeDecodeError as exc:
            start, end = pos + exc.start, pos + exc.end
            out.append(BadBytes(start, data.count(b"\n", 0, start) + 1, data[start:end]))
            pos = end
    return out


def _parse_text(text: str, encoding: str, bad: list[BadBytes]) -> RosterSheet:
    first_line = next((ln for ln in text[:SNIFF_BYTES].splitlines() if ln.strip()), "")
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        rows: list[list[Cell]] = list(_csv_rows(text, delimiter))
    except csv.Error as exc:
        raise RosterFileError("bad_csv", f"CSV 格式錯誤：{exc}", f"Malformed CSV: {exc}") from None
    return RosterSheet(
        rows=rows,
        format="tsv" if delimiter == "\t" else "csv",
        encoding=encoding,
        bad_bytes=bad,
    )


def _csv_rows(text: str, delimiter: str) -> Iterator[list[Cell]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    yield from reader

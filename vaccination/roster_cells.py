"""Reading single roster cells: text cleanup, dates, booking slots, names and phone numbers.

Cells come from CSV (always text) or XLSX (text, numbers, dates, times). Readers are
cached per distinct cell text because a roster repeats the same slots, sites, products
and even birth dates thousands of times; a 100,000-row file has only a few hundred
distinct slots.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from typing import Final

from vaccination.rocdate import DateParseError, parse_date

_SPACES = re.compile(r"\s+")
# A space between two CJK characters is a typing slip ("王 小明"), not part of the name.
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff]) (?=[\u3400-\u9fff\uf900-\ufaff])")
# ROC years padded to four digits ("0110/09/01", "01100901"): rocdate reads a 4-digit year
# as Gregorian, so the padding zero goes first.
_PADDED_ROC = re.compile(r"^0(?=\d{3}(?:[/\-.年]|\d{4}$))")


# A cell as the importer sees it: text, or a date/time an XLSX cell held.
Cell = str | date | time


def to_cell(value: object) -> Cell:
    """An XLSX value as a Cell: dates and times kept, everything else as trimmed text."""
    if isinstance(value, date | time):
        return value
    return cell_text(value)


def cell_text(value: object) -> str:
    """A cell as trimmed text; numbers keep no `.0`, dates their ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def clean_text(text: str) -> str:
    """NFKC (full-width to half-width), runs of spaces to one space, trimmed."""
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "  " in text or "\t" in text or "\n" in text or "\r" in text or "\u3000" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def clean_name(text: str) -> str:
    """A person's name: cleaned text without spaces inside Chinese names."""
    name = clean_text(text)
    if " " in name and not name.isascii():
        name = _CJK_GAP.sub("", name)
    return name


def name_key(name: str) -> str:
    """The form two spellings of one name are compared in (no spaces, case-folded)."""
    return "".join(name.split()).casefold()


class CellError(ValueError):
    """A cell that cannot be read; reasons in zh and en."""

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        super().__init__(f"{reason_zh} / {reason_en}")

    def copy(self) -> CellError:
        """A fresh error with the same reasons, for raising a cached one.

        A raised exception keeps its traceback, and the traceback the frames of the
        reader's caller: a cached instance raised again would tie a whole import run
        (every row of the file) into a reference cycle that only the cyclic GC frees.
        """
        return CellError(self.reason_zh, self.reason_en)


def parse_roster_date(text: str) -> date:
    """Parse a date cell with `vaccination.rocdate`, also reading zero-padded ROC years."""
    value = unicodedata.normalize("NFKC", text).strip() if not text.isascii() else text.strip()
    if value.startswith("0"):
        value = _PADDED_ROC.sub("", value)
    return parse_date(value)


class DateReader:
    """Reads date cells (text or Excel dates), remembering each distinct text."""

    def __init__(self) -> None:
        self._cache: dict[str, date | CellError] = {}

    def read(self, value: object) -> date | None:
        """The date of a cell; None when blank; CellError when unreadable."""
        if type(value) is str:
            text = value.strip()
        elif isinstance(value, datetime):
            return value.date()
        elif isinstance(value, date):
            return value
        else:
            text = cell_text(value)
        if not text:
            return None
        found = self._cache.get(text)
        if found is None:
            try:
                found = parse_roster_date(text)
            except DateParseError as exc:
                found = CellError(f"「{text}」{exc.reason_zh}", f"{text!r}: {exc.reason_en}")
            self._cache[text] = found
        if isinstance(found, CellError):
            raise found.copy()
        return found


# "2021-08-01 08:00", "110/08/01 8:00", "2023-06-05 08:00-09:00", "2022-07-07 09:00 ~ 10:00",
# "2021-08-01T08:00:00"; also a time alone when the date sits in its own column.
_SLOT = re.compile(
    r"^(?:(?P<date>.+?)(?:\s+|T))?"
    r"(?P<h>\d{1,2})[:：](?P<m>\d{2})(?::\d{2}(?:\.\d+)?)?"
    r"(?:\s*[-~～至到]\s*(?P<h2>\d{1,2})[:：](?P<m2>\d{2})(?::\d{2})?)?$"
)

SlotValue = tuple[datetime, datetime | None]


class SlotReader:
    """Reads booking slots (start, optional end), remembering each distinct text."""

    def __init__(self, dates: DateReader) -> None:
        self._dates = dates
        self._cache: dict[tuple[str, date | None], SlotValue | CellError] = {}

    def read(self, value: object, day_value: object = None) -> SlotValue:
        """The slot of a cell, the date taken from `day_value` when the cell has a time only."""
        if day_value is None and type(value) is str:  # the usual CSV cell: one cache look-up
            hit = self._cache.get((value, None))
            if hit is not None and not isinstance(hit, CellError):
                return hit
        if isinstance(value, datetime):
            return value.replace(second=0, microsecond=0), None
        day = self._dates.read(day_value) if day_value is not None else None
        if isinstance(value, time):
            if day is None:
                raise _no_date(value.isoformat(timespec="minutes"))
            return datetime.combine(day, value.replace(second=0, microsecond=0)), None
        if isinstance(value, date):
            raise _no_time(value.isoformat())
        text = cell_text(value)
        if not text:
            raise CellError("接種時間是空白的。", "the slot is empty")
        key = (text, day)
        found = self._cache.get(key)
        if found is None:
            try:
                found = self._parse(text, day)
            except CellError as exc:
                found = exc.copy()  # without the traceback (see CellError.copy)
            self._cache[key] = found
        if isinstance(found, CellError):
            raise found.copy()
        return found

    def _parse(self, text: str, day: date | None) -> SlotValue:
        value = unicodedata.normalize("NFKC", text).strip() if not text.isascii() else text
        m = _SLOT.match(value)
        if m is None:
            try:
                parse_roster_date(value)
            except DateParseError:
                pass
            else:
                raise _no_time(text)
            raise CellError(
                f"「{text}」不是看得懂的接種時間（例：2021-08-01 08:00、110/08/01 08:00-09:00）。",
                f"{text!r} is not a slot we read (e.g. 2021-08-01 08:00, 110/08/01 08:00-09:00)",
            )
        date_text = m.group("date")
        if date_text:
            try:
                slot_day = parse_roster_date(date_text)
            except DateParseError as exc:
                raise CellError(
                    f"接種時間「{text}」的日期{exc.reason_zh}", f"slot {text!r}: {exc.reason_en}"
                ) from None
        elif day is not None:
            slot_day = day
        else:
            raise _no_date(text)
        start = _at(slot_day, m.group("h"), m.group("m"), text)
        end = None
        if m.group("h2") is not None:
            end = _at(slot_day, m.group("h2"), m.group("m2"), text)
            if end <= start:
                raise CellError(
                    f"接種時間「{text}」的結束時間不在開始之後。",
                    f"slot {text!r} ends before it starts",
                )
        return start, end


def _at(day: date, hh: str, mm: str, text: str) -> datetime:
    hour, minute = int(hh), int(mm)
    if hour > 23 or minute > 59:
        raise CellError(
            f"接種時間「{text}」沒有 {hh}:{mm} 這個時刻。", f"slot {text!r}: no time {hh}:{mm}"
        )
    return datetime(day.year, day.month, day.day, hour, minute)


def _no_time(text: str) -> CellError:
    return CellError(
        f"接種時間「{text}」只有日期，沒有時段。", f"slot {text!r} has a date but no time"
    )


def _no_date(text: str) -> CellError:
    return CellError(
        f"接種時間「{text}」只有時刻，沒有日期（也沒有接種日期欄）。",
        f"slot {text!r} has a time but no date (and no date column)",
    )


_PHONE_NOISE: Final = str.maketrans("", "", " -()\u3000")


def clean_phone(value: object) -> tuple[str | None, bool]:
    """A phone number without spaces and dashes, and whether it looks like a Taiwan number.

    Excel drops the leading zero of `0912345678` when the column is numeric; a 9-digit
    number starting with 9 gets it back.
    """
    text = value.strip() if type(value) is str else cell_text(value)
    if len(text) == 10 and text.startswith("09") and text.isdigit():
        return text, True  # the common case: a mobile number as it should be
    if not text:
        return None, True
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    digits = text.translate(_PHONE_NOISE)
    if len(digits) == 9 and digits.startswith("9") and digits.isdigit():
        digits = "0" + digits
    if digits.startswith("+886"):
        digits = "0" + digits[4:]
    main, _, extension = digits.partition("#")
    plausible = (
        main.isdigit()
        and main.startswith("0")
        and 9 <= len(main) <= 10
        and (not extension or extension.isdigit())
    )
    return (digits if plausible else text), plausible

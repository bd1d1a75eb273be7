"""ROC (民國) and Gregorian dates as they appear on forms, rosters and ID cards.

ROC year = Gregorian year - 1911 (民國1年 = 1912). How bare digit strings are read:

* 6 digits `YYMMDD` are ROC with a two-digit year (`350411` = 民國35年 = 1946-04-11);
  Taiwanese rosters drop the leading zero of the 7-digit form, and a Gregorian `YYMMDD`
  would need a century guess, which we never make;
* 7 digits `YYYMMDD` are ROC (`0350411`, `1100101`), the form of the booking sites;
* 8 digits `YYYYMMDD` are Gregorian (`19460411`).

With separators (`/`, `-`, `.`, or 年月日): a year of 1-3 digits is ROC, 4 digits Gregorian.
`民國` in front always means ROC. Full-width digits and separators are accepted.
A date that does not exist (month 13, Feb 30, ROC year 0) raises `DateParseError`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

ROC_OFFSET: Final[int] = 1911
GREGORIAN_MIN_YEAR: Final[int] = 1800
GREGORIAN_MAX_YEAR: Final[int] = 2200

_SEPARATED = re.compile(r"(\d{1,4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})", re.ASCII)
_CJK = re.compile(r"(民國|民国)?\s*([0-9]{1,4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日?")
# Excel and database exports often append a midnight time to a date cell.
_TRAILING_TIME = re.compile(r"(\s+|T)\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", re.ASCII)


class DateParseError(ValueError):
    """A text that is not a date we can read without guessing; the message says why (zh / en)."""

    def __init__(self, text: str, reason_zh: str, reason_en: str) -> None:
        self.text = text
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        super().__init__(f"「{text}」{reason_zh} / {text!r}: {reason_en}")


def parse_date(text: str) -> date:
    """Read a date in any ROC or Gregorian form listed in the module docstring."""
    original = text
    # ASCII text is already NFKC, and only a text with a colon can end in a time.
    value = text.strip() if text.isascii() else unicodedata.normalize("NFKC", text).strip()
    if ":" in value:
        value = _TRAILING_TIME.sub("", value)
    if not value:
        raise DateParseError(original, "是空白的，沒有日期。", "empty, no date given")

    if value.isascii() and value.isdigit():
        n = len(value)
        if n == 6:
            return _build(original, int(value[:2]), int(value[2:4]), int(value[4:]), roc=True)
        if n == 7:
            return _build(original, int(value[:3]), int(value[3:5]), int(value[5:]), roc=True)
        if n == 8:
            return _build(original, int(value[:4]), int(value[4:6]), int(value[6:]), roc=False)
        raise DateParseError(
            original,
            f"有 {n} 位數字；請用 7 位民國年月日（如 0350411）或 8 位西元（如 19460411）。",
            f"{n} digits; use 7-digit ROC YYYMMDD (0350411) or 8-digit Gregorian YYYYMMDD",
        )

    m = _CJK.fullmatch(value)
    if m:
        year_text = m.group(2)
        roc = m.group(1) is not None or len(year_text) <= 3
        if m.group(1) is not None and len(year_text) == 4:
            raise DateParseError(
                original, "民國年不會有 4 位數。", "an ROC year has at most 3 digits"
            )
        return _build(original, int(year_text), int(m.group(3)), int(m.group(4)), roc=roc)

    m = _SEPARATED.fullmatch(value)
    if m:
        year_text = m.group(1)
        return _build(
            original, int(year_text), int(m.group(2)), int(m.group(3)), roc=len(year_text) <= 3
        )

    raise DateParseError(
        original,
        "不是看得懂的日期格式（例：0350411、35/04/11、民國35年4月11日、1946-04-11）。",
        "not a date format we read (e.g. 0350411, 35/04/11, 民國35年4月11日, 1946-04-11)",
    )


def format_roc(d: date) -> str:
    """The 7-digit ROC form of the booking sites: 1946-04-11 -> `0350411`."""
    return f"{_roc_year(d):03d}{d.month:02d}{d.day:02d}"


def format_roc_slash(d: date) -> str:
    """The ROC form of rosters and printouts: 1946-04-11 -> `35/04/11`."""
    return f"{_roc_year(d)}/{d.month:02d}/{d.day:02d}"


def format_roc_dotted(d: date) -> str:
    """The dotted ROC form: 1946-04-11 -> `035.04.11`."""
    return f"{_roc_year(d):03d}.{d.month:02d}.{d.day:02d}"


def format_roc_long(d: date) -> str:
    """The written ROC form of forms and record cards: 1946-04-11 -> `民國35年4月11日`."""
    return f"民國{_roc_year(d)}年{d.month}月{d.day}日"


def roc_year(d: date) -> int:
    """The ROC year of a date (1946 -> 35); raises ValueError before 1912."""
    return _roc_year(d)


def _roc_year(d: date) -> int:
    year = d.year - ROC_OFFSET
    if year < 1:
        raise ValueError(f"{d.isoformat()} is before the ROC calendar (1912)")
    return year


def _build(original: str, year: int, month: int, day: int, *, roc: bool) -> date:
    """Make the date or say exactly which part is impossible."""
    if roc:
        if year < 1:
            raise DateParseError(original, "民國年不能是 0。", "ROC year 0 does not exist")
        year += ROC_OFFSET
    elif not GREGORIAN_MIN_YEAR <= year <= GREGORIAN_MAX_YEAR:
        raise DateParseError(
            original,
            f"西元年 {year} 不合理。",
            f"Gregorian year {year} is out of range ({GREGORIAN_MIN_YEAR}-{GREGORIAN_MAX_YEAR})",
        )
    if not 1 <= month <= 12:
        raise DateParseError(original, f"沒有 {month} 月。", f"there is no month {month}")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateParseError(
            original,
            f"{month} 月沒有 {day} 日。",
            f"day {day} does not exist in month {month} of {year}",
        ) from None

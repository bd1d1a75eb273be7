"""Dose histories as rosters write them ("已接種疫苗"), read into DoseRecord entries.

Grammar (after NFKC, so full-width text reads the same)::

    history   := "" | none-word | entry (separator entry)*
    separator := ";" | "；" | "、" | "," | "，" | "|" | line break
    entry     := [dose-label] product date | date product
    product   := a product code, NIIS code or alias of the rule sets (CoV_AZ, AZ, 莫德納,
                 CoV_Pfizer/BNT, 流感 ...)
    date      := any form of `vaccination.rocdate` (2022-04-15, 111/04/15, 2022/4/15,
                 民國111年4月15日, 1110415), also a ROC year padded to four digits (0110/09/01)
    none-word := 無 | 没有 | 未接種 | none | - | 0

Product and date may touch ("AZ111/04/15") or be split by spaces, `:` or `-`. A dose
label in front ("第1劑 AZ 2021-06-15") is allowed and ignored: the order of the dates
gives the dose numbers. An entry that cannot be read is an error naming the entry; it
is never guessed or dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from operator import attrgetter
from typing import Final, cast

from vaccination.models import DoseRecord
from vaccination.rocdate import DateParseError
from vaccination.roster_cells import parse_roster_date
from vaccination.rules import Product, RuleSetRegistry

_SEPARATORS = re.compile(r"[;；、,，|\r\n]+")
_DATE = re.compile(
    r"(?:民國\s*)?\d{1,4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?"
    r"|(?<![\d./])\d{1,4}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{1,2}(?!\d)"
    r"|(?<![\d.])\d{6,8}(?!\d)"
)
_LABEL = re.compile(
    r"^(?:第\s*[\d一二三四五六七八九十]+\s*劑|追加劑|基礎加強劑|dose\s*\d+)\s*", re.I
)
_GIVEN_ON: Final = attrgetter("given_on")
_TRIM: Final[str] = " \t:：-–—()（）[]【】"
NONE_WORDS: Final[frozenset[str]] = frozenset(
    {"", "無", "无", "没有", "沒有", "未接種", "none", "n/a", "na", "-", "--", "—", "0"}
)
_NONE_MAX: Final[int] = max(len(w) for w in NONE_WORDS)


@dataclass(frozen=True)
class HistoryProblem:
    """One entry of a history text that could not be read."""

    entry: str
    reason_zh: str
    reason_en: str

    @property
    def message(self) -> str:
        """zh / en in one line."""
        return f"{self.reason_zh} / {self.reason_en}"


class DoseHistoryParser:
    """Parses history texts against one rule set registry.

    Caches each distinct entry, and below that each distinct date text, product text
    and dose: a roster's entries combine a few product spellings with a few thousand
    dates, so most new entries are made of parts already read.
    """

    def __init__(self, rules: RuleSetRegistry, source: str = "roster") -> None:
        self._rules = rules
        self._source = source
        self._entries: dict[str, DoseRecord | HistoryProblem] = {}
        self._dates: dict[str, date | tuple[str, str]] = {}  # date, or why not (zh, en)
        self._products: dict[str, Product | None] = {}
        self._records: dict[tuple[str, date], DoseRecord] = {}

    def parse(self, text: str) -> tuple[tuple[DoseRecord, ...], list[HistoryProblem]]:
        """The doses of a history text, oldest first, and the entries that could not be read."""
        stripped = text.strip()
        # Every none-word is short; casefolding a long history only to compare is waste.
        if len(stripped) <= _NONE_MAX and stripped.casefold() in NONE_WORDS:
            return (), []
        records: list[DoseRecord] = []
        problems: list[HistoryProblem] = []
        entries = self._entries
        for part in _SEPARATORS.split(stripped):
            entry = part.strip()
            if not entry:
                continue
            found = entries.get(entry)
            if found is None:
                found = entries[entry] = self._parse_entry(entry)
            if type(found) is DoseRecord:
                records.append(found)
            else:
                problems.append(cast(HistoryProblem, found))
        if len(records) > 1 and not _in_order(records):
            records.sort(key=_GIVEN_ON)
        return tuple(records), problems

    def _parse_entry(self, entry: str) -> DoseRecord | HistoryProblem:
        value = unicodedata.normalize("NFKC", entry) if not entry.isascii() else entry
        dates = list(_DATE.finditer(value))
        if not dates:
            return HistoryProblem(
                entry,
                f"接種紀錄「{entry}」沒有日期（例：CoV_AZ 2022-04-15）。",
                f"dose entry {entry!r} has no date (e.g. CoV_AZ 2022-04-15)",
            )
        if len(dates) > 1:
            return HistoryProblem(
                entry,
                f"接種紀錄「{entry}」有 {len(dates)} 個日期；每一劑請用「；」分開。",
                f"dose entry {entry!r} has {len(dates)} dates; separate doses with ';'",
            )
        m = dates[0]
        product_text = (value[: m.start()] + " " + value[m.end() :]).strip(_TRIM)
        product_text = _LABEL.sub("", product_text).strip(_TRIM)
        given_on = self._date(m.group(0))
        if not isinstance(given_on, date):
            reason_zh, reason_en = given_on
            return HistoryProblem(
                entry,
                f"接種紀錄「{entry}」的日期{reason_zh}",
                f"dose entry {entry!r}: unreadable date ({reason_en})",
            )
        if not product_text:
            return HistoryProblem(
                entry,
                f"接種紀錄「{entry}」沒有寫疫苗名稱。",
                f"dose entry {entry!r} names no vaccine",
            )
        if product_text in self._products:
            product = self._products[product_text]
        else:
            product = self._products[product_text] = self._rules.resolve_product(product_text)
        if product is None:
            return HistoryProblem(
                entry,
                f"接種紀錄「{entry}」的疫苗「{product_text}」不認識。",
                f"dose entry {entry!r}: unknown vaccine {product_text!r}",
            )
        key = (product.code, given_on)
        record = self._records.get(key)
        if record is None:
            record = self._records[key] = DoseRecord(product.code, given_on, source=self._source)
        return record

    def _date(self, text: str) -> date | tuple[str, str]:
        """The date of a date text, or why it is not one (zh, en)."""
        found = self._dates.get(text)
        if found is None:
            try:
                found = parse_roster_date(text)
            except DateParseError as exc:
                found = (exc.reason_zh, exc.reason_en)
            self._dates[text] = found
        return found


def _in_order(records: list[DoseRecord]) -> bool:
    """Whether the doses are oldest first already (as most histories are written)."""
    return all(a.given_on <= b.given_on for a, b in pairwise(records))


def parse_dose_history(
    text: str, rules: RuleSetRegistry
) -> tuple[tuple[DoseRecord, ...], list[str]]:
    """Read a history text: the doses (oldest first) and one zh / en message per bad entry."""
    records, problems = DoseHistoryParser(rules).parse(text)
    return records, [p.message for p in problems]


def format_dose_history(history: tuple[DoseRecord, ...]) -> str:
    """The canonical text of a history: `CoV_AZ 2021-06-15；CoV_AZ 2021-09-01`."""
    return "；".join(f"{d.product} {d.given_on.isoformat()}" for d in history)

"""Roster column headers: which header text means which field, and finding the header row.

Rosters come from the Tainan back office (序號, 姓名, 身分證字號, 出生年月日, 電話, 接種期別,
已接種疫苗, 接種地點, 接種時間, 接種疫苗 ...), the Taichung booking list (行政區, 管轄單位,
機構名稱, 姓名, 預約施打日期與時間, 預約疫苗種類, 劑別) and hand-made lists with English
headers. Headers are compared after NFKC (full-width to half-width), without spaces,
`*` markers, `_`, `-`, `.` and case, so `身分證字號 `, `＊身分證字號` and `ID Number` all match.
A trailing note in brackets (`出生年月日(民國)`) is ignored when the full text is unknown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

# Fields a booking cannot do without. `site` may instead come from the caller (a clinic's own list).
REQUIRED: Final[tuple[str, ...]] = ("id_number", "name", "site", "slot", "product", "dose")
# A passport column stands in for the ID column: a passport number is accepted only there.
STANDS_IN: Final[dict[str, str]] = {"id_number": "passport"}

# Field -> (zh label, en label), for messages.
FIELD_LABELS: Final[dict[str, tuple[str, str]]] = {
    "id_number": ("身分證字號", "id_number"),
    "passport": ("護照號碼", "passport"),
    "name": ("姓名", "name"),
    "birth_date": ("出生年月日", "birth_date"),
    "phone": ("電話", "phone"),
    "dose": ("接種期別", "dose"),
    "history": ("已接種疫苗", "history"),
    "site": ("接種地點", "site"),
    "slot": ("接種時間", "slot"),
    "slot_date": ("接種日期", "slot_date"),
    "product": ("接種疫苗", "product"),
    "infection_date": ("確診日期", "infection_date"),
    "infection_onset_date": ("發病日期", "infection_onset_date"),
    "other_vaccine_date": ("其他疫苗接種日", "other_vaccine_date"),
}

# Recognised names of each imported field. Keys are compared in `header_key` form.
_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "name": ("姓名", "名字", "民眾姓名", "name", "full_name", "person_name"),
    "id_number": (
        "身分證字號", "身分證號", "身分證號碼", "身分證統一編號", "身分證/居留證號",
        "身分證/居留證號碼", "證號", "證件號碼", "統一證號", "居留證號", "id_number", "id",
        "id_no", "national_id", "id_card",
    ),
    "passport": (
        "護照號碼", "護照號", "護照", "護照證號", "passport", "passport_number", "passport_no",
    ),
    "birth_date": (
        "出生年月日", "出生日期", "生日", "birth_date", "birthday", "dob", "date_of_birth",
    ),
    "phone": ("電話", "手機", "手機號碼", "聯絡電話", "行動電話", "phone", "mobile", "tel",
              "telephone"),
    "dose": ("接種期別", "劑別", "劑次", "接種劑別", "預約劑別", "dose", "dose_label",
             "dose_number"),
    "history": (
        "已接種疫苗", "已接種紀錄", "接種紀錄", "過往接種紀錄", "疫苗接種紀錄", "history",
        "dose_history", "doses_received", "previous_doses",
    ),
    "site": ("接種地點", "機構名稱", "接種站", "接種單位", "院所名稱", "site", "location", "venue"),
    "slot": (
        "接種時間", "預約施打日期與時間", "預約日期時間", "預約時段", "接種日期時間", "slot",
        "slot_start", "appointment", "time_slot", "datetime",
    ),
    "slot_date": ("接種日期", "預約日期", "預約施打日期", "slot_date", "appointment_date", "date"),
    "product": (
        "接種疫苗", "預約疫苗種類", "疫苗類別", "疫苗種類", "疫苗廠牌", "疫苗", "product",
        "vaccine", "vaccine_code",
    ),
    "infection_date": (
        "確診日期", "確診日", "感染日期", "infection_date", "covid_infection_date", "infected_on",
    ),
    "infection_onset_date": (
        "發病日期", "發病日", "症狀開始日", "onset_date", "infection_onset_date", "symptom_onset",
    ),
    "other_vaccine_date": (
        "其他疫苗接種日", "其他疫苗接種日期", "其他疫苗日期", "other_vaccine_date",
        "other_vaccine",
    ),
}  # fmt: skip

# Columns of the known layouts that the desk does not import (its own check-in state,
# administrative grouping). Recognised, so they are not reported as unknown.
_IGNORED: Final[tuple[str, ...]] = (
    "序號", "編號", "no", "row", "seq", "已報到", "報到時間", "報到號碼", "醫生不同意",
    "行政區", "管轄單位", "已接種期別", "已預約", "預約時間", "預約號碼", "是否回書", "備註",
    "checked_in", "checkin_time", "queue_number", "doctor_not_approved", "district",
    "health_station", "note", "notes", "remarks",
)  # fmt: skip

_STRIP = str.maketrans("", "", " \t\r\n\u3000*_-.:")
_BRACKETED_TAIL = re.compile(r"[(\[【].*[)\]】]$")


def header_key(text: str) -> str:
    """The form a header is compared in: NFKC, no spaces or marks, case-folded."""
    return unicodedata.normalize("NFKC", text).translate(_STRIP).casefold()


# The field name of known columns that are not imported.
IGNORED: Final[str] = "ignored"


def _build_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for field, names in _ALIASES.items():
        for name in names:
            key = header_key(name)
            if key in table:
                raise AssertionError(f"header alias {name!r} listed twice")
            table[key] = field
    for name in _IGNORED:
        table.setdefault(header_key(name), IGNORED)
    return table


_LOOKUP: Final[dict[str, str]] = _build_lookup()


def field_for_header(text: str) -> str | None:
    """The field a header names, `IGNORED` for a known column not imported, None if unknown."""
    key = header_key(text)
    found = _LOOKUP.get(key)
    if found is None:
        stripped = _BRACKETED_TAIL.sub("", key)
        if stripped and stripped != key:
            found = _LOOKUP.get(stripped)
    return found


@dataclass(frozen=True)
class HeaderMap:
    """Where each field sits in the rows, and what else the header row holds."""

    row_index: int  # 0-based index of the header row in the file's rows
    columns: dict[str, int]  # field -> 0-based column
    headers: dict[str, str]  # field -> header text as written
    unknown: tuple[str, ...]  # header texts we do not know
    ignored: tuple[str, ...]  # known header texts we do not import
    duplicates: tuple[tuple[str, str, str], ...]  # (field, first header, second header)
    width: int  # number of header cells

    def missing(self, required: tuple[str, ...] = REQUIRED) -> list[str]:
        """Required fields with no column (nor the column that may stand in for it)."""
        return [
            f for f in required if f not in self.columns and STANDS_IN.get(f) not in self.columns
        ]


def map_header(cells: list[str], row_index: int) -> HeaderMap:
    """Map one header row's cells to fields."""
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    ignored: list[str] = []
    duplicates: list[tuple[str, str, str]] = []
    for i, cell in enumerate(cells):
        text = " ".join(cell.split())
        if not text:
            continue
        field = field_for_header(text)
        if field is None:
            unknown.append(text)
        elif field == IGNORED:
            ignored.append(text)
        else:
            if field in columns:
                duplicates.append((field, headers[field], text))
                continue
            columns[field] = i
            headers[field] = text
    return HeaderMap(
        row_index=row_index,
        columns=columns,
        headers=headers,
        unknown=tuple(unknown),
        ignored=tuple(ignored),
        duplicates=tuple(duplicates),
        width=len(cells),
    )


# A title line or two ("台南 COVID-19 疫苗接種預約系統") may sit above the header.
HEADER_SEARCH_ROWS: Final[int] = 20


def find_header(rows: list[list[str]]) -> HeaderMap | None:
    """The first row among the top ones that looks like a roster header, or None.

    A header names the ID number or the name and at least two other imported fields.
    """
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if not any(c.strip() for c in cells):
            continue
        hm = map_header(cells, index)
        named = {"id_number", "passport", "name"} & hm.columns.keys()
        if named and len(hm.columns) >= 3:
            return hm
    return None


def field_label(field: str) -> tuple[str, str]:
    """The zh and en label of a field, for messages."""
    return FIELD_LABELS.get(field, (field, field))

"""The manager's roster table: a flat Qt model over RosterRow with fast filtering.

At 100,000 rows a QSortFilterProxyModel takes 300-460 ms per keystroke. Here each row's
searchable text is lower-cased once when the roster loads (with the rows, off the GUI
thread: `RosterData`), a filter is a list comprehension over those keys (plus the
status/slot/product/flag filters), and the model is reset with the matching row
indices: 7-13 ms at 100,000 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from station_app.desk_api import RosterRow
from station_app.i18n import language

_Index = QModelIndex | QPersistentModelIndex

_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_BACKGROUND = Qt.ItemDataRole.BackgroundRole.value
_ANSWERED_ROLES = frozenset((_DISPLAY, _BACKGROUND))


# Column keys in the Tainan back-office order (seed 000, appendix 1), then today's state.
COLUMNS: tuple[str, ...] = (
    "row_number",
    "name",
    "id",
    "birth_date",
    "phone",
    "dose_label",
    "history_text",
    "site",
    "slot",
    "product",
    "checked_in",
    "checkin_time",
    "queue_number",
    "not_approved",
    "vaccinated",
    "flags",
)


def column_titles() -> list[str]:
    """Column headers in the interface language (the Tainan names in Chinese)."""
    return [
        QCoreApplication.translate("RosterModel", "序號"),
        QCoreApplication.translate("RosterModel", "姓名"),
        QCoreApplication.translate("RosterModel", "身分證字號"),
        QCoreApplication.translate("RosterModel", "出生年月日"),
        QCoreApplication.translate("RosterModel", "電話"),
        QCoreApplication.translate("RosterModel", "接種期別"),
        QCoreApplication.translate("RosterModel", "已接種疫苗"),
        QCoreApplication.translate("RosterModel", "接種地點"),
        QCoreApplication.translate("RosterModel", "接種時間"),
        QCoreApplication.translate("RosterModel", "接種疫苗"),
        QCoreApplication.translate("RosterModel", "已報到"),
        QCoreApplication.translate("RosterModel", "報到時間"),
        QCoreApplication.translate("RosterModel", "報到號碼"),
        QCoreApplication.translate("RosterModel", "醫生不同意"),
        QCoreApplication.translate("RosterModel", "今日已接種"),
        QCoreApplication.translate("RosterModel", "註記"),
    ]


STATUS_ALL = "all"
STATUS_NOT_ARRIVED = "not_arrived"
STATUS_CHECKED_IN = "checked_in"
STATUS_VACCINATED = "vaccinated"
STATUS_NOT_APPROVED = "not_approved"


@dataclass(frozen=True)
class RosterFilter:
    """What the manager narrowed the table to; empty strings mean "any"."""

    text: str = ""
    status: str = STATUS_ALL
    slot: str = ""  # "HH:MM"
    product: str = ""
    flagged_only: bool = False


@dataclass(frozen=True)
class RosterData:
    """A day's roster and what the filters need, built with it off the GUI thread."""

    rows: list[RosterRow]
    keys: list[str]  # each row's searchable text, lower-cased
    slots: list[str]  # "HH:MM" of the day's slots
    products: list[str]

    @classmethod
    def of(cls, rows: list[RosterRow]) -> RosterData:
        keys = [
            " ".join(
                (
                    r.name,
                    r.id_number,
                    r.phone or "",
                    r.queue_number or "",
                    r.product,
                    r.dose_label,
                    "" if r.row_number is None else str(r.row_number),
                )
            ).lower()
            for r in rows
        ]
        # A few dozen slot times are shared by 100,000 rows: each is formatted once.
        slots = sorted({t.strftime("%H:%M") for t in {r.slot_start for r in rows}})
        return cls(rows, keys, slots, sorted({r.product for r in rows}))


@cache
def _brush(color: str) -> QBrush:
    """One brush per row colour, made when first painted (not while the desk starts)."""
    return QBrush(QColor(color))


def _status_ok(row: RosterRow, status: str) -> bool:
    if status == STATUS_NOT_ARRIVED:
        return not row.checked_in
    if status == STATUS_CHECKED_IN:
        return row.checked_in
    if status == STATUS_VACCINATED:
        return row.vaccinated
    if status == STATUS_NOT_APPROVED:
        return row.doctor_not_approved
    return True


def dose_text(label: str | None, dose: int) -> str:
    """接種期別 as people read it: the roster's own words, or 第N劑 for a bare number."""
    label = (label or "").strip()
    if label and not label.isdigit() and language() != "en":
        return label
    return QCoreApplication.translate("RosterModel", "第{dose}劑").format(dose=dose)


def cell_text(row: RosterRow, column: str, revealed: bool = False) -> str:
    """The displayed (and exported) text of one cell."""
    yes = QCoreApplication.translate("RosterModel", "是")
    if column == "row_number":
        return "" if row.row_number is None else str(row.row_number)
    if column == "name":
        return row.name
    if column == "id":
        return row.id_number if revealed else row.masked_id
    if column == "birth_date":
        return row.birth_date.isoformat() if row.birth_date else ""
    if column == "phone":
        return row.phone or ""
    if column == "dose_label":
        return dose_text(row.dose_label, row.dose)
    if column == "history_text":
        return row.history_text
    if column == "site":
        return row.site
    if column == "slot":
        return row.slot_start.strftime("%Y-%m-%d %H:%M")
    if column == "product":
        return row.product
    if column == "checked_in":
        return yes if row.checked_in else ""
    if column == "checkin_time":
        return row.checkin_time.strftime("%H:%M:%S") if row.checkin_time else ""
    if column == "queue_number":
        return row.queue_number or ""
    if column == "not_approved":
        return yes if row.doctor_not_approved else ""
    if column == "vaccinated":
        return yes if row.vaccinated else ""
    if column == "flags":
        marks = list(row.flags)
        if row.walk_in:
            marks.insert(0, QCoreApplication.translate("RosterModel", "現場加入"))
        return " ".join(marks)
    raise KeyError(column)


def cell_value(row: RosterRow, column: str, full_id: bool = False) -> str | date | datetime:
    """The exported value of one cell: dates and times as such (for Excel), else text."""
    if column == "birth_date" and row.birth_date is not None:
        return row.birth_date
    if column == "slot":
        return row.slot_start
    if column == "checkin_time" and row.checkin_time is not None:
        return row.checkin_time.replace(tzinfo=None)
    return cell_text(row, column, full_id)


class RosterTableModel(QAbstractTableModel):
    """The day's roster; `apply_filter` narrows it without a proxy model."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._data = RosterData([], [], [], [])
        self._rows: list[RosterRow] = []
        self._keys: list[str] = []
        self._visible: list[int] = []
        # The search texts typed so far, each inside the next ("王", "王家", ...), with
        # the rows each matched: one more character narrows the last one's rows, a
        # deleted one goes back to the rows kept for the shorter text, so a keystroke
        # rarely scans all 100,000 keys.
        self._narrowing: list[tuple[str, list[int]]] = []
        self._titles = column_titles()
        self.revealed: set[str] = set()
        self.current = RosterFilter()

    # -- data ---------------------------------------------------------------------------

    def set_roster(self, data: RosterData) -> None:
        """Load a fresh roster; keeps the current filter."""
        self._data = data
        self._rows = data.rows
        self._keys = data.keys
        self._narrowing = []
        self.apply_filter(self.current)

    def apply_filter(self, spec: RosterFilter) -> int:
        """Show only the rows matching `spec`; returns how many match."""
        self.current = spec
        needle = spec.text.strip().lower()
        rows = self._rows
        candidates = self._text_matches(needle) if needle else list(range(len(rows)))
        if spec.status != STATUS_ALL:
            candidates = [i for i in candidates if _status_ok(rows[i], spec.status)]
        if spec.slot:
            hour, minute = (int(part) for part in spec.slot.split(":"))
            candidates = [
                i
                for i in candidates
                if rows[i].slot_start.hour == hour and rows[i].slot_start.minute == minute
            ]
        if spec.product:
            candidates = [i for i in candidates if rows[i].product == spec.product]
        if spec.flagged_only:
            candidates = [i for i in candidates if rows[i].flags or rows[i].walk_in]
        self.beginResetModel()
        self._visible = candidates
        self.endResetModel()
        return len(candidates)

    def _text_matches(self, needle: str) -> list[int]:
        narrowing = self._narrowing
        while narrowing and narrowing[-1][0] not in needle:
            narrowing.pop()
        if narrowing and narrowing[-1][0] == needle:
            return narrowing[-1][1]
        keys = self._keys
        if narrowing:
            matches = [i for i in narrowing[-1][1] if needle in keys[i]]
        else:
            matches = [i for i, k in enumerate(keys) if needle in k]
        narrowing.append((needle, matches))
        return matches

    def row_at(self, visible_row: int) -> RosterRow:
        return self._rows[self._visible[visible_row]]

    def visible_rows(self) -> list[RosterRow]:
        return [self._rows[i] for i in self._visible]

    def all_rows(self) -> list[RosterRow]:
        return self._rows

    def slots(self) -> list[str]:
        return self._data.slots

    def products(self) -> list[str]:
        return self._data.products

    def reveal(self, id_number: str | None) -> None:
        """Show this one person's full ID (None: nobody's); any earlier reveal ends."""
        self.revealed = {id_number} if id_number else set()
        col = COLUMNS.index("id")
        self.dataChanged.emit(self.index(0, col), self.index(self.rowCount() - 1, col))

    # -- Qt model API ---------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._titles[section]
        return str(section + 1)

    def data(self, index: _Index, role: int = _DISPLAY) -> Any:
        # A painted cell is asked for seven roles: the five left unset return at once.
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        row = self._rows[self._visible[index.row()]]
        if role == _DISPLAY:
            return cell_text(row, COLUMNS[index.column()], row.id_number in self.revealed)
        if row.doctor_not_approved:
            return _brush("#fde2e1")
        if row.vaccinated:
            return _brush("#dcf2e3")
        if row.checked_in:
            return _brush("#e3eefc")
        return None

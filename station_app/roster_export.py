"""Export the manager's list (匯出列表) to CSV and XLSX, safe to open in Excel.

A cell that starts with = + - @ (or a tab / carriage return) would run as a formula
in Excel (CSV injection). In the CSV such cells get a leading apostrophe (a CSV has
no other way to say "text"); the CSV is UTF-8 with a BOM so Excel on a Traditional
Chinese Windows reads the Chinese correctly. The XLSX is a sheet a manager would make:
every cell a typed value (text stays text, shown without an apostrophe: the cell is
marked text-only), dates and times as dates, the header frozen with an autofilter,
and the columns as wide as their contents.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | date | datetime


def safe_cell(value: str) -> str:
    """The text as Excel will show it, never as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _text(value: Cell) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> int:
    """Write the table; returns the number of data rows."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(_text(c)) for c in row])
    return len(rows)


def _width(value: Cell) -> float:
    text = _text(value)
    # CJK characters take about two columns of Excel's width unit.
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> int:
    """Write the table as one formatted sheet; returns the number of data rows."""
    from openpyxl import Workbook  # lazy: keeps the desk's start-up fast
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名冊")
    widths = [_width(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _width(value))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(60.0, w + 2.0)
    ws.freeze_panes = "A2"
    last = get_column_letter(max(1, len(header)))
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    bold = Font(bold=True)

    def cell(value: Cell, header_cell: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            # Text, whatever it starts with: never a formula, and Excel shows no quote.
            c.data_type = "s"
            c.quotePrefix = value.startswith(_FORMULA_START)
        elif isinstance(value, datetime):
            c.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            c.number_format = "yyyy-mm-dd"
        if header_cell:
            c.font = bold
        return c

    ws.append([cell(h, True) for h in header])
    for row in rows:
        ws.append([cell(v) for v in row])
    wb.save(str(path))
    return len(rows)

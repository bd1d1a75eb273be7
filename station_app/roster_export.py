"""Export the manager's list (匯出列表) to CSV and XLSX, safe to open in Excel.

A cell that starts with = + - @ (or a tab / carriage return) would run as a formula
in Excel (CSV injection); such cells get a leading apostrophe. The CSV is UTF-8 with
a BOM so Excel on a Traditional Chinese Windows reads the Chinese correctly.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The text as Excel will show it, never as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """Write the table; returns the number of data rows."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(c) for c in row])
    return len(rows)


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    """Write the table as one sheet of plain text cells; returns the number of data rows."""
    from openpyxl import Workbook  # lazy: keeps the desk's start-up fast

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名冊")
    ws.append([safe_cell(h) for h in header])
    for row in rows:
        # openpyxl stores a string starting with "=" as a formula: safe_cell prevents it.
        ws.append([safe_cell(c) for c in row])
    wb.save(str(path))
    return len(rows)

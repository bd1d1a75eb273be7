"""Roster import speed: write a demo roster, read it (CSV UTF-8/Big5, XLSX), store it; print times.

Run: .venv/bin/python bench/bench_roster_import.py [rows]   (default 100,000)
Prints wall and CPU seconds per stage; the machine may be shared, so CPU time is the
steadier figure. Nothing is asserted.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from vaccination.demo_roster import write_demo_roster
from vaccination.ids import check_id
from vaccination.roster_files import read_sheet
from vaccination.roster_import import ImportReport, import_sheet
from vaccination.rules import load_rule_sets

T = TypeVar("T")
DAY = date(2026, 11, 23)


def timed(label: str, fn: Callable[[], T]) -> T:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<44} wall {wall:6.3f} s   cpu {cpu:6.3f} s")
    return result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rules = load_rule_sets()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{rows:,} rows, demo roster of {DAY}")
        for encoding in ("utf-8-sig", "big5"):
            path = folder / f"demo-{encoding}.csv"
            timed(
                f"write demo roster ({encoding})",
                lambda p=path, e=encoding: write_demo_roster(p, rows, DAY, e, seed=1),
            )
            sheet = timed(
                f"  decode + CSV ({path.stat().st_size / 1e6:.1f} MB)", lambda p=path: read_sheet(p)
            )
            report: ImportReport = timed(
                "  validate rows (import_sheet)", lambda s=sheet: import_sheet(s, rules)
            )
            print(f"  -> {report.summary().splitlines()[1]}")
        ids = [e.person.id_number for e in report.rows]
        gc.disable()  # as during the import
        timed("  of which: check_id alone on every ID", lambda: [check_id(i) for i in ids])
        gc.enable()

        try:
            from station_app.store import Store
        except ImportError as exc:  # the store is another part; say so instead of failing
            print(f"store insert skipped: {exc}")
        else:
            store = Store.open(folder / "desk.db")
            try:
                counts = timed(
                    "store insert (first import)", lambda: store.import_entries(report.rows)
                )
                print(f"  -> {counts}")
                again = timed(
                    "store insert (same file again)", lambda: store.import_entries(report.rows)
                )
                print(f"  -> {again}")
            finally:
                store.close()

        xlsx_rows = min(rows, 20_000)
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("名冊")
        for r in sheet.rows[: xlsx_rows + 1]:
            ws.append(r)
        xlsx = folder / "demo.xlsx"
        wb.save(xlsx)
        sheet_x = timed(
            f"read XLSX ({xlsx_rows:,} rows, openpyxl read-only)", lambda: read_sheet(xlsx)
        )
        timed("  validate rows", lambda: import_sheet(sheet_x, rules))


if __name__ == "__main__":
    main()

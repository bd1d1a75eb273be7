"""Time a 100,000-row roster import: parse+validate, store insert, and the total.

Generates the roster with the demo generator, reads it with the roster importer and
inserts it into a fresh store. Prints figures only:
`.venv/bin/python bench/bench_import.py [--people N] [--keep DIR]`.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from station_app.store import Store  # noqa: E402
from vaccination.demo_roster import write_demo_roster  # noqa: E402
from vaccination.roster_import import read_roster  # noqa: E402
from vaccination.rules import load_rule_sets  # noqa: E402

DAY = date(2026, 11, 23)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(folder: Path, people: int) -> tuple[Path, dict[str, float]]:
    """Write, read and import the roster; return the database path and the timings."""
    roster = folder / "roster.csv"
    started = time.perf_counter()
    write_demo_roster(roster, people, DAY, "utf-8-sig", 7)
    generated = time.perf_counter() - started
    rules = load_rule_sets()
    gc.collect()
    started = time.perf_counter()
    report = read_roster(roster, rules)
    parsed = time.perf_counter() - started
    store = Store.open(folder / "desk.db")
    started = time.perf_counter()
    counts = store.import_entries(report)
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    again = store.import_entries(report)
    reimported = time.perf_counter() - started
    store.close()
    assert again.bookings_added == 0
    return folder / "desk.db", {
        "generate": generated,
        "parse": parsed,
        "insert": inserted,
        "reimport": reimported,
        "rows": float(len(report.rows)),
        "rejected": float(len(report.rejected)),
        "bookings": float(counts.bookings_added),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="write roster.csv and desk.db here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        _, t = build(folder, args.people)
    rows = t["rows"]
    total = t["parse"] + t["insert"]
    print(f"roster: {args.people} people -> {rows:.0f} accepted, {t['rejected']:.0f} rejected")
    print(f"generate demo file      {t['generate']:7.2f} s")
    print(f"parse + validate        {t['parse']:7.2f} s  {rows / t['parse']:10,.0f} rows/s")
    print(f"insert (one tx)         {t['insert']:7.2f} s  {rows / t['insert']:10,.0f} rows/s")
    print(f"parse+validate+insert   {total:7.2f} s  {rows / total:10,.0f} rows/s")
    print(f"re-import (no changes)  {t['reimport']:7.2f} s")
    print(f"peak RSS                {peak_rss_mib():7.0f} MiB")


if __name__ == "__main__":
    main()

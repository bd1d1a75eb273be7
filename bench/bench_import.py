"""Time a 100,000-row roster import: parse+validate, store insert, and the total.

Generates the roster with the demo generator, reads it with the roster importer and
inserts it into a fresh store. Prints wall and CPU seconds per stage (on a shared
machine the CPU time of this process is the steadier figure); figures only:
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


class Clock:
    """Wall and CPU seconds of one stage."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def build(folder: Path, people: int) -> tuple[Path, dict[str, float]]:
    """Write, read and import the roster; return the database path and the figures.

    Stage figures are wall seconds under the stage name and CPU seconds under
    `<stage>_cpu` (bench_assess reuses this to build its store).
    """
    roster = folder / "roster.csv"
    figures: dict[str, float] = {}

    def record(stage: str, clock: Clock) -> None:
        figures[stage], figures[f"{stage}_cpu"] = clock.stop()

    clock = Clock()
    write_demo_roster(roster, people, DAY, "utf-8-sig", 7)
    record("generate", clock)
    rules = load_rule_sets()
    gc.collect()
    clock = Clock()
    report = read_roster(roster, rules)
    record("parse", clock)
    # The parse runs with the cyclic collector off; the collection it defers comes due
    # right after. Timed on its own so that it is neither hidden nor charged to the insert.
    clock = Clock()
    gc.collect()
    record("gc", clock)
    store = Store.open(folder / "desk.db")
    clock = Clock()
    counts = store.import_entries(report.rows)
    record("insert", clock)
    clock = Clock()
    again = store.import_entries(report.rows)
    record("reimport", clock)
    store.close()
    assert again.bookings_added == 0
    assert counts.bookings_added == len(report.rows)
    figures["rows"] = len(report.rows)
    figures["rejected"] = len(report.rejected)
    figures["bookings"] = counts.bookings_added
    figures["doses"] = counts.doses_added
    return folder / "desk.db", figures


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
    for suffix in ("", "_cpu"):
        t[f"total{suffix}"] = t[f"parse{suffix}"] + t[f"insert{suffix}"]
    print(
        f"roster: {args.people} people -> {rows:.0f} accepted, {t['rejected']:.0f} rejected, "
        f"{t['doses']:.0f} dose records"
    )
    print(f"{'stage':<24}{'wall':>9}{'cpu':>9}{'rows/s (wall)':>16}")
    for key, label in (
        ("generate", "generate demo file"),
        ("parse", "parse + validate"),
        ("gc", "  deferred full gc"),
        ("insert", "insert (one tx)"),
        ("total", "parse+validate+insert"),
        ("reimport", "re-import (no changes)"),
    ):
        wall, cpu = t[key], t[f"{key}_cpu"]
        print(f"{label:<24}{wall:7.2f} s{cpu:7.2f} s{rows / wall:16,.0f}")
    print(f"peak RSS                {peak_rss_mib():7.0f} MiB")


if __name__ == "__main__":
    main()

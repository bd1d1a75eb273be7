"""Issue 13's scripted site day at full size: 2,500 people a site, two sites.

The day of tests/sync_server/site_day_script.py (the one test_site_day_script.py plays
with 150 a site): the bureau's roster upload, four check-in desks and a doctor desk at
TN01 and two desks at TN02 (real stores, check-in services and sync clients; desk A's
tickets through the TCP printer emulator), three outages, the double check-in, the
cancellations and central addition, the replacement PC at noon, the traveller and the
printer jam. The server is `vaxdesk server` in a child process (one worker), stopped and
started again for the outages.

Prints: check-in p50/p99 (the desk's CheckinService.check_in, in the script's process
with every other desk and its print worker running), the time for a check-in at desk A
to reach the doctor desk's queue (desk A's push and the doctor desk's pull, run at once:
a desk's sync interval, 5 s by default, comes on top), the reconciliation of each site
(the HTTP call, the server's answer whole), the whole day's wall time, and whether the
reconciliation, the NIIS export and the stock report equal the script's ground truth.

    .venv/bin/python bench/bench_site_day.py [--people 2500] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _folder in ("station_app", "sync_server", "printing"):  # as tests/conftest.py does
    sys.path.append(str(ROOT / "tests" / _folder))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from live_server import ProcessServer  # noqa: E402
from pg_scratch import scratch_database  # noqa: E402
from site_day_script import DayResult, SiteDay, plan_day  # noqa: E402


@contextmanager
def database(kind: str, folder: Path, postgres: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'server.db'}"
    else:
        with scratch_database(postgres, "vaxdesk_bench") as url:
            yield url


def ms(seconds: list[float]) -> str:
    """p50 / p99 / max in milliseconds."""
    q = statistics.quantiles(seconds, n=100, method="inclusive")
    return f"p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"


def agreement(result: DayResult) -> list[str]:
    """Which of the bureau's books differ from the script's ground truth (none: [])."""
    wrong = []
    for code, truth in result.truth.items():
        reports = result.reports[code]
        rec = reports.reconciliation
        if rec["counts"] != truth.counts():
            wrong.append(f"{code} counts {rec['counts']} != {truth.counts()}")
        doses = sorted(
            (r["masked_id"], r["name"], r["product"], r["lot"], r["dose"], r["desk"], r["at"])
            for r in rec["vaccinations"]
        )
        if doses != truth.expected_vaccinations():
            wrong.append(f"{code} reconciliation vaccinations")
        if sorted(reports.niis) != truth.expected_niis():
            wrong.append(f"{code} NIIS export")
        if sorted(reports.stock) != truth.expected_stock():
            wrong.append(f"{code} stock report")
    return wrong + result.surprises


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2500, help="people booked a site")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    plan = plan_day(args.people)
    with TemporaryDirectory() as tmp, database(args.db, Path(tmp), args.postgres) as url:
        server = ProcessServer(url).start()
        try:
            result = SiteDay(server, Path(tmp), measure=True).run(plan)
        finally:
            server.stop()
    t = result.timings
    print(f"site day, {args.people:,} people a site, two sites, server on {args.db}")
    print(f"  check-ins: {len(t.checkin_seconds):,}; {ms(t.checkin_seconds)}")
    print(f"  check-in to the doctor desk ({len(t.to_doctor_seconds)}): {ms(t.to_doctor_seconds)}")
    for code, seconds in t.reconciliation_seconds.items():
        print(f"  reconciliation {code}: {seconds * 1000:.0f} ms")
    restarts = f"{t.restart_seconds:.0f} s of it starting the server again"
    print(f"  the whole day: {t.day_seconds:.0f} s ({restarts})")
    wrong = agreement(result)
    print("  books equal the script's ground truth" if not wrong else f"  DIFFER: {wrong}")


if __name__ == "__main__":
    main()

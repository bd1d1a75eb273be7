"""Scan-to-assessment latency on a 100,000-person store: 10,000 random lookups.

Each lookup is what a scan costs at the desk: `CheckinService.assess(raw)` (normalise,
read the person's facts with the prepared queries, assess against the loaded rules).
Prints figures only: `.venv/bin/python bench/bench_assess.py [--people N] [--lookups N]`.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import DAY, build  # noqa: E402

from station_app.checkin_service import CheckinService  # noqa: E402
from station_app.store import Store  # noqa: E402
from station_app.store.lookups import TAIPEI  # noqa: E402
from station_app.store.tables import people  # noqa: E402
from vaccination.rules import load_rule_sets  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, _ = build(Path(tmp), args.people)
        gc.collect()
        store = Store.open(db)
        with store.read() as conn:
            ids = [
                r.id_number
                for r in conn.execute(people.select().with_only_columns(people.c.id_number))
            ]
        rng = random.Random(11)
        # Mostly people on the roster, some typos and strangers, as at a real desk.
        raws = [rng.choice(ids) for _ in range(args.lookups)]
        for i in range(0, len(raws), 20):
            raws[i] = (
                raws[i][:-1] + str((int(raws[i][-1]) + 1) % 10)
                if raws[i][-1].isdigit()
                else raws[i]
            )
        at = datetime.combine(DAY, dtime(9, 10), tzinfo=TAIPEI)
        site = store.main_site(DAY) or ""
        svc = CheckinService(store, load_rule_sets(), site, "A", DAY, clock=lambda: at)
        for raw in raws[:200]:
            svc.assess(raw)  # warm the statement cache
        samples = []
        for raw in raws:
            started = time.perf_counter()
            svc.assess(raw)
            samples.append((time.perf_counter() - started) * 1000)
        store.close()
    samples.sort()
    n = len(samples)
    print(f"store: {len(ids):,} people; {n:,} lookups+assessments at {site}")
    print(f"p50  {samples[n // 2]:.3f} ms")
    print(f"p90  {samples[int(n * 0.90)]:.3f} ms")
    print(f"p99  {samples[int(n * 0.99)]:.3f} ms")
    print(f"max  {samples[-1]:.3f} ms   mean {statistics.fmean(samples):.3f} ms")


if __name__ == "__main__":
    main()

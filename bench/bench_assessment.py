"""Time `vaccination.assessment.assess` and the ID/date helpers on the scan-to-screen path.

Prints figures only (no assertions): run `.venv/bin/python bench/bench_assessment.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date, datetime

from vaccination.assessment import AssessmentInput, assess
from vaccination.ids import check_id
from vaccination.models import Booking, CheckinFact, DoseRecord, Person
from vaccination.rocdate import parse_date
from vaccination.rules import load_rule_sets

SITE = "台南都會公園"
ID = "A123456789"


def measure(name: str, fn: Callable[[], object], rounds: int = 50, per_round: int = 400) -> None:
    """Print median and p99 of the per-call time over `rounds` batches."""
    for _ in range(200):
        fn()  # warm caches
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        samples.append((time.perf_counter() - start) / per_round * 1e6)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"{name:<44} median {statistics.median(samples):7.1f} us   p99(batch) {p99:7.1f} us")


def main() -> None:
    """Run the benchmarks and print one line per case."""
    t0 = time.perf_counter()
    rules = load_rule_sets()
    print(f"{'load_rule_sets (4 files)':<44} {(time.perf_counter() - t0) * 1e3:7.1f} ms")
    person = Person(ID, "王小明", date(1980, 5, 1))
    today = datetime(2026, 11, 22, 9, 10)
    clean = AssessmentInput(
        raw=ID,
        id_check=check_id(ID),
        person=person,
        bookings=(Booking(ID, SITE, datetime(2026, 11, 22, 9, 0), "CoV_BNT", 1),),
        site=SITE,
        at=today,
    )
    busy = AssessmentInput(
        raw=ID,
        id_check=check_id(ID),
        person=person,
        bookings=(
            Booking(ID, SITE, datetime(2026, 11, 22, 9, 0), "CoV_Moderna", 3),
            Booking(ID, "新營體育場", datetime(2026, 12, 1, 9, 0), "CoV_Moderna", 3),
        ),
        history=(
            DoseRecord("CoV_AZ", date(2026, 6, 1)),
            DoseRecord("CoV_AZ", date(2026, 9, 1)),
            DoseRecord("Flu", date(2026, 11, 15)),
        ),
        infection_date=date(2026, 10, 1),
        checkins=(CheckinFact(SITE, "B", "B012", datetime(2026, 11, 22, 8, 55)),),
        site=SITE,
        at=datetime(2026, 11, 22, 8, 0),
    )
    measure("check_id (scanner noise)", lambda: check_id("\x02*A123456789*\x03\r\n"))
    measure("parse_date('民國35年4月11日')", lambda: parse_date("民國35年4月11日"))
    measure("assess: clean booking, no flags", lambda: assess(clean, rules))
    busy_flags = len(assess(busy, rules).flags)
    measure(f"assess: busy case ({busy_flags} flags)", lambda: assess(busy, rules))


if __name__ == "__main__":
    main()

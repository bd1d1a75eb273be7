"""Time the bureau's reconciliation of site days (issue 13, defect 10). Prints figures only.

    .venv/bin/python bench/bench_reconcile.py [--people 2500] [--sites 10] [--city 100000]

A live server on SQLite (loopback), one roster of `--people` per site uploaded as the
bureau does, and a day of check-in, approval and dose for 88 % of them pushed by a desk.
Printed:
1. one site's reconciliation, alone in the database (in process, median of 5);
2. the same after another site's day grew to `--city` events (the cost must follow the
   site's day, not the city's);
3. reconciling every one of `--sites` site days in turn (the bureau's Today page), total;
4. the same site over HTTP, JSON with the per-person lists (median of 5).
Targets (issue 13): under 0.2 s for one site whatever the city's volume; a 10-site day
under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "sync_server"), str(ROOT / "tests" / "station_app")]
from desks import DAY  # noqa: E402
from live_server import Admin, ThreadServer, auth  # noqa: E402
from store_fixtures import rules  # noqa: E402

from sync_server.db.engine import make_engine, reading  # noqa: E402
from sync_server.services import reconcile  # noqa: E402
from sync_server.services.accounts import site_by_code  # noqa: E402
from vaccination.demo_roster import write_demo_roster  # noqa: E402
from vaccination.roster_import import read_roster  # noqa: E402


def day_events(site: str, people: list[str], desk: str = "A") -> list[dict[str, object]]:
    """Check-in, approval and dose of each person, as one desk pushes them."""
    out: list[dict[str, object]] = []
    for i, person in enumerate(people):
        checkin_id = str(uuid.uuid4())
        steps = (
            ("checkin", checkin_id, {"queue_number": f"{desk}{i + 1:04d}"}),
            ("doctor_decision", str(uuid.uuid4()), {"checkin_id": checkin_id, "approved": True}),
            (
                "vaccination",
                str(uuid.uuid4()),
                {"checkin_id": checkin_id, "product": "CoV_Moderna", "lot": "M1", "dose": 1},
            ),
        )
        for kind, event_id, extra in steps:
            seq = len(out) + 1
            minute = seq // 6
            out.append(
                {
                    "event_id": event_id,
                    "site": site,
                    "desk": desk,
                    "seq": seq,
                    "at": f"{DAY}T{8 + minute // 60 % 12:02d}:{minute % 60:02d}:00+08:00",
                    "kind": kind,
                    "payload": {"day": DAY.isoformat(), "id_number": person, **extra},
                }
            )
    return out


@dataclass(frozen=True)
class SiteDay:
    """A site with its uploaded roster, its desk's token and the people who came."""

    code: str
    name: str
    token: str
    came: list[str]

    def push(self, url: str, events: list[dict[str, object]]) -> None:
        for start in range(0, len(events), 2000):
            r = httpx.post(
                f"{url}/api/v1/sites/{self.code}/events",
                json={"events": events[start : start + 2000]},
                headers=auth(self.token),
                timeout=300,
            )
            assert r.status_code == 200, r.text


def add_site(admin: Admin, folder: Path, code: str, people: int, seed: int) -> SiteDay:
    """A site with its roster uploaded; 88 % of its people come."""
    name = f"測試場所{code}"
    admin.site(code, name)
    path = folder / f"{code}.csv"
    write_demo_roster(path, people, DAY, seed=seed)
    text = path.read_text(encoding="utf-8-sig")
    # The demo roster names its own site: file every row under this one.
    rows = read_roster(path, rules()).rows
    for site in {r.booking.site for r in rows}:
        text = text.replace(site, name)
    path.write_text(text, encoding="utf-8-sig")
    with path.open("rb") as fh:
        r = admin.call("POST", f"/api/v1/sites/{code}/rosters/{DAY}", files={"file": fh})
    assert r.status_code == 200, r.text
    ids = [e.person.id_number for e in rows]
    return SiteDay(code, name, admin.desk(code, "A"), ids[: int(len(ids) * 0.88)])


def median_seconds(work: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2500)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--city", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    server = ThreadServer(f"sqlite:///{folder / 'server.db'}", auth_cache_seconds=0).start()
    admin = Admin(server.url)
    engine = make_engine(server.database_url)
    registry = rules()
    try:
        codes = [f"S{n:02d}" for n in range(args.sites)]
        for n, code in enumerate(codes):
            site = add_site(admin, folder, code, args.people, seed=n)
            site.push(server.url, day_events(site.name, site.came))

        def one(code: str) -> Callable[[], object]:
            def run() -> object:
                with reading(engine) as conn:
                    return reconcile.reconcile(conn, site_by_code(conn, code), DAY, registry)

            return run

        alone = median_seconds(one(codes[0]))
        print(f"one site ({args.people:,} booked), {args.sites} sites' days stored: {alone:.3f} s")
        every = median_seconds(lambda: [one(code)() for code in codes], runs=3)
        print(f"all {args.sites} site days in turn: {every:.2f} s (target < 2 s)")
        if args.city:
            big = add_site(admin, folder, "BIG", 10, seed=99)
            crowd = [f"Z{n:09d}" for n in range(args.city // 3)]
            big.push(server.url, day_events(big.name, crowd))
            grown = median_seconds(one(codes[0]))
            print(
                f"one site after another site's day grew to {len(crowd) * 3:,} events: "
                f"{grown:.3f} s (target < 0.2 s)"
            )
        url = f"/api/v1/sites/{codes[0]}/reconciliation/{DAY}"
        http = median_seconds(lambda: admin.call("GET", url).raise_for_status())
        print(f"one site over HTTP (JSON with the per-person lists): {http:.3f} s")
    finally:
        engine.dispose()
        server.stop()


if __name__ == "__main__":
    main()

"""Time the bureau's reconciliation of site days (issue 13, defect 10). Prints figures only.

    .venv/bin/python bench/bench_reconcile.py [--people 2500] [--sites 10] [--city 100000]

A live server on SQLite (loopback), one roster of `--people` per site uploaded as the
bureau does, and a day of check-in, approval and dose for 88 % of them pushed by a desk.
Each figure is given twice: the first reconciliation of a site day in a process (folded
from the log: a server just started) and again, with the site day's fold kept by the server
(services/site_day_folds: what the bureau's pages, which reconcile every few seconds, get).
Printed (in process, medians of 5 unless said):
1. one site's reconciliation, ten sites' days in the database;
2. the same after its desk pushed 30 more events (the kept fold brought up to date);
3. reconciling every one of `--sites` site days in turn (the bureau's Today page), total,
   median of 3;
4. one site after another site's day grew to `--city` events (the cost must follow the
   site's day, not the city's);
5. the same site over HTTP, JSON with the per-person lists (the server's kept folds).
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


def day_events(
    site: str, people: list[str], desk: str = "A", after: int = 0
) -> list[dict[str, object]]:
    """Check-in, approval and dose of each person, as one desk pushes them (its events
    after the desk's `after` first ones)."""
    out: list[dict[str, object]] = []
    for i, person in enumerate(people, start=after // 3):
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
            seq = after + len(out) + 1
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
    later: list[str]  # booked, not in the day's events yet

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
    came = int(len(ids) * 0.88)
    return SiteDay(code, name, admin.desk(code, "A"), ids[:came], ids[came:])


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
        sites_by_code: dict[str, SiteDay] = {}
        for n, code in enumerate(codes):
            site = sites_by_code[code] = add_site(admin, folder, code, args.people, seed=n)
            site.push(server.url, day_events(site.name, site.came))

        def one(code: str, kept: bool = True) -> Callable[[], object]:
            def run() -> object:
                fresh = None if kept else make_engine(server.database_url)
                try:
                    with reading(fresh or engine) as conn:
                        return reconcile.reconcile(conn, site_by_code(conn, code), DAY, registry)
                finally:
                    if fresh is not None:
                        fresh.dispose()

            return run

        def both(label: str, work: Callable[[bool], Callable[[], object]], runs: int = 5) -> None:
            first = median_seconds(work(False), runs)
            again = median_seconds(work(True), runs)
            print(f"{label}: first {first:.3f} s, fold kept {again:.3f} s")

        one(codes[0])()  # the kept fold of the first site
        both(
            f"one site ({args.people:,} booked), {args.sites} sites' days stored",
            lambda k: one(codes[0], k),
        )
        first_site = sites_by_code[codes[0]]
        more = day_events(first_site.name, first_site.later[:10], after=len(first_site.came) * 3)
        first_site.push(server.url, more)
        t0 = time.perf_counter()
        one(codes[0])()
        print(f"the same after {len(more)} more events pushed: {time.perf_counter() - t0:.3f} s")
        both(
            f"all {args.sites} site days in turn (target < 2 s)",
            lambda k: lambda: [one(code, k)() for code in codes],
            runs=3,
        )
        if args.city:
            big = add_site(admin, folder, "BIG", 10, seed=99)
            crowd = [f"Z{n:09d}" for n in range(args.city // 3)]
            big.push(server.url, day_events(big.name, crowd))
            both(
                f"one site after another site's day grew to {len(crowd) * 3:,} events"
                " (target < 0.2 s)",
                lambda k: one(codes[0], k),
            )
        url = f"/api/v1/sites/{codes[0]}/reconciliation/{DAY}"
        http = median_seconds(lambda: admin.call("GET", url).raise_for_status())
        print(f"one site over HTTP (JSON with the per-person lists, fold kept): {http:.3f} s")
    finally:
        engine.dispose()
        server.stop()


if __name__ == "__main__":
    main()

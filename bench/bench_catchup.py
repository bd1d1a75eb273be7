"""Benchmark of the desk's event apply path: a late desk's catch-up, and one check-in write.

Prints, side by side:
- catch-up: 100,000 pulled events (check-ins, decisions, doses of 40,000 people from ten
  desks) applied to a fresh desk store in pages of 1,000, as the sync client does
  (parse each event, then `Store.apply_remote_events`: events table, per-person
  projection, check-ins, vaccinations, histories; the cyclic collector paused per page);
- the bare load the issue measured (1.8 s there; target within 3x, "about 6 s"): the
  same 100,000 event rows inserted by one SQLAlchemy Core executemany into the desk's
  events table, in one transaction, with nothing else;
- the driver's floor: one sqlite3 executemany of the rows into a table with only its key
  (no other index, no JSON column handling), for scale;
- check-in write: `CheckinService.check_in` on a 2,500-person day, p50 and p99 over
  2,000 check-ins (target p50 under 1 ms).

    .venv/bin/python bench/bench_catchup.py [--events 100000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "station_app"))
from store_fixtures import DAY, SITE, entry, pid, rules  # noqa: E402

from station_app.checkin_service import CheckinService  # noqa: E402
from station_app.store import Store  # noqa: E402
from vaccination.bulk import cyclic_gc_paused  # noqa: E402
from vaccination.events import parse_event  # noqa: E402

START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def wire_events(total: int) -> list[dict[str, object]]:
    """`total` events as they come in pull pages: (check-in, decision, dose) per person."""
    out: list[dict[str, object]] = []
    seqs: dict[str, int] = {}
    person = 0
    while len(out) < total:
        desk = "ABCDEFGHIJ"[person % 10]
        checkin_id = str(uuid.uuid4())
        steps = [
            ("checkin", checkin_id, {"queue_number": f"{desk}{person // 10 + 1:03d}"}),
            ("doctor_decision", str(uuid.uuid4()), {"checkin_id": checkin_id, "approved": True}),
            (
                "vaccination",
                str(uuid.uuid4()),
                {"checkin_id": checkin_id, "product": "CoV_Moderna", "lot": "M1", "dose": 1},
            ),
        ]
        for kind, event_id, extra in steps:
            seqs[desk] = seqs.get(desk, 0) + 1
            out.append(
                {
                    "event_id": event_id,
                    "site": SITE,
                    "desk": desk,
                    "seq": seqs[desk],
                    "at": (START + timedelta(seconds=len(out))).isoformat(),
                    "kind": kind,
                    "payload": {"day": DAY.isoformat(), "id_number": pid(person), **extra},
                }
            )
        person += 1
    return out[:total]


def catch_up(folder: Path, wire: list[dict[str, object]]) -> tuple[float, float]:
    """(seconds to parse, seconds to apply) of the whole catch-up in pages of 1,000."""
    store = Store.open(folder / "late.db", background_checkpoint=True)  # as the desk opens it
    parse = apply = 0.0
    try:
        for start in range(0, len(wire), 1000):
            with cyclic_gc_paused():  # as the sync client takes a page
                t0 = time.perf_counter()
                page = [parse_event(e) for e in wire[start : start + 1000]]
                t1 = time.perf_counter()
                store.apply_remote_events(page)
                apply += time.perf_counter() - t1
                parse += t1 - t0
        with store.read() as conn:
            held = conn.exec_driver_sql("SELECT count(*) FROM checkins").scalar()
        assert held == len({e["payload"]["id_number"] for e in wire}), held  # type: ignore[index]
    finally:
        store.close()
    return parse, apply


def core_load(folder: Path, wire: list[dict[str, object]]) -> float:
    """One SQLAlchemy Core executemany of the same rows into the desk's events table."""
    from station_app.store.tables import events

    rows = [
        {**{k: e[k] for k in ("event_id", "site", "desk", "seq", "at", "kind", "payload")},
         "acked": True, "origin": "remote", "id_number": e["payload"]["id_number"],  # type: ignore[index]
         "day": e["payload"]["day"]}  # type: ignore[index]
        for e in wire
    ]  # fmt: skip
    store = Store.open(folder / "core.db", background_checkpoint=True)
    try:
        t0 = time.perf_counter()
        with store.write() as conn:
            conn.execute(events.insert(), rows)
        return time.perf_counter() - t0
    finally:
        store.close()


def bare_load(folder: Path, wire: list[dict[str, object]]) -> float:
    """One sqlite3 executemany of the same rows into a table with only its key."""
    import json

    rows = [
        (e["event_id"], e["site"], e["desk"], e["seq"], e["at"], e["kind"],
         json.dumps(e["payload"], ensure_ascii=False))
        for e in wire
    ]  # fmt: skip
    db = sqlite3.connect(folder / "bare.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE events (event_id TEXT PRIMARY KEY, site TEXT, desk TEXT, seq INT,"
        " at TEXT, kind TEXT, payload TEXT)"
    )
    t0 = time.perf_counter()
    with db:
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    seconds = time.perf_counter() - t0
    db.close()
    return seconds


def checkin_writes(folder: Path, count: int) -> list[float]:
    """Milliseconds of each check-in write on a 2,500-person day."""
    store = Store.open(folder / "desk.db", background_checkpoint=True)
    try:
        store.import_entries([entry(n) for n in range(2500)])
        from store_fixtures import clock_at

        svc = CheckinService(store, rules(), SITE, "A", DAY, clock_at(9, 5))
        for n in range(20):  # warm the statement caches
            svc.check_in(pid(n))
        times = []
        for n in range(20, 20 + count):
            t0 = time.perf_counter()
            assert svc.check_in(pid(n)).checked_in
            times.append((time.perf_counter() - t0) * 1000)
        return times
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--checkins", type=int, default=2000)
    args = parser.parse_args()
    wire = wire_events(args.events)
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parse, apply = catch_up(folder, wire)
        core = core_load(folder, wire)
        bare = bare_load(folder, wire)
        writes = checkin_writes(folder, args.checkins)
    total = parse + apply
    print(
        f"catch-up of {len(wire):,} events: {total:.2f} s "
        f"(parse {parse:.2f} s, apply {apply:.2f} s)"
    )
    print(f"bare load, Core executemany into the desk's events table: {core:.2f} s")
    print(f"ratio catch-up / bare load: {total / core:.1f}x (target within 3x)")
    print(f"driver floor, sqlite3 executemany into a keyed table: {bare:.2f} s")
    print(f"ratio catch-up / driver floor: {total / bare:.1f}x")
    writes.sort()
    p99 = writes[int(len(writes) * 0.99) - 1]
    print(
        f"check-in write over {len(writes)}: p50 {statistics.median(writes):.2f} ms, "
        f"p99 {p99:.2f} ms (target p50 < 1 ms)"
    )


if __name__ == "__main__":
    main()

"""Benchmark of other sites' history in a desk's roster download (issue 13, defect 4).

Site TN01 gave N people their dose 1 twenty days ago; the same N are booked for dose 2
at TN02 today. Prints, for TN02's roster download (`GET .../rosters?from=DAY&days=7`):
the server's answer time and size, how many other-site events it carries, and the time
a real desk takes to download and apply it (store import and the other sites' doses).
The server runs on loopback over SQLite (tests/sync_server/live_server.py).

    .venv/bin/python bench/bench_other_sites.py [--people 2500]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sync_server"))
sys.path.insert(0, str(ROOT))
from live_server import BOOT, Admin, ThreadServer, auth  # noqa: E402

from station_app.store import Store  # noqa: E402
from station_app.sync_client import SyncClient  # noqa: E402
from vaccination.ids import make_national_id  # noqa: E402
from vaccination.rules import load_rule_sets  # noqa: E402

DAY = date(2026, 11, 23)
EARLIER = DAY - timedelta(days=20)
SITES = (("TN01", "臺南市立體育館"), ("TN02", "永康區公所"))


def pid(n: int) -> str:
    return make_national_id("A", 1 + n % 2, 3_000_000 + n)


def book(http: httpx.Client, code: str, day: date, people: int, dose: int) -> None:
    for n in range(people):
        body = {
            "id_number": pid(n),
            "name": f"王小{n}",
            "birth_date": "1980-05-01",
            "slot_start": f"{day}T09:00",
            "product": "CoV_Moderna",
            "dose": dose,
            "dose_label": f"第{dose}劑",
        }
        r = http.post(f"/api/v1/sites/{code}/rosters/{day}/entries", json=body)
        r.raise_for_status()


def push_doses(http: httpx.Client, token: str, people: int) -> None:
    """TN01's desk A: a check-in and a dose 1 for each person, twenty days ago."""
    events = []
    for n in range(people):
        checkin_id = str(uuid.uuid4())
        at = f"{EARLIER}T09:{n % 60:02d}:00+08:00"
        base = {"id_number": pid(n), "day": str(EARLIER)}
        events.append({
            "event_id": checkin_id, "site": SITES[0][1], "desk": "A", "seq": 2 * n + 1,
            "at": at, "kind": "checkin",
            "payload": {**base, "queue_number": f"A{n + 1:04d}"},
        })  # fmt: skip
        events.append({
            "event_id": str(uuid.uuid4()), "site": SITES[0][1], "desk": "A", "seq": 2 * n + 2,
            "at": at, "kind": "vaccination",
            "payload": {**base, "product": "CoV_Moderna", "lot": "MOD1", "dose": 1,
                        "checkin_id": checkin_id},
        })  # fmt: skip
    for i in range(0, len(events), 500):
        body = json.dumps({"events": events[i : i + 500]}, ensure_ascii=False)
        r = http.post(f"/api/v1/sites/{SITES[0][0]}/events", content=body, headers=auth(token))
        r.raise_for_status()
        assert r.json()["rejected"] == 0, r.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2500)
    people = parser.parse_args().people
    with tempfile.TemporaryDirectory() as tmp:
        server = ThreadServer(f"sqlite:///{Path(tmp) / 'server.db'}", auth_cache_seconds=0)
        server.start()
        try:
            admin = Admin(server.url)
            for code, name in SITES:
                admin.site(code, name)
            tn01, tn02 = admin.desk("TN01", "A"), admin.desk("TN02", "A")
            with httpx.Client(base_url=server.url, headers=auth(BOOT), timeout=60) as http:
                book(http, "TN01", EARLIER, people, 1)
                push_doses(http, tn01, people)
                book(http, "TN02", DAY, people, 2)
                started = time.perf_counter()
                r = http.get(
                    "/api/v1/sites/TN02/rosters",
                    params={"from": str(DAY), "days": 7},
                    headers=auth(tn02),
                )
                answered = time.perf_counter() - started
                r.raise_for_status()
            elsewhere = len(r.json()["elsewhere"])
            store = Store.open(Path(tmp) / "desk.db")
            codes = frozenset(p.code for p in load_rule_sets().products())
            client = SyncClient(store, server.url, tn02, product_codes=codes)
            started = time.perf_counter()
            client.download_roster(DAY)
            applied = time.perf_counter() - started
            client.stop()
            store.close()
        finally:
            server.stop()
    print(f"people booked at TN02 with a dose at TN01 20 days ago: {people}")
    print(f"roster download answered in {answered:.2f} s, {len(r.content) / 1e6:.2f} MB")
    print(f"  other sites' events in it: {elsewhere}")
    print(f"desk: download, import and apply: {applied:.2f} s")


if __name__ == "__main__":
    main()

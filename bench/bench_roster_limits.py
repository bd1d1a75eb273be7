"""Benchmark of hostile and large roster files at the desk and on the server (issue 13, #12).

Prints, at the desk (this process): the time and resident-memory growth to refuse a
3 MB .xlsx that inflates to 1 GB (honest and lying ZIP directory), and to read the
largest roster the limits allow (199,000 rows of CSV). On the server (`vaxdesk server`
on SQLite, loopback): the time and the server's peak RSS (VmHWM) of refusing the bomb,
and how long a desk's push waits while a 33,000-row roster (under the 5 MB body limit)
is being uploaded (parsed before the write lock is taken).

    .venv/bin/python bench/bench_roster_limits.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "sync_server"))
from live_server import free_port, wait_until_up  # noqa: E402
from roster_bombs import PeakRss, xlsx_bomb  # noqa: E402

from vaccination.demo_roster import write_demo_roster  # noqa: E402
from vaccination.roster_import import ImportReport, read_roster  # noqa: E402
from vaccination.rules import load_rule_sets  # noqa: E402

BOOT = uuid.uuid4().hex
DAY = date(2026, 11, 23)
SITE = "臺南市立體育館"


def desk_side(folder: Path) -> None:
    rules = load_rule_sets()
    cases: list[tuple[str, Callable[[], Path]]] = []

    def bomb(name: str, data: bytes) -> Callable[[], Path]:
        def make() -> Path:
            path = folder / name
            path.write_bytes(data)
            return path

        return make

    def largest() -> Path:
        path = folder / "largest.csv"
        write_demo_roster(path, 199_000, DAY)
        return path

    cases = [
        ("zip bomb, 1 GB inflated", bomb("bomb.xlsx", xlsx_bomb())),
        ("zip bomb, directory says 4 KB", bomb("lying.xlsx", xlsx_bomb(declared=4096))),
        ("largest allowed CSV (199,000 rows)", largest),
    ]
    print("desk (read_roster in this process):")
    for label, make in cases:
        path = make()
        with PeakRss() as rss:
            start = time.perf_counter()
            report: ImportReport = read_roster(path, rules)
            took = time.perf_counter() - start
        verdict = report.fatal_code or f"{report.accepted:,} accepted"
        size = path.stat().st_size / 2**20
        print(
            f"  {label:38s} {size:5.1f} MB file  {took:6.2f} s  RSS +{rss.growth / 2**20:5.0f} MB"
            f"  -> {verdict}"
        )


def _peak_rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


@contextmanager
def sqlite_server(folder: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = dict(os.environ, VAXDESK_SERVER_BOOTSTRAP_ADMIN_TOKEN=BOOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaxdesk", "server", "--db", f"sqlite:///{folder}/server.db",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, 60)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def server_side(folder: Path) -> None:
    with sqlite_server(folder) as (url, pid):
        auth = {"Authorization": f"Bearer {BOOT}"}
        site = {"code": "TN01", "name": SITE, "institution_code": "2321010010"}
        httpx.post(f"{url}/api/v1/sites", json=site, headers=auth).raise_for_status()
        desk = httpx.post(f"{url}/api/v1/sites/TN01/desks", json={"desk": "A"}, headers=auth)
        token = desk.json()["token"]
        print("server (vaxdesk server, SQLite, one worker):")

        rss, hwm = _peak_rss_mb(pid)
        start = time.perf_counter()
        r = httpx.post(
            f"{url}/api/v1/sites/TN01/rosters/{DAY}",
            files={"file": ("bomb.xlsx", xlsx_bomb())},
            headers=auth,
            timeout=120,
        )
        took = time.perf_counter() - start
        rss2, hwm2 = _peak_rss_mb(pid)
        print(
            f"  zip bomb upload: HTTP {r.status_code} {r.json()['detail']['code']} in {took:.2f} s;"
            f" server RSS {rss:.0f} -> {rss2:.0f} MB, peak {hwm:.0f} -> {hwm2:.0f} MB"
        )

        roster = folder / "large.csv"
        write_demo_roster(roster, 33_000, DAY)
        data = roster.read_bytes()
        upload: dict[str, float] = {}

        def send() -> None:
            t = time.perf_counter()
            httpx.post(
                f"{url}/api/v1/sites/TN01/rosters/{DAY}",
                files={"file": ("large.csv", data)},
                headers=auth,
                timeout=300,
            ).raise_for_status()
            upload["took"] = time.perf_counter() - t

        thread = threading.Thread(target=send)
        thread.start()
        time.sleep(0.5)  # the upload is being parsed now (it takes seconds)
        event = {
            "event_id": str(uuid.uuid4()), "site": SITE, "desk": "A", "seq": 1,
            "at": f"{DAY}T09:00:00+08:00", "kind": "checkin",
            "payload": {"id_number": "A123456789", "day": DAY.isoformat(), "queue_number": "A001"},
        }  # fmt: skip
        t = time.perf_counter()
        push = httpx.post(
            f"{url}/api/v1/sites/TN01/events",
            json={"events": [event]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
        waited = time.perf_counter() - t
        thread.join()
        print(
            f"  {len(data) / 2**20:.1f} MB roster upload: {upload['took']:.2f} s; a push sent "
            f"0.5 s into it answered in {waited:.3f} s ({push.json()['results'][0]['status']})"
        )


def main() -> None:
    print(f"machine: {os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.1f}")
    with TemporaryDirectory() as tmp:
        desk_side(Path(tmp))
        server_side(Path(tmp))


if __name__ == "__main__":
    main()

"""Benchmark of the sync server's whole push path (HTTP, auth, validation, idempotency, state).

Prints: events ingested per second on PostgreSQL and on SQLite; the time one desk
takes to push a mass-site day (2,500 check-ins + 2,500 vaccinations); and a reconnect
storm of many desks pushing their share of a day at once (total time, errors, p99).
Loopback only; servers are started here (`vaxdesk server`, several workers on
PostgreSQL) and stopped at the end; a scratch PostgreSQL database is dropped.

    .venv/bin/python bench/bench_sync.py [--skip-postgres] [--storm-desks 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sync_server"))
from pg_scratch import scratch_database  # noqa: E402  (the sync tests' throwaway database)

BOOT = uuid.uuid4().hex
DAY = "2026-11-23"
BATCH = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(db_url: str, workers: int) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, VAXDESK_SERVER_BOOTSTRAP_ADMIN_TOKEN=BOOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaxdesk", "server", "--db", db_url, "--port", str(port),
         "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def admin(url: str, method: str, path: str, **kw: object) -> httpx.Response:
    r = httpx.request(
        method, url + path, headers={"Authorization": f"Bearer {BOOT}"}, timeout=60, **kw
    )  # type: ignore[arg-type]
    r.raise_for_status()
    return r


def enrol(url: str, sites: int, desks_per_site: int, tag: str) -> list[tuple[str, str, str, str]]:
    """(site code, site name, desk letter, token) for every desk."""
    out = []
    for s in range(sites):
        code, name = f"{tag}{s:03d}", f"場所{tag}{s:03d}"
        admin(
            url,
            "POST",
            "/api/v1/sites",
            json={"code": code, "name": name, "institution_code": "2321010010"},
        )
        for d in range(desks_per_site):
            letter = chr(ord("A") + d % 26) + ("" if d < 26 else chr(ord("A") + d // 26))
            token = admin(url, "POST", f"/api/v1/sites/{code}/desks", json={"desk": letter})
            out.append((code, name, letter, token.json()["token"]))
    return out


def day_bodies(site_name: str, desk: str, people: int) -> list[bytes]:
    """A desk's day: a check-in and a vaccination per person, as pre-encoded push bodies."""
    events = []
    seq = 0
    for n in range(people):
        id_number = f"A{(n * 7919 + hash(desk)) % 10**9:09d}"
        for kind, extra in (
            ("checkin", {"queue_number": f"{desk}{n + 1:03d}"}),
            ("vaccination", {"product": "CoV_Moderna", "lot": "MOD123", "dose": 1}),
        ):
            seq += 1
            events.append({
                "event_id": str(uuid.uuid4()), "site": site_name, "desk": desk, "seq": seq,
                "at": f"{DAY}T09:{seq % 60:02d}:00+08:00", "kind": kind,
                "payload": {"id_number": id_number, "day": DAY, **extra},
            })  # fmt: skip
    return [
        json.dumps({"events": events[i : i + BATCH]}, ensure_ascii=False).encode()
        for i in range(0, len(events), BATCH)
    ]


async def push_all(
    url: str, jobs: list[tuple[str, str, list[bytes]]], concurrency: int
) -> tuple[float, list[float], int]:
    """Push every job's bodies in order; returns seconds, request latencies, errors."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one(code: str, token: str, bodies: list[bytes]) -> None:
            nonlocal errors
            rng = random.Random(code + token)
            async with sem:
                for body in bodies:
                    while True:  # like the desk client: back off with jitter on 503
                        t0 = time.perf_counter()
                        try:
                            r = await client.post(
                                f"/api/v1/sites/{code}/events", content=body,
                                headers={"Authorization": f"Bearer {token}",
                                         "Content-Type": "application/json"},
                            )  # fmt: skip
                        except httpx.HTTPError:
                            r = None
                        latencies.append(time.perf_counter() - t0)
                        if r is not None and r.status_code in (429, 503):
                            wait = float(r.headers.get("Retry-After", "1"))
                            await asyncio.sleep(wait * (0.5 + rng.random()))
                            continue
                        if r is None or r.status_code != 200 or r.json()["rejected"]:
                            errors += 1
                        break

        start = time.perf_counter()
        await asyncio.gather(*(one(c, t, b) for c, t, b in jobs))
        return time.perf_counter() - start, latencies, errors


def p99(values: list[float]) -> float:
    # "inclusive": the default method extrapolates past the largest sample for small counts.
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def run_backend(label: str, db_url: str, workers: int, storm_desks: int) -> None:
    with server(db_url, workers) as url:
        # 1. Throughput: 8 desks of 8 sites, 20,000 events each, 8 pushes in flight.
        desks = enrol(url, 8, 1, "T")
        jobs = [(c, t, day_bodies(n, d, 10_000)) for c, n, d, t in desks]
        total = sum(len(json.loads(b)["events"]) for _, _, bodies in jobs for b in bodies)
        secs, lat, errs = asyncio.run(push_all(url, jobs, concurrency=8))
        print(f"[{label}] ingest: {total:,} events in {secs:.2f} s = {total / secs:,.0f} events/s "
              f"(batches of {BATCH}, 8 desks in parallel, {workers} worker(s)); "
              f"p99 request {p99(lat) * 1000:.0f} ms; errors {errs}")  # fmt: skip
        # 2. One desk, a mass-site day.
        ((c, n, d, t),) = enrol(url, 1, 1, "M")
        bodies = day_bodies(n, d, 2_500)
        secs, lat, errs = asyncio.run(push_all(url, [(c, t, bodies)], concurrency=1))
        print(f"[{label}] one desk, mass-site day (2,500 check-ins + 2,500 vaccinations): "
              f"{secs:.2f} s in {len(bodies)} pushes; errors {errs}")  # fmt: skip
        # 3. Reconnect storm: every desk pushes its share of a day at once.
        if storm_desks:
            per_site = 10
            desks = enrol(url, max(1, storm_desks // per_site), per_site, "S")
            jobs = [(c, t, day_bodies(n, d, 250)) for c, n, d, t in desks]
            total = sum(len(json.loads(b)["events"]) for _, _, bodies in jobs for b in bodies)
            result: list[tuple[float, list[float], int]] = []
            worker = threading.Thread(
                target=lambda: result.append(asyncio.run(push_all(url, jobs, len(jobs))))
            )
            worker.start()
            worker.join(180)  # bounded: the benchmark stops by itself
            if not result:
                print(f"[{label}] storm: did not finish within 180 s")
                return
            secs, lat, errs = result[0]
            print(f"[{label}] reconnect storm: {len(jobs)} desks x 500 events = {total:,} "
                  f"events in {secs:.1f} s ({total / secs:,.0f} events/s); errors {errs}; "
                  f"{len(lat):,} requests (503s included), p99 {p99(lat) * 1000:.0f} ms, "
                  f"max {max(lat) * 1000:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--storm-desks", type=int, default=500)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPU(s); client and server share them")
    if not args.skip_postgres:
        with scratch_database(args.postgres, "vaxdesk_bench") as url:
            run_backend("PostgreSQL", url, args.workers, args.storm_desks)
    if not args.skip_sqlite:
        with TemporaryDirectory() as tmp:
            # SQLite takes one writer at a time: one worker process.
            run_backend("SQLite", f"sqlite:///{tmp}/bench.db", 1, args.storm_desks)


if __name__ == "__main__":
    main()

"""Benchmark of the sync server's whole push path (HTTP, auth, validation, idempotency, state).

Prints: events ingested per second on PostgreSQL and on SQLite (on PostgreSQL side by
side with a minimal FastAPI + Core executemany endpoint, bench/minimal_ingest.py, in three
alternate rounds, and the ratio of the medians); the time one desk
takes to push a mass-site day (2,500 check-ins + 2,500 vaccinations); and a reconnect
storm: 500 desks (50 mass sites x 10 desks) each push their day (250 check-ins + 250
vaccinations) at the same instant, retrying 503s after Retry-After plus up to 1 s of
jitter. For the storm it prints the total time, errors, the latency of
every HTTP request (sending to full answer, 503 answers included; the waits between
retries are not requests) and when each desk's day was held.
Loopback only; servers are started here (`vaxdesk server`, which runs one worker per
CPU on PostgreSQL) and stopped at the end; a scratch PostgreSQL database is dropped.

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
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sync_server"))
from pg_scratch import scratch_database  # noqa: E402  (the sync tests' throwaway database)

sys.path.insert(0, str(ROOT))
import minimal_ingest  # noqa: E402  (bench/, beside this file: the baseline endpoint)

from vaccination.wire import PROTOCOL, PROTOCOL_HEADER  # noqa: E402

BOOT = uuid.uuid4().hex
DAY = "2026-11-23"
BATCH = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(db_url: str, workers: int | None) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, VAXDESK_SERVER_BOOTSTRAP_ADMIN_TOKEN=BOOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaxdesk", "server", "--db", db_url, "--port", str(port),
         *(["--workers", str(workers)] if workers else [])],
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
        checkin_id = str(uuid.uuid4())
        vaccine = {"product": "CoV_Moderna", "lot": "MOD123", "dose": 1, "checkin_id": checkin_id}
        for kind, event_id, extra in (
            ("checkin", checkin_id, {"queue_number": f"{desk}{n + 1:03d}"}),
            ("vaccination", str(uuid.uuid4()), vaccine),
        ):
            seq += 1
            events.append({
                "event_id": event_id, "site": site_name, "desk": desk, "seq": seq,
                "at": f"{DAY}T09:{seq % 60:02d}:00+08:00", "kind": kind,
                "payload": {"id_number": id_number, "day": DAY, **extra},
            })  # fmt: skip
    return [
        json.dumps({"events": events[i : i + BATCH]}, ensure_ascii=False).encode()
        for i in range(0, len(events), BATCH)
    ]


@dataclass
class Pushed:
    """What a push run saw: its length, every HTTP request, and when each desk was done."""

    seconds: float
    requests: list[tuple[int, float]]  # (status, seconds from sending to the full answer)
    desk_done: list[float]  # seconds from the start until the desk's last batch was held
    errors: int

    def latencies(self, *statuses: int) -> list[float]:
        return [t for s, t in self.requests if not statuses or s in statuses]


class DeskConnection:
    """One desk's keep-alive HTTP/1.1 connection, speaking just enough HTTP for a push.

    httpx costs about 2 ms of CPU per request; 500 simulated desks sharing the server's
    two cores would then measure mostly their own client. This costs a tenth of that.
    """

    def __init__(self, url: str) -> None:
        parsed = urlsplit(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, token: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Status, headers (lower-case names) and body of the answer."""
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {token}\r\n"
            f"{PROTOCOL_HEADER}: {PROTOCOL}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        for attempt in (1, 2):  # a kept-alive connection the server has just closed: reopen
            reused = self.writer is not None
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            try:
                self.writer.write(request)
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed by the server")
                headers: dict[str, str] = {}
                while (line := await self.reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                answer = await self.reader.readexactly(int(headers.get("content-length", 0)))
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if reused and attempt == 1:
                    continue
                raise
            if headers.get("connection") == "close":
                self.close()
            return int(status_line.split()[1]), headers, answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def push_all(url: str, jobs: list[tuple[str, str, list[bytes]]]) -> Pushed:
    """Every desk pushes its bodies in order, all at once, retrying 429/503 after Retry-After."""
    requests: list[tuple[int, float]] = []
    desk_done: list[float] = []
    errors = 0

    async def one(code: str, token: str, bodies: list[bytes]) -> None:
        nonlocal errors
        rng = random.Random(code + token)
        desk = DeskConnection(url)
        for body in bodies:
            while True:
                t0 = time.perf_counter()
                try:
                    status, headers, answer = await desk.post(
                        f"/api/v1/sites/{code}/events", token, body
                    )
                except (OSError, asyncio.IncompleteReadError):
                    status, headers, answer = 0, {}, b""
                requests.append((status, time.perf_counter() - t0))
                if status in (429, 503):
                    # Never sooner than Retry-After (whole seconds), plus up to 1 s of jitter.
                    await asyncio.sleep(float(headers.get("retry-after", "1")) + rng.random())
                    continue
                if status != 200 or json.loads(answer).get("rejected", 0):
                    errors += 1
                break
        desk.close()
        desk_done.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(one(*job) for job in jobs))
    return Pushed(time.perf_counter() - start, requests, desk_done, errors)


def p99(values: list[float]) -> float:
    # "inclusive": the default method extrapolates past the largest sample for small counts.
    if not values:
        return float("nan")
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def ms(values: list[float]) -> str:
    """Median, p99 and largest of `values` (seconds) in milliseconds."""
    if not values:
        return "none"
    p50, top = statistics.median(values), max(values)
    return f"p50 {p50 * 1000:.0f} ms, p99 {p99(values) * 1000:.0f} ms, max {top * 1000:.0f} ms"


ROUNDS = 3  # alternate rounds of VaxDesk and the baseline endpoint


@contextmanager
def minimal_server(db_url: str, workers: int) -> Iterator[str]:
    """The baseline endpoint (bench/minimal_ingest.py) under uvicorn, same worker count."""
    minimal_ingest.create_table(db_url)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "--factory",
         "minimal_ingest:app_from_env", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/docs", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def ingest_rate(url: str, tag: str, enrolled: bool = True) -> tuple[int, Pushed]:
    """8 desks of 8 sites push 20,000 events each, 8 pushes in flight."""
    if enrolled:
        desks = enrol(url, 8, 1, tag)
    else:
        desks = [(f"{tag}{s:03d}", f"場所{tag}{s:03d}", "A", "-") for s in range(8)]
    jobs = [(c, t, day_bodies(n, d, 10_000)) for c, n, d, t in desks]
    total = sum(len(json.loads(b)["events"]) for _, _, bodies in jobs for b in bodies)
    return total, asyncio.run(push_all(url, jobs))


def side_by_side(label: str, url: str, db_url: str, workers: int | None, first: float) -> None:
    """VaxDesk and the baseline endpoint in alternate rounds (the machine's speed drifts
    by the minute), each round on fresh sites; the ratio of the medians."""
    ours, theirs = [first], []
    with minimal_server(db_url, workers or os.cpu_count() or 1) as base_url:
        for round_ in range(ROUNDS):
            if round_:
                total, run = ingest_rate(url, f"T{round_}")
                ours.append(total / run.seconds)
            total, run = ingest_rate(base_url, f"B{round_}", enrolled=False)
            theirs.append(total / run.seconds)
    pairs = ", ".join(f"{a:,.0f} / {b:,.0f}" for a, b in zip(ours, theirs, strict=True))
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(
        f"[{label}] baseline (FastAPI + Core executemany, no checks), {ROUNDS} alternate "
        f"rounds, VaxDesk / baseline events/s: {pairs}; ratio of the medians {ratio:.2f} "
        f"(target >= 0.8)"
    )


def run_backend(label: str, db_url: str, workers: int | None, storm_desks: int) -> None:
    with server(db_url, workers) as url:
        # 1. Throughput: 8 desks of 8 sites, 20,000 events each, 8 pushes in flight.
        total, run = ingest_rate(url, "T")
        rate = total / run.seconds
        print(f"[{label}] ingest: {total:,} events in {run.seconds:.2f} s = "
              f"{rate:,.0f} events/s (batches of {BATCH}, 8 desks in parallel, "
              f"workers: {workers or 'default'}); p99 request {p99(run.latencies()) * 1000:.0f} "
              f"ms; 503s {len(run.latencies(503))}; errors {run.errors}")  # fmt: skip
        if label == "PostgreSQL":
            side_by_side(label, url, db_url, workers, rate)
        # 2. One desk, a mass-site day.
        ((c, n, d, t),) = enrol(url, 1, 1, "M")
        bodies = day_bodies(n, d, 2_500)
        run = asyncio.run(push_all(url, [(c, t, bodies)]))
        print(f"[{label}] one desk, mass-site day (2,500 check-ins + 2,500 vaccinations): "
              f"{run.seconds:.2f} s in {len(bodies)} pushes; errors {run.errors}")  # fmt: skip
        # 3. Reconnect storm: the network comes back and every desk of 50 mass sites pushes
        # its whole day at the same instant. A desk's day is its share of the site's
        # 2,500 people: 250 check-ins + 250 vaccinations, one push of 500 events.
        if storm_desks:
            per_site = 10
            desks = enrol(url, max(1, storm_desks // per_site), per_site, "S")
            jobs = [(c, t, day_bodies(n, d, 2_500 // per_site)) for c, n, d, t in desks]
            total = sum(len(json.loads(b)["events"]) for _, _, bodies in jobs for b in bodies)
            result: list[Pushed] = []
            worker = threading.Thread(
                target=lambda: result.append(asyncio.run(push_all(url, jobs)))
            )
            worker.start()
            worker.join(180)  # bounded: the benchmark stops by itself
            if not result:
                print(f"[{label}] storm: did not finish within 180 s")
                return
            run = result[0]
            print(f"[{label}] reconnect storm: {len(jobs)} desks x {total // len(jobs)} events "
                  f"= {total:,} events, all held after {run.seconds:.1f} s "
                  f"({total / run.seconds:,.0f} events/s); errors {run.errors}\n"
                  f"    {len(run.requests):,} requests ({len(run.latencies(503)):,} answered "
                  f"503 busy); every request, send to full answer: {ms(run.latencies())}\n"
                  f"    200 answers: {ms(run.latencies(200))}; 503 answers: "
                  f"{ms(run.latencies(503))}\n"
                  f"    desk's day held after: {ms(run.desk_done)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--workers", type=int, help="default: as `vaxdesk server` chooses")
    parser.add_argument("--storm-desks", type=int, default=500)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPU(s); client and server share them")
    if not args.skip_postgres:
        with scratch_database(args.postgres, "vaxdesk_bench") as url:
            run_backend("PostgreSQL", url, args.workers, args.storm_desks)
    if not args.skip_sqlite:
        with TemporaryDirectory() as tmp:
            # `vaxdesk server` runs one worker on SQLite: it takes one writer at a time.
            run_backend("SQLite", f"sqlite:///{tmp}/bench.db", None, args.storm_desks)


if __name__ == "__main__":
    main()

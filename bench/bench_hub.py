"""Check-in -> doctor desk latency through a site hub (uplink up, uplink cut) and the bureau.

A bureau server and a hub on loopback with a fault proxy between them (the site's
uplink, also the desks' own way to the bureau); four check-in desks and a doctor desk,
each a real store, check-in service and sync route running in its own thread every
`--interval` seconds, as at a site (a check-in wakes its desk's sync at once, as the
window does). Each sample: a check-in at a desk, then the time until the doctor desk's
queue shows it. Prints p50/p99 for three ways: through the hub with the uplink up,
through the hub with the uplink cut, and straight through the bureau (no hub).

    .venv/bin/python bench/bench_hub.py [--samples 40] [--interval 1.0] [--uplink-delay 0]

`--uplink-delay` holds every request on the uplink (hub to bureau, desk to bureau) that
long, as a slow or distant line would.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _folder in ("station_app", "sync_server"):  # as tests/conftest.py does
    sys.path.append(str(ROOT / "tests" / _folder))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desks import DAY, SITE_CODE, Desk, make_desk, pid, seed_roster  # noqa: E402
from fault_proxy import Fault, FaultProxy  # noqa: E402
from live_server import Admin, ThreadServer  # noqa: E402

from station_app.sync_client import SyncClient  # noqa: E402
from station_app.sync_route import SyncRoute  # noqa: E402

LETTERS = "ABCD"
DOCTOR = "E"
RNG = random.Random(14)
# The desks of the way without a hub: other letters, so their new stores are not
# replacement PCs of the first desks (whose numbers the bureau already holds).
STRAIGHT = {"A": "F", "B": "G", "C": "H", "D": "I", "E": "J"}


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def sample(
    desks: dict[str, Desk], syncs: dict[str, SyncRoute | SyncClient], n: int, interval: float
) -> float:
    """Check person n in at a check-in desk; seconds until the doctor's queue shows them.

    A random pause first (not timed): people arrive at any moment of the doctor desk's
    sync cycle, not just after it pulled (which would time the worst case every time).
    """
    time.sleep(RNG.uniform(0, interval))
    letter = LETTERS[n % len(LETTERS)]
    started = time.perf_counter()
    out = desks[letter].service.check_in(pid(n))
    if not out.checked_in:
        raise SystemExit(f"person {n} not checked in: {out.assessment.codes()}")
    syncs[letter].wake()
    doctor = desks[DOCTOR].service
    while not any(e.checkin_id == out.checkin_id for e in doctor.doctor_queue()):
        if time.perf_counter() - started > 60:
            raise SystemExit(f"person {n} did not reach the doctor desk within 60 s")
        time.sleep(0.005)
    return time.perf_counter() - started


def report(name: str, seconds: list[float]) -> None:
    print(
        f"{name:<28} n={len(seconds):>3}  p50 {percentile(seconds, 50) * 1000:7.0f} ms  "
        f"p99 {percentile(seconds, 99) * 1000:7.0f} ms  "
        f"mean {statistics.fmean(seconds) * 1000:7.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=40, help="check-ins per way")
    parser.add_argument("--interval", type=float, default=1.0, help="desks' sync interval (s)")
    parser.add_argument(
        "--uplink-delay", type=float, default=0.0, help="seconds added to each uplink request"
    )
    args = parser.parse_args()
    people = 3 * args.samples + 10

    def numbers(first: int) -> range:
        return range(first, first + args.samples)

    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for sub in ("hub", "bureau"):
            (folder / sub).mkdir()
        bureau = ThreadServer(f"sqlite:///{folder / 'bureau.db'}").start()
        slow = args.uplink_delay > 0
        uplink = FaultProxy(bureau.port, {Fault.DELAY if slow else Fault.PASS: 1.0})
        uplink.delay_seconds = args.uplink_delay
        uplink.start()
        admin = Admin(bureau.url)
        admin.site(SITE_CODE, "臺南市立體育館")
        seed_roster(admin, SITE_CODE, range(1, people + 1))
        tokens = {
            letter: admin.desk(SITE_CODE, letter)
            for letter in LETTERS + DOCTOR + "".join(STRAIGHT.values())
        }
        hub_token = str(admin.call("POST", f"/api/v1/sites/{SITE_CODE}/hub").json()["token"])
        hub = ThreadServer(
            f"sqlite:///{folder / 'hub.db'}",
            upstream_url=uplink.url,
            hub_token=hub_token,
            hub_interval_seconds=args.interval,
        ).start()
        time.sleep(2 * args.interval + 1)  # the hub learns its site, desks and roster
        results: dict[str, list[float]] = {}
        try:
            desks: dict[str, Desk] = {}
            syncs: dict[str, SyncRoute | SyncClient] = {}
            for letter in LETTERS + DOCTOR:
                desk = make_desk(folder / "hub", hub.url, tokens[letter], letter, hub=True)
                straight = SyncClient(
                    desk.store, uplink.url, tokens[letter], interval=args.interval,
                    product_codes=desk.client.product_codes,
                    bundled_rules=desk.client.bundled_rules(), on_rules=desk.service.use_rules,
                )  # fmt: skip
                desk.client.interval = args.interval
                route = SyncRoute(desk.client, straight)
                route.download_roster(DAY)
                desks[letter], syncs[letter] = desk, route
            for route in syncs.values():
                route.start()
            n = 1
            ways = (("through the hub, uplink up", False), ("through the hub, uplink cut", True))
            for name, cut in ways:
                uplink.offline = cut
                time.sleep(args.interval * 2)
                results[name] = [sample(desks, syncs, k, args.interval) for k in numbers(n)]
                n += args.samples
            uplink.offline = False
            for route in syncs.values():
                route.stop()
            for desk in desks.values():
                desk.store.close()

            # Straight to the bureau (through the uplink), no hub: fresh desk stores.
            desks, syncs = {}, {}
            for letter in LETTERS + DOCTOR:
                mine = STRAIGHT[letter]
                desk = make_desk(folder / "bureau", uplink.url, tokens[mine], mine)
                desk.client.interval = args.interval
                desk.client.download_roster(DAY)
                desks[letter], syncs[letter] = desk, desk.client
            for client in syncs.values():
                client.start()
            time.sleep(args.interval * 2)
            name = "straight to the bureau"
            results[name] = [sample(desks, syncs, k, args.interval) for k in numbers(n)]
            for desk in desks.values():
                desk.close()
        finally:
            hub.stop()
            uplink.stop()
            bureau.stop()
    print(
        f"check-in -> doctor desk, desks syncing every {args.interval:g} s"
        f" (a check-in wakes its desk), uplink delay {args.uplink_delay:g} s per request"
    )
    for name, seconds in results.items():
        report(name, seconds)


if __name__ == "__main__":
    main()

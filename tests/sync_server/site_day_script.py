"""A scripted site day (issue 13), run against the real server and real desk services.

`plan_day(people_per_site, seed)` writes the day: the people booked at two sites, when
each comes and what happens to them. `SiteDay(...).run(plan)` plays it on the bureau's
server (loopback), four check-in desks and a doctor desk at TN01, a check-in desk and a
doctor desk at TN02, each a real store, `CheckinService` and `SyncClient`, with desk A's
tickets going through the real `TicketHook` to the TCP printer emulator. Hazards are
injected at set times: three outages (the server stopped twice, the proxy of desks C and
D cut), a double check-in while offline, cancellations and a central addition mid-day,
a replacement PC for desk B at noon, a person vaccinated at TN01 going to TN02, and a
printer jam.

The day's ground truth (`SiteTruth`) is the script's own book of what it did: who it
booked, cancelled and added, whom a desk checked in (a check-in the desk took), whom the
doctor refused and why, which dose from which lot it recorded, how many vials it opened.
It never asks the code under test. What each desk showed at the moment a hazard
mattered is kept in `DayResult.seen`, and every action a desk refused when the script
expected it to succeed in `DayResult.surprises`. `DayResult.timings` holds the figures
of bench/bench_site_day.py.
"""

from __future__ import annotations

import csv
import random
import time as wall
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from desks import DAY, OTHER_CODE, OTHER_SITE, SITE, SITE_CODE, Desk, make_desk, pid
from escpos_reader import decode_codes, raster_images, stacked
from fault_proxy import Fault, FaultProxy
from live_server import Admin
from store_fixtures import Clock, clock_at

from printing.emulator import NetworkPrinterEmulator
from printing.print_queue import DONE, PrintJob, PrintQueue
from station_app.checkin_service import CheckinOutcome, DeskActionError
from station_app.sync_client import SyncState
from station_app.ticket_hook import TicketHook
from vaccination.demo_roster import HEADERS

INSTITUTION = {SITE_CODE: "2321010010", OTHER_CODE: "2321020020"}
SITE_NAME = {SITE_CODE: SITE, OTHER_CODE: OTHER_SITE}
CHECKIN_DESKS = {SITE_CODE: "ABCD", OTHER_CODE: "A"}
DOCTOR = "E"
PROXIED = "CD"  # desks that reach the server through the proxy the second outage cuts
PRODUCTS = ("CoV_Moderna", "CoV_Novavax")
NIIS_CODE = {"CoV_Moderna": "CoV_Moderna", "CoV_Novavax": "CoV_Novavax"}  # the bureau's table
DOSES_PER_VIAL = 10
DELIVERED_VIALS = 400  # of every lot, delivered to each site the day before
REFUSAL_REASON = "發燒 38.2 度，改天再來"
DUPLICATE_REASON = "同一人兩個櫃台離線重複報到"
CONFIRM_REASON = "護理師已向本人確認"  # a warning the clerk confirms (e.g. outside the slot)


FIRST_TICK, LAST_TICK, TICK = time(8, 30), time(16, 30), timedelta(minutes=15)
SERVER_STOPPED = ((time(9, 30), time(10, 0)), (time(14, 0), time(14, 30)))  # outages 1 and 3
PROXY_CUT = (time(11, 0), time(11, 30))  # outage 2: desks C and D lose the network
BUREAU_CHANGES = time(10, 30)
REPLACEMENT = time(12, 0)  # desk B's PC dies; a new PC takes its place
AFTERNOON_LOT = time(12, 0)  # TN01 opens its second Moderna lot
JAM = (time(13, 0), time(13, 15))  # desk A's ticket printer is off
TRAVELLER_AT_TN02 = time(13, 30)
CLOSING_ROUNDS = 10
# The proxy of desks C and D also duplicates and cuts a few requests all day long.
PROXY_FAULTS = {Fault.PASS: 0.92, Fault.DUPLICATE: 0.05, Fault.CUT_BEFORE_REPLY: 0.03}


def ticks() -> Iterator[time]:
    at = datetime.combine(DAY, FIRST_TICK)
    while at.time() <= LAST_TICK:
        yield at.time()
        at += TICK


def lot_of(site: str, product: str, at: time) -> str:
    """The lot the site's doctor desk draws `product` from at `at`."""
    prefix = {"CoV_Moderna": "MOD", "CoV_Novavax": "NVX"}[product]
    half = "P" if site == SITE_CODE and product == "CoV_Moderna" and at >= AFTERNOON_LOT else "M"
    return f"{prefix}{site[-2:]}{half}1123"


def mask(id_number: str) -> str:
    """An ID number as the bureau's files show it: first three and last three characters."""
    return id_number[:3] + "****" + id_number[-3:]


# -- the plan --------------------------------------------------------------------------------


class Fate(StrEnum):
    VACCINATED = "vaccinated"
    REFUSED = "refused"  # checked in, the doctor does not approve
    NO_SHOW = "no_show"
    CANCELLED_AWAY = "cancelled_away"  # cancelled by the bureau mid-day, does not come
    CANCELLED_COMES = "cancelled_comes"  # cancelled mid-day, comes anyway: refused at the desk
    ADDED = "added"  # added centrally mid-day, comes after the desks synced
    DOUBLE = "double"  # checked in at desks A and B while the server is down
    TRAVELLER = "traveller"  # booked at both sites: vaccinated at TN01, then goes to TN02
    JAMMED = "jammed"  # checked in at desk A while its ticket printer is off


@dataclass(frozen=True)
class Person:
    n: int
    site: str  # site code of the booking (the traveller is also booked at TN02)
    product: str
    birth: date
    arrives: time | None  # None: never comes
    fate: Fate
    desk: str | None = None  # a fixed desk for the hazards

    @property
    def id_number(self) -> str:
        return pid(self.n)

    @property
    def name(self) -> str:
        return f"{'陳林黃張李王吳劉蔡楊'[self.n % 10]}{'志明淑芬家豪怡君俊傑'[self.n % 8]}{self.n}"

    @property
    def in_file(self) -> bool:
        return self.fate is not Fate.ADDED


@dataclass(frozen=True)
class DayPlan:
    people: tuple[Person, ...]

    def by_fate(self, fate: Fate) -> Person:
        return next(p for p in self.people if p.fate is fate)

    def arriving(self, site: str, at: time) -> list[Person]:
        return [p for p in self.people if p.site == site and p.arrives == at]


# The people of the hazards, all booked at TN01: (fate, arrival, desk).
_SPECIAL: tuple[tuple[Fate, time | None, str | None], ...] = (
    (Fate.TRAVELLER, time(9, 0), "A"),
    (Fate.DOUBLE, SERVER_STOPPED[0][0], None),  # at desks A and B
    (Fate.CANCELLED_AWAY, None, None),
    (Fate.CANCELLED_COMES, time(10, 45), "C"),
    (Fate.ADDED, time(10, 45), "D"),
    (Fate.JAMMED, JAM[0], "A"),
)


def plan_day(people_per_site: int, seed: int = 13) -> DayPlan:
    """Everyone of the day: `people_per_site` booked at each site in the bureau's file,
    plus the person added centrally; fates and arrival times drawn from `seed`."""
    rng = random.Random(seed)
    slots = [t for t in ticks() if t < LAST_TICK]
    people: list[Person] = []
    n = 0
    for site in (SITE_CODE, OTHER_CODE):
        specials = _SPECIAL if site == SITE_CODE else ()
        for fate, arrives, desk in specials:
            n += 1
            people.append(_person(rng, n, site, fate, arrives, desk))
        for _ in range(people_per_site - sum(f is not Fate.ADDED for f, *_ in specials)):
            n += 1
            draw = rng.random()
            fate = Fate.NO_SHOW if draw < 0.08 else Fate.REFUSED if draw < 0.13 else Fate.VACCINATED
            arrives = None if fate is Fate.NO_SHOW else rng.choice(slots)
            people.append(_person(rng, n, site, fate, arrives, None))
    return DayPlan(tuple(people))


def _person(
    rng: random.Random, n: int, site: str, fate: Fate, arrives: time | None, desk: str | None
) -> Person:
    product = PRODUCTS[0] if rng.random() < 0.75 or fate is not Fate.VACCINATED else PRODUCTS[1]
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))
    return Person(n, site, product, birth, arrives, fate, desk)


def write_bureau_file(plan: DayPlan, path: Path) -> None:
    """The Tainan back-office export of both sites' day (the traveller booked at both)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        row = 0
        for p in plan.people:
            if not p.in_file:
                continue
            sites = (SITE_CODE, OTHER_CODE) if p.fate is Fate.TRAVELLER else (p.site,)
            for site in sites:
                row += 1
                cells = dict.fromkeys(HEADERS, "")
                slot = datetime.combine(DAY, (p.arrives or time(9, 0)).replace(minute=0))
                cells |= {
                    "序號": str(row), "姓名": p.name, "身分證字號": p.id_number,
                    "出生年月日": p.birth.isoformat(), "電話": f"09{p.n:08d}", "接種期別": "1",
                    "接種地點": SITE_NAME[site], "接種時間": slot.strftime("%Y-%m-%d %H:%M"),
                    "接種疫苗": p.product,
                }  # fmt: skip
                w.writerow([cells[h] for h in HEADERS])


def addition_body(p: Person) -> dict[str, Any]:
    """The bureau's central addition of `p` (POST .../rosters/{day}/entries)."""
    return {
        "id_number": p.id_number,
        "name": p.name,
        "birth_date": p.birth.isoformat(),
        "phone": f"09{p.n:08d}",
        "slot_start": datetime.combine(DAY, time(11, 0)).isoformat(),
        "product": p.product,
        "dose": 1,
        "dose_label": "第1劑",
    }


# -- the ground truth ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dose:
    product: str
    lot: str
    dose: int
    desk: str
    at: str  # the desk clock's time of the record, ISO with +08:00


@dataclass
class SiteTruth:
    """One site's day as the script did it."""

    code: str
    booked: dict[str, Person] = field(default_factory=dict)
    checked_in: set[str] = field(default_factory=set)
    numbers: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (number, desk)
    vaccinated: dict[str, Dose] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)
    vials: Counter[tuple[str, str]] = field(default_factory=Counter)  # opened today
    delivered: Counter[tuple[str, str]] = field(default_factory=Counter)
    double_checkins: dict[str, str | None] = field(default_factory=dict)  # id -> resolved by

    def counts(self) -> dict[str, int]:
        return {
            "booked": len(self.booked),
            "checked_in": len(self.checked_in),
            "vaccinated": len(self.vaccinated),
            "not_approved": len(self.refusals),
            "no_show": len(self.no_shows()),
            "walk_in": 0,
        }

    def no_shows(self) -> list[str]:
        return sorted(set(self.booked) - self.checked_in)

    def name(self, id_number: str) -> str:
        return self.booked[id_number].name

    def expected_no_shows(self) -> list[tuple[str, str]]:
        return sorted((mask(i), self.name(i)) for i in self.no_shows())

    def expected_refusals(self) -> list[tuple[str, str, str, str, str]]:
        return sorted(
            (mask(i), self.name(i), *self.numbers[i], why) for i, why in self.refusals.items()
        )

    def expected_vaccinations(self) -> list[tuple[str, str, str, str, int, str, str]]:
        return sorted(
            (mask(i), self.name(i), d.product, d.lot, d.dose, d.desk, d.at)
            for i, d in self.vaccinated.items()
        )

    def expected_conflicts(self) -> list[tuple[str, str, str, str | None]]:
        return sorted(
            ("CHECKED_IN_TWICE", mask(i), "resolved" if by else "open", by)
            for i, by in self.double_checkins.items()
        )

    def expected_niis(self) -> list[list[str]]:
        return sorted(
            [
                NIIS_CODE[d.product], str(d.dose), DAY.isoformat(), f"{d.lot}-CDC", i,
                self.name(i), self.booked[i].birth.isoformat(), INSTITUTION[self.code],
            ]
            for i, d in self.vaccinated.items()
        )  # fmt: skip

    def expected_stock(self) -> list[list[str]]:
        lots = set(self.vials) | set(self.delivered)
        return sorted(
            [NIIS_CODE[product], f"{lot}-CDC", str(self.delivered[(product, lot)] - n), str(n)]
            for product, lot in lots
            for n in [self.vials[(product, lot)]]
        )


# -- what the run gives back -----------------------------------------------------------------


@dataclass
class SiteReports:
    """What the bureau's server reports of a site's day at the end."""

    reconciliation: dict[str, Any]
    niis: list[list[str]]
    stock: list[list[str]]


@dataclass
class Timings:
    checkin_seconds: list[float] = field(default_factory=list)
    to_doctor_seconds: list[float] = field(default_factory=list)
    reconciliation_seconds: dict[str, float] = field(default_factory=dict)
    day_seconds: float = 0.0
    restart_seconds: float = 0.0  # of the day: starting the server again after outages


@dataclass
class DayResult:
    truth: dict[str, SiteTruth]
    reports: dict[str, SiteReports]
    seen: dict[str, Any]  # what the desks showed when a hazard mattered
    surprises: list[str]  # actions a desk refused that the script expected to go through
    timings: Timings


class LoopbackServer(Protocol):
    """ThreadServer or ProcessServer of tests/sync_server/live_server.py."""

    @property
    def url(self) -> str: ...

    @property
    def port(self) -> int: ...

    def start(self) -> Any: ...

    def stop(self) -> None: ...


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(data.decode("utf-8-sig").splitlines()))


def ticket_code(job: bytes) -> str:
    """What the doctor desk's scanner reads from a printed ticket (its QR code)."""
    [code] = decode_codes(stacked(raster_images(job)))
    return code


# -- the run ---------------------------------------------------------------------------------


class SiteDay:
    """Plays a DayPlan against a server on loopback; `run` returns a DayResult."""

    def __init__(self, server: LoopbackServer, folder: Path, *, measure: bool = False) -> None:
        self.server = server
        self.admin = Admin(server.url)
        self.folder = folder
        self.measure = measure  # time each check-in's way to the doctor desk (the bench)
        self.clock: Clock = clock_at(8, 0)
        self.proxy = FaultProxy(server.port, PROXY_FAULTS, seed=13)
        self.printer = NetworkPrinterEmulator()
        self.desks: dict[str, dict[str, Desk]] = {SITE_CODE: {}, OTHER_CODE: {}}
        self.tickets: TicketHook | None = None
        self.truth = {code: SiteTruth(code) for code in (SITE_CODE, OTHER_CODE)}
        self.seen: dict[str, Any] = {}
        self.surprises: list[str] = []
        self.timings = Timings()
        self.numbers: Counter[tuple[str, str]] = Counter()  # check-ins each desk took
        self.double: dict[str, str] = {}  # desk letter -> check-in id of the double
        self.vial_left: Counter[tuple[str, str, str]] = Counter()
        self.handled: set[tuple[str, str]] = set()  # (site, id) the doctor has seen
        self.server_up = True
        self.replaced = False

    # -- the day -----------------------------------------------------------------------------

    def run(self, plan: DayPlan) -> DayResult:
        started = wall.perf_counter()
        self.proxy.start()
        self.printer.start()
        try:
            self._morning_setup(plan)
            for at in ticks():
                self._tick(plan, at)
            self._close_day()
            self.timings.day_seconds = wall.perf_counter() - started
            reports = {code: self._reports(code) for code in self.truth}
        finally:
            self._shut_down()
        return DayResult(self.truth, reports, self.seen, self.surprises, self.timings)

    def _morning_setup(self, plan: DayPlan) -> None:
        for code, name in SITE_NAME.items():
            self.admin.site(code, name, INSTITUTION[code])
        path = self.folder / "bureau_roster.csv"
        write_bureau_file(plan, path)
        with path.open("rb") as fh:
            r = self.admin.call("POST", "/api/v1/rosters", files={"file": ("roster.csv", fh)})
        assert r.status_code == 200, r.text
        self.seen["upload"] = r.json()
        for p in plan.people:
            if p.in_file:
                self.truth[p.site].booked[p.id_number] = p
                if p.fate is Fate.TRAVELLER:
                    self.truth[OTHER_CODE].booked[p.id_number] = p
        for code in SITE_NAME:
            self._deliver(code)
            for letter in CHECKIN_DESKS[code] + DOCTOR:
                self._enrol(code, letter)
        printer = f"{self.printer.uri}?paper=58&timeout=2"
        self.tickets = TicketHook(printer, self._desk("A").store.path)

    def _deliver(self, code: str) -> None:
        lots = {(p, lot_of(code, p, at)) for p in PRODUCTS for at in (FIRST_TICK, LAST_TICK)}
        for product, lot in sorted(lots):
            body = {
                "day": (DAY - timedelta(days=1)).isoformat(),
                "product": product,
                "lot": lot,
                "vials": DELIVERED_VIALS,
            }
            r = self.admin.call("POST", f"/api/v1/sites/{code}/stock/deliveries", json=body)
            assert r.status_code == 204, r.text
            self.truth[code].delivered[(product, lot)] += DELIVERED_VIALS

    def _enrol(self, code: str, letter: str, token: str | None = None, pc: str = "pc1") -> Desk:
        folder = self.folder / code / letter / pc
        folder.mkdir(parents=True, exist_ok=True)
        url = self.proxy.url if code == SITE_CODE and letter in PROXIED else self.server.url
        desk = make_desk(
            folder,
            url,
            token or self.admin.desk(code, letter),
            letter,
            SITE_NAME[code],
            clock=self.clock,
        )
        desk.client.download_roster(DAY)
        desk.client.run_cycle()
        self.desks[code][letter] = desk
        return desk

    def _desk(self, letter: str, code: str = SITE_CODE) -> Desk:
        return self.desks[code][letter]

    def _tick(self, plan: DayPlan, at: time) -> None:
        self.clock.set(at.hour, at.minute)
        self._hazards_before(plan, at)
        for code in SITE_NAME:
            self._arrivals(plan, code, at)
        self._hazards_after_arrivals(plan, at)
        self._sync_and_treat(at)
        self._hazards_after_sync(plan, at)

    def _close_day(self) -> None:
        """Sync until every desk sent everything and heard everything (the proxy's faults
        may cost a round), then note each desk's counters."""
        self.clock.set(17, 0)
        for _ in range(CLOSING_ROUNDS):
            self._sync_and_treat(LAST_TICK)
            desks = [d for desks in self.desks.values() for d in desks.values()]
            if all(
                d.client.status.state is SyncState.ONLINE and not d.store.outbox.count_pending()
                for d in desks
            ):
                break
        self._sync_and_treat(LAST_TICK)  # everyone hears the last round's pushes
        self.seen["closing_counters"] = {
            (code, letter): desk.service.counters()
            for code, desks in self.desks.items()
            for letter, desk in desks.items()
        }

    # -- the hazards -------------------------------------------------------------------------

    def _hazards_before(self, plan: DayPlan, at: time) -> None:
        if any(at == start for start, _ in SERVER_STOPPED):
            self.server.stop()
            self.server_up = False
        if any(at == end for _, end in SERVER_STOPPED):
            self._server_back()
        if at == PROXY_CUT[0]:
            self.proxy.offline = True
        if at == PROXY_CUT[1]:
            self.proxy.offline = False
        if at == BUREAU_CHANGES:
            self._bureau_changes(plan)
        if at == REPLACEMENT:
            self._replace_desk_b(plan)
        if at == JAM[0]:
            self.printer.stop()
        if at == JAM[1]:
            self._printer_back()
        if at == TRAVELLER_AT_TN02:
            self._traveller_at_tn02(plan)

    def _hazards_after_arrivals(self, plan: DayPlan, at: time) -> None:
        if at == SERVER_STOPPED[0][0]:
            self._see_offline("outage_1")
        if at == SERVER_STOPPED[1][0]:
            self._see_offline("outage_3")
        if at == PROXY_CUT[0]:
            self._see_offline("outage_2", PROXIED)
        if at == JAM[0]:
            self._see_jam(plan)

    def _hazards_after_sync(self, plan: DayPlan, at: time) -> None:
        if at == SERVER_STOPPED[0][1]:
            self._void_the_double(plan)
        if at == BUREAU_CHANGES:
            # C and D must have heard the bureau before the two people come (the proxy's
            # faults may have cost them this round).
            for letter in "CD":
                self._synced(self._desk(letter))
            self.seen["added_after_sync_codes"] = (
                self._desk("D").service.assess(plan.by_fate(Fate.ADDED).id_number).codes()
            )

    def _synced(self, desk: Desk) -> None:
        """Sync `desk` until a cycle goes through (bounded; a desk left offline shows)."""
        for _ in range(CLOSING_ROUNDS):
            desk.client.run_cycle()
            if desk.client.status.state is SyncState.ONLINE:
                return

    def _server_back(self) -> None:
        started = wall.perf_counter()
        self.server.start()
        self.timings.restart_seconds += wall.perf_counter() - started
        self.server_up = True

    def _see_offline(self, name: str, letters: str | None = None) -> None:
        desks = [
            d for letter, d in self.desks[SITE_CODE].items() if not letters or letter in letters
        ]
        for desk in desks:
            desk.client.run_cycle()
        self.seen[name] = [
            (desk.service.desk, desk.client.status.state, desk.store.outbox.count_pending())
            for desk in desks
        ]

    def _bureau_changes(self, plan: DayPlan) -> None:
        for fate in (Fate.CANCELLED_AWAY, Fate.CANCELLED_COMES):
            p = plan.by_fate(fate)
            r = self.admin.call(
                "POST",
                f"/api/v1/sites/{p.site}/rosters/{DAY}/cancellations",
                json={"id_number": p.id_number, "product": p.product},
            )
            assert r.status_code == 200, r.text
            del self.truth[p.site].booked[p.id_number]
        added = plan.by_fate(Fate.ADDED)
        r = self.admin.call(
            "POST", f"/api/v1/sites/{added.site}/rosters/{DAY}/entries", json=addition_body(added)
        )
        assert r.status_code == 201, r.text
        self.truth[added.site].booked[added.id_number] = added
        # The person comes to desk D before it synced: it cannot know them yet.
        desk = self._desk("D")
        out = desk.service.check_in(added.id_number)
        self.seen["added_before_sync"] = (out.checked_in, out.assessment.codes())
        if out.checked_in:
            self._took(SITE_CODE, "D", added, out)

    def _replace_desk_b(self, plan: DayPlan) -> None:
        old = self._desk("B")
        old.client.run_cycle()
        if old.store.outbox.count_pending():
            self.surprises.append("desk B had unsent events when its PC died")
        old.close()
        r = self.admin.call("POST", f"/api/v1/sites/{SITE_CODE}/desks/B/token")
        assert r.status_code == 200, r.text
        desk = self._enrol(SITE_CODE, "B", token=r.json()["token"], pc="pc2")
        self.replaced = True
        self.seen["replacement_sync"] = desk.client.status.state
        self.seen["replacement_knows"] = {
            fate: desk.service.assess(plan.by_fate(fate).id_number).codes()
            for fate in (Fate.TRAVELLER, Fate.DOUBLE)
        }
        self.seen["replacement_expected_next"] = f"B{self.numbers[(SITE_CODE, 'B')] + 1:03d}"

    def _see_jam(self, plan: DayPlan) -> None:
        assert self.tickets is not None
        jammed = str(self.seen["jammed_checkin_id"])
        deadline = wall.monotonic() + 15
        while "待印" not in self.tickets.state_text() and wall.monotonic() < deadline:
            wall.sleep(0.05)
        self.seen["jam_status"] = self.tickets.state_text()
        self.seen["jam_job_state"] = self._print_job(jammed).state
        self.seen["jam_received_before"] = len(self.printer.received)

    def _printer_back(self) -> None:
        jammed = str(self.seen["jammed_checkin_id"])
        self.printer.start()
        deadline = wall.monotonic() + 40
        while self._print_job(jammed).state != DONE and wall.monotonic() < deadline:
            wall.sleep(0.1)
        self.seen["jam_job_state_after"] = self._print_job(jammed).state
        since = self.printer.received[self.seen["jam_received_before"] :]
        codes = [ticket_code(r.data) for r in since if r.whole and r.data]
        self.seen["jam_ticket_printed"] = jammed in codes
        doctor = self._desk(DOCTOR)
        self.seen["jam_ticket_opens_person"] = any(
            e.checkin_id == jammed for e in doctor.service.doctor_queue()
        )

    def _print_job(self, checkin_id: str) -> PrintJob:
        queue = PrintQueue(self._desk("A").store.path, None)
        try:
            return queue.find(checkin_id=checkin_id)
        finally:
            queue.close()

    def _traveller_at_tn02(self, plan: DayPlan) -> None:
        p = plan.by_fate(Fate.TRAVELLER)
        desk = self._desk("A", OTHER_CODE)
        desk.client.run_cycle()
        out = desk.service.check_in(p.id_number)
        self.seen["traveller_at_tn02"] = (
            desk.client.status.state,
            out.checked_in,
            out.assessment.codes(),
        )
        if out.checked_in:
            self._took(OTHER_CODE, "A", p, out)

    def _void_the_double(self, plan: DayPlan) -> None:
        p = plan.by_fate(Fate.DOUBLE)
        queue = [e for e in self._desk(DOCTOR).service.doctor_queue() if e.id_number == p.id_number]
        self.seen["double_on_doctor_queue"] = [
            (e.queue_number, e.also_checked_in_as, e.vaccinated) for e in queue
        ]
        treated = next((e.checkin_id for e in queue if e.vaccinated), None)
        for letter, checkin_id in self.double.items():
            if checkin_id == treated:
                continue
            try:
                self._desk(letter).service.void_checkin(checkin_id, DUPLICATE_REASON)
            except DeskActionError as exc:
                self.surprises.append(f"void of the double check-in at {letter}: {exc.message_en}")
            else:
                self.truth[SITE_CODE].double_checkins[p.id_number] = f"desk {letter}"

    # -- check-in desks ----------------------------------------------------------------------

    def _arrivals(self, plan: DayPlan, code: str, at: time) -> None:
        letters = CHECKIN_DESKS[code]
        for i, p in enumerate(plan.arriving(code, at)):
            if p.fate is Fate.DOUBLE:
                for letter in "AB":
                    self.double[letter] = self._check_in(code, letter, p, expect=True) or ""
                self.truth[code].double_checkins[p.id_number] = None
                continue
            letter = p.desk or letters[i % len(letters)]
            self._check_in(code, letter, p, expect=p.fate is not Fate.CANCELLED_COMES)

    def _check_in(self, code: str, letter: str, p: Person, *, expect: bool) -> str | None:
        desk = self._desk(letter, code)
        started = wall.perf_counter()
        out = desk.service.check_in(p.id_number)
        if out.needs_reason:
            out = desk.service.check_in(p.id_number, CONFIRM_REASON)
        self.timings.checkin_seconds.append(wall.perf_counter() - started)
        if p.fate is Fate.CANCELLED_COMES:
            self.seen["cancelled_comes"] = (
                desk.client.status.state,
                out.checked_in,
                [(f.code, f.data.get("reason")) for f in out.assessment.flags],
            )
        if p.fate is Fate.ADDED:
            self.seen["added_comes"] = (out.checked_in, out.assessment.codes())
        if not out.checked_in:
            if expect:
                self.surprises.append(
                    f"{mask(p.id_number)} ({p.fate}) refused at {code} {letter}: "
                    f"{out.assessment.codes()}"
                )
            return None
        self._took(code, letter, p, out)
        if self.measure and code == SITE_CODE and letter == "A" and self.server_up:
            self._time_to_doctor(desk, out)
        return out.checkin_id

    def _took(self, code: str, letter: str, p: Person, out: CheckinOutcome) -> None:
        self.truth[code].checked_in.add(p.id_number)
        self.truth[code].numbers.setdefault(p.id_number, (out.queue_number or "", letter))
        self.numbers[(code, letter)] += 1
        if p.fate is Fate.JAMMED:
            self.seen["jammed_checkin_id"] = out.checkin_id
        if code == SITE_CODE and letter == "A" and self.tickets is not None:
            self.seen.setdefault("ticket_messages", []).append(
                self.tickets.print_ticket(
                    site=SITE,
                    queue_number=out.queue_number or "",
                    checkin_id=out.checkin_id or "",
                    product_label=p.product,
                    dose_label="第1劑",
                    name=p.name,
                    id_number=p.id_number,
                )
            )
        if (code, letter) == (SITE_CODE, "B") and self.replaced:
            self.seen.setdefault("replacement_first_number", out.queue_number)

    def _time_to_doctor(self, desk: Desk, out: CheckinOutcome) -> None:
        """The bench: how long until this check-in is on the doctor desk's queue."""
        started = wall.perf_counter()
        doctor = self._desk(DOCTOR)
        desk.client.sync_once()
        doctor.client.sync_once()
        if any(e.checkin_id == out.checkin_id for e in doctor.service.doctor_queue()):
            self.timings.to_doctor_seconds.append(wall.perf_counter() - started)

    # -- sync and the doctor ------------------------------------------------------------------

    def _sync_and_treat(self, at: time) -> None:
        for code, desks in self.desks.items():
            for letter, desk in desks.items():
                if letter != DOCTOR:
                    desk.client.run_cycle()
            doctor = desks[DOCTOR]
            doctor.client.run_cycle()
            self._treat(code, doctor, at)
            doctor.client.run_cycle()

    def _treat(self, code: str, doctor: Desk, at: time) -> None:
        for entry in doctor.service.doctor_queue():
            key = (code, entry.id_number)
            if key in self.handled or entry.vaccinated:
                continue
            self.handled.add(key)
            p = self.truth[code].booked.get(entry.id_number)
            if p is None:
                self.surprises.append(f"{mask(entry.id_number)} on {code}'s queue, not booked")
                continue
            if p.fate is Fate.DOUBLE:
                self.seen["double_first_seen"] = entry.also_checked_in_as
            try:
                if p.fate is Fate.REFUSED:
                    doctor.service.doctor_decision(entry.checkin_id, False, REFUSAL_REASON)
                    self.truth[code].refusals[p.id_number] = REFUSAL_REASON
                    continue
                doctor.service.doctor_decision(entry.checkin_id, True, None)
                lot = self._vial(code, doctor, p.product, at)
                doctor.service.record_vaccination(entry.checkin_id, p.product, lot, 1)
            except DeskActionError as exc:
                self.surprises.append(f"{mask(p.id_number)} at {code} doctor: {exc.message_en}")
                continue
            at_desk = self.clock().isoformat()
            self.truth[code].vaccinated[p.id_number] = Dose(p.product, lot, 1, DOCTOR, at_desk)
            self.vial_left[(code, p.product, lot)] -= 1

    def _vial(self, code: str, doctor: Desk, product: str, at: time) -> str:
        lot = lot_of(code, product, at)
        if self.vial_left[(code, product, lot)] <= 0:
            doctor.service.open_vial(product, lot)
            self.truth[code].vials[(product, lot)] += 1
            self.vial_left[(code, product, lot)] = DOSES_PER_VIAL
        return lot

    # -- the end -----------------------------------------------------------------------------

    def _reports(self, code: str) -> SiteReports:
        base = f"/api/v1/sites/{code}"
        started = wall.perf_counter()
        r = self.admin.call("GET", f"{base}/reconciliation/{DAY}")
        self.timings.reconciliation_seconds[code] = wall.perf_counter() - started
        assert r.status_code == 200, r.text
        niis = self.admin.call("GET", f"{base}/exports/niis/{DAY}")
        stock = self.admin.call("GET", f"{base}/exports/stock/{DAY}")
        return SiteReports(r.json(), csv_rows(niis.content)[1:], csv_rows(stock.content)[1:])

    def _shut_down(self) -> None:
        if self.tickets is not None:
            self.tickets.stop()
        for desks in self.desks.values():
            for desk in desks.values():
                desk.close()
        self.proxy.stop()
        self.printer.stop()

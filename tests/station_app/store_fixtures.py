"""Test data for the store and check-in service tests: people, bookings and a service.

Entries follow the shape of vaccination.roster_import.RosterEntry (person, booking,
history, history_text, flags), which is all Store.import_entries reads.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from station_app.checkin_service import CheckinService
from station_app.store import Store
from station_app.store.lookups import TAIPEI
from vaccination.ids import make_national_id
from vaccination.models import Booking, DoseRecord, Person
from vaccination.roster_import import RosterEntry
from vaccination.rules import RuleSetRegistry, load_rule_sets

DAY = date(2026, 11, 23)
SITE = "臺南市立體育館"
OTHER_SITE = "永康國民運動中心"
_RULES: list[RuleSetRegistry] = []


def rules() -> RuleSetRegistry:
    """The shipped rule sets, loaded once per test session."""
    if not _RULES:
        _RULES.append(load_rule_sets())
    return _RULES[0]


# An accepted roster row, as the importer makes it.
Entry = RosterEntry


def pid(n: int) -> str:
    """A valid national ID number, distinct for each n."""
    return make_national_id("A", 1 + n % 2, 1_000_000 + n)


def entry(
    n: int,
    *,
    name: str | None = None,
    site: str = SITE,
    day: date = DAY,
    slot: time = time(9, 0),
    product: str = "CoV_Moderna",
    dose: int = 1,
    birth: date | None = date(1980, 5, 1),
    phone: str | None = None,
    history: tuple[DoseRecord, ...] = (),
    row: int | None = None,
) -> Entry:
    """One booked person (adult, Moderna dose 1 at 09:00 by default)."""
    id_number = pid(n)
    return Entry(
        person=Person(id_number, name or f"王小{n}", birth, phone or f"0912{n:06d}"),
        booking=Booking(
            id_number=id_number,
            site=site,
            slot_start=datetime.combine(day, slot),
            product=product,
            dose=dose,
            dose_label=f"第{dose}劑",
            row_number=row if row is not None else n,
        ),
        history=history,
        history_text=" ".join(f"{d.product} {d.given_on}" for d in history),
    )


class Clock:
    """A settable desk clock (aware, Asia/Taipei)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, hh: int, mm: int, day: date = DAY) -> None:
        self.at = datetime.combine(day, time(hh, mm), tzinfo=TAIPEI)


def clock_at(hh: int, mm: int, day: date = DAY) -> Clock:
    """A clock standing at hh:mm Taiwan time on `day`."""
    return Clock(datetime.combine(day, time(hh, mm), tzinfo=TAIPEI))


def service(
    store: Store, desk: str = "A", clock: Clock | None = None, site: str = SITE
) -> CheckinService:
    """A CheckinService of `desk` at SITE on DAY (09:05 unless a clock is given)."""
    return CheckinService(store, rules(), site, desk, DAY, clock or clock_at(9, 5))


def open_store(tmp_path: Path, name: str = "desk.db") -> Store:
    """A fresh migrated store in the test's temporary folder."""
    return Store.open(tmp_path / name)

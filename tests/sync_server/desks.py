"""Desks for the sync tests: a real store, a real check-in service, a real sync client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from live_server import Admin
from store_fixtures import DAY, OTHER_SITE, SITE, Clock, clock_at, rules

from station_app.checkin_service import CheckinService
from station_app.desk_rules import desk_rules
from station_app.store import Store
from station_app.sync_client import SyncClient
from vaccination.ids import make_national_id

# The day, sites and clock are the store tests' own, so desks and store tests agree.
__all__ = [
    "DAY",
    "OTHER_CODE",
    "OTHER_SITE",
    "SITE",
    "SITE_CODE",
    "Desk",
    "make_desk",
    "pid",
    "roster_entry",
    "seed_roster",
]

SITE_CODE = "TN01"
OTHER_CODE = "TN02"


def pid(n: int) -> str:
    """A valid national ID number, distinct for each n."""
    return make_national_id("A", 1 + n % 2, 2_000_000 + n)


def roster_entry(
    n: int, *, product: str = "CoV_Moderna", dose: int = 1, day: date = DAY, **extra: Any
) -> dict:
    """The JSON the bureau posts to add one booking centrally (on `day`, 09:00)."""
    body = {
        "id_number": pid(n),
        "name": extra.pop("name", f"王小{n}"),
        "birth_date": "1980-05-01",
        "slot_start": datetime.combine(day, time(9, 0)).isoformat(),
        "product": product,
        "dose": dose,
        "dose_label": f"第{dose}劑",
    }
    body.update(extra)
    return body


def seed_roster(
    admin: Admin, site: str, people: range | list[int], day: date = DAY, **extra: Any
) -> None:
    for n in people:
        r = admin.call(
            "POST",
            f"/api/v1/sites/{site}/rosters/{day}/entries",
            json=roster_entry(n, day=day, **extra),
        )
        assert r.status_code == 201, r.text


@dataclass
class Desk:
    """One desk PC: store, check-in service and sync client."""

    store: Store
    service: CheckinService
    client: SyncClient

    def close(self) -> None:
        self.client.stop()
        self.store.close()


def make_desk(
    tmp_path: Path,
    url: str,
    token: str,
    letter: str,
    site: str = SITE,
    day: date = DAY,
    *,
    clock: Clock | None = None,
    **client_kw: Any,
) -> Desk:
    """A desk of `site` on `day` (09:05 there unless `clock` says), judging with the bundled
    rule sets and the versions its store downloaded; new downloads reach its service as a
    running desk's do."""
    store = Store.open(tmp_path / f"desk_{letter}_{site_slug(site)}_{day}.db")
    in_use = desk_rules(store, rules())
    service = CheckinService(store, in_use, site, letter, day, clock or clock_at(9, 5, day))
    client_kw.setdefault("product_codes", frozenset(p.code for p in in_use.products()))
    client_kw.setdefault("bundled_rules", rules())
    client_kw.setdefault("on_rules", service.use_rules)
    client = SyncClient(store, url, token, interval=0.05, **client_kw)
    return Desk(store, service, client)


def site_slug(site: str) -> str:
    return str(abs(hash(site)) % 10_000)

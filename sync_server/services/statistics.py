"""Daily counts (每日數量) of vaccinations: per day, site, product, dose and age band.

Seed 001's statistics reports (統計報表: "01. 各年齡層預約數 02. 各區疫苗期別預約數") count
by age group and area; the bands here follow the age limits of the products in the
documents (child products 5-11, adult 12+ / 18+, boosters by age from 50 and 65).
A vaccination counts on the day and at the site whose desk recorded it; the age is
taken on that day from the birth date of the roster (or the walk-in record).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Final

from sqlalchemy import Connection, and_, select

from sync_server.db.tables import log, roster_entries
from sync_server.services.accounts import Site
from sync_server.services.spreadsheets import csv_bytes
from vaccination.events import EventKind

# (lowest age in years, label); the last band has no upper end.
AGE_BANDS: Final[list[tuple[int, str]]] = [
    (0, "0-4"),
    (5, "5-11"),
    (12, "12-17"),
    (18, "18-49"),
    (50, "50-64"),
    (65, "65+"),
]
UNKNOWN_AGE: Final[str] = "?"
HEADER: Final[list[str]] = [
    "日期 day",
    "場所 site",
    "疫苗 product",
    "劑次 dose",
    "年齡層 age",
    "人數 count",
]


@dataclass(frozen=True)
class CountRow:
    """Vaccinations of one day, site, product, dose and age band."""

    day: date
    site: str
    product: str
    dose: int
    age_band: str
    count: int


def age_band(birth: date | None, on: date) -> str:
    """The band of a person's age in whole years on a day."""
    if birth is None:
        return UNKNOWN_AGE
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    label = UNKNOWN_AGE
    for lowest, name in AGE_BANDS:
        if years >= lowest:
            label = name
    return label


def daily_counts(conn: Connection, sites: list[Site], start: date, end: date) -> list[CountRow]:
    """Vaccinations of the sites between `start` and `end` (inclusive), counted by group."""
    by_id = {s.id: s.code for s in sites}
    if not by_id:
        return []
    events = conn.execute(
        select(log.c.site_id, log.c.day, log.c.id_number, log.c.payload).where(
            and_(
                log.c.site_id.in_(by_id),
                log.c.day >= start,
                log.c.day <= end,
                log.c.kind == EventKind.VACCINATION.value,
            )
        )
    ).all()
    births: dict[str, date | None] = {}
    ids = sorted({e.id_number for e in events if e.id_number})
    for at in range(0, len(ids), 500):
        chunk = ids[at : at + 500]
        for r in conn.execute(
            select(roster_entries.c.id_number, roster_entries.c.birth_date).where(
                roster_entries.c.id_number.in_(chunk)
            )
        ):
            births[r.id_number] = births.get(r.id_number) or r.birth_date
        for w in conn.execute(
            select(log.c.id_number, log.c.payload).where(
                and_(log.c.id_number.in_(chunk), log.c.kind == EventKind.WALKIN_ADDED.value)
            )
        ):
            text = w.payload.get("birth_date")
            if text and not births.get(w.id_number):
                births[w.id_number] = date.fromisoformat(text)
    counts: Counter[tuple[date, str, str, int, str]] = Counter()
    for e in events:
        band = age_band(births.get(e.id_number or ""), e.day)
        dose = int(e.payload.get("dose") or 0)
        counts[(e.day, by_id[e.site_id], str(e.payload.get("product")), dose, band)] += 1
    return [CountRow(*key, n) for key, n in sorted(counts.items())]


def counts_csv(rows: list[CountRow]) -> bytes:
    """The counts as a CSV file."""
    return csv_bytes(
        HEADER, [[r.day.isoformat(), r.site, r.product, r.dose, r.age_band, r.count] for r in rows]
    )

"""Files the bureau sends on: the NIIS upload of a day and the stock report per lot.

NIIS (seed 002, ch. 6): every dose with the NIIS vaccine code, dose number, date, lot
number with the `-CDC` suffix, ID number, name, birth date and the site's 10-digit
institution code. Stock (same chapter): `疫苗代號, 批號, 結存數量(瓶), 消耗數量(瓶)`,
vials used counted from the desks' VIAL_OPENED events (older desks: `vials_opened` in
the VACCINATION payload, or else ceil(doses / doses per vial)).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import Any, Final

from sqlalchemy import Connection, and_, func, select

from sync_server.db.tables import log, roster_entries, stock_deliveries
from sync_server.services.accounts import Site
from sync_server.services.spreadsheets import csv_bytes
from vaccination.events import EventKind
from vaccination.rules import RuleSetLookupError, RuleSetRegistry

CDC_SUFFIX: Final[str] = "-CDC"
NIIS_HEADER: Final[list[str]] = [
    "疫苗代碼",
    "劑次",
    "接種日期",
    "批號",
    "身分證字號",
    "姓名",
    "出生日期",
    "院所代碼",
]
STOCK_HEADER: Final[list[str]] = ["疫苗代號", "批號", "結存數量(瓶)", "消耗數量(瓶)"]


def cdc_lot(lot: str) -> str:
    """The lot number as NIIS wants it: with `-CDC` once at the end."""
    lot = lot.strip()
    return lot if lot.upper().endswith(CDC_SUFFIX) else lot + CDC_SUFFIX


def _niis_code(rules: RuleSetRegistry, code: str) -> str:
    try:
        return rules.product(code).niis_code
    except RuleSetLookupError:
        return code


def niis_rows(conn: Connection, site: Site, day: date, rules: RuleSetRegistry) -> list[list[Any]]:
    """One row per vaccination of the site's day, in the order given."""
    vaccinations = conn.execute(
        select(log)
        .where(
            and_(
                log.c.site_id == site.id,
                log.c.day == day,
                log.c.kind == EventKind.VACCINATION.value,
            )
        )
        .order_by(log.c.at, log.c.log_id)
    ).all()
    people: dict[str, tuple[str, date | None]] = {}
    ids = sorted({v.id_number for v in vaccinations if v.id_number})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in conn.execute(
            select(roster_entries.c.id_number, roster_entries.c.name, roster_entries.c.birth_date)
            .where(roster_entries.c.id_number.in_(chunk))
            .order_by(roster_entries.c.day)
        ):
            people[r.id_number] = (r.name, r.birth_date)
        for w in conn.execute(
            select(log.c.id_number, log.c.payload).where(
                and_(log.c.id_number.in_(chunk), log.c.kind == EventKind.WALKIN_ADDED.value)
            )
        ):
            birth = w.payload.get("birth_date")
            people.setdefault(
                w.id_number,
                (str(w.payload.get("name") or ""), date.fromisoformat(birth) if birth else None),
            )
    rows = []
    for v in vaccinations:
        p = v.payload
        name, birth = people.get(v.id_number, ("", None))
        rows.append(
            [
                _niis_code(rules, str(p["product"])),
                p["dose"],
                day.isoformat(),
                cdc_lot(str(p["lot"])),
                v.id_number,
                name,
                birth.isoformat() if birth else "",
                site.institution_code,
            ]
        )
    return rows


def niis_csv(conn: Connection, site: Site, day: date, rules: RuleSetRegistry) -> bytes:
    """The NIIS upload file of the site's day."""
    return csv_bytes(NIIS_HEADER, niis_rows(conn, site, day, rules))


def _doses_per_vial(rules: RuleSetRegistry, code: str) -> int:
    try:
        return rules.product(code).doses_per_vial
    except RuleSetLookupError:
        return 1


def stock_rows(conn: Connection, site: Site, day: date, rules: RuleSetRegistry) -> list[list[Any]]:
    """Per lot: vials in stock after the day and vials used that day.

    Vials used are the vials the desks opened (VIAL_OPENED events, broken or expired ones
    discarded unopened counted too); a day whose doses came with no vial event (a desk
    older than the vial events) falls back to what its VACCINATION events report, else
    to ceil(doses / doses per vial).
    """
    doses: dict[tuple[date, str, str], int] = defaultdict(int)
    opened: dict[tuple[date, str, str], int] = defaultdict(int)
    reported: dict[tuple[date, str, str, str], int] = {}
    kinds = (
        EventKind.VACCINATION.value,
        EventKind.VIAL_OPENED.value,
        EventKind.VIAL_DISCARDED.value,
    )
    for v in conn.execute(
        select(log.c.day, log.c.desk, log.c.kind, log.c.payload).where(
            and_(log.c.site_id == site.id, log.c.day <= day, log.c.kind.in_(kinds))
        )
    ):
        key = (v.day, str(v.payload["product"]), str(v.payload["lot"]).strip())
        if v.kind == EventKind.VIAL_OPENED.value:
            opened[key] += 1
            continue
        if v.kind == EventKind.VIAL_DISCARDED.value:
            if v.payload.get("vial") is None:  # thrown away unopened: a vial used all the same
                opened[key] += 1
            continue
        doses[key] += 1
        said = v.payload.get("vials_opened")
        if isinstance(said, int) and not isinstance(said, bool) and said >= 0:
            rkey = (*key, v.desk)
            reported[rkey] = max(reported.get(rkey, 0), said)
    used: dict[tuple[date, str, str], int] = dict(opened)
    for key, n in doses.items():
        if key in opened:
            continue
        by_desk = [count for (d, p, lot, _), count in reported.items() if (d, p, lot) == key]
        used[key] = sum(by_desk) if by_desk else math.ceil(n / _doses_per_vial(rules, key[1]))
    delivered: dict[tuple[str, str], int] = defaultdict(int)
    for d in conn.execute(
        select(
            stock_deliveries.c.product, stock_deliveries.c.lot, func.sum(stock_deliveries.c.vials)
        )
        .where(and_(stock_deliveries.c.site_id == site.id, stock_deliveries.c.day <= day))
        .group_by(stock_deliveries.c.product, stock_deliveries.c.lot)
    ):
        delivered[(d[0], d[1].strip())] += int(d[2] or 0)
    lots = {(p, lot) for (_, p, lot) in used} | set(delivered)
    rows = []
    for product, lot in sorted(lots):
        total_used = sum(n for (d, p, lo), n in used.items() if (p, lo) == (product, lot))
        today = used.get((day, product, lot), 0)
        balance = delivered.get((product, lot), 0) - total_used
        if today == 0 and balance == 0:
            continue
        rows.append([_niis_code(rules, product), cdc_lot(lot), balance, today])
    return rows


def stock_csv(conn: Connection, site: Site, day: date, rules: RuleSetRegistry) -> bytes:
    """The stock report of the site's day."""
    return csv_bytes(STOCK_HEADER, stock_rows(conn, site, day, rules))


def record_delivery(
    conn: Connection, site: Site, day: date, product: str, lot: str, vials: int, now: Any
) -> None:
    """Record vials of a lot delivered to the site (the base of 結存數量)."""
    conn.execute(
        stock_deliveries.insert().values(
            site_id=site.id, day=day, product=product, lot=lot.strip(), vials=vials, created_at=now
        )
    )


def deliveries(conn: Connection, site: Site) -> list[dict[str, Any]]:
    """Every delivery recorded for the site, newest first."""
    return [
        dict(r._mapping)
        for r in conn.execute(
            select(
                stock_deliveries.c.day,
                stock_deliveries.c.product,
                stock_deliveries.c.lot,
                stock_deliveries.c.vials,
                stock_deliveries.c.created_at,
            )
            .where(stock_deliveries.c.site_id == site.id)
            .order_by(stock_deliveries.c.day.desc(), stock_deliveries.c.id.desc())
        )
    ]

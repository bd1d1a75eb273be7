"""Reconciliation of a site's day, and the conflicts derived from every desk's events.

Counts: booked / checked in / vaccinated / doctor not approved / no-show / walk-in.
Conflicts are facts for the health bureau, never overwritten: one person checked in
at two desks or two sites, a dose inside the minimum interval of the rule set, a dose
given after a doctor refused elsewhere, two vaccinations on one day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from sync_server.db.tables import log, roster_entries, sites
from sync_server.services.accounts import Site
from sync_server.services.spreadsheets import csv_bytes, xlsx_bytes
from vaccination.assessment import age_in_months
from vaccination.events import EventKind
from vaccination.ids import mask_id
from vaccination.rules import RuleSetLookupError, RuleSetRegistry

CHECKED_IN_TWICE = "CHECKED_IN_TWICE"
INTERVAL_TOO_SHORT = "INTERVAL_TOO_SHORT"
VACCINATED_AFTER_REFUSAL = "VACCINATED_AFTER_REFUSAL"
TWO_VACCINATIONS_SAME_DAY = "TWO_VACCINATIONS_SAME_DAY"


@dataclass(frozen=True)
class Conflict:
    """One fact the bureau must look at."""

    code: str
    id_number: str
    name: str
    message_zh: str
    message_en: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (ID number masked)."""
        return {
            "code": self.code,
            "masked_id": mask_id(self.id_number),
            "name": self.name,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "data": self.data,
        }


@dataclass(frozen=True)
class Reconciliation:
    """A site's day: counters and conflicts."""

    site: str
    site_name: str
    day: date
    booked: int
    checked_in: int
    vaccinated: int
    not_approved: int
    no_show: int
    walk_in: int
    conflicts: list[Conflict]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "site": self.site,
            "site_name": self.site_name,
            "day": self.day.isoformat(),
            "counts": self.counts(),
            "conflicts": [c.to_dict() for c in self.conflicts],
        }

    def counts(self) -> dict[str, int]:
        """The counters by name."""
        return {
            "booked": self.booked,
            "checked_in": self.checked_in,
            "vaccinated": self.vaccinated,
            "not_approved": self.not_approved,
            "no_show": self.no_show,
            "walk_in": self.walk_in,
        }


_COUNT_LABELS = [
    ("booked", "預約人數"),
    ("checked_in", "已報到"),
    ("vaccinated", "已接種"),
    ("not_approved", "醫生不同意"),
    ("no_show", "未到"),
    ("walk_in", "現場增加"),
]
_CONFLICT_HEADER = ["衝突代碼 code", "身分證字號 ID", "姓名 name", "說明", "description"]


def to_csv(rec: Reconciliation) -> bytes:
    """Counts then conflicts in one CSV sheet."""
    rows: list[list[Any]] = [["場所 site", rec.site], ["日期 day", rec.day.isoformat()]]
    rows += [[f"{zh} {en}", rec.counts()[en]] for en, zh in _COUNT_LABELS]
    rows.append([])
    rows.append(_CONFLICT_HEADER)
    rows += [
        [c.code, mask_id(c.id_number), c.name, c.message_zh, c.message_en] for c in rec.conflicts
    ]
    return csv_bytes(["項目 item", "值 value"], rows)


def to_xlsx(rec: Reconciliation) -> bytes:
    """Two sheets: 統計 (counts) and 衝突 (conflicts)."""
    counts = [[f"{zh} {en}", rec.counts()[en]] for en, zh in _COUNT_LABELS]
    conflicts = [
        [c.code, mask_id(c.id_number), c.name, c.message_zh, c.message_en] for c in rec.conflicts
    ]
    return xlsx_bytes(
        [
            (f"統計 {rec.day.isoformat()}", ["項目 item", "值 value"], counts),
            ("衝突 conflicts", _CONFLICT_HEADER, conflicts),
        ]
    )


def _instant(row: Any) -> datetime:
    """When a logged event happened (desks may write different UTC offsets)."""
    return datetime.fromisoformat(row.at)


@dataclass
class _Checkin:
    event_id: str
    site_id: int
    desk: str
    queue_number: str
    at: str
    undone: bool = False


def _active_checkins(events: list[Any]) -> list[_Checkin]:
    checkins = {
        e.event_id: _Checkin(
            e.event_id, e.site_id, e.desk, str(e.payload.get("queue_number")), e.at
        )
        for e in events
        if e.kind == EventKind.CHECKIN.value
    }
    for e in events:
        if e.kind != EventKind.CHECKIN_UNDONE.value:
            continue
        target = e.payload.get("checkin_id")
        for c in checkins.values():
            if (target and c.event_id == target) or (
                not target
                and c.site_id == e.site_id
                and c.queue_number == str(e.payload.get("queue_number"))
            ):
                c.undone = True
    return [c for c in checkins.values() if not c.undone]


def reconcile(conn: Connection, site: Site, day: date, rules: RuleSetRegistry) -> Reconciliation:
    """Count and cross-check a site's day against every site's events of that day."""
    site_codes = {r.id: r.code for r in conn.execute(select(sites.c.id, sites.c.code))}
    roster = conn.execute(
        select(roster_entries).where(
            and_(
                roster_entries.c.site_id == site.id,
                roster_entries.c.day == day,
                roster_entries.c.cancelled.is_(False),
            )
        )
    ).all()
    day_events = conn.execute(
        select(log)
        .where(and_(log.c.day == day, log.c.entry == "event"))
        .order_by(log.c.at, log.c.log_id)
    ).all()
    by_person: dict[str, list[Any]] = defaultdict(list)
    for e in day_events:
        if e.id_number:
            by_person[e.id_number].append(e)
    here_people = {e.id_number for e in day_events if e.site_id == site.id and e.id_number}
    names: dict[str, str] = {r.id_number: r.name for r in roster}
    births: dict[str, date | None] = {r.id_number: r.birth_date for r in roster}
    for e in day_events:
        if e.kind == EventKind.WALKIN_ADDED.value and e.id_number:
            names.setdefault(e.id_number, str(e.payload.get("name") or ""))
            b = e.payload.get("birth_date")
            births.setdefault(e.id_number, date.fromisoformat(b) if b else None)

    checked_in: set[str] = set()
    vaccinated: set[str] = set()
    not_approved: set[str] = set()
    walk_ins: set[str] = {r.id_number for r in roster if r.walk_in}
    conflicts: list[Conflict] = []
    vaccinated_here: list[Any] = []
    for person in sorted(here_people):
        events = by_person[person]
        here = [e for e in events if e.site_id == site.id]
        active = _active_checkins(events)
        if any(c.site_id == site.id for c in active):
            checked_in.add(person)
        decisions = sorted(
            (e for e in here if e.kind == EventKind.DOCTOR_DECISION.value), key=_instant
        )
        if decisions and not decisions[-1].payload.get("approved"):
            not_approved.add(person)
        vacc = [e for e in events if e.kind == EventKind.VACCINATION.value]
        if any(e.site_id == site.id for e in vacc):
            vaccinated.add(person)
            vaccinated_here += [e for e in vacc if e.site_id == site.id]
        if any(e.kind == EventKind.WALKIN_ADDED.value for e in here):
            walk_ins.add(person)
        name = names.get(person, "")
        places = {(c.site_id, c.desk) for c in active}
        if len(places) > 1 and any(c.site_id == site.id for c in active):
            where = "、".join(
                f"{site_codes.get(c.site_id, '?')} {c.desk} {c.queue_number}" for c in active
            )
            where_en = ", ".join(
                f"{site_codes.get(c.site_id, '?')} desk {c.desk} #{c.queue_number}" for c in active
            )
            conflicts.append(
                Conflict(
                    CHECKED_IN_TWICE,
                    person,
                    name,
                    f"同一人報到 {len(active)} 次：{where}",
                    f"checked in {len(active)} times: {where_en}",
                    {
                        "checkins": [
                            {
                                "site": site_codes.get(c.site_id),
                                "desk": c.desk,
                                "queue_number": c.queue_number,
                                "at": c.at,
                            }
                            for c in active
                        ]
                    },
                )
            )
        if len(vacc) > 1 and any(e.site_id == site.id for e in vacc):
            lots = "、".join(
                f"{site_codes.get(e.site_id)} {e.payload.get('product')}" for e in vacc
            )
            conflicts.append(
                Conflict(
                    TWO_VACCINATIONS_SAME_DAY,
                    person,
                    name,
                    f"同一天接種 {len(vacc)} 次：{lots}",
                    f"vaccinated {len(vacc)} times on one day: {lots}",
                    {"event_ids": [e.event_id for e in vacc]},
                )
            )
        refusals = [
            e
            for e in events
            if e.kind == EventKind.DOCTOR_DECISION.value and not e.payload.get("approved")
        ]
        for v in (e for e in vacc if e.site_id == site.id):
            for r in refusals:
                elsewhere = r.site_id != site.id
                later_ok = any(
                    e.kind == EventKind.DOCTOR_DECISION.value
                    and e.payload.get("approved")
                    and e.site_id == site.id
                    and _instant(r) < _instant(e) <= _instant(v)
                    for e in events
                )
                if elsewhere or (_instant(r) < _instant(v) and not later_ok):
                    conflicts.append(
                        Conflict(
                            VACCINATED_AFTER_REFUSAL,
                            person,
                            name,
                            f"醫師於 {site_codes.get(r.site_id)} 評估不同意後仍接種"
                            f"（{r.payload.get('reason') or '未填原因'}）",
                            f"vaccinated after a doctor refused at {site_codes.get(r.site_id)} "
                            f"({r.payload.get('reason') or 'no reason given'})",
                            {"refusal": r.event_id, "vaccination": v.event_id},
                        )
                    )
                    break
    conflicts += _interval_conflicts(conn, day, vaccinated_here, names, births, rules)
    booked_people = {r.id_number for r in roster if not r.walk_in}
    no_show = booked_people - checked_in - vaccinated
    return Reconciliation(
        site=site.code,
        site_name=site.name,
        day=day,
        booked=len(roster),
        checked_in=len(checked_in),
        vaccinated=len(vaccinated),
        not_approved=len(not_approved),
        no_show=len(no_show),
        walk_in=len(walk_ins),
        conflicts=sorted(conflicts, key=lambda c: (c.code, c.id_number)),
    )


def _interval_conflicts(
    conn: Connection,
    day: date,
    vaccinations: list[Any],
    names: dict[str, str],
    births: dict[str, date | None],
    rules: RuleSetRegistry,
) -> list[Conflict]:
    """Doses given today before the minimum interval since the person's previous dose."""
    people = sorted({v.id_number for v in vaccinations})
    if not people:
        return []
    earlier: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for start in range(0, len(people), 500):
        chunk = people[start : start + 500]
        for r in conn.execute(
            select(roster_entries.c.id_number, roster_entries.c.history).where(
                roster_entries.c.id_number.in_(chunk)
            )
        ):
            for h in r.history or []:
                earlier[r.id_number].append((date.fromisoformat(h["given_on"]), h["product"]))
        for e in conn.execute(
            select(log.c.id_number, log.c.day, log.c.payload).where(
                and_(
                    log.c.id_number.in_(chunk),
                    log.c.kind == EventKind.VACCINATION.value,
                    log.c.day < day,
                )
            )
        ):
            earlier[e.id_number].append((e.day, str(e.payload.get("product"))))
    out = []
    for v in vaccinations:
        code = str(v.payload.get("product"))
        try:
            rs = rules.for_product(code, day)
            product = rs.product(code)
        except (RuleSetLookupError, KeyError):
            continue
        same = sorted(
            {
                (d, p)
                for d, p in earlier[v.id_number]
                if d < day and rules.disease_of(p) == rs.disease
            }
        )
        if not same:
            continue
        last_day, last_product = same[-1]
        birth = births.get(v.id_number)
        age = age_in_months(birth, day) if birth else None
        try:
            dose = int(v.payload.get("dose"))
        except (TypeError, ValueError):
            continue
        rule = rs.min_interval(product, last_product, dose, age)
        if rule is None or (day - last_day).days >= rule.min_days:
            continue
        days = (day - last_day).days
        out.append(
            Conflict(
                INTERVAL_TOO_SHORT,
                v.id_number,
                names.get(v.id_number, ""),
                f"距上一劑（{last_day.isoformat()} {last_product}）僅 {days} 天，"
                f"未滿 {rule.min_days} 天即接種 {code} 第 {dose} 劑",
                f"{code} dose {dose} given {days} days after the previous dose "
                f"({last_day.isoformat()} {last_product}); minimum {rule.min_days} days",
                {
                    "vaccination": v.event_id,
                    "last_dose": last_day.isoformat(),
                    "min_days": rule.min_days,
                },
            )
        )
    return out

"""Reconciliation of a site's day: counts and conflicts from the shared projection.

Counts: booked / checked in / vaccinated / doctor not approved / no-show / walk-in.
Conflicts are facts for the health bureau, never overwritten: one person checked in
at two desks or two sites, a dose inside the minimum interval of the rule set, a dose
given after a doctor refused or without approval, two vaccinations on one day. The
rules are vaccination.projection's, the same the desks' stores are built by.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, Connection, and_, bindparam, select

from sync_server.db.tables import log, roster_entries, sites
from sync_server.services.accounts import Site
from sync_server.services.pull import event_json_columns
from sync_server.services.site_day_folds import folds_of
from sync_server.services.spreadsheets import csv_bytes, xlsx_bytes
from vaccination.bulk import cyclic_gc_paused
from vaccination.events import Event, EventError, EventKind, parse_event_json
from vaccination.ids import mask_id
from vaccination.models import DoseRecord
from vaccination.projection import (
    CHECKED_IN_TWICE,
    TWO_VACCINATIONS_SAME_DAY,
    VACCINATED_AFTER_REFUSAL,
    VACCINATED_WITHOUT_APPROVAL,
    BookingFact,
    ConflictState,
    RuleSetUse,
    SiteCounts,
    SiteDayState,
    SitePeople,
    interval_checker,
)
from vaccination.rules import RuleSetRegistry

log_ = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conflict:
    """One fact the bureau must look at."""

    code: str
    id_number: str
    name: str
    message_zh: str
    message_en: str
    data: dict[str, Any] = field(default_factory=dict)
    resolved_by: str | None = None  # who settled it (a manager's correction), else open

    def to_dict(self) -> dict[str, Any]:
        """JSON form (ID number masked)."""
        return {
            "code": self.code,
            "masked_id": mask_id(self.id_number),
            "name": self.name,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "data": self.data,
            "state": "resolved" if self.resolved_by else "open",
            "resolved_by": self.resolved_by,
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
    # The people behind the counters, to check the books to the person (IDs masked):
    # "no_shows", "refusals" (with reasons), "walk_ins", "vaccinations" (product, lot).
    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The rule-set versions the day's check-ins and doses were judged by (from the events).
    rule_sets: list[RuleSetUse] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "site": self.site,
            "site_name": self.site_name,
            "day": self.day.isoformat(),
            "counts": self.counts(),
            "rule_set_versions": [asdict(u) for u in self.rule_sets],
            "conflicts": [c.to_dict() for c in self.conflicts],
            **self.lists,
        }

    def counts(self) -> dict[str, int]:
        """The counters by name (those of the projection's SiteCounts)."""
        return {f.name: getattr(self, f.name) for f in fields(SiteCounts)}


_COUNT_LABELS = [
    ("booked", "預約人數"),
    ("checked_in", "已報到"),
    ("vaccinated", "已接種"),
    ("not_approved", "醫生不同意"),
    ("no_show", "未到"),
    ("walk_in", "現場增加"),
]
_RULE_SET_HEADER = ["規則版本 rule-set version", "報到 check-ins", "接種 vaccinations"]
_CONFLICT_HEADER = ["衝突代碼 code", "身分證字號 ID", "姓名 name", "說明", "description"]


# The per-person lists: (key, sheet title, columns as (field, header)).
_LISTS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("no_shows", "未到 no-shows", [("masked_id", "身分證字號 ID"), ("name", "姓名 name")]),
    (
        "refusals",
        "醫生不同意 refusals",
        [("masked_id", "身分證字號 ID"), ("name", "姓名 name"), ("queue_number", "報到號碼 no."),
         ("desk", "櫃台 desk"), ("reason", "原因 reason")],
    ),
    (
        "walk_ins",
        "現場增加 walk-ins",
        [("masked_id", "身分證字號 ID"), ("name", "姓名 name"), ("product", "疫苗 product"),
         ("dose", "劑次 dose")],
    ),
    (
        "vaccinations",
        "已接種 vaccinations",
        [("masked_id", "身分證字號 ID"), ("name", "姓名 name"), ("product", "疫苗 product"),
         ("lot", "批號 lot"), ("dose", "劑次 dose"), ("desk", "櫃台 desk"), ("at", "時間 at")],
    ),
    (  # only in a closed day's copy (services/closing.py)
        "late_events",
        "結帳後收到 late events",
        [("received_at", "收到時間 received"), ("desk", "櫃台 desk"), ("kind", "事件 event"),
         ("masked_id", "身分證字號 ID"), ("at", "櫃台時間 desk time")],
    ),
]  # fmt: skip


Sheet = tuple[str, list[str], list[list[Any]]]


def _sheets(rec: Reconciliation) -> list[Sheet]:
    counts: list[list[Any]] = [[f"{zh} {en}", rec.counts()[en]] for en, zh in _COUNT_LABELS]
    conflicts: list[list[Any]] = [
        [c.code, mask_id(c.id_number), c.name, c.message_zh, c.message_en] for c in rec.conflicts
    ]
    versions: list[list[Any]] = [
        [u.version or "（未記錄）", u.checkins, u.vaccinations] for u in rec.rule_sets
    ]
    sheets: list[Sheet] = [
        (f"統計 {rec.day.isoformat()}", ["項目 item", "值 value"], counts),
        ("衝突 conflicts", _CONFLICT_HEADER, conflicts),
        ("規則版本 rule sets", _RULE_SET_HEADER, versions),
    ]
    for key, title, columns in _LISTS:
        if key not in rec.lists:
            continue
        rows = [[item[f] for f, _ in columns] for item in rec.lists[key]]
        sheets.append((title, [header for _, header in columns], rows))
    return sheets


def to_csv(rec: Reconciliation) -> bytes:
    """Counts, conflicts and the per-person lists, one after the other in one CSV sheet."""
    rows: list[list[Any]] = [["場所 site", rec.site], ["日期 day", rec.day.isoformat()]]
    for n, (title, header, body) in enumerate(_sheets(rec)):
        if n:  # the counts come right under the site and day
            rows += [[], [title], header]
        rows += body
    return csv_bytes(["項目 item", "值 value"], rows)


def to_xlsx(rec: Reconciliation) -> bytes:
    """Sheets: 統計 (counts), 衝突 (conflicts), 規則版本 (rule sets), one per list of people."""
    return xlsx_bytes(_sheets(rec))


def _messages(c: ConflictState) -> tuple[str, str]:
    """The zh and en text of a conflict, for the bureau's lists."""
    d = c.data
    if c.code == CHECKED_IN_TWICE:
        places = d.get("checkins") or []
        zh = "、".join(f"{p['site']} {p['queue_number']}" for p in places)
        en = ", ".join(f"{p['site']} desk {p['desk']} #{p['queue_number']}" for p in places)
        return f"同一人報到 {len(places)} 次：{zh}", f"checked in {len(places)} times: {en}"
    if c.code == TWO_VACCINATIONS_SAME_DAY:
        given = "、".join(str(x) for x in d.get("products") or [])
        n = len(c.event_ids)
        return f"同一天接種 {n} 次：{given}", f"vaccinated {n} times on one day: {given}"
    if c.code == VACCINATED_AFTER_REFUSAL:
        reason = str(d.get("reason") or "")
        return (
            f"醫師評估不同意後仍接種（{reason or '未填原因'}）",
            f"vaccinated after a doctor refused ({reason or 'no reason given'})",
        )
    if c.code == VACCINATED_WITHOUT_APPROVAL:
        return "未經醫師評估同意即接種", "vaccinated without a doctor's approval"
    return (
        f"距上一劑（{d['last_dose']} {d['previous_product']}）僅 {d['days']} 天，"
        f"未滿 {d['min_days']} 天即接種 {d['product']} 第 {d['dose']} 劑",
        f"{d['product']} dose {d['dose']} given {d['days']} days after the previous dose "
        f"({d['last_dose']} {d['previous_product']}); minimum {d['min_days']} days",
    )


def _parsed(rows: Iterable[Any]) -> list[Event]:
    """The events of log rows (`event_json_columns`); an invalid one is logged, not counted."""
    events: list[Event] = []
    for row in rows:
        try:
            events.append(parse_event_json(row.event_json))
        except EventError as exc:
            log_.warning("log entry %s is not a valid event, not counted: %s", row.log_id, exc)
    return events


# Lists of people go in as one expanding parameter each: cheaper than a literal apiece.
_PEOPLE: BindParameter[list[str]] = bindparam("people", expanding=True)
_CHUNK = 2000
_HISTORIES = select(roster_entries.c.id_number, roster_entries.c.history).where(
    roster_entries.c.id_number.in_(_PEOPLE)
)
_DOSES_BEFORE = select(log.c.id_number, log.c.day, log.c.payload["product"].as_string()).where(
    and_(
        log.c.id_number.in_(_PEOPLE),
        log.c.kind == EventKind.VACCINATION.value,
        log.c.day < bindparam("day"),
    )
)


def _chunks(people: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(people), _CHUNK):
        yield people[start : start + _CHUNK]


def _earlier_doses(conn: Connection, people: list[str], day: date) -> dict[str, list[DoseRecord]]:
    """Each person's doses before `day`: the rosters' histories and the log's vaccinations."""
    earlier: dict[str, set[tuple[str, date]]] = defaultdict(set)
    for chunk in _chunks(people):
        for r in conn.execute(_HISTORIES, {"people": chunk}).all():
            for h in r.history or []:
                earlier[r.id_number].add((h["product"], date.fromisoformat(h["given_on"])))
        for person, given_on, product in conn.execute(
            _DOSES_BEFORE, {"people": chunk, "day": day}
        ).all():
            earlier[person].add((str(product), given_on))
    return {
        person: [DoseRecord(p, given_on, source="server") for p, given_on in sorted(doses)]
        for person, doses in earlier.items()
    }


def reconcile(conn: Connection, site: Site, day: date, rules: RuleSetRegistry) -> Reconciliation:
    """Count and cross-check a site's day through the shared projection.

    Reads the site's own events of the day (kept folded between calls: site_day_folds),
    then the same people's events of that day at other sites: the cost follows the site's
    day, not the city's.
    """
    with cyclic_gc_paused():  # thousands of events parsed and kept (vaccination.bulk)
        return _reconcile(conn, site, day, rules)


def _reconcile(conn: Connection, site: Site, day: date, rules: RuleSetRegistry) -> Reconciliation:
    site_codes = {r.id: r.code for r in conn.execute(select(sites.c.id, sites.c.code))}
    booked = roster_entries.c
    roster = conn.execute(
        select(booked.id_number, booked.name, booked.birth_date, booked.walk_in).where(
            and_(booked.site_id == site.id, booked.day == day, booked.cancelled.is_(False))
        )
    ).all()
    filed: dict[str, str] = {}  # the site code an event of another site was filed under
    here = folds_of(conn.engine).read(
        conn, site.id, site.code, day, _parsed, lambda e: filed[e.event_id]
    )
    columns = event_json_columns(conn.dialect.name)
    elsewhere = select(*columns).where(
        and_(
            log.c.day == day,
            log.c.id_number.in_(_PEOPLE),
            log.c.site_id != site.id,
            log.c.entry == "event",
        )
    )
    for chunk in _chunks(sorted(here.people)):
        rows = conn.execute(elsewhere, {"people": chunk}).all()
        filed.update((r.event_id, site_codes.get(r.site_id, "?")) for r in rows)
        here.fold.add_all(_parsed(rows))
    fold = here.fold
    names: dict[str, str] = {r.id_number: r.name for r in roster}
    births: dict[str, date | None] = {r.id_number: r.birth_date for r in roster}
    earlier = _earlier_doses(conn, fold.vaccinated_people(), day)
    state = fold.state(interval_checker(rules, day, earlier, births))
    for person, walk_in in state.walk_ins.items():
        names.setdefault(person, walk_in.name)
        births.setdefault(person, walk_in.birth_date)
    bookings = [BookingFact(r.id_number, site.code, bool(r.walk_in)) for r in roster]
    behind = state.people(site.code, bookings)
    counts = behind.counts()
    conflicts = []
    for c in state.conflicts_at(site.code):
        zh, en = _messages(c)
        data = dict(c.data) | {"event_ids": list(c.event_ids)}
        conflicts.append(
            Conflict(c.code, c.id_number, names.get(c.id_number, ""), zh, en, data, c.resolved_by)
        )
    return Reconciliation(
        site=site.code,
        site_name=site.name,
        day=day,
        conflicts=sorted(conflicts, key=lambda c: (c.code, c.id_number)),
        lists=_person_lists(state, behind, site.code, names),
        rule_sets=state.rule_set_uses(site.code),
        **counts.as_dict(),
    )


def _person_lists(
    state: SiteDayState, people: SitePeople, site: str, names: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """The people behind the counters, each with what the bureau checks them by."""

    def who(id_number: str) -> dict[str, Any]:
        return {"masked_id": mask_id(id_number), "name": names.get(id_number, "")}

    refused = [
        c
        for c in state.checkins
        if c.site == site and c.active and c.decision_code == "not_approved"
    ]
    walk_ins = sorted(people.walk_in)
    return {
        "no_shows": [who(p) for p in sorted(people.no_show, key=lambda p: (names.get(p, p), p))],
        "refusals": [
            who(c.id_number)
            | {"queue_number": c.queue_number, "desk": c.desk, "reason": c.decision.reason or ""}
            for c in refused
            if c.decision is not None
        ],
        "walk_ins": [
            who(p)
            | {
                "product": state.walk_ins[p].product if p in state.walk_ins else "",
                "dose": state.walk_ins[p].dose if p in state.walk_ins else "",
            }
            for p in walk_ins
        ],
        "vaccinations": [
            who(v.id_number)
            | {
                "product": v.product,
                "lot": v.lot,
                "dose": v.dose,
                "desk": v.desk,
                "at": v.at.isoformat(),
            }
            for v in state.vaccinations
            if v.site == site
        ],
    }

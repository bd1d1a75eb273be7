"""Closing a site day: which desks still hold unsent events, the close, what it freezes.

Every push carries the desk's report of itself (vaccination.wire.DeskReport): how many
events it still holds unsent, and its clock. A desk is synced for a day when its latest
report says 0 waiting and was made after the day's last activity at the site (the
latest event of any desk, on the desks' clocks: a report older than that may predate
work the desk did since). A site day can be closed when every enrolled desk (not
disabled) is synced or marked out of service with a reason. Closing stores the
reconciliation and the NIIS rows as they were; from then on both are served from that
copy, and an event of the day that arrives later is stored, answered `late` and listed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Final

from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, and_, bindparam, func, select

from sync_server.db.tables import accounts, day_closures, desk_reports, late_events, log
from sync_server.errors import ServiceError, bad_request
from sync_server.services import audit, exports, reconcile
from sync_server.services.accounts import Role, Site, now_utc
from sync_server.services.journal import lock_site, upsert
from sync_server.services.spreadsheets import csv_bytes
from vaccination.events import Event
from vaccination.ids import mask_id
from vaccination.projection import RuleSetUse
from vaccination.rules import RuleSetRegistry
from vaccination.wire import DeskReport

REASON_MIN: Final[int] = 2
REASON_MAX: Final[int] = 500


class DeskState(StrEnum):
    """Where a desk stands for closing a day."""

    SYNCED = "synced"
    WAITING = "waiting"  # its last report says it holds unsent events
    BEHIND = "behind"  # its last report is older than the day's last activity
    NO_REPORT = "no_report"  # it never reported
    OUT_OF_SERVICE = "out_of_service"


@dataclass(frozen=True)
class DeskReadiness:
    """One enrolled desk of the site and what its last report said."""

    desk: str
    state: DeskState
    events_waiting: int | None
    reported_at: datetime | None
    desk_time: str | None
    reason: str | None = None  # why it is out of service

    @property
    def ready(self) -> bool:
        """True when this desk does not stop the day from closing."""
        return self.state in (DeskState.SYNCED, DeskState.OUT_OF_SERVICE)

    def message(self) -> tuple[str, str]:
        """What keeps the desk from being ready, in zh and en ('' when nothing)."""
        if self.state is DeskState.WAITING:
            n = self.events_waiting
            return (
                f"櫃台 {self.desk} 尚有 {n} 筆事件未上傳",
                f"desk {self.desk} holds {n} unsent events",
            )
        if self.state is DeskState.BEHIND:
            return (
                f"櫃台 {self.desk} 最後回報早於當日最後一筆事件，請讓它再同步一次",
                f"desk {self.desk} last reported before the day's last event;"
                " let it sync once more",
            )
        if self.state is DeskState.NO_REPORT:
            return f"櫃台 {self.desk} 從未回報", f"desk {self.desk} never reported"
        return "", ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        zh, en = self.message()
        return {
            "desk": self.desk,
            "state": self.state.value,
            "ready": self.ready,
            "events_waiting": self.events_waiting,
            "reported_at": self.reported_at.isoformat() if self.reported_at else None,
            "desk_time": self.desk_time,
            "reason": self.reason,
            "message_zh": zh or None,
            "message_en": en or None,
        }


@dataclass(frozen=True)
class Closure:
    """A closed site day: when, by whom, which desks were out of service and why."""

    closed_at: datetime
    closed_by: str
    out_of_service: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "closed_at": self.closed_at.isoformat(),
            "closed_by": self.closed_by,
            "out_of_service": self.out_of_service,
        }


@dataclass(frozen=True)
class LateEvent:
    """An event stored after its site day was closed."""

    event_id: str
    desk: str
    kind: str
    received_at: datetime  # the server's clock
    at: str  # the desk's clock when the event happened
    id_number: str | None  # the person's, for an event about one

    @property
    def masked_id(self) -> str:
        """The person's ID number masked, '' for an event about no one."""
        return mask_id(self.id_number) if self.id_number else ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (ID number masked)."""
        return {
            "event_id": self.event_id,
            "desk": self.desk,
            "kind": self.kind,
            "at": self.at,
            "received_at": self.received_at.isoformat(),
            "masked_id": self.masked_id,
        }


@dataclass(frozen=True)
class Readiness:
    """Whether a site day can be closed, desk by desk; or how it was closed."""

    site: str
    day: date
    last_activity: str | None  # the day's latest event time (desk clock), if any
    desks: list[DeskReadiness]
    closure: Closure | None = None
    late: list[LateEvent] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when every enrolled desk is synced or out of service."""
        return all(d.ready for d in self.desks)

    @property
    def holding(self) -> list[DeskReadiness]:
        """The desks that keep the day open."""
        return [d for d in self.desks if not d.ready]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "site": self.site,
            "day": self.day.isoformat(),
            "ready": self.ready,
            "closed": self.closure.to_dict() if self.closure else None,
            "last_activity": self.last_activity,
            "desks": [d.to_dict() for d in self.desks],
            "late_events": [e.to_dict() for e in self.late],
        }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the offset


def keep_report(conn: Connection, site: Site, desk: str, report: DeskReport) -> None:
    """Keep the desk's report as its latest (in the push's transaction)."""
    conn.execute(
        upsert(
            conn,
            desk_reports,
            ["site_id", "desk"],
            ["reported_at", "desk_time", "events_waiting", "app_version"],
        ),
        {
            "site_id": site.id,
            "desk": desk,
            "reported_at": now_utc(),
            "desk_time": report.desk_time.isoformat(),
            "events_waiting": report.events_waiting,
            "app_version": report.app_version,
        },
    )


def latest_reports(conn: Connection, site: Site) -> dict[str, DeskReport]:
    """Each desk's latest report as the desk sent it (what a site hub relays upstream)."""
    return {
        r.desk: DeskReport(
            events_waiting=int(r.events_waiting),
            desk_time=datetime.fromisoformat(r.desk_time),
            app_version=r.app_version,
        )
        for r in conn.execute(select(desk_reports).where(desk_reports.c.site_id == site.id))
    }


def desk_reports_of(conn: Connection, site: Site) -> dict[str, tuple[int, datetime, str]]:
    """Each desk's latest report: (events waiting, received at, the desk's clock)."""
    return {
        r.desk: (int(r.events_waiting), _aware(r.reported_at), r.desk_time)
        for r in conn.execute(select(desk_reports).where(desk_reports.c.site_id == site.id))
    }


def closure_of(conn: Connection, site: Site, day: date) -> Closure | None:
    """How the site day was closed, or None while it is open."""
    row = conn.execute(
        select(
            day_closures.c.closed_at, day_closures.c.closed_by, day_closures.c.out_of_service
        ).where(and_(day_closures.c.site_id == site.id, day_closures.c.day == day))
    ).first()
    if row is None:
        return None
    return Closure(_aware(row.closed_at), row.closed_by, dict(row.out_of_service or {}))


def late_of(conn: Connection, site: Site, day: date) -> list[LateEvent]:
    """The events of the site day stored after it was closed, in the order they came."""
    return [
        LateEvent(r.event_id, r.desk, r.kind, _aware(r.received_at), r.at, r.id_number)
        for r in conn.execute(
            select(late_events, log.c.at, log.c.id_number)
            .join(log, log.c.event_id == late_events.c.event_id)
            .where(and_(late_events.c.site_id == site.id, late_events.c.day == day))
            .order_by(late_events.c.received_at, log.c.at, late_events.c.event_id)
        )
    ]


# Run by every push: built once.
_CLOSED_AMONG: Final = select(day_closures.c.day).where(
    and_(
        day_closures.c.site_id == bindparam("site_id"),
        day_closures.c.day.in_(bindparam("days", expanding=True)),
    )
)


def record_late(conn: Connection, site: Site, stored: list[Event]) -> set[str]:
    """List the just stored events whose site day is closed; their event ids."""
    days = {e.payload.day for e in stored}
    if not days:
        return set()
    closed = set(conn.execute(_CLOSED_AMONG, {"site_id": site.id, "days": list(days)}).scalars())
    late = [e for e in stored if e.payload.day in closed]
    if late:
        now = now_utc()
        conn.execute(
            late_events.insert(),
            [
                {
                    "event_id": e.event_id,
                    "site_id": site.id,
                    "day": e.payload.day,
                    "desk": e.desk,
                    "kind": e.kind.value,
                    "received_at": now,
                }
                for e in late
            ],
        )
    return {e.event_id for e in late}


def late_among(conn: Connection, event_ids: list[str]) -> set[str]:
    """Which of these stored events came late."""
    found: set[str] = set()
    for start in range(0, len(event_ids), 1000):
        chunk = event_ids[start : start + 1000]
        found.update(
            conn.execute(
                select(late_events.c.event_id).where(late_events.c.event_id.in_(chunk))
            ).scalars()
        )
    return found


def enrolled_desks(conn: Connection, site: Site) -> list[str]:
    """The site's desks with an account that is not disabled, by letter."""
    return sorted(
        conn.execute(
            select(accounts.c.desk).where(
                and_(
                    accounts.c.site_id == site.id,
                    accounts.c.role == Role.DESK.value,
                    accounts.c.disabled.is_(False),
                    accounts.c.desk.is_not(None),
                )
            )
        ).scalars()
    )


def _last_activity(conn: Connection, site: Site, day: date) -> datetime | None:
    """The latest event time of the site day (each desk's latest, on its own clock)."""
    latest = [
        datetime.fromisoformat(at)
        for at in conn.execute(
            select(func.max(log.c.at))
            .where(and_(log.c.site_id == site.id, log.c.day == day, log.c.entry == "event"))
            .group_by(log.c.desk)
        ).scalars()
        if at
    ]
    return max(latest, default=None)


def readiness(
    conn: Connection, site: Site, day: date, out_of_service: dict[str, str] | None = None
) -> Readiness:
    """Each enrolled desk's state for closing the site day (`out_of_service`: desk -> reason)."""
    closure = closure_of(conn, site, day)
    away = dict(closure.out_of_service if closure else out_of_service or {})
    last = _last_activity(conn, site, day)
    reports = desk_reports_of(conn, site)
    desks = []
    for desk in enrolled_desks(conn, site):
        waiting, at, clock = reports.get(desk, (None, None, None))
        if desk in away:
            state = DeskState.OUT_OF_SERVICE
        elif waiting is None or clock is None:
            state = DeskState.NO_REPORT
        elif waiting > 0:
            state = DeskState.WAITING
        elif last is not None and datetime.fromisoformat(clock) < last:
            state = DeskState.BEHIND
        else:
            state = DeskState.SYNCED
        desks.append(DeskReadiness(desk, state, waiting, at, clock, away.get(desk)))
    return Readiness(
        site.code,
        day,
        last.isoformat() if last else None,
        desks,
        closure,
        late_of(conn, site, day) if closure else [],
    )


def _checked_reasons(enrolled: list[str], out_of_service: dict[str, str]) -> dict[str, str]:
    reasons = {}
    for desk, reason in out_of_service.items():
        if desk not in enrolled:
            raise bad_request(
                "unknown_desk",
                f"此場所沒有已登記的櫃台 {desk}",
                f"the site has no enrolled desk {desk}",
            )
        text = reason.strip()
        if not REASON_MIN <= len(text) <= REASON_MAX:
            raise bad_request(
                "reason_needed",
                f"櫃台 {desk} 標為停用須寫明原因",
                f"marking desk {desk} out of service needs a reason",
            )
        reasons[desk] = text
    return reasons


def close_day(
    conn: Connection,
    site: Site,
    day: date,
    rules: RuleSetRegistry,
    by: audit.Actor,
    out_of_service: dict[str, str] | None = None,
) -> Readiness:
    """Close the site day in the caller's write transaction, freezing its books.

    Refused (409) while a desk holds unsent events, never reported, or reported before the
    day's last activity, naming each such desk; and when the day is already closed.
    """
    lock_site(conn, site.id)  # no push lands between the check and the freeze
    done = closure_of(conn, site, day)
    if done is not None:
        raise ServiceError(
            409,
            "day_closed",
            f"{site.code} {day} 已於 {done.closed_at:%Y-%m-%d %H:%M} 由 {done.closed_by} 結帳",
            f"{site.code} {day} was closed by {done.closed_by} at {done.closed_at:%Y-%m-%d %H:%M}",
        )
    reasons = _checked_reasons(enrolled_desks(conn, site), out_of_service or {})
    state = readiness(conn, site, day, reasons)
    if not state.ready:
        zh = "；".join(d.message()[0] for d in state.holding)
        en = "; ".join(d.message()[1] for d in state.holding)
        raise ServiceError(
            409, "day_not_ready", f"尚不能結帳：{zh}", f"the day cannot be closed yet: {en}"
        )
    rec = reconcile.reconcile(conn, site, day, rules)
    conn.execute(
        day_closures.insert().values(
            site_id=site.id,
            day=day,
            closed_at=now_utc(),
            closed_by=by.name,
            reconciliation=freeze(rec),
            niis_rows=exports.niis_rows(conn, site, day, rules),
            out_of_service=reasons,
        )
    )
    audit.record(
        conn, by, "day_closed", f"{site.code} {day}", {"out_of_service": reasons, **rec.counts()}
    )
    return readiness(conn, site, day)


def freeze(rec: reconcile.Reconciliation) -> dict[str, Any]:
    """The reconciliation as JSON that `thaw` turns back into it, full ID numbers kept."""
    frozen: dict[str, Any] = to_jsonable_python(asdict(rec))
    return frozen


def thaw(data: dict[str, Any]) -> reconcile.Reconciliation:
    """The reconciliation frozen by `freeze`."""
    return reconcile.Reconciliation(
        **(
            data
            | {
                "day": date.fromisoformat(data["day"]),
                "conflicts": [reconcile.Conflict(**c) for c in data["conflicts"]],
                "rule_sets": [RuleSetUse(**u) for u in data["rule_sets"]],
            }
        )
    )


def day_reconciliation(
    conn: Connection, site: Site, day: date, rules: RuleSetRegistry
) -> tuple[reconcile.Reconciliation, Closure | None]:
    """The site day's reconciliation: as frozen when the day is closed, else as it stands."""
    row = conn.execute(
        select(day_closures.c.reconciliation).where(
            and_(day_closures.c.site_id == site.id, day_closures.c.day == day)
        )
    ).first()
    if row is None:
        return reconcile.reconcile(conn, site, day, rules), None
    frozen = thaw(row.reconciliation)
    late = [e.to_dict() for e in late_of(conn, site, day)]
    return replace(frozen, lists=frozen.lists | {"late_events": late}), closure_of(conn, site, day)


def day_reconciliation_dict(
    conn: Connection, site: Site, day: date, rules: RuleSetRegistry
) -> dict[str, Any]:
    """The JSON of the site day's reconciliation, saying whether it is closed and what came late."""
    rec, closure = day_reconciliation(conn, site, day, rules)
    # A closed day's copy lists its late events itself; an open day has none.
    return {"late_events": []} | rec.to_dict() | {"closed": closure.to_dict() if closure else None}


def day_niis_rows(
    conn: Connection, site: Site, day: date, rules: RuleSetRegistry
) -> tuple[list[list[Any]], Closure | None]:
    """The NIIS rows of the site day: as frozen when the day is closed, else as they stand."""
    row = conn.execute(
        select(day_closures.c.niis_rows).where(
            and_(day_closures.c.site_id == site.id, day_closures.c.day == day)
        )
    ).first()
    if row is None:
        return exports.niis_rows(conn, site, day, rules), None
    return [list(r) for r in row.niis_rows], closure_of(conn, site, day)


def day_niis_csv(conn: Connection, site: Site, day: date, rules: RuleSetRegistry) -> bytes:
    """The NIIS upload file of the site day (as frozen once the day is closed)."""
    return csv_bytes(exports.NIIS_HEADER, day_niis_rows(conn, site, day, rules)[0])

"""The one projection from a site day's events to its state: used by the desk and the server.

`SiteDayFold` takes the events of every desk (in any order, repeats included) and
`state()` gives the same `SiteDayState` whatever the order: who is checked in (by which
desk, which number), undone or voided, the latest doctor decision of each check-in,
the vaccinations, walk-ins and vials, and the conflicts. The rules live here once:

- "latest decision": the decision with the greatest `event_order` (instant in UTC,
  then desk and sequence), whatever order the events arrived in;
- undo and void: matched by check-in id, never by queue number;
- intervals: `vaccination.assessment.interval_violation`, the assessment's own rule.

The desk's store materialises this state per person (station_app/store/state.py); the
server's reconciliation reads counts and conflicts from it (sync_server/services/reconcile.py).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any, Final

from vaccination.assessment import interval_violation, site_key
from vaccination.event_payloads import Operator, WalkinAddedPayload
from vaccination.events import (
    CheckinEvent,
    CheckinUndoneEvent,
    CorrectionEvent,
    DoctorDecisionEvent,
    Event,
    VaccinationEvent,
    VialDiscardedEvent,
    VialOpenedEvent,
    WalkinAddedEvent,
)
from vaccination.models import DoseRecord
from vaccination.rules import RuleSetRegistry

CHECKED_IN_TWICE: Final[str] = "CHECKED_IN_TWICE"
TWO_VACCINATIONS_SAME_DAY: Final[str] = "TWO_VACCINATIONS_SAME_DAY"
VACCINATED_AFTER_REFUSAL: Final[str] = "VACCINATED_AFTER_REFUSAL"
VACCINATED_WITHOUT_APPROVAL: Final[str] = "VACCINATED_WITHOUT_APPROVAL"
INTERVAL_TOO_SHORT: Final[str] = "INTERVAL_TOO_SHORT"


Order = tuple[datetime, str, int, str]


def event_order(event: Event) -> Order:
    """The order of a day's facts: instant (UTC), then desk, then the desk's own sequence.

    The greatest doctor decision is the one in force; two events of one desk at the same
    instant keep the order the desk wrote them in. `at` is timezone-aware and is taken to
    UTC once here: aware datetimes of different offsets compare by their instant anyway,
    but each such comparison asks both for their offsets, which made sorting a site
    day's thousands of facts cost more than building them.
    """
    return (event.at.astimezone(UTC), event.desk, event.seq, event.event_id)


@dataclass(frozen=True, slots=True)
class Decision:
    """A doctor's decision on one check-in."""

    event_id: str
    approved: bool
    reason: str | None
    at: datetime
    desk: str
    order: Order
    operator: Operator | None = None


@dataclass(frozen=True, slots=True)
class Void:
    """A manager's voiding of a duplicate check-in."""

    event_id: str
    reason: str
    at: datetime
    desk: str
    order: Order
    operator: Operator | None = None

    @property
    def by(self) -> str:
        """Who voided it, for people reading the books."""
        return (
            self.operator.name or self.operator.staff_id if self.operator else f"desk {self.desk}"
        )


@dataclass(frozen=True)
class CheckinState:
    """One check-in and what became of it."""

    checkin_id: str
    id_number: str
    site: str  # the site key (see `SiteDayFold`)
    site_label: str  # the site as the desk wrote it
    desk: str
    queue_number: str
    at: datetime
    product: str | None
    dose: int | None
    flags: tuple[str, ...]
    confirm_reason: str | None
    rule_set_version: str | None
    booking_key: str | None
    undone_at: datetime | None = None
    undo_reason: str | None = None
    void: Void | None = None
    decision: Decision | None = None
    vaccinated: bool = False

    @property
    def undone(self) -> bool:
        """Taken back by an undo or voided by a manager."""
        return self.undone_at is not None or self.void is not None

    @property
    def active(self) -> bool:
        """Counts as a check-in of the day."""
        return not self.undone

    @property
    def decision_code(self) -> str | None:
        """ "approved", "not_approved" or None (waiting for the doctor)."""
        if self.decision is None:
            return None
        return "approved" if self.decision.approved else "not_approved"


@dataclass(frozen=True, slots=True)
class VaccinationState:
    """One dose given."""

    vaccination_id: str
    checkin_id: str
    id_number: str
    site: str  # the site key
    site_label: str  # the site as the desk wrote it
    desk: str
    product: str
    lot: str
    dose: int
    at: datetime
    order: Order
    vials_opened: int | None = None
    rule_set_version: str | None = None


@dataclass(frozen=True)
class RuleSetUse:
    """One rule-set version the desks judged by on a day: how many check-ins and doses."""

    version: str  # "" when the events do not say (no booking, or an older desk)
    checkins: int
    vaccinations: int


@dataclass(frozen=True, slots=True)
class VialState:
    """A vial opened (and maybe discarded) at a site."""

    event_id: str
    site: str
    desk: str
    product: str
    lot: str
    doses: int
    at: datetime


@dataclass(frozen=True)
class ConflictState:
    """A fact the site and the bureau must look at; never overwritten."""

    code: str
    id_number: str
    sites: tuple[str, ...]  # site keys involved
    event_ids: tuple[str, ...]
    data: Mapping[str, Any] = field(default_factory=dict)  # JSON-compatible details
    resolved_by: str | None = None

    @property
    def resolved(self) -> bool:
        """True once a manager's correction settled it."""
        return self.resolved_by is not None


@dataclass(frozen=True)
class SiteCounts:
    """The counters of one site's day."""

    booked: int
    checked_in: int
    vaccinated: int
    not_approved: int
    no_show: int
    walk_in: int

    def as_dict(self) -> dict[str, int]:
        """The counters by name."""
        return asdict(self)


@dataclass(frozen=True)
class SitePeople:
    """The people behind each counter of one site's day (ID numbers)."""

    booked: frozenset[str]
    checked_in: frozenset[str]
    vaccinated: frozenset[str]
    not_approved: frozenset[str]
    no_show: frozenset[str]
    walk_in: frozenset[str]

    def counts(self) -> SiteCounts:
        """How many people each counter holds."""
        return SiteCounts(**{f.name: len(getattr(self, f.name)) for f in fields(SiteCounts)})


@dataclass(frozen=True)
class BookingFact:
    """A booking of the day as the projection needs it."""

    id_number: str
    site: str  # site key
    walk_in: bool = False


@dataclass(frozen=True)
class SiteDayState:
    """The projected state of a day, over every site whose events were folded."""

    checkins: tuple[CheckinState, ...]
    vaccinations: tuple[VaccinationState, ...]
    walk_ins: Mapping[str, WalkinAddedPayload]  # id_number -> payload (the latest)
    walk_in_sites: Mapping[str, frozenset[str]]
    vials_opened: tuple[VialState, ...]
    vials_discarded: tuple[VialState, ...]
    conflicts: tuple[ConflictState, ...]

    def people(self, site: str, bookings: Iterable[BookingFact] = ()) -> SitePeople:
        """Who of one site (a site key) was booked, came, was refused, vaccinated, walked in."""
        walk_ins = {p for p, sites in self.walk_in_sites.items() if site in sites}
        booked = set(walk_ins)
        for b in bookings:
            if b.site == site:
                booked.add(b.id_number)
                if b.walk_in:
                    walk_ins.add(b.id_number)
        here = [c for c in self.checkins if c.site == site and c.active]
        arrived = {c.id_number for c in here}
        vaccinated = {v.id_number for v in self.vaccinations if v.site == site}
        return SitePeople(
            booked=frozenset(booked),
            checked_in=frozenset(arrived),
            vaccinated=frozenset(vaccinated),
            not_approved=frozenset(c.id_number for c in here if c.decision_code == "not_approved"),
            no_show=frozenset(booked - arrived - vaccinated),
            walk_in=frozenset(walk_ins),
        )

    def counts(self, site: str, bookings: Iterable[BookingFact] = ()) -> SiteCounts:
        """全部 / 已報到 / 已接種 / 醫生不同意 / 未到 / 現場增加 of one site (a site key)."""
        return self.people(site, bookings).counts()

    def rule_set_uses(self, site: str) -> list[RuleSetUse]:
        """Which rule-set versions the site's check-ins and doses were judged by, by version."""
        checkins: Counter[str] = Counter(
            c.rule_set_version or "" for c in self.checkins if c.site == site and c.active
        )
        doses: Counter[str] = Counter(
            v.rule_set_version or "" for v in self.vaccinations if v.site == site
        )
        return [
            RuleSetUse(v, checkins[v], doses[v]) for v in sorted(checkins.keys() | doses.keys())
        ]

    def conflicts_at(self, site: str) -> list[ConflictState]:
        """The conflicts that involve a site."""
        return [c for c in self.conflicts if site in c.sites]

    def by_person(self) -> dict[str, list[CheckinState]]:
        """Check-ins grouped by ID number."""
        out: dict[str, list[CheckinState]] = defaultdict(list)
        for c in self.checkins:
            out[c.id_number].append(c)
        return out


@dataclass(frozen=True, slots=True)
class _Undo:
    at: datetime
    reason: str | None
    order: Order


@dataclass(frozen=True, slots=True)
class _Checkin:
    """What a CHECKIN event says, as a fold keeps it (smaller than the event: the bureau
    keeps a fold of each site day between reconciliations)."""

    checkin_id: str
    id_number: str
    site: str
    site_label: str
    desk: str
    queue_number: str
    at: datetime
    product: str | None
    dose: int | None
    flags: tuple[str, ...]
    confirm_reason: str | None
    rule_set_version: str | None
    booking_key: str | None
    order: Order


def _checkin_of(event: CheckinEvent, site: str) -> _Checkin:
    p = event.payload
    return _Checkin(
        event.event_id, p.id_number, site, event.site, event.desk, p.queue_number, event.at,
        p.product, p.dose, tuple(p.flags), p.confirm_reason, p.rule_set_version, p.booking_key,
        event_order(event),
    )  # fmt: skip


def default_site_of(event: Event) -> str:
    """The site key of an event: its site name, compared as site names are."""
    return site_key(event.site)


IntervalCheck = Callable[[VaccinationState], ConflictState | None]


class SiteDayFold:
    """Fold the events of a day (any order, repeats ignored) into a `SiteDayState`.

    `site_of` maps an event to the key its site is counted under (the server passes the
    site code it filed the event under; a desk compares site names).
    """

    def __init__(self, site_of: Callable[[Event], str] = default_site_of) -> None:
        self._site_of = site_of
        self._seen: set[str] = set()
        self._checkins: dict[str, _Checkin] = {}
        self._undos: dict[str, _Undo] = {}
        self._voids: dict[str, Void] = {}
        self._decisions: dict[str, Decision] = {}  # checkin_id -> the latest so far
        self._all_decisions: dict[str, list[tuple[str, Decision]]] = defaultdict(list)
        self._vaccinations: dict[str, VaccinationState] = {}
        self._walk_ins: dict[str, tuple[Order, WalkinAddedPayload]] = {}
        self._walk_in_sites: dict[str, set[str]] = defaultdict(set)
        self._opened: dict[str, VialState] = {}
        self._discarded: dict[str, VialState] = {}

    def add_all(self, events: Iterable[Event]) -> SiteDayFold:
        """Fold many events; returns self."""
        for event in events:
            self.add(event)
        return self

    def add(self, event: Event) -> bool:
        """Fold one event; False when it was folded before (same event id)."""
        if event.event_id in self._seen:
            return False
        self._seen.add(event.event_id)
        site = self._site_of(event)
        if isinstance(event, CheckinEvent):
            self._checkins[event.event_id] = _checkin_of(event, site)
        elif isinstance(event, CheckinUndoneEvent):
            self._undo(event)
        elif isinstance(event, DoctorDecisionEvent):
            self._decide(event)
        elif isinstance(event, VaccinationEvent):
            self._vaccinate(event, site)
        elif isinstance(event, WalkinAddedEvent):
            self._walk_in(event, site)
        elif isinstance(event, CorrectionEvent):
            self._void(event)
        elif isinstance(event, VialOpenedEvent):
            p = event.payload
            self._opened[event.event_id] = VialState(
                event.event_id, site, event.desk, p.product, p.lot, p.doses, event.at
            )
        elif isinstance(event, VialDiscardedEvent):
            d = event.payload
            self._discarded[event.event_id] = VialState(
                event.event_id, site, event.desk, d.product, d.lot, 0, event.at
            )
        return True

    def _vaccinate(self, event: VaccinationEvent, site: str) -> None:
        p = event.payload
        self._vaccinations[event.event_id] = VaccinationState(
            event.event_id, p.checkin_id, p.id_number, site, event.site, event.desk,
            p.product, p.lot, p.dose, event.at, event_order(event), p.vials_opened,
            p.rule_set_version,
        )  # fmt: skip

    def _walk_in(self, event: WalkinAddedEvent, site: str) -> None:
        p = event.payload
        key = event_order(event)
        held = self._walk_ins.get(p.id_number)
        if held is None or held[0] < key:
            self._walk_ins[p.id_number] = (key, p)
        self._walk_in_sites[p.id_number].add(site)

    def _void(self, event: CorrectionEvent) -> None:
        p = event.payload
        void = Void(event.event_id, p.reason, event.at, event.desk, event_order(event), p.operator)
        held = self._voids.get(p.target)
        if held is None or held.order < void.order:
            self._voids[p.target] = void

    def _undo(self, event: CheckinUndoneEvent) -> None:
        p = event.payload
        held = self._undos.get(p.checkin_id)
        # Two undos of one check-in: the first stands, whatever order they came in.
        if held is None or event_order(event) < held.order:
            self._undos[p.checkin_id] = _Undo(event.at, p.reason, event_order(event))

    def _decide(self, event: DoctorDecisionEvent) -> None:
        p = event.payload
        decision = Decision(
            event.event_id,
            p.approved,
            p.reason,
            event.at,
            event.desk,
            event_order(event),
            p.operator,
        )
        self._all_decisions[p.id_number].append((p.checkin_id, decision))
        held = self._decisions.get(p.checkin_id)
        if held is None or held.order < decision.order:
            self._decisions[p.checkin_id] = decision

    def _checkin_state(self, c: _Checkin, vaccinated: set[str]) -> CheckinState:
        undo = self._undos.get(c.checkin_id)
        return CheckinState(
            checkin_id=c.checkin_id,
            id_number=c.id_number,
            site=c.site,
            site_label=c.site_label,
            desk=c.desk,
            queue_number=c.queue_number,
            at=c.at,
            product=c.product,
            dose=c.dose,
            flags=c.flags,
            confirm_reason=c.confirm_reason,
            rule_set_version=c.rule_set_version,
            booking_key=c.booking_key,
            undone_at=undo.at if undo else None,
            undo_reason=undo.reason if undo else None,
            void=self._voids.get(c.checkin_id),
            decision=self._decisions.get(c.checkin_id),
            vaccinated=c.checkin_id in vaccinated,
        )

    def vaccinated_people(self) -> list[str]:
        """The ID numbers of the people with a dose among the events folded, sorted."""
        return sorted({v.id_number for v in self._vaccinations.values()})

    def copy(self, site_of: Callable[[Event], str] | None = None) -> SiteDayFold:
        """A fold of the same events, to fold more into while this one stays as it is;
        `site_of` keys the events folded into the copy (this fold's own by default)."""
        other = SiteDayFold(site_of or self._site_of)
        other._seen = set(self._seen)
        other._checkins = dict(self._checkins)
        other._undos = dict(self._undos)
        other._voids = dict(self._voids)
        other._decisions = dict(self._decisions)
        other._all_decisions = defaultdict(list)
        for person, decisions in self._all_decisions.items():
            other._all_decisions[person] = list(decisions)
        other._vaccinations = dict(self._vaccinations)
        other._walk_ins = dict(self._walk_ins)
        other._walk_in_sites = defaultdict(set)
        for person, sites in self._walk_in_sites.items():
            other._walk_in_sites[person] = set(sites)
        other._opened = dict(self._opened)
        other._discarded = dict(self._discarded)
        return other

    def __len__(self) -> int:
        """How many events were folded (repeats counted once)."""
        return len(self._seen)

    def state(self, interval_check: IntervalCheck | None = None) -> SiteDayState:
        """The projected state; `interval_check` adds the interval conflicts."""
        # By instant (the orders' first item, in UTC), then id.
        vaccinations = sorted(
            self._vaccinations.values(), key=lambda v: (v.order[0], v.vaccination_id)
        )
        vaccinated = {v.checkin_id for v in vaccinations}
        checkins = [
            self._checkin_state(c, vaccinated)
            for c in sorted(self._checkins.values(), key=lambda c: (c.order[0], c.checkin_id))
        ]
        conflicts = _conflicts(checkins, vaccinations, self._all_decisions)
        if interval_check is not None:
            conflicts += [c for v in vaccinations if (c := interval_check(v)) is not None]
        conflicts.sort(key=lambda c: (c.code, c.id_number, c.event_ids))
        by_time = sorted(self._opened.values(), key=lambda v: (v.at, v.event_id))
        discarded = sorted(self._discarded.values(), key=lambda v: (v.at, v.event_id))
        return SiteDayState(
            checkins=tuple(checkins),
            vaccinations=tuple(vaccinations),
            walk_ins={k: v for k, (_, v) in sorted(self._walk_ins.items())},
            walk_in_sites={k: frozenset(v) for k, v in sorted(self._walk_in_sites.items())},
            vials_opened=tuple(by_time),
            vials_discarded=tuple(discarded),
            conflicts=tuple(conflicts),
        )


def _conflicts(
    checkins: Sequence[CheckinState],
    vaccinations: Sequence[VaccinationState],
    decisions: Mapping[str, list[tuple[str, Decision]]],
) -> list[ConflictState]:
    out: list[ConflictState] = []
    people: dict[str, list[CheckinState]] = defaultdict(list)
    for c in checkins:
        if c.undone_at is None:  # an undo is the desk's own correction, not a conflict
            people[c.id_number].append(c)
    for person, entries in people.items():
        if len(entries) < 2:
            continue
        voids = [c.void for c in entries if c.void is not None]
        resolved = voids[-1].by if voids and len(entries) - len(voids) <= 1 else None
        out.append(
            ConflictState(
                CHECKED_IN_TWICE,
                person,
                tuple(sorted({c.site for c in entries})),
                tuple(c.checkin_id for c in entries),
                {
                    "checkins": [
                        {
                            "site": c.site_label,
                            "desk": c.desk,
                            "queue_number": c.queue_number,
                            "at": c.at.isoformat(),
                            "voided": c.void is not None,
                        }
                        for c in entries
                    ]
                },
                resolved,
            )
        )
    doses: dict[str, list[VaccinationState]] = defaultdict(list)
    for v in vaccinations:
        doses[v.id_number].append(v)
    for person, given in doses.items():
        if len(given) > 1:
            out.append(
                ConflictState(
                    TWO_VACCINATIONS_SAME_DAY,
                    person,
                    tuple(sorted({v.site for v in given})),
                    tuple(v.vaccination_id for v in given),
                    {"products": [f"{v.site} {v.product}" for v in given]},
                )
            )
        # Sorted once, searched per dose: linear-logarithmic however many a person has.
        ordered = sorted((d for _, d in decisions.get(person, ())), key=lambda d: d.order)
        orders = [d.order for d in ordered]
        for v in given:
            before = bisect_right(orders, v.order)
            if not before:
                out.append(
                    ConflictState(
                        VACCINATED_WITHOUT_APPROVAL, person, (v.site,), (v.vaccination_id,)
                    )
                )
                continue
            latest = ordered[before - 1]
            if not latest.approved:
                out.append(
                    ConflictState(
                        VACCINATED_AFTER_REFUSAL,
                        person,
                        (v.site,),
                        (latest.event_id, v.vaccination_id),
                        {"reason": latest.reason or "", "refused_at_desk": latest.desk},
                    )
                )
    return out


def interval_checker(
    rules: RuleSetRegistry,
    day: date,
    histories: Mapping[str, Sequence[DoseRecord]],
    births: Mapping[str, date | None],
) -> IntervalCheck:
    """The interval conflicts of a day's vaccinations, against each person's earlier doses."""

    def check(v: VaccinationState) -> ConflictState | None:
        found = interval_violation(
            v.product, v.dose, day, births.get(v.id_number), histories.get(v.id_number, ()), rules
        )
        if found is None:
            return None
        min_days, last = found.min_days, found.previous
        return ConflictState(
            INTERVAL_TOO_SHORT,
            v.id_number,
            (v.site,),
            (v.vaccination_id,),
            {
                "product": v.product,
                "dose": v.dose,
                "days": (day - last.given_on).days,
                "last_dose": last.given_on.isoformat(),
                "previous_product": last.product,
                "min_days": min_days,
            },
        )

    return check


def project_site_day(
    events: Iterable[Event], site_of: Callable[[Event], str] = default_site_of
) -> SiteDayState:
    """The state of the events of a day (no interval check); see `SiteDayFold`."""
    return SiteDayFold(site_of).add_all(events).state()

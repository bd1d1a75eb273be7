"""The check-in service of one desk: the DeskService the views call, on the local store.

Each action that changes something runs as ONE write transaction (BEGIN IMMEDIATE)
that re-reads the facts, decides, writes the state and appends its event, so two
desks on one file, or a double scan, can never produce two check-ins. Rule sets are
loaded once by the caller and passed in; read paths use prepared Core queries.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, select

from station_app.desk_api import (
    CheckinOutcome,
    Counters,
    DeskCheckin,
    LotUsage,
    Observation,
    ProgressCallback,
    QueueEntry,
    RecordCard,
    RosterRow,
)
from station_app.staff import DeskSession
from station_app.store import Store, lookups
from station_app.store.lookups import TAIPEI
from station_app.store.outbox import LOCAL, next_event_seq, next_queue_number
from station_app.store.state import apply_events
from station_app.store.tables import audit_log, bookings, checkins, lots, vaccinations
from vaccination.assessment import AssessmentInput, assess, site_key
from vaccination.event_payloads import VOID_CHECKIN
from vaccination.events import (
    Event,
    EventKind,
    VaccinationEvent,
    VialDiscardedEvent,
    VialOpenedEvent,
)
from vaccination.ids import check_id_on_record, mask_id
from vaccination.models import Assessment, Booking, IdKind, Person
from vaccination.projection import SiteDayFold, SiteDayState, interval_checker
from vaccination.redact import mask_ids_in_text
from vaccination.rules import Product, RuleSetLookupError, RuleSetRegistry, VialSizeError
from vaccination.staff import DeskAction
from vaccination.vials import DoseDrawn, OpenVial, VialDay, vial_day

if TYPE_CHECKING:  # the roster reader loads at the first import, not at start-up
    from vaccination.roster_import import ImportReport

log = logging.getLogger(__name__)


def taipei_now() -> datetime:
    """The desk's default clock: aware wall-clock time in Asia/Taipei."""
    return datetime.now(TAIPEI)


class DeskActionError(ValueError):
    """An action the desk cannot take as asked (unknown check-in, invalid walk-in row ...)."""

    def __init__(self, message_zh: str, message_en: str, code: str = "") -> None:
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")


def _queue_order(queue_number: str) -> tuple[str, int]:
    """`A009` before `A010` before `A1000`, desk by desk."""
    letters = queue_number.rstrip("0123456789")
    digits = queue_number[len(letters) :]
    return letters, int(digits or 0)


def _booking_key(booking: Booking) -> str:
    # Loaded at the first check-in rather than at start-up (station_app.app warms it up).
    from station_app.store.importing import booking_key

    return booking_key(booking)


def _dose_label(dose: int, label: str | None) -> str:
    return label or f"第{dose}劑"


def roster_rows(rows: list[tuple[Any, ...]]) -> list[RosterRow]:
    """RosterRows from `lookups.roster_tuples`.

    The same few slot times, products, labels and flag sets repeat over 100,000 rows:
    each is parsed once and shared, which keeps the manager table small in memory.
    """
    shared: dict[Any, Any] = {}  # texts and (dose, label) -> label
    flag_sets: dict[str, tuple[str, ...]] = {}
    dates: dict[str, Any] = {}
    parse_date = date.fromisoformat
    parse_time = datetime.fromisoformat
    out: list[RosterRow] = []
    append = out.append
    for (row_number, id_number, name, birth, phone, dose, label, history, site, slot,
         product, walk_in, flags, queue, at, vaccinated, decision) in rows:  # fmt: skip
        if birth is not None:
            born = dates.get(birth)
            if born is None:
                born = dates[birth] = parse_date(birth)
        else:
            born = None
        slot_start = dates.get(slot)
        if slot_start is None:
            slot_start = dates[slot] = parse_time(slot)
        key = (dose, label)
        dose_label = shared.get(key)
        if dose_label is None:
            dose_label = shared[key] = sys.intern(_dose_label(dose, label))
        flag_codes = flag_sets.get(flags)
        if flag_codes is None:
            flag_codes = flag_sets[flags] = tuple(sys.intern(f) for f in flags.split(",") if f)
        append(
            RosterRow(
                row_number,
                id_number,
                mask_id(id_number),
                shared.setdefault(name, name),
                born,
                phone,
                dose,
                dose_label,
                shared.setdefault(history, history) if history else "",
                shared.setdefault(site, site),
                slot_start,
                shared.setdefault(product, product),
                queue is not None,
                parse_time(at) if at is not None else None,
                queue,
                bool(vaccinated),
                decision == lookups.NOT_APPROVED,
                bool(walk_in),
                flag_codes,
            )
        )
    return out


class CheckinService:
    """DeskService of one desk (site, desk letter, day) on a Store."""

    def __init__(
        self,
        store: Store,
        rules: RuleSetRegistry,
        site: str,
        desk: str,
        day: date,
        clock: Callable[[], datetime] = taipei_now,
        session: DeskSession | None = None,
    ) -> None:
        if not desk or not desk.isalpha():
            raise DeskActionError(
                f"櫃台代號須為英文字母：{desk!r}", f"desk must be a letter: {desk!r}"
            )
        self.store = store
        self.rules = rules
        self.site = site
        self.desk = desk.upper()
        self.day = day
        self.clock = clock
        self.session = session or DeskSession()

    def use_rules(self, rules: RuleSetRegistry) -> None:
        """Judge with these rule sets from now on (new versions came from the bureau)."""
        self.rules = rules

    # -- time -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        """Aware desk time; the assessment takes its naive local form."""
        now = self.clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=TAIPEI)
        return now

    @staticmethod
    def _local(at: datetime) -> datetime:
        return at.astimezone(TAIPEI).replace(tzinfo=None)

    # -- assessment -----------------------------------------------------------------------

    def _assess_in(self, conn: Connection, raw: str, now: datetime) -> Assessment:
        found: list[lookups.PersonFacts] = []

        def on_record(value: str) -> bool:
            found.append(lookups.person_facts(conn, value, self.day))
            return found[-1].person is not None

        check = check_id_on_record(raw, on_record)
        if not check.valid:
            inp = AssessmentInput(
                raw=raw, id_check=check, person=None, site=self.site, at=self._local(now)
            )
            return assess(inp, self.rules)
        facts = found[-1] if found else lookups.person_facts(conn, check.normalized, self.day)
        inp = AssessmentInput(
            raw=raw,
            id_check=check,
            person=facts.person,
            bookings=facts.bookings,
            cancelled_bookings=facts.cancelled_bookings,
            history=facts.history,
            infection_date=facts.infection_date,
            infection_onset_date=facts.infection_onset_date,
            other_vaccine_date=facts.other_vaccine_date,
            checkins=facts.checkins,
            refusals=facts.refusals,
            vaccinated_today=facts.vaccinated_today,
            site=self.site,
            at=self._local(now),
        )
        return assess(inp, self.rules)

    def assess(self, raw: str) -> Assessment:
        """Normalise a scanned or typed value and assess it; changes nothing."""
        now = self._now()
        with self.store.read() as conn:
            return self._assess_in(conn, raw, now)

    # -- staff ----------------------------------------------------------------------------

    def check_allowed(self, action: DeskAction) -> None:
        """Raise DeskActionError (code NOT_ALLOWED) unless the signed-in staff may act."""
        why = self.session.refusal(action)
        if why is not None:
            raise DeskActionError(*why, code="NOT_ALLOWED")

    # -- events ---------------------------------------------------------------------------

    def _emit(
        self, conn: Connection, kind: EventKind, payload: dict[str, Any], now: datetime
    ) -> Event:
        """Build the desk's next event, apply its state change and put it in the outbox.

        The event names the staff member signed in as its operator; on a desk with a staff
        list nothing is written with nobody signed in.
        """
        operator = self.session.operator()
        if operator is None and self.session.enforced:
            raise DeskActionError("請先登入", "sign in first", code="SIGNED_OUT")
        if operator is not None:
            payload = {**payload, "operator": operator}
        event = Event.new(
            site=self.site,
            desk=self.desk,
            seq=next_event_seq(conn, self.desk),
            at=now,
            kind=kind,
            payload=payload,
        )
        apply_events(conn, [event], LOCAL, fresh=True)
        return event

    # -- check-in -------------------------------------------------------------------------

    def check_in(self, raw: str, confirm_reason: str | None = None) -> CheckinOutcome:
        """Check the person in when allowed; a warn needs `confirm_reason`, a block refuses."""
        reason = (confirm_reason or "").strip() or None
        now = self._now()
        with self.store.write() as conn:
            assessment = self._assess_in(conn, raw, now)
            if assessment.blocked:
                return CheckinOutcome(assessment, False, None, None)
            if assessment.needs_confirmation and reason is None:
                return CheckinOutcome(assessment, False, None, None, needs_reason=True)
            queue_number = next_queue_number(conn, self.desk, self.site, self.day)
            booking = assessment.booking
            payload: dict[str, Any] = {
                "id_number": assessment.id_check.normalized,
                "queue_number": queue_number,
                "day": self.day.isoformat(),
                "product": booking.product if booking else None,
                "dose": booking.dose if booking else None,
                "flags": assessment.codes(),
                "confirm_reason": reason if assessment.needs_confirmation else None,
                "rule_set_version": assessment.rule_set_version,
                "booking_key": _booking_key(booking) if booking else None,
            }
            event = self._emit(conn, EventKind.CHECKIN, payload, now)
        log.info("check-in %s %s at desk %s", queue_number, assessment.id_check.masked, self.desk)
        return CheckinOutcome(assessment, True, queue_number, event.event_id)

    def undo_last_checkin(self, reason: str) -> str | None:
        """Undo this desk's last check-in of the day (writes an event); returns its queue number."""
        now = self._now()
        with self.store.write() as conn:
            mine = [
                c
                for c in lookups.checkin_records(conn, day=self.day, site=self.site)
                if c.desk == self.desk
            ]
            if not mine:
                return None
            last = max(mine, key=lambda c: (c.at, len(c.queue_number), c.queue_number))
            self._undo(conn, last, reason, now)
        return last.queue_number

    def _undo(self, conn: Connection, c: lookups.CheckinRecord, reason: str, now: datetime) -> None:
        if c.vaccinated:
            raise DeskActionError(
                f"{c.queue_number} 已接種，不能取消報到",
                f"{c.queue_number} is already vaccinated; the check-in cannot be undone",
                code="ALREADY_VACCINATED",
            )
        self._emit(
            conn,
            EventKind.CHECKIN_UNDONE,
            {
                "id_number": c.id_number,
                "queue_number": c.queue_number,
                "day": c.day.isoformat(),
                "checkin_id": c.checkin_id,
                "reason": reason,
            },
            now,
        )

    # -- roster views ---------------------------------------------------------------------

    def _rows(self, conn: Connection, booking_rows: list[Any]) -> list[RosterRow]:
        # Search results are a few rows: their own check-ins, not the whole day's.
        ids = sorted({r.id_number for r in booking_rows})
        records = lookups.checkin_records(conn, day=self.day, id_numbers=ids) if ids else []
        today = {c.id_number: c for c in records}
        out = []
        for r in booking_rows:
            # A check-in counts for the booking of its day only.
            c = today.get(r.id_number) if r.day == self.day else None
            flags = tuple(f for f in r.flags.split(",") if f)
            out.append(
                RosterRow(
                    row_number=r.row_number,
                    id_number=r.id_number,
                    masked_id=mask_id(r.id_number),
                    name=r.name,
                    birth_date=r.birth_date,
                    phone=r.phone,
                    dose=r.dose,
                    dose_label=_dose_label(r.dose, r.dose_label),
                    history_text=r.history_text or "",
                    site=r.site,
                    slot_start=r.slot_start,
                    product=r.product,
                    checked_in=c is not None,
                    checkin_time=c.at if c else None,
                    queue_number=c.queue_number if c else None,
                    vaccinated=bool(c and c.vaccinated),
                    doctor_not_approved=bool(c and c.decision == "not_approved"),
                    walk_in=bool(r.walk_in),
                    flags=flags,
                )
            )
        return out

    def roster(self) -> list[RosterRow]:
        """Every booking of the site and day, ordered by slot then row number."""
        with self.store.read() as conn:
            rows = lookups.roster_tuples(conn, self.site, self.day)
        return roster_rows(rows)

    def search(self, text: str, limit: int = 50) -> list[RosterRow]:
        """Manual lookup by ID number, Chinese name, phone or queue number."""
        text = text.strip()
        if not text:
            return []
        with self.store.read() as conn:
            check = check_id_on_record(text, lambda v: bool(lookups.people_by_id(conn, [v])))
            if check.valid:  # never a queue number (a letter and up to a few digits)
                where = lookups.search_filter(text, check.normalized)
                return self._rows(conn, lookups.booking_people(conn, where, limit))
            upper = text.upper()
            queued = [
                c for c in lookups.checkin_records(conn, day=self.day) if c.queue_number == upper
            ]
            if queued:
                ids = [c.id_number for c in queued]
                where = and_(bookings.c.id_number.in_(ids), bookings.c.day == self.day)
                return self._rows(conn, lookups.booking_people(conn, where, limit))
            rows = lookups.booking_people(conn, lookups.search_filter(text, None), limit)
            return self._rows(conn, rows)

    def counters(self) -> Counters:
        """全部 / 已報到 / 已接種 / 醫生不同意 / 未到 for the site and day."""
        with self.store.read() as conn:
            total, arrived, checked, vaccinated, refused = lookups.counter_values(
                conn, self.site, self.day
            )
        return Counters(
            total=total,
            checked_in=checked,
            vaccinated=vaccinated,
            not_approved=refused,
            not_arrived=total - arrived,
        )

    def site_day(self) -> SiteDayState:
        """The day as the shared projection sees it: every desk's events this desk holds.

        Its counts and conflicts are the ones the bureau's reconciliation derives from the
        same events (vaccination.projection); the interval conflicts use the histories.
        """
        with self.store.read() as conn:
            day_events = lookups.day_events(conn, self.day)
            ids = sorted(
                {e.payload.id_number for e in day_events if isinstance(e, VaccinationEvent)}
            )
            people = lookups.people_by_id(conn, ids)
            earlier = lookups.histories(conn, ids)
        births = {k: p.birth_date for k, p in people.items()}
        check = interval_checker(self.rules, self.day, earlier, births)
        return SiteDayFold().add_all(day_events).state(check)

    def doctor_queue(self) -> list[QueueEntry]:
        """Checked-in people of the site and day in queue-number order, each person once.

        A person checked in at two desks (offline) is one entry, the one a dose or a
        decision was recorded on (else the first), naming the other numbers.
        """
        with self.store.read() as conn:
            active = lookups.checkin_records(conn, day=self.day, site=self.site)
            ids = [c.id_number for c in active]
            persons = lookups.people_by_id(conn, ids)
            histories = lookups.histories(conn, ids)
        by_person: dict[str, list[lookups.CheckinRecord]] = {}
        for c in active:
            by_person.setdefault(c.id_number, []).append(c)
        out = []
        for person_id, entries in by_person.items():
            c = min(entries, key=lambda e: (not e.vaccinated, e.decision is None, e.at))
            others = [e for e in entries if e is not c]
            person = persons.get(person_id)
            out.append(
                QueueEntry(
                    queue_number=c.queue_number,
                    checkin_id=c.checkin_id,
                    id_number=c.id_number,
                    masked_id=mask_id(c.id_number),
                    name=person.name if person else "",
                    birth_date=person.birth_date if person else None,
                    product=c.product or "",
                    dose=c.dose or 0,
                    checked_in_at=c.at,
                    decision=c.decision,
                    decision_reason=c.decision_reason,
                    vaccinated=any(e.vaccinated for e in entries),
                    history=histories.get(c.id_number, ()),
                    also_checked_in_as=tuple(e.queue_number for e in others),
                    duplicate_checkin_ids=tuple(e.checkin_id for e in others),
                )
            )
        out.sort(key=lambda q: _queue_order(q.queue_number))
        return out

    def void_checkin(self, checkin_id: str, reason: str) -> str:
        """Void a duplicate check-in with a reason (a CORRECTION event); returns its number.

        The reconciliation then shows the double check-in as resolved, by whom.
        """
        self.check_allowed(DeskAction.VOID)
        why = reason.strip()
        if not why:
            raise DeskActionError("請填寫作廢原因", "give the reason for voiding", code="NO_REASON")
        now = self._now()
        with self.store.write() as conn:
            c = self._checkin(conn, checkin_id)
            if c.vaccinated:
                raise DeskActionError(
                    f"{c.queue_number} 已接種，不能作廢",
                    f"{c.queue_number} is vaccinated; it cannot be voided",
                    code="ALREADY_VACCINATED",
                )
            self._emit(
                conn,
                EventKind.CORRECTION,
                {
                    "id_number": c.id_number,
                    "day": c.day.isoformat(),
                    "action": VOID_CHECKIN,
                    "target": c.checkin_id,
                    "reason": why,
                },
                now,
            )
        log.info("void %s %s at desk %s", c.queue_number, mask_id(c.id_number), self.desk)
        return c.queue_number

    # -- doctor and vaccinator ------------------------------------------------------------

    def _checkin(self, conn: Connection, checkin_id: str) -> lookups.CheckinRecord:
        found = lookups.checkin_by_id(conn, checkin_id)
        if found is None:
            raise DeskActionError("找不到這筆報到紀錄", f"no check-in with id {checkin_id}")
        if found.undone:
            raise DeskActionError(
                f"報到 {found.queue_number} 已取消", f"check-in {found.queue_number} was undone"
            )
        return found

    def doctor_decision(self, checkin_id: str, approved: bool, reason: str | None) -> None:
        """Record 同意 or 醫生不同意 (with its reason) for a check-in; writes an event."""
        self.check_allowed(DeskAction.DECIDE)
        now = self._now()
        with self.store.write() as conn:
            c = self._checkin(conn, checkin_id)
            self._emit(
                conn,
                EventKind.DOCTOR_DECISION,
                {
                    "id_number": c.id_number,
                    "day": c.day.isoformat(),
                    "approved": bool(approved),
                    "reason": (reason or "").strip() or None,
                    "checkin_id": c.checkin_id,
                    "queue_number": c.queue_number,
                },
                now,
            )

    def _product_and_lot(self, product: str, lot: str) -> tuple[Any, str]:
        """The rule sets' product and the trimmed lot number, or a DeskActionError."""
        resolved = self.rules.resolve_product(product)
        if resolved is None:
            raise DeskActionError(f"不認識的疫苗：{product}", f"unknown vaccine: {product}")
        lot = lot.strip()
        if not lot:
            raise DeskActionError("請輸入批號", "enter the lot number")
        return resolved, lot

    def record_vaccination(
        self,
        checkin_id: str,
        product: str,
        lot: str,
        dose: int,
        *,
        reason: str | None = None,
        open_vial: bool = False,
    ) -> None:
        """Record the dose given (fills 已接種 and the person's history); writes an event.

        Refused unless the doctor approved this check-in, the person has no dose today at
        any desk this desk knows of, and the lot has a vial open here today (`open_vial`
        opens one in the same step). A product or dose other than the booked one needs a
        `reason`, which the event carries for the bureau.
        """
        self.check_allowed(DeskAction.RECORD_DOSE)
        now = self._now()
        resolved, lot = self._product_and_lot(product, lot)
        why = (reason or "").strip() or None
        with self.store.write() as conn:
            c = self._checkin(conn, checkin_id)
            self._check_may_vaccinate(conn, c)
            changed = bool(c.product and c.product != resolved.code) or bool(
                c.dose and c.dose != dose
            )
            if changed and why is None:
                raise DeskActionError(
                    f"{c.queue_number} 預約的是 {c.product} 第 {c.dose} 劑，"
                    f"改打 {resolved.code} 第 {dose} 劑須填寫原因",
                    f"{c.queue_number} is booked for {c.product} dose {c.dose}; giving "
                    f"{resolved.code} dose {dose} needs a reason",
                    code="BOOKING_CHANGED",
                )
            if not lookups.lot_is_open(conn, self.site, self.day, resolved.code, lot):
                if not open_vial:
                    raise DeskActionError(
                        f"{resolved.code} 批號 {lot} 今天尚未開瓶：請先開瓶或選擇已開的批號",
                        f"no vial of {resolved.code} lot {lot} is open today: open one first "
                        "or choose an open lot",
                        code="LOT_NOT_OPEN",
                    )
                self._emit(conn, EventKind.VIAL_OPENED, self._vial(resolved, lot), now)
            payload: dict[str, Any] = {
                "id_number": c.id_number,
                "day": c.day.isoformat(),
                "product": resolved.code,
                "lot": lot,
                "dose": int(dose),
                "checkin_id": c.checkin_id,
                "queue_number": c.queue_number,
                "rule_set_version": self._rule_set_version(resolved.code),
            }
            if changed:
                payload |= {"booked_product": c.product, "booked_dose": c.dose, "reason": why}
            self._emit(conn, EventKind.VACCINATION, payload, now)

    def _rule_set_version(self, product: str) -> str | None:
        """The version of the rule set in force today for `product` (the event records it)."""
        try:
            return self.rules.for_product(product, self.day).version
        except RuleSetLookupError:
            return None

    def _check_may_vaccinate(self, conn: Connection, c: lookups.CheckinRecord) -> None:
        if c.decision == lookups.NOT_APPROVED:
            raise DeskActionError(
                f"{c.queue_number} 醫生不同意接種",
                f"{c.queue_number}: the doctor did not approve",
                code="NOT_APPROVED",
            )
        if c.decision is None:
            raise DeskActionError(
                f"{c.queue_number} 尚未經醫師評估同意，不能記錄接種",
                f"{c.queue_number} has no doctor's approval yet; the dose cannot be recorded",
                code="NO_APPROVAL",
            )
        if lookups.vaccinated_on(conn, c.id_number, c.day):
            raise DeskActionError(
                f"{c.queue_number} 今天已接種", f"{c.queue_number} is already vaccinated today"
            )

    def _vial(self, product: Product, lot: str, doses: int | None = None) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "product": product.code,
            "lot": lot,
            "doses": doses or product.doses_per_vial,
        }

    # -- roster changes -------------------------------------------------------------------

    def add_walk_in(
        self,
        person: Person,
        product: str,
        dose: int,
        history_text: str,
        *,
        id_kind: IdKind | None = None,
    ) -> RosterRow:
        """Add a person on the spot (增加人員), validated like an imported row; writes an event.

        `id_kind` is the form's document type (`IdKind.PASSPORT` for a passport number).
        """
        from vaccination.roster_import import RowError, validate_walk_in

        now = self._now()
        try:
            entry = validate_walk_in(
                person=person,
                product=product,
                dose=dose,
                history_text=history_text,
                site=self.site,
                slot_start=self._local(now).replace(second=0, microsecond=0),
                rules=self.rules,
                id_kind=id_kind,
            )
        except RowError as exc:
            raise DeskActionError(exc.message_zh, exc.message_en, code=exc.code) from None
        booking = Booking(
            id_number=entry.person.id_number,
            site=self.site,
            slot_start=entry.booking.slot_start,
            product=entry.booking.product,
            dose=entry.booking.dose,
            dose_label=entry.booking.dose_label,
            walk_in=True,
        )
        p = entry.person
        with self.store.write() as conn:
            existing = lookups.booking_people(
                conn, bookings.c.booking_key == _booking_key(booking), limit=1
            )
            if existing:
                raise DeskActionError(
                    "這個人今天已在本站名冊上，請直接報到",
                    "this person is already on today's roster here; check them in instead",
                    code="ALREADY_BOOKED",
                )
            self._emit(
                conn,
                EventKind.WALKIN_ADDED,
                {
                    "id_number": p.id_number,
                    "day": self.day.isoformat(),
                    "name": p.name,
                    "birth_date": p.birth_date.isoformat() if p.birth_date else None,
                    "phone": p.phone,
                    "product": booking.product,
                    "dose": booking.dose,
                    "dose_label": booking.dose_label,
                    "site": self.site,
                    "slot_start": booking.slot_start.isoformat(),
                    "booking_key": _booking_key(booking),
                    "history_text": entry.history_text,
                    "history": [
                        {"product": d.product, "given_on": d.given_on.isoformat(), "lot": d.lot}
                        for d in entry.history
                    ],
                },
                now,
            )
            rows = lookups.booking_people(
                conn, bookings.c.booking_key == _booking_key(booking), limit=1
            )
            return self._rows(conn, rows)[0]

    def import_roster(self, path: Path, progress: ProgressCallback | None = None) -> ImportReport:
        """Import a roster file; returns the import report (see vaccination.roster_import)."""
        from vaccination.roster_import import read_roster

        report = read_roster(path, self.rules, progress=progress)
        if report.fatal_error is None:
            self.store.import_entries(report.rows)
        log.info("desk %s roster import %s: %d rows, %d rejected%s", self.desk, path.name,
                 len(report.rows), len(report.rejected),
                 f", failed: {report.fatal_code}" if report.fatal_error else "")  # fmt: skip
        return report

    # -- lots -----------------------------------------------------------------------------

    def lots(self) -> list[LotUsage]:
        """The vaccine lots opened or used today at the site."""
        with self.store.read() as conn:
            rows = lookups.lot_rows(conn, self.site, self.day)
        thrown = self._vial_day().thrown_away
        out = []
        for product, lot, opened, given, declared in rows:
            try:
                per_vial = self.rules.product(product).lot_doses_per_vial(declared)
            except RuleSetLookupError:
                per_vial = declared or 1
            except VialSizeError:
                per_vial = declared or 1  # stored by an older rule set: the lot says so
            lost = thrown.get((product, lot), 0)
            out.append(LotUsage(product, lot, opened, per_vial, given, lost))
        return out

    def open_vial(self, product: str, lot: str, doses_per_vial: int | None = None) -> None:
        """Count one more vial opened for a lot (adds the lot when new); writes an event.

        `doses_per_vial` is what the lot's vials hold (AZ: 8 or 10); it is set when the lot
        is first opened, and a later different value is refused. None: the lot's value, or
        the product's default for a new lot.
        """
        resolved, lot = self._product_and_lot(product, lot)
        try:
            per_vial = resolved.lot_doses_per_vial(doses_per_vial)
        except VialSizeError as exc:
            raise DeskActionError(exc.message_zh, exc.message_en, code="VIAL_SIZE") from None
        key = and_(
            lots.c.site == self.site,
            lots.c.day == self.day,
            lots.c.product == resolved.code,
            lots.c.lot == lot,
        )
        now = self._now()
        with self.store.write() as conn:
            known = conn.execute(select(lots.c.doses_per_vial).where(key)).first()
            stored = known.doses_per_vial if known is not None else None
            if doses_per_vial is not None and stored is not None and stored != doses_per_vial:
                raise DeskActionError(
                    f"批號 {lot} 已登記每瓶 {stored} 劑，不是 {doses_per_vial} 劑。",
                    f"Lot {lot} is recorded with {stored} doses per vial, not {doses_per_vial}.",
                    code="VIAL_SIZE",
                )
            self._emit(
                conn, EventKind.VIAL_OPENED, self._vial(resolved, lot, stored or per_vial), now
            )

    # -- privacy --------------------------------------------------------------------------

    def reveal_id(self, id_number: str, reason: str) -> str:
        """The full ID number for display; the reveal is logged (without the number)."""
        self.check_allowed(DeskAction.REVEAL_ID)
        masked = mask_id(id_number)
        reason = mask_ids_in_text(reason)
        with self.store.write() as conn:
            conn.execute(
                audit_log.insert().values(
                    at=self._now().isoformat(),
                    desk=self.desk,
                    action="reveal_id",
                    masked_id=masked,
                    reason=reason,
                    operator=self.session.who(),
                )
            )
        log.info("desk %s %s revealed ID %s: %s", self.desk, self.session.who(), masked, reason)
        return id_number

    # -- chosen check-ins, approve-and-record, observation (desk counter) -----------------
    # New actions built on the ones above: undo of a chosen check-in, one action for
    # 同意 and the dose with the checks the plan asks for at record time, the 留觀 list.

    def _desk_checkin(self, conn: Connection, c: lookups.CheckinRecord) -> DeskCheckin:
        person = lookups.people_by_id(conn, [c.id_number]).get(c.id_number)
        return DeskCheckin(
            checkin_id=c.checkin_id,
            queue_number=c.queue_number,
            id_number=c.id_number,
            masked_id=mask_id(c.id_number),
            name=person.name if person else "",
            desk=c.desk,
            at=c.at,
        )

    def active_checkin(self, id_number: str) -> DeskCheckin | None:
        """The person's check-in of today at this site (any desk), if not undone."""
        with self.store.read() as conn:
            found = lookups.checkin_records(
                conn, day=self.day, site=self.site, id_numbers=[id_number]
            )
            return self._desk_checkin(conn, found[-1]) if found else None

    def latest_desk_checkin(self) -> DeskCheckin | None:
        """This desk's most recent check-in of today that is not undone."""
        with self.store.read() as conn:
            mine = [
                c
                for c in lookups.checkin_records(conn, day=self.day, site=self.site)
                if c.desk == self.desk
            ]
            if not mine:
                return None
            last = max(mine, key=lambda c: (c.at, len(c.queue_number), c.queue_number))
            return self._desk_checkin(conn, last)

    def undo_checkin(self, checkin_id: str, reason: str) -> str:
        """Undo a chosen check-in (writes an event); returns its queue number."""
        now = self._now()
        reason = mask_ids_in_text(reason)
        with self.store.write() as conn:
            c = self._checkin(conn, checkin_id)
            self._undo(conn, c, reason, now)
        log.info("undo %s %s at desk %s", c.queue_number, mask_id(c.id_number), self.desk)
        return c.queue_number

    def approve_and_record(self, checkin_id: str, lot: str) -> RecordCard:
        """同意 (when not yet approved) and record the booked dose from an open vial of `lot`.

        Refused before anything is written: a refusal by the doctor, a dose already
        given, a lot with no open vial of the booked product (a lot of another product
        is named as such).
        """
        lot = lot.strip()
        with self.store.read() as conn:
            c = self._checkin(conn, checkin_id)
            open_lots = lookups.lot_rows(conn, self.site, self.day)
        self.check_allowed(DeskAction.RECORD_DOSE if c.decision else DeskAction.DECIDE)
        product = c.product or ""
        if c.vaccinated:
            raise DeskActionError(
                f"{c.queue_number} 今天已接種", f"{c.queue_number} is already vaccinated today"
            )
        if not lot:
            raise DeskActionError("請選擇或掃描疫苗批號", "choose or scan the vial's lot")
        mine = [p for p, name, opened, _, _ in open_lots if name == lot and opened > 0]
        if product not in mine:
            if mine:
                raise DeskActionError(
                    f"批號 {lot} 是 {mine[0]}，不是預約的 {product}",
                    f"lot {lot} is {mine[0]}, not the booked {product}",
                    code="WRONG_PRODUCT",
                )
            raise DeskActionError(
                f"批號 {lot} 今天尚未開瓶（到「疫苗批號」開一瓶）",
                f"lot {lot} has no open vial today (open one under Vaccine lots)",
                code="LOT_NOT_OPEN",
            )
        if c.decision != "approved":
            if c.decision == "not_approved":
                raise DeskActionError(
                    f"{c.queue_number} 醫生不同意接種",
                    f"{c.queue_number}: the doctor did not approve",
                )
            self.doctor_decision(checkin_id, True, None)
        self.record_vaccination(checkin_id, product, lot, c.dose or 1)
        log.info("vaccination %s %s lot %s", c.queue_number, mask_id(c.id_number), lot)
        return self.record_card(checkin_id)

    def record_card(self, checkin_id: str) -> RecordCard:
        """The record card entry (小黃卡) of the dose given for a check-in."""
        with self.store.read() as conn:
            c = self._checkin(conn, checkin_id)
            shot = conn.execute(
                select(vaccinations).where(vaccinations.c.checkin_id == checkin_id)
            ).first()
            person = lookups.people_by_id(conn, [c.id_number]).get(c.id_number)
        if shot is None:
            raise DeskActionError(
                f"{c.queue_number} 尚未記錄接種", f"{c.queue_number} has no dose recorded"
            )
        given_on = shot.day
        product = self.rules.product(shot.product)
        next_from = None
        if shot.dose < product.primary_doses:
            try:
                rs = self.rules.for_product(shot.product, given_on)
            except RuleSetLookupError:
                rs = None
            born = person.birth_date if person else None
            months = (
                None
                if born is None
                else (given_on.year - born.year) * 12 + (given_on.month - born.month)
            )
            rule = rs.min_interval(product, shot.product, shot.dose + 1, months) if rs else None
            if rule is not None:
                next_from = given_on + timedelta(days=rule.min_days)
        return RecordCard(
            name=person.name if person else "",
            product=shot.product,
            product_name_zh=product.name_zh,
            product_name_en=product.name_en,
            dose=shot.dose,
            lot=shot.lot,
            given_on=given_on,
            site=shot.site,
            next_dose_from=next_from,
        )

    # -- open vials, other sites ----------------------------------------------------------

    def _hours_after_opening(self, code: str) -> float | None:
        try:
            return self.rules.for_product(code, self.day).product(code).hours_after_opening
        except RuleSetLookupError:
            return None

    def open_vials(self) -> list[OpenVial]:
        """The site's vials still open today (not empty, not discarded), soonest to expire
        first, each with the time it expires (the rule set's hours after opening)."""
        return self._vial_day().open

    def _vial_day(self) -> VialDay:
        here = site_key(self.site)
        with self.store.read() as conn:
            vial_events = lookups.vial_events(conn, self.day)
            drawn = [
                DoseDrawn(product, lot, datetime.fromisoformat(at))
                for product, lot, at in lookups.doses_drawn(conn, self.site, self.day)
            ]
        ours = [e for e in vial_events if site_key(e.site) == here]
        return vial_day(
            [e for e in ours if isinstance(e, VialOpenedEvent)],
            [e for e in ours if isinstance(e, VialDiscardedEvent)],
            drawn,
            self._hours_after_opening,
        )

    def discard_vial(self, vial_id: str, reason: str) -> None:
        """丟棄: throw an open vial away (expired, broken) with the reason; writes an event."""
        reason = reason.strip()
        if not reason:
            raise DeskActionError("請填寫丟棄原因。", "Give the reason for discarding.")
        vial = next((v for v in self.open_vials() if v.vial_id == vial_id), None)
        if vial is None:
            raise DeskActionError(
                "這瓶疫苗已用完或已丟棄。", "That vial is used up or already discarded."
            )
        payload = {
            "day": self.day.isoformat(),
            "product": vial.product,
            "lot": vial.lot,
            "reason": reason,
            "vial": vial.vial_id,
        }
        now = self._now()
        with self.store.write() as conn:
            self._emit(conn, EventKind.VIAL_DISCARDED, payload, now)

    def other_sites_age(self) -> timedelta | None:
        """How long ago the server's log was last read through: the age of what this desk
        knows of other sites (None: never)."""
        from station_app.sync_state import SyncBook

        at = SyncBook(self.store).pulled_at()
        return None if at is None else self._now() - at

    def now(self) -> datetime:
        """The desk's clock (aware)."""
        return self._now()

    def observations(self, minutes: int) -> list[Observation]:
        """People vaccinated today still in observation, with the time each may leave."""
        now = self._local(self._now())
        with self.store.read() as conn:
            shots = conn.execute(
                select(vaccinations, checkins.c.queue_number)
                .join(checkins, checkins.c.checkin_id == vaccinations.c.checkin_id)
                .where(and_(vaccinations.c.site == self.site, vaccinations.c.day == self.day))
                .order_by(vaccinations.c.at.desc())
            ).all()
            people = lookups.people_by_id(conn, [s.id_number for s in shots])
        out = []
        for s in shots:
            at = self._local(datetime.fromisoformat(s.at))
            if at + timedelta(minutes=minutes) < now:
                continue  # observed long enough: off the list
            person = people.get(s.id_number)
            out.append(
                Observation(
                    queue_number=s.queue_number,
                    name=person.name if person else "",
                    masked_id=mask_id(s.id_number),
                    product=s.product,
                    vaccinated_at=at,
                    may_leave_at=at + timedelta(minutes=minutes),
                )
            )
        return out

    def log_export(self, kind: str, rows: int, full_ids_reason: str | None = None) -> None:
        """Keep an export in the audit log and the desk log: which desk, what, how many rows.

        `full_ids_reason` is given only for an export with full ID numbers (it is kept
        with any ID typed into it masked).
        """
        self.check_allowed(DeskAction.EXPORT)
        action = "export_full_id" if full_ids_reason else "export"
        reason = mask_ids_in_text(full_ids_reason or "")
        with self.store.write() as conn:
            conn.execute(
                audit_log.insert().values(
                    at=self._now().isoformat(),
                    desk=self.desk,
                    action=action,
                    masked_id="",
                    reason=f"{kind} {rows} rows" + (f": {reason}" if reason else ""),
                    operator=self.session.who(),
                )
            )
        log.info("desk %s %s %s %s, %d rows%s", self.desk, self.session.who(), action, kind, rows,
                 f": {reason}" if reason else "")  # fmt: skip

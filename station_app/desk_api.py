"""The contract between the desk's views and its check-in service.

Views (check-in, doctor, manager) call a `DeskService`; the service owns the
local store and the rule set. Everything crossing this line is a frozen value,
never an ORM object, so views can be tested against the real service on a
temporary database and never touch SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from vaccination.models import Assessment, DoseRecord, IdKind, Person
from vaccination.staff import DeskAction
from vaccination.vials import OpenVial

if TYPE_CHECKING:
    from vaccination.rules import RuleSetRegistry


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One booking of the day's roster, as the manager table and search results show it."""

    row_number: int | None  # 序號
    id_number: str  # full ID: only shown on explicit reveal
    masked_id: str
    name: str
    birth_date: date | None
    phone: str | None
    dose: int
    dose_label: str  # 接種期別, e.g. "第2劑"
    history_text: str  # 已接種疫苗, e.g. "CoV_AZ 2021-06-15"
    site: str
    slot_start: datetime
    product: str  # 接種疫苗, e.g. "CoV_Moderna"
    checked_in: bool
    checkin_time: datetime | None
    queue_number: str | None
    vaccinated: bool
    doctor_not_approved: bool
    walk_in: bool
    flags: tuple[str, ...]  # flag codes known without a scan, e.g. ("DUPLICATE_BOOKING",)


@dataclass(frozen=True, slots=True)
class Counters:
    """The always-visible counters of the site and day."""

    total: int  # 全部
    checked_in: int  # 已報到
    vaccinated: int  # 已接種
    not_approved: int  # 醫生不同意
    not_arrived: int  # 未到


@dataclass(frozen=True, slots=True)
class CheckinOutcome:
    """What a check-in attempt did: checked in with a queue number, or refused with flags."""

    assessment: Assessment
    checked_in: bool
    queue_number: str | None  # e.g. "A028"
    checkin_id: str | None  # UUID of the check-in event (printed as the ticket's code)
    needs_reason: bool = False  # a warn flag and no reason given: ask, then call again


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A checked-in person waiting for (or seen by) the doctor."""

    queue_number: str
    checkin_id: str
    id_number: str
    masked_id: str
    name: str
    birth_date: date | None
    product: str
    dose: int
    checked_in_at: datetime
    decision: str | None  # None, "approved" or "not_approved"
    decision_reason: str | None
    vaccinated: bool
    history: tuple[DoseRecord, ...]
    # The person's other active check-ins of the day (checked in twice): queue numbers,
    # and their check-in ids in the same order (what a manager voids).
    also_checked_in_as: tuple[str, ...] = ()
    duplicate_checkin_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LotUsage:
    """One vaccine lot in use today at the site."""

    product: str
    lot: str
    vials_opened: int
    doses_per_vial: int
    doses_given: int
    doses_thrown_away: int = 0  # left in vials discarded (丟棄)

    @property
    def doses_left_in_open_vials(self) -> int:
        """Doses still to draw from the vials already opened (and not thrown away)."""
        held = self.vials_opened * self.doses_per_vial
        return max(0, held - self.doses_given - self.doses_thrown_away)


@dataclass(frozen=True, slots=True)
class DeskCheckin:
    """An active check-in, named for the confirmations (undo, reprint) that act on it."""

    checkin_id: str
    queue_number: str
    id_number: str
    masked_id: str
    name: str
    desk: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Observation:
    """A person vaccinated today, in the observation area (留觀) until `may_leave_at`."""

    queue_number: str
    name: str
    masked_id: str
    product: str
    vaccinated_at: datetime  # site-local time
    may_leave_at: datetime


@dataclass(frozen=True, slots=True)
class RecordCard:
    """The record card entry (小黃卡) of one dose given."""

    name: str
    product: str  # code, e.g. "CoV_Moderna"
    product_name_zh: str
    product_name_en: str
    dose: int
    lot: str
    given_on: date
    site: str
    next_dose_from: date | None  # earliest next dose of the primary series, from the rules


ProgressCallback = Callable[[int, int], None]  # (rows done, rows total)


class DeskService(Protocol):
    """What a desk can do. One instance per desk (site, desk letter, day)."""

    site: str
    desk: str
    day: date

    def assess(self, raw: str) -> Assessment:
        """Normalise a scanned or typed value and assess it; changes nothing."""
        ...

    def use_rules(self, rules: RuleSetRegistry) -> None:
        """Judge with these rule sets from now on (new versions came from the bureau)."""
        ...

    def check_in(self, raw: str, confirm_reason: str | None = None) -> CheckinOutcome:
        """Check the person in when allowed; a warn needs `confirm_reason`, a block refuses."""
        ...

    def undo_last_checkin(self, reason: str) -> str | None:
        """Undo this desk's last check-in (writes an event); returns its queue number."""
        ...

    def search(self, text: str, limit: int = 50) -> list[RosterRow]:
        """Manual lookup by ID number, Chinese name, phone or queue number."""
        ...

    def roster(self) -> list[RosterRow]:
        """Every booking of the site and day, ordered by slot then row number."""
        ...

    def counters(self) -> Counters:
        """全部 / 已報到 / 已接種 / 醫生不同意 / 未到 for the site and day."""
        ...

    def doctor_queue(self) -> list[QueueEntry]:
        """Checked-in people of the site and day in queue-number order."""
        ...

    def doctor_decision(self, checkin_id: str, approved: bool, reason: str | None) -> None:
        """Record 同意 or 醫生不同意 (with its reason) for a check-in; writes an event."""
        ...

    def void_checkin(self, checkin_id: str, reason: str) -> str:
        """Void a duplicate check-in (a correction every desk and the bureau receive)."""
        ...

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
        """Record the dose given (fills 已接種); writes an event. Needs the doctor's approval,
        an open vial of the lot (or `open_vial`), and a `reason` for a changed product/dose."""
        ...

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
        ...

    def import_roster(self, path: Path, progress: ProgressCallback | None = None) -> object:
        """Import a roster file; returns the import report (see vaccination.roster_import)."""
        ...

    def lots(self) -> list[LotUsage]:
        """The vaccine lots in use today."""
        ...

    def open_vial(self, product: str, lot: str, doses_per_vial: int | None = None) -> None:
        """Count one more vial opened for a lot (adds the lot when new); `doses_per_vial`
        is what the lot's vials hold, set when the lot is first opened (None: the default)."""
        ...

    def reveal_id(self, id_number: str, reason: str) -> str:
        """The full ID number for display; the reveal is logged (without the number)."""
        ...

    def check_allowed(self, action: DeskAction) -> None:
        """Raise DeskActionError unless the staff member signed in may take `action`."""
        ...

    def log_export(self, kind: str, rows: int, full_ids_reason: str | None = None) -> None:
        """Keep an export (what, how many rows, full IDs and why) in the audit log."""
        ...

    def active_checkin(self, id_number: str) -> DeskCheckin | None:
        """The person's check-in of today at this site (any desk), if not undone."""
        ...

    def latest_desk_checkin(self) -> DeskCheckin | None:
        """This desk's most recent check-in of today that is not undone."""
        ...

    def undo_checkin(self, checkin_id: str, reason: str) -> str:
        """Undo a chosen check-in (writes an event); returns its queue number."""
        ...

    def approve_and_record(self, checkin_id: str, lot: str) -> RecordCard:
        """同意 (when not yet approved) and record the booked dose from an open vial of `lot`."""
        ...

    def open_vials(self) -> list[OpenVial]:
        """The site's vials still open today, soonest to expire first."""
        ...

    def discard_vial(self, vial_id: str, reason: str) -> None:
        """丟棄: throw an open vial away with the reason (writes a VIAL_DISCARDED event)."""
        ...

    def other_sites_age(self) -> timedelta | None:
        """The age of this desk's knowledge of other sites (None: never downloaded)."""
        ...

    def now(self) -> datetime:
        """The desk's clock (aware)."""
        ...

    def observations(self, minutes: int) -> list[Observation]:
        """People vaccinated today still in observation, with the time each may leave."""
        ...

"""Domain records shared by every part of VaxDesk: people, bookings, doses, flags, assessments.

All are frozen dataclasses: plain values that cross module, thread and process
boundaries. No ORM object, Qt object or HTTP schema ever stands in for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How a flag affects check-in: `block` refuses, `warn` needs a reason, `info` only shows."""

    BLOCK = "block"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe; used to find the worst flag of an assessment."""
        return {"info": 0, "warn": 1, "block": 2}[self.value]


class IdKind(StrEnum):
    """What kind of identity number a value is."""

    NATIONAL_ID = "national_id"  # 國民身分證統一編號
    RESIDENT_OLD = "resident_old"  # 舊式居留證 (two letters)
    RESIDENT_NEW = "resident_new"  # 新式居留證 (second character 8 or 9)
    PASSPORT = "passport"  # 護照號碼: no checksum, accepted unchecked


@dataclass(frozen=True)
class IdCheck:
    """The result of normalising and validating one scanned or typed value."""

    input: str
    valid: bool
    kind: IdKind | None
    normalized: str
    masked: str
    error: str | None = None  # stable reason code, e.g. "wrong_length", "checksum_mismatch"
    message_zh: str | None = None
    message_en: str | None = None

    @property
    def unchecked(self) -> bool:
        """True for a passport number: accepted, but no checksum could confirm it."""
        return self.kind is IdKind.PASSPORT


@dataclass(frozen=True)
class Person:
    """A person on the roster. `id_number` is the normalised identity number."""

    id_number: str
    name: str
    birth_date: date | None
    phone: str | None = None


@dataclass(frozen=True)
class DoseRecord:
    """One dose a person has received, from the roster or recorded at a desk."""

    product: str  # product code of the rule set, e.g. "CoV_AZ"
    given_on: date
    lot: str | None = None
    source: str = "roster"  # "roster", "desk", "server"


@dataclass(frozen=True)
class Booking:
    """A booking on the roster: who, where, when, which product and which dose."""

    id_number: str
    site: str
    slot_start: datetime  # naive local time of the site
    product: str
    dose: int  # 1-based position in the person's series for this disease
    slot_end: datetime | None = None
    dose_label: str | None = None  # as written on the roster, e.g. "第2劑", "追加劑"
    row_number: int | None = None  # row of the roster file it came from
    walk_in: bool = False


@dataclass(frozen=True)
class CheckinFact:
    """A check-in of the person already on record (any desk, this site or another)."""

    site: str
    desk: str
    queue_number: str
    at: datetime
    undone: bool = False


@dataclass(frozen=True)
class DoctorRefusal:
    """A doctor's "醫生不同意" for the person."""

    site: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class Flag:
    """One finding of an assessment, with a stable code and the data behind it."""

    code: str  # e.g. "INTERVAL_TOO_SHORT"; see vaccination.flags
    severity: Severity
    message_zh: str
    message_en: str
    data: dict[str, Any] = field(default_factory=dict)  # e.g. {"earliest": "2026-12-01"}


@dataclass(frozen=True)
class Assessment:
    """What the desk shows after a scan: who, which booking, and every flag."""

    id_check: IdCheck
    person: Person | None
    booking: Booking | None
    flags: tuple[Flag, ...]
    rule_set_id: str
    rule_set_version: str
    assessed_at: datetime

    @property
    def worst(self) -> Severity | None:
        """The most severe flag, or None when all is clear."""
        if not self.flags:
            return None
        return max((f.severity for f in self.flags), key=lambda s: s.rank)

    @property
    def blocked(self) -> bool:
        """True when check-in is refused at this desk."""
        return self.worst is Severity.BLOCK

    @property
    def needs_confirmation(self) -> bool:
        """True when the worst flag is a warning: check-in needs a recorded reason."""
        return self.worst is Severity.WARN

    def codes(self) -> list[str]:
        """The flag codes, in order."""
        return [f.code for f in self.flags]

"""The wire contract between desks (and hubs) and the server, with its protocol version.

Both ends import these models: the server declares them as its routes' request and
response models, the desk's sync client parses every reply with them. A desk sends
`PROTOCOL_HEADER: PROTOCOL` on every sync call; a server that cannot speak to it
answers 426 with a message telling the user to update, never a half-understood reply.

Events inside a push or a pull page travel as plain objects and are parsed one by one
with `vaccination.events.parse_event`, so one bad event is judged (rejected, or set
aside by the desk) on its own and never stops the rest of the page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, StrictInt

from vaccination.event_payloads import HistoryDose, IsoDay, LocalTime
from vaccination.events import AnyEvent
from vaccination.models import Booking, DoseRecord, Person
from vaccination.staff import StaffRole

PROTOCOL: Final[int] = 2
MIN_PROTOCOL: Final[int] = 2  # the oldest desk protocol the server still answers
PROTOCOL_HEADER: Final[str] = "X-VaxDesk-Protocol"
# The DNS-SD service a site hub announces on the site's network (`vaxdesk hub --announce`);
# its TXT record: scheme (http/https) and, over TLS, the certificate's fingerprint.
HUB_SERVICE_TYPE: Final[str] = "_vaxdesk-hub._tcp.local."

STORED: Final = "stored"
DUPLICATE: Final = "duplicate"
REJECTED: Final = "rejected"

ROSTER_ADD: Final[str] = "roster_add"
ROSTER_CANCEL: Final[str] = "roster_cancel"


class _Reply(BaseModel):
    # A newer server may add fields; an older desk ignores them.
    model_config = ConfigDict(extra="ignore", frozen=True)


class DeskReport(BaseModel):
    """What a desk says of itself on every push: how many events it still holds unsent.

    `events_waiting` counts the events the desk holds unsent besides the ones of this push
    (0 with an empty push: everything is sent). The bureau closes a site day only when
    every desk has said 0 after the day's last activity.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    events_waiting: Annotated[int, Field(ge=0, le=2**31 - 1)]
    desk_time: AwareDatetime = Field(description="the desk's own clock when it sent the push")
    app_version: Annotated[str, Field(max_length=40)] | None = None


class PushRequest(BaseModel):
    """A desk's batch of events, in seq order (the server judges each on its own)."""

    events: list[AnyEvent]
    report: DeskReport | None = None


class EventResult(_Reply):
    """What became of one pushed event."""

    index: int
    event_id: str | None
    seq: int | None
    status: Literal["stored", "duplicate", "rejected"]
    code: str | None = None
    field: str | None = None  # the field at fault, e.g. "payload.dose"
    reason_zh: str | None = None
    reason_en: str | None = None
    late: bool = False  # stored, but the site day was already closed (listed as late)

    @property
    def acknowledged(self) -> bool:
        """True when the server holds the event (the desk may mark it sent)."""
        return self.status in (STORED, DUPLICATE)


class PushReply(_Reply):
    """The server's answer to a push."""

    protocol: int = PROTOCOL
    acked_through: int = Field(description="the desk's highest seq held with no gap below it")
    stored: int
    duplicates: int
    rejected: int
    results: list[EventResult]


class RosterEntry(_Reply):
    """One booking of a roster as desks download and pull it: every field the importer reads."""

    id_number: str
    name: str
    birth_date: IsoDay | None = None
    phone: str | None = None
    site: str
    slot_start: LocalTime
    slot_end: LocalTime | None = None
    product: str
    dose: StrictInt
    dose_label: str | None = None
    row_number: int | None = None
    walk_in: bool = False
    history: list[HistoryDose] = []
    history_text: str = ""
    flags: list[str] = []
    infection_date: IsoDay | None = None  # 確診日期
    infection_onset_date: IsoDay | None = None  # 發病日期
    other_vaccine_date: IsoDay | None = None  # 其他疫苗接種日

    def person(self) -> Person:
        """The person of the entry."""
        return Person(self.id_number, self.name, self.birth_date, self.phone)

    def booking(self) -> Booking:
        """The booking of the entry."""
        return Booking(
            id_number=self.id_number,
            site=self.site,
            slot_start=self.slot_start.replace(tzinfo=None),
            product=self.product,
            dose=self.dose,
            slot_end=self.slot_end.replace(tzinfo=None) if self.slot_end else None,
            dose_label=self.dose_label,
            row_number=self.row_number,
            walk_in=self.walk_in,
        )

    def doses(self, source: str) -> tuple[DoseRecord, ...]:
        """The dose history, told by `source`."""
        return tuple(DoseRecord(d.product, d.given_on, d.lot, source) for d in self.history)


class RosterCancel(_Reply):
    """A booking the bureau cancelled."""

    id_number: str
    site: str
    slot_start: LocalTime
    product: str


class RosterDay(_Reply):
    """A site's roster of one day, and the pull cursor to continue from."""

    protocol: int = PROTOCOL
    site: str
    day: date
    cursor: int = Field(description="pull from here to get later changes")
    entries: list[RosterEntry]


class RosterDays(_Reply):
    """A site's bookings of several days from `from` (a desk's coming days), and the cursor."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    protocol: int = PROTOCOL
    site: str
    start: date = Field(alias="from")
    days: int
    cursor: int = Field(description="pull from here to get later changes")
    entries: list[RosterEntry]
    elsewhere: list[PulledEvent] = Field(
        default=[],
        description="other sites' events about these people up to the cursor: those of the"
        " days downloaded, and the doses of the rule sets' look-back before them",
    )


class PulledEvent(_Reply):
    """A log entry holding a desk's event (parsed by the desk with parse_event)."""

    log_id: int
    type: Literal["event"]
    event: dict[str, Any]
    other_site: bool = False  # an event of another site about a person on this roster


class PulledRosterChange(_Reply):
    """A log entry holding a roster change (`change` is a RosterEntry or a RosterCancel)."""

    log_id: int
    type: Literal["roster"]
    kind: Literal["roster_add", "roster_cancel"]
    change: dict[str, Any]


PullEntry = Annotated[PulledEvent | PulledRosterChange, Field(discriminator="type")]


class PullPage(_Reply):
    """A page of the site's log after a cursor.

    After the log's entries may come other sites' earlier events about the people the
    page adds to the roster (`other_site`, log ids at or below the request's cursor).
    """

    protocol: int = PROTOCOL
    entries: list[PullEntry]
    cursor: int
    more: bool


class StaffMember(_Reply):
    """One person working at a site, as desks download them to sign in offline.

    `pin_hash` is an argon2id hash (its parameters inside it); `card_digest` the
    SHA-256 of the staff card's code (vaccination.staff.card_digest), or None.
    """

    staff_id: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: StaffRole
    pin_hash: Annotated[str, Field(min_length=1, max_length=200)]
    card_digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None


class StaffList(_Reply):
    """A site's staff who may sign in at its desks (disabled members left out)."""

    protocol: int = PROTOCOL
    site: str
    staff: list[StaffMember]


class RuleSetInfo(_Reply):
    """One rule set version the bureau published (older versions stay published)."""

    id: int = Field(description="the server's number of the publication, in order")
    rule_set_id: str
    version: str
    effective_from: date
    disease: str
    name_zh: str
    published_by: str
    published_at: datetime


class PublishedRuleSet(RuleSetInfo):
    """A published version with its file; the desk validates `body` itself before using it."""

    body: JsonValue


class RuleSetList(_Reply):
    """Every published version, newest publication first."""

    rule_sets: list[RuleSetInfo]


class RuleSetDownload(_Reply):
    """What a desk downloads with its roster: every published version with its file."""

    protocol: int = PROTOCOL
    rule_sets: list[PublishedRuleSet]


class HubDesk(_Reply):
    """A desk of the site as its hub learns it from the bureau: the token's SHA-256 digest
    (never the token), so the hub accepts the very tokens the bureau enrolled."""

    desk: str
    name: str
    token_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    expires_at: datetime
    disabled: bool


class HubSite(_Reply):
    """What a site hub mirrors of its site's accounts: the site and its desks."""

    protocol: int = PROTOCOL
    code: str
    name: str
    institution_code: str
    desks: list[HubDesk]


class HubStatus(_Reply):
    """A site hub's upstream state, as the desks show it (已連線（站內）/ 衛生局離線)."""

    protocol: int = PROTOCOL
    site: str
    instance: str = Field(description="changes when the hub starts over on an empty database")
    upstream_reachable: bool
    waiting: int = Field(description="events the hub holds that the bureau has not acknowledged")
    last_contact: datetime | None = None
    message_zh: str = ""
    message_en: str = ""


class DeskEnrolment(BaseModel):
    """The QR code the bureau's Sites page shows when it enrols a desk: scanned in the
    desk's settings dialog, it fills the server address, the desk letter and the token
    (written to the desk's token file, never to the settings). ASCII only: a keyboard-wedge
    scanner types it as key presses."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["vaxdesk-desk"] = "vaxdesk-desk"
    server: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=200)]
    site: Annotated[str, Field(min_length=1, max_length=32)]
    desk: Annotated[str, Field(pattern=r"^[A-Z]{1,2}$")]
    token: Annotated[str, Field(min_length=16, max_length=200)]

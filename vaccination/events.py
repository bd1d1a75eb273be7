"""The immutable event records every desk writes, and their JSON form.

An event is written in the same transaction as the state change it describes
(the outbox), pushed to the server in sequence order, and applied idempotently
by its UUID on the server and on the other desks of the site. Each kind has its
own typed payload (vaccination.event_payloads); `parse_event` is the one parser
the desk, the hub and the server use, compiled once by pydantic.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)

from vaccination.event_payloads import (
    CheckinPayload,
    CheckinUndonePayload,
    CorrectionPayload,
    DoctorDecisionPayload,
    Payload,
    VaccinationPayload,
    VialDiscardedPayload,
    VialOpenedPayload,
    WalkinAddedPayload,
)

MAX_SEQ: Final[int] = 2**62


class EventKind(StrEnum):
    """What happened at a desk."""

    CHECKIN = "checkin"
    CHECKIN_UNDONE = "checkin_undone"
    DOCTOR_DECISION = "doctor_decision"
    VACCINATION = "vaccination"
    WALKIN_ADDED = "walkin_added"
    CORRECTION = "correction"
    VIAL_OPENED = "vial_opened"
    VIAL_DISCARDED = "vial_discarded"


class EventError(ValueError):
    """An event record that is malformed: names the field at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _instant(value: object) -> object:
    if isinstance(value, datetime | str):
        return value
    raise ValueError("must be an ISO date-time with its UTC offset")


class Event(BaseModel):
    """One immutable action at a desk.

    `seq` is the desk's own sequence number (1, 2, 3 ...), `at` the desk's
    timezone-aware wall-clock time, `payload` the typed payload of `kind`; the
    payload's `day` is the ISO date of the site day the event belongs to.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    event_id: Annotated[StrictStr, Field(min_length=36, max_length=36)]
    site: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    desk: Annotated[StrictStr, Field(min_length=1, max_length=8)]
    seq: Annotated[StrictInt, Field(ge=1, le=MAX_SEQ)]
    at: Annotated[AwareDatetime, BeforeValidator(_instant)]
    kind: EventKind
    payload: Payload

    @classmethod
    def new(
        cls,
        *,
        site: str,
        desk: str,
        seq: int,
        at: datetime,
        kind: EventKind,
        payload: dict[str, Any] | Payload,
    ) -> Event:
        """Create an event with a fresh UUID, validating it."""
        body = payload.wire() if isinstance(payload, Payload) else payload
        return parse_event(
            {
                "event_id": str(uuid.uuid4()),
                "site": site,
                "desk": desk,
                "seq": seq,
                "at": at,
                "kind": kind.value,
                "payload": body,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-compatible form used on the wire and in the outbox."""
        return {
            "event_id": self.event_id,
            "site": self.site,
            "desk": self.desk,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "kind": self.kind.value,
            "payload": self.payload.wire(),
            **(self.model_extra or {}),
        }

    def to_json(self) -> str:
        """Compact JSON, Chinese kept readable."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @property
    def day(self) -> date:
        """The site day the event belongs to."""
        return self.payload.day

    @classmethod
    def from_dict(cls, data: object, products: Collection[str] | None = None) -> Event:
        """Parse and validate; raises EventError naming the field at fault."""
        return parse_event(data, products)

    @classmethod
    def from_json(cls, text: str) -> Event:
        """Parse an event from its JSON form."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EventError(f"not JSON: {exc.msg}") from exc
        return parse_event(data)


class CheckinEvent(Event):
    kind: Literal[EventKind.CHECKIN]
    payload: CheckinPayload


class CheckinUndoneEvent(Event):
    kind: Literal[EventKind.CHECKIN_UNDONE]
    payload: CheckinUndonePayload


class DoctorDecisionEvent(Event):
    kind: Literal[EventKind.DOCTOR_DECISION]
    payload: DoctorDecisionPayload


class VaccinationEvent(Event):
    kind: Literal[EventKind.VACCINATION]
    payload: VaccinationPayload


class WalkinAddedEvent(Event):
    kind: Literal[EventKind.WALKIN_ADDED]
    payload: WalkinAddedPayload


class CorrectionEvent(Event):
    kind: Literal[EventKind.CORRECTION]
    payload: CorrectionPayload


class VialOpenedEvent(Event):
    kind: Literal[EventKind.VIAL_OPENED]
    payload: VialOpenedPayload


class VialDiscardedEvent(Event):
    kind: Literal[EventKind.VIAL_DISCARDED]
    payload: VialDiscardedPayload


AnyEvent = Annotated[
    CheckinEvent
    | CheckinUndoneEvent
    | DoctorDecisionEvent
    | VaccinationEvent
    | WalkinAddedEvent
    | CorrectionEvent
    | VialOpenedEvent
    | VialDiscardedEvent,
    Field(discriminator="kind"),
]
_EVENT: Final[TypeAdapter[Event]] = TypeAdapter(AnyEvent)


def error_text(exc: ValidationError) -> tuple[str, str]:
    """(field, message) of the first error, e.g. ("payload.dose", "Input should be ...")."""
    first = exc.errors(include_url=False)[0]
    loc = [str(p) for p in first["loc"]]
    # The union's tag ("vaccination") is no field of the event: leave it out.
    if len(loc) > 1 and loc[0] in {k.value for k in EventKind}:
        loc = loc[1:]
    field = ".".join(loc)
    return field, f"{field}: {first['msg']}" if field else str(first["msg"])


def parse_event_json(text: str | bytes, products: Collection[str] | None = None) -> Event:
    """`parse_event` of an event's JSON text, decoded and validated in one pass (faster
    than `json.loads` then `parse_event` where many stored events are read at once)."""
    context = {"products": products} if products is not None else None
    try:
        return _EVENT.validate_json(text, context=context)
    except ValidationError as exc:
        field, message = error_text(exc)
        raise EventError(message, field) from None


def parse_event(data: object, products: Collection[str] | None = None) -> Event:
    """The one parser of events; `products` (codes of the rule sets) checks product fields."""
    if not isinstance(data, dict):
        raise EventError("event is not an object")
    kind = data.get("kind")
    if kind is None:
        raise EventError("kind is missing", "kind")
    if kind not in EventKind.__members__.values():
        raise EventError(f"unknown kind {kind!r}", "kind")
    context = {"products": products} if products is not None else None
    try:
        return _EVENT.validate_python(data, context=context)
    except ValidationError as exc:
        field, message = error_text(exc)
        raise EventError(message, field) from None

"""The immutable event records every desk writes, and their JSON form.

An event is written in the same transaction as the state change it describes
(the outbox), pushed to the server in sequence order, and applied idempotently
by its UUID on the server and on the other desks of the site.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What happened at a desk."""

    CHECKIN = "checkin"
    CHECKIN_UNDONE = "checkin_undone"
    DOCTOR_DECISION = "doctor_decision"
    VACCINATION = "vaccination"
    WALKIN_ADDED = "walkin_added"
    CORRECTION = "correction"


# The payload keys each kind must carry; extra keys are kept but not required.
REQUIRED_PAYLOAD: dict[EventKind, frozenset[str]] = {
    EventKind.CHECKIN: frozenset({"id_number", "queue_number", "day"}),
    EventKind.CHECKIN_UNDONE: frozenset({"id_number", "queue_number", "day"}),
    EventKind.DOCTOR_DECISION: frozenset({"id_number", "day", "approved"}),
    EventKind.VACCINATION: frozenset({"id_number", "day", "product", "lot", "dose"}),
    EventKind.WALKIN_ADDED: frozenset({"id_number", "day", "name", "product", "dose"}),
    EventKind.CORRECTION: frozenset({"id_number", "day", "field", "new", "reason"}),
}


class EventError(ValueError):
    """An event record that is malformed: names the field at fault."""


@dataclass(frozen=True)
class Event:
    """One immutable action at a desk.

    `seq` is the desk's own sequence number (1, 2, 3 ...), `at` the desk's
    timezone-aware wall-clock time, `payload` a JSON-compatible dict whose
    required keys depend on `kind` (see REQUIRED_PAYLOAD); `day` is the
    ISO date of the site day the event belongs to.
    """

    event_id: str
    site: str
    desk: str
    seq: int
    at: datetime
    kind: EventKind
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def new(
        cls,
        *,
        site: str,
        desk: str,
        seq: int,
        at: datetime,
        kind: EventKind,
        payload: dict[str, Any],
    ) -> Event:
        """Create an event with a fresh UUID, validating it."""
        event = cls(str(uuid.uuid4()), site, desk, seq, at, kind, dict(payload))
        event.validate()
        return event

    def validate(self) -> None:
        """Raise EventError when a field or a required payload key is missing or wrong."""
        try:
            uuid.UUID(self.event_id)
        except (ValueError, TypeError, AttributeError) as exc:
            raise EventError(f"event_id is not a UUID: {self.event_id!r}") from exc
        if not self.site:
            raise EventError("site is empty")
        if not self.desk:
            raise EventError("desk is empty")
        if not isinstance(self.seq, int) or self.seq < 1:
            raise EventError(f"seq must be a positive integer, got {self.seq!r}")
        if self.at.tzinfo is None:
            raise EventError("at must carry a timezone")
        missing = REQUIRED_PAYLOAD[self.kind] - self.payload.keys()
        if missing:
            raise EventError(f"payload of {self.kind.value} lacks {', '.join(sorted(missing))}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON-compatible form used on the wire and in the outbox."""
        return {
            "event_id": self.event_id,
            "site": self.site,
            "desk": self.desk,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "kind": self.kind.value,
            "payload": self.payload,
        }

    def to_json(self) -> str:
        """Compact JSON, Chinese kept readable."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Parse and validate; raises EventError naming what is wrong."""
        if not isinstance(data, dict):
            raise EventError("event is not an object")
        try:
            kind = EventKind(data["kind"])
        except KeyError as exc:
            raise EventError("kind is missing") from exc
        except ValueError as exc:
            raise EventError(f"unknown kind {data['kind']!r}") from exc
        try:
            at = datetime.fromisoformat(str(data["at"]))
            payload = data["payload"]
            event = cls(
                event_id=str(data["event_id"]),
                site=str(data["site"]),
                desk=str(data["desk"]),
                seq=data["seq"],
                at=at,
                kind=kind,
                payload=payload,
            )
        except KeyError as exc:
            raise EventError(f"{exc.args[0]} is missing") from exc
        except ValueError as exc:
            raise EventError(f"at is not an ISO date-time: {data.get('at')!r}") from exc
        if not isinstance(payload, dict):
            raise EventError("payload is not an object")
        event.validate()
        return event

    @classmethod
    def from_json(cls, text: str) -> Event:
        """Parse an event from its JSON form."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EventError(f"not JSON: {exc.msg}") from exc
        return cls.from_dict(data)

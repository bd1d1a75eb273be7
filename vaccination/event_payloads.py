"""The typed payload of each event kind: field names, types and allowed values, once.

Every desk, the hub and the server parse an event's payload with the model of its kind;
a payload that does not parse is refused (at push) or set aside (at pull), never half
understood. Unknown fields of a newer desk are kept as they are (`extra="allow"`), so an
older desk or server passes them on unchanged. `schema` is the payload's version.

Product codes are checked against the rule sets when the caller passes them in the
validation context: `Model.model_validate(data, context={"products": codes})`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from vaccination.redact import mask_ids_in_text
from vaccination.staff import StaffRole

PAYLOAD_SCHEMA: Final[int] = 1
MAX_REASON: Final[int] = 500

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_QUEUE_NUMBER = re.compile(r"^[A-Z]{1,2}\d{3,6}$")
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _iso_day(value: object) -> date:
    """A day is an ISO date text (or a date): never a number taken as a Unix time."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass  # 2026-02-30: the right shape, no such day
    raise PydanticCustomError(
        "iso_day",
        "the day must be an ISO date YYYY-MM-DD, e.g. 2026-11-23",
        {"zh": "日期必須寫成 YYYY-MM-DD，例如 2026-11-23"},
    )


def _local_time(value: object) -> object:
    if isinstance(value, datetime | str):
        return value
    raise ValueError("must be an ISO date-time")


def _known_product(value: str, info: ValidationInfo) -> str:
    products = (info.context or {}).get("products")
    if products is not None and value not in products:
        raise ValueError(f"unknown product code {value!r}")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]
"""A day given as `YYYY-MM-DD` only (a zh + en message otherwise)."""
# A slot time is the site's local wall-clock time, written without an offset.
LocalTime = Annotated[
    datetime,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
            "description": "the site's local time, no UTC offset",
        }
    ),
]
IdNumber = Annotated[StrictStr, Field(min_length=1, max_length=20)]
ProductCode = Annotated[
    StrictStr, Field(min_length=1, max_length=40), AfterValidator(_known_product)
]
Dose = Annotated[StrictInt, Field(ge=1, le=20)]
# A reason is kept and logged as typed, except ID-shaped text, which is masked.
Reason = Annotated[StrictStr, Field(max_length=MAX_REASON), AfterValidator(mask_ids_in_text)]
QueueNumber = Annotated[StrictStr, Field(pattern=_QUEUE_NUMBER.pattern)]
EventRef = Annotated[StrictStr, Field(pattern=_UUID)]
Lot = Annotated[StrictStr, Field(min_length=1, max_length=60)]
ShortText = Annotated[StrictStr, Field(max_length=200)]


class Operator(BaseModel):
    """Who acted at the desk: the staff member signed in there (none on a desk without staff)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    staff_id: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    name: ShortText = ""
    role: StaffRole | None = None


class Payload(BaseModel):
    """What every payload carries: its schema version, who acted, and the site day."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    schema_version: StrictInt = Field(default=PAYLOAD_SCHEMA, ge=1, alias="schema")
    operator: Operator | None = None
    day: IsoDay

    def wire(self) -> dict[str, Any]:
        """The JSON-compatible form (unknown fields of newer desks included)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class PersonPayload(Payload):
    """A payload about one person on one site day."""

    id_number: IdNumber


class CheckinPayload(PersonPayload):
    """報到: the person got a queue number at this desk."""

    queue_number: QueueNumber
    product: ProductCode | None = None
    dose: Dose | None = None
    flags: Annotated[list[Annotated[StrictStr, Field(max_length=40)]], Field(max_length=50)] = (
        Field(default_factory=list)
    )
    confirm_reason: Reason | None = None
    rule_set_version: Annotated[StrictStr, Field(max_length=40)] | None = None
    booking_key: Annotated[StrictStr, Field(max_length=64)] | None = None


class CheckinUndonePayload(PersonPayload):
    """取消報到: a check-in taken back, named by its check-in id."""

    checkin_id: EventRef
    queue_number: QueueNumber | None = None
    reason: Reason | None = None


class DoctorDecisionPayload(PersonPayload):
    """醫師評估: approved, or 醫生不同意 with its reason, for one check-in."""

    checkin_id: EventRef
    approved: StrictBool
    reason: Reason | None = None
    queue_number: QueueNumber | None = None


class VaccinationPayload(PersonPayload):
    """接種: the dose given on a check-in (product, lot, dose number)."""

    checkin_id: EventRef
    product: ProductCode
    lot: Lot
    dose: Dose
    queue_number: QueueNumber | None = None
    vials_opened: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = None
    rule_set_version: Annotated[StrictStr, Field(max_length=40)] | None = None
    # Given other than booked (product or dose): what was booked and why it changed.
    booked_product: Annotated[StrictStr, Field(max_length=40)] | None = None
    booked_dose: Dose | None = None
    reason: Reason | None = None


class HistoryDose(BaseModel):
    """One earlier dose a walk-in's history lists."""

    model_config = ConfigDict(extra="allow", frozen=True)

    product: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    given_on: IsoDay
    lot: Annotated[StrictStr, Field(max_length=60)] | None = None


class WalkinAddedPayload(PersonPayload):
    """增加人員: a person added on the spot, with the booking made for them."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    birth_date: IsoDay | None = None
    phone: Annotated[StrictStr, Field(max_length=40)] | None = None
    product: ProductCode
    dose: Dose
    dose_label: Annotated[StrictStr, Field(max_length=40)] | None = None
    site: ShortText | None = None
    slot_start: LocalTime | None = None
    booking_key: Annotated[StrictStr, Field(max_length=64)] | None = None
    history_text: Annotated[StrictStr, Field(max_length=2000)] = ""
    history: Annotated[list[HistoryDose], Field(max_length=50)] = Field(default_factory=list)


VOID_CHECKIN: Final[str] = "void_checkin"


class CorrectionPayload(PersonPayload):
    """更正: a manager's correction of an earlier fact, with the reason.

    `action` "void_checkin" voids the check-in `target` (a duplicate of the same person).
    """

    action: Literal["void_checkin"]
    target: EventRef
    reason: Annotated[Reason, Field(min_length=1)]


class VialPayload(Payload):
    """A vial of a lot opened or discarded at the site."""

    product: ProductCode
    lot: Lot


class VialOpenedPayload(VialPayload):
    """開一瓶: a vial opened (doses it holds; it expires hours after opening)."""

    doses: Annotated[StrictInt, Field(ge=1, le=50)]


class VialDiscardedPayload(VialPayload):
    """報廢 / 丟棄: a vial thrown away (broken, expired after its hours ...).

    `vial`: the VIAL_OPENED event of the vial thrown away (None: a vial never opened, or
    written by a desk older than this field).
    """

    reason: Annotated[Reason, Field(min_length=1)]
    vial: EventRef | None = None

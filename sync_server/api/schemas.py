"""Wire schemas of the HTTP API, kept apart from the tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sync_server.api.params import IsoDate
from sync_server.services.accounts import Role


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SiteIn(_In):
    code: str = Field(max_length=32, examples=["TN-XY"])
    name: str = Field(max_length=200, examples=["新營體育場"])
    institution_code: str = Field(max_length=10, examples=["2321010010"])


class SiteOut(BaseModel):
    code: str
    name: str
    institution_code: str


class DeskIn(_In):
    desk: str = Field(max_length=2, examples=["A"])
    name: str = Field(default="", max_length=200)


class AccountIn(_In):
    name: str = Field(max_length=200)
    role: Role
    site: str | None = Field(default=None, max_length=32)
    desk: str | None = Field(default=None, max_length=2)


class AccountOut(BaseModel):
    id: int
    name: str
    role: Role
    site: str | None
    desk: str | None
    expires_at: datetime
    token: str = Field(description="shown once; only its digest is stored")


class RenewOut(BaseModel):
    id: int
    expires_at: datetime


class MeOut(BaseModel):
    name: str
    role: Role
    site: str | None
    desk: str | None
    expires_at: datetime | None


class EventResultOut(BaseModel):
    index: int
    event_id: str | None
    seq: int | None
    status: str
    code: str | None = None
    reason_zh: str | None = None
    reason_en: str | None = None


class PushOut(BaseModel):
    acked_through: int = Field(description="the desk's highest seq held with no gap below it")
    stored: int
    duplicates: int
    rejected: int
    results: list[EventResultOut]


class PullOut(BaseModel):
    entries: list[dict[str, Any]]
    cursor: int
    more: bool


class RosterOut(BaseModel):
    site: str
    day: date
    cursor: int = Field(description="pull from here to get later changes")
    entries: list[dict[str, Any]]


class RosterSummaryOut(BaseModel):
    day: date
    accepted: int
    rejected: list[dict[str, Any]]
    other_days: int
    added: int
    changed: int
    cancelled: int
    unchanged: int
    cursor: int


class DoseIn(_In):
    product: str = Field(max_length=40)
    given_on: IsoDate
    lot: str | None = Field(default=None, max_length=60)


class RosterEntryIn(_In):
    id_number: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    birth_date: IsoDate | None = None
    phone: str | None = Field(default=None, max_length=40)
    slot_start: datetime
    slot_end: datetime | None = None
    product: str = Field(min_length=1, max_length=40)
    dose: int = Field(ge=1, le=20)
    dose_label: str | None = Field(default=None, max_length=40)
    history: list[DoseIn] = Field(default_factory=list, max_length=50)
    history_text: str = Field(default="", max_length=2000)


class CancelIn(_In):
    id_number: str = Field(min_length=1, max_length=20)
    product: str = Field(min_length=1, max_length=40)


class CursorOut(BaseModel):
    cursor: int


class DeliveryIn(_In):
    day: IsoDate
    product: str = Field(min_length=1, max_length=40)
    lot: str = Field(min_length=1, max_length=60)
    vials: int = Field(ge=-100000, le=100000)

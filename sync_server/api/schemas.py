"""Wire schemas of the HTTP API, kept apart from the tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sync_server.api.params import IsoDate
from sync_server.services.accounts import Role
from vaccination.staff import StaffRole


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


class RosterSummaryOut(BaseModel):
    day: date
    accepted: int
    rejected: list[dict[str, Any]]
    other_days: int = Field(description="rows of this site booked on another day (not stored)")
    other_sites: int = Field(description="rows of other sites (not stored)")
    added: int
    changed: int
    cancelled: int
    unchanged: int
    cursor: int


class SiteDayOut(BaseModel):
    site: str = Field(description="site code")
    site_name: str
    day: date
    accepted: int = Field(description="rows of the file filed under this site and day")
    added: int
    changed: int
    cancelled: int
    unchanged: int
    cursor: int = Field(description="the site's log position after the upload")


class UnknownSiteOut(BaseModel):
    site: str = Field(description="接種地點 as the file writes it")
    count: int
    rows: list[int] = Field(description="row numbers (the first 200)")


class BureauRosterOut(BaseModel):
    accepted: int = Field(description="rows the importer accepted")
    filed: int = Field(description="accepted rows filed under a site of the bureau")
    rejected: list[dict[str, Any]]
    days: list[SiteDayOut]
    unknown_sites: list[UnknownSiteOut] = Field(description="rows filed nowhere")


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


class StaffIn(_In):
    """A member of a site's staff; the PIN and card are kept hashed, never shown again."""

    name: str = Field(max_length=200, examples=["林醫師"])
    role: StaffRole
    pin: str = Field(max_length=8, examples=["2580"], description="4-8 digits")
    card: str | None = Field(default=None, max_length=200, description="the staff card's code")


class StaffOut(BaseModel):
    staff_id: str
    name: str
    role: StaffRole
    site: str
    has_card: bool


class CloseDayIn(_In):
    """Closing a site day: the desks that are out of service, each with why."""

    out_of_service: dict[str, str] = Field(
        default_factory=dict,
        max_length=50,
        examples=[{"C": "電腦故障，事件已由 B 櫃台補登"}],
        description="desk letter -> reason it is out of service",
    )

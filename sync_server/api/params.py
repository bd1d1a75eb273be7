"""Strict input types of the API: a day is an ISO date, written out, nothing else.

pydantic's own `date` also takes numbers and number strings as Unix time, so `0` was
1970-01-01 and `20260101` a day in August 1970. `IsoDate` takes only `YYYY-MM-DD`
(and `date` values from code) and says so in both languages when it refuses.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from vaccination.event_payloads import IsoDay

# The same strict day as the events' (vaccination.event_payloads).
IsoDate = IsoDay

DayPath = Annotated[IsoDate, Path(description="the day, YYYY-MM-DD", examples=["2026-11-23"])]
"""The `{day}` of a URL."""

AccountIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="the account's number")]
"""The `{account_id}` of a URL: a positive 32-bit integer, as the accounts table keeps it."""

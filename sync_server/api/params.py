"""Strict input types of the API: a day is an ISO date, written out, nothing else.

pydantic's own `date` also takes numbers and number strings as Unix time, so `0` was
1970-01-01 and `20260101` a day in August 1970. `IsoDate` takes only `YYYY-MM-DD`
(and `date` values from code) and says so in both languages when it refuses.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from fastapi import Path
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EN = "the day must be an ISO date YYYY-MM-DD, e.g. 2026-11-23"
_ZH = "日期必須寫成 YYYY-MM-DD，例如 2026-11-23"


def _iso_day(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass  # 2026-02-30: the right shape, no such day
    raise PydanticCustomError("iso_day", _EN, {"zh": _ZH})


IsoDate = Annotated[date, BeforeValidator(_iso_day)]
"""A day given as `YYYY-MM-DD` only (422 with a zh + en message otherwise)."""

DayPath = Annotated[IsoDate, Path(description="the day, YYYY-MM-DD", examples=["2026-11-23"])]
"""The `{day}` of a URL."""

AccountIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="the account's number")]
"""The `{account_id}` of a URL: a positive 32-bit integer, as the accounts table keeps it."""

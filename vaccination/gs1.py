"""GS1 element strings of a vaccine vial's DataMatrix: product code, expiry, lot.

A vial's 2D code carries GS1 application identifiers: (01) the GTIN, 14 digits;
(17) the expiry date, YYMMDD (day 00 means the month's last day); (10) the lot, up to
20 characters; (21) a serial number. Variable-length fields end with the FNC1
separator (ASCII GS, 0x1D) or at the end of the code. Scanners deliver it raw (with
or without the `]d2` symbology prefix) or, when printed for people, with the
identifiers in brackets: `(01)04712345678906(17)271231(10)MOD0423-CDC`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

GS = "\x1d"
_FIXED = {"01": 14, "17": 6, "11": 6, "15": 6}  # the fixed-length identifiers read here
_VARIABLE = {"10": 20, "21": 20}
_BRACKETED = re.compile(r"\((\d{2})\)([^()]*)")


@dataclass(frozen=True)
class VialCode:
    """What a vial's code says."""

    gtin: str
    lot: str
    expiry: date | None
    serial: str | None = None

    def expired_on(self, day: date) -> bool:
        """True when the vial may no longer be used on `day` (expiry day itself is fine)."""
        return self.expiry is not None and day > self.expiry


def _expiry(yymmdd: str) -> date | None:
    if not yymmdd.isdigit():
        return None
    year, month, day = 2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if not 1 <= month <= 12:
        return None
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _fields(text: str) -> dict[str, str] | None:
    if text.startswith("("):
        found = dict(_BRACKETED.findall(text))
        return found or None
    out: dict[str, str] = {}
    i = 0
    while i < len(text):
        if text[i] == GS:
            i += 1
            continue
        ai = text[i : i + 2]
        i += 2
        if ai in _FIXED:
            n = _FIXED[ai]
            out[ai] = text[i : i + n]
            i += n
        elif ai in _VARIABLE:
            end = text.find(GS, i)
            end = len(text) if end < 0 else end
            out[ai] = text[i : min(end, i + _VARIABLE[ai])]
            i = end
        else:
            return None  # an identifier this reader does not know: not a vial code
    return out


def parse_vial_code(raw: str) -> VialCode | None:
    """The vial code in `raw`, or None when it is not a GS1 code with a GTIN and a lot."""
    text = raw.strip()
    for prefix in ("]d2", "]C1", "]Q3"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if not (text.startswith("01") or text.startswith("(01)")):
        return None
    found = _fields(text)
    if found is None:
        return None
    gtin, lot = found.get("01", ""), found.get("10", "").strip()
    if len(gtin) != 14 or not gtin.isdigit() or not lot:
        return None
    expiry = _expiry(found["17"]) if "17" in found else None
    return VialCode(gtin=gtin, lot=lot, expiry=expiry, serial=found.get("21"))

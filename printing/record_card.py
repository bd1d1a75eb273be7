"""The record card entry (小黃卡): product, lot, date, site and the earliest next dose.

The vaccinator sticks the printout on the person's record card (or copies it from the
screen): seed 002 asks for product, lot number, date and the site. For a dose of a
primary series the earliest date of the next dose (from the rule set) comes too.
Printed on the ticket printer, through the same durable queue as the tickets.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from printing.thermal import Line, ThermalDocument


@dataclass(frozen=True)
class RecordCardData:
    """One dose as the record card shows it; the name is already masked."""

    site_name: str
    masked_name: str
    product_code: str
    product_label: str
    dose: int
    lot: str
    given_on: date
    checkin_id: str
    queue_number: str
    next_dose_from: date | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the print queue stores it)."""
        data = asdict(self)
        data["given_on"] = self.given_on.isoformat()
        data["next_dose_from"] = self.next_dose_from.isoformat() if self.next_dose_from else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordCardData:
        """The inverse of `to_json`."""
        nxt = data.get("next_dose_from")
        return cls(
            **{
                **data,
                "given_on": date.fromisoformat(data["given_on"]),
                "next_dose_from": date.fromisoformat(nxt) if nxt else None,
            }
        )


def record_card_document(data: RecordCardData) -> ThermalDocument:
    """The entry as printed lines."""
    lines = [
        Line("疫苗接種紀錄 小黃卡", bold=True),
        Line(f"{data.masked_name}  第{data.dose}劑".strip()),
        Line(f"疫苗 {data.product_label} ({data.product_code})", bold=True),
        Line(f"批號 Lot {data.lot}", scale=2, bold=True),
        Line(f"接種日期 {data.given_on.isoformat()}"),
        Line(f"接種單位 {data.site_name}"),
    ]
    if data.next_dose_from is not None:
        lines.append(
            Line(f"下一劑最早 Next dose from {data.next_dose_from.isoformat()}", bold=True)
        )
    return ThermalDocument(lines=tuple(lines), code=None, code_caption=None)

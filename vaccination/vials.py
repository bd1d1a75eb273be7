"""Open vials of a site day: which vials still hold doses, and when each expires.

A vial is opened (VIAL_OPENED, with the doses it holds) and is then used until it is
empty, thrown away (VIAL_DISCARDED naming it) or past its hours after opening (the
product's `hours_after_opening` in the rule set; seed 002: 「疫苗一旦開封……6 小時未用畢者
即需丟棄」). Doses are drawn from a lot's vials in the order they were opened, as a site
uses them: a dose of the lot takes one from the oldest of its vials still open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from vaccination.events import VialDiscardedEvent, VialOpenedEvent


@dataclass(frozen=True)
class DoseDrawn:
    """A dose given from a lot (a VACCINATION at the site)."""

    product: str
    lot: str
    at: datetime


@dataclass(frozen=True)
class OpenVial:
    """A vial still open: opened, not empty, not discarded."""

    vial_id: str  # the event_id of its VIAL_OPENED
    product: str
    lot: str
    desk: str
    doses: int
    doses_left: int
    opened_at: datetime
    expires_at: datetime | None  # None: the rule set gives no hours after opening

    def time_left(self, now: datetime) -> timedelta | None:
        """Time until the vial expires (negative once expired); None without a limit."""
        return None if self.expires_at is None else self.expires_at - now

    def expired(self, now: datetime) -> bool:
        """True once the vial is past its hours after opening."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class _Vial:
    event: VialOpenedEvent
    left: int
    closed: bool = False  # discarded (its `left` doses thrown away with it)


@dataclass
class _Lot:
    vials: list[_Vial] = field(default_factory=list)

    def draw(self) -> None:
        for vial in self.vials:
            if not vial.closed and vial.left > 0:
                vial.left -= 1
                return

    def discard(self, vial_id: str | None) -> None:
        for vial in self.vials:
            if not vial.closed and vial_id in (None, vial.event.event_id):
                vial.closed = True
                return


@dataclass(frozen=True)
class VialDay:
    """What a site day's vial events and doses come to."""

    open: list[OpenVial]  # the soonest to expire first
    thrown_away: dict[tuple[str, str], int]  # (product, lot) -> doses left in discarded vials


def vial_day(
    opened: Iterable[VialOpenedEvent],
    discarded: Iterable[VialDiscardedEvent],
    doses: Iterable[DoseDrawn],
    hours_after_opening: Callable[[str], float | None],
) -> VialDay:
    """The vials still open after these events, and the doses thrown away by lot.

    A discard that names no vial (an older desk) closes the lot's oldest open vial.
    `hours_after_opening(product)` gives the product's hours (None: no limit).
    """
    lots = _replay(opened, discarded, doses)
    still_open = [
        _open_vial(v, hours_after_opening(v.event.payload.product))
        for lot in lots.values()
        for v in lot.vials
        if not v.closed and v.left > 0
    ]
    still_open.sort(key=lambda v: (v.expires_at is None, v.expires_at or v.opened_at, v.vial_id))
    thrown = {key: sum(v.left for v in lot.vials if v.closed) for key, lot in lots.items()}
    return VialDay(still_open, {key: n for key, n in thrown.items() if n})


def _replay(
    opened: Iterable[VialOpenedEvent],
    discarded: Iterable[VialDiscardedEvent],
    doses: Iterable[DoseDrawn],
) -> dict[tuple[str, str], _Lot]:
    timeline: list[tuple[datetime, int, object]] = []
    timeline += [(e.at, 0, e) for e in opened]
    timeline += [(d.at, 1, d) for d in doses]
    timeline += [(e.at, 2, e) for e in discarded]
    timeline.sort(key=lambda t: (t[0], t[1]))
    lots: dict[tuple[str, str], _Lot] = defaultdict(_Lot)
    for _, _, item in timeline:
        if isinstance(item, VialOpenedEvent):
            p = item.payload
            lots[(p.product, p.lot)].vials.append(_Vial(item, p.doses))
        elif isinstance(item, DoseDrawn):
            lots[(item.product, item.lot)].draw()
        elif isinstance(item, VialDiscardedEvent):
            d = item.payload
            lots[(d.product, d.lot)].discard(d.vial)
    return lots


def _open_vial(vial: _Vial, hours: float | None) -> OpenVial:
    e = vial.event
    return OpenVial(
        vial_id=e.event_id,
        product=e.payload.product,
        lot=e.payload.lot,
        desk=e.desk,
        doses=e.payload.doses,
        doses_left=vial.left,
        opened_at=e.at,
        expires_at=e.at + timedelta(hours=hours) if hours is not None else None,
    )

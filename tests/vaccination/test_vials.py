"""Open vials of a site day (vaccination/vials.py): drawn oldest first, discarded by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from vaccination.events import Event, EventKind, VialDiscardedEvent, VialOpenedEvent
from vaccination.rules import load_rule_sets
from vaccination.vials import DoseDrawn, vial_day

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Taipei
_seq = count(1)


def _event(kind: EventKind, minutes: int, **payload: object) -> Event:
    return Event.new(
        site="臺南市立體育館",
        desk="A",
        seq=next(_seq),
        at=START + timedelta(minutes=minutes),
        kind=kind,
        payload={"day": "2026-11-23", "product": "CoV_AZ", "lot": "AZ1", **payload},
    )


def _opened(minutes: int, doses: int = 10) -> VialOpenedEvent:
    e = _event(EventKind.VIAL_OPENED, minutes, doses=doses)
    assert isinstance(e, VialOpenedEvent)
    return e


def _doses(n: int, minutes: int) -> list[DoseDrawn]:
    return [DoseDrawn("CoV_AZ", "AZ1", START + timedelta(minutes=minutes))] * n


def test_doses_empty_the_oldest_vial_first_and_each_expires_after_its_hours() -> None:
    first, second = _opened(0), _opened(30, doses=8)
    left = vial_day([first, second], [], _doses(12, 40), lambda _: 6.0).open
    # 12 doses: the first vial's 10, then 2 of the second's 8.
    assert [(v.vial_id, v.doses_left) for v in left] == [(second.event_id, 6)]
    assert left[0].expires_at == START + timedelta(minutes=30, hours=6)
    assert not left[0].expired(START + timedelta(hours=6, minutes=29))
    assert left[0].expired(START + timedelta(hours=6, minutes=30))


def test_a_discard_closes_the_vial_it_names_and_later_doses_come_from_the_next() -> None:
    first, second = _opened(0), _opened(5)
    thrown = _event(EventKind.VIAL_DISCARDED, 10, reason="瓶身破損", vial=second.event_id)
    assert isinstance(thrown, VialDiscardedEvent)
    day = vial_day([first, second], [thrown], _doses(3, 20), lambda _: 6.0)
    assert [(v.vial_id, v.doses_left) for v in day.open] == [(first.event_id, 7)]
    assert day.thrown_away == {("CoV_AZ", "AZ1"): 10}  # the second vial, unused


def test_a_product_without_hours_after_opening_has_no_timer() -> None:
    (vial,) = vial_day([_opened(0)], [], [], lambda _: None).open
    assert vial.expires_at is None and vial.time_left(START) is None and not vial.expired(START)


def test_the_covid_products_with_multi_dose_vials_all_have_their_hours() -> None:
    """Every product whose vial holds more than one dose has a timer (the plan: 6 hours
    after opening for BNT, AZ and Moderna); single-dose products need none."""
    for rs in load_rule_sets().rule_sets:
        for p in rs.products:
            if p.doses_per_vial > 1 or (p.vial_sizes and max(p.vial_sizes) > 1):
                assert p.hours_after_opening is not None, (rs.id, rs.version, p.code)

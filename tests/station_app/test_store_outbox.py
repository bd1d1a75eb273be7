"""The outbox API of the sync client and applying other desks' events idempotently."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from store_fixtures import DAY, SITE, clock_at, entry, open_store, pid, service

from station_app.store import Store
from vaccination.events import Event, EventError, EventKind, parse_event


@pytest.fixture
def two_desks(tmp_path: Path) -> tuple[Store, Store]:
    """Two desks of one site, each with its own database file and the same roster."""
    roster = [entry(n) for n in range(1, 11)]
    a = open_store(tmp_path, "a.db")
    b = open_store(tmp_path, "b.db")
    a.import_entries(roster)
    b.import_entries(roster)
    yield a, b
    a.close()
    b.close()


def test_pending_in_seq_order_then_acked(two_desks: tuple[Store, Store]) -> None:
    a, _ = two_desks
    svc = service(a, "A")
    for n in (1, 2, 3, 4):
        svc.check_in(pid(n))
    assert a.outbox.count_pending() == 4
    first_two = a.outbox.pending(limit=2)
    assert [e.seq for e in first_two] == [1, 2]
    assert a.outbox.mark_acked([e.event_id for e in first_two]) == 2
    assert a.outbox.mark_acked([e.event_id for e in first_two]) == 0  # already acked
    assert a.outbox.count_pending() == 2
    assert [e.seq for e in a.outbox.pending()] == [3, 4]
    assert a.outbox.mark_acked([]) == 0


def test_pending_events_round_trip_through_json(two_desks: tuple[Store, Store]) -> None:
    a, _ = two_desks
    service(a).check_in(pid(1))
    [ev] = a.outbox.pending()
    assert Event.from_json(ev.to_json()) == ev


def test_a_checkin_at_desk_b_makes_desk_a_say_already_checked_in(
    two_desks: tuple[Store, Store],
) -> None:
    a, b = two_desks
    desk_b = service(b, "B")
    out = desk_b.check_in(pid(5))
    assert out.checked_in
    assert a.apply_remote_events(b.outbox.pending()) == 1
    desk_a = service(a, "A", clock=clock_at(9, 20))
    refused = desk_a.check_in(pid(5))
    assert not refused.checked_in
    flag = next(f for f in refused.assessment.flags if f.code == "ALREADY_CHECKED_IN")
    assert flag.data["queue_number"] == "B001" and flag.data["desk"] == "B"
    # Remote events are state, not this desk's outbox.
    assert a.outbox.count_pending() == 0
    assert desk_a.counters().checked_in == 1
    assert desk_a.search(pid(5))[0].queue_number == "B001"


def test_applying_the_same_events_twice_changes_nothing(two_desks: tuple[Store, Store]) -> None:
    a, b = two_desks
    desk_b = service(b, "B")
    cid = desk_b.check_in(pid(1)).checkin_id
    assert cid
    desk_b.check_in(pid(2))
    desk_b.doctor_decision(cid, approved=True, reason=None)
    desk_b.record_vaccination(cid, "CoV_Moderna", "MOD1-CDC", 1, open_vial=True)
    desk_b.undo_last_checkin("wrong person")  # undoes pid(2)
    events = b.outbox.pending()
    assert a.apply_remote_events(events) == 6  # with the vial opened
    desk_a = service(a, "A")
    before = (desk_a.counters(), desk_a.doctor_queue())
    assert a.apply_remote_events(events) == 0
    assert a.apply_remote_events(list(reversed(events))) == 0
    assert (desk_a.counters(), desk_a.doctor_queue()) == before
    counters = desk_a.counters()
    assert (counters.checked_in, counters.vaccinated) == (1, 1)
    [entry_a] = desk_a.doctor_queue()
    assert entry_a.queue_number == "B001" and entry_a.vaccinated
    assert {"ALREADY_CHECKED_IN", "ALREADY_VACCINATED"} <= set(desk_a.assess(pid(1)).codes())
    # pid(2)'s check-in was undone at B, so A can check them in.
    assert desk_a.check_in(pid(2)).queue_number == "A001"


def test_own_events_coming_back_are_not_applied_again(two_desks: tuple[Store, Store]) -> None:
    a, _ = two_desks
    service(a).check_in(pid(1))
    assert a.apply_remote_events(a.outbox.pending()) == 0
    assert service(a).counters().checked_in == 1


def test_a_remote_walk_in_appears_on_the_roster(two_desks: tuple[Store, Store]) -> None:
    a, _ = two_desks
    walk_in_id = pid(500)
    ev = Event.new(
        site=SITE,
        desk="C",
        seq=1,
        at=clock_at(10, 0)(),
        kind=EventKind.WALKIN_ADDED,
        payload={
            "id_number": walk_in_id,
            "day": DAY.isoformat(),
            "name": "陳大文",
            "birth_date": "1970-01-02",
            "product": "CoV_Moderna",
            "dose": 1,
            "site": SITE,
            "slot_start": "2026-11-23T10:00:00",
            "history": [],
        },
    )
    assert a.apply_remote_events([ev]) == 1
    desk_a = service(a, clock=clock_at(10, 5))
    [row] = desk_a.search(walk_in_id)
    assert row.walk_in and row.name == "陳大文"
    assert desk_a.check_in(walk_in_id).checked_in


def test_a_malformed_event_never_becomes_an_event_and_names_its_field(
    two_desks: tuple[Store, Store],
) -> None:
    a, b = two_desks
    service(b, "B").check_in(pid(1))
    wire = b.outbox.pending()[0].to_dict()
    wire["payload"]["queue_number"] = 7
    with pytest.raises(EventError) as refused:
        parse_event(wire)
    assert refused.value.field == "payload.queue_number"
    assert service(a).counters().checked_in == 0


def test_vaccination_event_for_an_unknown_person_is_kept_without_history(
    two_desks: tuple[Store, Store],
) -> None:
    a, _ = two_desks
    ev = Event.new(
        site=SITE,
        desk="D",
        seq=1,
        at=clock_at(11, 0)(),
        kind=EventKind.VACCINATION,
        payload={
            "id_number": pid(800),
            "day": DAY.isoformat(),
            "product": "CoV_AZ",
            "lot": "AZ1-CDC",
            "dose": 1,
            "checkin_id": str(uuid.uuid4()),
        },
    )
    assert a.apply_remote_events([ev]) == 1
    lots = service(a).lots()
    assert [(u.lot, u.doses_given) for u in lots] == [("AZ1-CDC", 1)]


def test_history_from_a_remote_vaccination_counts_at_the_next_scan(
    two_desks: tuple[Store, Store],
) -> None:
    a, b = two_desks
    desk_b = service(b, "B")
    cid = desk_b.check_in(pid(3)).checkin_id
    assert cid
    desk_b.doctor_decision(cid, approved=True, reason=None)
    desk_b.record_vaccination(cid, "CoV_Moderna", "M1", 1, open_vial=True)
    a.apply_remote_events(b.outbox.pending())
    # Tomorrow, desk A sees the dose given today as a recent dose.
    tomorrow = date(2026, 11, 24)
    a.import_entries([entry(3, day=tomorrow, dose=2)])
    desk_a = service(a, clock=clock_at(9, 0, tomorrow))
    desk_a.day = tomorrow
    codes = desk_a.assess(pid(3)).codes()
    assert "INTERVAL_TOO_SHORT" in codes

"""The one projection of a site day: order-free, repeat-free, one rule for each fact.

Desks deliver each other's events in any order (outages, a hub, the bureau) and more than
once (retries); the state every desk and the server derive must not depend on either.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from vaccination.events import Event, EventKind
from vaccination.projection import (
    CHECKED_IN_TWICE,
    TWO_VACCINATIONS_SAME_DAY,
    VACCINATED_AFTER_REFUSAL,
    VACCINATED_WITHOUT_APPROVAL,
    BookingFact,
    SiteDayFold,
    project_site_day,
)

DAY = date(2026, 11, 23)
SITE = "臺南市立體育館"
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Taipei
PEOPLE = [f"A1{n:08d}" for n in range(6)]


class DeskLog:
    """Events as one desk writes them: its own sequence, a clock that moves on."""

    def __init__(self, desk: str) -> None:
        self.desk = desk
        self.seq = 0
        self.queue = 0
        self.events: list[Event] = []

    def emit(self, kind: EventKind, minute: int, **payload: object) -> Event:
        self.seq += 1
        event = Event.new(
            site=SITE,
            desk=self.desk,
            seq=self.seq,
            at=START + timedelta(minutes=minute),
            kind=kind,
            payload={"day": DAY.isoformat(), **payload},
        )
        self.events.append(event)
        return event

    def check_in(self, person: str, minute: int) -> Event:
        self.queue += 1
        number = f"{self.desk}{self.queue:03d}"
        return self.emit(EventKind.CHECKIN, minute, id_number=person, queue_number=number)


# One action: (desk, person, what, minute). What a desk does needs a check-in of its own,
# except a refusal/approval/dose on the latest check-in any desk made of that person.
actions = st.lists(
    st.tuples(
        st.sampled_from("ABC"),
        st.sampled_from(PEOPLE),
        st.sampled_from(["checkin", "undo", "approve", "refuse", "vaccinate", "void"]),
        st.integers(0, 480),
    ),
    min_size=1,
    max_size=40,
)


def site_day(plan: list[tuple[str, str, str, int]]) -> list[Event]:
    """The events of a plan, every reference (undo, decision, dose, void) to a real check-in."""
    desks = {d: DeskLog(d) for d in "ABC"}
    latest: dict[str, str] = {}
    for desk_letter, person, what, minute in plan:
        desk = desks[desk_letter]
        if what == "checkin" or person not in latest:
            latest[person] = desk.check_in(person, minute).event_id
            continue
        target = latest[person]
        if what == "undo":
            desk.emit(EventKind.CHECKIN_UNDONE, minute, id_number=person, checkin_id=target)
        elif what in ("approve", "refuse"):
            desk.emit(
                EventKind.DOCTOR_DECISION,
                minute,
                id_number=person,
                checkin_id=target,
                approved=what == "approve",
                reason=None if what == "approve" else "發燒",
            )
        elif what == "vaccinate":
            desk.emit(
                EventKind.VACCINATION,
                minute,
                id_number=person,
                checkin_id=target,
                product="CoV_Moderna",
                lot="MOD1-CDC",
                dose=1,
            )
        else:
            desk.emit(
                EventKind.CORRECTION,
                minute,
                id_number=person,
                action="void_checkin",
                target=target,
                reason="重複報到",
            )
    return [e for d in desks.values() for e in d.events]


@settings(max_examples=150, deadline=None)
@given(actions, st.randoms(use_true_random=False), st.data())
def test_any_order_and_any_repeats_give_the_same_state(plan, rnd, data) -> None:
    events = site_day(plan)
    expected = project_site_day(events)
    delivered = list(events) + data.draw(st.lists(st.sampled_from(events), max_size=10))
    rnd.shuffle(delivered)
    assert project_site_day(delivered) == expected
    bookings = [BookingFact(p, "臺南市立體育館") for p in PEOPLE[:4]]
    assert project_site_day(delivered).counts("臺南市立體育館", bookings) == expected.counts(
        "臺南市立體育館", bookings
    )


def _decision(log: DeskLog, checkin: Event, minute: int, approved: bool) -> Event:
    return log.emit(
        EventKind.DOCTOR_DECISION,
        minute,
        id_number=checkin.payload.id_number,  # type: ignore[attr-defined]
        checkin_id=checkin.event_id,
        approved=approved,
        reason=None if approved else "血壓過高",
    )


def test_the_latest_decision_is_the_one_in_force_whichever_arrives_first() -> None:
    a = DeskLog("A")
    checkin = a.check_in(PEOPLE[0], 0)
    refused = _decision(a, checkin, 5, approved=False)
    approved = _decision(a, checkin, 20, approved=True)
    for order in ([checkin, refused, approved], [approved, checkin, refused]):
        (state,) = project_site_day(order).checkins
        assert state.decision_code == "approved"
    # Same instant on one desk: the one it wrote last (its sequence) stands.
    b = DeskLog("B")
    c2 = b.check_in(PEOPLE[1], 0)
    first, second = _decision(b, c2, 7, approved=True), _decision(b, c2, 7, approved=False)
    (state,) = project_site_day([second, c2, first]).checkins
    assert state.decision_code == "not_approved"


def test_decisions_written_in_different_time_zones_are_ordered_by_their_instant() -> None:
    # Desk A's clock writes Taipei time (+08:00), desk B's UTC: 09:40+08:00 is 01:40 UTC,
    # earlier than B's 01:50 UTC although its wall-clock text is "later".
    a, b = DeskLog("A"), DeskLog("B")
    checkin = a.check_in(PEOPLE[0], 0)
    taipei = timezone(timedelta(hours=8))
    refused = _decision(a, checkin, 40, approved=False)
    refused = refused.model_copy(update={"at": refused.at.astimezone(taipei)})
    approved = _decision(b, checkin, 50, approved=True)
    for order in ([checkin, refused, approved], [approved, refused, checkin]):
        (state,) = project_site_day(order).checkins
        assert state.decision_code == "approved"


def test_undo_is_matched_by_checkin_id_even_before_the_checkin_arrives() -> None:
    a = DeskLog("A")
    first = a.check_in(PEOPLE[0], 0)
    second = a.check_in(PEOPLE[0], 3)  # the same number on another check-in must stay
    undo = a.emit(
        EventKind.CHECKIN_UNDONE, 4, id_number=PEOPLE[0], checkin_id=second.event_id, reason="x"
    )
    state = project_site_day([undo, second, first])
    assert [(c.checkin_id, c.undone) for c in state.checkins] == [
        (first.event_id, False),
        (second.event_id, True),
    ]


def test_conflicts_are_facts_and_a_void_resolves_a_double_checkin() -> None:
    a, b = DeskLog("A"), DeskLog("B")
    person = PEOPLE[2]
    at_a, at_b = a.check_in(person, 0), b.check_in(person, 1)
    _decision(b, at_b, 10, approved=False)
    dose = a.emit(
        EventKind.VACCINATION,
        20,
        id_number=person,
        checkin_id=at_a.event_id,
        product="CoV_Moderna",
        lot="L1",
        dose=1,
    )
    codes = {c.code for c in project_site_day(a.events + b.events).conflicts}
    assert codes == {CHECKED_IN_TWICE, VACCINATED_AFTER_REFUSAL}
    void = b.emit(
        EventKind.CORRECTION,
        30,
        id_number=person,
        action="void_checkin",
        target=at_b.event_id,
        reason="重複報到",
        operator={"staff_id": "M01", "name": "林站長"},
    )
    state = SiteDayFold().add_all([void, *a.events, *b.events]).state()
    (twice,) = [c for c in state.conflicts if c.code == CHECKED_IN_TWICE]
    assert twice.resolved_by == "林站長"
    again = a.emit(
        EventKind.VACCINATION,
        40,
        id_number=person,
        checkin_id=at_a.event_id,
        product="CoV_Moderna",
        lot="L1",
        dose=1,
    )
    codes = {c.code for c in project_site_day([*a.events, *b.events]).conflicts}
    assert {TWO_VACCINATIONS_SAME_DAY, VACCINATED_AFTER_REFUSAL} <= codes
    assert dose.event_id != again.event_id


def test_a_dose_with_no_decision_before_it_is_a_conflict() -> None:
    a = DeskLog("A")
    checkin = a.check_in(PEOPLE[3], 0)
    a.emit(
        EventKind.VACCINATION,
        5,
        id_number=PEOPLE[3],
        checkin_id=checkin.event_id,
        product="CoV_Moderna",
        lot="L1",
        dose=1,
    )
    _decision(a, checkin, 9, approved=True)  # approving after the dose does not undo it
    (conflict,) = project_site_day(a.events).conflicts
    assert conflict.code == VACCINATED_WITHOUT_APPROVAL


def test_unknown_fields_of_a_newer_desk_are_kept_on_the_way_through() -> None:
    wire = DeskLog("A").check_in(PEOPLE[0], 0).to_dict()
    wire["payload"]["wristband"] = "W-17"
    wire["printed_by"] = "desk-7"
    again = Event.from_dict(wire).to_dict()
    assert again["payload"]["wristband"] == "W-17" and again["printed_by"] == "desk-7"
    assert uuid.UUID(again["event_id"])

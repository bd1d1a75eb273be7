"""CheckinService on a real store: check-in transaction, queue numbers, races, undo, counters."""

from __future__ import annotations

import logging
import threading
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from store_fixtures import (
    DAY,
    OTHER_SITE,
    SITE,
    clock_at,
    entry,
    open_store,
    pid,
    service,
)

from station_app import checkin_service as checkin_module
from station_app.checkin_service import CheckinService, DeskActionError
from station_app.desk_api import CheckinOutcome
from station_app.store import Store, format_queue_number
from station_app.store.tables import audit_log, checkins, desk_sequences, events
from vaccination.events import EventKind
from vaccination.models import DoseRecord


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path)
    s.import_entries(
        [entry(n) for n in range(1, 21)]
        + [entry(30, birth=None)]  # AGE_UNKNOWN: a warning
        + [entry(31, site=OTHER_SITE)]  # WRONG_SITE: blocks here
        + [entry(32, day=date(2026, 11, 24))]  # WRONG_DATE: blocks today
    )
    yield s
    s.close()


def _rows(store: Store, table: object) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_queue_numbers_count_per_desk_site_and_day(store: Store) -> None:
    a = service(store, "A")
    b = service(store, "B")
    assert [a.check_in(pid(n)).queue_number for n in (1, 2, 3)] == ["A001", "A002", "A003"]
    assert b.check_in(pid(4)).queue_number == "B001"
    assert a.check_in(pid(5)).queue_number == "A004"
    other_site = service(store, "A", site=OTHER_SITE)
    assert other_site.check_in(pid(31)).queue_number == "A001"
    tomorrow = CheckinService(
        store, a.rules, SITE, "A", date(2026, 11, 24), clock_at(9, 0, date(2026, 11, 24))
    )
    assert tomorrow.check_in(pid(32)).queue_number == "A001"


def test_queue_number_format() -> None:
    assert format_queue_number("A", 28) == "A028"
    assert format_queue_number("B", 999) == "B999"
    assert format_queue_number("A", 1000) == "A1000"


def test_check_in_writes_the_checkin_and_its_event(store: Store) -> None:
    svc = service(store)
    out = svc.check_in(pid(1))
    assert out.checked_in and out.queue_number == "A001" and out.checkin_id
    pending = store.outbox.pending(10)
    assert len(pending) == 1
    ev = pending[0]
    assert ev.event_id == out.checkin_id
    assert ev.kind is EventKind.CHECKIN and ev.desk == "A" and ev.site == SITE and ev.seq == 1
    assert ev.payload.id_number == pid(1)
    assert ev.payload.queue_number == "A001"
    assert ev.payload.day == DAY
    assert ev.payload.product == "CoV_Moderna" and ev.payload.dose == 1
    assert ev.payload.flags == [] and ev.payload.rule_set_version
    assert ev.at.utcoffset() is not None


def test_a_second_scan_is_refused_as_already_checked_in(store: Store) -> None:
    svc = service(store)
    svc.check_in(pid(1))
    again = svc.check_in(pid(1))
    assert not again.checked_in and again.queue_number is None
    assert "ALREADY_CHECKED_IN" in again.assessment.codes()
    assert _rows(store, checkins) == 1


def test_a_warning_needs_a_reason_and_a_block_refuses(store: Store) -> None:
    svc = service(store)
    asked = svc.check_in(pid(30))
    assert asked.needs_reason and not asked.checked_in
    assert asked.assessment.codes() == ["AGE_UNKNOWN"]
    assert _rows(store, checkins) == 0
    done = svc.check_in(pid(30), confirm_reason="身分證核對 1980 年生")
    assert done.checked_in and done.queue_number == "A001"
    assert store.outbox.pending()[0].payload.confirm_reason == "身分證核對 1980 年生"
    refused = svc.check_in(pid(31))
    assert not refused.checked_in and not refused.needs_reason
    assert "WRONG_SITE" in refused.assessment.codes()
    invalid = svc.check_in("A123456788", confirm_reason="anyway")
    assert not invalid.checked_in and invalid.assessment.codes() == ["INVALID_ID"]
    unknown = svc.check_in(pid(999))
    assert not unknown.checked_in and "NOT_ON_ROSTER" in unknown.assessment.codes()
    # Refusals take no queue number: the next check-in continues at A002.
    assert svc.check_in(pid(2)).queue_number == "A002"


def test_a_failure_inside_the_transaction_writes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = service(store)

    def broken_outbox(*_args: object, **_kw: object) -> bool:
        raise RuntimeError("disk went away between the state and the outbox")

    monkeypatch.setattr(checkin_module, "apply_events", broken_outbox)
    with pytest.raises(RuntimeError):
        svc.check_in(pid(1))
    assert _rows(store, checkins) == 0
    assert _rows(store, events) == 0
    assert _rows(store, desk_sequences) == 0
    monkeypatch.undo()
    out = svc.check_in(pid(1))
    assert out.queue_number == "A001"  # the failed attempt consumed no number
    assert store.outbox.pending()[0].seq == 1


def _race(desks: list[CheckinService], raw: str) -> list[CheckinOutcome]:
    """Both desks scan the same card at the same moment, each on its own thread."""
    barrier = threading.Barrier(len(desks))
    results: list[CheckinOutcome] = []
    errors: list[BaseException] = []

    def run(svc: CheckinService) -> None:
        try:
            barrier.wait()
            results.append(svc.check_in(raw))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def test_two_desks_racing_on_one_person_check_in_once(tmp_path: Path) -> None:
    first = open_store(tmp_path)
    first.import_entries([entry(n) for n in range(1, 11)])
    second = Store.open(tmp_path / "desk.db")  # a second connection pool on the same file
    desks = [service(first, "A"), service(second, "B")]
    for n in range(1, 11):
        results = _race(desks, pid(n))
        checked = [r for r in results if r.checked_in]
        refused = [r for r in results if not r.checked_in]
        assert len(checked) == 1 and len(refused) == 1
        assert "ALREADY_CHECKED_IN" in refused[0].assessment.codes()
    assert _rows(first, checkins) == 10
    first.close()
    second.close()


def test_undo_last_checkin(store: Store) -> None:
    clock = clock_at(9, 0)
    svc = service(store, clock=clock)
    svc.check_in(pid(1))
    clock.set(9, 1)
    svc.check_in(pid(2))
    assert service(store, "B").undo_last_checkin("other desk") is None  # B has none
    assert svc.undo_last_checkin("掃錯人") == "A002"
    kinds = [e.kind for e in store.outbox.pending()]
    assert kinds == [EventKind.CHECKIN, EventKind.CHECKIN, EventKind.CHECKIN_UNDONE]
    undo = store.outbox.pending()[-1]
    assert undo.payload.queue_number == "A002" and undo.payload.reason == "掃錯人"
    assert svc.counters().checked_in == 1
    # The person can check in again and gets a new number; numbers are never reused.
    assert svc.check_in(pid(2)).queue_number == "A003"
    assert svc.undo_last_checkin("again") == "A003"
    assert svc.undo_last_checkin("again") == "A001"
    assert svc.undo_last_checkin("again") is None
    done = svc.check_in(pid(3)).checkin_id
    assert done
    svc.doctor_decision(done, approved=True, reason=None)
    svc.record_vaccination(done, "CoV_Moderna", "L1", 1, open_vial=True)
    with pytest.raises(DeskActionError):
        svc.undo_last_checkin("too late")
    assert svc.counters().checked_in == 1


def test_counters_follow_the_day(store: Store) -> None:
    svc = service(store)
    start = svc.counters()
    assert (start.total, start.checked_in, start.vaccinated, start.not_approved) == (21, 0, 0, 0)
    assert start.not_arrived == 21  # 20 plus the AGE_UNKNOWN person, all booked here today
    ids = {n: svc.check_in(pid(n)).checkin_id for n in (1, 2, 3, 4)}
    svc.doctor_decision(ids[1], approved=True, reason=None)
    svc.doctor_decision(ids[2], approved=False, reason="發燒 38.2")
    svc.record_vaccination(ids[1], "CoV_Moderna", "MOD123-CDC", 1, open_vial=True)
    c = svc.counters()
    assert (c.total, c.checked_in, c.vaccinated, c.not_approved, c.not_arrived) == (21, 4, 1, 1, 17)
    # The doctor's latest word counts: a refusal taken back, another refusal, an undo.
    svc.doctor_decision(ids[3], approved=False, reason="發燒")
    svc.doctor_decision(ids[3], approved=True, reason=None)
    svc.doctor_decision(ids[4], approved=False, reason="血壓過高")
    assert svc.counters().not_approved == 2
    svc.undo_last_checkin("掃錯人")
    c = svc.counters()
    assert (c.checked_in, c.not_approved, c.not_arrived) == (3, 1, 18)
    # The roster table tells the same story row by row.
    rows = {r.id_number: r for r in svc.roster()}
    assert len(rows) == 21
    assert rows[pid(1)].vaccinated and rows[pid(1)].queue_number == "A001"
    assert rows[pid(1)].checkin_time is not None and rows[pid(1)].masked_id.count("*") == 4
    assert rows[pid(2)].doctor_not_approved and not rows[pid(2)].vaccinated
    assert rows[pid(3)].checked_in and not rows[pid(3)].doctor_not_approved
    assert not rows[pid(4)].checked_in and rows[pid(4)].queue_number is None
    assert [r.id_number for r in svc.roster() if r.checked_in] == [pid(n) for n in (1, 2, 3)]


def test_doctor_queue_and_decisions(store: Store) -> None:
    svc = service(store)
    ids = [svc.check_in(pid(n)).checkin_id for n in (3, 1, 2)]
    queue = svc.doctor_queue()
    assert [q.queue_number for q in queue] == ["A001", "A002", "A003"]
    assert queue[0].id_number == pid(3) and queue[0].masked_id.count("*") == 4
    assert queue[0].name == "王小3" and queue[0].decision is None
    svc.doctor_decision(ids[0], approved=False, reason="血壓過高")
    first = svc.doctor_queue()[0]
    assert first.decision == "not_approved" and first.decision_reason == "血壓過高"
    # The refusal shows at a later scan of the same person.
    assert "DOCTOR_NOT_APPROVED" in svc.assess(pid(3)).codes()
    with pytest.raises(DeskActionError):
        svc.record_vaccination(ids[0], "CoV_Moderna", "L1", 1)
    with pytest.raises(DeskActionError):
        svc.doctor_decision("no-such-checkin", approved=True, reason=None)
    ev = store.outbox.pending()[-1]
    assert ev.kind is EventKind.DOCTOR_DECISION and ev.payload.approved is False


def test_vaccination_fills_history_lots_and_refuses_a_second_dose(store: Store) -> None:
    svc = service(store)
    cid = svc.check_in(pid(1)).checkin_id
    assert cid is not None
    svc.open_vial("莫德納", "MOD77-CDC")
    svc.doctor_decision(cid, approved=True, reason=None)
    svc.record_vaccination(cid, "CoV_Moderna", "MOD77-CDC", 1)
    queue = svc.doctor_queue()[0]
    assert queue.vaccinated
    assert DoseRecord("CoV_Moderna", DAY, "MOD77-CDC", "desk") in queue.history
    row = svc.search(pid(1))[0]
    assert row.vaccinated and row.checked_in and row.queue_number == "A001"
    with pytest.raises(DeskActionError):
        svc.record_vaccination(cid, "CoV_Moderna", "MOD77-CDC", 1)
    [lot] = svc.lots()
    assert (lot.product, lot.lot, lot.vials_opened, lot.doses_given) == (
        "CoV_Moderna",
        "MOD77-CDC",
        1,
        1,
    )
    assert lot.doses_left_in_open_vials == lot.doses_per_vial - 1
    svc.open_vial("CoV_Moderna", "MOD77-CDC")
    assert svc.lots()[0].vials_opened == 2
    *_, vaccination, opened = store.outbox.pending()
    assert vaccination.kind is EventKind.VACCINATION and vaccination.payload.lot == "MOD77-CDC"
    # Opening a vial is a fact of the site day like any other: an event that syncs.
    assert opened.kind is EventKind.VIAL_OPENED and opened.payload.lot == "MOD77-CDC"


def test_doses_per_vial_belong_to_the_lot(store: Store) -> None:
    """Seed 002 第二章第二節 AstraZeneca: "每瓶為 8 劑型或 10 劑型": a lot says which, set when
    it is first opened; without it the product's default (10)."""
    svc = service(store)
    svc.open_vial("AZ", "AZ8-CDC", doses_per_vial=8)
    svc.open_vial("AZ", "AZ8-CDC")  # later vials of the lot: the lot's value
    svc.open_vial("CoV_AZ", "AZ10-CDC")
    by_lot = {lot.lot: lot for lot in svc.lots()}
    assert (by_lot["AZ8-CDC"].doses_per_vial, by_lot["AZ8-CDC"].vials_opened) == (8, 2)
    assert by_lot["AZ8-CDC"].doses_left_in_open_vials == 16
    assert by_lot["AZ10-CDC"].doses_per_vial == 10
    with pytest.raises(DeskActionError) as other_size:
        svc.open_vial("CoV_AZ", "AZ8-CDC", doses_per_vial=10)
    assert other_size.value.code == "VIAL_SIZE" and "8 劑" in str(other_size.value)
    with pytest.raises(DeskActionError) as no_such_vial:
        svc.open_vial("CoV_BNT", "BNT5-CDC", doses_per_vial=5)
    assert no_such_vial.value.code == "VIAL_SIZE"
    assert {lot.lot for lot in svc.lots()} == {"AZ8-CDC", "AZ10-CDC"}


def test_search_by_id_name_phone_and_queue_number(store: Store) -> None:
    svc = service(store)
    svc.check_in(pid(7))
    assert [r.id_number for r in svc.search(pid(7).lower())] == [pid(7)]
    assert {r.name for r in svc.search("王小1")} >= {"王小1", "王小10", "王小11"}
    assert [r.id_number for r in svc.search("0912000012")] == [pid(12)]
    by_queue = svc.search("a001")
    assert [r.id_number for r in by_queue] == [pid(7)] and by_queue[0].queue_number == "A001"
    assert svc.search("   ") == []
    assert len(svc.search("王", limit=5)) == 5


def test_roster_lists_the_site_and_day_in_slot_order(store: Store) -> None:
    extra = entry(40, slot=time(8, 0), row=99)
    store.import_entries([extra])
    rows = service(store).roster()
    assert len(rows) == 22
    assert rows[0].id_number == pid(40)
    assert all(r.site == SITE and r.slot_start.date() == DAY for r in rows)
    assert rows[1].dose_label == "第1劑" and rows[1].masked_id != rows[1].id_number


def test_reveal_id_is_logged_masked(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    svc = service(store)
    with caplog.at_level(logging.INFO):
        assert svc.reveal_id(pid(1), "核對健保卡") == pid(1)
    assert pid(1) not in caplog.text
    assert pid(1)[:3] in caplog.text
    with store.read() as conn:
        row = conn.execute(select(audit_log)).one()
    assert row.masked_id != pid(1) and row.reason == "核對健保卡"


def test_every_event_takes_the_desks_next_seq(store: Store) -> None:
    svc = service(store)
    cid = svc.check_in(pid(1)).checkin_id
    assert cid
    svc.doctor_decision(cid, True, None)
    svc.record_vaccination(cid, "CoV_Moderna", "L9", 1, open_vial=True)
    svc.check_in(pid(2))
    svc.undo_last_checkin("wrong")
    assert [e.seq for e in store.outbox.pending()] == [1, 2, 3, 4, 5, 6]  # the vial is one
    b = service(store, "B")
    b.check_in(pid(3))
    assert [e.seq for e in store.outbox.pending() if e.desk == "B"] == [1]


def test_desk_letter_is_checked(store: Store) -> None:
    with pytest.raises(DeskActionError):
        service(store, "1")

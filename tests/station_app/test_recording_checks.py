"""Recording a dose checks what would let a vaccination error through (issue 13, defect 5).

Seed 002 ch. 8 lists the errors the plan requires reporting: "疫苗種類錯誤、劑次錯誤 ...
重複接種 ... 接種間隔過短". Before, a person booked for Moderna dose 1 was recorded as
CoV_AZ dose 7 from a lot never opened, with no approval.
"""

from __future__ import annotations

import pytest
from store_fixtures import entry, open_store, pid, service

from station_app.checkin_service import DeskActionError
from station_app.store import Store


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    s: Store = open_store(tmp_path)
    s.import_entries([entry(n) for n in range(1, 4)])
    yield s
    s.close()


def _code(action) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DeskActionError) as refused:
        action()
    return refused.value.code


def test_a_dose_needs_approval_the_booked_product_and_an_open_vial(store: Store) -> None:
    svc = service(store)
    cid = svc.check_in(pid(1)).checkin_id
    assert cid
    wrong = lambda **kw: svc.record_vaccination(cid, "CoV_AZ", "LOT-NOT-OPENED", 7, **kw)  # noqa: E731
    assert _code(wrong) == "NO_APPROVAL"
    svc.doctor_decision(cid, approved=True, reason=None)
    assert _code(wrong) == "BOOKING_CHANGED"
    assert _code(lambda: wrong(reason="院內改打 AZ")) == "LOT_NOT_OPEN"
    svc.record_vaccination(cid, "CoV_Moderna", "MOD1-CDC", 1, open_vial=True)
    given = [e for e in store.outbox.pending() if e.kind.value == "vaccination"]
    assert [(e.payload.product, e.payload.dose) for e in given] == [("CoV_Moderna", 1)]
    assert [lot.vials_opened for lot in svc.lots()] == [1]
    again = lambda: svc.record_vaccination(cid, "CoV_Moderna", "MOD1-CDC", 1)  # noqa: E731
    with pytest.raises(DeskActionError, match="已接種"):
        again()


def test_a_changed_product_with_a_reason_is_recorded_and_says_what_was_booked(
    store: Store,
) -> None:
    svc = service(store)
    cid = svc.check_in(pid(2)).checkin_id
    assert cid
    svc.doctor_decision(cid, approved=True, reason=None)
    svc.open_vial("CoV_BNT", "BNT7-CDC")
    svc.record_vaccination(cid, "CoV_BNT", "BNT7-CDC", 1, reason="莫德納已用完，民眾同意改打")
    (dose,) = [e for e in store.outbox.pending() if e.kind.value == "vaccination"]
    assert dose.payload.booked_product == "CoV_Moderna"  # type: ignore[attr-defined]
    assert dose.payload.reason == "莫德納已用完，民眾同意改打"  # type: ignore[attr-defined]


def test_a_dose_given_at_another_desk_today_refuses_a_second(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b = open_store(tmp_path, "a.db"), open_store(tmp_path, "b.db")
    try:
        for s in (a, b):
            s.import_entries([entry(3)])
        at_a, at_b = service(a, "A"), service(b, "B")
        first, second = at_a.check_in(pid(3)).checkin_id, at_b.check_in(pid(3)).checkin_id
        assert first and second
        for svc, cid in ((at_a, first), (at_b, second)):
            svc.doctor_decision(cid, approved=True, reason=None)
        at_a.record_vaccination(first, "CoV_Moderna", "M1", 1, open_vial=True)
        b.apply_remote_events(a.outbox.pending())
        with pytest.raises(DeskActionError, match="已接種"):
            at_b.record_vaccination(second, "CoV_Moderna", "M1", 1, open_vial=True)
    finally:
        a.close()
        b.close()

"""CheckinService roster changes: importing a real roster file and adding walk-ins."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from store_fixtures import DAY, SITE, clock_at, entry, open_store, pid, rules, service

from station_app.checkin_service import DeskActionError
from station_app.store import Store
from vaccination.demo_roster import write_demo_roster
from vaccination.events import EventKind
from vaccination.models import DoseRecord, IdKind, Person


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(tmp_path)
    yield s
    s.close()


def test_import_roster_reports_progress_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    scenarios = write_demo_roster(path, 150, DAY, "big5", 3)
    svc = service(store)
    seen: list[tuple[int, int]] = []
    report = svc.import_roster(path, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    accepted = len(report.rows)  # type: ignore[attr-defined]
    assert accepted > 100
    total = svc.counters().total
    assert total > 0
    svc.import_roster(path)
    assert svc.counters().total == total
    # The first all-clear scenario of the demo checks in at its scan time.
    clear = next(s for s in scenarios if not s.flags)
    svc.clock = clock_at(clear.scan_at.hour, clear.scan_at.minute)
    assert svc.check_in(clear.raw).queue_number == "A001"


def test_an_imported_onset_date_counts_when_it_is_earlier(store: Store, tmp_path: Path) -> None:
    """Seed 001 附件12: "曾確診為新冠病毒感染者,可自發病日或確診日起3個月後,再接種"."""
    path = tmp_path / "roster.csv"
    header = "姓名,身分證字號,接種期別,接種地點,接種時間,接種疫苗,確診日期,發病日期"
    rows = [
        f"王小1,{pid(1)},1,{SITE},{DAY} 09:00,CoV_Moderna,2026-09-01,2026-08-29",
        f"王小2,{pid(2)},1,{SITE},{DAY} 09:00,CoV_Moderna,2026-09-01,",
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    svc = service(store)
    svc.import_roster(path)
    # 2026-08-29 + 84 days = 2026-11-21: over; from the confirmation (09-01) it is not.
    assert svc.assess(pid(1)).codes() == ["AGE_UNKNOWN"]
    (flag,) = [f for f in svc.assess(pid(2)).flags if f.code == "RECENT_INFECTION"]
    assert flag.data["infection_date"] == "2026-09-01"


def test_a_broken_file_imports_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\xff" * 500)
    report = service(store).import_roster(path)
    assert report.fatal_error  # type: ignore[attr-defined]
    assert service(store).counters().total == 0


def test_walk_in_is_validated_booked_and_logged(store: Store) -> None:
    svc = service(store, clock=clock_at(10, 12))
    person = Person(pid(700).lower(), " 陳 大文 ", date(1961, 2, 3), "0912-345-678")
    row = svc.add_walk_in(person, "莫德納", 2, "CoV_Moderna 2026/06/01")
    assert row.walk_in and row.site == SITE and row.id_number == pid(700)
    assert row.product == "CoV_Moderna" and row.dose == 2
    assert row.slot_start.hour == 10 and row.slot_start.minute == 12
    [ev] = store.outbox.pending()
    assert ev.kind is EventKind.WALKIN_ADDED and ev.payload.name == row.name
    assert svc.counters().total == 1
    out = svc.check_in(pid(700))
    assert out.checked_in, out.assessment.codes()
    queue = svc.doctor_queue()
    assert DoseRecord("CoV_Moderna", date(2026, 6, 1), None, "roster") in queue[0].history


def test_walk_in_with_bad_data_is_refused_with_the_importers_reason(store: Store) -> None:
    svc = service(store)
    with pytest.raises(DeskActionError) as bad_id:
        svc.add_walk_in(Person("A123456788", "陳大文", None), "CoV_AZ", 1, "")
    assert bad_id.value.code == "INVALID_ID" and "無效" in str(bad_id.value)
    with pytest.raises(DeskActionError) as bad_product:
        svc.add_walk_in(Person(pid(701), "陳大文", None), "XBB新冠疫苗", 1, "")
    assert bad_product.value.code == "UNKNOWN_PRODUCT"
    assert store.outbox.count_pending() == 0


def test_a_passport_walk_in_needs_the_passport_document_type(store: Store) -> None:
    """Issue 16: "A passport number is accepted only where the user says it is one (...
    the walk-in form's document type ...), and it is shown as a passport everywhere"."""
    svc = service(store, clock=clock_at(10, 12))
    anna = Person("A12345678", "Anna Schmidt", date(1985, 3, 4))
    with pytest.raises(DeskActionError) as typed_as_id:
        svc.add_walk_in(anna, "CoV_Moderna", 1, "")
    assert typed_as_id.value.code == "INVALID_ID" and "10" in str(typed_as_id.value)
    svc.add_walk_in(anna, "CoV_Moderna", 1, "", id_kind=IdKind.PASSPORT)
    scanned = svc.assess("a12345678\r\n")
    assert scanned.id_check.kind is IdKind.PASSPORT
    assert scanned.codes() == ["UNCHECKED_ID"]
    assert svc.check_in("A12345678").checked_in
    assert [r.name for r in svc.search("a12345678")] == ["Anna Schmidt"]
    # A number nobody on record holds stays what it is: not an ID.
    assert svc.assess("A12345670").codes() == ["INVALID_ID"]


def test_walk_in_of_someone_already_booked_here_today(store: Store) -> None:
    store.import_entries([entry(5)])
    svc = service(store)
    with pytest.raises(DeskActionError) as info:
        svc.add_walk_in(Person(pid(5), "王小5", date(1980, 5, 1)), "CoV_Moderna", 1, "")
    assert info.value.code == "ALREADY_BOOKED"


def test_a_walk_in_at_another_desk_reaches_this_desk(tmp_path: Path) -> None:
    a = open_store(tmp_path, "a.db")
    b = open_store(tmp_path, "b.db")
    service(b, "B").add_walk_in(Person(pid(702), "林志明", date(1990, 1, 1)), "CoV_BNT", 1, "")
    assert a.apply_remote_events(b.outbox.pending()) == 1
    [row] = service(a).search("林志明")
    assert row.walk_in and row.product == "CoV_BNT"
    assert rules().has_product(row.product)
    a.close()
    b.close()

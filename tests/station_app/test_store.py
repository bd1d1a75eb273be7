"""The local store: migrations, pragmas, bulk import idempotency, booking cancel, errors."""

from __future__ import annotations

import sqlite3
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from store_fixtures import DAY, OTHER_SITE, SITE, entry, open_store

from station_app.store import Store, StoreError, booking_key
from station_app.store.migrate import head_revision
from station_app.store.tables import (
    bookings,
    dose_records,
    metadata,
    people,
    sites,
    sync_client_state,
)
from vaccination.models import DoseRecord


def _count(store: Store, table: object) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_migrated_schema_equals_the_table_metadata(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert store.schema_revision() == head_revision()
    store.close()


def test_open_twice_keeps_data_and_revision(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.import_entries([entry(1)])
    store.close()
    again = open_store(tmp_path)
    assert _count(again, people) == 1
    assert again.schema_revision() == head_revision()
    again.close()


def test_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    # Foreign keys are enforced: a booking of an unknown person is refused.
    with pytest.raises(Exception, match="FOREIGN KEY"), store.write() as conn:
        conn.execute(
            bookings.insert().values(
                booking_key="x",
                id_number="Z999999999",
                site=SITE,
                day=DAY,
                slot_start=datetime(2026, 11, 23, 9),
                product="CoV_AZ",
                dose=1,
            )
        )
    store.close()


def test_import_twice_changes_nothing(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    history = (DoseRecord("CoV_AZ", date(2021, 7, 1)), DoseRecord("CoV_AZ", date(2021, 9, 30)))
    rows = [entry(n, history=history if n % 2 else ()) for n in range(1, 51)]
    rows.append(entry(51, site=OTHER_SITE))
    first = store.import_entries(rows)
    assert (first.rows, first.people_added, first.bookings_added) == (51, 51, 51)
    assert first.doses_added == 50  # 25 people with two doses each
    assert first.sites_added == 2
    second = store.import_entries(rows)
    assert (second.people_added, second.bookings_added, second.doses_added) == (0, 0, 0)
    assert _count(store, bookings) == 51
    assert _count(store, dose_records) == 50
    assert _count(store, sites) == 2
    store.close()


def test_reimport_updates_a_moved_slot_in_place(tmp_path: Path) -> None:
    from datetime import time

    store = open_store(tmp_path)
    store.import_entries([entry(1, slot=time(9, 0))])
    counts = store.import_entries([entry(1, slot=time(14, 0), row=7)])
    assert counts.bookings_added == 0
    with store.read() as conn:
        row = conn.execute(select(bookings)).one()
    assert row.slot_start == datetime(2026, 11, 23, 14, 0)
    assert row.row_number == 7
    store.close()


def test_reimport_updates_a_changed_person_and_keeps_what_the_new_file_lacks(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    store = open_store(tmp_path)
    first = entry(1)
    store.import_entries([first, entry(2)])
    corrected = replace(
        first,
        person=replace(first.person, name="王大明", phone=None),
        history_text="CoV_AZ 2021-07-01",
    )
    counts = store.import_entries([corrected, entry(2)])
    assert (counts.people_added, counts.bookings_added) == (0, 0)
    with store.read() as conn:
        row = conn.execute(select(people).where(people.c.id_number == first.person.id_number)).one()
        other = conn.execute(select(people).where(people.c.id_number == entry(2).person.id_number))
        assert other.one().name == "王小2"
    assert (row.name, row.history_text) == ("王大明", "CoV_AZ 2021-07-01")
    assert row.phone == first.person.phone  # a file without the phone keeps the known one
    store.close()


def test_import_reports_progress(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    seen: list[tuple[int, int]] = []
    store.import_entries([entry(n) for n in range(5)], progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (5, 5)
    store.close()


def test_cancel_booking_by_key(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    e = entry(1)
    store.import_entries([e])
    key = booking_key(e.booking)
    assert store.cancel_booking(key) is True
    assert store.cancel_booking(key) is False  # already cancelled
    assert store.cancel_booking("no-such-key") is False
    with store.read() as conn:
        assert conn.execute(select(bookings.c.cancelled)).scalar_one() is True
    # The roster sending the booking again restores it.
    store.import_entries([e])
    with store.read() as conn:
        assert conn.execute(select(bookings.c.cancelled)).scalar_one() is False
    store.close()


def test_booking_key_ignores_slot_and_row_but_not_product() -> None:
    from datetime import time

    a = entry(1, slot=time(9, 0)).booking
    b = entry(1, slot=time(15, 0), row=99).booking
    c = entry(1, product="CoV_AZ").booking
    assert booking_key(a) == booking_key(b)
    assert booking_key(a) != booking_key(c)
    assert a.id_number not in booking_key(a)


def test_main_site_is_the_one_with_most_bookings(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.import_entries([entry(1, site=OTHER_SITE), entry(2), entry(3)])
    assert store.main_site(DAY) == SITE
    assert store.main_site(date(2030, 1, 1)) is None
    store.close()


def test_a_non_sqlite_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "roster.db"
    path.write_bytes(b"\x00\x01not a database at all, just bytes " * 200)
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert info.value.code == "corrupt"
    assert "損毀" in str(info.value) and "damaged" in str(info.value)


def test_a_corrupted_database_gives_a_clear_error(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.import_entries([entry(n) for n in range(200)])
    store.close()
    path = tmp_path / "desk.db"
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    data[0:16] = b"garbage garbage!"  # the SQLite header is gone
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert info.value.code == "corrupt"


def test_a_folder_in_place_of_the_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path)
    assert info.value.code == "cannot_open"
    with pytest.raises(StoreError):
        Store.open(tmp_path / "missing-folder" / "desk.db")


def test_a_locked_database_gives_a_typed_error(tmp_path: Path) -> None:
    from station_app.store import engine as engine_module

    store = open_store(tmp_path)
    blocker = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    old = engine_module.BUSY_TIMEOUT_MS
    try:
        store.close()
        engine_module.BUSY_TIMEOUT_MS = 50
        quick = Store(engine_module.make_engine(tmp_path / "desk.db"), tmp_path / "desk.db")
        with pytest.raises(StoreError) as info:
            quick.import_entries([entry(1)])
        assert info.value.code == "locked"
        assert "稍候" in str(info.value)
        quick.close()
    finally:
        engine_module.BUSY_TIMEOUT_MS = old
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_read_only_database_gives_a_typed_error(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.close()
    ro = Store(
        __import__("sqlalchemy").create_engine(
            f"sqlite:///file:{tmp_path / 'desk.db'}?mode=ro&uri=true"
        ),
        tmp_path / "desk.db",
    )
    with pytest.raises(StoreError) as info:
        ro.import_entries([entry(1)])
    assert info.value.code == "read_only"
    ro.close()


def test_bulk_import_writes_dates_as_sqlalchemy_would(tmp_path: Path) -> None:
    from sqlalchemy import Date, DateTime
    from sqlalchemy.dialects import sqlite

    from station_app.store.importing import _iso_date, _iso_datetime

    dialect = sqlite.dialect()
    for value in (datetime(2026, 11, 23, 9, 30), datetime(2021, 1, 2, 3, 4, 5, 6)):
        processor = dialect.type_descriptor(DateTime()).bind_processor(dialect)
        assert processor is not None and _iso_datetime(value) == processor(value)
    date_processor = dialect.type_descriptor(Date()).bind_processor(dialect)
    assert date_processor is not None
    assert _iso_date(date(1946, 4, 11)) == date_processor(date(1946, 4, 11))
    store = open_store(tmp_path)
    history = (DoseRecord("CoV_AZ", date(2021, 7, 1), "AZ1-CDC"),)
    store.import_entries([entry(1, history=history)])
    with store.read() as conn:
        person = conn.execute(select(people)).one()
        booking = conn.execute(select(bookings)).one()
        dose = conn.execute(select(dose_records)).one()
    assert person.birth_date == date(1980, 5, 1)
    assert booking.day == DAY and booking.slot_start == datetime(2026, 11, 23, 9, 0)
    assert booking.walk_in is False and booking.cancelled is False
    assert (dose.product, dose.given_on, dose.lot) == ("CoV_AZ", date(2021, 7, 1), "AZ1-CDC")
    store.close()


def test_a_full_disk_gives_a_typed_error_and_keeps_the_old_data(tmp_path: Path) -> None:
    from sqlalchemy import event

    store = open_store(tmp_path)
    store.import_entries([entry(1)])

    # SQLite reports SQLITE_FULL exactly as for a full disk when the page limit is reached.
    @event.listens_for(store.engine, "begin")
    def _cap(conn: object) -> None:
        size = conn.exec_driver_sql("PRAGMA page_count").scalar()  # type: ignore[attr-defined]
        conn.exec_driver_sql(f"PRAGMA max_page_count = {size}")  # type: ignore[attr-defined]

    with pytest.raises(StoreError) as info:
        store.import_entries([entry(n) for n in range(2, 3000)])
    assert info.value.code == "disk_full"
    assert "磁碟" in str(info.value) and "disk" in str(info.value)
    event.remove(store.engine, "begin", _cap)
    assert _count(store, people) == 1
    store.close()


def test_a_large_first_import_matches_the_schema_file_order_and_last_row_wins(
    tmp_path: Path,
) -> None:
    from station_app.store.importing import INDEX_REBUILD_MIN

    store = open_store(tmp_path)
    with store.read() as conn:
        cache_before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    history = (DoseRecord("CoV_AZ", date(2021, 7, 1)), DoseRecord("CoV_AZ", date(2021, 9, 30)))
    n = INDEX_REBUILD_MIN + 10
    # File order is not ID order; the last person also has a second row (another product)
    # that renames them: the later row describes the person.
    rows = [entry(k, row=i + 2, history=history if k % 3 == 0 else ()) for i, k in
            enumerate(range(n, 0, -1))]  # fmt: skip
    rows.append(entry(1, name="王大同", product="CoV_BNT", row=n + 2, history=history))
    counts = store.import_entries(rows)
    assert (counts.people_added, counts.bookings_added) == (n, n + 1)
    assert counts.doses_added == 2 * (n // 3) + 2
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    with store.read() as conn:
        # Bookings keep the file's order in their ids.
        numbers = conn.execute(select(bookings.c.row_number).order_by(bookings.c.id)).scalars()
        assert list(numbers) == list(range(2, n + 3))
        renamed = people.c.id_number == rows[-1].person.id_number
        assert conn.execute(select(people.c.name).where(renamed)).scalar_one() == "王大同"
        plan = " ".join(
            str(r[-1])
            for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM bookings WHERE id_number = ?", ("A1",)
            )
        )
        assert "ix_bookings_id_number" in plan
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == cache_before
    again = store.import_entries(rows)
    assert (again.people_added, again.bookings_added, again.doses_added) == (0, 0, 0)
    store.close()


def _rows_in_main_file(path: Path, copy: Path) -> int:
    """Rows of sync_client_state in the database file alone, as if its WAL were lost."""
    copy.write_bytes(path.read_bytes())
    conn = sqlite3.connect(copy)
    try:
        return int(conn.execute("SELECT count(*) FROM sync_client_state").fetchone()[0])
    except sqlite3.DatabaseError:  # not there yet, or copied in the middle of a checkpoint
        return 0
    finally:
        conn.close()


def test_background_checkpoint_moves_commits_into_the_database_file(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "desk.db", background_checkpoint=True)
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    for i in range(300):  # a morning of check-ins, one commit each
        with store.write() as conn:
            conn.execute(sync_client_state.insert().values(key=f"k{i}", value="v"))
    deadline = time.monotonic() + 10
    while _rows_in_main_file(store.path, tmp_path / "copy.db") < 300:
        assert time.monotonic() < deadline, "the WAL was never copied back"
        time.sleep(0.1)
    assert store.checkpointer is not None
    store.close()
    assert not store.checkpointer.is_alive()


def test_plain_store_keeps_sqlite_automatic_checkpoint(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    assert store.checkpointer is None
    store.close()

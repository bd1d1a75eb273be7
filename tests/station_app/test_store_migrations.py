"""Migrations of the store: old desk files upgrade, and tables written twice stay one table."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from store_fixtures import DAY, SITE, open_store

from printing.print_queue import PrintQueue
from printing.printers import JOB_TICKET
from station_app.desk_rules import desk_rules, take_published
from station_app.store import Store, lookups
from station_app.store.engine import make_engine
from station_app.store.migrate import alembic_config, head_revision
from station_app.store.tables import metadata
from station_app.sync_state import SyncBook
from vaccination.rules import DEFAULT_RULES_DIR, load_rule_sets
from vaccination.wire import EventResult, PublishedRuleSet

# What desks before revision 0002 ran on their store file (sync_state.py and print_queue.py).
OLD_DESK_DDL = """
CREATE TABLE IF NOT EXISTS sync_client_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_client_rejections (
    event_id TEXT PRIMARY KEY, code TEXT, reason_zh TEXT, reason_en TEXT, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    checkin_id TEXT,
    queue_number TEXT,
    state TEXT NOT NULL DEFAULT 'waiting',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at REAL NOT NULL,
    printed_at REAL,
    reprint_of INTEGER REFERENCES print_jobs(id)
);
CREATE INDEX IF NOT EXISTS print_jobs_state ON print_jobs(state, id);
CREATE INDEX IF NOT EXISTS print_jobs_checkin ON print_jobs(checkin_id);
"""


def old_desk_file(path: Path) -> None:
    """A desk file at revision 0001 whose sync client and print queue made their own tables."""
    engine = make_engine(path)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    engine.dispose()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(OLD_DESK_DDL)
        conn.execute("INSERT INTO sync_client_state VALUES ('cursor:http://bureau', '42')")
        conn.execute(
            "INSERT INTO sync_client_rejections VALUES"
            " ('ev-1', 'wrong_site', '站點不符', 'wrong site', '2026-11-22T09:00:00+00:00')"
        )
        conn.execute(
            "INSERT INTO print_jobs (kind, name, payload, checkin_id, queue_number, state,"
            " created_at) VALUES (?, 'ticket-A001', '{\"n\": 1}', 'ck-1', 'A001', 'done', 1.0)",
            (JOB_TICKET,),
        )
        conn.execute(
            "INSERT INTO print_jobs (kind, name, payload, checkin_id, queue_number, created_at,"
            " reprint_of) VALUES (?, 'ticket-A001-reprint', '{\"n\": 1}', 'ck-1', 'A001', 2.0, 1)",
            (JOB_TICKET,),
        )


def schema(path: Path) -> list[tuple[str, str, str, str]]:
    """Every table and index of the file as SQLite keeps them (type, name, table, SQL)."""
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
        return list(rows)


def table_shape(path: Path, table: str) -> dict[str, Any]:
    """What SQLite makes of a table: columns, indexes, foreign keys, AUTOINCREMENT."""
    with closing(sqlite3.connect(path)) as conn:
        indexes = {
            name: (unique, [c[2] for c in conn.execute(f"PRAGMA index_info({name})")])
            for _, name, unique, *_ in conn.execute(f"PRAGMA index_list({table})")
        }
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        return {
            "columns": conn.execute(f"PRAGMA table_info({table})").fetchall(),
            "indexes": indexes,
            "foreign_keys": [fk[2:5] for fk in conn.execute(f"PRAGMA foreign_key_list({table})")],
            "autoincrement": "AUTOINCREMENT" in sql.upper(),
        }


def test_an_old_desk_file_upgrades_and_keeps_cursor_rejections_and_print_jobs(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.db"
    old_desk_file(old)
    store = Store.open(old)
    assert store.schema_revision() == head_revision()
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    book = SyncBook(store)
    assert book.cursor("http://bureau") == 42
    assert [(r["event_id"], r["code"]) for r in book.rejections()] == [("ev-1", "wrong_site")]
    store.close()
    # The very same tables and indexes as a desk that started at the newest revision.
    open_store(tmp_path, "new.db").close()
    assert schema(old) == schema(tmp_path / "new.db")

    queue = PrintQueue(old, None)
    assert [(j.id, j.reprint_of) for j in queue.jobs()] == [(1, None), (2, 1)]
    assert queue.find(checkin_id="ck-1").id == 1
    assert queue.reprint(checkin_id="ck-1") == 3
    queue.close()


def test_the_print_queue_on_its_own_file_makes_the_table_the_store_declares(
    tmp_path: Path,
) -> None:
    PrintQueue(tmp_path / "queue.db", None).close()
    open_store(tmp_path, "desk.db").close()
    assert table_shape(tmp_path / "queue.db", "print_jobs") == table_shape(
        tmp_path / "desk.db", "print_jobs"
    )


def test_sync_book_and_print_queue_work_in_the_store_and_leave_its_schema_alone(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path)
    book = SyncBook(store)
    book.set_cursor("http://bureau", 7)
    book.reject(
        [
            EventResult(
                index=0,
                event_id="ev-9",
                seq=9,
                status="rejected",
                code="bad",
                reason_zh="錯",
                reason_en="bad",
            )
        ]
    )
    book.set_aside("http://bureau", 12, {"kind": "vaccination"}, "payload.dose: not an integer")
    queue = PrintQueue(store.path, None)
    job = queue.enqueue(JOB_TICKET, {"n": 1}, checkin_id="ck-9", queue_number="A009")
    assert queue.find(checkin_id="ck-9").id == job
    queue.close()
    assert book.cursor("http://bureau") == 7 and book.rejected_ids() == {"ev-9"}
    assert [(e.log_id, e.reason) for e in book.set_aside_entries()] == [
        (12, "payload.dose: not an integer")
    ]
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    store.close()


def test_counters_count_bookings_and_vaccinations_from_indexes_only(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    query = lookups.Q_COUNTERS.params(site=SITE, day=DAY)
    with store.read() as conn:
        sql = query.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " | ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    store.close()
    # A 100,000-booking day: the booked total reads one index range, never the rows, and
    # each check-in's "booked?" is one probe; the vaccinated count reads the day's doses by
    # their index.
    assert "COVERING INDEX ix_bookings_site_day_cancelled_id_number" in plan
    assert "SEARCH vaccinations USING INDEX ix_vaccinations_site_day" in plan
    assert "SCAN bookings" not in plan and "SCAN vaccinations" not in plan


def test_a_desk_file_of_revision_0004_upgrades_and_keeps_downloaded_rule_sets(
    tmp_path: Path,
) -> None:
    """Revision 0006: the rule sets a desk downloads from the bureau live in its store."""
    path = tmp_path / "desk.db"
    engine = make_engine(path)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
    engine.dispose()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO sync_client_state VALUES ('cursor:http://bureau', '9')")
    store = Store.open(path)
    assert store.schema_revision() == head_revision()
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    assert SyncBook(store).cursor("http://bureau") == 9
    bundled = load_rule_sets()
    body = json.loads((DEFAULT_RULES_DIR / "covid19_2023.json").read_text(encoding="utf-8"))
    body |= {"version": "2026.11", "effective_from": "2026-11-24"}
    published = PublishedRuleSet(
        id=1,
        rule_set_id="covid19",
        version="2026.11",
        effective_from=date(2026, 11, 24),
        disease="covid19",
        name_zh="COVID-19 疫苗",
        published_by="bureau",
        published_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        body=body,
    )
    got = take_published(store, bundled, [published], "http://bureau")
    assert got.added == ("covid19 2026.11",) and got.refused == ()
    store.close()
    # Reopened (a desk restarted offline): the downloaded version is in force from its day.
    store = Store.open(path)
    rules = desk_rules(store, bundled)
    store.close()
    assert rules.for_disease("covid19", date(2026, 11, 23)).version == "2023.05.2"
    assert rules.for_disease("covid19", date(2026, 11, 24)).version == "2026.11"
    # The very same tables and indexes as a desk that started at the newest revision.
    open_store(tmp_path, "new.db").close()
    assert schema(path) == schema(tmp_path / "new.db")

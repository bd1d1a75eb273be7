"""The durable print queue against the TCP printer emulator: order, outages, restarts, reprints."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from escpos_reader import decode_codes, raster_images, stacked

from printing.emulator import NetworkPrinterEmulator
from printing.errors import PrinterState, PrinterStatus
from printing.print_queue import DONE, DROPPED, WAITING, JobNotFoundError, PrintQueue, QueueMessage
from printing.printers import open_printer
from printing.ticket import TicketData

pytestmark = pytest.mark.hardware


def ticket(n: int) -> TicketData:
    return TicketData.build(
        site_name="臺南市立體育館",
        queue_number=f"A{n:03d}",
        printed_at=datetime(2026, 11, 22, 9, n % 60),
        product_label="AZ",
        dose_label="第2劑",
        name="陳大文",
        id_number="A123456789",
        checkin_id=f"checkin-{n:04d}",
    )


def scanned(job: bytes) -> str:
    """What the doctor's desk reads from a printed ticket."""
    [code] = decode_codes(stacked(raster_images(job)))
    return code


def make_queue(db: Path, emu: NetworkPrinterEmulator, **kw: object) -> PrintQueue:
    printer = open_printer(f"{emu.uri}?paper=58&timeout=2")
    return PrintQueue(db, printer, backoff_start=0.02, backoff_max=0.1, **kw)  # type: ignore[arg-type]


def test_jobs_arrive_whole_and_in_order(tmp_path: Path, emulator: NetworkPrinterEmulator) -> None:
    queue = make_queue(tmp_path / "desk.db", emulator)
    queue.start()
    try:
        for n in range(1, 6):
            queue.enqueue_ticket(ticket(n))
        assert queue.wait_idle(20)
    finally:
        queue.stop()
    jobs = emulator.wait_for_jobs(5)
    assert [scanned(j) for j in jobs] == [f"checkin-{n:04d}" for n in range(1, 6)]
    assert all(j.startswith(b"\x1b@") and j.rstrip(b"\x00").endswith(b"\x1dV\x01") for j in jobs)
    assert [j.state for j in queue.jobs()] == [DONE] * 5


def test_a_job_cut_off_mid_send_is_printed_again_whole(
    tmp_path: Path, emulator: NetworkPrinterEmulator
) -> None:
    queue = make_queue(tmp_path / "desk.db", emulator)
    emulator.drop_next_connection_after(4_000)
    queue.start()
    try:
        queue.enqueue_ticket(ticket(1))
        queue.enqueue_ticket(ticket(2))
        assert queue.wait_idle(20)
    finally:
        queue.stop()
    assert [r.whole for r in emulator.received if r.data][:1] == [False]
    jobs = emulator.wait_for_jobs(2)
    assert [scanned(j) for j in jobs] == ["checkin-0001", "checkin-0002"]
    first = queue.jobs()[0]
    assert first.attempts == 2 and first.state == DONE


def test_printer_off_for_a_while_then_waiting_tickets_print_in_order(
    tmp_path: Path, emulator: NetworkPrinterEmulator
) -> None:
    statuses: list[PrinterStatus] = []
    queue = make_queue(tmp_path / "desk.db", emulator, on_status=statuses.append)
    emulator.stop()
    queue.start()
    try:
        ids = [queue.enqueue_ticket(ticket(n)) for n in range(1, 4)]  # the desk keeps going
        assert len(ids) == 3 and queue.waiting_count() == 3
        assert not queue.wait_idle(0.5)
        assert queue.status.state is PrinterState.OFFLINE
        assert "拒絕連線" in queue.status.message_zh
        emulator.start()
        assert queue.wait_idle(20)
    finally:
        queue.stop()
    assert [scanned(j) for j in emulator.wait_for_jobs(3)] == [
        "checkin-0001",
        "checkin-0002",
        "checkin-0003",
    ]
    states = [s.state for s in statuses]
    assert PrinterState.OFFLINE in states and states[-1] is PrinterState.OK


def test_out_of_paper_is_shown_and_printing_resumes_after_a_new_roll(
    tmp_path: Path, emulator: NetworkPrinterEmulator
) -> None:
    queue = make_queue(tmp_path / "desk.db", emulator)
    emulator.paper_out = True
    queue.start()
    try:
        queue.enqueue_ticket(ticket(7))
        assert not queue.wait_idle(0.5)
        assert queue.status.state is PrinterState.OUT_OF_PAPER
        assert queue.status.waiting_jobs == 1
        emulator.paper_out = False
        assert queue.wait_idle(20)
    finally:
        queue.stop()
    assert [scanned(j) for j in emulator.jobs] == ["checkin-0007"]


def test_waiting_jobs_survive_a_restart(tmp_path: Path, emulator: NetworkPrinterEmulator) -> None:
    db = tmp_path / "desk.db"
    emulator.stop()
    first = make_queue(db, emulator)
    first.start()
    for n in (1, 2, 3):
        first.enqueue_ticket(ticket(n))
    first.stop()  # the desk program is closed while the printer is off
    assert emulator.jobs == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM print_jobs WHERE state = 'waiting'").fetchone()
    emulator.start()
    second = make_queue(db, emulator)
    second.start()
    try:
        assert second.wait_idle(20)
    finally:
        second.stop()
    assert [scanned(j) for j in emulator.wait_for_jobs(3)] == [
        "checkin-0001",
        "checkin-0002",
        "checkin-0003",
    ]


def test_old_jobs_are_dropped_with_a_message_when_so_configured(
    tmp_path: Path, emulator: NetworkPrinterEmulator
) -> None:
    now = [1_000_000.0]
    messages: list[QueueMessage] = []
    queue = make_queue(
        tmp_path / "desk.db",
        emulator,
        drop_after_minutes=10,
        on_message=messages.append,
        clock=lambda: now[0],
    )
    old = queue.enqueue_ticket(ticket(1))
    now[0] += 11 * 60
    fresh = queue.enqueue_ticket(ticket(2))
    queue.start()
    try:
        assert queue.wait_idle(20)
    finally:
        queue.stop()
    assert queue.job(old).state == DROPPED and queue.job(fresh).state == DONE
    assert [scanned(j) for j in emulator.jobs] == ["checkin-0002"]
    assert [m.job_id for m in messages] == [old]
    assert "A001" in messages[0].message_zh and "10 分鐘" in messages[0].message_zh
    assert "dropped" in messages[0].message_en


def test_reprint_by_job_id_and_by_checkin_id(
    tmp_path: Path, emulator: NetworkPrinterEmulator
) -> None:
    queue = make_queue(tmp_path / "desk.db", emulator)
    first = queue.enqueue_ticket(ticket(1))
    queue.enqueue_ticket(ticket(2))
    again = queue.reprint(job_id=first)
    by_checkin = queue.reprint(checkin_id="checkin-0002")
    assert queue.job(again).reprint_of == first
    assert [j.state for j in queue.jobs()] == [WAITING] * 4
    queue.start()
    try:
        assert queue.wait_idle(20)
    finally:
        queue.stop()
    assert queue.job(by_checkin).queue_number == "A002"
    assert [scanned(j) for j in emulator.wait_for_jobs(4)] == [
        "checkin-0001",
        "checkin-0002",
        "checkin-0001",
        "checkin-0002",
    ]
    with pytest.raises(JobNotFoundError) as info:
        queue.reprint(checkin_id="never-checked-in")
    assert "找不到" in info.value.message_zh


def test_a_job_that_cannot_be_rendered_does_not_block_the_others(
    tmp_path: Path, emulator: NetworkPrinterEmulator
) -> None:
    messages: list[QueueMessage] = []
    queue = make_queue(tmp_path / "desk.db", emulator, on_message=messages.append)
    broken = queue.enqueue("ticket", {"queue_number": "A999"})  # fields missing
    queue.enqueue_ticket(ticket(3))
    queue.start()
    try:
        assert queue.wait_idle(20)
    finally:
        queue.stop()
    assert queue.job(broken).state == "failed"
    assert [m.job_id for m in messages] == [broken]
    assert [scanned(j) for j in emulator.jobs] == ["checkin-0003"]


def test_the_queue_shares_the_desk_database_without_touching_other_tables(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE people (id TEXT)")
    queue = PrintQueue(db, open_printer("pdf:///nonexistent/x.pdf"))
    queue.enqueue_ticket(ticket(1))
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"people", "print_jobs"} <= tables

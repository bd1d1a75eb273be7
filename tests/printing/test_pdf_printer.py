"""pdf:// printers: a desk without a thermal printer gets each ticket as a small PDF."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from escpos_reader import decode_codes
from pdf_tools import pdf_png, pdf_text

from printing.print_queue import PrintQueue
from printing.printers import JOB_TEST_PAGE, open_printer
from printing.ticket import TicketData


def ticket() -> TicketData:
    return TicketData.build(
        site_name="永康國民運動中心",
        queue_number="C105",
        printed_at=datetime(2026, 11, 22, 14, 5),
        product_label="BNT",
        dose_label="追加劑",
        name="張志強",
        id_number="E123456780",
        checkin_id="c0ffee00-1111-4222-8333-444455556666",
    )


def test_ticket_pdf_has_the_text_and_a_scannable_code(tmp_path: Path) -> None:
    printer = open_printer(f"pdf://{tmp_path}/tickets")
    printer.print_job("ticket", ticket().to_json(), "ticket-C105")
    pdf = tmp_path / "tickets" / "ticket-C105.pdf"
    text = "".join(pdf_text(pdf).split())
    for expected in (
        "永康國民運動中心",
        "C105",
        "張○強",
        "E12****780",
        "追加劑",
        "2026-11-2214:05",
    ):
        assert expected in text
    assert "E123456780" not in text
    img = pdf_png(pdf, tmp_path / "t", dpi=200)
    assert img.width < img.height  # a receipt-shaped page
    assert decode_codes(img) == ["c0ffee00-1111-4222-8333-444455556666"]


def test_print_queue_writes_pdfs_in_order(tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "desk.db", open_printer(f"pdf://{tmp_path}/out"))
    queue.enqueue_ticket(ticket())
    queue.enqueue(JOB_TEST_PAGE, {}, name="test-page")
    queue.start()
    try:
        assert queue.wait_idle(20)
    finally:
        queue.stop()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "test-page.pdf",
        "ticket-C105.pdf",
    ]
    assert "印表機測試" in pdf_text(tmp_path / "out" / "test-page.pdf")


def test_pdf_path_naming_a_file_is_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "last-ticket.pdf"
    printer = open_printer(f"pdf://{target}")
    printer.print_job("ticket", ticket().to_json(), "ticket-C105")
    printer.print_job("ticket", {**ticket().to_json(), "queue_number": "C106"}, "ticket-C106")
    assert "C106" in pdf_text(target)
    assert [p.name for p in tmp_path.iterdir()] == ["last-ticket.pdf"]

"""`vaxdesk print ...` and `vaxdesk printers test` end to end, through the real CLI entry."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
from escpos_reader import decode_codes, raster_images, stacked
from pdf_tools import pdf_pages, pdf_text

from printing.emulator import NetworkPrinterEmulator
from vaccination.ids import make_national_id
from vaccination.models import Booking, Person
from vaxdesk.cli import main


def test_ticket_to_a_network_printer(emulator: NetworkPrinterEmulator) -> None:
    rc = main(
        ["print", "ticket", "--queue", "A028", "--site", "臺南市立體育館", "--name", "王小明",
         "--id", "A123456789", "--product", "CoV_AZ", "--dose", "第2劑",
         "--checkin-id", "ck-28", "--printer", f"{emulator.uri}?paper=58"]
    )  # fmt: skip
    assert rc == 0
    [job] = emulator.wait_for_jobs(1)
    assert decode_codes(stacked(raster_images(job))) == ["ck-28"]


def test_ticket_in_text_mode_prints_the_product_name(emulator: NetworkPrinterEmulator) -> None:
    rc = main(
        ["print", "ticket", "--queue", "A029", "--site", "臺南", "--product", "CoV_AZ",
         "--printer", f"{emulator.uri}?mode=text&profile=TM-T88V"]
    )  # fmt: skip
    assert rc == 0
    [job] = emulator.wait_for_jobs(1)
    assert b"A029" in job and "臺南".encode("cp950") in job


def test_printer_errors_are_one_bilingual_line(
    emulator: NetworkPrinterEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.stop()
    rc = main(["printers", "test", emulator.uri])
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1
    assert "拒絕連線" in err and "refused" in err and "Traceback" not in err


def test_printer_test_page(emulator: NetworkPrinterEmulator) -> None:
    assert main(["printers", "test", emulator.uri]) == 0
    [job] = emulator.wait_for_jobs(1)
    assert decode_codes(stacked(raster_images(job))) == ["VAXDESK-TEST"]


def test_consent_form_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "consent.pdf"
    rc = main(
        ["print", "consent", "--name", "王小明", "--id", "a123456789", "--birth", "35/04/11",
         "--product", "CoV_Moderna", "--dose", "第2劑", "--queue", "A028", "--site", "臺南",
         "--date", "2026-11-22", "--out", str(out)]
    )  # fmt: skip
    assert rc == 0
    text = "".join(pdf_text(out).split())
    assert "A123456789" in text and "民國35年4月11日" in text and "心肌炎" in text


def test_consent_with_a_bad_birth_date_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        ["print", "consent", "--name", "王小明", "--id", "A123456789", "--birth", "35/13/40",
         "--product", "CoV_AZ", "--dose", "第1劑", "--out", "/tmp/never.pdf"]
    )  # fmt: skip
    assert rc == 2
    assert "出生日期" in capsys.readouterr().err


def _store_with_roster(path: Path, day: date) -> None:
    from store_fixtures import Entry

    from station_app.store import Store

    entries = []
    for n in range(40):
        id_number = make_national_id("B", 1 + n % 2, 2_000_000 + n)
        slot = time(8 + n // 20, 0)
        entries.append(
            Entry(
                Person(id_number, f"測試{n:02d}", date(1970, 1, 1), f"0933{n:06d}"),
                Booking(id_number, "永康國民運動中心", datetime.combine(day, slot), "CoV_BNT", 1,
                        dose_label="第1劑", row_number=n + 1),
            )
        )  # fmt: skip
    with Store.open(path) as store:
        store.import_entries(entries)


def test_roster_from_the_desk_store(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    day = date(2026, 11, 23)
    _store_with_roster(db, day)
    out = tmp_path / "roster.pdf"
    assert main(["print", "roster", "--db", str(db), "--date", "115/11/23", "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "永康國民運動中心" in text and "測試00" in text and "測試39" in text
    assert (
        "B12****" in text and "B22****" in text and make_national_id("B", 1, 2_000_000) not in text
    )
    assert pdf_pages(out) == 3  # 40 people on two pages + totals


def test_roster_from_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["print", "roster", "--db", str(tmp_path / "no.db"), "--date", "2026-11-23",
               "--out", str(tmp_path / "r.pdf")])  # fmt: skip
    assert rc == 2
    assert "找不到資料庫" in capsys.readouterr().err


def test_roster_from_a_roster_file(tmp_path: Path) -> None:
    from vaccination.demo_roster import write_demo_roster

    day = date(2026, 11, 23)
    source = tmp_path / "bookings.csv"
    write_demo_roster(source, 120, day, encoding="cp950", seed=3)
    out = tmp_path / "roster.pdf"
    assert main(["print", "roster", "--roster", str(source), "--date", "2026-11-23",
                 "--out", str(out)]) == 0  # fmt: skip
    text = pdf_text(out)
    flat = "".join(text.split())
    assert "2026-11-23" in flat and "第1頁/共" in flat and "全部" in flat
    assert re.search(r"[A-Z][12]\d\*{4}\d{3}", text)
    assert not re.search(r"\b[A-Z][12]\d{8}\b", text)  # no full ID number anywhere


def test_short_consent_to_a_receipt_printer(emulator: NetworkPrinterEmulator) -> None:
    rc = main(
        ["print", "consent", "--name", "王小明", "--id", "A123456789", "--product", "CoV_AZ",
         "--dose", "第1劑", "--queue", "A030", "--printer", f"{emulator.uri}?mode=text"]
    )  # fmt: skip
    assert rc == 0
    [job] = emulator.wait_for_jobs(1)
    assert "接種前評估".encode("cp950") in job and b"A12****789" in job
    assert b"A123456789" not in job


def test_reprint_from_the_desk_queue(tmp_path: Path, emulator: NetworkPrinterEmulator) -> None:
    from printing.print_queue import PrintQueue
    from printing.ticket import TicketData

    db = tmp_path / "desk.db"
    desk = PrintQueue(db, None)  # the desk stored the ticket (its printer was off)
    ticket = TicketData.build(
        site_name="臺南", queue_number="A031", printed_at=datetime(2026, 11, 22, 10, 0),
        product_label="AZ", dose_label="第1劑", name="王小明", id_number="A123456789",
        checkin_id="ck-31",
    )  # fmt: skip
    desk.enqueue_ticket(ticket)
    assert main(["print", "reprint", "--db", str(db), "--checkin", "ck-31"]) == 0
    assert [j.reprint_of for j in desk.jobs()] == [None, 1]
    assert main(["print", "reprint", "--db", str(db), "--job", "1", "--printer", emulator.uri]) == 0
    [job] = emulator.wait_for_jobs(1)
    assert decode_codes(stacked(raster_images(job))) == ["ck-31"]
    desk.close()


def test_reprint_of_an_unknown_checkin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from printing.print_queue import PrintQueue

    PrintQueue(tmp_path / "desk.db", None).close()
    rc = main(["print", "reprint", "--db", str(tmp_path / "desk.db"), "--checkin", "nobody"])
    assert rc == 2
    assert "找不到列印紀錄" in capsys.readouterr().err

"""The roster printout (列印清單): columns, masking, order, paging and totals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pdf_tools import pdf_pages, pdf_png, pdf_text
from roster_rows import DAY, SITE, roster_rows

from printing.roster_pdf import PlainRosterRow, mask_phone, render_roster_pdf


@pytest.fixture(scope="module")
def big_roster(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:  # type: ignore[type-arg]
    rows = roster_rows(2500)
    path = tmp_path_factory.mktemp("roster") / "roster.pdf"
    path.write_bytes(render_roster_pdf(rows, SITE, DAY))
    return path, rows


def test_every_page_has_site_date_header_row_and_page_number(big_roster: tuple) -> None:  # type: ignore[type-arg]
    path, _ = big_roster
    total = pdf_pages(path)
    assert 60 < total < 100  # landscape A4, ~33 people a page, plus the totals page
    for page in (1, total // 2, total - 1):
        text = pdf_text(path, page, page)
        assert SITE in text and "115/11/22" in text and "2026-11-22" in text
        for column in ("序號", "姓名", "身分證字號", "出生年月日", "電話", "接種期別"):
            assert column in text
        for column in ("已接種疫苗", "接種時間", "接種疫苗", "報到號碼", "已報到", "已接種"):
            assert column in text
        assert "醫生不同意" in text
        assert f"第 {page} 頁 / 共 {total} 頁" in text


def test_ids_and_phones_are_masked(big_roster: tuple) -> None:  # type: ignore[type-arg]
    path, rows = big_roster
    text = pdf_text(path, 1, 3)
    assert not any(r.id_number in text for r in rows)
    assert re.search(r"D[12]\d\*{4}\d{3}", text)
    assert re.search(r"09\d\d\*{3}\d{3}", text)
    assert mask_phone("0912345678") == "0912***678"


def test_people_are_ordered_by_slot_then_row_number_with_slot_headings(big_roster: tuple) -> None:  # type: ignore[type-arg]
    path, _ = big_roster
    text = pdf_text(path)
    numbers = [int(m) for m in re.findall(r"^\s*(\d{1,4})\s+\S+\s+D[12]", text, re.M)]
    assert numbers == list(range(1, 2501))
    headings = re.findall(r"接種時間 (\d\d:\d\d)（(\d+) 人）(（續）)?", text)
    first_of_slot = [(t, n) for t, n, cont in headings if not cont]
    assert first_of_slot[0] == ("08:00", "160") and first_of_slot[1] == ("08:30", "160")
    assert len(first_of_slot) == 16
    assert any(cont for _, _, cont in headings)  # a slot running onto the next page


def test_totals_at_the_end(big_roster: tuple) -> None:  # type: ignore[type-arg]
    path, rows = big_roster
    total = pdf_pages(path)
    text = "".join(pdf_text(path, total, total).split())
    assert "全部2500人" in text
    assert f"已報到{sum(r.checked_in for r in rows)}人" in text
    assert f"已接種{sum(r.vaccinated for r in rows)}人" in text
    assert f"醫生不同意{sum(r.doctor_not_approved for r in rows)}人" in text
    assert f"CoV_AZ{sum(r.product == 'CoV_AZ' for r in rows)}人" in text


def test_ticks_are_drawn_for_known_states(big_roster: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    path, _ = big_roster
    img = pdf_png(path, tmp_path / "p1", dpi=50).convert("L")
    assert img.width > img.height  # landscape
    box_columns = img.crop((int(img.width * 0.86), 60, img.width - 20, img.height - 40))
    assert sum(box_columns.histogram()[:128]) > 500


def test_plain_rows_from_a_roster_file_print_with_empty_boxes(tmp_path: Path) -> None:
    row = PlainRosterRow(
        row_number=1,
        masked_id="A12****789",
        name="歐陽小明",
        birth_date=None,
        phone=None,
        dose_label="第1劑",
        history_text="",
        slot_start=roster_rows(1)[0].slot_start,
        product="CoV_Moderna",
    )
    path = tmp_path / "r.pdf"
    path.write_bytes(render_roster_pdf([row], SITE, DAY))
    text = pdf_text(path)
    assert "歐陽小明" in text and "A12****789" in text
    assert pdf_pages(path) == 2


def test_an_empty_day_still_prints_a_header_and_zero_totals(tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    path.write_bytes(render_roster_pdf([], SITE, DAY))
    assert "全部0人" in "".join(pdf_text(path).split())

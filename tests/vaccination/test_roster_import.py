"""Roster import from real files: encodings, Excel, broken and foreign files, row verdicts."""

from __future__ import annotations

import csv
import gc
import io
import random
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from vaccination.ids import check_recorded_id, make_national_id, mask_id
from vaccination.models import IdKind, Person
from vaccination.roster_import import (
    ImportReport,
    RowError,
    booking_identity,
    read_roster,
    validate_walk_in,
)
from vaccination.rules import RuleSetRegistry, load_rule_sets

TAINAN = [
    "序號", "姓名", "身分證字號", "出生年月日", "電話", "接種期別", "已接種疫苗", "接種地點",
    "接種時間", "接種疫苗", "已報到", "報到時間", "報到號碼", "醫生不同意",
]  # fmt: skip
SITE = "台南都會公園"


def pid(n: int, sex: int = 1) -> str:
    return make_national_id("A", sex, 2_000_000 + n)


def tainan_row(
    n: int,
    *,
    name: str = "王小明",
    id_number: str | None = None,
    birth: str = "0350411",
    phone: str = "0912345678",
    dose: str = "1",
    history: str = "",
    site: str = SITE,
    slot: str = "2021-08-01 08:00",
    product: str = "CoV_AZ",
) -> list[str]:
    id_text = pid(n) if id_number is None else id_number
    return [
        str(n), name, id_text, birth, phone, dose, history, site, slot, product, "", "", "", "",
    ]  # fmt: skip


def write_csv(
    path: Path, rows: Sequence[Sequence[str]], encoding: str = "utf-8-sig", delimiter: str = ","
) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture(scope="module")
def rules() -> RuleSetRegistry:
    return load_rule_sets()


def accounted(report: ImportReport) -> bool:
    """Every data row ends up in exactly one place of the report."""
    return report.total_rows == (
        len(report.rows)
        + len(report.rejected)
        + report.blank_rows
        + report.duplicate_rows
        + report.repeated_headers
    )


def rejected_by_row(report: ImportReport) -> dict[int, str]:
    return {r.row_number: r.code for r in report.rejected}


# -- encodings and file formats ----------------------------------------------------------


def test_big5_roster_with_title_line(tmp_path: Path, rules: RuleSetRegistry) -> None:
    rows = [
        ["台南 COVID-19 疫苗接種預約系統"],
        TAINAN,
        tainan_row(1, name="陳淑芬", history="AZ 110/06/15"),
        tainan_row(2, name="林志明", product="莫德納", dose="第2劑", history="莫德納 2021/7/1"),
    ]
    path = write_csv(tmp_path / "big5.csv", rows, encoding="cp950")
    assert "陳淑芬".encode("cp950") in path.read_bytes()  # really Big5 on disk

    report = read_roster(path, rules)

    assert report.fatal_error is None
    assert report.encoding == "cp950"
    assert report.header_row == 2
    assert [e.person.name for e in report.rows] == ["陳淑芬", "林志明"]
    first, second = report.rows
    assert first.booking.row_number == 3 and second.booking.row_number == 4
    assert first.booking.site == SITE
    assert first.booking.slot_start == datetime(2021, 8, 1, 8, 0)
    assert first.person.birth_date == date(1946, 4, 11)
    assert [(d.product, d.given_on) for d in first.history] == [("CoV_AZ", date(2021, 6, 15))]
    assert (second.booking.product, second.booking.dose) == ("CoV_Moderna", 2)
    assert second.booking.dose_label == "第2劑"
    assert report.unknown_columns == []
    assert "已報到" in report.ignored_columns
    assert accounted(report)


@pytest.mark.parametrize(("encoding", "reported"), [("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")])
def test_utf8_with_and_without_bom(
    tmp_path: Path, rules: RuleSetRegistry, encoding: str, reported: str
) -> None:
    path = write_csv(tmp_path / "r.csv", [TAINAN, tainan_row(1, name="歐陽娜娜")], encoding)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    report = read_roster(path, rules)
    assert report.encoding == reported
    assert report.columns["name"] == "姓名"
    assert "序號" in report.ignored_columns  # the BOM is not glued to the first header
    assert [e.person.name for e in report.rows] == ["歐陽娜娜"]


def test_tab_separated_utf16_from_excel_unicode_text(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter="\t", lineterminator="\r\n").writerows(
        [TAINAN, tainan_row(1, name="張三")]
    )
    path = tmp_path / "unicode.txt"
    path.write_bytes(buf.getvalue().encode("utf-16"))
    report = read_roster(path, rules)
    assert (report.encoding, report.format) == ("utf-16", "tsv")
    assert [e.person.name for e in report.rows] == ["張三"]


def test_xlsx_with_excel_types_and_blank_rows(tmp_path: Path, rules: RuleSetRegistry) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名冊"
    ws.append(
        ["姓名", "身分證字號", "出生年月日", "電話", "接種期別", "接種地點", "接種時間", "接種疫苗"]
    )
    ws.append(
        [
            "王小明",
            pid(1),
            datetime(1946, 4, 11),
            912345678,
            1,
            SITE,
            datetime(2026, 11, 23, 9),
            "AZ",
        ]
    )
    ws.append([])  # a blank row in the middle: Excel row 3
    ws.append(["李小華", pid(2, 2), 350411, "0922333444", "第2劑", SITE, "2026-11-23 13:30", "BNT"])
    ws.append(["壞資料", pid(3), "0351341", "", 1, SITE, "2026-11-23 13:30", "BNT"])
    path = tmp_path / "roster.xlsx"
    wb.save(path)

    report = read_roster(path, rules)

    assert (report.encoding, report.format, report.sheet_name) == ("xlsx", "xlsx", "名冊")
    wang, li = report.rows
    assert wang.booking.row_number == 2 and li.booking.row_number == 4
    assert wang.person.birth_date == date(1946, 4, 11)
    assert wang.person.phone == "0912345678"  # Excel dropped the leading zero
    assert wang.booking.slot_start == datetime(2026, 11, 23, 9, 0)
    assert li.person.birth_date == date(1946, 4, 11)  # 350411: the 7-digit ROC date lost its 0
    assert (li.booking.product, li.booking.dose) == ("CoV_BNT", 2)
    assert report.blank_rows == 1
    assert rejected_by_row(report) == {5: "BAD_BIRTH_DATE"}
    assert accounted(report)


def test_big5_file_with_a_broken_byte_rejects_only_that_row(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    good = write_csv(
        tmp_path / "ok.csv",
        [
            TAINAN,
            tainan_row(1, name="陳一"),
            tainan_row(2, name="陳二"),
            tainan_row(3, name="陳三"),
        ],
        encoding="cp950",
    ).read_bytes()
    name2 = "陳二".encode("cp950")
    broken = good.replace(name2, name2[:2] + b"\x80\x80")  # 0x80 is no Big5 lead byte
    path = tmp_path / "broken.csv"
    path.write_bytes(broken)

    report = read_roster(path, rules)

    assert report.fatal_error is None
    assert report.encoding == "cp950"
    assert [e.person.name for e in report.rows] == ["陳一", "陳三"]
    (bad,) = report.rejected
    assert bad.row_number == 3 and bad.code == "BAD_BYTES"
    offset = broken.index(b"\x80\x80")
    assert "0x80" in bad.reason_zh and "第 3 行" in bad.reason_zh
    assert f"byte offset {offset}" in bad.reason_en and "Big5" in bad.reason_en


def test_broken_byte_in_the_title_line_does_not_shift_the_row_reasons(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    data = write_csv(
        tmp_path / "ok.csv",
        [["疫苗接種名冊"], TAINAN, tainan_row(1, name="陳一"), tainan_row(2, name="陳二")],
        encoding="cp950",
    ).read_bytes()
    title, name2 = "名冊".encode("cp950"), "陳二".encode("cp950")
    broken = data.replace(title, title[:2] + b"\x80\x80").replace(name2, name2[:2] + b"\xff\x30")
    path = tmp_path / "broken.csv"
    path.write_bytes(broken)
    report = read_roster(path, rules)
    assert [e.person.name for e in report.rows] == ["陳一"]
    (bad,) = report.rejected
    assert bad.row_number == 4 and "line 4" in bad.reason_en and "0xFF" in bad.reason_en


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    return buf.getvalue()


def _truncated_xlsx() -> bytes:
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(TAINAN)
    wb.save(buf)
    return buf.getvalue()[:1500]


def _docx_like() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "in_zh", "in_en"),
    [
        ("roster.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "PDF", "PDF"),
        ("empty.csv", b"", "空的", "empty"),
        ("blank.csv", b"\xef\xbb\xbf\r\n  \r\n", "空的", "empty"),
        ("noise.bin", random.Random(7).randbytes(4096), "不是", "not a"),
        (
            "noise_no_nul.csv",
            bytes(b for b in random.Random(8).randbytes(6000) if b),
            "不是",
            "not a",
        ),
        ("photo.png", _png_bytes(), "PNG", "PNG image"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ".xls", ".xls"),
        ("cut.xlsx", _truncated_xlsx(), "損壞的活頁簿", "damaged workbook"),
        ("letter.docx", _docx_like(), "不是可讀的 Excel", "not a readable Excel workbook"),
        (
            "letter.txt",
            "親愛的同仁：明天的接種站請提早到。\n謝謝\n".encode(),
            "標題列",
            "header row",
        ),
    ],
)
def test_not_a_roster_is_one_clear_fatal_error(
    tmp_path: Path, rules: RuleSetRegistry, name: str, content: bytes, in_zh: str, in_en: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = read_roster(path, rules)
    assert report.rows == [] and report.rejected == []
    assert report.fatal_error is not None
    zh, en = report.fatal_error.split(" / ", 1)
    assert in_zh in zh and in_en in en
    assert "Traceback" not in report.fatal_error


def test_missing_file_is_a_fatal_error_not_an_exception(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    report = read_roster(tmp_path / "nope.csv", rules)
    assert report.fatal_code == "not_found"
    assert "找不到檔案" in (report.fatal_error or "")


# -- headers ------------------------------------------------------------------------------


def test_full_width_and_stray_spaces_in_headers_and_cells(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    header = [
        " 姓名",
        "＊身分證字號　",
        "出生年月日(民國)",
        "電話 ",
        "接種期別",
        "接種地點",
        "接種時間",
        "接種疫苗",
    ]
    full_width_id = pid(1).translate(str.maketrans("A0123456789", "Ａ０１２３４５６７８９"))
    row = [" 王 小明 ", f"  {full_width_id} ", " ０３５０４１１ ", " 0912-345-678 ", " 第２劑 ",
           f" {SITE}  ", " 2021-08-01　08:00 ", "  ＡＺ "]  # fmt: skip
    report = read_roster(write_csv(tmp_path / "r.csv", [header, row]), rules)
    (entry,) = report.rows
    assert entry.person == Person(pid(1), "王小明", date(1946, 4, 11), "0912345678")
    assert entry.booking.id_number == pid(1)
    assert (entry.booking.site, entry.booking.product, entry.booking.dose) == (SITE, "CoV_AZ", 2)
    assert entry.booking.slot_start == datetime(2021, 8, 1, 8, 0)


def test_unknown_columns_are_reported_not_fatal(tmp_path: Path, rules: RuleSetRegistry) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [[*TAINAN, "里別", "Favourite colour"], [*tainan_row(1), "東區", "blue"]],
    )
    report = read_roster(path, rules)
    assert report.fatal_error is None
    assert report.unknown_columns == ["里別", "Favourite colour"]
    assert len(report.rows) == 1
    assert "未知欄位：里別" in report.summary()


def test_english_headers(tmp_path: Path, rules: RuleSetRegistry) -> None:
    header = [
        "Name",
        "Passport Number",
        "birth_date",
        "phone",
        "dose",
        "history",
        "site",
        "slot",
        "product",
    ]
    row = ["Anna Schmidt", "X98765432", "1980-02-03", "", "2", "BNT 2021-06-01", SITE,
           "2021-08-01 08:00", "CoV_BNT"]  # fmt: skip
    report = read_roster(write_csv(tmp_path / "en.csv", [header, row]), rules)
    (entry,) = report.rows
    assert entry.person.id_number == "X98765432"  # a passport number: accepted, unchecked
    assert entry.person.phone is None
    assert entry.booking.dose == 2


@pytest.mark.parametrize("value", ["A12345678", "A1234567890", "A12345678X", "TK1234567"])
def test_an_id_column_never_takes_a_passport_number(
    tmp_path: Path, rules: RuleSetRegistry, value: str
) -> None:
    """Issue 16: "a roster row with such a value in the 身分證字號 column is imported as a
    passport holder". A passport number is accepted only in a passport column."""
    header = ["姓名", "身分證字號", "接種期別", "接種地點", "接種時間", "接種疫苗"]
    row = ["Anna Schmidt", value, "1", SITE, "2023-06-05 09:00", "CoV_BNT"]
    report = read_roster(write_csv(tmp_path / "r.csv", [header, row]), rules)
    assert report.rows == []
    (rejected,) = report.rejected
    assert rejected.code == "INVALID_ID"
    assert value not in rejected.raw.values()  # masked


def test_a_passport_column_beside_the_id_column(tmp_path: Path, rules: RuleSetRegistry) -> None:
    header = ["姓名", "身分證字號", "護照號碼", "接種期別", "接種地點", "接種時間", "接種疫苗"]
    rows = [
        header,
        ["王小明", pid(1), "", "1", SITE, "2023-06-05 09:00", "CoV_BNT"],
        ["Anna Schmidt", "", "A12345678", "1", SITE, "2023-06-05 09:00", "CoV_BNT"],
        ["John Smith", "", "A12-345", "1", SITE, "2023-06-05 09:00", "CoV_BNT"],
    ]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    assert [e.person.id_number for e in report.rows] == [pid(1), "A12345678"]
    assert check_recorded_id("A12345678").kind is IdKind.PASSPORT
    (rejected,) = report.rejected
    assert rejected.code == "INVALID_ID" and rejected.reason_zh.startswith("身分證字號")
    assert rejected.raw["護照號碼"] == mask_id("A12-345")


def test_an_onset_date_column_is_read_beside_the_confirmation_date(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    """Seed 001 附件13: "曾確診為新冠病毒感染者,可自發病日或確診日起3個月後,再接種"."""
    header = ["姓名", "身分證字號", "接種期別", "接種地點", "接種時間", "接種疫苗", "確診日期",
              "發病日期"]  # fmt: skip
    row = ["王小明", pid(1), "3", SITE, "2023-06-05 09:00", "CoV_BNT", "2023-03-20", "112/03/15"]
    report = read_roster(write_csv(tmp_path / "r.csv", [header, row]), rules)
    (entry,) = report.rows
    assert entry.infection_date == date(2023, 3, 20)
    assert entry.infection_onset_date == date(2023, 3, 15)


def test_missing_required_columns_is_one_fatal_error(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    header = ["姓名", "身分證字號", "出生年月日", "電話", "接種地點"]
    path = write_csv(tmp_path / "r.csv", [header, ["王小明", pid(1), "0350411", "", SITE]])
    report = read_roster(path, rules)
    assert report.fatal_code == "missing_columns"
    assert report.rows == [] and report.rejected == []
    zh, en = (report.fatal_error or "").split(" / ", 1)
    assert "接種時間" in zh and "接種疫苗" in zh and "接種期別" in zh
    assert "slot" in en and "product" in en and "dose" in en


def test_taichung_export_without_id_column_names_the_missing_column(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    header = [
        "行政區",
        "管轄單位",
        "機構名稱",
        "姓名",
        "預約施打日期與時間",
        "預約疫苗種類",
        "劑別",
    ]
    row = ["沙鹿區", "臺中市沙鹿區衛生所", "小太陽小兒科診所", "呂", "2023-06-05 08:00-09:00",
           "莫德納次世代BA.4/5", "追加劑"]  # fmt: skip
    report = read_roster(write_csv(tmp_path / "tc.csv", [header, row], "cp950"), rules)
    assert report.fatal_code == "missing_columns"
    assert "身分證字號" in (report.fatal_error or "")
    assert "id_number" in (report.fatal_error or "")


def test_taichung_layout_with_id_column(tmp_path: Path, rules: RuleSetRegistry) -> None:
    header = [
        "行政區",
        "管轄單位",
        "機構名稱",
        "姓名",
        "身分證字號",
        "預約施打日期與時間",
        "預約疫苗種類",
        "劑別",
    ]
    rows = [
        header,
        ["沙鹿區", "臺中市沙鹿區衛生所", "小太陽小兒科診所", "呂美玲", pid(1, 2),
         "2023-06-05 08:00-09:00", "莫德納次世代BA.4/5", "追加劑"],
        ["西區", "臺中市西區衛生所", "吳東洵小兒科診所", "莊志明", pid(2),
         "2023-06-05 08:30 - 09:30", "BNT-成人", "追加劑第二劑"],
    ]  # fmt: skip
    report = read_roster(write_csv(tmp_path / "tc.csv", rows, "cp950"), rules)
    assert report.fatal_error is None and report.unknown_columns == []
    first, second = report.rows
    assert first.booking.site == "小太陽小兒科診所"
    assert (first.booking.product, first.booking.dose) == ("CoV_Moderna_BA45", 3)
    assert first.booking.slot_start == datetime(2023, 6, 5, 8, 0)
    assert first.booking.slot_end == datetime(2023, 6, 5, 9, 0)
    assert (second.booking.product, second.booking.dose) == ("CoV_BNT", 4)
    assert second.booking.slot_end == datetime(2023, 6, 5, 9, 30)
    assert first.person.birth_date is None  # no birth-date column: the desk shows AGE_UNKNOWN


def test_two_columns_for_one_field_is_fatal(tmp_path: Path, rules: RuleSetRegistry) -> None:
    header = [*TAINAN, "預約施打日期與時間"]
    report = read_roster(write_csv(tmp_path / "r.csv", [header, [*tainan_row(1), "x"]]), rules)
    assert report.fatal_code == "duplicate_column"
    assert "接種時間" in (report.fatal_error or "") and "預約施打日期與時間" in (
        report.fatal_error or ""
    )


def test_date_column_and_time_only_slot(tmp_path: Path, rules: RuleSetRegistry) -> None:
    header = ["姓名", "身分證字號", "接種日期", "接種時間", "接種地點", "疫苗", "劑次"]
    rows = [header, ["王小明", pid(1), "115/11/23", "13:30-14:30", SITE, "Moderna", "1"]]
    (entry,) = read_roster(write_csv(tmp_path / "r.csv", rows), rules).rows
    assert entry.booking.slot_start == datetime(2026, 11, 23, 13, 30)
    assert entry.booking.slot_end == datetime(2026, 11, 23, 14, 30)


def test_default_site_for_a_list_without_site_column(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    header = ["姓名", "身分證字號", "接種時間", "疫苗", "劑次"]
    path = write_csv(
        tmp_path / "r.csv", [header, ["王小明", pid(1), "2026-11-23 09:00", "流感", "1"]]
    )
    assert read_roster(path, rules).fatal_code == "missing_columns"
    report = read_roster(path, rules, default_site="王診所")
    (entry,) = report.rows
    assert (entry.booking.site, entry.booking.product) == ("王診所", "Flu")


# -- row verdicts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "in_zh", "in_en"),
    [
        ({"id_number": "A123456780"}, "INVALID_ID", "檢查碼不符", "Checksum mismatch"),
        ({"id_number": ""}, "ID_MISSING", "身分證字號是空白的", "ID number is empty"),
        ({"name": " "}, "NAME_MISSING", "姓名", "name is empty"),
        ({"birth": "0351341"}, "BAD_BIRTH_DATE", "沒有 13 月", "no month 13"),
        ({"birth": "1200101"}, "BIRTH_AFTER_SLOT", "在接種日之後", "after the slot day"),
        ({"product": "XBB新冠疫苗"}, "UNKNOWN_PRODUCT", "XBB新冠疫苗", "unknown vaccine"),
        ({"slot": "明天早上"}, "BAD_SLOT", "明天早上", "not a slot"),
        ({"slot": "2021-08-01"}, "BAD_SLOT", "沒有時段", "no time"),
        ({"slot": "2021-08-01 25:00"}, "BAD_SLOT", "25:00", "no time 25:00"),
        ({"slot": "2021-08-01 09:00-08:00"}, "BAD_SLOT", "結束時間", "ends before"),
        ({"dose": "第幾劑"}, "BAD_DOSE", "第幾劑", "unreadable dose label"),
        ({"dose": ""}, "DOSE_MISSING", "劑別", "dose is empty"),
        ({"site": ""}, "SITE_MISSING", "接種地點", "site is empty"),
        ({"history": "AZ 2021/13/01"}, "BAD_HISTORY", "AZ 2021/13/01", "unreadable date"),
        ({"history": "某疫苗 2021/03/01"}, "BAD_HISTORY", "某疫苗", "unknown vaccine"),
    ],
)
def test_each_rejected_row_has_its_row_number_and_reason(
    tmp_path: Path,
    rules: RuleSetRegistry,
    changes: dict[str, str],
    code: str,
    in_zh: str,
    in_en: str,
) -> None:
    rows = [TAINAN, tainan_row(1), tainan_row(2, **changes), tainan_row(3)]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    assert [e.booking.row_number for e in report.rows] == [2, 4]
    (bad,) = report.rejected
    assert (bad.row_number, bad.code) == (3, code)
    assert in_zh in bad.reason_zh
    assert in_en in bad.reason_en
    assert bad.raw["姓名"] == rows[2][1].strip()
    assert accounted(report)


def test_all_problems_of_a_row_are_listed_and_the_id_is_masked(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    rows = [TAINAN, tainan_row(1, id_number="A123456780", product="XYZ", dose="?")]
    (bad,) = read_roster(write_csv(tmp_path / "r.csv", rows), rules).rejected
    assert bad.reason_zh.count("；") == 2
    assert all(s in bad.reason_en for s in ("Checksum", "unknown vaccine", "unreadable dose"))
    assert "。；" not in bad.reason_zh
    assert bad.raw["身分證字號"] == "A12****780"
    assert "A123456780" not in bad.reason


def test_infection_and_other_vaccine_dates(tmp_path: Path, rules: RuleSetRegistry) -> None:
    header = [*TAINAN, "確診日期", "其他疫苗接種日"]
    rows = [
        header,
        [*tainan_row(1), "2021/07/01", "110/07/20"],
        [*tainan_row(2), "", ""],
        [*tainan_row(3), "昨天", ""],
    ]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    first, second = report.rows
    assert (first.infection_date, first.other_vaccine_date) == (date(2021, 7, 1), date(2021, 7, 20))
    assert (second.infection_date, second.other_vaccine_date) == (None, None)
    assert rejected_by_row(report) == {4: "BAD_INFECTION_DATE"}


def test_fully_blank_rows_are_skipped_and_counted_only(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    rows = [
        TAINAN,
        tainan_row(1),
        [""] * 14,
        [],
        ["  ", "　"],
        tainan_row(2),
        ["", "", "", "", "", "", "", "", "", "", "", "", "", "x"],
    ]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    assert report.blank_rows == 3
    assert [e.booking.row_number for e in report.rows] == [2, 6]
    assert rejected_by_row(report)[7] == "ID_MISSING"  # not blank: one cell has text
    assert accounted(report)


def test_repeated_header_and_page_title_inside_the_data(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    rows = [TAINAN, tainan_row(1), ["台南 COVID-19 疫苗接種預約系統"], TAINAN, tainan_row(2)]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    assert [e.booking.row_number for e in report.rows] == [2, 5]
    assert report.repeated_headers == 1
    assert [(n.row_number, n.code) for n in report.notes] == [(4, "REPEATED_HEADER")]
    assert rejected_by_row(report) == {3: "ID_MISSING"}  # a page title is shown, not hidden
    assert accounted(report)


def test_xlsx_takes_the_sheet_with_the_roster(tmp_path: Path, rules: RuleSetRegistry) -> None:
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "說明"
    cover.append(["本名冊由衛生所提供"])
    ws = wb.create_sheet("名單")
    ws.append(TAINAN)
    ws.append(tainan_row(1))
    wb.save(tmp_path / "two.xlsx")
    report = read_roster(tmp_path / "two.xlsx", rules)
    assert report.sheet_name == "名單" and len(report.rows) == 1


def test_unusual_phone_is_kept_with_a_note(tmp_path: Path, rules: RuleSetRegistry) -> None:
    rows = [TAINAN, tainan_row(1, phone="請打市話"), tainan_row(2, phone="06-2345678#12")]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    assert [e.person.phone for e in report.rows] == ["請打市話", "062345678#12"]
    assert [(n.row_number, n.code) for n in report.notes] == [(2, "PHONE_UNUSUAL")]


# -- duplicates and idempotency -------------------------------------------------------------


def test_same_person_booked_twice_is_one_person_with_two_flagged_bookings(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    rows = [
        TAINAN,
        tainan_row(1, slot="2021-08-01 08:00"),
        tainan_row(2),
        tainan_row(1, slot="2021-08-03 09:00", site="永康國民運動中心"),
    ]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    assert len(report.rows) == 3
    mine = [e for e in report.rows if e.person.id_number == pid(1)]
    assert [e.booking.row_number for e in mine] == [2, 4]
    assert all(e.flags == ("DUPLICATE_BOOKING",) for e in mine)
    assert mine[0].person == mine[1].person
    notes = [(n.row_number, n.code) for n in report.notes]
    assert notes == [(2, "DUPLICATE_BOOKING"), (4, "DUPLICATE_BOOKING")]
    assert "第 4 列" in report.notes[0].message_zh and "row 2" in report.notes[1].message_en


def test_exact_duplicate_row_becomes_one_booking_and_a_note(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    rows = [TAINAN, tainan_row(1), tainan_row(2), tainan_row(1)]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    assert [e.booking.row_number for e in report.rows] == [2, 3]
    assert report.duplicate_rows == 1 and report.rejected == []
    assert report.rows[0].flags == ()
    (note,) = report.notes
    assert (note.row_number, note.code) == (4, "DUPLICATE_ROW")
    assert "第 2 列" in note.message_zh
    assert accounted(report)


def test_same_booking_with_another_slot_is_rejected_naming_the_kept_row(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    rows = [TAINAN, tainan_row(1, slot="2021-08-01 08:00"), tainan_row(1, slot="2021-08-01 14:30")]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    assert [e.booking.row_number for e in report.rows] == [2]
    (bad,) = report.rejected
    assert (bad.row_number, bad.code) == (3, "BOOKING_CONFLICT")
    assert "第 2 列" in bad.reason_zh and "08:00" in bad.reason_zh and "14:30" in bad.reason_zh


def test_same_id_with_another_name_is_rejected(tmp_path: Path, rules: RuleSetRegistry) -> None:
    rows = [
        TAINAN,
        tainan_row(1, name="王小明"),
        tainan_row(1, name="李大同", slot="2021-08-05 08:00"),
    ]
    report = read_roster(write_csv(tmp_path / "r.csv", rows), rules)
    (bad,) = report.rejected
    assert (bad.row_number, bad.code) == (3, "PERSON_CONFLICT")
    assert "第 2 列" in bad.reason_zh


def test_importing_twice_gives_the_same_entries_and_unique_booking_identities(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    rows = [TAINAN] + [tainan_row(n, slot=f"2021-08-01 {8 + n % 4:02d}:00") for n in range(1, 40)]
    path = write_csv(tmp_path / "r.csv", rows)
    first, second = read_roster(path, rules), read_roster(path, rules)
    assert first.rows == second.rows
    identities = [booking_identity(e.booking) for e in first.rows]
    assert len(set(identities)) == len(identities) == 39


def test_importing_the_same_file_twice_changes_nothing_in_the_store(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    from station_app.store import Store

    rows = [
        TAINAN,
        tainan_row(1, history="AZ 110/06/15"),
        tainan_row(2),
        tainan_row(1, slot="2021-08-09 08:00"),
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    store = Store.open(tmp_path / "desk.db")
    try:
        added = store.import_entries(read_roster(path, rules).rows)
        again = store.import_entries(read_roster(path, rules).rows)
    finally:
        store.close()
    assert (added.people_added, added.bookings_added, added.doses_added) == (2, 3, 1)
    assert (again.people_added, again.bookings_added, again.doses_added) == (0, 0, 0)


def test_progress_is_reported_up_to_the_total(tmp_path: Path, rules: RuleSetRegistry) -> None:
    rows = [TAINAN] + [tainan_row(n) for n in range(1, 4502)]
    calls: list[tuple[int, int]] = []
    report = read_roster(
        write_csv(tmp_path / "r.csv", rows), rules, progress=lambda d, t: calls.append((d, t))
    )
    assert len(report.rows) == 4501
    assert calls[-1] == (4501, 4501)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) >= 3 and all(t == 4501 for _, t in calls)


# -- walk-ins (增加人員) ----------------------------------------------------------------------


def test_walk_in_is_validated_like_a_row(rules: RuleSetRegistry) -> None:
    at = datetime(2026, 11, 23, 10, 5)
    entry = validate_walk_in(
        person=Person(
            "　Ａ１２３４５６７８９ ",
            " 王小明 ",
            date(1946, 4, 11),
            "912345678",
        ),
        product="莫德納",
        dose=2,
        history_text="莫德納 115/05/01",
        site=SITE,
        slot_start=at,
        rules=rules,
    )
    assert entry.person.id_number == "A123456789"
    assert entry.person.name == "王小明" and entry.person.phone == "0912345678"
    assert entry.booking.walk_in and entry.booking.product == "CoV_Moderna"
    assert (entry.booking.dose, entry.booking.dose_label, entry.booking.slot_start) == (
        2,
        "第2劑",
        at,
    )
    assert [(d.product, d.given_on) for d in entry.history] == [("CoV_Moderna", date(2026, 5, 1))]


@pytest.mark.parametrize(
    ("id_number", "product", "history", "code"),
    [
        ("A123456780", "AZ", "", "INVALID_ID"),
        ("A123456789", "不明疫苗", "", "UNKNOWN_PRODUCT"),
        ("A123456789", "AZ", "AZ 2021/13/01", "BAD_HISTORY"),
    ],
)
def test_walk_in_errors_say_why_in_both_languages(
    rules: RuleSetRegistry, id_number: str, product: str, history: str, code: str
) -> None:
    with pytest.raises(RowError) as err:
        validate_walk_in(
            person=Person(id_number, "王小明", None),
            product=product,
            dose=1,
            history_text=history,
            site=SITE,
            slot_start=datetime(2026, 11, 23, 10, 0),
            rules=rules,
        )
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en
    assert "A123456780" not in str(err.value)


# -- sample files shipped in resources/rosters ------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "rosters"


@pytest.mark.parametrize(
    ("name", "encoding", "accepted", "rejected", "duplicates", "blank"),
    [
        ("tainan_sample_big5.csv", "cp950", 4, {6: "INVALID_ID", 10: "BAD_BIRTH_DATE"}, 1, 1),
        ("taichung_sample_utf8bom.csv", "utf-8-sig", 3, {}, 1, 0),
        ("broken_byte_big5.csv", "cp950", 2, {4: "BAD_BYTES"}, 0, 0),
    ],
)
def test_sample_rosters(
    rules: RuleSetRegistry,
    name: str,
    encoding: str,
    accepted: int,
    rejected: dict[int, str],
    duplicates: int,
    blank: int,
) -> None:
    report = read_roster(SAMPLES / name, rules)
    assert report.fatal_error is None and report.encoding == encoding
    assert len(report.rows) == accepted
    assert rejected_by_row(report) == rejected
    assert (report.duplicate_rows, report.blank_rows) == (duplicates, blank)
    assert accounted(report)


def test_sample_pdf_is_refused(rules: RuleSetRegistry) -> None:
    report = read_roster(SAMPLES / "not_a_roster.pdf", rules)
    assert report.fatal_code == "pdf" and report.rows == []


def test_an_import_leaves_no_reference_cycles(tmp_path: Path, rules: RuleSetRegistry) -> None:
    # The same bad date and bad slot on several rows come from the readers' caches; a
    # cached error raised again once tied the whole file into a cycle that held every
    # row in memory until the cyclic collector ran (about a second for 100,000 rows).
    rows = [TAINAN] + [
        tainan_row(n, birth="0351399" if n % 3 == 0 else "0350411",
                   slot="2021-08-01 25:00" if n % 5 == 0 else "2021-08-01 08:00")
        for n in range(1, 31)
    ]  # fmt: skip
    path = write_csv(tmp_path / "roster.csv", rows)
    gc.collect()
    gc.disable()
    try:
        report = read_roster(path, rules)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable == 0
    codes = rejected_by_row(report)
    assert len(codes) == 14  # rows 3, 5, 6, 9, 10, 12, 15, ... of 30
    assert {codes[4], codes[6], codes[16]} == {"BAD_BIRTH_DATE", "BAD_SLOT"}
    assert accounted(report)

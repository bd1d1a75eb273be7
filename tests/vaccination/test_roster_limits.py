"""Roster files that must not take the desk down, and files that are almost right (issue 13, #12).

A zip bomb is refused from the sizes its ZIP directory declares, before anything is
inflated; a directory that understates a size cannot make the reader inflate more than
it declares. Rows beyond the row limit are refused while reading, so memory stays
bounded. A UTF-8 file with a few Big5 rows keeps its good rows, and a file with only a
header says it holds no rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from roster_bombs import PeakRss, xlsx_bomb
from test_roster_import import TAINAN, tainan_row, write_csv

from vaccination.roster_files import RosterLimits
from vaccination.roster_import import read_roster
from vaccination.rules import RuleSetRegistry, load_rule_sets

# Generous: a refused bomb costs a few MB; the unbounded reader reached 3.95 GB.
MAX_RSS_GROWTH = 200 * 1024 * 1024


@pytest.fixture(scope="module")
def rules() -> RuleSetRegistry:
    return load_rule_sets()


def test_zip_bomb_is_refused_naming_the_limit_before_it_is_inflated(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    path = tmp_path / "名冊.xlsx"
    path.write_bytes(xlsx_bomb())  # ~3 MB that inflate to 1 GB
    with PeakRss() as rss:
        report = read_roster(path, rules)
    assert report.fatal_code == "too_large"
    assert report.rows == [] and report.rejected == []
    zh, en = report.fatal_error_zh, report.fatal_error_en
    assert "50 MB" in zh and "解壓縮" in zh
    assert "50 MB" in en and "uncompressed" in en
    assert rss.growth < MAX_RSS_GROWTH, f"RSS grew {rss.growth / 1e6:.0f} MB"


def test_a_zip_directory_that_understates_a_size_inflates_no_more_than_it_declares(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    path = tmp_path / "lying.xlsx"
    path.write_bytes(xlsx_bomb(declared=4096))  # the directory says 4 KB, the data is 1 GB
    with PeakRss() as rss:
        report = read_roster(path, rules)
    assert report.fatal_error is not None and report.rows == []
    assert rss.growth < MAX_RSS_GROWTH, f"RSS grew {rss.growth / 1e6:.0f} MB"


def test_a_smaller_limit_given_by_the_caller_refuses_a_larger_csv(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    path = write_csv(tmp_path / "r.csv", [TAINAN, *(tainan_row(n) for n in range(1, 300))])
    limits = RosterLimits(max_bytes=10 * 1024, max_rows=1_000)
    report = read_roster(path, rules, limits=limits)
    assert report.fatal_code == "too_large"
    assert "10 KB" in report.fatal_error_zh and "10 KB" in report.fatal_error_en
    assert read_roster(path, rules).fatal_error is None


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_beyond_the_row_limit_refuse_the_file_naming_the_limit(
    tmp_path: Path, rules: RuleSetRegistry, kind: str
) -> None:
    rows = [TAINAN, *(tainan_row(n) for n in range(1, 151))]
    if kind == "csv":
        path = write_csv(tmp_path / "r.csv", rows)
    else:
        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        path = tmp_path / "r.xlsx"
        wb.save(path)
    report = read_roster(path, rules, limits=RosterLimits(max_rows=100))
    assert report.fatal_code == "too_many_rows"
    assert "100 列" in report.fatal_error_zh and "100 rows" in report.fatal_error_en
    assert read_roster(path, rules, limits=RosterLimits(max_rows=151)).accepted == 150


def test_an_xlsx_declaring_a_million_rows_is_refused_before_its_rows_are_read(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(TAINAN)
    wb.active.cell(row=1_048_576, column=1, value="x")  # Excel's last row
    wb.save(buf)
    path = tmp_path / "tall.xlsx"
    path.write_bytes(buf.getvalue())
    with PeakRss() as rss:
        report = read_roster(path, rules)
    assert report.fatal_code == "too_many_rows"
    assert "200,000" in report.fatal_error_zh and "200,000" in report.fatal_error_en
    assert rss.growth < MAX_RSS_GROWTH


def test_three_big5_rows_in_a_utf8_file_reject_only_those_rows(
    tmp_path: Path, rules: RuleSetRegistry
) -> None:
    """Rows pasted from a Big5 export into a UTF-8 file.

    DOMAIN.md: "Expect files saved by Excel on Windows: Big5/CP950 or UTF-8 with BOM".
    """
    names = ["王小明", "陳美玲", "林志豪", "張雅婷", "李建國"]
    body = [tainan_row(n, name=names[n % 5], site="臺南市立體育館") for n in range(1, 201)]
    lines = []
    for i, row in enumerate([TAINAN, *body]):
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\r\n").writerow(row)
        lines.append(buf.getvalue().encode("cp950" if i in (40, 41, 150) else "utf-8"))
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(lines))

    report = read_roster(path, rules)

    assert report.fatal_error is None
    assert report.encoding == "utf-8-sig"
    assert report.accepted == 197
    assert {r.row_number: r.code for r in report.rejected} == {
        41: "BAD_BYTES",
        42: "BAD_BYTES",
        151: "BAD_BYTES",
    }
    for r in report.rejected:
        assert f"第 {r.row_number} 行" in r.reason_zh and f"line {r.row_number}" in r.reason_en


def test_header_only_file_says_it_holds_no_rows(tmp_path: Path, rules: RuleSetRegistry) -> None:
    path = write_csv(tmp_path / "empty_roster.csv", [TAINAN, [""] * len(TAINAN)])
    report = read_roster(path, rules)
    assert report.fatal_code == "no_rows"
    assert report.rows == []
    assert "沒有任何資料列" in report.fatal_error_zh
    assert "no data rows" in report.fatal_error_en

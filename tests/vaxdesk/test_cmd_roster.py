"""`vaxdesk roster demo` and `vaxdesk roster import`: files, reports, idempotency, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vaxdesk.cli import main


def _demo(tmp_path: Path, encoding: str = "utf-8-sig", people: int = 120) -> Path:
    out = tmp_path / f"roster-{encoding}.csv"
    args = ["roster", "demo", "--people", str(people), "--date", "2026-11-23", "--out", str(out)]
    assert main([*args, "--encoding", encoding]) == 0
    return out


def test_demo_writes_a_roster_in_either_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    utf8 = _demo(tmp_path)
    big5 = _demo(tmp_path, "big5")
    assert "示範名冊" in capsys.readouterr().out
    assert utf8.read_bytes().startswith(b"\xef\xbb\xbf")
    assert big5.read_bytes().decode("cp950").startswith("序號")
    assert utf8.read_bytes()[3:].decode("utf-8") == big5.read_bytes().decode("cp950")


def test_demo_rejects_a_bad_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["roster", "demo", "--people", "5", "--date", "23/11/2026", "--out", str(tmp_path / "x")]
    assert main(args) == 2
    assert "--date" in capsys.readouterr().err


def test_import_twice_reports_rejections_and_adds_nothing_the_second_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = _demo(tmp_path, "big5")
    capsys.readouterr()
    db = tmp_path / "desk.db"
    # The demo roster carries rows that must be rejected, so the exit code is 1.
    assert main(["roster", "import", str(roster), "--db", str(db), "--json"]) == 1
    first = json.loads(capsys.readouterr().out)
    assert first["encoding"] in ("cp950", "big5")
    assert first["accepted"] > 100 and first["rejected"] >= 1
    assert first["store"]["bookings_added"] == first["accepted"]
    assert all(r["row"] > 1 and r["reason_zh"] and r["reason_en"] for r in first["rejected_rows"])
    assert {"row", "code", "message_zh", "message_en"} <= set(first["notes"][0])
    assert main(["roster", "import", str(roster), "--db", str(db), "--json"]) == 1
    second = json.loads(capsys.readouterr().out)
    assert second["accepted"] == first["accepted"]
    assert second["store"] == {
        "people_added": 0,
        "bookings_added": 0,
        "doses_added": 0,
        "sites_added": 0,
    }
    assert "D1" not in json.dumps(second["rejected_rows"])  # no raw cells, no ID numbers


def test_import_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = _demo(tmp_path)
    capsys.readouterr()
    assert main(["roster", "import", str(roster), "--db", str(tmp_path / "d.db")]) == 1
    out = capsys.readouterr().out
    assert "接受 accepted" in out and "退回的列 rejected rows" in out
    assert "第 " in out and " 列 row " in out


def test_import_of_something_that_is_not_a_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "photo.csv"
    junk.write_bytes(bytes(range(256)) * 20)
    assert main(["roster", "import", str(junk), "--db", str(tmp_path / "d.db")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vaxdesk: ") and len(err.strip().splitlines()) == 1
    assert main(["roster", "import", str(tmp_path / "missing.csv"), "--db", "x.db"]) == 2
    assert "找不到檔案" in capsys.readouterr().err
    assert main(["roster", "import", str(tmp_path), "--db", "x.db"]) == 2
    assert "是資料夾，不是檔案" in capsys.readouterr().err
    assert main(["roster", "import", "/dev/null", "--db", "x.db"]) == 2
    assert "檔案是空的" in capsys.readouterr().err


def test_import_of_a_header_only_file_says_it_holds_no_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header_only = tmp_path / "header.csv"
    header_only.write_text("姓名,身分證字號,接種地點,接種時間,接種疫苗,接種期別\r\n", "utf-8-sig")
    assert main(["roster", "import", str(header_only), "--db", str(tmp_path / "d.db")]) == 2
    captured = capsys.readouterr()
    assert "沒有任何資料列" in captured.err and "no data rows" in captured.err
    assert "接受 accepted" not in captured.out

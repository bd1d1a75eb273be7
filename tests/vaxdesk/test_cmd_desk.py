"""`vaxdesk assess` and `vaxdesk checkin` on a real database: text, JSON and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from store_fixtures import Entry

from station_app.store import Store
from vaccination.ids import make_national_id, mask_id
from vaccination.models import Booking, Person
from vaxdesk.cli import main

DAY = date(2026, 11, 23)
MAIN = "臺南市立體育館"
SMALL = "永康國民運動中心"
ROOT = Path(__file__).resolve().parents[2]


def _id(n: int) -> str:
    return make_national_id("B", 1 + n % 2, 2_000_000 + n)


def _entry(n: int, site: str = MAIN, birth: date | None = date(1975, 3, 4)) -> Entry:
    return Entry(
        Person(_id(n), f"林美{n}", birth, None),
        Booking(_id(n), site, datetime(2026, 11, 23, 9, 0), "CoV_Moderna", 1, dose_label="第1劑"),
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    store = Store.open(path)
    store.import_entries(
        [_entry(n) for n in range(1, 6)] + [_entry(9, birth=None), _entry(10, site=SMALL)]
    )
    store.close()
    return path


AT = "2026-11-23T09:10"


def test_assess_text_masks_the_person(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--db", str(db), "--at", AT, _id(1)]) == 0
    out = capsys.readouterr().out
    assert MAIN in out  # the default site: most bookings that day
    assert mask_id(_id(1)) in out
    assert _id(1) not in out
    assert "林○1" in out and "林美1" not in out
    assert "可以報到" in out and "CoV_Moderna" in out


def test_assess_json_shape_and_flags(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--db", str(db), "--at", AT, "--json", _id(9)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "needs_reason"
    assert data["site"] == MAIN
    assert data["person"]["masked_id"] == data["id"]["masked"] != _id(9)
    assert data["booking"]["product"] == "CoV_Moderna" and data["booking"]["dose"] == 1
    [flag] = data["flags"]
    assert flag["code"] == "AGE_UNKNOWN" and flag["severity"] == "warn"
    assert flag["message_zh"] and flag["message_en"]
    assert data["rule_set_version"]


def test_assess_at_another_site(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--db", str(db), "--at", AT, "--site", SMALL, "--json", _id(1)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "blocked"
    assert "WRONG_SITE" in [f["code"] for f in data["flags"]]


def test_checkin_gives_queue_numbers_then_refuses_a_repeat(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["checkin", "--db", str(db), "--desk", "A", "--at", AT]
    assert main([*base, _id(1)]) == 0
    assert "A001" in capsys.readouterr().out
    assert main([*base, "--json", _id(2)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["checked_in"] is True and data["queue_number"] == "A002"
    assert data["checkin_id"]
    assert main([*base, "--json", _id(1)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["checked_in"] is False and data["queue_number"] is None
    assert "ALREADY_CHECKED_IN" in [f["code"] for f in data["flags"]]


def test_checkin_warning_needs_reason(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["checkin", "--db", str(db), "--desk", "B", "--at", AT]
    assert main([*base, _id(9)]) == 1
    assert "--reason" in capsys.readouterr().out
    assert main([*base, "--json", "--reason", "已核對證件", _id(9)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["queue_number"] == "B001" and data["needs_reason"] is False


def test_missing_database_and_bad_options_are_user_errors(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["assess", "--db", str(tmp_path / "none.db"), _id(1)]) == 2
    assert "找不到資料庫" in capsys.readouterr().err
    assert main(["assess", "--db", str(db), "--at", "yesterday", _id(1)]) == 2
    assert "--at" in capsys.readouterr().err
    assert main(["assess", "--db", str(db), "--at", "2030-01-01T09:00", _id(1)]) == 2
    assert "--site" in capsys.readouterr().err
    assert main(["checkin", "--db", str(db), "--desk", "7", "--at", AT, _id(1)]) == 2
    assert "desk" in capsys.readouterr().err


def test_a_corrupt_database_gives_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"this is a spreadsheet, not a database\n" * 100)
    proc = subprocess.run(
        [sys.executable, "-m", "vaxdesk", "checkin", "--db", str(bad), "--desk", "A", _id(1)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "損毀" in proc.stderr and "damaged" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_assess_and_checkin_json_never_echo_the_full_number(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["assess", "--db", str(db), "--at", AT, "--json", _id(1)])
    main(["checkin", "--db", str(db), "--desk", "A", "--at", AT, "--json", _id(2)])
    out = capsys.readouterr().out
    assert _id(1) not in out and _id(2) not in out
    assert f'"input": "{mask_id(_id(1))}"' in out


def test_an_id_typed_into_the_reason_is_kept_masked(db: Path) -> None:
    reason = f"核對 {_id(3)} 的健保卡"
    args = ["checkin", "--db", str(db), "--desk", "B", "--at", AT, "--reason", reason, _id(9)]
    assert main(args) == 0
    store = Store.open(db)
    try:
        (event,) = store.outbox.pending(10)
        assert event.payload.confirm_reason == f"核對 {mask_id(_id(3))} 的健保卡"
    finally:
        store.close()

"""`vaxdesk server ...`, `vaxdesk export ...` and `vaxdesk sync` as a bureau and a desk run them."""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
from pathlib import Path

import openpyxl
import pytest
from desks import DAY, SITE, SITE_CODE, make_desk, pid, seed_roster
from live_server import Admin, ThreadServer

from vaxdesk.cli import UserError, main
from vaxdesk.cmd_server import server_workers


def test_bureau_sets_up_a_site_and_exports_its_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'server.db'}"
    assert main(["server", "migrate", "--db", db]) == 0
    assert main(["server", "site", "add", "--db", db, "--code", SITE_CODE, "--name", SITE,
                 "--institution", "2321010010"]) == 0  # fmt: skip
    token_file = tmp_path / "desk_a.token"
    assert main(["server", "desk", "add", "--db", db, "--site", SITE_CODE, "--desk", "A",
                 "--token-out", str(token_file)]) == 0  # fmt: skip
    assert main(["server", "admin", "create", "--db", db, "--name", "衛生局管理者"]) == 0
    out = capsys.readouterr().out
    admin_token = re.search(r"token, shown once: (\S+)", out)
    assert admin_token is not None
    desk_token = token_file.read_text().strip()
    assert desk_token not in out  # written to the file only

    # A desk works a day against a server on that database, then the bureau exports.
    srv = ThreadServer(db).start()
    try:
        admin = Admin(srv.url)
        seed_roster(admin, SITE_CODE, range(1, 4))
        desk = make_desk(tmp_path, srv.url, desk_token, "A")
        try:
            desk.client.download_roster(DAY)
            for n in (1, 2):
                checkin = desk.service.check_in(pid(n)).checkin_id
                assert checkin is not None
                desk.service.doctor_decision(checkin, approved=True, reason=None)
                desk.service.record_vaccination(checkin, "CoV_Moderna", "MOD77", 1, open_vial=True)
        finally:
            desk.close()
        assert main(["sync", "--db", str(tmp_path / desk.store.path.name), "--server", srv.url,
                     "--token-file", str(token_file), "--once"]) == 0  # fmt: skip
        assert "waiting 0" in capsys.readouterr().out
    finally:
        srv.stop()

    niis = tmp_path / "niis.csv"
    assert main(["export", "niis", "--db", db, "--site", SITE_CODE, "--date", str(DAY),
                 "--out", str(niis)]) == 0  # fmt: skip
    rows = list(csv.reader(io.StringIO(niis.read_text(encoding="utf-8-sig"))))
    assert [r[4] for r in rows[1:]] == [pid(1), pid(2)]
    assert {r[3] for r in rows[1:]} == {"MOD77-CDC"}
    assert {r[0] for r in rows[1:]} == {"CoV_Moderna"}
    stock = tmp_path / "stock.csv"
    assert main(["export", "stock", "--db", db, "--site", SITE_CODE, "--date", str(DAY),
                 "--out", str(stock)]) == 0  # fmt: skip
    assert "MOD77-CDC,-1,1" in stock.read_text(encoding="utf-8-sig")  # nothing delivered yet
    xlsx = tmp_path / "rec.xlsx"
    assert main(["export", "reconciliation", "--db", db, "--site", SITE_CODE, "--date", str(DAY),
                 "--out", str(xlsx)]) == 0  # fmt: skip
    counts = dict(openpyxl.load_workbook(xlsx).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert counts["已接種 vaccinated"] == 2 and counts["未到 no_show"] == 1


def test_cli_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'server.db'}"
    assert main(["export", "niis", "--db", db, "--site", "NOPE", "--date", str(DAY),
                 "--out", str(tmp_path / "x.csv")]) == 2  # fmt: skip
    assert "找不到場所 NOPE" in capsys.readouterr().err
    assert main(["export", "niis", "--db", db, "--site", "X", "--date", "11/23",
                 "--out", str(tmp_path / "x.csv")]) == 2  # fmt: skip
    monkeypatch.delenv("VAXDESK_DESK_TOKEN", raising=False)
    assert main(["sync", "--db", str(tmp_path / "d.db"), "--server", "http://127.0.0.1:9",
                 "--once"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "缺少櫃台憑證" in err and "no desk token" in err and "Traceback" not in err
    monkeypatch.setenv("VAXDESK_DESK_TOKEN", "tok")
    assert main(["sync", "--db", str(tmp_path / "d.db"), "--server", "http://127.0.0.1:9",
                 "--once"]) == 1  # fmt: skip
    assert "offline" in capsys.readouterr().out


def test_server_picks_its_worker_count_by_database() -> None:
    def workers(db: str, given: int | None = None) -> int:
        return server_workers(argparse.Namespace(db=db, workers=given))

    assert workers("sqlite:///server.db") == 1  # SQLite takes one writer at a time
    assert workers("postgresql+psycopg://vaxdesk@db/vaxdesk") == (os.cpu_count() or 1)
    assert workers("postgresql+psycopg://vaxdesk@db/vaxdesk", 3) == 3
    with pytest.raises(UserError):
        workers("sqlite:///server.db", 0)

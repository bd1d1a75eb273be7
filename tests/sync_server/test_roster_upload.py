"""Roster uploads on the live server: hostile files (#12) and bureau-wide files (#8) of issue 13.

#12: a zip bomb is refused before it is inflated, with a message naming the limit, and
the server's memory stays bounded; a roster is parsed before the write lock is taken,
so a desk's push during a long upload is stored at once.

#8: the Tainan back-office export holds several sites and days. A bureau-wide upload
files every row under the site its 接種地點 names (by name or code, 台/臺 and spaces
aside) and its day, lists the rows of sites the bureau does not have, and files them
nowhere. A site's upload files only that site's rows. Desks can download their site's
coming days, so a person who comes on the wrong day is told their real date.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from desks import DAY, SITE, SITE_CODE, pid
from live_server import Admin, ThreadServer, auth
from roster_bombs import PeakRss, xlsx_bomb
from store_fixtures import clock_at, rules
from test_sync_api import _event, _push

import vaccination.roster_import as roster_import
from station_app.checkin_service import CheckinService
from station_app.store import Store
from station_app.sync_client import entry_from_wire
from vaccination.demo_roster import write_demo_roster
from vaccination.wire import RosterEntry

MAX_RSS_GROWTH = 200 * 1024 * 1024  # generous: the unbounded server peaked at 4.2 GB

SITES = {"TN01": SITE, "TN02": "永康國民運動中心", "TN03": "新營體育館"}
D0, D1, D2 = DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)
WRONG_DAY_PERSON = 100  # booked at TN01 on D2

# (how the file writes 接種地點, day, people): four sites, three days, as in the Tainan file.
LAYOUT: list[tuple[str, date, range]] = [
    ("臺南市立體育館", D0, range(1, 4)),
    ("台南市立體育館 ", D0, range(4, 6)),  # 台 for 臺 and a stray space
    ("臺南市立體育館", D1, range(6, 9)),
    ("臺南市立體育館", D2, range(9, 10)),
    ("臺南市立體育館", D2, range(WRONG_DAY_PERSON, WRONG_DAY_PERSON + 1)),
    ("永康國民運動中心", D0, range(20, 22)),
    ("TN02", D0, range(22, 24)),  # the site's code
    ("永康國民運動中心", D2, range(24, 25)),
    ("新營 體育館", D1, range(30, 32)),
    ("台南都會公園", D0, range(40, 43)),  # a site this bureau does not have
]
TRUTH = {("TN01", D0): 5, ("TN01", D1): 3, ("TN01", D2): 2, ("TN02", D0): 4,
         ("TN02", D2): 1, ("TN03", D1): 2}  # fmt: skip
UNKNOWN_ROWS = [19, 20, 21]  # Excel row numbers of 台南都會公園 (header is row 1)


def _bureau_file() -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        ["序號", "姓名", "身分證字號", "出生年月日", "接種期別", "接種地點", "接種時間", "接種疫苗"]
    )
    for site, day, people in LAYOUT:
        for n in people:
            w.writerow([n, f"王小{n}", pid(n), "0690501", "1", site, f"{day} 09:00", "CoV_Moderna"])
    return buf.getvalue().encode("utf-8-sig")


def _sites(admin: Admin) -> None:
    for code, name in SITES.items():
        admin.site(code, name)


def _upload(admin: Admin, path: str, data: bytes, name: str = "名冊.csv") -> httpx.Response:
    return admin.call("POST", path, files={"file": (name, data)})


def test_bureau_upload_files_each_row_under_its_site_and_day(
    server: ThreadServer, admin: Admin
) -> None:
    _sites(admin)
    r = _upload(admin, "/api/v1/rosters", _bureau_file())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 20 and body["filed"] == 17
    got = {(d["site"], date.fromisoformat(d["day"])): d["accepted"] for d in body["days"]}
    assert got == TRUTH
    assert all(d["added"] == d["accepted"] for d in body["days"])
    assert body["unknown_sites"] == [{"site": "台南都會公園", "count": 3, "rows": UNKNOWN_ROWS}]

    for (code, day), count in TRUTH.items():
        entries = admin.call("GET", f"/api/v1/sites/{code}/rosters/{day}").json()["entries"]
        assert len(entries) == count
        assert {e["site"] for e in entries} == {SITES[code]}  # filed under the bureau's name
    rec = admin.call("GET", f"/api/v1/sites/TN01/reconciliation/{D0}").json()
    assert rec["counts"]["booked"] == 5 and rec["counts"]["no_show"] == 5

    again = _upload(admin, "/api/v1/rosters", _bureau_file()).json()
    assert {d["unchanged"] for d in again["days"]} == set(TRUTH.values())
    assert sum(d["added"] + d["changed"] + d["cancelled"] for d in again["days"]) == 0


def test_bureau_upload_is_for_bureau_administrators(server: ThreadServer, admin: Admin) -> None:
    _sites(admin)
    token = admin.desk("TN01", "A")
    r = httpx.post(
        f"{server.url}/api/v1/rosters",
        files={"file": ("r.csv", _bureau_file())},
        headers=auth(token),
    )
    assert r.status_code == 403


def test_site_upload_files_only_that_sites_rows_of_that_day(
    server: ThreadServer, admin: Admin
) -> None:
    _sites(admin)
    r = _upload(admin, f"/api/v1/sites/TN01/rosters/{D0}", _bureau_file())
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["other_days"], body["other_sites"]) == (5, 5, 10)
    assert len(admin.call("GET", f"/api/v1/sites/TN02/rosters/{D0}").json()["entries"]) == 0
    assert len(admin.call("GET", f"/api/v1/sites/TN01/rosters/{D0}").json()["entries"]) == 5


def test_desk_downloads_its_coming_days_and_a_wrong_day_person_is_told_their_date(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    """DOMAIN.md: "A person booked for another day, slot or site ... must be visible at once"."""
    _sites(admin)
    token = admin.desk("TN01", "A")
    assert _upload(admin, "/api/v1/rosters", _bureau_file()).status_code == 200
    headers = auth(token)
    week = httpx.get(
        f"{server.url}/api/v1/sites/TN01/rosters",
        params={"from": D0.isoformat(), "days": 7},
        headers=headers,
    )
    assert week.status_code == 200, week.text
    data = week.json()
    assert (data["site"], data["from"], data["days"]) == ("TN01", D0.isoformat(), 7)
    assert len(data["entries"]) == 10
    assert data["entries"][0].keys() == (
        httpx.get(f"{server.url}/api/v1/sites/TN01/rosters/{D0}", headers=headers)
        .json()["entries"][0]
        .keys()
    )
    one_day = httpx.get(
        f"{server.url}/api/v1/sites/TN01/rosters", params={"from": D1}, headers=headers
    ).json()
    assert len(one_day["entries"]) == 3
    too_many = httpx.get(
        f"{server.url}/api/v1/sites/TN01/rosters", params={"from": D0, "days": 400}, headers=headers
    )
    assert too_many.status_code == 422
    other = httpx.get(
        f"{server.url}/api/v1/sites/TN02/rosters", params={"from": D0}, headers=headers
    )
    assert other.status_code == 403

    store = Store.open(tmp_path / "desk.db")
    try:
        store.import_entries(
            [entry_from_wire(RosterEntry.model_validate(e)) for e in data["entries"]]
        )
        desk = CheckinService(store, rules(), SITE, "A", D0, clock_at(9, 5))
        flags = {f.code: f for f in desk.assess(pid(WRONG_DAY_PERSON)).flags}
        assert "NOT_ON_ROSTER" not in flags
        assert flags["WRONG_DATE"].data["booked_date"] == D2.isoformat()
        assert D2.isoformat() in flags["WRONG_DATE"].message_zh
        assert not {f.code for f in desk.assess(pid(1)).flags} & {"WRONG_DATE", "NOT_ON_ROSTER"}
    finally:
        store.close()


@pytest.mark.parametrize("route", ["/api/v1/sites/TN01/rosters/{day}", "/api/v1/rosters"])
def test_zip_bomb_upload_is_refused_naming_the_limit_with_bounded_memory(
    server: ThreadServer, admin: Admin, route: str
) -> None:
    _sites(admin)
    token = admin.desk("TN01", "A")
    bomb = xlsx_bomb()  # ~3 MB inflating to 1 GB
    with PeakRss() as rss:
        r = _upload(admin, route.format(day=D0), bomb, "名冊.xlsx")
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "roster_too_large"
    assert "50 MB" in detail["message_zh"] and "解壓縮" in detail["message_zh"]
    assert "50 MB" in detail["message_en"] and "uncompressed" in detail["message_en"]
    assert " / " not in detail["message_zh"]  # Chinese in message_zh, English in message_en
    assert rss.growth < MAX_RSS_GROWTH, f"server RSS grew {rss.growth / 1e6:.0f} MB"
    checkin = _event("A", 1, "checkin", {"id_number": pid(1), "queue_number": "A001"})
    ok = _push(server.url, token, [checkin])
    assert ok.json()["stored"] == 1


def _write_lock_is_free(db_url: str) -> bool:
    """Whether another writer could start now (SQLite) or lock the site row (PostgreSQL)."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()
    with psycopg.connect(db_url.replace("postgresql+psycopg", "postgresql")) as pg:
        try:
            pg.execute("SELECT id FROM sites WHERE code = %s FOR UPDATE NOWAIT", (SITE_CODE,))
            return True
        except psycopg.errors.LockNotAvailable:
            return False


def test_a_push_during_a_roster_upload_is_stored_without_waiting_for_the_parse(
    server: ThreadServer,
    admin: Admin,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _sites(admin)
    token = admin.desk(SITE_CODE, "A")
    path = tmp_path / "large.csv"
    write_demo_roster(path, 1500, D0)
    seen: dict[str, Any] = {}
    real_import_sheet = roster_import.import_sheet

    def import_sheet_and_push_meanwhile(*args: Any, **kwargs: Any) -> roster_import.ImportReport:
        # Runs in the server's worker thread, in the middle of the parse.
        seen["lock_free"] = _write_lock_is_free(db_url)
        if seen["lock_free"]:  # otherwise the push would wait for the lock
            event = _event("A", 1, "checkin", {"id_number": pid(7), "queue_number": "A001"})
            seen["push"] = _push(server.url, token, [event])
        return real_import_sheet(*args, **kwargs)

    monkeypatch.setattr(roster_import, "import_sheet", import_sheet_and_push_meanwhile)
    r = _upload(admin, f"/api/v1/sites/{SITE_CODE}/rosters/{D0}", path.read_bytes())
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] > 1000
    assert seen["lock_free"] is True, "the roster was parsed inside the write transaction"
    assert seen["push"].status_code == 200
    assert seen["push"].json()["results"][0]["status"] == "stored"


def test_header_only_upload_is_refused_saying_it_holds_no_rows(
    server: ThreadServer, admin: Admin
) -> None:
    _sites(admin)
    header = "姓名,身分證字號,接種地點,接種時間,接種疫苗,接種期別\r\n".encode("utf-8-sig")
    r = _upload(admin, f"/api/v1/sites/TN01/rosters/{D0}", header)
    assert r.status_code == 422
    assert "沒有任何資料列" in r.json()["detail"]["message_zh"]
    assert "no data rows" in r.json()["detail"]["message_en"]

"""Issue 13 defect #11: the bureau tells a site day is complete, closes it, sees what came late.

A real server on loopback (SQLite and PostgreSQL) and real desks with their sync
clients. A desk whose connection is cut mid-push has told the bureau how many events it
still holds; closing is refused naming it until it has synced. Closing freezes the
reconciliation and the NIIS file; an event of the day arriving later is stored, answered
`late`, listed, and changes neither.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from desks import DAY, SITE_CODE, Desk, make_desk, pid, seed_roster
from live_server import Admin, ThreadServer, auth

from station_app.sync_client import SyncUnavailable
from vaccination.ids import mask_id
from vaxdesk.cli import main

DAYS = f"/api/v1/sites/{SITE_CODE}/days/{DAY}"


class CutLine(httpx.BaseTransport):
    """A real connection that can be cut: after `pushes` more pushes of events (an empty
    push, the desk's report alone, passes), every request fails."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()
        self.pushes: int | None = None  # None: the line is up

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.pushes is not None:
            if self.pushes <= 0:
                raise httpx.ConnectError("line cut", request=request)
            if request.method == "POST" and request.url.path.endswith("/events"):
                self.pushes -= bool(json.loads(request.content)["events"])
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def _vaccinate(desk: Desk, n: int) -> None:
    cid = desk.service.check_in(pid(n)).checkin_id
    assert cid
    desk.service.doctor_decision(cid, approved=True, reason=None)
    desk.service.record_vaccination(cid, "CoV_Moderna", "M1", 1, open_vial=True)


def _niis(admin: Admin) -> tuple[list[list[str]], httpx.Response]:
    r = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/exports/niis/{DAY}")
    assert r.status_code == 200, r.text
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:], r


def _reconciliation(admin: Admin) -> dict[str, Any]:
    r = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _desk_states(admin: Admin) -> dict[str, str]:
    r = admin.call("GET", f"{DAYS}/closing")
    assert r.status_code == 200, r.text
    return {d["desk"]: d["state"] for d in r.json()["desks"]}


@dataclass
class Site:
    """Desks A and B of the site (B's line can be cut) and desk A's token."""

    a: Desk
    b: Desk
    line: CutLine
    token_a: str


@pytest.fixture
def desks(server: ThreadServer, admin: Admin, tmp_path: Path) -> Iterator[Site]:
    """Desks A and B of the site, rosters downloaded."""
    admin.site(SITE_CODE, "臺南市立體育館")
    seed_roster(admin, SITE_CODE, range(1, 7))
    line = CutLine()
    token_a = admin.desk(SITE_CODE, "A")
    a = make_desk(tmp_path, server.url, token_a, "A")
    b = make_desk(
        tmp_path, server.url, admin.desk(SITE_CODE, "B"), "B", transport=line, batch_size=1
    )
    try:
        assert a.client.download_roster(DAY) == 6
        assert b.client.download_roster(DAY) == 6
        yield Site(a, b, line, token_a)
    finally:
        a.close()
        b.close()


def test_close_is_refused_while_a_desk_holds_events_then_freezes_the_day(
    admin: Admin, desks: Site
) -> None:
    a, b, line = desks.a, desks.b, desks.line
    _vaccinate(a, 1)
    a.client.sync_once()
    _vaccinate(b, 2)
    held = b.store.outbox.count_pending()
    assert held >= 3
    line.pushes = 1  # one event gets through with B's report, then the line is cut
    with pytest.raises(SyncUnavailable):
        b.client.sync_once()
    readiness = admin.call("GET", f"{DAYS}/closing").json()
    by_desk = {d["desk"]: d for d in readiness["desks"]}
    assert by_desk["A"]["state"] == "synced"
    assert by_desk["B"]["state"] == "waiting"
    assert by_desk["B"]["events_waiting"] == held - 1
    assert readiness["ready"] is False

    r = admin.call("POST", f"{DAYS}/close", json={})
    assert r.status_code == 409, r.text
    assert r.json()["detail"]["code"] == "day_not_ready"
    assert f"desk B holds {held - 1} unsent events" in r.json()["detail"]["message_en"]
    assert "櫃台 B" in r.json()["detail"]["message_zh"]
    assert "desk A" not in r.json()["detail"]["message_en"]
    assert _reconciliation(admin)["closed"] is None

    line.pushes = None  # back online: B sends the rest and reports 0 waiting
    b.client.sync_once()
    assert b.store.outbox.count_pending() == 0
    assert _desk_states(admin) == {"A": "synced", "B": "synced"}

    r = admin.call("POST", f"{DAYS}/close", json={})
    assert r.status_code == 200, r.text
    assert r.json()["closed"]["closed_by"]
    frozen = _reconciliation(admin)
    assert frozen["closed"]["closed_at"] == r.json()["closed"]["closed_at"]
    assert frozen["counts"]["vaccinated"] == 2
    niis_rows, niis_reply = _niis(admin)
    assert sorted(row[4] for row in niis_rows) == sorted([pid(1), pid(2)])
    assert niis_reply.headers["X-VaxDesk-Closed"].endswith(frozen["closed"]["closed_by"])

    # After closing: a vaccination of the day at desk A is stored, but late.
    _vaccinate(a, 3)
    report = a.client.sync_once()
    assert report.pushed >= 3
    assert report.late == report.pushed
    after = _reconciliation(admin)
    assert {k: v for k, v in after.items() if k != "late_events"} == {
        k: v for k, v in frozen.items() if k != "late_events"
    }
    assert after["counts"]["vaccinated"] == 2
    assert _niis(admin)[0] == niis_rows
    late = after["late_events"]
    assert len(late) == report.late
    assert {e["desk"] for e in late} == {"A"}
    assert "vaccination" in {e["kind"] for e in late}
    assert admin.call("GET", f"{DAYS}/closing").json()["late_events"] == late
    as_csv = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}?format=csv")
    text = as_csv.content.decode("utf-8-sig")
    assert "結帳後收到 late events" in text
    # Person 3: a no-show in the frozen copy, and in each late event's row; masked.
    assert text.count(mask_id(pid(3))) == 1 + len(late)
    assert pid(3) not in text

    again = admin.call("POST", f"{DAYS}/close", json={})
    assert again.status_code == 409
    assert again.json()["detail"]["code"] == "day_closed"


def test_a_late_event_is_answered_late_on_the_wire(
    server: ThreadServer, admin: Admin, desks: Site
) -> None:
    a, b = desks.a, desks.b
    a.client.sync_once()
    b.client.sync_once()
    assert admin.call("POST", f"{DAYS}/close", json={}).status_code == 200
    a.service.check_in(pid(4))
    events = [e.to_dict() for e in a.store.outbox.pending()]
    token = desks.token_a
    r = httpx.post(
        f"{server.url}/api/v1/sites/{SITE_CODE}/events",
        json={"events": events},
        headers=auth(token),
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert [(x["status"], x["late"]) for x in r.json()["results"]] == [("stored", True)]
    # The reply was lost, the desk sends it again: held once, still late.
    again = httpx.post(
        f"{server.url}/api/v1/sites/{SITE_CODE}/events",
        json={"events": events},
        headers=auth(token),
        timeout=30,
    )
    assert [(x["status"], x["late"]) for x in again.json()["results"]] == [("duplicate", True)]
    late = admin.call("GET", f"{DAYS}/closing").json()["late_events"]
    assert [e["event_id"] for e in late] == [events[0]["event_id"]]


def test_a_desk_out_of_service_needs_a_reason_and_a_desk_never_heard_from_is_named(
    admin: Admin, desks: Site
) -> None:
    a, b = desks.a, desks.b
    admin.desk(SITE_CODE, "C")  # enrolled, never started
    _vaccinate(a, 1)
    a.client.sync_once()
    b.client.sync_once()
    assert _desk_states(admin) == {"A": "synced", "B": "synced", "C": "no_report"}
    refused = admin.call("POST", f"{DAYS}/close", json={})
    assert refused.status_code == 409
    assert "desk C never reported" in refused.json()["detail"]["message_en"]

    blank = admin.call("POST", f"{DAYS}/close", json={"out_of_service": {"C": " "}})
    assert blank.status_code == 422
    assert blank.json()["detail"]["code"] == "reason_needed"
    unknown = admin.call("POST", f"{DAYS}/close", json={"out_of_service": {"Z": "未使用"}})
    assert unknown.status_code == 422
    assert unknown.json()["detail"]["code"] == "unknown_desk"

    # A manager of the site may look, not close.
    r = admin.call(
        "POST",
        "/api/v1/accounts",
        json={"name": "manager", "role": "site_manager", "site": SITE_CODE},
    )
    manager = r.json()["token"]
    looked = httpx.get(f"{admin.url}{DAYS}/closing", headers=auth(manager), timeout=30)
    assert looked.status_code == 200
    tried = httpx.post(f"{admin.url}{DAYS}/close", json={}, headers=auth(manager), timeout=30)
    assert tried.status_code == 403

    closed = admin.call("POST", f"{DAYS}/close", json={"out_of_service": {"C": "未開機，備用櫃台"}})
    assert closed.status_code == 200, closed.text
    states = {d["desk"]: (d["state"], d["reason"]) for d in closed.json()["desks"]}
    assert states["C"] == ("out_of_service", "未開機，備用櫃台")
    assert closed.json()["closed"]["out_of_service"] == {"C": "未開機，備用櫃台"}


def test_a_desk_whose_report_predates_the_days_last_event_is_not_synced(
    server: ThreadServer, admin: Admin, desks: Site
) -> None:
    a, b = desks.a, desks.b
    b.client.sync_once()  # B says 0 waiting, on its own clock: real time, after 09:05
    token = desks.token_a
    early = {"events": [], "report": {"events_waiting": 0, "desk_time": f"{DAY}T08:00:00+08:00"}}
    r = httpx.post(
        f"{server.url}/api/v1/sites/{SITE_CODE}/events", json=early, headers=auth(token), timeout=30
    )
    assert r.status_code == 200, r.text
    _vaccinate(b, 5)
    b.client.sync_once()
    assert _desk_states(admin) == {"A": "behind", "B": "synced"}
    refused = admin.call("POST", f"{DAYS}/close", json={})
    assert refused.status_code == 409
    assert (
        "desk A last reported before the day's last event" in refused.json()["detail"]["message_en"]
    )
    bad = httpx.post(
        f"{server.url}/api/v1/sites/{SITE_CODE}/events",
        json={"events": [], "report": {"events_waiting": -1, "desk_time": "now"}},
        headers=auth(token),
        timeout=30,
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["code"] == "bad_report"
    a.client.sync_once()
    assert admin.call("POST", f"{DAYS}/close", json={}).status_code == 200


def test_the_cli_tells_the_day_closes_it_and_lists_late_events_masked(
    db_url: str, desks: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    a = desks.a
    _vaccinate(a, 1)
    a.client.sync_once()
    where = ["--db", db_url, "--site", SITE_CODE, "--day", str(DAY)]
    assert main(["server", "day", "status", *where]) == 1
    out = capsys.readouterr().out
    assert "A\t已同步 / synced (0 waiting)" in out
    assert "B\t從未回報 / no_report" in out
    assert "尚不能結帳 / not ready to close" in out

    assert main(["server", "day", "close", *where]) == 2
    assert "desk B never reported" in capsys.readouterr().err
    assert main(["server", "day", "close", *where, "--out-of-service", "B"]) == 2
    assert "DESK=REASON" in capsys.readouterr().err

    closing = ["--out-of-service", "B=印表機與電腦故障", "--by", "衛生局 王科長"]
    assert main(["server", "day", "close", *where, *closing]) == 0
    out = capsys.readouterr().out
    assert "B\t停用 / out_of_service: 印表機與電腦故障" in out
    assert "已結帳 / closed by 衛生局 王科長" in out

    _vaccinate(a, 2)
    assert a.client.sync_once().late > 0
    assert main(["server", "day", "status", *where]) == 0
    out = capsys.readouterr().out
    assert mask_id(pid(2)) in out
    assert pid(2) not in out
    assert "vaccination" in out

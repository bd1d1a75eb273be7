"""The server's HTTP API: rosters, validation, limits, reconciliation and exports."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from pathlib import Path

import httpx
import openpyxl
import pytest
from desks import DAY, OTHER_CODE, OTHER_SITE, SITE, SITE_CODE, pid, seed_roster
from live_server import Admin, ThreadServer, auth

from vaccination.demo_roster import write_demo_roster
from vaccination.events import parse_event


def _linked(events: list[dict]) -> list[dict]:
    """Name each decision's and vaccination's check-in: the person's latest one before it."""
    latest: dict[str, str] = {}
    for e in events:
        person = e["payload"].get("id_number")
        if e["kind"] == "checkin":
            latest[person] = e["event_id"]
        elif e["kind"] in ("doctor_decision", "vaccination") and person in latest:
            e["payload"].setdefault("checkin_id", latest[person])
    return events


def _event(desk: str, seq: int, kind: str, payload: dict, site: str = SITE, hour: int = 9) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "site": site,
        "desk": desk,
        "seq": seq,
        "at": f"{DAY}T{hour:02d}:{seq % 60:02d}:00+08:00",
        "kind": kind,
        "payload": {"day": DAY.isoformat(), **payload},
    }


def _push(url: str, token: str, events: list, site: str = SITE_CODE) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/sites/{site}/events",
        json={"events": events},
        headers=auth(token),
        timeout=30,
    )


def test_roster_upload_is_read_by_the_desk_importer_and_diffs_later_uploads(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE)
    token = admin.desk(SITE_CODE, "A")
    path = tmp_path / "roster.csv"
    write_demo_roster(path, 40, DAY)
    with path.open("rb") as fh:
        r = admin.call(
            "POST", f"/api/v1/sites/{SITE_CODE}/rosters/{DAY}", files={"file": ("名冊.csv", fh)}
        )
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["accepted"] > 20 and first["added"] > 0 and first["cancelled"] == 0
    headers = auth(token)
    roster = httpx.get(f"{server.url}/api/v1/sites/{SITE_CODE}/rosters/{DAY}", headers=headers)
    entries = roster.json()["entries"]
    assert len(entries) == first["added"]

    # The same file again changes nothing; a file without two people cancels two.
    with path.open("rb") as fh:
        again = admin.call(
            "POST", f"/api/v1/sites/{SITE_CODE}/rosters/{DAY}", files={"file": ("r.csv", fh)}
        ).json()
    assert (again["added"], again["changed"], again["cancelled"]) == (0, 0, 0)
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    gone = {e["id_number"] for e in entries[:2]}
    kept = [ln for ln in lines if not any(g in ln for g in gone)]
    smaller = tmp_path / "smaller.csv"
    smaller.write_text("".join(kept), encoding="utf-8-sig")
    with smaller.open("rb") as fh:
        third = admin.call(
            "POST", f"/api/v1/sites/{SITE_CODE}/rosters/{DAY}", files={"file": ("r.csv", fh)}
        ).json()
    assert third["cancelled"] == len(gone)
    pulled = httpx.get(
        f"{server.url}/api/v1/sites/{SITE_CODE}/events",
        params={"after": roster.json()["cursor"]},
        headers=headers,
    ).json()
    cancelled = {
        e["change"]["id_number"] for e in pulled["entries"] if e["kind"] == "roster_cancel"
    }
    assert cancelled == gone

    bad = admin.call(
        "POST",
        f"/api/v1/sites/{SITE_CODE}/rosters/{DAY}",
        files={"file": ("x.pdf", b"%PDF-1.4")},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["message_zh"]


def test_push_judges_each_event_alone(server: ThreadServer, admin: Admin) -> None:
    admin.site(SITE_CODE, SITE)
    token = admin.desk(SITE_CODE, "A")
    good1 = _event("A", 1, "checkin", {"id_number": pid(1), "queue_number": "A001"})
    good2 = _event("A", 2, "checkin", {"id_number": pid(2), "queue_number": "A002"})
    unknown_kind = {**_event("A", 3, "checkin", {}), "kind": "teleport"}
    no_payload_key = _event("A", 4, "vaccination", {"id_number": pid(1)})
    other_desk = _event("B", 5, "checkin", {"id_number": pid(3), "queue_number": "B001"})
    bad_day = _event("A", 6, "checkin", {"id_number": pid(4), "queue_number": "A003"})
    bad_day["payload"]["day"] = "yesterday"
    same_seq = _event("A", 1, "checkin", {"id_number": pid(5), "queue_number": "A009"})
    r = _push(
        server.url,
        token,
        [good1, unknown_kind, no_payload_key, other_desk, bad_day, "junk", good2, same_seq],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    codes = [x.get("code") for x in body["results"]]
    assert [x["status"] for x in body["results"]] == [
        "stored", "rejected", "rejected", "rejected", "rejected", "rejected", "stored", "rejected",
    ]  # fmt: skip
    assert codes[1:6] == ["malformed", "malformed", "wrong_desk", "malformed", "malformed"]
    assert codes[7] == "seq_taken"
    assert "teleport" in body["results"][1]["reason_en"]
    assert body["acked_through"] == 2
    # A repeat is acknowledged, not stored twice; a gap keeps acked_through where it is.
    good4 = _event("A", 4, "checkin", {"id_number": pid(6), "queue_number": "A004"})
    again = _push(server.url, token, [good1, good2, good4]).json()
    assert [x["status"] for x in again["results"]] == ["duplicate", "duplicate", "stored"]
    assert again["acked_through"] == 2
    good3 = _event("A", 3, "checkin", {"id_number": pid(7), "queue_number": "A005"})
    assert _push(server.url, token, [good3]).json()["acked_through"] == 4
    # Two copies in one batch: one stored, the copy acknowledged.
    good5 = _event("A", 5, "checkin", {"id_number": pid(8), "queue_number": "A006"})
    twice = _push(server.url, token, [good5, good5]).json()
    assert [x["status"] for x in twice["results"]] == ["stored", "duplicate"]
    assert twice["acked_through"] == 5


def test_every_kind_is_stored_and_pulled_exactly_as_its_model_writes_it(
    server: ThreadServer, admin: Admin
) -> None:
    """The server writes a batch's payloads straight from their models (on PostgreSQL into
    one JSON document): what another desk pulls is `Payload.wire()` of what was pushed,
    field for field, with a masked reason, a newer desk's fields and defaults filled in."""
    admin.site(SITE_CODE, SITE)
    token_a, token_b = admin.desk(SITE_CODE, "A"), admin.desk(SITE_CODE, "B")
    person = {"id_number": pid(1)}
    operator = {"operator": {"staff_id": "n-07", "name": "林護理師", "role": "vaccinator"}}
    vax = {"product": "CoV_Moderna", "lot": "MOD123", "dose": 1}
    pushed = _linked(
        [
            _event("A", 1, "checkin", {**person, **operator, "queue_number": "A001"}),
            _event("A", 2, "doctor_decision", {**person, "approved": False, "reason": "發燒 38.5"}),
            _event("A", 3, "vaccination", {**person, **vax, "vials_opened": 1}),
            _event(
                "A", 4, "walkin_added",
                {"id_number": pid(2), "name": "陳小明", "product": "CoV_Moderna", "dose": 2,
                 "history": [{"product": "CoV_Moderna", "given_on": "2026-01-05"}],
                 "wristband": {"colour": "藍", "n": [1, 2.5, None]}},
            ),
            _event("A", 5, "vial_opened", {"product": "CoV_Moderna", "lot": "MOD123", "doses": 10}),
            _event(
                "A", 6, "vial_discarded",
                {"product": "CoV_Moderna", "lot": "MOD123", "reason": f"掉落 {pid(3)} 旁"},
            ),
        ]
    )  # fmt: skip
    pushed.append(
        _event(
            "A", 7, "checkin_undone",
            {**person, "checkin_id": pushed[0]["event_id"], "reason": "排錯隊"},
        )
    )  # fmt: skip
    pushed.append(
        _event(
            "A", 8, "correction",
            {**person, "action": "void_checkin", "target": pushed[0]["event_id"],
             "reason": "重複報到"},
        )
    )  # fmt: skip
    r = _push(server.url, token_a, pushed)
    assert [x["status"] for x in r.json()["results"]] == ["stored"] * len(pushed), r.text
    pulled = httpx.get(
        f"{server.url}/api/v1/sites/{SITE_CODE}/events", headers=auth(token_b), timeout=30
    ).json()["entries"]
    events = [e["event"] for e in pulled if e["type"] == "event"]
    assert [e["event_id"] for e in events] == [e["event_id"] for e in pushed]
    for sent, got in zip(pushed, events, strict=True):
        expected = parse_event(sent).payload.wire()
        assert got["payload"] == expected, sent["kind"]
        assert (got["at"], got["seq"], got["kind"]) == (sent["at"], sent["seq"], sent["kind"])
    assert events[3]["payload"]["wristband"] == {"colour": "藍", "n": [1, 2.5, None]}
    assert events[0]["payload"]["schema"] == 1 and events[0]["payload"]["flags"] == []
    assert pid(3) not in events[5]["payload"]["reason"]  # an ID in a reason is masked


def test_malformed_and_oversized_requests_get_4xx_never_500(
    server: ThreadServer, admin: Admin
) -> None:
    admin.site(SITE_CODE, SITE)
    token = admin.desk(SITE_CODE, "A")
    url = f"{server.url}/api/v1/sites/{SITE_CODE}/events"
    headers = auth(token)
    cases: list[bytes] = [
        b"",
        b"{",
        b"[]",
        b'{"events": 5}',
        b'{"events": [NaN]}',
        b'{"events": [{"seq": 1e400}]}',
        b'{"events": ["\\u0000"]}',
        b'{"events": ["\\ud800"]}',
        b"\xff\xfe\x00garbage",
    ]
    rng = random.Random(3)
    base = json.dumps(
        {"events": [_event("A", 1, "checkin", {"id_number": pid(1), "queue_number": "A001"})]}
    ).encode()
    for _ in range(60):  # random byte flips of a valid push
        b = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        cases.append(bytes(b))
    huge = {
        "events": [
            _event(
                "A", 1, "checkin", {"id_number": "x" * 1000, "queue_number": "A1", "seq": 10**30}
            )
        ]
    }
    huge["events"][0]["seq"] = 10**30
    cases.append(json.dumps(huge).encode())
    for body in cases:
        r = httpx.post(url, content=body, headers=headers, timeout=30)
        assert 200 <= r.status_code < 500, (body[:80], r.status_code, r.text[:200])
        if r.status_code >= 400:
            assert r.json()["detail"]["message_en"]
    big = httpx.post(url, content=b"x" * (6 * 1024 * 1024), headers=headers, timeout=30)
    assert big.status_code == 413
    many = {"events": [{}] * 2001}
    assert httpx.post(url, json=many, headers=headers, timeout=30).status_code == 413
    assert httpx.get(url, params={"after": -1}, headers=headers).status_code == 422
    assert httpx.get(url, params={"after": "x"}, headers=headers).status_code == 422
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    # A desk gets 403 for any site but its own, the bureau 404 for a site that does not exist.
    assert httpx.get(f"{server.url}/api/v1/sites/NOPE/events", headers=headers).status_code == 403
    assert admin.call("GET", "/api/v1/sites/NOPE/events").status_code == 404
    assert admin.call("POST", "/api/v1/sites", json={"code": "x"}).status_code == 422
    bad_inst = {"code": "S9", "name": "某地", "institution_code": "12345"}
    assert admin.call("POST", "/api/v1/sites", json=bad_inst).status_code == 422
    # A desk may not create sites or read exports.
    assert httpx.post(f"{server.url}/api/v1/sites", json={}, headers=headers).status_code in (
        403,
        422,
    )
    niis = httpx.get(f"{server.url}/api/v1/sites/{SITE_CODE}/exports/niis/{DAY}", headers=headers)
    assert niis.status_code == 403


def test_reconciliation_conflicts_and_exports(
    server: ThreadServer, admin: Admin, tmp_path: Path
) -> None:
    admin.site(SITE_CODE, SITE, institution="2321010010")
    admin.site(OTHER_CODE, OTHER_SITE, institution="2321020020")
    seed_roster(admin, SITE_CODE, range(1, 7), name='=HYPERLINK("http://x")')
    # Person 3 had dose 1 of Moderna ten days ago: dose 2 today is inside the 28 days.
    seed_roster(
        admin,
        SITE_CODE,
        range(3, 4),
        dose=2,
        history=[{"product": "CoV_Moderna", "given_on": "2026-11-13"}],
    )
    a, b = admin.desk(SITE_CODE, "A"), admin.desk(SITE_CODE, "B")
    other = admin.desk(OTHER_CODE, "A")
    vac = {"product": "CoV_Moderna", "lot": "MOD123", "dose": 1}
    events_a = [
        _event("A", 1, "checkin", {"id_number": pid(1), "queue_number": "A001"}),
        _event("A", 2, "vaccination", {"id_number": pid(1), **vac}),
        _event("A", 3, "checkin", {"id_number": pid(2), "queue_number": "A002"}),
        _event("A", 4, "checkin", {"id_number": pid(3), "queue_number": "A003"}),
        _event("A", 5, "vaccination", {"id_number": pid(3), **vac, "dose": 2}),
        _event("A", 6, "checkin", {"id_number": pid(4), "queue_number": "A004"}, hour=10),
        _event("A", 7, "vaccination", {"id_number": pid(4), **vac}, hour=10),
        _event("A", 8, "vaccination", {"id_number": pid(1), **vac}, hour=11),
    ]
    events_b = [
        _event("B", 1, "checkin", {"id_number": pid(2), "queue_number": "B001"}),
        _event(
            "B", 2, "doctor_decision", {"id_number": pid(2), "approved": False, "reason": "發燒"}
        ),
    ]
    events_other = [
        _event(
            "A",
            1,
            "checkin",
            {"id_number": pid(4), "queue_number": "A001"},
            site=OTHER_SITE,
            hour=8,
        ),
        _event(
            "A",
            2,
            "doctor_decision",
            {"id_number": pid(4), "approved": False, "reason": "血壓高"},
            site=OTHER_SITE,
            hour=8,
        ),
    ]
    assert _push(server.url, a, _linked(events_a)).json()["stored"] == 8
    assert _push(server.url, b, _linked(events_b)).json()["stored"] == 2
    pushed = _push(server.url, other, _linked(events_other), site=OTHER_CODE)
    assert pushed.json()["stored"] == 2

    rec = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}").json()
    assert rec["counts"] == {
        "booked": 6, "checked_in": 4, "vaccinated": 3, "not_approved": 1, "no_show": 2,
        "walk_in": 0,
    }  # fmt: skip
    found = {(c["code"], c["masked_id"]) for c in rec["conflicts"]}
    mask = lambda n: pid(n)[:3] + "****" + pid(n)[-3:]  # noqa: E731
    assert ("CHECKED_IN_TWICE", mask(2)) in found  # desks A and B
    assert ("INTERVAL_TOO_SHORT", mask(3)) in found
    assert ("TWO_VACCINATIONS_SAME_DAY", mask(1)) in found
    assert ("VACCINATED_AFTER_REFUSAL", mask(4)) in found  # refused at the other site
    assert ("CHECKED_IN_TWICE", mask(4)) in found  # two sites
    # No doctor's decision was recorded before these doses.
    assert ("VACCINATED_WITHOUT_APPROVAL", mask(1)) in found
    assert ("VACCINATED_WITHOUT_APPROVAL", mask(3)) in found
    assert len(found) == 7

    csv_r = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}?format=csv")
    text = csv_r.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    xlsx_r = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}?format=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_r.content))
    conflicts_sheet = wb.worksheets[1]
    names = [row[2] for row in conflicts_sheet.iter_rows(min_row=2, values_only=True)]
    formulas = [n for n in names if "HYPERLINK" in n]
    assert len(formulas) == 6 and all(n.startswith("'=") for n in formulas)

    niis = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/exports/niis/{DAY}")
    rows = list(csv.reader(io.StringIO(niis.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["疫苗代碼", "劑次", "接種日期", "批號"]
    assert len(rows) == 1 + 4
    assert {r[3] for r in rows[1:]} == {"MOD123-CDC"}
    assert {r[7] for r in rows[1:]} == {"2321010010"}
    assert {r[4] for r in rows[1:]} == {pid(1), pid(3), pid(4)}
    # The name cell is defused too (person 3 was re-booked under a plain name).
    assert {r[5] for r in rows[1:]} == {'\'=HYPERLINK("http://x")', "王小3"}

    r = admin.call(
        "POST",
        f"/api/v1/sites/{SITE_CODE}/stock/deliveries",
        json={"day": str(DAY), "product": "CoV_Moderna", "lot": "MOD123", "vials": 5},
    )
    assert r.status_code == 204
    stock = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/exports/stock/{DAY}")
    rows = list(csv.reader(io.StringIO(stock.content.decode("utf-8-sig"))))
    # 4 Moderna doses at 10 a vial: one vial used, four left of five delivered.
    assert rows == [
        ["疫苗代號", "批號", "結存數量(瓶)", "消耗數量(瓶)"],
        ["CoV_Moderna", "MOD123-CDC", "4", "1"],
    ]


@pytest.mark.parametrize("role", ["bureau_staff", "site_manager"])
def test_roles_read_what_they_may(server: ThreadServer, admin: Admin, role: str) -> None:
    admin.site(SITE_CODE, SITE)
    admin.site(OTHER_CODE, OTHER_SITE)
    body = {"name": "x", "role": role, "site": SITE_CODE if role == "site_manager" else None}
    token = admin.call("POST", "/api/v1/accounts", json=body).json()["token"]
    h = auth(token)
    own = httpx.get(f"{server.url}/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}", headers=h)
    other = httpx.get(f"{server.url}/api/v1/sites/{OTHER_CODE}/reconciliation/{DAY}", headers=h)
    create = httpx.post(
        f"{server.url}/api/v1/sites/{SITE_CODE}/desks", json={"desk": "Z"}, headers=h
    )
    assert own.status_code == 200
    assert other.status_code == (200 if role == "bureau_staff" else 403)
    assert create.status_code == 403

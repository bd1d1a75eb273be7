"""The pages' forms over HTTP: add a person, cancel, notices, stock, reveal, statistics, language.

Seed 000 (臺南打疫苗 後台): 增加人員、匯出通知單、每日數量; seed 002 (ch. 6): 每日庫存
回報「疫苗代號、批號、結存數量(瓶)、消耗數量(瓶)」.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import httpx
from conftest import SITE_A, SITE_A_NAME, Bureau
from desks import DAY as DESK_DAY
from desks import make_desk, pid, seed_roster
from sqlalchemy import delete, select, update
from web_client import Browserless, add_user, sign_in

from sync_server.db.engine import make_engine
from sync_server.db.tables import audit_log, desk_progress, sites, web_sessions
from sync_server.services.accounts import Role, now_utc
from sync_server.services.statistics import age_band
from vaccination.ids import mask_id
from vaccination.rules import DEFAULT_RULES_DIR

DAY = "2026-12-02"
ROSTER = f"/sites/{SITE_A}/rosters/{DAY}"


def _csv(r: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def _audit(bureau: Bureau, action: str) -> list[dict[str, object]]:
    engine = make_engine(bureau.db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == action)).all()
    engine.dispose()
    return [dict(r.detail) | {"actor": r.actor, "target": r.target} for r in rows]


def _add(client: Browserless, n: int, **extra: str) -> httpx.Response:
    form = {
        "id_number": pid(n),
        "name": f"陳大{n}",
        "birth_date": "1950-03-04",
        "phone": "0912345678",
        "slot": "10:30",
        "product": "CoV_Moderna",
        "dose": "2",
    }
    return client.post(f"{ROSTER}/add", form | extra)


def test_add_a_person_then_cancel_and_export_notices(shared_bureau: Bureau) -> None:
    manager = sign_in(shared_bureau.url, "manager")
    assert _add(manager, 41).status_code == 303
    assert _add(manager, 42).status_code == 303
    page = manager.get(ROSTER).text
    assert "陳大41" in page and pid(41) not in page  # masked on screen and in the forms
    bad = _add(manager, 43, id_number="A123456788")
    assert bad.status_code == 422 and "A12****788" in bad.text

    notices = manager.get(f"{ROSTER}/notices.csv")
    rows = _csv(notices)
    assert rows[0] == ["姓名", "身分證字號", "電話", "接種時段", "接種地點", "疫苗", "劑別"]
    assert rows[1] == [
        "陳大41", pid(41)[:3] + "****" + pid(41)[-3:], "0912345678", f"{DAY} 10:30",
        SITE_A_NAME, "CoV_Moderna", "第2劑",
    ]  # fmt: skip
    ref = page.split('name="ref" value="')[1].split('"')[0]
    assert manager.post(f"{ROSTER}/cancel", {"ref": ref}).status_code == 303
    assert "陳大41" not in manager.get(ROSTER).text
    api = shared_bureau.admin.call("GET", f"/api/v1/sites/{SITE_A}/rosters/{DAY}").json()
    assert [e["name"] for e in api["entries"]] == ["陳大42"]  # the desks' view agrees
    assert [a["target"] for a in _audit(shared_bureau, "booking_cancelled")] == [f"{SITE_A} {DAY}"]
    assert _audit(shared_bureau, "notices_exported")[0]["rows"] == 2


def test_stock_delivery_and_the_stock_page(shared_bureau: Bureau) -> None:
    admin = sign_in(shared_bureau.url, "admin")
    form = {"day": DAY, "product": "CoV_AZ", "lot": "KB0001", "vials": "40"}
    r = admin.post(f"/sites/{SITE_A}/stock/deliveries", form)
    assert r.status_code == 303
    page = admin.get(f"/stock?code={SITE_A}&day={DAY}").text
    assert "KB0001-CDC" in page and ">40<" in page
    stock = _csv(admin.get(f"/sites/{SITE_A}/exports/stock/{DAY}.csv"))
    assert stock == [
        ["疫苗代號", "批號", "結存數量(瓶)", "消耗數量(瓶)"],
        ["CoV_AZ", "KB0001-CDC", "40", "0"],
    ]


def test_a_conflict_shows_a_full_id_only_after_a_reason(
    shared_bureau: Bureau, tmp_path: Path
) -> None:
    seed_roster(shared_bureau.admin, SITE_A, range(7, 9))
    desks = [
        make_desk(tmp_path, shared_bureau.url, shared_bureau.admin.desk(SITE_A, d), d)
        for d in ("B", "C")
    ]
    try:
        for desk in desks:  # both desks check person 7 in: a conflict for the bureau
            desk.client.download_roster(DESK_DAY)
            assert desk.service.check_in(pid(7)).checked_in
            desk.client.sync_once()
    finally:
        for desk in desks:
            desk.close()
    staff = sign_in(shared_bureau.url, "staff")
    day_page = f"/sites/{SITE_A}/days/{DESK_DAY}"
    page = staff.get(day_page).text
    assert "CHECKED_IN_TWICE" in page and pid(7) not in page and mask_id(pid(7)) in page
    assert "未處理" in page  # the conflict's state: nobody has voided a check-in yet
    assert 'id="no_shows"' in page and mask_id(pid(8)) in page  # person 8 never came
    none = staff.post(f"{day_page}/reveal", {"conflict": "0", "reason": ""})
    assert none.status_code == 422 and "原因" in none.text and pid(7) not in none.text
    assert _audit(shared_bureau, "id_revealed") == []
    shown = staff.post(f"{day_page}/reveal", {"conflict": "0", "reason": "電話聯絡本人"})
    assert shown.status_code == 200 and pid(7) in shown.text
    assert shown.headers["cache-control"] == "no-store"
    logged = _audit(shared_bureau, "id_revealed")
    assert logged == [
        {
            "id": mask_id(pid(7)),
            "reason": "電話聯絡本人",
            "actor": "staff",
            "target": f"{SITE_A} {DESK_DAY}",
        }
    ]


def test_statistics_bands_and_range() -> None:
    on = date(2026, 12, 2)
    assert age_band(date(2021, 12, 3), on) == "0-4"
    assert age_band(date(2014, 12, 2), on) == "12-17"  # 12 on the birthday
    assert age_band(date(1961, 12, 3), on) == "50-64"  # 65 only tomorrow
    assert age_band(None, on) == "?"


def test_statistics_refuses_a_range_over_a_year(shared_bureau: Bureau) -> None:
    staff = sign_in(shared_bureau.url, "staff")
    start = date(2025, 1, 1)
    r = staff.get(f"/statistics?start={start}&end={start + timedelta(days=400)}")
    assert r.status_code == 422


def test_a_day_in_a_page_address_is_an_iso_date_only(shared_bureau: Bureau) -> None:
    """`0` or `20261123` in an address was read as Unix time (a page of 1970); now every
    page refuses a day that is not written YYYY-MM-DD, with a page that says which field."""
    staff = sign_in(shared_bureau.url, "staff")
    for path in (
        f"/sites/{SITE_A}/days/0",
        f"/sites/{SITE_A}/rosters/20261123",
        "/statistics?start=0",
        "/?day=1700000000",
    ):
        r = staff.get(path)
        assert r.status_code == 422, path
        assert "欄位不正確" in r.text and "1970" not in r.text, path
    assert staff.get(f"/sites/{SITE_A}/days/{DESK_DAY}").status_code == 200


def test_english_is_selectable(shared_bureau: Bureau) -> None:
    staff = sign_in(shared_bureau.url, "staff")
    home = staff.get("/")
    assert "今日各場所" in home.text
    assert "script-src 'self'" in home.headers["content-security-policy"]
    switched = staff.get("/language?to=en&next=/rosters")
    assert switched.status_code == 303 and switched.headers["location"] == "/rosters"
    assert "Every site today" in staff.get("/").text
    assert staff.get("/language?to=en&next=//evil.example").headers["location"] == "/"


def test_the_cookie_is_secure_behind_tls(shared_bureau: Bureau) -> None:
    """uvicorn takes X-Forwarded-Proto from a proxy on loopback: the request came over TLS."""
    http = httpx.Client(base_url=shared_bureau.url, headers={"X-Forwarded-Proto": "https"})
    try:
        form = http.get("/sign-in")
        token = form.text.split('name="form_token" value="')[1].split('"')[0]
        http.cookies.set("vaxdesk_sign_in", form.cookies["vaxdesk_sign_in"])
        r = http.post(
            "/sign-in",
            data={"login": "staff", "password": "correct horse battery", "form_token": token},
        )
    finally:
        http.close()
    assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


def test_an_idle_session_ends(shared_bureau: Bureau) -> None:
    staff = sign_in(shared_bureau.url, "staff")
    engine = make_engine(shared_bureau.db_url)
    with engine.begin() as conn:
        long_ago = conn.execute(select(web_sessions.c.last_seen_at)).scalars().first()
        assert long_ago is not None
        conn.execute(update(web_sessions).values(last_seen_at=long_ago - timedelta(hours=2)))
    engine.dispose()
    assert staff.get("/").status_code == 303


def test_a_site_whose_desks_went_quiet_stands_out_today(shared_bureau: Bureau) -> None:
    today = date.today()
    entry = {
        "id_number": pid(90), "name": "林今天", "slot_start": f"{today}T09:00:00",
        "product": "CoV_Moderna", "dose": 1,
    }  # fmt: skip
    r = shared_bureau.admin.call(
        "POST", f"/api/v1/sites/{SITE_A}/rosters/{today}/entries", json=entry
    )
    assert r.status_code == 201
    staff = sign_in(shared_bureau.url, "staff")
    engine = make_engine(shared_bureau.db_url)
    with engine.begin() as conn:
        site_id = conn.execute(select(sites.c.id).where(sites.c.code == SITE_A)).scalar_one()
        conn.execute(delete(desk_progress).where(desk_progress.c.site_id == site_id))
    quiet = staff.get("/").text
    assert 'class="stale" data-site="TN01"' in quiet  # bookings today, no desk has synced
    with engine.begin() as conn:
        conn.execute(
            desk_progress.insert().values(
                site_id=site_id, desk="A", acked_through=12, last_push_at=now_utc()
            )
        )
    page = staff.get("/").text
    assert 'class="" data-site="TN01"' in page and "未同步" not in page
    with engine.begin() as conn:
        conn.execute(update(desk_progress).values(last_push_at=now_utc() - timedelta(minutes=20)))
    engine.dispose()
    late = staff.get("/today/table").text
    assert 'class="stale" data-site="TN01"' in late and "未同步" in late


def test_an_administrator_changes_a_role(shared_bureau: Bureau) -> None:
    moved = add_user(shared_bureau.db_url, "moving", Role.BUREAU_STAFF)
    before = sign_in(shared_bureau.url, "moving")
    admin = sign_in(shared_bureau.url, "admin")
    bad = admin.post(f"/accounts/{moved}/role", {"role": "site_manager", "site": ""})
    assert bad.status_code == 422 and "此角色需要指定場所" in bad.text
    ok = admin.post(f"/accounts/{moved}/role", {"role": "site_manager", "site": SITE_A})
    assert ok.status_code == 303
    assert before.get("/").status_code == 303  # signed out by the change
    after = sign_in(shared_bureau.url, "moving")
    assert after.get("/sites").status_code == 403  # a site manager now
    assert after.get(f"/sites/{SITE_A}/days/{DAY}").status_code == 200
    assert _audit(shared_bureau, "account_role")[0]["role"] == "site_manager"


def test_the_sites_page_lists_the_published_rule_set_versions(bureau: Bureau) -> None:
    staff = sign_in(bureau.url, "staff")
    assert "尚未發布" in staff.get("/sites").text
    body = json.loads((DEFAULT_RULES_DIR / "covid19_2023.json").read_text(encoding="utf-8"))
    body |= {"version": "2026.11", "effective_from": "2026-12-03"}
    r = bureau.admin.call("POST", "/api/v1/rule-sets", content=json.dumps(body).encode())
    assert r.status_code == 201, r.text
    page = staff.get("/sites").text
    table = page[page.index('id="rule_sets"') :]
    assert "<td>covid19</td><td>2026.11</td><td>2026-12-03</td>" in table


def test_a_site_hub_is_enrolled_revoked_and_re_enrolled_on_the_sites_page(
    bureau: Bureau,
) -> None:
    """Issue 17, "Sites, desks, hubs": the hub's token is shown once with the command that
    starts it; a revoked hub is refused by the API; re-enrolling gives a new token."""
    admin = sign_in(bureau.url, "admin")
    page = admin.post(f"/sites/{SITE_A}/hubs", {})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    token = page.text.split("data-token>", 1)[1].split("<", 1)[0].strip()
    assert "vaxdesk hub --upstream" in page.text and "<svg" not in page.text.split("<table")[0]
    hub_site = f"{bureau.url}/api/v1/sites/{SITE_A}/hub/site"
    assert httpx.get(hub_site, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    listing = admin.get("/sites").text
    assert token not in listing
    row = listing.split(f'data-hub="{SITE_A}-', 1)[1]
    hub_id = int(row.split('"', 1)[0])
    assert "使用中" in row.split("</tr>", 1)[0]
    assert f'action="/sites/{SITE_A}/hubs"' not in listing  # one active hub a site

    assert admin.post(f"/desks/{hub_id}/revoke", {}).status_code == 303
    assert httpx.get(hub_site, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    again = admin.post(f"/desks/{hub_id}/reenrol", {})
    new = again.text.split("data-token>", 1)[1].split("<", 1)[0].strip()
    assert new != token
    assert httpx.get(hub_site, headers={"Authorization": f"Bearer {new}"}).status_code == 200
    for action in ("hub_enrolled", "hub_revoked", "hub_reenrolled"):
        assert [e["target"] for e in _audit(bureau, action)] == [f"{SITE_A} hub"], action

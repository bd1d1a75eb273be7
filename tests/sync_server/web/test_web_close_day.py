"""結帳 on the site-day page: the desks and their state, the close form (CSRF), the banner.

Desk A is a real desk that synced; desk B told the server it still holds two events.
Closing is refused on the page naming B, until B is marked out of service with a reason;
then the page shows who closed the day and when, and lists an event that came later.
The Today page shows each desk's unsent events from its report.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from conftest import SITE_A, Bureau
from desks import DAY, Desk, make_desk, pid, seed_roster
from live_server import auth
from playwright.sync_api import Page, expect
from test_web_browser import browser_sign_in
from web_client import sign_in

DAY_PAGE = f"/sites/{SITE_A}/days/{DAY}"


def _report_holding(url: str, token: str, waiting: int) -> None:
    """Desk B's push of no events with its report: it holds `waiting` unsent."""
    body = {
        "events": [],
        "report": {"events_waiting": waiting, "desk_time": datetime.now(UTC).isoformat()},
    }
    r = httpx.post(f"{url}/api/v1/sites/{SITE_A}/events", json=body, headers=auth(token))
    assert r.status_code == 200, r.text


@pytest.fixture
def desk_a(bureau: Bureau, tmp_path: Path) -> Iterator[Desk]:
    """Desk A of TN01, one vaccination synced; desk B enrolled, holding two events."""
    seed_roster(bureau.admin, SITE_A, range(1, 4))
    desk = make_desk(tmp_path, bureau.url, bureau.admin.desk(SITE_A, "A"), "A")
    try:
        desk.client.download_roster(DAY)
        cid = desk.service.check_in(pid(1)).checkin_id
        assert cid
        desk.service.doctor_decision(cid, approved=True, reason=None)
        desk.service.record_vaccination(cid, "CoV_Moderna", "MOD77", 1, open_vial=True)
        desk.client.sync_once()
        _report_holding(bureau.url, bureau.admin.desk(SITE_A, "B"), 2)
        yield desk
    finally:
        desk.close()


def test_the_close_form_refuses_naming_the_desk_then_closes_with_a_reason(
    bureau: Bureau, desk_a: Desk
) -> None:
    staff = sign_in(bureau.url, "staff")
    page = staff.get(DAY_PAGE)
    assert page.status_code == 200
    assert 'data-desk="A" data-state="synced"' in page.text
    assert 'data-desk="B" data-state="waiting"' in page.text
    assert "櫃台 B 尚有 2 筆事件未上傳" in page.text

    forged = staff.http.post(f"{DAY_PAGE}/close", data={})  # no CSRF token
    assert forged.status_code == 403
    refused = staff.post(f"{DAY_PAGE}/close")
    assert refused.status_code == 409
    assert 'id="close-error"' in refused.text and "櫃台 B 尚有 2 筆事件未上傳" in refused.text
    blank = staff.post(f"{DAY_PAGE}/close", {"out": "B", "reason_desk": "B", "reason": " "})
    assert blank.status_code == 422
    assert "須寫明原因" in blank.text

    manager = sign_in(bureau.url, "manager")  # TN01's manager sees the states, cannot close
    seen = manager.get(DAY_PAGE)
    assert 'data-state="waiting"' in seen.text and 'id="close-form"' not in seen.text
    assert manager.post(f"{DAY_PAGE}/close", {"out": "B", "reason": "x"}).status_code == 403

    closed = staff.http.post(
        f"{DAY_PAGE}/close",
        data={
            "csrf_token": staff.csrf,
            "out": ["B"],
            "reason_desk": ["A", "B"],
            "reason": ["", "網路中斷，電腦已關機"],
        },
    )
    assert closed.status_code == 303, closed.text
    after = staff.get(DAY_PAGE)
    assert 'id="closed-banner"' in after.text and "<b>staff</b>" in after.text
    assert 'data-desk="B" data-state="out_of_service"' in after.text
    assert "網路中斷，電腦已關機" in after.text
    assert 'id="close-form"' not in after.text
    again = staff.post(f"{DAY_PAGE}/close")
    assert again.status_code == 409 and "已於" in again.text

    # The downloads are the frozen files: a dose recorded after closing is not in them.
    niis = f"/sites/{SITE_A}/exports/niis/{DAY}.csv"
    frozen = staff.get(niis).content
    assert frozen.decode("utf-8-sig").count("MOD77-CDC") == 1
    cid = desk_a.service.check_in(pid(2)).checkin_id
    assert cid
    desk_a.service.doctor_decision(cid, approved=True, reason=None)
    desk_a.service.record_vaccination(cid, "CoV_Moderna", "MOD77", 1)
    assert desk_a.client.sync_once().late == 3
    assert staff.get(niis).content == frozen
    today = staff.get(f"/today/table?day={DAY}").text
    assert "data-closed" in today and 'data-count="vaccinated">1<' in today
    audit = sign_in(bureau.url, "admin").get("/audit")
    assert "day_closed" in audit.text


def test_closing_in_the_browser_then_a_late_event_is_listed(
    bureau: Bureau, desk_a: Desk, page: Page, screenshots: Path
) -> None:
    url = bureau.url
    browser_sign_in(page, url, "staff")
    page.goto(f"{url}/?day={DAY}")
    row = page.locator(f"tr[data-site='{SITE_A}']")
    expect(row.locator(".desk[data-desk='B'] [data-waiting]")).to_have_attribute(
        "data-waiting", "2"
    )
    expect(row.locator(".desk[data-desk='A'] [data-waiting]")).to_have_attribute(
        "data-waiting", "0"
    )
    expect(row.locator(".desk.holding")).to_have_count(1)
    page.screenshot(path=screenshots / "web-today-unsent.png", full_page=True)

    page.goto(f"{url}{DAY_PAGE}#closing")
    section = page.locator("#closing")
    expect(section.locator("tr[data-desk='B']")).to_have_attribute("data-state", "waiting")
    section.locator("tr[data-desk='B'] input[name='out']").check()
    section.get_by_label("櫃台 B 停用原因").fill("網路中斷，電腦已關機")
    section.screenshot(path=screenshots / "web-close-day-form.png")
    section.get_by_role("button", name="結帳").click()
    expect(page.locator("#closed-banner")).to_contain_text("staff")

    # Desk A, still working, records another dose: stored, but late.
    cid = desk_a.service.check_in(pid(2)).checkin_id
    assert cid
    desk_a.service.doctor_decision(cid, approved=True, reason=None)
    desk_a.service.record_vaccination(cid, "CoV_Moderna", "MOD77", 1, open_vial=False)
    assert desk_a.client.sync_once().late == 3
    page.reload()
    late = page.locator("#late_events tbody tr")
    expect(late).to_have_count(3)
    expect(page.locator("#late_events")).to_contain_text("接種")
    # The frozen count: one vaccinated, whatever came later.
    expect(page.locator(".counts div", has_text="已接種").locator("b")).to_have_text("1")
    page.screenshot(path=screenshots / "web-close-day.png", full_page=True)

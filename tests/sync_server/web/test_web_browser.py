"""The bureau's pages in a real browser (Debian's chromium driven by Playwright).

A bureau user signs in, watches a desk's check-in appear on the Today page by itself,
downloads the NIIS and reconciliation files and reads their rows; a roster with broken
rows is uploaded and its report read; a desk is enrolled (token once, QR code); an
account is disabled; a site manager is refused another site's page. The pages'
screenshots for the README are taken here (VAXDESK_WEB_SCREENSHOTS=docs/web).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zxingcpp
from conftest import SITE_A, SITE_B, Bureau
from desks import DAY, Desk, make_desk, pid, seed_roster
from PIL import Image
from playwright.sync_api import Dialog, Page, expect
from web_client import PASSWORD, add_user, try_sign_in

from sync_server.services.accounts import Role
from vaccination.wire import DeskEnrolment

ROSTER_DAY = "2023-06-05"
# Rows 3 (ID checksum) and 5 (month 13) are broken; rows 2 and 4 are good.
BROKEN_ROSTER = Path(__file__).parent / "data" / "taichung_broken_rows.csv"


def browser_sign_in(page: Page, url: str, login: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{url}/sign-in")
    page.get_by_label("帳號").fill(login)
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.locator(".who")).to_contain_text(login)


def _csv_rows(path: str) -> list[list[str]]:
    text = Path(path).read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def desk_a(shared_bureau: Bureau, tmp_path: Path) -> Iterator[Desk]:
    """Desk A of TN01 with the day's roster of three people downloaded."""
    seed_roster(shared_bureau.admin, SITE_A, range(1, 4))
    token = shared_bureau.admin.desk(SITE_A, "A")
    desk = make_desk(tmp_path, shared_bureau.url, token, "A")
    try:
        assert desk.client.download_roster(DAY) == 3
        yield desk
    finally:
        desk.close()


def test_a_desks_checkin_appears_on_today_and_in_the_downloads(
    shared_bureau: Bureau, desk_a: Desk, page: Page, screenshots: Path
) -> None:
    url = shared_bureau.url
    browser_sign_in(page, url, "staff")
    page.goto(f"{url}/?day={DAY}&every=2")
    row = page.locator(f"tr[data-site='{SITE_A}']")
    expect(row.locator("[data-count='booked']")).to_have_text("3")
    expect(row.locator("[data-count='checked_in']")).to_have_text("0")

    out = desk_a.service.check_in(pid(1))
    assert out.checked_in and out.checkin_id
    desk_a.service.doctor_decision(out.checkin_id, approved=True, reason=None)
    desk_a.service.record_vaccination(out.checkin_id, "CoV_Moderna", "MOD77", 1, open_vial=True)
    desk_a.client.sync_once()
    # No reload: the page fetches its table again by itself.
    expect(row.locator("[data-count='checked_in']")).to_have_text("1")
    expect(row.locator("[data-count='vaccinated']")).to_have_text("1")
    expect(row.locator(".desk")).to_contain_text("A")
    page.screenshot(path=screenshots / "web-today.png", full_page=True)

    page.goto(f"{url}/exports?code={SITE_A}&day={DAY}")
    page.screenshot(path=screenshots / "web-exports.png", full_page=True)
    with page.expect_download() as niis:
        page.locator("#niis").click()
    rows = _csv_rows(niis.value.path())
    assert rows[0][:4] == ["疫苗代碼", "劑次", "接種日期", "批號"]
    assert len(rows) == 2
    assert rows[1][3] == "MOD77-CDC" and rows[1][4] == pid(1) and rows[1][7] == "2321010010"
    with page.expect_download() as rec:
        page.locator("#reconciliation-csv").click()
    counts = {r[0]: r[1] for r in _csv_rows(rec.value.path()) if len(r) == 2}
    assert counts["已報到 checked_in"] == "1" and counts["未到 no_show"] == "2"
    assert niis.value.suggested_filename == f"niis_{SITE_A}_{DAY}.csv"

    # Both downloads are in the audit log, which the bureau reads on its page.
    page.goto(f"{url}/audit?action=exported")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator(".notice")).to_contain_text("雜湊鏈完整")
    page.screenshot(path=screenshots / "web-audit.png", full_page=True)

    page.goto(f"{url}/statistics?start={DAY}&end={DAY}")
    expect(page.locator("#total")).to_have_text("1")
    page.screenshot(path=screenshots / "web-statistics.png", full_page=True)


def test_a_roster_with_broken_rows_and_its_report(
    shared_bureau: Bureau, page: Page, screenshots: Path, tmp_path: Path
) -> None:
    roster = tmp_path / "taichung_20230605.csv"
    roster.write_bytes(BROKEN_ROSTER.read_text(encoding="utf-8").encode("utf-8-sig"))
    browser_sign_in(page, shared_bureau.url, "admin")
    page.goto(f"{shared_bureau.url}/rosters")
    page.get_by_label("場所").select_option(SITE_B)
    page.get_by_label("日期").fill(ROSTER_DAY)
    page.get_by_role("button", name="開啟名冊").click()
    page.get_by_label("CSV 或 Excel 檔").set_input_files(roster)
    page.get_by_role("button", name="上傳").click()

    report = page.locator("#import-report")
    expect(report.locator("[data-report='accepted']")).to_have_text("2")
    expect(report.locator("[data-report='rejected']")).to_have_text("2")
    rejected = page.locator("#rejected-rows tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.nth(0)).to_contain_text("3")
    expect(rejected.nth(0)).to_contain_text("B13****027")
    expect(rejected.nth(1)).to_contain_text("5")
    bookings = page.locator("#bookings tbody")
    expect(bookings).to_contain_text("呂美玲")
    expect(bookings).not_to_contain_text("B233300019")  # IDs are masked on the page
    page.screenshot(path=screenshots / "web-roster.png", full_page=True)

    questions: list[str] = []

    def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    bookings.locator("tr", has_text="呂美玲").get_by_role("button", name="取消預約").click()
    expect(bookings.locator("tr")).to_have_count(1)
    expect(bookings).not_to_contain_text("呂美玲")
    assert questions == ["取消這筆預約？"]


def test_enrol_a_desk_shows_its_token_once_with_a_qr_code(
    shared_bureau: Bureau, page: Page, screenshots: Path, tmp_path: Path
) -> None:
    browser_sign_in(page, shared_bureau.url, "admin")
    page.goto(f"{shared_bureau.url}/sites")
    form = page.locator(f"form[action='/sites/{SITE_B}/desks']")
    form.get_by_label("櫃台代號").fill("C")
    form.get_by_role("button", name="登記櫃台").click()
    token = page.locator("[data-token]").inner_text().strip()
    expect(page.locator("#enrolled .qr svg")).to_be_visible()
    page.screenshot(path=screenshots / "web-sites.png", full_page=True)
    # The QR code on the screen, read as a desk's camera or scanner would.
    shot = tmp_path / "enrolment-qr.png"  # it holds a token: not among the README's images
    page.locator("#enrolled .qr svg").screenshot(path=shot)
    [symbol] = zxingcpp.read_barcodes(Image.open(shot))
    enrolment = DeskEnrolment.model_validate_json(symbol.text)
    assert (enrolment.site, enrolment.desk, enrolment.token) == (SITE_B, "C", token)
    assert enrolment.server == shared_bureau.url
    me = httpx.get(f"{shared_bureau.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["desk"] == "C" and me.json()["site"] == SITE_B
    page.goto(f"{shared_bureau.url}/sites")
    expect(page.locator("[data-token]")).to_have_count(0)
    expect(page.locator(f"tr[data-desk='{SITE_B}-C']")).to_contain_text("使用中")


def test_disable_an_account(shared_bureau: Bureau, page: Page, screenshots: Path) -> None:
    add_user(shared_bureau.db_url, "temp_staff", Role.BUREAU_STAFF)
    browser_sign_in(page, shared_bureau.url, "admin")
    page.goto(f"{shared_bureau.url}/accounts")
    row = page.locator("tr[data-account='temp_staff']")
    expect(row.locator("[data-state]")).to_have_text("使用中")
    row.get_by_role("button", name="停用").click()
    expect(row.locator("[data-state]")).to_have_text("已停用")
    page.screenshot(path=screenshots / "web-accounts.png", full_page=True)
    _, refused = try_sign_in(shared_bureau.url, "temp_staff")
    assert refused.status_code == 401 and "此帳號已停用" in refused.text


def test_a_site_manager_is_refused_another_sites_page(
    shared_bureau: Bureau, page: Page, screenshots: Path
) -> None:
    page.goto(f"{shared_bureau.url}/sign-in")
    page.screenshot(path=screenshots / "web-sign-in.png")
    browser_sign_in(page, shared_bureau.url, "manager_b")
    own = page.goto(f"{shared_bureau.url}/sites/{SITE_B}/days/{DAY}")
    assert own is not None and own.status == 200
    other = page.goto(f"{shared_bureau.url}/sites/{SITE_A}/days/{DAY}")
    assert other is not None and other.status == 403
    expect(page.locator(".error .message")).to_have_text("此帳號沒有這項權限")


def test_swagger_ui_runs_from_the_servers_own_assets(shared_bureau: Bureau, page: Page) -> None:
    """/docs used to load Swagger UI from a CDN: blank on a bureau network without internet."""
    page.goto(f"{shared_bureau.url}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/sites").first).to_be_visible()

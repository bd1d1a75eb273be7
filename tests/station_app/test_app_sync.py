"""The window with the sync client: a real server on loopback, the real status bar."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_fixtures import desk_with
from live_server import Admin, ThreadServer, free_port
from PySide6.QtWidgets import QApplication
from store_fixtures import DAY, SITE, pid

from station_app.app import Desk
from station_app.settings import DeskSettings, save_settings
from vaccination.rules import DEFAULT_RULES_DIR

pytestmark = pytest.mark.gui
SITE_CODE = "TN01"


def _desk(tmp_path: Path, settings: DeskSettings) -> Desk:
    desk = desk_with(tmp_path, settings)
    desk.window.show()
    return desk


@pytest.fixture
def closing() -> Iterator[list[Desk]]:
    desks: list[Desk] = []
    yield desks
    for desk in desks:
        desk.close()
    QApplication.processEvents()


def test_status_bar_goes_from_offline_to_online_with_nothing_waiting(
    qtbot, tmp_path: Path, closing: list[Desk], caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    port = free_port()
    server = ThreadServer(f"sqlite:///{tmp_path / 'server.db'}", port=port)
    token_file = tmp_path / "desk_A.token"
    settings = DeskSettings(
        site=SITE,
        desk="A",
        server_url=f"http://127.0.0.1:{port}",
        desk_token_file=str(token_file),
    )
    try:
        # The token exists before the server does: the desk is configured but offline.
        server.start()
        admin = Admin(server.url)
        admin.site(SITE_CODE, SITE)
        token = admin.desk(SITE_CODE, "A")
        server.stop()
        token_file.write_text(token + "\n", encoding="utf-8")

        desk = _desk(tmp_path, settings)
        closing.append(desk)
        label = desk.window.sync_label
        qtbot.waitUntil(lambda: "離線" in label.text(), timeout=20_000)
        assert "同步" in label.text()

        desk.window.checkin_view.handle_scan(pid(1))
        qtbot.waitUntil(lambda: "待上傳 1 筆" in label.text(), timeout=20_000)

        server = ThreadServer(f"sqlite:///{tmp_path / 'server.db'}", port=port).start()
        desk.window.checkin_view.handle_scan(pid(2))  # a check-in wakes the client at once
        qtbot.waitUntil(lambda: "已連線，待上傳 0 筆" in label.text(), timeout=30_000)
        assert desk.store.outbox.count_pending() == 0
        # The server holds both check-ins.
        rec = Admin(server.url).call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}")
        assert rec.status_code == 200, rec.text
        assert rec.json()["counts"]["checked_in"] == 2, rec.text
    finally:
        server.stop()
    # The token is in no settings file and no log line.
    saved = save_settings(settings, tmp_path / "config").read_text(encoding="utf-8")
    assert token not in saved and str(token_file) in saved
    assert token not in caplog.text


def test_a_missing_token_file_is_said_in_the_status_bar(
    qtbot, tmp_path: Path, closing: list[Desk]
) -> None:  # type: ignore[no-untyped-def]
    settings = DeskSettings(
        site=SITE,
        desk="A",
        server_url="http://127.0.0.1:9",
        desk_token_file=str(tmp_path / "missing.token"),
    )
    desk = _desk(tmp_path, settings)
    closing.append(desk)
    assert desk.sync is None
    text = desk.window.sync_label.text()
    assert "無法讀取櫃台憑證檔" in text and "missing.token" in text


def test_without_a_server_sync_is_not_started(qtbot, tmp_path: Path, closing: list[Desk]) -> None:  # type: ignore[no-untyped-def]
    desk = _desk(tmp_path, DeskSettings(site=SITE, desk="A"))
    closing.append(desk)
    assert desk.sync is None
    qtbot.waitUntil(lambda: "未設定" in desk.window.sync_label.text(), timeout=10_000)


def test_status_bar_shows_the_rule_set_version_the_bureau_published_for_today(
    qtbot, tmp_path: Path, closing: list[Desk]
) -> None:  # type: ignore[no-untyped-def]
    body = json.loads((DEFAULT_RULES_DIR / "covid19_2023.json").read_text(encoding="utf-8"))
    body |= {"version": "2026.11", "effective_from": DAY.isoformat()}
    server = ThreadServer(f"sqlite:///{tmp_path / 'server.db'}").start()
    token_file = tmp_path / "desk_A.token"
    try:
        admin = Admin(server.url)
        admin.site(SITE_CODE, SITE)
        token_file.write_text(admin.desk(SITE_CODE, "A") + "\n", encoding="utf-8")
        r = admin.call("POST", "/api/v1/rule-sets", content=json.dumps(body).encode())
        assert r.status_code == 201, r.text
        settings = DeskSettings(
            site=SITE, desk="A", server_url=server.url, desk_token_file=str(token_file)
        )
        desk = _desk(tmp_path, settings)
        closing.append(desk)
        label = desk.window.rules_label
        qtbot.waitUntil(lambda: "規則 covid19" in label.text(), timeout=20_000)
        qtbot.waitUntil(lambda: "規則 covid19 2026.11、" in label.text(), timeout=30_000)
        assert "規則可能不是最新" not in label.text()
        assert desk.service.assess(pid(1)).rule_set_version == "2026.11"
    finally:
        server.stop()

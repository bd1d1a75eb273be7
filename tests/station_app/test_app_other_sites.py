"""The person card says how old the desk's knowledge of other sites is (issue 13, defect 4).

The window with its sync client against a real server on loopback; the desk's clock
(the service's clock seam, shared with the sync client) moves only when the test says.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_fixtures import desk_with
from live_server import Admin, ThreadServer, free_port
from PySide6.QtWidgets import QApplication
from store_fixtures import SITE, pid

from station_app.app import Desk
from station_app.settings import DeskSettings

pytestmark = pytest.mark.gui
SITE_CODE = "TN01"


@pytest.fixture
def closing() -> Iterator[list[Desk]]:
    desks: list[Desk] = []
    yield desks
    for desk in desks:
        desk.close()
    QApplication.processEvents()


def _card_line(desk: Desk) -> str | None:
    """The card's line about other sites after a scan (None: no line)."""
    desk.window.refresh_status()
    assert desk.window.background.wait(30_000)
    desk.window.checkin_view.handle_scan(pid(1))
    label = desk.window.checkin_view.card.other_sites_label
    return None if label.isHidden() else label.text()


def test_offline_the_card_says_how_old_the_knowledge_of_other_sites_is(
    qtbot, tmp_path: Path, closing: list[Desk]
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    db = f"sqlite:///{tmp_path / 'server.db'}"
    server = ThreadServer(db, port=port).start()
    admin = Admin(server.url)
    admin.site(SITE_CODE, SITE)
    token_file = tmp_path / "desk_A.token"
    token_file.write_text(admin.desk(SITE_CODE, "A") + "\n", encoding="utf-8")
    server.stop()
    settings = DeskSettings(
        site=SITE, desk="A", server_url=f"http://127.0.0.1:{port}", desk_token_file=str(token_file)
    )
    desk = desk_with(tmp_path, settings)  # its clock: 09:05
    closing.append(desk)
    desk.window.show()
    sync = desk.window.sync_label
    try:
        qtbot.waitUntil(lambda: "離線" in sync.text(), timeout=20_000)
        assert _card_line(desk) == "其他站資料：尚未下載"

        server = ThreadServer(db, port=port).start()
        desk.window.sync_bridge.wake()
        qtbot.waitUntil(lambda: "已連線" in sync.text(), timeout=30_000)
        assert _card_line(desk) is None  # online: what it knows is seconds old

        server.stop()
        desk.window.sync_bridge.wake()
        qtbot.waitUntil(lambda: "離線" in sync.text(), timeout=30_000)
        desk.service.clock.set(12, 5)
        assert _card_line(desk) == "其他站資料：3 小時前"
        desk.service.clock.set(9, 17)
        assert _card_line(desk) == "其他站資料：12 分鐘前"
    finally:
        server.stop()

"""The site hub started from the desk's settings on the PC that hosts it (issue 14).

"a way to start the hub from the desk app's settings on the PC that hosts it": with
`host_hub` on, the desk app runs `vaxdesk hub` itself, syncs through it pinned to its
certificate, shows the fingerprint for the other desks, and stops it when it closes.
A real bureau on loopback, the real hub process, a second desk syncing through it.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from app_fixtures import desk_with
from live_server import Admin, ThreadServer, free_port
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from store_fixtures import DAY, SITE, pid

from station_app.hub_host import HubHostError, start_hub
from station_app.settings import DeskSettings
from vaxdesk.cli import main

pytestmark = pytest.mark.gui
SITE_CODE = "TN01"


def test_a_desk_hosts_the_hub_and_another_desk_syncs_through_it(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bureau = ThreadServer(f"sqlite:///{tmp_path / 'bureau.db'}", auth_cache_seconds=0).start()
    try:
        admin = Admin(bureau.url)
        admin.site(SITE_CODE, SITE)
        tokens = {}
        for letter in "AB":
            tokens[letter] = tmp_path / f"desk_{letter}.token"
            tokens[letter].write_text(admin.desk(SITE_CODE, letter) + "\n", encoding="utf-8")
        hub_token = tmp_path / "hub.token"
        assert main(["server", "hub", "add", "--db", bureau.database_url, "--site", SITE_CODE,
                     "--token-out", str(hub_token)]) == 0  # fmt: skip
        port = free_port()
        (tmp_path / "a").mkdir()
        host = desk_with(
            tmp_path / "a",
            DeskSettings(
                site=SITE,
                desk="A",
                server_url=bureau.url,
                desk_token_file=str(tokens["A"]),
                host_hub=True,
                hub_token_file=str(hub_token),
                hub_port=port,
            ),
        )
        try:
            assert host.hub is not None and host.hub.process.poll() is None
            fingerprint = host.hub.fingerprint
            host.window.show()
            button = host.window.hub_button
            assert button.isVisible() and fingerprint[:5] in button.text()
            button.setFocus()
            qtbot.keyClick(button, Qt.Key.Key_Space)  # keyboard: the full fingerprint to copy
            shown = host.window.hub_dialog
            assert shown is not None and shown.isVisible()
            assert shown.fields["hub_fingerprint"].text() == fingerprint
            assert shown.fields["hub_url"].text().endswith(f":{port}")
            shown.accept()
            # Desk B is set up by hand with this PC's address and the fingerprint shown.
            (tmp_path / "b").mkdir()
            other = desk_with(
                tmp_path / "b",
                DeskSettings(
                    site=SITE,
                    desk="B",
                    server_url=bureau.url,
                    hub_url=f"https://127.0.0.1:{port}",
                    hub_fingerprint=fingerprint,
                    desk_token_file=str(tokens["B"]),
                ),
            )
            try:
                other.window.checkin_view.handle_scan(pid(1))
                # B's check-in reaches A through the hub A runs.
                qtbot.waitUntil(
                    lambda: any(c.id_number == pid(1) for c in host.service.doctor_queue()),
                    timeout=60_000,
                )
                qtbot.waitUntil(lambda: "站內" in other.window.sync_label.text(), timeout=10_000)
                qtbot.waitUntil(lambda: _checked_in_at_bureau(admin) == 1, timeout=30_000)
            finally:
                other.close()
            process = host.hub.process
        finally:
            host.close()
            QApplication.processEvents()
        assert process.poll() is not None  # the hub stops with the desk that runs it
    finally:
        bureau.stop()


def _checked_in_at_bureau(admin: Admin) -> int:
    """The bureau's count: B's check-in is relayed up by the hub too."""
    held = admin.call("GET", f"/api/v1/sites/{SITE_CODE}/reconciliation/{DAY}").json()
    return int(held["counts"]["checked_in"])


@pytest.mark.parametrize(
    ("changes", "says"),
    [({"server_url": ""}, "衛生局同步伺服器"), ({"hub_token_file": "nowhere.token"}, "找不到")],
)
def test_the_hub_is_not_started_without_what_it_needs(
    tmp_path: Path, changes: dict[str, str], says: str
) -> None:
    given = {"server_url": "http://127.0.0.1:1", "hub_token_file": ""} | changes
    settings = DeskSettings(site=SITE, desk="A", host_hub=True, **given)
    with pytest.raises(HubHostError) as refused:
        start_hub(settings, tmp_path)
    assert says in refused.value.message_zh


def test_a_hub_that_cannot_start_leaves_the_desk_with_the_bureau(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    token = tmp_path / "desk_A.token"
    token.write_text("some-desk-token\n", encoding="utf-8")
    settings = DeskSettings(
        site=SITE,
        desk="A",
        server_url="http://127.0.0.1:1",
        desk_token_file=str(token),
        host_hub=True,
    )
    desk = desk_with(tmp_path, settings)
    try:
        desk.window.show()
        assert desk.hub is None
        assert desk.window.hub_button.text() == "中繼未啟動"
        desk.window.hub_button.click()
        shown = desk.window.hub_dialog
        assert shown is not None and shown.isVisible()
        reasons = [label.text() for label in shown.findChildren(QLabel)]
        assert any("找不到站內中繼憑證檔" in text for text in reasons)
        shown.accept()
        assert desk.sync is not None and desk.sync.client.server_url == "http://127.0.0.1:1"
    finally:
        desk.close()
        QApplication.processEvents()


def _hub_settings(tmp_path: Path, port: int) -> DeskSettings:
    token = tmp_path / "hub.token"
    token.write_text("a-hub-token\n", encoding="utf-8")  # the bureau is not reached here
    return DeskSettings(
        site=SITE,
        desk="A",
        host_hub=True,
        server_url="http://127.0.0.1:1",
        hub_token_file=str(token),
        hub_port=port,
    )


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def test_a_port_already_taken_is_said_not_hidden(tmp_path: Path) -> None:
    """A hub left running by a crashed desk holds the port: the new one would fail to
    listen while the desk synced with the old one. The desk says so instead."""
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(HubHostError) as refused:
            start_hub(_hub_settings(tmp_path, port), tmp_path / "desk")
    assert f"連接埠 {port} 已被其他程式使用" in refused.value.message_zh


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_hub_ends_when_the_desk_app_is_killed(tmp_path: Path) -> None:
    """A desk app killed (power button, kill -9) leaves no hub holding the port."""
    port = free_port()
    settings = _hub_settings(tmp_path, port)
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from station_app.hub_host import start_hub\n"
        "from station_app.settings import DeskSettings\n"
        f"hub = start_hub(DeskSettings(**{dataclasses.asdict(settings)!r}), "
        f"Path({str(tmp_path / 'desk')!r}))\n"
        "print(hub.process.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    desk_app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert desk_app.stdout is not None
        assert desk_app.stdout.readline().strip().isdigit()  # the hub answers
        assert _port_taken(port)
    finally:
        desk_app.kill()
        desk_app.wait()
        if desk_app.stdout is not None:
            desk_app.stdout.close()
    deadline = time.monotonic() + 20
    while _port_taken(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _port_taken(port)

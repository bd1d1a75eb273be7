"""Finding the site hub on the site's network (issue 14): "optionally announced on the LAN
(zeroconf/mDNS) so a desk's settings dialog can offer it; the desk verifies the hub's TLS
certificate or its pinned fingerprint shown on the hub's screen (no silent trust of
whatever answers on the LAN)".

A real `vaxdesk hub --tls --announce` process (started as the desk app starts it), real
multicast DNS on this machine's network; the dialog takes the address, never the
fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import free_port
from PySide6.QtCore import Qt
from store_fixtures import SITE

from station_app.dialogs import SettingsDialog
from station_app.hub_discovery import FoundHub, find_hubs
from station_app.hub_host import HostedHub, start_hub
from station_app.pinned_tls import pinned_context
from station_app.settings import DeskSettings


def test_no_hub_on_the_network_is_said(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(DeskSettings(site=SITE, desk="B", hub_url="https://typed:8000"))
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.hub_finder.button, Qt.MouseButton.LeftButton)
    assert not dialog.hub_finder.button.isEnabled()  # listening, off the GUI thread
    qtbot.waitUntil(lambda: "沒有找到站內中繼" in dialog.hub_finder.note.text(), timeout=15_000)
    assert dialog.hub_finder.button.isEnabled()
    assert dialog.editors["hub_url"].text() == "https://typed:8000"  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostedHub]:
    folder = tmp_path_factory.mktemp("hub-pc")
    token = folder / "hub.token"
    token.write_text("a-hub-token\n", encoding="utf-8")  # the bureau is not reached here
    settings = DeskSettings(
        site=SITE,
        desk="A",
        host_hub=True,
        server_url="http://127.0.0.1:1",
        hub_token_file=str(token),
        hub_port=free_port(),
    )
    running = start_hub(settings, folder / "desk")
    try:
        yield running
    finally:
        running.stop()


def _this_hub(found: list[FoundHub], hub: HostedHub) -> list[FoundHub]:
    port = hub.url.rsplit(":", 1)[1]
    return [h for h in found if h.url.endswith(f":{port}")]


def test_the_hub_is_heard_at_an_address_other_pcs_can_reach(hub: HostedHub) -> None:
    [found] = _this_hub(find_hubs(), hub)
    assert found.url.startswith("https://") and not found.url.startswith("https://127.")
    assert found.announced_fingerprint == hub.fingerprint
    # The announced address answers with the hub's own certificate.
    pinned_context(found.url, hub.fingerprint)


def test_the_settings_dialog_takes_the_address_never_the_fingerprint(  # type: ignore[no-untyped-def]
    qtbot, hub: HostedHub
) -> None:
    dialog = SettingsDialog(DeskSettings(site=SITE, desk="B"))
    qtbot.addWidget(dialog)
    dialog.show()
    finder = dialog.hub_finder
    qtbot.mouseClick(finder.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已填入網址" in finder.note.text(), timeout=15_000)
    port = hub.url.rsplit(":", 1)[1]
    assert dialog.editors["hub_url"].text().endswith(f":{port}")  # type: ignore[attr-defined]
    assert dialog.editors["hub_fingerprint"].text() == ""  # type: ignore[attr-defined]
    assert "對照中繼電腦畫面" in finder.note.text() and hub.fingerprint[-5:] in finder.note.text()
    chosen = dialog.values()
    assert chosen.hub_url.endswith(f":{port}") and chosen.hub_fingerprint == ""

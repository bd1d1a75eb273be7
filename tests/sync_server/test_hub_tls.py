"""A desk trusts a site hub by the fingerprint on the hub's screen, and nothing else.

Issue 14: "the desk verifies the hub's TLS certificate or its pinned fingerprint shown on
the hub's screen (no silent trust of whatever answers on the LAN)". A real uvicorn serving
the sync server over TLS on loopback with the hub's own certificate.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from desks import DAY, SITE, SITE_CODE, make_desk, pid, seed_roster
from live_server import BOOT, Admin, ThreadServer, free_port

from station_app.pinned_tls import HubPinError, pinned_context
from station_app.sync_client import SyncRefused, SyncState, SyncUnavailable
from sync_server.app import create_app
from sync_server.core.config import Settings
from sync_server.core.tls import ensure_hub_certificate
from vaccination.tls_fingerprint import normalise_fingerprint
from vaxdesk.cli import main


@pytest.fixture
def tls_hub(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """(https URL, fingerprint, certificate folder) of a hub serving TLS on loopback."""
    cert = ensure_hub_certificate(tmp_path / "tls")
    port = free_port()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'hub.db'}", bootstrap_admin_token=BOOT)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(cert.cert_file),
            ssl_keyfile=str(cert.key_file),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{port}"
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    yield url, cert.fingerprint, tmp_path / "tls"
    server.should_exit = True
    thread.join(15)


def test_the_pinned_hub_is_trusted_and_answers(tls_hub: tuple[str, str, Path]) -> None:
    url, fingerprint, _ = tls_hub
    # As the manager types it off the hub's screen: lower case, spaces for colons.
    typed = fingerprint.replace(":", " ").lower()
    with httpx.Client(base_url=url, verify=pinned_context(url, typed)) as http:
        assert http.get("/api/v1/health").status_code == 200


def test_a_hub_with_another_certificate_is_refused(
    tls_hub: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, _, _ = tls_hub
    other = ensure_hub_certificate(tmp_path / "another-hub").fingerprint
    with pytest.raises(HubPinError) as refused:
        pinned_context(url, other)
    assert "指紋不符" in refused.value.message_zh
    assert other[:5] in refused.value.message_en  # the expected value named, shortened


def test_without_the_pin_the_self_signed_hub_is_not_trusted(
    tls_hub: tuple[str, str, Path],
) -> None:
    url, _, _ = tls_hub
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{url}/api/v1/health")


def test_the_certificate_is_made_once_and_its_key_kept_private(
    tls_hub: tuple[str, str, Path],
) -> None:
    _, fingerprint, folder = tls_hub
    again = ensure_hub_certificate(folder)
    assert again.fingerprint == fingerprint  # a restart keeps what the desks pinned
    assert again.key_file.stat().st_mode & 0o077 == 0
    assert normalise_fingerprint(fingerprint) == fingerprint


@pytest.mark.parametrize(
    ("url", "fingerprint", "says"),
    [
        ("https://127.0.0.1:1", "12:34", "格式不對"),
        ("http://127.0.0.1:1", "AB" * 32, "https://"),
        ("https://127.0.0.1:1", "AB" * 32, "無法取得"),
    ],
)
def test_a_wrong_setting_says_what_is_wrong(url: str, fingerprint: str, says: str) -> None:
    with pytest.raises(HubPinError) as refused:
        pinned_context(url, fingerprint, timeout=2)
    assert says in refused.value.message_zh


def test_a_desk_syncs_through_vaxdesk_hub_tls_by_its_fingerprint(tmp_path: Path) -> None:
    """`vaxdesk hub --tls` prints the fingerprint; a desk with it in its settings takes the
    bureau's roster through the hub over HTTPS; a desk with another fingerprint does not
    connect and says why."""
    bureau = ThreadServer(f"sqlite:///{tmp_path / 'bureau.db'}", auth_cache_seconds=0).start()
    try:
        admin = Admin(bureau.url)
        admin.site(SITE_CODE, SITE)
        seed_roster(admin, SITE_CODE, range(1, 4))
        desk_token = admin.desk(SITE_CODE, "A")
        token_file = tmp_path / "hub.token"
        assert main(["server", "hub", "add", "--db", bureau.database_url, "--site", SITE_CODE,
                     "--token-out", str(token_file)]) == 0  # fmt: skip
        port = free_port()
        hub = subprocess.Popen(
            [sys.executable, "-m", "vaxdesk", "hub", "--db", f"sqlite:///{tmp_path / 'hub.db'}",
             "--upstream", bureau.url, "--token-file", str(token_file), "--host", "127.0.0.1",
             "--port", str(port), "--interval", "0.2", "--tls", str(tmp_path / "tls")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert hub.stdout is not None
            shown = [hub.stdout.readline() for _ in range(2)]
            assert "指紋" in shown[0], shown
            fingerprint = shown[1].strip()
            assert fingerprint == ensure_hub_certificate(tmp_path / "tls").fingerprint
            url = f"https://127.0.0.1:{port}"
            (tmp_path / "a").mkdir()
            desk = make_desk(
                tmp_path / "a", url, desk_token, "A", hub=True, pinned_fingerprint=fingerprint
            )
            (tmp_path / "b").mkdir()
            stranger = ensure_hub_certificate(tmp_path / "stranger").fingerprint
            fooled = make_desk(
                tmp_path / "b", url, desk_token, "A", hub=True, pinned_fingerprint=stranger
            )
            try:
                for _ in range(100):  # the hub learns the site's desks from the bureau
                    try:
                        if desk.client.download_roster(DAY) == 3:
                            break
                    except (SyncUnavailable, SyncRefused):
                        pass
                    time.sleep(0.1)
                assert desk.service.assess(pid(1)).codes() == []
                with pytest.raises(SyncUnavailable) as refused:
                    fooled.client.sync_once()
                assert "指紋不符" in refused.value.message_zh
                assert fooled.client.status.state is SyncState.OFFLINE
            finally:
                desk.close()
                fooled.close()
        finally:
            hub.terminate()
            hub.communicate(timeout=15)  # and close its output pipe
    finally:
        bureau.stop()

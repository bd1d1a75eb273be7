"""A desk trusts a site hub by the fingerprint on the hub's screen, and nothing else.

Issue 14: "the desk verifies the hub's TLS certificate or its pinned fingerprint shown on
the hub's screen (no silent trust of whatever answers on the LAN)". A real uvicorn serving
the sync server over TLS on loopback with the hub's own certificate.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from live_server import BOOT, free_port

from station_app.pinned_tls import HubPinError, pinned_context
from sync_server.app import create_app
from sync_server.core.config import Settings
from sync_server.core.tls import ensure_hub_certificate
from vaccination.tls_fingerprint import normalise_fingerprint


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

"""Run the site hub on this desk PC (setting `host_hub`): no spare box, no terminal.

The desk app starts `vaxdesk hub` as a child process with its own data in the desk's
folder (`hub.db`, the hub's certificate in `hub-tls/`, its output in `hub.log`), waits until
it answers over TLS with the fingerprint it printed, syncs with it over HTTPS pinned to that
fingerprint, and stops it when the desk closes. The other desks of the site are set up
with this PC's address and the fingerprint shown in this desk's status bar.
"""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from station_app.bilingual_error import BilingualError
from station_app.pinned_tls import HubPinError, pinned_context
from station_app.settings import DeskSettings
from vaccination.tls_fingerprint import normalise_fingerprint

LOG_FILE = "hub.log"


class HubHostError(BilingualError):
    """The hub could not be started here: the reason in both languages."""


@dataclass
class HostedHub:
    """The hub running on this PC: its process, its local address and fingerprint."""

    process: subprocess.Popen[bytes]
    url: str
    fingerprint: str

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the hub (SIGTERM, then SIGKILL after `timeout`)."""
        _stop(self.process, timeout)


def _stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def hub_command(settings: DeskSettings, folder: Path) -> list[str]:
    """The `vaxdesk hub` command line this desk runs (the bureau is its upstream)."""
    return [
        sys.executable, "-m", "vaxdesk", "hub",
        "--db", f"sqlite:///{folder / 'hub.db'}",
        "--upstream", settings.server_url,
        "--token-file", settings.hub_token_file,
        "--port", str(settings.hub_port),
        "--tls", str(folder / "hub-tls"),
        "--announce",  # the other desks' settings dialog can find this PC
    ]  # fmt: skip


def _check(settings: DeskSettings) -> None:
    if not settings.server_url:
        raise HubHostError(
            "要在本機執行站內中繼，須先設定衛生局同步伺服器網址。",
            "To run the site hub here, set the bureau's sync server URL first.",
        )
    if not settings.hub_token_file or not Path(settings.hub_token_file).is_file():
        raise HubHostError(
            f"找不到站內中繼憑證檔「{settings.hub_token_file}」（衛生局登記中繼站時取得）。",
            f"The hub token file '{settings.hub_token_file}' is missing "
            "(the bureau gives it when it enrols the hub).",
        )


def _check_port_free(port: int) -> None:
    """A hub left running (a desk that crashed) or another program holds the port: say so
    rather than start a hub that cannot listen while the old one answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            raise HubHostError(
                f"連接埠 {port} 已被其他程式使用（可能是上次沒有關閉的站內中繼）；"
                "請關閉它或在設定中改用其他連接埠。",
                f"Port {port} is in use by another program (perhaps a hub left running); "
                "stop it or choose another port in the settings.",
            ) from None


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux the hub gets SIGTERM when the desk app dies, even killed: no orphan hub
    holding the port. Elsewhere the desk stops it when it closes."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def set_death_signal() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return set_death_signal


def _answers(url: str, fingerprint: str) -> bool:
    try:
        pinned_context(url, fingerprint, timeout=1.0)
    except HubPinError:
        return False
    return True


def _fingerprint_in(log_file: Path, start: int) -> str | None:
    with log_file.open("rb") as fh:
        fh.seek(start)
        for line in fh.read().decode("utf-8", "replace").splitlines():
            found = normalise_fingerprint(line.strip())
            if found is not None:
                return found
    return None


def start_hub(settings: DeskSettings, folder: Path, timeout: float = 30.0) -> HostedHub:
    """Start the hub and wait until it answers over TLS with the certificate fingerprint
    it printed; HubHostError otherwise."""
    _check(settings)
    _check_port_free(settings.hub_port)
    folder.mkdir(parents=True, exist_ok=True)
    log_file = folder / LOG_FILE
    with log_file.open("ab") as out:
        start = out.tell()
        process = subprocess.Popen(
            hub_command(settings, folder),
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent(),  # prctl only, before exec
        )
    url = f"https://127.0.0.1:{settings.hub_port}"
    deadline = time.monotonic() + timeout
    fingerprint: str | None = None
    while time.monotonic() < deadline and process.poll() is None:
        fingerprint = fingerprint or _fingerprint_in(log_file, start)
        if fingerprint is not None and _answers(url, fingerprint):
            return HostedHub(process, url, fingerprint)
        time.sleep(0.1)
    _stop(process)
    tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-3:]
    raise HubHostError(
        f"站內中繼沒有啟動（詳見 {log_file}）：{' / '.join(tail)}",
        f"The site hub did not start (see {log_file}): {' / '.join(tail)}",
    )

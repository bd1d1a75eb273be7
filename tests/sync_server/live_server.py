"""A real sync server on loopback for tests: uvicorn in a thread or in a child process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from sync_server.app import create_app
from sync_server.core.config import Settings
from vaccination.wire import PROTOCOL, PROTOCOL_HEADER

ROOT = Path(__file__).resolve().parents[2]
BOOT = "bootstrap-admin-token-for-tests"


def auth(token: str) -> dict[str, str]:
    """The headers of a sync call: the bearer token and the protocol the desk speaks."""
    return {"Authorization": f"Bearer {token}", PROTOCOL_HEADER: str(PROTOCOL)}


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    """Poll the health endpoint until it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not come up")


class ThreadServer:
    """uvicorn serving create_app(settings) in a background thread."""

    def __init__(self, database_url: str, port: int | None = None, **settings: Any) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.settings = Settings(database_url=database_url, bootstrap_admin_token=BOOT, **settings)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadServer:
        self.app = create_app(self.settings)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws="none",
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        wait_until_up(self.url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)
        self._server = None
        self._thread = None


class ProcessServer:
    """`vaxdesk server` in a child process, so a test can kill it mid-request."""

    def __init__(self, database_url: str, port: int | None = None) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ProcessServer:
        env = dict(os.environ)
        env["VAXDESK_SERVER_BOOTSTRAP_ADMIN_TOKEN"] = BOOT
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vaxdesk",
                "server",
                "--db",
                self.database_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",  # one process, so killing it kills the server
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(self.url)
        return self

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, transactions in flight are lost."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(10)
            self._proc = None

    def terminate_and_wait(self, timeout: float) -> int | None:
        """SIGTERM, as systemd stops it: the exit code, or None when it had to be killed."""
        if self._proc is None:
            return None
        proc, self._proc = self._proc, None
        proc.terminate()
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
            return None

    def stop(self) -> None:
        self.terminate_and_wait(10)


@dataclass(frozen=True)
class Admin:
    """Bureau calls against a live server with the bootstrap token."""

    url: str

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", headers=auth(BOOT), timeout=30, **kwargs)

    def site(self, code: str, name: str, institution: str = "2321010010") -> None:
        r = self.call(
            "POST",
            "/api/v1/sites",
            json={"code": code, "name": name, "institution_code": institution},
        )
        assert r.status_code == 201, r.text

    def desk(self, site: str, desk: str) -> str:
        r = self.call("POST", f"/api/v1/sites/{site}/desks", json={"desk": desk})
        assert r.status_code == 201, r.text
        return str(r.json()["token"])

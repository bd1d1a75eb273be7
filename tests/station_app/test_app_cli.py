"""`vaxdesk app` as a user starts it: a real process on the offscreen platform."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.gui


def _run(tmp_path: Path, *args: str, command: str = "app") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VAXDESK_CONFIG_DIR=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "vaxdesk", command, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_demo_opens_the_window_on_the_demo_roster(tmp_path: Path) -> None:
    out = _run(tmp_path, "--demo", "--people", "60", "--exit-when-ready")
    assert out.returncode == 0, out.stderr
    assert "ready" in out.stdout
    assert "site=臺南市立體育館" in out.stdout
    assert "Traceback" not in out.stderr
    # The demo leaves the desk PC's own settings and database alone.
    assert not (tmp_path / "config" / "vaxdesk.db").exists()


def test_an_existing_database_opens_without_first_run(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").write_text('{"site": "永康國民運動中心", "desk": "B"}', "utf-8")
    out = _run(tmp_path, "--db", str(tmp_path / "desk.db"), "--exit-when-ready")
    assert out.returncode == 0, out.stderr
    assert "site=永康國民運動中心" in out.stdout
    assert (tmp_path / "desk.db").exists()


@pytest.mark.parametrize("args", [["--db", "."], ["--demo", "--people", "0"]])
def test_bad_arguments_are_one_line_errors(tmp_path: Path, args: list[str]) -> None:
    out = _run(tmp_path, *args)
    assert out.returncode == 2
    assert out.stderr.startswith("vaxdesk: ") and out.stderr.count("\n") == 1


def test_no_screen_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["VAXDESK_CONFIG_DIR"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "vaxdesk", "app", "--demo"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 2
    assert "沒有可用的螢幕" in out.stderr and "no screen" in out.stderr


def test_the_readme_demo_command_opens_the_window(tmp_path: Path) -> None:
    # `scripts/setup.sh run` execs `vaxdesk demo`: with a screen that is the station window.
    out = _run(tmp_path, "--people", "60", "--exit-when-ready", command="demo")
    assert out.returncode == 0, out.stderr
    assert "ready" in out.stdout and "site=臺南市立體育館" in out.stdout
    assert "== 示範名冊" not in out.stdout  # not the terminal walk-through
    assert "Traceback" not in out.stderr


def test_demo_without_a_screen_says_why_and_runs_in_the_terminal(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    out = subprocess.run(
        [sys.executable, "-m", "vaxdesk", "demo", "--people", "40"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert "沒有可用的螢幕" in first and "no screen" in first
    assert "報到號碼 A001" in out.stdout

"""The Linux installer files start commands that exist, with arguments the CLI accepts."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
from pathlib import Path

from vaxdesk.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "installers" / "linux"


def _parsed(command_line: str) -> object:
    """Parse a `vaxdesk ...` command line the way the entry point would."""
    argv = shlex.split(command_line)
    assert Path(argv[0]).name == "vaxdesk"
    return build_parser().parse_args(argv[1:])


def test_desktop_entry_opens_the_station_window() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(LINUX / "vaxdesk.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name[zh_TW]"].startswith("VaxDesk")
    args = _parsed(section["Exec"])
    assert args.command == "app"
    assert not args.demo
    assert (ROOT / "resources" / "icons" / f"{section['Icon']}.svg").is_file()


def test_server_unit_starts_the_sync_server_on_loopback() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(LINUX / "vaxdesk-server.service", encoding="utf-8")
    exec_start = unit["Service"]["ExecStart"]
    args = _parsed(exec_start)
    assert args.command == "server"
    assert args.host == "127.0.0.1", "TLS belongs to the reverse proxy in front"
    assert args.workers is None or args.workers >= 1  # None: one per CPU on PostgreSQL
    assert unit["Service"]["EnvironmentFile"] == "/etc/vaxdesk/server.env"


def test_hub_unit_starts_a_site_hub_beside_the_server_unit() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(LINUX / "vaxdesk-hub.service", encoding="utf-8")
    args = _parsed(unit["Service"]["ExecStart"])
    assert args.command == "hub"
    assert args.db.startswith("sqlite:////var/lib/vaxdesk/"), "its database where it may write"
    assert unit["Service"]["ReadWritePaths"] == "/var/lib/vaxdesk"
    assert args.upstream == "${VAXDESK_HUB_UPSTREAM}"  # from the EnvironmentFile
    assert unit["Service"]["EnvironmentFile"] == "/etc/vaxdesk/hub.env"
    assert str(args.token_file) == "/etc/vaxdesk/hub.token"
    assert unit["Service"]["User"] == "vaxdesk"
    # Over TLS with its certificate where it may write, and findable by the desks.
    assert str(args.tls).startswith("/var/lib/vaxdesk/") and args.announce


def test_install_script_puts_the_entry_and_icon_in_the_menu(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(LINUX / "install-desk.sh")],
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    entry = (tmp_path / "applications" / "vaxdesk.desktop").read_text(encoding="utf-8")
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    program, *rest = shlex.split(exec_line.removeprefix("Exec="))
    assert Path(program).is_file() and os.access(program, os.X_OK)
    assert rest == ["app"]
    assert (tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "vaxdesk.svg").is_file()

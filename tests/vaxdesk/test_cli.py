"""The `vaxdesk` parser: one command's module when the command line names it, else all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vaxdesk.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "argv",
    [
        ["app", "--db", "desk.db", "--exit-when-ready"],
        ["-v", "app", "--demo"],
        ["id", "check", "A123456789"],
        ["print", "roster", "--date", "2026-11-23", "--db", "d.db", "--out", "x.pdf"],
    ],
)
def test_a_named_command_parses_as_with_every_command(argv: list[str]) -> None:
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_naming_the_app_loads_only_its_module() -> None:
    probe = (
        "import sys, json; from vaxdesk.cli import build_parser; build_parser(['app']); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('vaxdesk.cmd_'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(out.stdout) == ["vaxdesk.cmd_app"]


@pytest.mark.parametrize(
    "argv", [[], ["-h", "app"], ["desk"], ["assess", "--json"], ["no-such-command"]]
)
def test_other_command_lines_get_every_command(argv: list[str]) -> None:
    # `desk` names a module (cmd_desk) that registers no `desk` command.
    parsed = build_parser(argv).parse_args(["id", "check", "A123456789"])
    assert parsed.command == "id"

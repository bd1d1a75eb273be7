"""The `vaxdesk` parser: one command's module when the command line names it, else all."""

from __future__ import annotations

import pytest
from import_probe import modules_loaded_by

from vaxdesk.cli import build_parser


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
    loaded = modules_loaded_by("from vaxdesk.cli import build_parser; build_parser(['app'])")
    assert {m for m in loaded if m.startswith("vaxdesk.cmd_")} == {"vaxdesk.cmd_app"}


@pytest.mark.parametrize(
    "argv", [[], ["-h", "app"], ["desk"], ["assess", "--json"], ["no-such-command"]]
)
def test_other_command_lines_get_every_command(argv: list[str]) -> None:
    # `desk` names a module (cmd_desk) that registers no `desk` command.
    parsed = build_parser(argv).parse_args(["id", "check", "A123456789"])
    assert parsed.command == "id"

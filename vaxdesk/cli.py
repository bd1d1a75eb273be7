"""`vaxdesk` entry point.

Every module `vaxdesk/cmd_*.py` contributes sub-commands through a
`register(subparsers)` function. Registration must stay cheap: a command
imports its heavy dependencies (Qt, SQLAlchemy ORM, OpenCV, reportlab,
python-escpos) inside its handler, so `vaxdesk id check` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

import vaxdesk


class UserError(Exception):
    """An error caused by input or environment; printed as one line, exit code 2."""


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser of every command, or of one only when `argv` names a command that the
    module of the same name registers (`app` in cmd_app.py): the desk's cold start then
    skips importing and registering the other modules' commands (about 20 ms)."""
    modules = sorted(
        m.name for m in pkgutil.iter_modules(vaxdesk.__path__) if m.name.startswith("cmd_")
    )
    words = [arg for arg in argv if arg not in ("-v", "--verbose")]
    command = words[0] if words else ""
    if f"cmd_{command}" in modules:
        parser, commands = _parser_with([f"cmd_{command}"])
        if command in commands.choices:
            return parser
    return _parser_with(modules)[0]


def _parser_with(
    modules: list[str],
) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:  # type: ignore[type-arg]
    parser = argparse.ArgumentParser(
        prog="vaxdesk", description="VaxDesk: vaccination-site check-in station"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in modules:
        importlib.import_module(f"vaxdesk.{name}").register(subparsers)
    return parser, subparsers


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"vaxdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Keeps the arrows of ARCHITECTURE.md true and the start-up path free of heavy imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from import_probe import modules_loaded_by

ROOT = Path(__file__).resolve().parents[1]

# package -> top-level modules it must never import (directly, anywhere in its files)
FORBIDDEN = {
    "vaccination": {
        "station_app",
        "sync_server",
        "hardware",
        "printing",
        "vaxdesk",
        "PySide6",
        "sqlalchemy",
        "fastapi",
        "serial",
        "cv2",
        "escpos",
        "reportlab",
        "requests",
        "httpx",
    },
    "hardware": {"station_app", "printing", "sync_server", "vaxdesk", "PySide6"},
    "printing": {"station_app", "hardware", "sync_server", "vaxdesk", "PySide6"},
    "sync_server": {"station_app", "hardware", "printing", "PySide6"},
}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_inward(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _imported_top_levels(path) & FORBIDDEN[package]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(bad))}")
    assert offenders == []


def test_cli_start_up_does_not_import_heavy_libraries() -> None:
    """Building the whole `vaxdesk` parser must not pull in Qt, OpenCV, escpos, reportlab or ORM."""
    loaded = {
        name.split(".")[0]
        for name in modules_loaded_by("from vaxdesk.cli import build_parser; build_parser()")
    }
    heavy = {"PySide6", "cv2", "escpos", "reportlab", "sqlalchemy", "fastapi", "openpyxl"}
    assert loaded & heavy == set()

"""Test helper: read PDFs the way a user's reader would (poppler's pdftotext/pdftoppm/pdffonts)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True, text=True).stdout


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    line = next(x for x in info.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def pdf_fonts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True)
    return out.stdout.splitlines()[2:]


def pdf_png(pdf: Path, out_prefix: Path, dpi: int = 100, page: int = 1) -> Image.Image:
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page),
         str(pdf), str(out_prefix)],
        check=True,
    )  # fmt: skip
    return Image.open(f"{out_prefix}.png")

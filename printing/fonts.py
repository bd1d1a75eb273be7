"""Finding a TrueType CJK font for raster tickets (Pillow) and PDFs (reportlab).

Order: the `VAXDESK_CJK_FONT` environment variable, fonts shipped in resources/fonts/,
WenQuanYi Zen Hei and Droid Sans Fallback (installed by scripts/setup.sh), then
`fc-match` for any font that covers Traditional Chinese. reportlab and Pillow are
imported lazily: only the code paths that draw pay for them.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

_RESOURCES: Final[Path] = Path(__file__).resolve().parents[1] / "resources" / "fonts"

_KNOWN: Final[tuple[str, ...]] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msjh.ttc",  # Microsoft JhengHei on a Windows desk
    "C:/Windows/Fonts/mingliu.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)

PDF_FONT_NAME: Final[str] = "VaxDeskCJK"


class FontNotFoundError(RuntimeError):
    """No font that can draw Traditional Chinese is installed."""

    def __init__(self) -> None:
        super().__init__(
            "找不到中文字型：請安裝 fonts-wqy-zenhei 或設定 VAXDESK_CJK_FONT。 / "
            "No Chinese font found: install fonts-wqy-zenhei or set VAXDESK_CJK_FONT."
        )


@dataclass(frozen=True)
class FontFile:
    """A font file and, for a collection (.ttc), the face inside it."""

    path: Path
    index: int = 0


def _candidates() -> list[Path]:
    found: list[Path] = []
    env = os.environ.get("VAXDESK_CJK_FONT")
    if env:
        found.append(Path(env))
    if _RESOURCES.is_dir():
        found.extend(
            sorted(p for p in _RESOURCES.iterdir() if p.suffix.lower() in {".ttf", ".ttc"})
        )
    found.extend(Path(p) for p in _KNOWN)
    return found


def _fc_match() -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans:lang=zh-tw"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    # OpenType/CFF fonts cannot be embedded by reportlab's TTFont: keep TrueType only.
    if out and Path(out).suffix.lower() in {".ttf", ".ttc"}:
        return Path(out)
    return None


@functools.cache
def find_cjk_font() -> FontFile:
    """The first usable CJK TrueType font; raises FontNotFoundError when there is none."""
    for path in _candidates():
        if path.is_file():
            return FontFile(path)
    matched = _fc_match()
    if matched is not None and matched.is_file():
        return FontFile(matched)
    raise FontNotFoundError()


@functools.cache
def pil_font(size: int) -> FreeTypeFont:
    """A Pillow font of `size` pixels, cached (FreeType keeps the file mapped)."""
    from PIL import ImageFont

    font = find_cjk_font()
    return ImageFont.truetype(str(font.path), size, index=font.index)


@functools.cache
def register_pdf_font() -> str:
    """Register the CJK font with reportlab once (embedded as a subset); returns its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = find_cjk_font()
    kwargs = {"subfontIndex": font.index} if font.path.suffix.lower() == ".ttc" else {}
    pdfmetrics.registerFont(TTFont(PDF_FONT_NAME, str(font.path), **kwargs))
    return PDF_FONT_NAME

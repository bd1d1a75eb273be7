"""Small helpers for drawing Chinese text with reportlab's canvas: width-based line wrapping.

reportlab's own splitters break only at spaces, and Chinese has none; these wrap at any
character (keeping Latin words whole where they fit) using the embedded font's widths.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

# Closing punctuation that must not start a line (避頭點).
_NO_LINE_START = set("，。、；：？！）」』》〉,.;:?!)%°")


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Split `text` into lines no wider than `width` points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    current = ""
    current_w = 0.0
    for ch in text:
        ch_w = stringWidth(ch, font, size)  # per character: the whole line each time is O(n²)
        if current and current_w + ch_w > width and ch not in _NO_LINE_START:
            space = current.rfind(" ")
            if ch.isascii() and ch.isalnum() and space > 0 and current[space + 1 :].isascii():
                lines.append(current[:space])
                current = current[space + 1 :]
            else:
                lines.append(current)
                current = ""
            current_w = stringWidth(current, font, size)
        current += ch
        current_w += ch_w
    if current:
        lines.append(current)
    return lines


def draw_wrapped(
    pdf: Canvas, text: str, x: float, y: float, width: float, font: str, size: float,
    leading: float | None = None,
) -> float:  # fmt: skip
    """Draw `text` wrapped into `width` from baseline `y` down; returns the next baseline."""
    leading = leading or size * 1.35
    pdf.setFont(font, size)
    for line in wrap(text, font, size, width):
        pdf.drawString(x, y, line)
        y -= leading
    return y

"""The day's roster printout (列印清單) of one site: landscape A4, ordered by slot.

Columns follow the Tainan back office: 序號, 姓名, 身分證字號 (masked), 出生年月日,
電話 (partly masked), 接種期別, 已接種疫苗, 接種時間, 接種疫苗, 報到號碼, and boxes for
已報到 / 已接種 / 醫生不同意 (ticked when already known, empty to tick by hand).
Every page repeats the site, date and header row and says "第 n 頁 / 共 N 頁"; each slot
starts with a sub-heading; the last page has the totals. Drawn on the canvas directly:
2,500 people must print in a few seconds.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Final, Protocol

from vaccination.rocdate import format_roc_slash

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas


class RosterLine(Protocol):
    """What the printout needs of a roster row (station_app.desk_api.RosterRow fits)."""

    @property
    def row_number(self) -> int | None: ...
    @property
    def masked_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def birth_date(self) -> date | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def dose_label(self) -> str: ...
    @property
    def history_text(self) -> str: ...
    @property
    def slot_start(self) -> datetime: ...
    @property
    def product(self) -> str: ...
    @property
    def checked_in(self) -> bool: ...
    @property
    def queue_number(self) -> str | None: ...
    @property
    def vaccinated(self) -> bool: ...
    @property
    def doctor_not_approved(self) -> bool: ...


@dataclass(frozen=True)
class PlainRosterRow:
    """A roster row for printing from a roster file, before anyone has checked in."""

    row_number: int | None
    masked_id: str
    name: str
    birth_date: date | None
    phone: str | None
    dose_label: str
    history_text: str
    slot_start: datetime
    product: str
    checked_in: bool = False
    queue_number: str | None = None
    vaccinated: bool = False
    doctor_not_approved: bool = False


@dataclass(frozen=True)
class _Column:
    title: str
    width_mm: float
    kind: str = "text"  # "text", "wrap" (up to two lines) or "box"


COLUMNS: Final[tuple[_Column, ...]] = (
    _Column("序號", 11),
    _Column("姓名", 24),
    _Column("身分證字號", 23),
    _Column("出生年月日", 19),
    _Column("電話", 22),
    _Column("接種期別", 16),
    _Column("已接種疫苗", 60, "wrap"),
    _Column("接種時間", 15),
    _Column("接種疫苗", 22),
    _Column("報到號碼", 15),
    _Column("已報到", 13, "box"),
    _Column("已接種", 13, "box"),
    _Column("醫生不同意", 17, "box"),
)

_ROW_H: Final[float] = 14.0  # points
_FONT_SIZE: Final[float] = 8.5
_MIN_FONT_SIZE: Final[float] = 5.5


def mask_phone(phone: str | None) -> str:
    """A phone number with its middle hidden: 0912345678 -> 0912***678."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) <= 6:
        return digits[:2] + "*" * max(0, len(digits) - 2)
    return digits[:4] + "*" * (len(digits) - 7) + digits[-3:]


@dataclass(frozen=True)
class _Item:
    """One printed line: a slot sub-heading (row is None) or a person."""

    slot: datetime
    row: RosterLine | None = None
    continued: bool = False


def _paginate(rows: Sequence[RosterLine], per_page: int) -> list[list[_Item]]:
    pages: list[list[_Item]] = [[]]
    current_slot: datetime | None = None
    for row in rows:
        page = pages[-1]
        new_slot = row.slot_start != current_slot
        # A sub-heading never ends a page alone: it needs at least one person below it.
        needed = 2 if new_slot else 1
        if len(page) + needed > per_page:
            page = []
            pages.append(page)
            if not new_slot:
                page.append(_Item(row.slot_start, continued=True))
        if new_slot:
            page.append(_Item(row.slot_start))
            current_slot = row.slot_start
        page.append(_Item(row.slot_start, row))
    return pages


def _fit(pdf: Canvas, text: str, font: str, width: float) -> tuple[str, float]:
    size = _FONT_SIZE
    while size > _MIN_FONT_SIZE and pdf.stringWidth(text, font, size) > width:
        size -= 0.5
    if pdf.stringWidth(text, font, size) > width:
        while text and pdf.stringWidth(text + "…", font, size) > width:
            text = text[:-1]
        text += "…"
    return text, size


_ENTRY_END = re.compile(r"(?<=[;；,，、])\s*")


def _two_lines(pdf: Canvas, text: str, font: str, x: float, base: float, width: float) -> None:
    """A long dose history in two small lines, broken between entries where possible."""
    from printing.pdf_text import wrap

    size = 6.5
    lines: list[str] = []
    current = ""
    for entry in (e for e in _ENTRY_END.split(text) if e):
        candidate = f"{current} {entry}" if current else entry
        if current and pdf.stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = entry
        else:
            current = candidate
    lines.append(current)
    if any(pdf.stringWidth(line, font, size) > width for line in lines[:2]):
        lines = wrap(" ".join(lines), font, size, width)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    pdf.setFont(font, size)
    for n, line in enumerate(lines):
        while pdf.stringWidth(line, font, size) > width and len(line) > 1:
            line = line[:-2] + "…"
        pdf.drawString(x, base + 7.5 - n * 6.3, line)


def _tick(pdf: Canvas, x: float, y: float, size: float, checked: bool) -> None:
    pdf.rect(x, y, size, size, stroke=1, fill=0)
    if checked:
        # A drawn check mark: many CJK fonts lack ✓.
        pdf.setLineWidth(1.1)
        pdf.lines(
            [
                (x + size * 0.18, y + size * 0.5, x + size * 0.42, y + size * 0.2),
                (x + size * 0.42, y + size * 0.2, x + size * 0.85, y + size * 0.85),
            ]
        )
        pdf.setLineWidth(0.5)


def _cells(row: RosterLine) -> list[str | bool]:
    birth = ""
    if row.birth_date is not None:
        try:
            birth = format_roc_slash(row.birth_date)
        except ValueError:
            birth = row.birth_date.isoformat()
    return [
        "" if row.row_number is None else str(row.row_number),
        row.name,
        row.masked_id,
        birth,
        mask_phone(row.phone),
        row.dose_label,
        row.history_text,
        row.slot_start.strftime("%H:%M"),
        row.product,
        row.queue_number or "",
        row.checked_in,
        row.vaccinated,
        row.doctor_not_approved,
    ]


def render_roster_pdf(
    rows: Iterable[RosterLine], site: str, day: date, printed_at: datetime | None = None
) -> bytes:
    """The roster of `site` on `day` as a landscape A4 PDF (rows sorted by slot, then 序號)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from printing.fonts import register_pdf_font

    font = register_pdf_font()
    ordered = sorted(
        rows, key=lambda r: (r.slot_start, r.row_number is None, r.row_number or 0, r.name)
    )
    page_w, page_h = landscape(A4)
    left = 10 * mm
    widths = [c.width_mm * mm for c in COLUMNS]
    scale = (page_w - 2 * left) / sum(widths)
    widths = [w * scale for w in widths]
    xs = [left + sum(widths[:i]) for i in range(len(widths))]
    top = page_h - 24 * mm
    bottom = 16 * mm
    per_page = int((top - _ROW_H - bottom) // _ROW_H)
    pages = _paginate(ordered, per_page) if ordered else [[]]
    slot_counts = Counter(r.slot_start for r in ordered)
    printed_at = printed_at or datetime.now()

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(page_w, page_h), pageCompression=1, initialFontName=font)
    pdf.setTitle(f"列印清單 {site} {day.isoformat()}")
    total_pages = len(pages) + 1  # the totals take a page of their own
    for number, page in enumerate(pages, start=1):
        _page_frame(pdf, font, site, day, printed_at, number, total_pages, page_w, page_h)
        y = top
        _header_row(pdf, font, xs, widths, y)
        y -= _ROW_H
        pdf.setLineWidth(0.5)
        for item in page:
            if item.row is None:
                pdf.setFillGray(0.88)
                pdf.rect(left, y - _ROW_H, page_w - 2 * left, _ROW_H, stroke=0, fill=1)
                pdf.setFillGray(0)
                pdf.setFont(font, 9)
                label = f"接種時間 {item.slot.strftime('%H:%M')}（{slot_counts[item.slot]} 人）"
                if item.continued:
                    label += "（續）"
                pdf.drawString(left + 2, y - _ROW_H + 4, label)
            else:
                _person_row(pdf, font, xs, widths, y, item.row)
            y -= _ROW_H
        pdf.showPage()
    _totals_page(pdf, font, site, day, printed_at, total_pages, page_w, page_h, ordered)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _page_frame(
    pdf: Canvas, font: str, site: str, day: date, printed_at: datetime,
    number: int, total: int, page_w: float, page_h: float,
) -> None:  # fmt: skip
    from reportlab.lib.units import mm

    pdf.setFont(font, 14)
    pdf.drawString(10 * mm, page_h - 14 * mm, f"接種名冊　{site}")
    pdf.setFont(font, 11)
    weekday = "一二三四五六日"[day.weekday()]
    roc = format_roc_slash(day)
    pdf.drawRightString(
        page_w - 10 * mm, page_h - 14 * mm, f"接種日期 {roc}（{day.isoformat()}，星期{weekday}）"
    )
    pdf.setFont(font, 8)
    pdf.drawString(10 * mm, page_h - 19 * mm, f"列印時間 {printed_at.strftime('%Y-%m-%d %H:%M')}")
    pdf.setFont(font, 9)
    pdf.drawCentredString(page_w / 2, 8 * mm, f"第 {number} 頁 / 共 {total} 頁")
    pdf.setFont(font, 7)
    pdf.drawRightString(page_w - 10 * mm, 8 * mm, "身分證字號與電話已遮蔽")


def _header_row(pdf: Canvas, font: str, xs: list[float], widths: list[float], y: float) -> None:
    pdf.setFillGray(0.75)
    pdf.rect(xs[0], y - _ROW_H, sum(widths), _ROW_H, stroke=0, fill=1)
    pdf.setFillGray(0)
    pdf.setFont(font, 8.5)
    for col, x, w in zip(COLUMNS, xs, widths, strict=True):
        pdf.drawCentredString(x + w / 2, y - _ROW_H + 4, col.title)


def _person_row(
    pdf: Canvas, font: str, xs: list[float], widths: list[float], y: float, row: RosterLine
) -> None:
    base = y - _ROW_H
    pdf.line(xs[0], base, xs[-1] + widths[-1], base)
    for value, col, x, w in zip(_cells(row), COLUMNS, xs, widths, strict=True):
        if col.kind == "box":
            size = 8.0
            _tick(pdf, x + (w - size) / 2, base + 3, size, bool(value))
            continue
        text = str(value)
        if col.kind == "wrap" and pdf.stringWidth(text, font, _FONT_SIZE) > w - 4:
            _two_lines(pdf, text, font, x + 2, base, w - 4)
            continue
        text, fsize = _fit(pdf, text, font, w - 4)
        pdf.setFont(font, fsize)
        pdf.drawString(x + 2, base + 4, text)


def _totals_page(
    pdf: Canvas, font: str, site: str, day: date, printed_at: datetime, total_pages: int,
    page_w: float, page_h: float, rows: Sequence[RosterLine],
) -> None:  # fmt: skip
    from reportlab.lib.units import mm

    _page_frame(pdf, font, site, day, printed_at, total_pages, total_pages, page_w, page_h)
    y = page_h - 32 * mm
    pdf.setFont(font, 13)
    pdf.drawString(20 * mm, y, "合計 Totals")
    y -= 10 * mm
    figures = [
        ("全部", len(rows)),
        ("已報到", sum(r.checked_in for r in rows)),
        ("已接種", sum(r.vaccinated for r in rows)),
        ("醫生不同意", sum(r.doctor_not_approved for r in rows)),
        ("未到", sum(not r.checked_in for r in rows)),
    ]
    pdf.setFont(font, 11)
    for label, value in figures:
        pdf.drawString(24 * mm, y, label)
        pdf.drawRightString(80 * mm, y, f"{value} 人")
        y -= 7 * mm
    y -= 4 * mm
    pdf.setFont(font, 12)
    pdf.drawString(20 * mm, y, "各疫苗人數")
    pdf.drawString(110 * mm, y, "各時段人數")
    y -= 8 * mm
    pdf.setFont(font, 10)
    by_product = Counter(r.product for r in rows)
    by_slot = Counter(r.slot_start for r in rows)
    y_product = y
    for product, count in sorted(by_product.items()):
        pdf.drawString(24 * mm, y_product, product)
        pdf.drawRightString(80 * mm, y_product, f"{count} 人")
        y_product -= 6 * mm
    y_slot = y
    for slot, count in sorted(by_slot.items()):
        if y_slot < 20 * mm:
            break
        pdf.drawString(114 * mm, y_slot, slot.strftime("%H:%M"))
        pdf.drawRightString(150 * mm, y_slot, f"{count} 人")
        y_slot -= 6 * mm

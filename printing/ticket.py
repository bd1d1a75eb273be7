"""The queue ticket (號碼牌): what the desk fills in, and its ESC/POS, image and PDF forms.

The desk builds a `TicketData` (masked name and ID already) and hands it to the print
queue; the printer's profile decides between the Big5 text mode and the raster image.
The QR code (or Code 128) carries the check-in id so the doctor's desk can scan it.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from printing.thermal import Line, ThermalDocument, ThermalProfile, draw_document, render_thermal
from vaccination.ids import mask_id, mask_name

if TYPE_CHECKING:
    from PIL import Image

DEFAULT_INSTRUCTION: Final[str] = "請持本單與健保卡至醫師評估區，依號碼候叫"


@dataclass(frozen=True)
class TicketData:
    """Everything printed on one queue ticket; names and IDs are already masked."""

    site_name: str
    queue_number: str
    printed_at: datetime
    product_label: str
    dose_label: str
    masked_name: str
    masked_id: str
    checkin_id: str
    instruction: str = DEFAULT_INSTRUCTION
    reprint: bool = False  # printed again (補印): marked on the ticket

    @classmethod
    def build(
        cls,
        *,
        site_name: str,
        queue_number: str,
        printed_at: datetime,
        product_label: str,
        dose_label: str,
        name: str,
        id_number: str,
        checkin_id: str,
        instruction: str = DEFAULT_INSTRUCTION,
    ) -> TicketData:
        """A ticket from unmasked values: masks the name and the ID number here."""
        return cls(
            site_name=site_name,
            queue_number=queue_number,
            printed_at=printed_at,
            product_label=product_label,
            dose_label=dose_label,
            masked_name=mask_name(name) if name else "",
            masked_id=mask_id(id_number) if id_number else "",
            checkin_id=checkin_id,
            instruction=instruction,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the print queue stores it)."""
        data = asdict(self)
        data["printed_at"] = self.printed_at.isoformat(timespec="seconds")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TicketData:
        """The inverse of `to_json`."""
        return cls(**{**data, "printed_at": datetime.fromisoformat(data["printed_at"])})


def ticket_document(data: TicketData, paper_mm: int = 80) -> ThermalDocument:
    """The ticket as printed lines; the queue number is as large as the paper allows."""
    number_scale = 8 if paper_mm == 80 else 6
    if len(data.queue_number) > 4:
        number_scale = max(2, (48 if paper_mm == 80 else 32) // len(data.queue_number))
    person = "  ".join(p for p in (data.masked_name, data.masked_id) if p)
    lines = [
        Line(data.site_name, scale=1, bold=True),
        Line("報到號碼 Queue No."),
        Line(data.queue_number, scale=number_scale, bold=True),
        Line(data.printed_at.strftime("%Y-%m-%d %H:%M")),
        *([Line("補印 REPRINT", scale=1, bold=True)] if data.reprint else []),
        Line(f"{data.product_label} {data.dose_label}".strip(), scale=1, bold=True),
    ]
    if person:
        lines.append(Line(person))
    if data.instruction:
        lines.append(Line(data.instruction))
    return ThermalDocument(lines=tuple(lines), code=data.checkin_id, code_caption=None)


def render_ticket(data: TicketData, profile: ThermalProfile) -> bytes:
    """The ESC/POS byte stream of one ticket for the printer `profile`."""
    return render_thermal(ticket_document(data, profile.paper_mm), profile)


def ticket_image(data: TicketData, width_px: int = 576) -> Image.Image:
    """The raster ticket as an image (what a raster-mode printer prints)."""
    paper = 58 if width_px <= 432 else 80
    return draw_document(ticket_document(data, paper), width_px)


def render_ticket_pdf(data: TicketData, paper_mm: int = 80) -> bytes:
    """A small PDF of the ticket (paper width x content height) for a desk without a printer."""
    return render_document_pdf(
        ticket_document(data, paper_mm), f"號碼牌 {data.queue_number}", paper_mm
    )


def render_document_pdf(doc: ThermalDocument, title: str, paper_mm: int = 80) -> bytes:
    """A receipt's lines as a small PDF (paper width x content height).

    Text is real PDF text in the embedded CJK font, so it can be searched and copied;
    the scan code (a QR code) is drawn as vector squares.
    """
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from printing.fonts import register_pdf_font
    from printing.thermal import qr_modules

    font = register_pdf_font()
    width = paper_mm * mm
    margin = 4 * mm
    pt_per_scale = 9.0
    modules = qr_modules(doc.code) if doc.code else None
    module = 1.0 * mm if paper_mm == 80 else 0.8 * mm
    code_h = (modules.width + 8) * module if modules else 0.0
    text_h = sum(line.scale * pt_per_scale * 1.35 for line in doc.lines)
    height = margin * 2 + text_h + code_h
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1, initialFontName=font)
    pdf.setTitle(title)
    y = height - margin
    for line in doc.lines:
        size = line.scale * pt_per_scale
        y -= size * 1.15
        pdf.setFont(font, size)
        text_w = pdf.stringWidth(line.text, font, size)
        while text_w > width - 2 * margin and size > 5:
            size -= 0.5
            pdf.setFont(font, size)
            text_w = pdf.stringWidth(line.text, font, size)
        pdf.drawString((width - text_w) / 2, y, line.text)
        y -= line.scale * pt_per_scale * 0.2
    if modules:
        n = modules.width
        x0 = (width - n * module) / 2
        y0 = y - 4 * module
        grey = modules.tobytes()  # mode "L", one byte a module, row by row
        for r in range(n):
            for c in range(n):
                if grey[r * n + c] < 128:
                    pdf.rect(x0 + c * module, y0 - (r + 1) * module, module, module, 0, 1)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()

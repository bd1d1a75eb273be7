"""The consent form (接種須知暨評估及意願書) pre-filled for one person: A4 PDF and thermal slip.

The check-in desk prints it with the person's data already filled in ("套印同意書"):
name, full ID number (this document needs it), birth date in ROC and Gregorian form,
product and dose, queue number and date. The doctor reads the yes/no answers, decides,
and both sign. The wording lives in `printing.consent_text`.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from printing.consent_text import (
    CONSENT_STATEMENT,
    DOCTOR_OPTIONS,
    TITLE_EN,
    TITLE_ZH,
    notice_for,
    questions_for,
)
from printing.thermal import Line, ThermalDocument
from vaccination.ids import mask_id
from vaccination.rocdate import format_roc_long

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas


@dataclass(frozen=True)
class ConsentData:
    """What the desk fills into the consent form."""

    site_name: str
    name: str
    id_number: str  # full number: the signed form is a medical record
    birth_date: date | None
    product_code: str  # e.g. "CoV_AZ": chooses the product-specific questions
    product_label: str  # e.g. "AZ (AstraZeneca)"
    dose_label: str  # e.g. "第2劑"
    queue_number: str
    day: date
    checkin_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the print queue stores it)."""
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        data["day"] = self.day.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConsentData:
        """The inverse of `to_json`."""
        birth = data.get("birth_date")
        return cls(
            **{
                **data,
                "birth_date": date.fromisoformat(birth) if birth else None,
                "day": date.fromisoformat(data["day"]),
            }
        )


def birth_date_text(birth: date | None) -> str:
    """`民國35年4月11日（1946-04-11）`, or a blank to fill in by hand."""
    if birth is None:
        return "＿＿＿＿＿＿＿＿"
    try:
        return f"{format_roc_long(birth)}（{birth.isoformat()}）"
    except ValueError:  # born before the ROC calendar: Gregorian only
        return birth.isoformat()


def _box(pdf: Canvas, x: float, y: float, size: float) -> None:
    pdf.rect(x, y, size, size, stroke=1, fill=0)


def _draw_consent_page(pdf: Canvas, data: ConsentData, font: str) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    page_w, page_h = A4
    left, right = 16 * mm, page_w - 16 * mm
    width = right - left
    y = page_h - 18 * mm

    pdf.setFont(font, 16)
    pdf.drawCentredString(page_w / 2, y, TITLE_ZH)
    y -= 5.5 * mm
    pdf.setFont(font, 8.5)
    pdf.drawCentredString(page_w / 2, y, TITLE_EN)
    # Queue number in the corner: the doctor's desk calls people by it.
    pdf.setFont(font, 9)
    pdf.drawRightString(right, page_h - 12 * mm, "報到號碼")
    pdf.setFont(font, 20)
    pdf.drawRightString(right, page_h - 19.5 * mm, data.queue_number)
    y -= 6 * mm

    # Personal data: two columns of label/value cells.
    rows = [
        (("姓名", data.name), ("身分證字號", data.id_number)),
        (("出生日期", birth_date_text(data.birth_date)), ("接種日期", data.day.isoformat())),
        (("接種疫苗", data.product_label), ("接種劑次", data.dose_label)),
        (("接種單位", data.site_name), ("報到號碼", data.queue_number)),
    ]
    cell_h = 8 * mm
    label_w = 22 * mm
    half = width / 2
    pdf.setLineWidth(0.6)
    for row in rows:
        for col, (label, value) in enumerate(row):
            x = left + col * half
            pdf.rect(x, y - cell_h, label_w, cell_h)
            pdf.rect(x + label_w, y - cell_h, half - label_w, cell_h)
            pdf.setFont(font, 9.5)
            pdf.drawString(x + 2 * mm, y - cell_h + 2.7 * mm, label)
            size = 11.0
            while size > 7 and pdf.stringWidth(value, font, size) > half - label_w - 4 * mm:
                size -= 0.5
            pdf.setFont(font, size)
            pdf.drawString(x + label_w + 2 * mm, y - cell_h + 2.6 * mm, value)
        y -= cell_h
    y -= 6 * mm

    from printing.pdf_text import draw_wrapped

    pdf.setFont(font, 11.5)
    pdf.drawString(left, y, "一、接種須知")
    y -= 5.5 * mm
    for n, paragraph in enumerate(notice_for(data.product_code), start=1):
        pdf.setFont(font, 9.5)
        pdf.drawString(left + 2 * mm, y, f"{n}.")
        y = draw_wrapped(pdf, paragraph, left + 7 * mm, y, width - 7 * mm, font, 9.5, 13)
    y -= 3 * mm

    pdf.setFont(font, 11.5)
    pdf.drawString(left, y, "二、接種前評估（由被接種者或法定代理人填寫）")
    answer_w = 26 * mm
    pdf.setFont(font, 8.5)
    pdf.drawRightString(right - 2 * mm, y, "請勾選")
    y -= 5.5 * mm
    for n, question in enumerate(questions_for(data.product_code), start=1):
        text_w = width - answer_w - 14 * mm
        pdf.setFont(font, 10.5)
        pdf.drawString(left + 2 * mm, y, f"{n}.")
        top = y
        y = draw_wrapped(pdf, question.zh, left + 7 * mm, y, text_w, font, 10.5, 14)
        box = 3.4 * mm
        bx = right - answer_w
        for label in ("是", "否"):
            _box(pdf, bx, top - 0.6 * mm, box)
            pdf.setFont(font, 10.5)
            pdf.drawString(bx + box + 1.2 * mm, top, label)
            bx += answer_w / 2
        y -= 2 * mm
    y -= 3 * mm

    pdf.setFont(font, 11.5)
    pdf.drawString(left, y, "三、醫師評估")
    y -= 6 * mm
    pdf.setFont(font, 10)
    box = 3.4 * mm
    _box(pdf, left + 2 * mm, y - 0.6 * mm, box)
    pdf.drawString(left + 2 * mm + box + 1.5 * mm, y, DOCTOR_OPTIONS[0])
    x2 = left + 40 * mm
    _box(pdf, x2, y - 0.6 * mm, box)
    pdf.drawString(x2 + box + 1.5 * mm, y, DOCTOR_OPTIONS[1])
    pdf.line(x2 + box + 38 * mm, y - 1 * mm, right - 2 * mm, y - 1 * mm)
    y -= 8 * mm
    sig_h = 16 * mm
    pdf.rect(left + half, y - sig_h + 4 * mm, half, sig_h)
    pdf.setFont(font, 9)
    pdf.drawString(left + half + 2 * mm, y - 0.5 * mm, "醫師簽章 Doctor's signature")
    pdf.setFont(font, 10)
    pdf.drawString(left + 2 * mm, y, "體溫：")
    pdf.line(left + 14 * mm, y - 1 * mm, left + 30 * mm, y - 1 * mm)
    pdf.drawString(left + 31 * mm, y, "°C")
    y -= 8 * mm
    pdf.drawString(left + 2 * mm, y, "評估時間：")
    pdf.line(left + 20 * mm, y - 1 * mm, left + 50 * mm, y - 1 * mm)
    y -= sig_h - 8 * mm + 6 * mm

    pdf.setFont(font, 11.5)
    pdf.drawString(left, y, "四、接種意願")
    y -= 5.5 * mm
    y = draw_wrapped(pdf, CONSENT_STATEMENT, left + 2 * mm, y, width - 4 * mm, font, 9.5, 12.5)
    y -= 1.5 * mm
    pdf.setFont(font, 10)
    _box(pdf, left + 2 * mm, y - 0.6 * mm, box)
    pdf.drawString(left + 2 * mm + box + 1.5 * mm, y, "同意接種")
    _box(pdf, x2, y - 0.6 * mm, box)
    pdf.drawString(x2 + box + 1.5 * mm, y, "不同意接種")
    y -= 4 * mm
    sig_h = 18 * mm
    pdf.rect(left, y - sig_h, half - 3 * mm, sig_h)
    pdf.rect(left + half, y - sig_h, half, sig_h)
    pdf.setFont(font, 9)
    pdf.drawString(left + 2 * mm, y - 4.5 * mm, "被接種者簽名 Signature")
    pdf.drawString(left + half + 2 * mm, y - 4.5 * mm, "法定代理人簽名及關係（未成年或受監護者）")
    pdf.drawString(left + 2 * mm, y - sig_h + 2.5 * mm, f"日期：{data.day.isoformat()}")

    pdf.setFont(font, 7.5)
    pdf.drawCentredString(
        page_w / 2, 9 * mm, f"{data.site_name}　{data.queue_number}　本表由 VaxDesk 依造冊資料套印"
    )


def render_consent_pdf(forms: list[ConsentData] | ConsentData) -> bytes:
    """An A4 PDF with one pre-filled consent page per person (CJK font embedded as a subset)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from printing.fonts import register_pdf_font

    font = register_pdf_font()
    items = [forms] if isinstance(forms, ConsentData) else forms
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=font)
    pdf.setTitle(TITLE_ZH)
    pdf.setSubject("接種須知暨評估及意願書")
    for data in items:
        _draw_consent_page(pdf, data, font)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def consent_slip_document(data: ConsentData) -> ThermalDocument:
    """The shortened consent for the receipt printer: the questions with 是/否 boxes, signatures.

    The ID number is masked here: a receipt is easily left lying around.
    """
    lines = [
        Line(data.site_name, bold=True),
        Line("接種前評估（簡式）", bold=True),
        Line(f"{data.queue_number}  {data.name}  {mask_id(data.id_number)}", align="left"),
        Line(f"{data.product_label} {data.dose_label}  {data.day.isoformat()}", align="left"),
        Line("請勾選（是／否）：", align="left"),
    ]
    lines.extend(
        Line(f"{n}. □是 □否 {q.short_zh}", align="left")
        for n, q in enumerate(questions_for(data.product_code), start=1)
    )
    footer = (
        Line("醫師：□適合接種 □暫不適合", align="left"),
        Line("醫師簽章：＿＿＿＿＿＿＿＿", align="left"),
        Line("本人已閱接種須知並同意接種", align="left"),
        Line("簽名：＿＿＿＿＿＿＿＿＿＿", align="left"),
    )
    return ThermalDocument(lines=tuple(lines), code=data.checkin_id, footer=footer)

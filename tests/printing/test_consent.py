"""The pre-filled consent form (A4 PDF) and its short thermal version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from escpos_reader import decode_codes, raster_images, stacked
from pdf_tools import pdf_fonts, pdf_pages, pdf_png, pdf_text

from printing.consent import ConsentData, consent_slip_document, render_consent_pdf
from printing.consent_text import GENERAL_QUESTIONS, product_platform
from printing.thermal import CHINESE_ON, ThermalProfile, render_thermal


def consent(product: str = "CoV_AZ", label: str = "AZ (AstraZeneca)") -> ConsentData:
    return ConsentData(
        site_name="臺南市立體育館接種站",
        name="林美玲",
        id_number="A223456781",
        birth_date=date(1946, 4, 11),
        product_code=product,
        product_label=label,
        dose_label="第2劑",
        queue_number="B017",
        day=date(2026, 11, 22),
        checkin_id="5b7d4c2a-0000-4000-8000-000000000017",
    )


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def az_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "consent.pdf"
    path.write_bytes(render_consent_pdf(consent()))
    return path


def test_consent_is_prefilled_with_the_persons_data(az_pdf: Path) -> None:
    text = flat(pdf_text(az_pdf))
    for expected in (
        "接種須知",
        "評估及意願書",
        "林美玲",
        "A223456781",  # the full number: this document needs it
        "民國35年4月11日",
        "1946-04-11",
        "AZ(AstraZeneca)",
        "第2劑",
        "B017",
        "2026-11-22",
        "臺南市立體育館接種站",
    ):
        assert expected in text
    assert pdf_pages(az_pdf) == 1


def test_consent_asks_the_doctors_questions_with_yes_no_and_signatures(az_pdf: Path) -> None:
    text = flat(pdf_text(az_pdf))
    for question in GENERAL_QUESTIONS:
        assert flat(question.zh)[:18] in text  # long ones wrap beside the 是/否 boxes
    for word in ("過敏", "發燒", "懷孕", "抗凝血", "免疫", "嚴重不良反應"):
        assert word in text
    assert text.count("是") >= len(GENERAL_QUESTIONS) and "否" in text
    assert "醫師簽章" in text and "被接種者簽名" in text


@pytest.mark.parametrize(
    ("product", "label", "asked", "not_asked"),
    [
        ("CoV_AZ", "AZ", "血栓合併血小板低下症候群", "心肌炎"),
        ("CoV_Moderna", "莫德納", "心肌炎或心包膜炎", "血小板低下"),
        ("CoV_BNT", "BNT", "心肌炎或心包膜炎", "血小板低下"),
        ("CoV_Medigen", "高端", "過敏", "心肌炎"),
    ],
)
def test_product_specific_questions(
    tmp_path: Path, product: str, label: str, asked: str, not_asked: str
) -> None:
    path = tmp_path / "c.pdf"
    path.write_bytes(render_consent_pdf(consent(product, label)))
    text = flat(pdf_text(path))
    assert asked in text
    assert not_asked not in text


def test_product_platforms() -> None:
    assert product_platform("CoV_AZ") == "vector"
    assert product_platform("CoV_Pfizer/BNT") == "mrna"
    assert product_platform("CoV_Moderna") == "mrna"
    assert product_platform("CoV_Novavax") == "protein"


def test_font_is_embedded_as_a_subset(az_pdf: Path) -> None:
    fonts = pdf_fonts(az_pdf)
    assert fonts and all(" yes " in line and "+" in line.split()[0] for line in fonts)
    assert any("WenQuanYi" in line or "Droid" in line for line in fonts)


def test_consent_page_renders_with_ink_in_the_boxes(az_pdf: Path, tmp_path: Path) -> None:
    img = pdf_png(az_pdf, tmp_path / "page", dpi=60).convert("L")
    assert abs(img.width - 496) <= 1 and abs(img.height - 702) <= 1  # A4 portrait at 60 dpi
    dark = sum(img.histogram()[:128])
    assert 0.02 < dark / (img.width * img.height) < 0.3


def test_unknown_birth_date_leaves_a_line_to_fill_in(tmp_path: Path) -> None:
    data = ConsentData(**{**consent().__dict__, "birth_date": None})
    path = tmp_path / "c.pdf"
    path.write_bytes(render_consent_pdf(data))
    assert "＿＿＿" in pdf_text(path)


def test_many_forms_make_one_page_each(tmp_path: Path) -> None:
    path = tmp_path / "batch.pdf"
    path.write_bytes(render_consent_pdf([consent()] * 3))
    assert pdf_pages(path) == 3


def test_short_consent_slip_for_the_receipt_printer() -> None:
    data = consent("CoV_Moderna", "莫德納")
    doc = consent_slip_document(data)
    texts = [line.text for line in doc.lines + doc.footer]
    assert any("A22****781" in t for t in texts)  # masked on a receipt
    assert not any("A223456781" in t for t in texts)
    assert any("心肌炎" in t for t in texts)
    out = render_thermal(doc, ThermalProfile(escpos_profile="TM-T88V", mode="text"))
    assert CHINESE_ON in out and "□是 □否".encode("cp950") in out
    assert "醫師簽章".encode("cp950") in out
    raster = render_thermal(doc, ThermalProfile(mode="raster"))
    assert decode_codes(stacked(raster_images(raster))) == [data.checkin_id]


def test_consent_survives_its_json_round_trip() -> None:
    assert ConsentData.from_json(consent().to_json()) == consent()

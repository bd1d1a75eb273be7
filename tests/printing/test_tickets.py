"""Queue tickets as byte streams of python-escpos's Dummy printer, in text and raster mode."""

from __future__ import annotations

from datetime import datetime

import pytest
from escpos_reader import decode_codes, native_qr_payloads, raster_images, stacked

from printing.thermal import (
    CHINESE_ON,
    CUT,
    INIT,
    RASTER_IMAGE,
    ThermalProfile,
    encodable_cp950,
)
from printing.ticket import TicketData, render_ticket, ticket_image

CHECKIN = "3f2c8a1e-5b7d-4c2a-9e1f-0a1b2c3d4e5f"
SITE = "臺南市立體育館接種站"


def ticket(name: str = "王小明", **changes: object) -> TicketData:
    base = TicketData.build(
        site_name=SITE,
        queue_number="A028",
        printed_at=datetime(2026, 11, 22, 9, 15),
        product_label="莫德納 Moderna",
        dose_label="第2劑",
        name=name,
        id_number="A123456789",
        checkin_id=CHECKIN,
    )
    return TicketData(**{**base.__dict__, **changes})


TEXT_80 = ThermalProfile(escpos_profile="TM-T88V", paper_mm=80, mode="text")
RASTER_58 = ThermalProfile(escpos_profile="POS-5890", paper_mm=58, mode="raster")


def test_ticket_masks_name_and_id_when_built_from_full_values() -> None:
    t = ticket()
    assert (t.masked_name, t.masked_id) == ("王○明", "A12****789")


def test_text_mode_sends_big5_bytes_in_chinese_mode() -> None:
    out = render_ticket(ticket(), TEXT_80)
    assert out.startswith(INIT)
    assert CHINESE_ON in out
    assert out.index(CHINESE_ON) < out.index(SITE.encode("cp950"))
    for text in ("第2劑", "王○明", "A12****789", "A028", "2026-11-22 09:15"):
        assert text.encode("cp950") in out
    # python-escpos would have sent GB18030; the bytes must be Big5 instead.
    assert SITE.encode("gb18030") not in out
    assert RASTER_IMAGE not in out  # everything fits the printer's own font
    assert b"A123456789" not in out


def test_text_mode_ends_with_a_cut_and_carries_a_native_qr_of_the_checkin_id() -> None:
    out = render_ticket(ticket(), TEXT_80)
    assert native_qr_payloads(out) == [CHECKIN]
    assert CUT in out[-8:]


def test_code128_option_sends_the_barcode_command_with_the_checkin_id() -> None:
    profile = ThermalProfile(escpos_profile="TM-T88V", paper_mm=80, mode="text", code="code128")
    out = render_ticket(ticket(checkin_id="C000123"), profile)
    assert b"\x1dkI\x09{BC000123" in out  # GS k 73 n, code set B
    assert native_qr_payloads(out) == []


@pytest.mark.parametrize("rare", ["堃", "犇", "喆"])
def test_a_name_the_big5_font_lacks_is_printed_as_an_image(rare: str) -> None:
    name = f"王小{rare}"
    assert not encodable_cp950(name[-1])
    out = render_ticket(ticket(name=name), TEXT_80)
    assert CHINESE_ON in out  # the rest is still text
    assert SITE.encode("cp950") in out
    images = raster_images(out)
    assert len(images) == 1  # only the name line
    assert images[0].getextrema()[0] == 0  # something black was drawn
    assert b"A12****789" not in out  # it shares the line with the name


def test_raster_mode_sends_one_image_that_holds_everything() -> None:
    out = render_ticket(ticket(), RASTER_58)
    assert out.startswith(INIT)
    assert CHINESE_ON not in out
    assert SITE.encode("cp950") not in out
    images = raster_images(out)
    assert images and all(img.width == 384 for img in images)  # 58 mm: 48 bytes a row
    paper = stacked(images)
    assert decode_codes(paper) == [CHECKIN]
    assert CUT in out[-8:]
    assert 10_000 < len(out) < 40_000


def test_raster_ticket_on_80mm_paper_is_576_dots_wide_and_scannable() -> None:
    profile = ThermalProfile(paper_mm=80, mode="raster")
    images = raster_images(render_ticket(ticket(name="王小堃"), profile))
    assert {img.width for img in images} == {576}
    assert decode_codes(stacked(images)) == [CHECKIN]


def test_text_mode_on_a_printer_without_native_qr_prints_the_qr_as_an_image() -> None:
    profile = ThermalProfile(escpos_profile="POS-5890", paper_mm=58, mode="text")
    out = render_ticket(ticket(), profile)
    assert native_qr_payloads(out) == []
    assert decode_codes(stacked(raster_images(out))) == [CHECKIN]


def test_queue_number_is_the_largest_thing_on_the_ticket() -> None:
    out = render_ticket(ticket(), TEXT_80)
    number_at = out.index(b"A028\n")
    size_command = out.rfind(b"\x1d!", 0, number_at)
    assert out[size_command + 2] == 0x77  # 8 x 8 on 80 mm paper
    img = ticket_image(ticket(), 576)
    assert img.height > 500


def test_ticket_survives_its_json_round_trip() -> None:
    t = ticket()
    assert TicketData.from_json(t.to_json()) == t


def test_unknown_printer_model_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown printer profile"):
        ThermalProfile(escpos_profile="NO-SUCH-MODEL")


def test_text_lines_wrap_at_the_paper_width_counting_chinese_as_two_cells() -> None:
    from printing.thermal import display_width, wrap_cells

    instruction = "請持本單與健保卡至醫師評估區，依號碼候叫"
    pieces = wrap_cells(instruction, 32)  # 58 mm, font A
    assert "".join(pieces) == instruction
    assert [display_width(p) for p in pieces] == [32, 8]
    assert wrap_cells("Moderna bivalent BA.4/5", 12) == ["Moderna", "bivalent", "BA.4/5"]
    profile = ThermalProfile(escpos_profile="POS-5890", paper_mm=58, mode="text")
    out = render_ticket(ticket(instruction=instruction), profile)
    assert pieces[0].encode("cp950") + b"\n" + pieces[1].encode("cp950") in out

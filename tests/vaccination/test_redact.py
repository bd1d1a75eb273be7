"""ID numbers typed into a free-text reason are masked before it is stored or logged."""

from __future__ import annotations

from vaccination.redact import mask_ids_in_text


def test_an_id_in_a_reason_is_masked_and_the_rest_kept() -> None:
    assert mask_ids_in_text("核對 A123456789 的健保卡") == "核對 A12****789 的健保卡"
    assert mask_ids_in_text("a123456789,b234567890") == "A12****789,B23****890"


def test_full_width_and_resident_numbers_are_masked_too() -> None:
    assert mask_ids_in_text("居留證ＡＢ１２３４５６７８") == "居留證AB1****678"


def test_lots_phones_and_words_are_not_ids() -> None:
    text = "批號 AZ1234-CDC，電話 0912345678，MOD0423"
    assert mask_ids_in_text(text) == text

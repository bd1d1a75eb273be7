"""Vaccine vial DataMatrix codes (GS1): GTIN, expiry and lot, raw or bracketed."""

from __future__ import annotations

from datetime import date

import pytest

from vaccination.gs1 import GS, parse_vial_code


def test_raw_code_with_the_lot_last() -> None:
    code = parse_vial_code("]d2010471234567890617271231" + "10MOD0423-CDC")
    assert code is not None
    assert (code.gtin, code.lot, code.expiry) == (
        "04712345678906",
        "MOD0423-CDC",
        date(2027, 12, 31),
    )


def test_variable_lot_ends_at_the_separator_and_a_serial_follows() -> None:
    code = parse_vial_code(f"010471234567890610AZ1234{GS}1726060021SN0001")
    assert code is not None
    assert code.lot == "AZ1234" and code.serial == "SN0001"
    assert code.expiry == date(2026, 6, 30)  # day 00: the month's last day


def test_bracketed_human_readable_form() -> None:
    code = parse_vial_code("(01)04712345678906(17)261122(10)BNT-77")
    assert code is not None and code.lot == "BNT-77"
    assert code.expired_on(date(2026, 11, 23)) and not code.expired_on(date(2026, 11, 22))


@pytest.mark.parametrize("raw", ["A123456789", "0104712345678906", "01123", "(10)LOT", ""])
def test_an_id_number_or_a_code_without_a_lot_is_not_a_vial(raw: str) -> None:
    assert parse_vial_code(raw) is None

"""ID numbers as a clerk meets them: scanned with noise, typed in full width, mistyped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaccination.ids import (
    LETTER_CODES,
    check_id,
    check_id_on_record,
    check_recorded_id,
    clean_valid_id,
    make_national_id,
    make_resident_old_id,
    mask_id,
    mask_name,
    national_id_checksum_digit,
    normalize_id,
)
from vaccination.models import IdKind

letters = st.sampled_from(sorted(LETTER_CODES))
serials = st.integers(min_value=0, max_value=9_999_999)
national_ids = st.builds(make_national_id, letters, st.sampled_from([1, 2]), serials)
new_resident_ids = st.builds(make_national_id, letters, st.sampled_from([8, 9]), serials)
old_resident_ids = st.builds(make_resident_old_id, letters, st.sampled_from("ABCD"), serials)
any_taiwan_id = st.one_of(national_ids, new_resident_ids, old_resident_ids)

# Weights of the digit positions 1..9 of a 10-character number (index 0 is the letter).
POSITION_WEIGHTS = {1: 8, 2: 7, 3: 6, 4: 5, 5: 4, 6: 3, 7: 2, 8: 1, 9: 1}


def test_the_form_example_is_a_valid_national_id() -> None:
    result = check_id("A123456789")
    assert result.valid
    assert result.kind is IdKind.NATIONAL_ID
    assert result.masked == "A12****789"
    assert result.error is None
    assert not result.unchecked


@given(national_ids)
def test_every_generated_national_id_is_valid(value: str) -> None:
    result = check_id(value)
    assert result.valid, result
    assert result.kind is IdKind.NATIONAL_ID


@given(new_resident_ids)
def test_every_generated_new_resident_certificate_is_valid(value: str) -> None:
    result = check_id(value)
    assert result.valid and result.kind is IdKind.RESIDENT_NEW


@given(old_resident_ids)
def test_every_generated_old_resident_certificate_is_valid(value: str) -> None:
    result = check_id(value)
    assert result.valid and result.kind is IdKind.RESIDENT_OLD


@given(any_taiwan_id, st.integers(min_value=1, max_value=9), st.integers(1, 9))
def test_a_single_digit_change_breaks_the_checksum(value: str, pos: int, delta: int) -> None:
    """Every change is caught except where weight * delta is a multiple of 10.

    That blind spot is a property of the official scheme (weights 8..1 mod 10), e.g.
    +5 on an even-weight position; the README documents it.
    """
    if pos == 1 and not value[1].isdigit():
        return  # the second character of an old resident number is a letter
    digit = int(value[pos])
    new_digit = (digit + delta) % 10
    changed = value[:pos] + str(new_digit) + value[pos + 1 :]
    result = check_id(changed)
    if pos == 1 and str(new_digit) not in "1289":
        assert result.error == "bad_gender_digit"
    elif (POSITION_WEIGHTS[pos] * delta) % 10 != 0:
        assert not result.valid
        assert result.error == "checksum_mismatch"
        assert result.kind is None  # never mistaken for a passport
    else:
        assert result.valid  # the documented blind spot, not a bug


@given(any_taiwan_id)
def test_changing_the_check_digit_is_always_caught(value: str) -> None:
    for d in "0123456789":
        if d != value[9]:
            assert check_id(value[:9] + d).error == "checksum_mismatch"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


wrappers = st.sampled_from(
    [
        lambda v: v,
        lambda v: f"*{v}*",  # Code 39 start/stop characters
        lambda v: f"\x02{v}\x03",  # STX/ETX of serial scanners
        lambda v: f"{v}\r\n",  # keyboard wedge suffix
        lambda v: f"  {v.lower()}\t",
        _full_width,
        lambda v: _full_width(f"*{v}*") + "\r",
        lambda v: f"{v[:3]} {v[3:6]} {v[6:]}",
        lambda v: f"\x02*{v}*\x03\r\n",
        lambda v: (
            "\ufeff" + _full_width(v) + "\u200b\u3000"
        ),  # BOM, zero-width and ideographic space
    ]
)


@given(any_taiwan_id, wrappers)
def test_wrapped_forms_normalise_to_the_same_number(value: str, wrap: object) -> None:
    assert callable(wrap)
    raw = wrap(value)
    assert normalize_id(raw) == value
    result = check_id(raw)
    assert result.valid
    assert result.normalized == value
    assert result.input == raw


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "empty"),
        ("  \r\n", "empty"),
        ("**", "empty"),
        ("A12345", "wrong_length"),  # starts like an ID: never a passport
        ("A1234", "wrong_length"),
        ("A1234567890123", "wrong_length"),
        ("A123-456789", "bad_characters"),
        ("王123456789", "bad_characters"),
        ("0912345678", "unknown_region_letter"),  # a mobile number scanned by mistake
        ("1123456789", "unknown_region_letter"),
        ("A323456789", "bad_gender_digit"),
        ("AZ12345678", "bad_gender_digit"),
        ("A123456788", "checksum_mismatch"),
        ("AC12345678", "checksum_mismatch"),
        ("ABCDEFGH", "not_an_id"),
        ("TK1234567", "passport_not_declared"),
        ("123456789", "passport_not_declared"),
    ],
)
def test_invalid_values_get_a_stable_reason(raw: str, error: str) -> None:
    result = check_id(raw)
    assert result.error == error
    assert not result.valid
    assert result.kind is None
    # Both languages, and the Chinese text is really Chinese.
    assert result.message_zh and result.message_en
    assert any("\u4e00" <= c <= "\u9fff" for c in result.message_zh)


def test_wrong_length_message_says_how_many_characters_were_read() -> None:
    result = check_id("A1234")
    assert result.message_zh is not None and "5 碼" in result.message_zh
    assert result.message_en is not None and "5 characters" in result.message_en


@pytest.mark.parametrize(
    ("raw", "error", "says_en"),
    [
        ("A12345678", "wrong_length", "9 characters, 10 needed"),  # one digit short
        ("A1234567890", "wrong_length", "11 characters, 10 needed"),  # one digit too many
        ("A12345678X", "digits_expected", "Character 10 ('X')"),  # a letter for a digit
        ("X98765432", "wrong_length", "9 characters, 10 needed"),  # new resident form, short
        ("AB1234567", "wrong_length", "9 characters, 10 needed"),  # old resident form, short
        ("F2O0000000", "digits_expected", "Character 3 ('O')"),  # letter O for zero
    ],
)
def test_a_value_shaped_like_an_id_is_never_taken_for_a_passport(
    raw: str, error: str, says_en: str
) -> None:
    """Issue 16, "IDs are never guessed": `vaxdesk id check A12345678` (one digit short of a
    national ID) answered valid, kind passport; so did `A1234567890` and `A12345678X`.

    DOMAIN.md: "National ID: one letter + 9 digits, second digit 1 (male) or 2 (female)";
    resident certificates have A-D or 8/9 as the second character.
    """
    result = check_id(raw)
    assert not result.valid and result.kind is None
    assert result.error == error
    assert result.message_en is not None and says_en in result.message_en


@pytest.mark.parametrize(
    "raw", ["E12345678", "TK1234567", "123456789", "X1234567Z", "K0123456", "A12345678"]
)
def test_passport_numbers_are_accepted_only_when_declared(raw: str) -> None:
    assert not check_id(raw).valid
    result = check_id(raw, IdKind.PASSPORT)
    assert result.valid
    assert result.kind is IdKind.PASSPORT
    assert result.unchecked
    assert result.message_zh is not None and "未經驗證" in result.message_zh


@pytest.mark.parametrize(
    ("raw", "error"),
    [("AB12", "wrong_length"), ("ABCDEFGH", "not_an_id"), ("X-12345", "bad_characters")],
)
def test_a_declared_passport_number_still_needs_its_shape(raw: str, error: str) -> None:
    result = check_id(raw, IdKind.PASSPORT)
    assert not result.valid and result.error == error


def test_a_declared_kind_must_match_the_number() -> None:
    result = check_id("A123456789", IdKind.RESIDENT_NEW)
    assert not result.valid and result.error == "kind_mismatch"
    assert result.message_zh == "證號是身分證號，不是所選的新式居留證號。"
    assert check_id("A123456789", IdKind.NATIONAL_ID).valid


def test_a_number_on_record_that_is_no_id_is_its_holders_passport() -> None:
    on_record = {"X98765432"}.__contains__
    assert check_id_on_record("x98765432\r\n", on_record).kind is IdKind.PASSPORT
    assert check_id_on_record("X98765433", on_record).error == "wrong_length"
    assert check_id_on_record("A123456789", on_record).kind is IdKind.NATIONAL_ID
    assert check_recorded_id("TK1234567").kind is IdKind.PASSPORT


def test_old_resident_certificate_uses_last_digit_of_the_second_letter_code() -> None:
    # A + C: C's code is 12, so the digit 2 stands in for the letter.
    value = make_resident_old_id("A", "C", 1234567)
    assert value[:2] == "AC"
    assert int(value[-1]) == national_id_checksum_digit("A2" + "1234567")
    assert check_id(value).kind is IdKind.RESIDENT_OLD


def test_checksum_digit_of_the_form_example() -> None:
    assert national_id_checksum_digit("A12345678") == 9


@pytest.mark.parametrize(
    ("letter", "sex", "serial"), [("a", 3, 1), ("1", 1, 1), ("A", 1, 10_000_000)]
)
def test_make_national_id_rejects_impossible_parts(letter: str, sex: int, serial: int) -> None:
    with pytest.raises(ValueError):
        make_national_id(letter, sex, serial)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("A123456789", "A12****789"),
        ("E12345678", "E12***678"),
        ("1234567", "123*567"),
        ("A12345", "A****5"),
        ("AB", "**"),
        ("", ""),
    ],
)
def test_mask_id_never_shows_the_middle(value: str, masked: str) -> None:
    assert mask_id(value) == masked


@given(any_taiwan_id)
def test_masked_id_hides_four_digits(value: str) -> None:
    masked = mask_id(value)
    assert masked[:3] == value[:3] and masked[-3:] == value[-3:]
    assert masked[3:7] == "****"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王小明", "王○明"),
        ("王明", "王○"),
        ("歐陽小明", "歐○○明"),
        ("王", "王"),
        (" 陳大文 ", "陳○文"),
        ("John Smith", "J*** S****"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@given(st.text(max_size=30))
def test_any_input_gives_a_result_and_never_shows_a_full_number(raw: str) -> None:
    result = check_id(raw)
    assert result.input == raw
    if result.valid:
        assert result.normalized.isascii() and result.normalized.isalnum()
        assert result.kind is not None
    else:
        assert result.error is not None and result.message_zh and result.message_en
    n = len(result.normalized)
    hidden = result.masked[3:-3] if n > 6 else result.masked[1:-1] if n > 2 else result.masked
    assert len(result.masked) == n
    assert set(hidden) <= {"*"}


@given(any_taiwan_id, st.integers(min_value=0, max_value=9), st.integers(min_value=0, max_value=9))
def test_clean_input_and_scanner_noise_get_the_same_verdict(
    value: str, position: int, digit: int
) -> None:
    # A clean 10-character value takes the fast path, a noisy one the normalising path;
    # the verdict must not depend on which, also for a changed (usually invalid) character.
    chars = list(value)
    if position >= 2:
        chars[position] = str(digit)
    changed = "".join(chars)
    for candidate in (value, changed):
        clean = check_id(candidate)
        noisy = check_id(f"\x02 {candidate.lower()}\r\n")
        assert (clean.valid, clean.kind, clean.error) == (noisy.valid, noisy.kind, noisy.error)
        assert (clean.normalized, clean.masked, clean.message_zh, clean.message_en) == (
            noisy.normalized,
            noisy.masked,
            noisy.message_zh,
            noisy.message_en,
        )
        assert clean.valid == (
            national_id_checksum_digit(_first9_for_check(candidate)) == int(candidate[9])
        )


def _first9_for_check(value: str) -> str:
    """The first 9 characters with an old resident certificate's letter as its digit."""
    second = value[1]
    if second.isalpha():
        second = str(LETTER_CODES[second] % 10)
    return value[0] + second + value[2:9]


def test_a_clean_value_with_a_wrong_second_character_is_not_a_passport() -> None:
    result = check_id("A723456789")
    assert not result.valid and result.error == "bad_gender_digit"


@given(any_taiwan_id, st.integers(min_value=2, max_value=9), st.integers(min_value=0, max_value=9))
def test_clean_valid_id_accepts_exactly_what_check_id_accepts(
    value: str, position: int, digit: int
) -> None:
    changed = value[:position] + str(digit) + value[position + 1 :]
    for candidate in (value, changed):
        expected = candidate if check_id(candidate).valid else None
        assert clean_valid_id(candidate) == expected
    # Noise is not cleaned here: such input takes check_id's way.
    assert clean_valid_id(f" {value}") is None
    assert clean_valid_id(value.lower()) is None
    assert clean_valid_id("") is None

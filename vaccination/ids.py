"""Identity numbers: normalise what a scanner or keyboard delivers, validate it, mask it.

Kinds (see `IdKind`):

* national ID (國民身分證統一編號): letter + 1/2 + 7 digits + check digit;
* old resident certificate (舊式居留證): two letters, the second A-D, 7 digits + check digit;
  the second letter counts with the last digit of its two-digit code;
* new resident certificate (新式居留證, since 2021): letter + 8/9 + 7 digits + check digit;
* passport number: 6-12 letters/digits, at least one digit. It has no checksum, so it is
  accepted (marked unchecked) only where the user says it is a passport number: a passport
  column of the roster, the walk-in form's document type, `check_id(raw, IdKind.PASSPORT)`.

Nothing is guessed: without a declared kind a value must be a Taiwanese ID or resident
certificate. A value that starts like one (a letter, then 1, 2, 8, 9 or A-D) but has the
wrong length or a non-digit is invalid with that reason, never taken for a passport.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final

from vaccination.models import IdCheck, IdKind

# Two-digit codes of the region letters; I, O, W, X, Y, Z are out of order on purpose
# (letters added after the original scheme).
LETTER_CODES: Final[dict[str, int]] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17,
    "I": 34, "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23,
    "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30,
    "Y": 31, "Z": 33,
}  # fmt: skip

# Weights of: tens digit of the letter code, units digit, then the 8 middle digits.
_WEIGHTS: Final[tuple[int, ...]] = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1)

# Per region letter: its weighted code (tens x 1 + units x 9), the part of the checksum
# that a table look-up replaces.
_LETTER_PART: Final[dict[str, int]] = {
    letter: code // 10 + 9 * (code % 10) for letter, code in LETTER_CODES.items()
}
# The second character: what kind of ID it makes and the digit it counts as (the old
# resident certificate's A-D count with the last digit of their letter code).
_SECOND_KIND: Final[dict[str, IdKind]] = {
    "1": IdKind.NATIONAL_ID,
    "2": IdKind.NATIONAL_ID,
    "8": IdKind.RESIDENT_NEW,
    "9": IdKind.RESIDENT_NEW,
    **dict.fromkeys("ABCD", IdKind.RESIDENT_OLD),
}
_SECOND_VALUE: Final[dict[str, int]] = {
    **{d: int(d) for d in "1289"},
    **{c: LETTER_CODES[c] % 10 for c in "ABCD"},
}
# ord("0") times the weights of positions 2-9 (7, 6, 5, 4, 3, 2, 1, 1).
_DIGIT_BIAS: Final[int] = ord("0") * sum(_WEIGHTS[3:]) + ord("0")

PASSPORT_MIN_LENGTH: Final[int] = 6
PASSPORT_MAX_LENGTH: Final[int] = 12

# ASCII control characters (STX, ETX, CR, LF, TAB ...), space and DEL.
_ASCII_NOISE: Final[dict[int, None]] = dict.fromkeys([*range(33), 127])

_TAIWAN_SHAPE = re.compile(r"[A-Z][A-Z0-9][0-9]{8}")
# How a Taiwanese ID or resident certificate starts: region letter, then 1/2/8/9 or A-D.
_TAIWAN_PREFIX = re.compile(r"[A-Z][1289A-D]")
TAIWAN_ID_LENGTH: Final[int] = 10
_ALNUM = re.compile(r"[A-Z0-9]+")
_DIGITS10 = re.compile(r"[0-9]{10}")

# Messages per stable error code: (zh, en). `{n}` is the length found.
ERROR_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "empty": ("未讀到證號，請重新掃描或輸入。", "No ID number was read; scan or type it again."),
    "wrong_length": (
        "證號長度不對：讀到 {n} 碼，身分證／居留證為 10 碼。",
        "Wrong length: {n} characters, 10 needed (ID or resident certificate).",
    ),
    "digits_expected": (
        "第 {pos} 碼「{ch}」不對：身分證／居留證第 3 到 10 碼都是數字。",
        "Character {pos} ({ch!r}) is wrong: characters 3 to 10 of an ID or resident "
        "certificate are digits.",
    ),
    "passport_not_declared": (
        "這不是身分證或居留證號。若是護照號碼，請選擇證件類別「護照」"
        "（名冊請填在「護照號碼」欄）。",
        "This is not a national ID or resident certificate number. For a passport number "
        "choose the document type 'passport' (in a roster: the passport column).",
    ),
    "kind_mismatch": (
        "證號是{found_zh}，不是所選的{wanted_zh}。",
        "The number is a {found_en}, not the chosen {wanted_en}.",
    ),
    "unknown_region_letter": (
        "第 1 碼必須是英文字母（縣市代碼）。",
        "The first character must be a letter (region code).",
    ),
    "bad_gender_digit": (
        "第 2 碼不對：身分證為 1 或 2，居留證為 8、9 或 A-D。",
        "The second character is wrong: 1 or 2 for a national ID, 8, 9 or A-D for a "
        "resident certificate.",
    ),
    "bad_characters": (
        "證號只能有英文字母和數字。",
        "An ID number may contain only letters and digits.",
    ),
    "passport_length": (
        "護照號碼長度不對：讀到 {n} 碼，護照號碼為 6-12 碼。",
        "Wrong length for a passport number: {n} characters, 6-12 needed.",
    ),
    "not_an_id": (
        "這不像證號（沒有數字），請重新掃描證件條碼。",
        "This is not an ID number (no digits); scan the document's barcode again.",
    ),
    "checksum_mismatch": (
        "檢查碼不符，證號可能打錯或讀錯，請核對證件。",
        "Checksum mismatch: the number was mistyped or misread; check the document.",
    ),
}

_KIND_NAMES: Final[dict[IdKind, tuple[str, str]]] = {
    IdKind.NATIONAL_ID: ("身分證號", "national ID number"),
    IdKind.RESIDENT_OLD: ("舊式居留證號", "resident certificate number (old form)"),
    IdKind.RESIDENT_NEW: ("新式居留證號", "resident certificate number (new form)"),
    IdKind.PASSPORT: ("護照號碼", "passport number"),
}

_KIND_MESSAGES: Final[dict[IdKind, tuple[str, str]]] = {
    IdKind.NATIONAL_ID: ("國民身分證統一編號", "National ID number"),
    IdKind.RESIDENT_OLD: ("居留證統一證號（舊式）", "Resident certificate number (old form)"),
    IdKind.RESIDENT_NEW: ("居留證統一證號（新式）", "Resident certificate number (new form)"),
    IdKind.PASSPORT: (
        "護照號碼（無檢查碼，未經驗證，請核對證件）",
        "Passport number (no checksum, unchecked; check the document)",
    ),
}


def normalize_id(raw: str) -> str:
    """Turn scanner or keyboard input into the canonical form of an ID number.

    NFKC folds full-width letters and digits to ASCII; control characters (STX/ETX,
    CR/LF, tab) and all whitespace are dropped; Code 39 start/stop `*` are stripped;
    the result is upper-case. Nothing else is changed, so a wrong character stays visible.
    """
    if raw.isascii():  # the common case of a scanner: skip NFKC and the per-character test
        text = raw.translate(_ASCII_NOISE)
    else:
        text = unicodedata.normalize("NFKC", raw)
        text = "".join(
            ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")
        )
    return text.strip("*").upper()


def national_id_checksum_digit(first9: str) -> int:
    """The check digit that completes `first9` (letter + 8 digits) to a valid number.

    Works for national IDs and new resident certificates; for an old resident
    certificate pass the second letter already replaced by its code's last digit.
    """
    if len(first9) != 9 or first9[0] not in LETTER_CODES or not first9[1:].isdigit():
        raise ValueError(f"expected a letter and 8 digits, got {len(first9)} characters")
    return (10 - _weighted_sum(first9) % 10) % 10


def make_national_id(letter: str, sex: int, serial: int) -> str:
    """Build a valid national ID: region letter, sex digit (1 or 2), 7-digit serial, check.

    Also builds new resident certificates when `sex` is 8 or 9 (used by tests and demos).
    """
    letter = letter.upper()
    if letter not in LETTER_CODES:
        raise ValueError(f"unknown region letter {letter!r}")
    if sex not in (1, 2, 8, 9):
        raise ValueError(f"sex digit must be 1 or 2 (8 or 9 for a resident), got {sex}")
    if not 0 <= serial <= 9_999_999:
        raise ValueError(f"serial must have at most 7 digits, got {serial}")
    first9 = f"{letter}{sex}{serial:07d}"
    return first9 + str(national_id_checksum_digit(first9))


def make_resident_old_id(letter: str, second: str, serial: int) -> str:
    """Build a valid old-form resident certificate number (second letter A-D)."""
    second = second.upper()
    if second not in "ABCD" or len(second) != 1:
        raise ValueError(f"second letter must be A-D, got {second!r}")
    if not 0 <= serial <= 9_999_999:
        raise ValueError(f"serial must have at most 7 digits, got {serial}")
    letter = letter.upper()
    check = national_id_checksum_digit(f"{letter}{LETTER_CODES[second] % 10}{serial:07d}")
    return f"{letter}{second}{serial:07d}{check}"


def check_id(raw: str, kind: IdKind | None = None) -> IdCheck:
    """Normalise and validate one scanned or typed value; say which kind it is or why not.

    `kind` is what the user declared: None means a national ID or resident certificate
    (a scan, a roster's ID column), `IdKind.PASSPORT` a passport number (a passport
    column, the walk-in form's document type, `--kind passport`). A passport number is
    never accepted without it.
    """
    if kind is IdKind.PASSPORT:
        return _check_passport(raw)
    # Fast path: a clean 10-character ID as scanners and roster files deliver it skips
    # normalisation (it would change nothing) and the regex of the general path.
    if len(raw) == 10 and _TAIWAN_SHAPE.fullmatch(raw) is not None:
        result = _check_taiwan(raw, raw)
    else:
        result = _check_taiwan_family(raw)
    if kind is not None and result.valid and result.kind is not kind:
        return _kind_mismatch(result, kind)
    return result


# Check errors no passport number has either (nothing read, not letters and digits, no
# digit): such a value is never looked up as a passport holder's.
_NEVER_A_PASSPORT: Final[frozenset[str]] = frozenset({"empty", "bad_characters", "not_an_id"})


def check_id_on_record(raw: str, on_record: Callable[[str], bool]) -> IdCheck:
    """Check a scanned or typed value that may be the number of a passport holder on record.

    A passport number reaches the record only where the user declared it one (a roster's
    passport column, the walk-in form's document type), so a value that is not an ID
    but is the number of someone on record (`on_record(normalized)`) is that person's
    passport number. Any other value is checked as `check_id(raw)` does.
    """
    check = check_id(raw)
    if not check.valid and check.error not in _NEVER_A_PASSPORT and on_record(check.normalized):
        return check_id(raw, IdKind.PASSPORT)
    return check


def check_recorded_id(value: str) -> IdCheck:
    """The check of a number already on record: an ID, or else a declared passport number."""
    return check_id_on_record(value, lambda _: True)


def _check_taiwan_family(raw: str) -> IdCheck:
    """The general path of a value that must be a national ID or resident certificate."""
    value = normalize_id(raw)
    if not value:
        return _bad(raw, value, "empty")
    if not _ALNUM.fullmatch(value):
        return _bad(raw, value, "bad_characters")
    if len(value) == TAIWAN_ID_LENGTH and _TAIWAN_SHAPE.fullmatch(value):
        return _check_taiwan(raw, value)
    if _DIGITS10.fullmatch(value):
        # Ten digits: an ID whose letter was lost (or a phone number scanned by mistake).
        return _bad(raw, value, "unknown_region_letter")
    if value.isalpha():
        # Every ID and passport number has digits; letters only is a word or a misread.
        return _bad(raw, value, "not_an_id")
    if _TAIWAN_PREFIX.match(value):
        # Starts like an ID: a digit lost or added, or a letter misread, never a passport.
        if len(value) != TAIWAN_ID_LENGTH:
            return _bad(raw, value, "wrong_length")
        pos = next(i for i, ch in enumerate(value[2:], start=2) if not ch.isdigit())
        return _bad(raw, value, "digits_expected", pos=pos + 1, ch=value[pos])
    if len(value) == TAIWAN_ID_LENGTH:
        return _bad(raw, value, "bad_gender_digit")
    if PASSPORT_MIN_LENGTH <= len(value) <= PASSPORT_MAX_LENGTH:
        return _bad(raw, value, "passport_not_declared")
    return _bad(raw, value, "wrong_length")


def _check_passport(raw: str) -> IdCheck:
    """A number the user declared a passport number: shape only, there is no checksum."""
    value = normalize_id(raw)
    if not value:
        return _bad(raw, value, "empty")
    if not _ALNUM.fullmatch(value):
        return _bad(raw, value, "bad_characters")
    if not PASSPORT_MIN_LENGTH <= len(value) <= PASSPORT_MAX_LENGTH:
        return _bad(raw, value, "wrong_length", message="passport_length")
    if value.isalpha():
        return _bad(raw, value, "not_an_id")
    return _good(raw, value, IdKind.PASSPORT)


def _kind_mismatch(result: IdCheck, wanted: IdKind) -> IdCheck:
    assert result.kind is not None
    found_zh, found_en = _KIND_NAMES[result.kind]
    wanted_zh, wanted_en = _KIND_NAMES[wanted]
    return _bad(
        result.input,
        result.normalized,
        "kind_mismatch",
        found_zh=found_zh,
        found_en=found_en,
        wanted_zh=wanted_zh,
        wanted_en=wanted_en,
    )


def clean_valid_id(raw: str) -> str | None:
    """`raw` itself if it already is a clean, valid 10-character Taiwanese ID, else None.

    The cheap test of bulk validation (a roster's 100,000 rows): no normalisation and no
    `IdCheck` built. None says nothing about why; `check_id` tells that.
    """
    if len(raw) == 10 and _TAIWAN_SHAPE.fullmatch(raw) is not None and not _taiwan_error(raw):
        return raw
    return None


def _check_taiwan(raw: str, value: str) -> IdCheck:
    """Validate a value shaped like a Taiwanese ID (letter, letter-or-digit, 8 digits)."""
    error = _taiwan_error(value)
    if error:
        return _bad(raw, value, error)
    kind = _SECOND_KIND[value[1]]
    zh, en = _KIND_MESSAGES[kind]
    return IdCheck(raw, True, kind, value, value[:3] + "****" + value[7:], None, zh, en)


def _taiwan_error(value: str) -> str:
    """The error code of a value shaped like a Taiwanese ID; "" when it is valid.

    Positions 2-9 are ASCII digits (the caller matched the shape), so their byte values
    minus `_DIGIT_BIAS` give the weighted digits without a conversion per character.
    """
    second = _SECOND_VALUE.get(value[1])
    if second is None:
        return "bad_gender_digit"
    b = value.encode("ascii")
    remainder = (
        _LETTER_PART[value[0]]
        + 8 * second
        + 7 * b[2] + 6 * b[3] + 5 * b[4] + 4 * b[5] + 3 * b[6] + 2 * b[7] + b[8] + b[9]
        - _DIGIT_BIAS
    ) % 10  # fmt: skip
    return "checksum_mismatch" if remainder else ""


def _bad(raw: str, value: str, code: str, message: str | None = None, **fields: object) -> IdCheck:
    zh, en = ERROR_MESSAGES[message or code]
    return IdCheck(
        input=raw,
        valid=False,
        kind=None,
        normalized=value,
        masked=mask_id(value),
        error=code,
        message_zh=zh.format(n=len(value), **fields),
        message_en=en.format(n=len(value), **fields),
    )


def _good(raw: str, value: str, kind: IdKind) -> IdCheck:
    zh, en = _KIND_MESSAGES[kind]
    return IdCheck(raw, True, kind, value, mask_id(value), None, zh, en)


def mask_id(value: str) -> str:
    """Mask an ID number for screens, tickets and logs: `A123456789` -> `A12****789`.

    The first 3 and last 3 characters are kept; values of 6 characters or fewer keep
    only their first and last character, so no short value is shown in full.
    """
    n = len(value)
    if n > 6:
        return value[:3] + "*" * (n - 6) + value[-3:]
    if n > 2:
        return value[0] + "*" * (n - 2) + value[-1]
    return "*" * n


def mask_name(name: str) -> str:
    """Mask a person's name for public screens: 王小明 -> 王○明, 王明 -> 王○, 歐陽小明 -> 歐○○明.

    Names written with spaces (foreign names) keep each word's first letter: `John Smith`
    -> `J*** S****`.
    """
    name = name.strip()
    if " " in name:
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "○"
    return name[0] + "○" * (len(name) - 2) + name[-1]


def _weighted_sum(first9: str) -> int:
    """Weighted sum of letter code and the 8 digits after it (the check digit excluded)."""
    code = LETTER_CODES[first9[0]]
    digits = (code // 10, code % 10, *(int(c) for c in first9[1:9]))
    return sum(w * d for w, d in zip(_WEIGHTS, digits, strict=True))

"""Masking ID numbers inside free text (reasons typed at the desk) before it is kept.

A reason is stored and logged as typed, so an ID number typed into it ("A123456789
出示健保卡") would be kept in full. Every token shaped like a Taiwanese ID (a letter,
a letter or digit, eight digits; full-width forms and lower case too) is masked the
way screens mask it; everything else stays as typed.
"""

from __future__ import annotations

import re
import unicodedata

from vaccination.ids import mask_id

_LETTER = "A-Za-zＡ-Ｚａ-ｚ"
_DIGIT = "0-9０-９"
_ID_SHAPED = re.compile(
    f"(?<![{_LETTER}{_DIGIT}])[{_LETTER}][{_LETTER}{_DIGIT}][{_DIGIT}]{{8}}(?![{_LETTER}{_DIGIT}])"
)


def mask_ids_in_text(text: str) -> str:
    """`text` with every ID-shaped token masked (`A123456789` -> `A12****789`)."""
    return _ID_SHAPED.sub(
        lambda m: mask_id(unicodedata.normalize("NFKC", m.group(0)).upper()), text
    )

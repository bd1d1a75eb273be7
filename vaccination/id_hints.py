"""Where a mistyped ID number is likely wrong, for the clerk who must correct it.

A checksum mismatch says the number is wrong, not where. The commonest typing error
that keeps the length is two neighbouring characters swapped; when exactly one swap
makes the checksum right it points at the two positions to look at. A single wrong
digit cannot be placed (changing almost any one position can repair the checksum), and
neither can a swap when several would do, so then the clerk is told to compare every
character with the card.
"""

from __future__ import annotations

from vaccination.ids import check_id
from vaccination.models import IdKind


def likely_swap(value: str) -> tuple[int, int] | None:
    """The one pair of neighbouring positions (1-based) whose swap makes a valid ID."""
    found = swapped_positions(value)
    return found[0] if len(found) == 1 else None


def swapped_positions(value: str) -> list[tuple[int, int]]:
    """1-based pairs of neighbouring positions whose swap turns `value` into a valid ID."""
    found = []
    for i in range(len(value) - 1):
        if value[i] == value[i + 1]:
            continue
        swapped = value[:i] + value[i + 1] + value[i] + value[i + 2 :]
        fixed = check_id(swapped)
        if fixed.valid and fixed.kind is not IdKind.PASSPORT:
            found.append((i + 1, i + 2))
    return found

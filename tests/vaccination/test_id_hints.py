"""Hints for a mistyped ID number: which neighbouring characters were likely swapped."""

from __future__ import annotations

from vaccination.id_hints import likely_swap


def test_a_swap_of_two_neighbours_is_found() -> None:
    # A123456789 is valid; the clerk typed 5 and 6 the other way round.
    assert likely_swap("A123465789") == (6, 7)


def test_no_hint_when_many_swaps_or_none_would_do() -> None:
    assert likely_swap("A123456788") is None  # one digit off: every neighbour swap fits
    assert likely_swap("A100000002") is None

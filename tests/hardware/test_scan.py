"""The shared Scan records and the Deduplicator's window."""

from __future__ import annotations

import dataclasses

import pytest

from hardware.scan import (
    Deduplicator,
    Scan,
    SourceState,
    SourceStatus,
    Symbology,
    parse_symbologies,
)


def test_scan_is_a_frozen_record_with_both_clocks() -> None:
    scan = Scan("A123456789", Symbology.CODE39, "webcam:0")
    assert scan.monotonic > 0 and scan.wall > 1_600_000_000
    with pytest.raises(dataclasses.FrozenInstanceError):
        scan.text = "B142933757"  # type: ignore[misc]


def test_state_message_is_chinese_first() -> None:
    state = SourceState("serial:COM5", SourceStatus.WAITING, "等待掃描器", "waiting for scanner")
    assert state.message == "等待掃描器 / waiting for scanner"


def test_window_slides_while_the_card_stays_in_view() -> None:
    dedup = Deduplicator(window=1.0)
    # A card held for 5 s, seen every 0.1 s: one scan.
    sightings = [dedup.accept("A123456789", t / 10) for t in range(50)]
    assert sightings.count(True) == 1
    # Taken away for longer than the window and shown again: a new scan.
    assert dedup.accept("A123456789", 6.5) is True
    # Another card in between does not disturb the first one's window.
    assert dedup.accept("B142933757", 6.6) is True
    assert dedup.accept("A123456789", 6.7) is False


def test_zero_window_accepts_every_read() -> None:
    dedup = Deduplicator(window=0.0)
    assert [dedup.accept("x", t) for t in (0.0, 0.1, 0.2)] == [True, True, True]


def test_a_clock_that_restarts_does_not_swallow_scans() -> None:
    dedup = Deduplicator(window=2.0)
    assert dedup.accept("A123456789", 100.0)
    assert dedup.accept("A123456789", 0.5)  # a new video's media time starts at 0


def test_many_distinct_codes_do_not_grow_memory_without_bound() -> None:
    dedup = Deduplicator(window=1.0)
    for i in range(5000):
        assert dedup.accept(f"code{i}", float(i))
    assert len(dedup._last_seen) < 300


def test_parse_symbologies() -> None:
    assert parse_symbologies("QR, code39,qr") == (Symbology.QR, Symbology.CODE39)
    with pytest.raises(ValueError, match="unsupported symbology"):
        parse_symbologies("ean13")
    with pytest.raises(ValueError):
        parse_symbologies("")

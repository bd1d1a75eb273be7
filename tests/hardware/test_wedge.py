"""The keyboard-wedge burst detector on synthetic key timings (no Qt, no sleeping)."""

from __future__ import annotations

import pytest

from hardware.wedge import WedgeDetector, WedgeTiming


def _run(detector: WedgeDetector[int], keys: str, gaps_ms: list[float], start: float = 100.0):
    """Feed `keys` with the given gaps; returns (delivered tokens in order, scans)."""
    delivered: list[int] = []
    scans: list[str] = []
    at = start
    for i, ch in enumerate(keys):
        if i:
            at += gaps_ms[(i - 1) % len(gaps_ms)] / 1000.0
        d = detector.feed(ch, i, at)
        delivered.extend(d.release)
        if d.scan is not None:
            scans.append(d.scan)
    delivered.extend(detector.expire(at + 1.0))
    return delivered, scans


@pytest.mark.parametrize("gaps", [[2.0], [8.0], [2.0, 5.0, 8.0, 3.0]])
def test_scanner_burst_2_to_8_ms_is_one_scan_and_nothing_is_delivered(gaps: list[float]) -> None:
    delivered, scans = _run(WedgeDetector(), "A123456789\r", gaps)
    assert scans == ["A123456789"]
    assert delivered == []


def test_tab_terminates_a_burst_too() -> None:
    _, scans = _run(WedgeDetector(), "A123456789\t", [4.0])
    assert scans == ["A123456789"]


@pytest.mark.parametrize("gaps", [[60.0], [120.0], [60.0, 95.0, 120.0]])
def test_fast_typist_60_to_120_ms_gets_every_key_in_order(gaps: list[float]) -> None:
    keys = "A123456789\r"
    delivered, scans = _run(WedgeDetector(), keys, gaps)
    assert scans == []
    assert delivered == list(range(len(keys)))


def test_typed_key_is_held_only_until_the_gap_lapses() -> None:
    det: WedgeDetector[str] = WedgeDetector(WedgeTiming(max_gap_ms=30))
    first = det.feed("王", "k1", at=0.0)
    assert first.hold and first.release == ()
    assert det.expire(at=0.020) == ()  # a scanner could still be typing
    assert det.expire(at=0.031) == ("k1",)
    assert not det.holding


def test_short_fast_burst_with_enter_is_released_not_scanned() -> None:
    # Two keys rolled over quickly then Enter: a person, not a barcode.
    delivered, scans = _run(WedgeDetector(WedgeTiming(min_length=6)), "ab\r", [5.0])
    assert scans == []
    assert delivered == [0, 1, 2]


def test_a_pause_inside_the_burst_releases_the_typed_prefix_and_scans_the_rest() -> None:
    det: WedgeDetector[int] = WedgeDetector(WedgeTiming(max_gap_ms=30, min_length=6))
    out: list[int] = []
    out += det.feed("x", 0, at=0.0).release  # a person typed "x" ...
    at = 0.5  # ... then the scanner fires half a second later
    scans = []
    for i, ch in enumerate("A123456789\r", start=1):
        d = det.feed(ch, i, at)
        out += d.release
        if d.scan:
            scans.append(d.scan)
        at += 0.004
    assert out == [0]
    assert scans == ["A123456789"]


def test_over_long_burst_is_released() -> None:
    timing = WedgeTiming(max_gap_ms=30, min_length=2, max_length=4)
    delivered, scans = _run(WedgeDetector(timing), "abcdefg", [3.0])
    assert delivered == list(range(7))
    assert scans == []


def test_injected_clock_is_used_when_no_time_is_given() -> None:
    now = [10.0]
    det: WedgeDetector[int] = WedgeDetector(WedgeTiming(min_length=3), clock=lambda: now[0])
    for i, ch in enumerate("abc"):
        det.feed(ch, i)
        now[0] += 0.003
    assert det.feed("\r", 3).scan == "abc"
    assert det.deadline() is None


def test_flush_gives_back_held_keys() -> None:
    det: WedgeDetector[int] = WedgeDetector()
    det.feed("a", 1, at=0.0)
    det.feed("b", 2, at=0.002)
    assert det.flush() == (1, 2)
    assert det.flush() == ()


@pytest.mark.parametrize(
    "kwargs", [{"max_gap_ms": 0}, {"min_length": 0}, {"max_length": 2, "min_length": 3}]
)
def test_nonsense_timing_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        WedgeTiming(**kwargs)  # type: ignore[arg-type]

"""Byte-level framing rules of serial scanners: terminators, idle ends, garbage, prefixes."""

from __future__ import annotations

import pytest

from hardware.line_framer import LineFramer, Terminator
from hardware.scan import Symbology


def texts(framer: LineFramer, chunks: list[tuple[bytes, float]]) -> list[str]:
    out = []
    for data, at in chunks:
        out += [c.text for c in framer.feed(data, at)]
    return out


@pytest.mark.parametrize(
    ("terminator", "sep"),
    [(Terminator.CR, b"\r"), (Terminator.LF, b"\n"), (Terminator.CRLF, b"\r\n")],
)
def test_terminated_lines(terminator: Terminator, sep: bytes) -> None:
    framer = LineFramer(terminator)
    # Split inside the second code and, for CRLF, between CR and LF.
    stream = b"A123456789" + sep + b"B1429" + b"33757" + sep + b"F2123"
    cut1, cut2 = stream.index(b"B1429") + 5, stream.index(b"F2123") - len(sep) + 1
    chunks = [(stream[:cut1], 0.0), (stream[cut1:cut2], 0.01), (stream[cut2:], 0.02)]
    assert texts(framer, chunks) == ["A123456789", "B142933757"]
    assert framer.pending == b"F2123"


def test_crlf_tolerates_a_stray_lf_from_a_cr_configured_scanner() -> None:
    framer = LineFramer(Terminator.CR)
    assert texts(framer, [(b"A123456789\r\nB142933757\r\n", 0.0)]) == ["A123456789", "B142933757"]


def test_none_terminator_ends_on_idle_only() -> None:
    framer = LineFramer(Terminator.NONE, inter_char_timeout=0.05)
    assert framer.feed(b"A1234", 0.0) == []
    assert framer.poll(0.03) == []
    assert framer.feed(b"56789", 0.04) == []
    assert framer.seconds_until_due(0.05) == pytest.approx(0.04)
    assert [c.text for c in framer.poll(0.1)] == ["A123456789"]
    assert framer.seconds_until_due(0.2) is None


def test_stale_fragment_is_dropped_not_glued_to_the_next_code() -> None:
    framer = LineFramer(Terminator.CR, stale_after=0.5)
    assert framer.feed(b"ZX8", 0.0) == []
    assert texts(framer, [(b"A123456789\r", 2.0)]) == ["A123456789"]
    assert framer.dropped_partials == 1


def test_noise_bytes_and_empty_lines_are_removed() -> None:
    framer = LineFramer(Terminator.CR)
    got = texts(framer, [(b"\x00\xffA12345\x1b6789\x7f\r\r \r\x00\x01\r", 0.0)])
    assert got == ["A123456789"]


def test_utf8_text_from_a_qr_survives() -> None:
    framer = LineFramer(Terminator.LF)
    assert texts(framer, [("王小明\n".encode(), 0.0)]) == ["王小明"]


def test_runaway_stream_without_terminator_is_discarded() -> None:
    framer = LineFramer(Terminator.CR, max_length=16)
    assert framer.feed(b"X" * 40, 0.0) == []
    assert framer.pending == b""
    assert texts(framer, [(b"A123456789\r", 0.01)]) == ["A123456789"]


def test_prefix_suffix_and_aim() -> None:
    framer = LineFramer(Terminator.CR, prefix="<", suffix=">", aim_ids=True)
    codes = framer.feed(b"<]C0A123456789>\r<]E0xyz>\rplain\r", 0.0)
    assert [(c.text, c.symbology) for c in codes] == [
        ("A123456789", Symbology.CODE128),
        ("xyz", Symbology.UNKNOWN),
        ("plain", Symbology.UNKNOWN),
    ]


def test_reset_forgets_a_partial_code() -> None:
    framer = LineFramer(Terminator.CR)
    framer.feed(b"A1234", 0.0)
    framer.reset()
    assert texts(framer, [(b"B142933757\r", 0.01)]) == ["B142933757"]

"""The webcam source fed by generated video files: cards pass by, each becomes one Scan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from hardware.decoders import Detection
from hardware.scan import SourceStatus, Symbology
from hardware.synthetic import write_card_video
from hardware.webcam_source import LatestFrame, WebcamConfig, WebcamSource, parse_device

if TYPE_CHECKING:
    from tests.hardware.conftest import Recorder

pytestmark = pytest.mark.hardware


@pytest.fixture
def parade(tmp_path: Path, ids: list[str]) -> tuple[Path, list[tuple[str, Symbology]]]:
    """Four cards, the first one coming back at the end (well after the dedup window)."""
    cards = [
        (ids[0], Symbology.CODE39),
        (ids[1], Symbology.QR),
        (ids[2], Symbology.CODE128),
        (ids[3], Symbology.CODE39),
        (ids[0], Symbology.QR),
    ]
    path = tmp_path / "parade.avi"
    write_card_video(path, cards, fps=15, card_frames=8, blank_frames=35)
    return path, cards


def run_to_end(config: WebcamConfig, recorder: Recorder, **kw: object) -> WebcamSource:
    source = WebcamSource(config, recorder.scan, recorder.state, **kw)  # type: ignore[arg-type]
    source.start()
    assert source.wait_finished(60)
    source.stop()
    return source


@pytest.mark.parametrize("decoder", ["zxing", "pyzbar"])
def test_cards_passing_by_are_scanned_in_order_once_each(
    decoder: str, parade: tuple[Path, list[tuple[str, Symbology]]], recorder: Recorder
) -> None:
    path, cards = parade
    frames: list[list[Detection]] = []
    config = WebcamConfig(device=str(path), decoder=decoder)
    source = run_to_end(config, recorder, on_frame=lambda _f, d: frames.append(d))
    assert [(s.text, s.symbology) for s in recorder.scans] == cards
    # Every frame of the file was decoded: none dropped, so the result cannot depend on speed.
    assert source.frames_read == source.frames_decoded == len(frames) == 5 * 8 + 6 * 35
    assert source.frames_dropped == 0
    # The card is seen in most of its 8 frames, yet reported once.
    assert sum(1 for d in frames if d) >= 5 * 6
    statuses = [s.status for s in recorder.states]
    assert statuses[0] is SourceStatus.CONNECTED
    assert any(s.reason_en == "end of video" for s in recorder.states)


def test_a_card_shown_twice_within_the_window_is_one_scan(
    tmp_path: Path, recorder: Recorder, ids: list[str]
) -> None:
    path = tmp_path / "twice.avi"
    # 3 blank frames at 15 fps = 0.2 s apart, far inside the 2 s window.
    write_card_video(path, [(ids[0], Symbology.CODE39)] * 2, fps=15, blank_frames=3)
    run_to_end(WebcamConfig(device=str(path)), recorder)
    assert recorder.texts == [ids[0]]


def test_only_configured_symbologies_make_scans(
    parade: tuple[Path, list[tuple[str, Symbology]]], recorder: Recorder
) -> None:
    path, cards = parade
    run_to_end(WebcamConfig(device=str(path), symbologies=(Symbology.QR,)), recorder)
    assert [(s.text, s.symbology) for s in recorder.scans] == [
        c for c in cards if c[1] is Symbology.QR
    ]


@pytest.mark.slow
def test_realtime_pacing_behaves_like_a_camera(
    tmp_path: Path, recorder: Recorder, ids: list[str]
) -> None:
    path = tmp_path / "live.avi"
    cards = [(ids[1], Symbology.CODE128), (ids[2], Symbology.QR)]
    write_card_video(path, cards, fps=30, card_frames=10, blank_frames=20)
    run_to_end(WebcamConfig(device=str(path), realtime=True), recorder)
    assert [(s.text, s.symbology) for s in recorder.scans] == cards


def test_missing_video_file_is_an_error_that_ends_the_source(
    tmp_path: Path, recorder: Recorder
) -> None:
    run_to_end(WebcamConfig(device=str(tmp_path / "nope.avi")), recorder)
    state = recorder.wait_status(SourceStatus.ERROR)
    assert "找不到影片檔" in state.reason_zh
    assert recorder.scans == []


def test_missing_camera_waits_and_says_so(recorder: Recorder) -> None:
    source = WebcamSource(
        WebcamConfig(device=97, reopen_interval=0.05), recorder.scan, recorder.state
    )
    source.start()
    try:
        state = recorder.wait_status(SourceStatus.WAITING)
        assert "找不到攝影機" in state.reason_zh
        assert "No camera found" in state.reason_en
    finally:
        source.stop()
    assert not source.running


def test_latest_frame_slot_keeps_only_the_newest() -> None:
    slot = LatestFrame()
    for i in range(5):
        slot.put(np.full((2, 2), i, dtype=np.uint8), float(i))
    item = slot.take(0.1)
    assert item is not None
    assert int(item[0][0, 0]) == 4 and item[1] == 4.0
    assert slot.dropped == 4
    assert slot.take(0.01) is None


def test_parse_device() -> None:
    assert parse_device("0") == 0
    assert parse_device(" 2 ") == 2
    assert parse_device("cards.avi") == "cards.avi"
    assert WebcamConfig(device="rtsp://cam/1").kind == "stream"
    assert WebcamConfig(device="/dev/video2").kind == "device"
    assert WebcamConfig(device="x.avi").kind == "file"

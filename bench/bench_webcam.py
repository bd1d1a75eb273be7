"""Webcam latency in frames: from the frame a card first appears in to its Scan record.

Prints figures only: `.venv/bin/python bench/bench_webcam.py`.
A generated MJPG video is played at its frame rate (`realtime`), so the capture thread,
the latest-frame slot and the decode thread run as with a camera; frames the decoder
could not keep up with are dropped, not queued. Target: within 3 frames.
Also prints the full-speed file throughput (every frame decoded).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from hardware.decoders import DECODER_NAMES
from hardware.scan import Scan, SourceState, SourceStatus, Symbology
from hardware.synthetic import write_card_video
from hardware.webcam_source import WebcamConfig, WebcamSource
from vaccination.ids import make_national_id

FPS = 30.0
SYMBOLOGIES = (Symbology.CODE39, Symbology.CODE128, Symbology.QR)


def cards(count: int) -> list[tuple[str, Symbology]]:
    return [
        (make_national_id("ABEFHKQ"[i % 7], 1 + i % 2, 3141592 + 271 * i), SYMBOLOGIES[i % 3])
        for i in range(count)
    ]


def run(video: Path, decoder: str, realtime: bool) -> tuple[list[Scan], float, WebcamSource]:
    scans: list[Scan] = []
    connected: list[float] = []

    def on_state(state: SourceState) -> None:
        if state.status is SourceStatus.CONNECTED:
            connected.append(time.monotonic())

    config = WebcamConfig(device=str(video), decoder=decoder, realtime=realtime)
    source = WebcamSource(config, scans.append, on_state)
    started = time.monotonic()
    source.start()
    source.wait_finished(600)
    elapsed = time.monotonic() - started
    source.stop()
    # Pacing starts right after the source reports CONNECTED.
    return scans, connected[0] if realtime else elapsed, source


def main() -> None:
    shown_cards = cards(12)
    with tempfile.TemporaryDirectory() as tmp:
        for size in ((640, 480), (1280, 720)):
            video = Path(tmp) / f"cards_{size[0]}.avi"
            shown = write_card_video(
                video, shown_cards, size=size, fps=FPS, card_frames=10, blank_frames=15
            )
            print(f"== {size[0]}x{size[1]} at {FPS:.0f} fps, {len(shown)} cards ==")
            for decoder in DECODER_NAMES:
                scans, t0, source = run(video, decoder, realtime=True)
                first = {s.text: s for s in reversed(scans)}
                lags = [
                    (first[c.text].monotonic - (t0 + c.first_frame / FPS)) * FPS
                    for c in shown
                    if c.text in first
                ]
                worst = max(lags) if lags else float("nan")
                print(
                    f"{decoder:>7} realtime: {len(first)}/{len(shown)} cards, latency median "
                    f"{statistics.median(lags):4.1f} frames, worst {worst:4.1f};"
                    f" {source.frames_dropped} of {source.frames_read} frames dropped"
                )
                _scans, elapsed, source = run(video, decoder, realtime=False)
                print(
                    f"{decoder:>7} full speed: {source.frames_decoded / elapsed:6.1f} frames/s"
                    f" (every frame of {source.frames_read} decoded)"
                )
    print(f"(threads alive at exit: {threading.active_count()})")


if __name__ == "__main__":
    main()

"""The Qt glue: scans and states from source threads arrive as signals on the GUI thread,
and the camera preview tells the desk when there is no camera."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from hardware.pty_scanner import PtyScanner
from hardware.scan import Scan, SourceState, SourceStatus, Symbology
from hardware.serial_source import SerialConfig
from hardware.synthetic import write_card_video
from hardware.webcam_source import WebcamConfig
from station_app.camera_preview import CameraPreview
from station_app.scan_bridge import ScanBridge

pytestmark = pytest.mark.hardware


@pytest.fixture
def bridge(qtbot: object) -> Iterator[ScanBridge]:
    bridge = ScanBridge()
    yield bridge
    bridge.stop_all()


@pytest.fixture
def scanner(tmp_path: Path) -> Iterator[PtyScanner]:
    with PtyScanner(tmp_path / "ttyScanner") as scanner:
        yield scanner


def test_serial_scan_arrives_as_a_signal_on_the_gui_thread(
    qtbot: object, bridge: ScanBridge, scanner: PtyScanner
) -> None:
    seen: list[tuple[Scan, bool]] = []
    states: list[SourceState] = []
    gui_thread = QApplication.instance().thread()  # type: ignore[union-attr]
    bridge.scanned.connect(lambda scan: seen.append((scan, QThread.currentThread() is gui_thread)))
    bridge.state_changed.connect(states.append)
    bridge.add_serial(SerialConfig(port=str(scanner.link), reconnect_interval=0.05))
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: any(s.status is SourceStatus.CONNECTED for s in states), timeout=10_000
    )
    with qtbot.waitSignal(bridge.scanned, timeout=10_000) as blocker:  # type: ignore[attr-defined]
        scanner.send(b"A123456789\r")
    scan = blocker.args[0]
    assert isinstance(scan, Scan)
    assert scan.text == "A123456789"
    assert seen == [(scan, True)]
    # Unplugging is reported the same way, still on the GUI thread.
    scanner.unplug()
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: states[-1].status is SourceStatus.WAITING, timeout=10_000
    )


def test_preview_says_no_camera_for_a_missing_device(qtbot: object, bridge: ScanBridge) -> None:
    preview = CameraPreview()
    qtbot.addWidget(preview)  # type: ignore[attr-defined]
    source = bridge.add_webcam(WebcamConfig(device=97, reopen_interval=0.1))
    preview.connect_bridge(bridge, source.name)
    preview.resize(480, 320)
    preview.show()
    qtbot.waitUntil(lambda: "找不到攝影機" in preview.message_text(), timeout=10_000)  # type: ignore[attr-defined]
    assert "No camera found" in preview.message_text()
    assert not preview.has_picture
    # The message is painted, not only stored: the widget shows light text on dark.
    image = preview.grab().toImage()
    colours = {
        image.pixelColor(x, y).lightness() for x in range(0, 480, 3) for y in range(150, 170)
    }
    assert max(colours) > 200 and min(colours) < 60


def test_preview_shows_frames_with_the_code_outlined(
    qtbot: object, bridge: ScanBridge, tmp_path: Path
) -> None:
    video = tmp_path / "card.avi"
    write_card_video(video, [("B142933752", Symbology.QR)], card_frames=30, blank_frames=2)
    preview = CameraPreview()
    qtbot.addWidget(preview)  # type: ignore[attr-defined]
    preview.connect_bridge(bridge)
    preview.resize(640, 480)
    preview.show()
    grabs: list[QImage] = []

    def grab_first_outlined(_frame: object, detections: list[object]) -> None:
        # The preview's own slot ran first (connected first): grab what it now paints.
        if detections and not grabs:
            grabs.append(preview.grab().toImage())

    bridge.frame_ready.connect(grab_first_outlined)
    with qtbot.waitSignal(bridge.scanned, timeout=10_000):  # type: ignore[attr-defined]
        bridge.add_webcam(WebcamConfig(device=str(video), realtime=True))
    qtbot.waitUntil(lambda: bool(grabs), timeout=10_000)  # type: ignore[attr-defined]
    image = grabs[0]
    green = QColor(0, 200, 90)
    hits = sum(
        1
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
        if image.pixelColor(x, y) == green
    )
    assert hits > 20

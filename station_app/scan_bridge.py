"""Qt glue for scan sources: their threads' scans and states become signals on the GUI thread.

Sources (hardware/) run on their own threads and call plain callbacks. The bridge turns
each callback into an internal signal with a queued connection to itself, so `scanned`,
`state_changed` and `frame_ready` are always emitted on the GUI thread whatever a
receiver is (a widget slot or a lambda). All sources of one bridge share a Deduplicator:
a card read by the webcam and the hand scanner at once is one scan. Camera frames for
the preview are throttled to one in flight, so a slow GUI never builds a frame backlog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from hardware.scan import Deduplicator, Scan, ScanCallback, SourceState, StateCallback
from hardware.serial_source import SerialConfig, SerialScanSource
from hardware.source import ScanSource
from hardware.webcam_source import FrameCallback, WebcamConfig, WebcamSource

log = logging.getLogger(__name__)

SourceFactory = Callable[[ScanCallback, StateCallback, FrameCallback], ScanSource]


class ScanBridge(QObject):
    scanned = Signal(object)  # hardware.scan.Scan
    state_changed = Signal(object)  # hardware.scan.SourceState
    frame_ready = Signal(object, object)  # numpy frame, list[hardware.decoders.Detection]

    _scan_from_worker = Signal(object)
    _state_from_worker = Signal(object)
    _frame_from_worker = Signal(object, object)

    def __init__(self, dedup_window: float = 2.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.deduplicator = Deduplicator(dedup_window)
        self.sources: list[ScanSource] = []
        self._frame_in_flight = False
        queued = Qt.ConnectionType.QueuedConnection
        self._scan_from_worker.connect(self._deliver_scan, queued)
        self._state_from_worker.connect(self._deliver_state, queued)
        self._frame_from_worker.connect(self._deliver_frame, queued)

    def add_source(self, make: SourceFactory) -> ScanSource:
        """Build a source with the bridge's callbacks, start it, and keep it for stop_all()."""
        source = make(self._scan_from_worker.emit, self._state_from_worker.emit, self._on_frame)
        self.sources.append(source)
        source.start()
        return source

    def add_serial(self, config: SerialConfig) -> ScanSource:
        return self.add_source(
            lambda on_scan, on_state, _frame: SerialScanSource(
                config, on_scan, on_state, deduplicator=self.deduplicator
            )
        )

    def add_webcam(self, config: WebcamConfig) -> ScanSource:
        return self.add_source(
            lambda on_scan, on_state, on_frame: WebcamSource(
                config, on_scan, on_state, on_frame, deduplicator=self.deduplicator
            )
        )

    def stop_all(self) -> None:
        """Stop and forget every source; their threads are joined (each stop is quick)."""
        for source in self.sources:
            source.stop()
        self.sources.clear()

    def _on_frame(self, frame: Any, detections: Any) -> None:
        # Runs on the decode thread: skip frames while the GUI still has one to draw.
        if self._frame_in_flight:
            return
        self._frame_in_flight = True
        self._frame_from_worker.emit(frame, detections)

    @Slot(object)
    def _deliver_scan(self, scan: Scan) -> None:
        self.scanned.emit(scan)

    @Slot(object)
    def _deliver_state(self, state: SourceState) -> None:
        self.state_changed.emit(state)

    @Slot(object, object)
    def _deliver_frame(self, frame: Any, detections: Any) -> None:
        self._frame_in_flight = False
        self.frame_ready.emit(frame, detections)

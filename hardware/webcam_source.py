"""Webcam scanning: OpenCV capture on one thread, decoding on another, Scans out.

A live camera (device index, /dev/videoN, or a stream URL) is read by a capture thread
into a one-frame slot; the decode thread always takes the newest frame, so a slow decode
drops stale frames instead of building a queue and falling behind the card in view.
A video file is decoded frame by frame with none dropped (deterministic tests), unless
`realtime` asks for pacing at the file's frame rate, which then behaves like a camera.
Duplicates across frames fold into one Scan; for files the fold uses the media time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hardware.cameras import camera_missing, describe_camera_problem
from hardware.decoders import DEFAULT_DECODER, Decoder, Detection, make_decoder, to_gray
from hardware.scan import (
    ALL_SYMBOLOGIES,
    Deduplicator,
    ScanCallback,
    SourceStatus,
    StateCallback,
    Symbology,
)
from hardware.source import ScanSource

log = logging.getLogger(__name__)

FrameCallback = Callable[[np.ndarray, list[Detection]], None]


def parse_device(text: str) -> int | str:
    """ "0" -> 0 (camera index); anything else is a path or URL."""
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() else stripped


@dataclass(frozen=True)
class WebcamConfig:
    device: int | str = 0  # camera index, /dev/videoN, a video file, or a stream URL
    width: int | None = None  # requested; the camera may give another size
    height: int | None = None
    exposure: float | None = None  # None: automatic exposure
    decoder: str = DEFAULT_DECODER
    symbologies: tuple[Symbology, ...] = ALL_SYMBOLOGIES
    realtime: bool = False  # files only: pace at the file's fps and drop stale frames
    gray_from_capture: bool = True  # ask the camera for raw YUYV and use its luma plane
    dedup_window: float = 2.0
    reopen_interval: float = 2.0
    name: str = field(default="")

    @property
    def kind(self) -> str:
        """ "device", "stream" or "file"."""
        if isinstance(self.device, int) or str(self.device).startswith("/dev/video"):
            return "device"
        if "://" in str(self.device):
            return "stream"
        return "file"


class LatestFrame:
    """A one-frame slot: put() replaces an untaken frame (counted as dropped)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: tuple[np.ndarray, float | None] | None = None
        self.dropped = 0

    def put(self, frame: np.ndarray, clock: float | None) -> None:
        with self._cond:
            if self._item is not None:
                self.dropped += 1
            self._item = (frame, clock)
            self._cond.notify()

    def take(self, timeout: float) -> tuple[np.ndarray, float | None] | None:
        with self._cond:
            self._cond.wait_for(lambda: self._item is not None, timeout)
            item, self._item = self._item, None
            return item

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


class WebcamSource(ScanSource):
    """Scans codes in camera frames. Callbacks run on the decode thread."""

    def __init__(
        self,
        config: WebcamConfig,
        on_scan: ScanCallback,
        on_state: StateCallback | None = None,
        on_frame: FrameCallback | None = None,
        deduplicator: Deduplicator | None = None,
        decoder: Decoder | None = None,
    ) -> None:
        super().__init__(
            config.name or f"webcam:{config.device}",
            on_scan,
            on_state,
            deduplicator,
            dedup_window=config.dedup_window,
        )
        self.config = config
        self.decoder = decoder or make_decoder(config.decoder, config.symbologies)
        self._on_frame = on_frame
        self._slot = LatestFrame()
        self._capture_done = threading.Event()
        self.finished = threading.Event()  # a file was read to its end (or failed for good)
        self.frames_read = 0
        self.frames_decoded = 0
        self.frame_size: tuple[int, int] | None = None

    @property
    def frames_dropped(self) -> int:
        return self._slot.dropped

    def wait_finished(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)

    def _thread_targets(self) -> list[Callable[[], None]]:
        self.finished.clear()
        self._capture_done.clear()
        if self.config.kind == "file" and not self.config.realtime:
            return [self._run]
        return [self._capture_loop, self._decode_loop]

    def _wake(self) -> None:
        self._slot.wake()

    # -- file at full speed: every frame, in order ---------------------------------

    def _run(self) -> None:
        try:
            capture = self._open()
            if capture is None:
                return
            fps = capture.get(_cv2().CAP_PROP_FPS) or 30.0
            try:
                while not self._stop.is_set():
                    ok, frame = capture.read()
                    if not ok:
                        self._end_of_file()
                        return
                    self.frames_read += 1
                    self._process(frame, (self.frames_read - 1) / fps)
            finally:
                capture.release()
        finally:
            self.finished.set()

    # -- camera, stream, or paced file: capture thread + decode thread ----------------

    def _capture_loop(self) -> None:
        is_file = self.config.kind == "file"
        try:
            while not self._stop.is_set():
                capture = self._open()
                if capture is None:
                    if is_file:
                        return
                    self._stop.wait(self.config.reopen_interval)
                    continue
                try:
                    self._pump(capture, is_file)
                finally:
                    capture.release()
                if is_file:
                    return
        finally:
            self._capture_done.set()
            self._slot.wake()

    def _pump(self, capture: Any, is_file: bool) -> None:
        fps = capture.get(_cv2().CAP_PROP_FPS) or 30.0
        started = time.monotonic()
        index = 0
        while not self._stop.is_set():
            ok, frame = capture.read()
            if not ok:
                if is_file:
                    self._end_of_file()
                else:
                    status, zh, en = describe_camera_problem(
                        self.config.device, camera_missing(self.config.device)
                    )
                    if status is SourceStatus.ERROR:  # it was there a moment ago: say so
                        zh, en = (
                            "攝影機訊號中斷，重新連線中",
                            "camera stopped sending; reconnecting",
                        )
                    self._set_state(SourceStatus.WAITING, zh, en)
                return
            self.frames_read += 1
            if is_file:
                due = started + index / fps
                self._stop.wait(max(0.0, due - time.monotonic()))
                self._slot.put(frame, index / fps)
            else:
                self._slot.put(frame, None)
            index += 1

    def _decode_loop(self) -> None:
        try:
            while not self._stop.is_set():
                item = self._slot.take(0.1)
                if item is None:
                    if self._capture_done.is_set():
                        return
                    continue
                self._process(*item)
        finally:
            self.finished.set()

    # -- shared ------------------------------------------------------------------------

    def _process(self, frame: np.ndarray, clock: float | None) -> None:
        width = self.frame_size[0] if self.frame_size else None
        gray = to_gray(frame, width)
        detections = self.decoder.decode(gray)
        self.frames_decoded += 1
        for detection in detections:
            self._emit(detection.text, detection.symbology, clock)
        if self._on_frame is not None:
            shown = frame if frame.ndim == 3 and frame.shape[2] == 3 else gray
            try:
                self._on_frame(shown, detections)
            except Exception:
                log.exception("frame callback of %s failed", self.name)

    def _end_of_file(self) -> None:
        self._set_state(SourceStatus.STOPPED, "影片已播放完畢", "end of video")

    def _open(self) -> Any:
        cv2 = _cv2()
        cfg = self.config
        if cfg.kind == "file" and not Path(str(cfg.device)).is_file():
            self._set_state(
                SourceStatus.ERROR,
                f"找不到影片檔：{cfg.device}",
                f"video file not found: {cfg.device}",
            )
            return None
        if cfg.kind == "device" and camera_missing(cfg.device):
            self._set_state(*describe_camera_problem(cfg.device, True))
            return None
        capture = cv2.VideoCapture(cfg.device)
        if cfg.kind == "device" and capture.isOpened():
            self._apply_camera_settings(capture)
        ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok or first is None:
            capture.release()
            if cfg.kind == "device":
                self._set_state(*describe_camera_problem(cfg.device, camera_missing(cfg.device)))
            elif cfg.kind == "stream":
                self._set_state(
                    SourceStatus.WAITING,
                    f"無法連上影像串流 {cfg.device}，稍後重試",
                    f"cannot reach video stream {cfg.device}; retrying",
                )
            else:
                self._set_state(
                    SourceStatus.ERROR,
                    f"無法讀取影片檔：{cfg.device}",
                    f"cannot read video file: {cfg.device}",
                )
            return None
        if cfg.kind == "device" and cfg.gray_from_capture:
            first = self._keep_raw_luma_or_revert(capture, first)
        height, width = first.shape[:2]
        self.frame_size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)) or width, height)
        if cfg.kind == "file":
            # The first frame was only read to prove the file decodes: start over.
            capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        self._set_state(
            SourceStatus.CONNECTED,
            f"攝影機已就緒（{self.frame_size[0]}x{self.frame_size[1]}）",
            f"camera ready ({self.frame_size[0]}x{self.frame_size[1]})",
        )
        return capture

    def _apply_camera_settings(self, capture: Any) -> None:
        cv2 = _cv2()
        cfg = self.config
        if cfg.width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, cfg.width)
        if cfg.height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, cfg.height)
        if cfg.exposure is not None:
            # V4L2 uses 1 for manual exposure, DirectShow 0.25; a camera that refuses keeps auto.
            if not capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, 1):
                capture.set(cv2.CAP_PROP_AUTO_EXPOSURE, 0.25)
            if not capture.set(cv2.CAP_PROP_EXPOSURE, cfg.exposure):
                log.info("%s: camera refused exposure %s", self.name, cfg.exposure)
        if cfg.gray_from_capture:
            capture.set(cv2.CAP_PROP_CONVERT_RGB, 0)

    def _keep_raw_luma_or_revert(self, capture: Any, first: np.ndarray) -> np.ndarray:
        """Keep unconverted frames only when they are YUYV (luma readable without conversion)."""
        cv2 = _cv2()
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        yuyv = (first.ndim == 3 and first.shape[2] == 2) or (
            first.ndim == 2 and width and first.shape[1] == 2 * width
        )
        if yuyv:
            return first
        # MJPG cameras hand out compressed bytes when unconverted: let OpenCV decode.
        capture.set(cv2.CAP_PROP_CONVERT_RGB, 1)
        ok, frame = capture.read()
        return frame if ok else first


_cv2_module: Any = None


def _cv2() -> Any:
    """OpenCV, imported on first use and told to keep its probing warnings to itself."""
    global _cv2_module
    if _cv2_module is None:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        _cv2_module = cv2
    return _cv2_module

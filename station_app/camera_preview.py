"""The live webcam preview: the newest frame, detected codes outlined, or why there is none.

When the camera is missing or taken by another program the preview shows the source's
reason in Traditional Chinese and English instead of a black box, so the desk knows
what to do (plug it in, close the video call) without reading a log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from hardware.decoders import Detection
from hardware.scan import SourceState, SourceStatus

WAITING_FOR_PICTURE = ("等待攝影機畫面…", "Waiting for the camera picture…")
OUTLINE = QColor(0, 200, 90)


class CameraPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._image: QImage | None = None
        self._detections: list[Detection] = []
        self._message: tuple[str, str] | None = WAITING_FOR_PICTURE
        self.source_name: str | None = None  # whose states to show; None: every source's

    def connect_bridge(self, bridge: Any, source_name: str | None = None) -> None:
        """Follow a ScanBridge's frames and the states of its webcam source `source_name`."""
        self.source_name = source_name
        bridge.frame_ready.connect(self.show_frame)
        bridge.state_changed.connect(self.show_state)

    def message_text(self) -> str:
        """The message shown instead of a picture ("" while showing frames)."""
        return "\n".join(self._message) if self._message else ""

    @property
    def has_picture(self) -> bool:
        return self._image is not None and self._message is None

    @Slot(object, object)
    def show_frame(self, frame: np.ndarray, detections: Sequence[Detection]) -> None:
        self._image = _to_qimage(frame)
        self._detections = list(detections)
        self._message = None
        self.update()

    @Slot(object)
    def show_state(self, state: SourceState) -> None:
        if self.source_name is not None and state.source != self.source_name:
            return  # a bridge may carry a serial scanner too; its state is not ours to show
        if state.status is SourceStatus.CONNECTED:
            self._message = None if self._image is not None else WAITING_FOR_PICTURE
        else:
            self._message = (state.reason_zh, state.reason_en)
            self._image = None
            self._detections = []
        self.update()

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(32, 32, 32))
            if self._message is not None or self._image is None:
                self._paint_message(painter)
            else:
                self._paint_picture(painter, self._image)
        finally:
            painter.end()

    def _paint_picture(self, painter: QPainter, image: QImage) -> None:
        scale = min(self.width() / image.width(), self.height() / image.height())
        w, h = image.width() * scale, image.height() * scale
        left, top = (self.width() - w) / 2, (self.height() - h) / 2
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(left, top, w, h), image)
        pen = QPen(OUTLINE, 3)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for detection in self._detections:
            points = [QPointF(left + x * scale, top + y * scale) for x, y in detection.points]
            if len(points) >= 2:
                painter.drawPolygon(QPolygonF(points))

    def _paint_message(self, painter: QPainter) -> None:
        painter.setPen(QColor(240, 240, 240))
        font = painter.font()
        font.setPointSize(max(10, min(16, self.width() // 40)))
        painter.setFont(font)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(self.rect().adjusted(12, 12, -12, -12), flags, self.message_text())


def _to_qimage(frame: np.ndarray) -> QImage:
    frame = np.ascontiguousarray(frame)
    height, width = frame.shape[:2]
    if frame.ndim == 2:
        image = QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_Grayscale8)
    else:
        image = QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_BGR888)
    return image.copy()  # detach from the numpy buffer, which the decode thread reuses

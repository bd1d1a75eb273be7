"""Barcode decoding of camera frames with pyzbar (ZBar) or zxing-cpp, chosen by name.

Both take a grayscale frame and return `Detection`s (text, symbology, outline) limited to
the configured symbologies. The default is the decoder that bench/bench_decode.py found
faster and more reliable on our generated set (figures in the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from hardware.scan import ALL_SYMBOLOGIES, Symbology

DECODER_NAMES = ("zxing", "pyzbar")
DEFAULT_DECODER = "zxing"  # bench_decode: faster and more reliable under perturbation

Point = tuple[int, int]


@dataclass(frozen=True)
class Detection:
    text: str
    symbology: Symbology
    points: tuple[Point, ...]  # outline in frame pixels, for the preview


class Decoder(Protocol):
    name: str

    def decode(self, gray: np.ndarray) -> list[Detection]: ...


class PyzbarDecoder:
    name = "pyzbar"

    def __init__(self, symbologies: Sequence[Symbology] = ALL_SYMBOLOGIES) -> None:
        from pyzbar import pyzbar

        self._pyzbar = pyzbar
        table = {
            Symbology.CODE39: pyzbar.ZBarSymbol.CODE39,
            Symbology.CODE128: pyzbar.ZBarSymbol.CODE128,
            Symbology.QR: pyzbar.ZBarSymbol.QRCODE,
        }
        self._symbols = [table[s] for s in symbologies if s in table]
        self._back = {v.name: k for k, v in table.items()}

    def decode(self, gray: np.ndarray) -> list[Detection]:
        found = []
        for item in self._pyzbar.decode(gray, symbols=self._symbols):
            symbology = self._back.get(item.type, Symbology.UNKNOWN)
            points = tuple((int(p.x), int(p.y)) for p in item.polygon)
            text = item.data.decode("utf-8", errors="replace")
            found.append(Detection(text, symbology, points))
        return found


class ZxingDecoder:
    """zxing-cpp, tuned for a desk camera.

    `try_rotate` (also scan 1-D codes turned by 90 degrees) and `try_invert` (light bars on
    dark) each multiply the time per frame (about 8 ms instead of 2 ms at 1280x720 in
    bench_decode) and find nothing more on cards held roughly level; QR codes are read
    at any angle either way. Turn them on for a camera that sees cards upright.
    """

    name = "zxing"

    def __init__(
        self,
        symbologies: Sequence[Symbology] = ALL_SYMBOLOGIES,
        try_rotate: bool = False,
        try_invert: bool = False,
    ) -> None:
        import zxingcpp

        self._zxing = zxingcpp
        self._try_rotate = try_rotate
        self._try_invert = try_invert
        table = {
            Symbology.CODE39: zxingcpp.BarcodeFormat.Code39,
            Symbology.CODE128: zxingcpp.BarcodeFormat.Code128,
            Symbology.QR: zxingcpp.BarcodeFormat.QRCode,
        }
        # A tuple, not `a | b`: zxing-cpp 3 deprecates or-ing formats.
        self._formats: Any = tuple(table[s] for s in symbologies if s in table)
        self._back: dict[Any, Symbology] = {v: k for k, v in table.items()}

    def decode(self, gray: np.ndarray) -> list[Detection]:
        if not self._formats:
            return []
        found = []
        items = self._zxing.read_barcodes(
            gray, formats=self._formats, try_rotate=self._try_rotate, try_invert=self._try_invert
        )
        for item in items:
            pos = item.position
            corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
            points = tuple((int(p.x), int(p.y)) for p in corners)
            symbology = self._back.get(item.format, Symbology.UNKNOWN)
            found.append(Detection(item.text, symbology, points))
        return found


def make_decoder(
    name: str = DEFAULT_DECODER, symbologies: Sequence[Symbology] = ALL_SYMBOLOGIES
) -> Decoder:
    """A decoder by name ("zxing" or "pyzbar"); ValueError for any other name."""
    if name == "zxing":
        return ZxingDecoder(symbologies)
    if name == "pyzbar":
        return PyzbarDecoder(symbologies)
    raise ValueError(f"未知的解碼器 / unknown decoder {name!r} (use {', '.join(DECODER_NAMES)})")


def to_gray(frame: np.ndarray, width: int | None = None) -> np.ndarray:
    """A grayscale view of a captured frame, copying only when a conversion is needed.

    Handles BGR (converted), already-gray frames, and raw YUYV frames delivered with
    CAP_PROP_CONVERT_RGB off: their luma is every other byte, no colour conversion at all.
    """
    if frame.ndim == 2:
        if width is not None and frame.shape[1] == 2 * width:
            return frame[:, ::2]  # YUYV packed as one byte plane: Y U Y V ...
        return frame
    channels = frame.shape[2]
    if channels == 1:
        return frame[:, :, 0]
    if channels == 2:
        return frame[:, :, 0]  # YUYV as (h, w, 2): channel 0 is Y
    import cv2

    code = cv2.COLOR_BGRA2GRAY if channels == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(frame, code)

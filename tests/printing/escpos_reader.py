"""Test helper: pull the pieces back out of an ESC/POS byte stream (raster images, QR data)."""

from __future__ import annotations

from PIL import Image


def raster_images(stream: bytes) -> list[Image.Image]:
    """Every GS v 0 image in `stream`, as black-on-white mode "L" images."""
    images = []
    at = 0
    while (at := stream.find(b"\x1dv0", at)) != -1:
        width_bytes = int.from_bytes(stream[at + 4 : at + 6], "little")
        height = int.from_bytes(stream[at + 6 : at + 8], "little")
        start = at + 8
        data = stream[start : start + width_bytes * height]
        assert len(data) == width_bytes * height, "raster image cut short"
        # ESC/POS: a set bit is a black dot; Pillow mode "1": a set bit is white.
        img = Image.frombytes("1", (width_bytes * 8, height), bytes(b ^ 0xFF for b in data))
        images.append(img.convert("L"))
        at = start + len(data)
    return images


def stacked(images: list[Image.Image]) -> Image.Image:
    """The images one below the other, as the printer lays them out on paper."""
    width = max(i.width for i in images)
    out = Image.new("L", (width, sum(i.height for i in images)), 255)
    y = 0
    for img in images:
        out.paste(img, (0, y))
        y += img.height
    return out


def native_qr_payloads(stream: bytes) -> list[str]:
    """The data stored with GS ( k (QR, function 80) in `stream`."""
    found = []
    at = 0
    while (at := stream.find(b"\x1d(k", at)) != -1:
        length = int.from_bytes(stream[at + 3 : at + 5], "little")
        body = stream[at + 5 : at + 5 + length]
        if body[:3] == b"1P0":
            found.append(body[3:].decode("utf-8"))
        at += 5 + length
    return found


def decode_codes(img: Image.Image) -> list[str]:
    """Texts of all barcodes zxing-cpp finds in `img`."""
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]

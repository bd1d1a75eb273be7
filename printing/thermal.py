"""ESC/POS byte streams for 58 mm and 80 mm receipt printers, built with python-escpos's Dummy.

A document is a list of `Line`s (plus a scan code) that three renderers share: text mode
(the printer's own Big5 font, cp950 bytes after FS &), raster mode (lines drawn with a
CJK TrueType font and sent as a GS v 0 image) and the PDF ticket. python-escpos encodes
Chinese text as GB18030, so text mode writes cp950 bytes itself; a line that cp950
cannot encode (a rare name character) is drawn as a raster image instead.

python-escpos and Pillow are imported inside functions: the desk's start-up stays fast.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Literal

from printing.fonts import pil_font

if TYPE_CHECKING:
    from PIL import Image

ESC: Final[bytes] = b"\x1b"
GS: Final[bytes] = b"\x1d"
FS: Final[bytes] = b"\x1c"
INIT: Final[bytes] = ESC + b"@"
CHINESE_ON: Final[bytes] = FS + b"&"  # select Kanji (double-byte) character mode
CHINESE_OFF: Final[bytes] = FS + b"."
RASTER_IMAGE: Final[bytes] = GS + b"v0"
QR_NATIVE: Final[bytes] = GS + b"(k"
BARCODE: Final[bytes] = GS + b"k"
CUT: Final[bytes] = GS + b"V"

Mode = Literal["text", "raster"]
CodeKind = Literal["qr", "code128"]
Align = Literal["left", "center", "right"]

# Font A of ESC/POS printers: 12 x 24 dots; a double-byte character is 24 x 24.
_DOT_W: Final[int] = 12
_DOT_H: Final[int] = 24
_LINE_GAP: Final[int] = 6
# Taller images are sent in slices, as python-escpos does: small printers have small buffers.
_FRAGMENT_ROWS: Final[int] = 960
_SIDE_MARGIN: Final[int] = 8  # dots kept free beside left/right aligned lines


def _le16(value: int) -> bytes:
    return value.to_bytes(2, "little")


@dataclass(frozen=True)
class Line:
    """One printed line: `scale` multiplies the 12x24-dot character cell (1-8)."""

    text: str
    scale: int = 1
    bold: bool = False
    align: Align = "center"


@dataclass(frozen=True)
class ThermalDocument:
    """What goes on a receipt: lines, then an optional scan code and a caption under it."""

    lines: tuple[Line, ...]
    code: str | None = None
    code_caption: str | None = None
    footer: tuple[Line, ...] = ()


@dataclass(frozen=True)
class ThermalProfile:
    """A printer model and how we drive it.

    `escpos_profile` names a python-escpos capability profile (e.g. "TM-T88V", "POS-5890");
    `paper_mm` is 58 or 80; `mode` chooses the printer's Big5 font ("text") or a drawn
    image ("raster", works on every printer); `code` the scan code on tickets.
    """

    escpos_profile: str = "default"
    paper_mm: int = 80
    mode: Mode = "raster"
    code: CodeKind = "qr"

    def __post_init__(self) -> None:
        if self.paper_mm not in (58, 80):
            raise ValueError(f"paper must be 58 or 80 mm, got {self.paper_mm}")
        if self.mode not in ("text", "raster"):
            raise ValueError(f"mode must be text or raster, got {self.mode!r}")
        if self.code not in ("qr", "code128"):
            raise ValueError(f"code must be qr or code128, got {self.code!r}")
        _capabilities(self.escpos_profile)  # fail early on an unknown model name

    @property
    def width_px(self) -> int:
        """Printable width in dots: the model's own figure, else 384 (58 mm) / 576 (80 mm)."""
        pixels = _capabilities(self.escpos_profile).get("media", {}).get("width", {}).get("pixels")
        default = 384 if self.paper_mm == 58 else 576
        if isinstance(pixels, int) and pixels >= 256:
            return min(pixels, default)
        return default

    @property
    def columns(self) -> int:
        """Characters of font A per line (a Chinese character takes two)."""
        return self.width_px // _DOT_W

    @property
    def native_qr(self) -> bool:
        """The model draws QR codes itself (GS ( k)."""
        return bool(_capabilities(self.escpos_profile).get("features", {}).get("qrCode"))

    def with_mode(self, mode: Mode) -> ThermalProfile:
        """The same printer driven in another mode."""
        return replace(self, mode=mode)


@functools.cache
def _all_capabilities() -> dict[str, Any]:
    # python-escpos ships its printer database as JSON (already flattened); reading it
    # directly costs ~2 ms, importing escpos.capabilities ~150 ms of the desk's start-up.
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("escpos")
    if spec is None or spec.origin is None:
        raise ValueError("python-escpos is not installed")
    data = json.loads((Path(spec.origin).parent / "capabilities.json").read_text("utf-8"))
    return dict(data["profiles"])


def _capabilities(name: str) -> dict[str, Any]:
    profiles = _all_capabilities()
    if name not in profiles:
        raise ValueError(f"unknown printer profile {name!r}")
    return dict(profiles[name])


def encodable_cp950(text: str) -> bool:
    """True when the printer's Big5 (cp950) font can print every character of `text`."""
    try:
        text.encode("cp950")
    except UnicodeEncodeError:
        return False
    return True


def display_width(text: str) -> int:
    """Width in font-A cells: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_cells(text: str, columns: int) -> list[str]:
    """Split `text` into pieces of at most `columns` cells, breaking Latin text at spaces."""
    out: list[str] = []
    current = ""
    for ch in text:
        if current and display_width(current + ch) > columns:
            cut = current.rfind(" ")
            if cut > 0 and display_width(ch) == 1 and ch != " ":
                out.append(current[:cut])
                current = current[cut + 1 :]
            else:
                out.append(current)
                current = ""
        current += ch
    out.append(current)
    return out


def _pixel_wrap(text: str, size: int, width: int) -> list[str]:
    font = pil_font(size)
    out: list[str] = []
    current = ""
    for ch in text:
        if current and font.getlength(current + ch) > width:
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return out


def _line_px(line: Line) -> int:
    return _DOT_H * line.scale


def draw_lines(lines: Sequence[Line], width: int) -> Image.Image:
    """Draw `lines` in black on white with the CJK font, `width` dots wide (mode "1")."""
    from PIL import Image

    parts = [
        _draw_piece(piece, _line_px(line), line.bold, line.align, width)
        for line in lines
        for piece in _pixel_wrap(line.text, _line_px(line), width)
    ]
    img = Image.new("1", (width, sum(p.height for p in parts) + _LINE_GAP), 1)
    y = _LINE_GAP // 2
    for part in parts:
        img.paste(part, (0, y))
        y += part.height
    return img


# Site name, labels and the instruction repeat on every ticket: drawing them once saves
# most of a raster ticket's time. The cached images are never modified.
@functools.lru_cache(maxsize=512)
def _draw_piece(text: str, size: int, bold: bool, align: Align, width: int) -> Image.Image:
    from PIL import Image, ImageDraw

    font = pil_font(size)
    img = Image.new("1", (width, size + _LINE_GAP), 1)
    text_w = font.getlength(text)
    margin = _SIDE_MARGIN if text_w + 2 * _SIDE_MARGIN <= width else 0
    x = {"left": margin, "center": (width - text_w) / 2, "right": width - text_w - margin}[align]
    # Pillow has no synthetic bold: large characters are thickened by stroking.
    stroke = size // 40 if bold else 0
    ImageDraw.Draw(img).text((x, 0), text, font=font, fill=0, stroke_width=stroke, stroke_fill=0)
    return img


def qr_modules(content: str) -> Image.Image:
    """The QR code of `content` (error correction M), one pixel per module, no quiet zone.

    Made with zxing-cpp (C++): the pure-Python qrcode package spends ~10 ms choosing a mask.
    """
    import zxingcpp
    from PIL import Image

    code = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    view = memoryview(code.to_image(scale=1, add_quiet_zones=False))  # type: ignore[arg-type]
    height, width = view.shape[0], view.shape[1]  # type: ignore[index]
    return Image.frombytes("L", (width, height), view.tobytes())


def draw_qr(content: str, module_px: int) -> Image.Image:
    """A QR image with a 4-module quiet zone, `module_px` dots per module (mode "1")."""
    from PIL import Image

    modules = qr_modules(content)
    n = modules.width
    small = Image.new("L", (n + 8, n + 8), 255)
    small.paste(modules, (4, 4))
    big = small.resize(((n + 8) * module_px, (n + 8) * module_px), Image.Resampling.NEAREST)
    return big.convert("1", dither=Image.Dither.NONE)


def draw_document(doc: ThermalDocument, width: int) -> Image.Image:
    """The whole receipt as one image: lines, the QR code, the caption and the footer."""
    from PIL import Image

    parts = [draw_lines(doc.lines, width)]
    if doc.code:
        qr = draw_qr(doc.code, module_px=max(3, width // 110))
        row = Image.new("1", (width, qr.height), 1)
        row.paste(qr, ((width - qr.width) // 2, 0))
        parts.append(row)
    tail = [Line(doc.code_caption)] if doc.code_caption else []
    tail.extend(doc.footer)
    if tail:
        parts.append(draw_lines(tail, width))
    img = Image.new("1", (width, sum(p.height for p in parts)), 1)
    y = 0
    for part in parts:
        img.paste(part, (0, y))
        y += part.height
    return img


class _Builder:
    """A thin layer over escpos's Dummy: our own text bytes, its images, QR codes and cut."""

    def __init__(self, profile: ThermalProfile) -> None:
        from escpos.printer import Dummy

        self.profile = profile
        self.dummy = Dummy(profile=profile.escpos_profile)
        self.raw(INIT)

    def raw(self, data: bytes) -> None:
        self.dummy._raw(data)

    def image(self, img: Image.Image) -> None:
        """GS v 0 raster image(s). Written here because escpos's image() converts through
        RGBA and grey (5 ms a ticket) where a mode "1" image needs only an inversion."""
        from PIL import ImageChops

        if img.mode != "1":
            img = img.convert("1")
        for top in range(0, img.height, _FRAGMENT_ROWS):
            part = img.crop((0, top, img.width, min(img.height, top + _FRAGMENT_ROWS)))
            # In mode "1" a set bit is white; ESC/POS wants a set bit to be a black dot.
            data = ImageChops.invert(part).tobytes()
            width_bytes = (part.width + 7) // 8
            header = RASTER_IMAGE + b"\x00" + _le16(width_bytes) + _le16(part.height)
            self.raw(header + data)

    def text_line(self, line: Line) -> None:
        """One line in the printer's font, or as an image when cp950 lacks a character."""
        if not encodable_cp950(line.text):
            self.image(draw_lines([line], self.profile.width_px))
            return
        self.dummy.set(align=line.align, bold=line.bold)
        size = line.scale - 1
        # GS ! scales ASCII and Chinese alike (FS ! would only double Chinese, and where
        # both are set the models disagree about which wins).
        self.raw(GS + b"!" + bytes([(size << 4) | size]))
        for piece in wrap_cells(line.text, self.profile.columns // line.scale):
            self.raw(piece.encode("cp950") + b"\n")
        self.raw(GS + b"!\x00")
        self.dummy.set(bold=False)

    def code(self, content: str) -> None:
        self.dummy.set(align="center")
        if self.profile.code == "code128":
            self.code128(content)
        elif self.profile.native_qr:
            self.dummy.qr(content, native=True, size=6 if self.profile.paper_mm == 80 else 5)
        else:
            self.image(self._centered(draw_qr(content, module_px=4)))

    def code128(self, content: str) -> None:
        # Written here, not through escpos.barcode(): that prints to stdout on every call.
        data = b"{B" + content.encode("ascii")
        module = 2 if self.profile.paper_mm == 80 else 1
        self.raw(GS + b"h" + bytes([80]) + GS + b"w" + bytes([module]) + GS + b"H\x00")
        self.raw(BARCODE + bytes([73, len(data)]) + data + b"\n")

    def _centered(self, img: Image.Image) -> Image.Image:
        from PIL import Image

        row = Image.new("1", (self.profile.width_px, img.height), 1)
        row.paste(img, ((self.profile.width_px - img.width) // 2, 0))
        return row

    def cut(self) -> bytes:
        self.dummy.cut(mode="PART")
        out = bytes(self.dummy.output)
        if CUT not in out[-4:]:
            # Profiles of cutter-less models make escpos skip the cut; printers without a
            # cutter ignore GS V, and a model listed wrongly still cuts.
            out += CUT + b"\x01"
        return out


def render_thermal(doc: ThermalDocument, profile: ThermalProfile) -> bytes:
    """The ESC/POS byte stream of `doc` for `profile`: initialise, content, feed and cut."""
    builder = _Builder(profile)
    if profile.mode == "raster" and profile.code == "qr":
        builder.image(draw_document(doc, profile.width_px))
        return builder.cut()
    if profile.mode == "raster":
        builder.image(draw_lines(doc.lines, profile.width_px))
    else:
        builder.raw(CHINESE_ON)
        for line in doc.lines:
            builder.text_line(line)
    if doc.code:
        builder.code(doc.code)
    tail = ([Line(doc.code_caption)] if doc.code_caption else []) + list(doc.footer)
    if profile.mode == "raster":
        if tail:
            builder.image(draw_lines(tail, profile.width_px))
    else:
        for line in tail:
            builder.text_line(line)
        builder.raw(CHINESE_OFF)
    return builder.cut()

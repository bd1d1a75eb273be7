"""Made-up camera views of barcode cards: rendered codes, perturbations, and test videos.

Codes are drawn by real barcode libraries (python-barcode for Code 39 / Code 128,
qrcode for QR), placed on a card in a camera-sized frame, then blurred, rotated, noised,
scaled down or perspective-warped the way a webcam at a desk sees them. Tests, the
decoder benchmark and the demo mode use these instead of a real camera. The caller
chooses the text (for example ID numbers made by vaccination.ids); nothing here knows
what the text means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hardware.scan import Symbology

FrameSize = tuple[int, int]  # (width, height)

BACKGROUND = 96
CARD = 236


def render_code(
    text: str, symbology: Symbology, module_px: int = 2, bar_height: int = 80
) -> np.ndarray:
    """The bare code (black on white, with its quiet zone) as a grayscale uint8 array."""
    if symbology is Symbology.QR:
        import qrcode

        qr = qrcode.QRCode(box_size=module_px * 4, border=4)
        qr.add_data(text)
        qr.make(fit=True)
        image = qr.make_image().get_image()
        return np.array(image.convert("L"), dtype=np.uint8)
    import barcode

    if symbology is Symbology.CODE39:
        code = barcode.get_barcode_class("code39")(text, add_checksum=False)
    elif symbology is Symbology.CODE128:
        code = barcode.get_barcode_class("code128")(text)
    else:
        raise ValueError(f"cannot render {symbology}")
    # Draw the module pattern ourselves: the library's image writer widens every bar by
    # one pixel, which breaks narrow/wide ratios at webcam-like sizes of 1-3 px a module.
    modules = np.array([c == "1" for c in "".join(code.build())], dtype=bool)
    quiet = np.zeros(10, dtype=bool)
    row = np.where(np.concatenate([quiet, modules, quiet]), 0, 255).astype(np.uint8)
    return np.tile(np.repeat(row, module_px), (bar_height, 1))


def card_scene(
    code: np.ndarray, size: FrameSize, offset: tuple[int, int] = (0, 0), margin: int = 24
) -> np.ndarray:
    """A BGR camera frame: desk background, a light card, the code in the card's middle."""
    width, height = size
    frame = np.full((height, width), BACKGROUND, dtype=np.uint8)
    ch, cw = code.shape
    card_h, card_w = min(height, ch + 2 * margin), min(width, cw + 2 * margin)
    top = (height - card_h) // 2 + offset[1]
    left = (width - card_w) // 2 + offset[0]
    _paste(frame, np.full((card_h, card_w), CARD, dtype=np.uint8), top, left)
    _paste(frame, code[: card_h - 2 * margin, : card_w - 2 * margin], top + margin, left + margin)
    return np.repeat(frame[:, :, None], 3, axis=2)


def _paste(frame: np.ndarray, patch: np.ndarray, top: int, left: int) -> None:
    h, w = frame.shape[:2]
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + patch.shape[0], h), min(left + patch.shape[1], w)
    if y1 > y0 and x1 > x0:
        frame[y0:y1, x0:x1] = patch[y0 - top : y1 - top, x0 - left : x1 - left]


def blank_scene(size: FrameSize) -> np.ndarray:
    width, height = size
    return np.full((height, width, 3), BACKGROUND, dtype=np.uint8)


# -- perturbations ----------------------------------------------------------------------

Perturb = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _blur(sigma: float) -> Perturb:
    def apply(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        import cv2

        return cv2.GaussianBlur(frame, (0, 0), sigma)

    return apply


def _rotate(max_degrees: float) -> Perturb:
    def apply(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        import cv2

        # At least half the maximum, either way round, so "rotated" always means rotated.
        angle = float(rng.uniform(max_degrees / 2, max_degrees)) * float(rng.choice([-1, 1]))
        h, w = frame.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        return cv2.warpAffine(frame, matrix, (w, h), borderValue=(BACKGROUND,) * 3)

    return apply


def _noise(sigma: float) -> Perturb:
    def apply(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        noisy = frame.astype(np.float32) + rng.normal(0.0, sigma, frame.shape[:2])[:, :, None]
        return np.clip(noisy, 0, 255).astype(np.uint8)

    return apply


def _scale(factor: float) -> Perturb:
    def apply(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        import cv2

        h, w = frame.shape[:2]
        small = cv2.resize(frame, (int(w * factor), int(h * factor)), interpolation=cv2.INTER_AREA)
        out = np.full_like(frame, BACKGROUND)
        top, left = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
        out[top : top + small.shape[0], left : left + small.shape[1]] = small
        return out

    return apply


def _perspective(amount: float) -> Perturb:
    def apply(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        import cv2

        h, w = frame.shape[:2]
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        jitter = rng.uniform(0, amount, (4, 2)) * np.array([w, h], dtype=np.float32)
        inward = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float32)
        dst = (src + jitter * inward).astype(np.float32)
        matrix = cv2.getPerspectiveTransform(src, dst)
        return cv2.warpPerspective(frame, matrix, (w, h), borderValue=(BACKGROUND,) * 3)

    return apply


@dataclass(frozen=True)
class Perturbation:
    name: str
    level: str  # "clean", "mild" or "strong"
    apply: Perturb


PERTURBATIONS: tuple[Perturbation, ...] = (
    Perturbation("clean", "clean", lambda frame, rng: frame),
    Perturbation("blur", "mild", _blur(1.0)),
    Perturbation("rotate", "mild", _rotate(7.0)),
    Perturbation("noise", "mild", _noise(8.0)),
    Perturbation("scale", "mild", _scale(0.75)),
    Perturbation("perspective", "mild", _perspective(0.05)),
    Perturbation("blur", "strong", _blur(2.0)),
    Perturbation("rotate", "strong", _rotate(15.0)),
    Perturbation("noise", "strong", _noise(20.0)),
    Perturbation("scale", "strong", _scale(0.5)),
    Perturbation("perspective", "strong", _perspective(0.12)),
)


@dataclass(frozen=True)
class Sample:
    text: str
    symbology: Symbology
    perturbation: Perturbation
    frame: np.ndarray  # BGR, as a camera delivers it


def module_px_for(size: FrameSize) -> int:
    """Bar width that makes a 10-character Code 39 fill about 60% of the frame's width."""
    return max(1, size[0] // 320)


def make_samples(
    texts: Sequence[str],
    size: FrameSize = (640, 480),
    symbologies: Sequence[Symbology] = (Symbology.CODE39, Symbology.CODE128, Symbology.QR),
    perturbations: Sequence[Perturbation] = PERTURBATIONS,
    seed: int = 2021,
) -> list[Sample]:
    """Every text x symbology x perturbation as a camera frame; same seed, same frames."""
    rng = np.random.default_rng(seed)
    module = module_px_for(size)
    samples = []
    for text in texts:
        for symbology in symbologies:
            scene = card_scene(render_code(text, symbology, module, bar_height=size[1] // 6), size)
            for perturbation in perturbations:
                frame = perturbation.apply(scene, rng)
                samples.append(Sample(text, symbology, perturbation, frame))
    return samples


# -- videos -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CardShowing:
    text: str
    first_frame: int
    last_frame: int


def write_card_video(
    path: Path,
    cards: Sequence[tuple[str, Symbology]],
    size: FrameSize = (640, 480),
    fps: float = 15.0,
    card_frames: int = 8,
    blank_frames: int = 6,
    drift_px: int = 4,
) -> list[CardShowing]:
    """An MJPG .avi of cards passing the camera: blank, card (drifting sideways), blank ...

    Returns when each card is visible, by frame index, so a test can check timing in
    frames and order. The MJPG compression adds real codec artefacts.
    """
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, size)
    if not writer.isOpened():
        raise OSError(f"cannot write video {path}")
    module = module_px_for(size)
    shown = []
    index = 0
    try:
        for _ in range(blank_frames):
            writer.write(blank_scene(size))
            index += 1
        for text, symbology in cards:
            code = render_code(text, symbology, module, bar_height=size[1] // 6)
            first = index
            for step in range(card_frames):
                offset = ((step - card_frames // 2) * drift_px, 0)
                writer.write(card_scene(code, size, offset))
                index += 1
            shown.append(CardShowing(text, first, index - 1))
            for _ in range(blank_frames):
                writer.write(blank_scene(size))
                index += 1
    finally:
        writer.release()
    return shown

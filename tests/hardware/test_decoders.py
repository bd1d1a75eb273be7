"""Both decoders on real generated barcode images: clean, mildly and strongly perturbed."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from hardware.decoders import DEFAULT_DECODER, Decoder, make_decoder, to_gray
from hardware.scan import Symbology
from hardware.synthetic import PERTURBATIONS, Sample, card_scene, make_samples, render_code

MILD = [p for p in PERTURBATIONS if p.level in ("clean", "mild")]


@pytest.fixture(scope="module")
def mild_samples(ids: list[str]) -> list[Sample]:
    return make_samples(ids, (640, 480), perturbations=MILD)


def success_by_perturbation(decoder: Decoder, samples: list[Sample]) -> dict[str, float]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for sample in samples:
        found = decoder.decode(to_gray(sample.frame))
        ok = any(d.text == sample.text and d.symbology is sample.symbology for d in found)
        hits[sample.perturbation.name].append(ok)
    return {name: sum(v) / len(v) for name, v in hits.items()}


def test_default_decoder_reads_clean_and_mildly_perturbed_cards(mild_samples: list[Sample]) -> None:
    rates = success_by_perturbation(make_decoder(DEFAULT_DECODER), mild_samples)
    assert set(rates) == {"clean", "blur", "rotate", "noise", "scale", "perspective"}
    assert rates["clean"] == 1.0
    assert all(rate >= 0.9 for rate in rates.values()), rates
    assert sum(rates.values()) / len(rates) >= 0.95, rates


@pytest.mark.parametrize("name", ["zxing", "pyzbar"])
def test_both_decoders_read_every_clean_card(name: str, ids: list[str]) -> None:
    clean = [p for p in PERTURBATIONS if p.name == "clean"]
    samples = make_samples(ids, (640, 480), perturbations=clean)
    assert success_by_perturbation(make_decoder(name), samples) == {"clean": 1.0}


@pytest.mark.slow
def test_strong_perturbations_at_720p_are_mostly_read(ids: list[str]) -> None:
    """The harsh set is reported by the bench; here only a floor that a regression would break."""
    strong = [p for p in PERTURBATIONS if p.level == "strong"]
    samples = make_samples(ids, (1280, 720), perturbations=strong)
    rates = success_by_perturbation(make_decoder(DEFAULT_DECODER), samples)
    assert sum(rates.values()) / len(rates) >= 0.75, rates


@pytest.mark.parametrize("name", ["zxing", "pyzbar"])
def test_only_configured_symbologies_are_reported(name: str) -> None:
    frames = {
        s: card_scene(render_code("A123456789", s, 2), (640, 480))
        for s in (Symbology.CODE39, Symbology.CODE128, Symbology.QR)
    }
    qr_only = make_decoder(name, [Symbology.QR])
    assert qr_only.decode(to_gray(frames[Symbology.CODE39])) == []
    assert qr_only.decode(to_gray(frames[Symbology.CODE128])) == []
    assert [d.text for d in qr_only.decode(to_gray(frames[Symbology.QR]))] == ["A123456789"]


@pytest.mark.parametrize("name", ["zxing", "pyzbar"])
def test_outline_surrounds_the_code(name: str) -> None:
    code = render_code("B142933757", Symbology.CODE39, 2)
    frame = card_scene(code, (640, 480))
    (found,) = make_decoder(name).decode(to_gray(frame))
    xs = [x for x, _ in found.points]
    ys = [y for _, y in found.points]
    # The bars start 10 modules into the rendered code, which sits in the frame's middle.
    left = (640 - code.shape[1]) // 2 + 20
    assert abs(min(xs) - left) <= 6
    assert abs(max(xs) - (640 - left)) <= 6
    assert 200 <= min(ys) <= max(ys) <= 280


def test_unknown_decoder_name() -> None:
    with pytest.raises(ValueError, match="unknown decoder"):
        make_decoder("tesseract")


def test_to_gray_takes_luma_without_conversion_from_yuyv() -> None:
    luma = np.arange(12, dtype=np.uint8).reshape(3, 4)
    chroma = np.full((3, 4), 128, dtype=np.uint8)
    as_pairs = np.stack([luma, chroma], axis=2)  # (h, w, 2), as OpenCV hands YUYV
    packed = as_pairs.reshape(3, 8)  # Y U Y V ... in one plane
    assert np.array_equal(to_gray(as_pairs), luma)
    assert np.array_equal(to_gray(packed, width=4), luma)
    assert to_gray(luma) is luma


def test_to_gray_converts_bgr() -> None:
    bgr = np.zeros((2, 2, 3), dtype=np.uint8)
    bgr[..., 2] = 255  # pure red
    assert to_gray(bgr).shape == (2, 2)
    assert int(to_gray(bgr)[0, 0]) == 76  # ITU-R 601 weight of red

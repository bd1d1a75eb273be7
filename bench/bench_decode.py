"""Decoder benchmark: time per frame and success rate per perturbation, pyzbar vs zxing-cpp.

Prints figures only: `.venv/bin/python bench/bench_decode.py [--ids N]`.
Frames are generated camera views (hardware/synthetic.py) of valid ID numbers in Code 39,
Code 128 and QR; the time includes the BGR -> gray conversion, on one core.
Targets for the default decoder: 1280x720 < 10 ms a frame, >= 95% on clean + mild.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict

import cv2
import numpy as np

from hardware.decoders import DECODER_NAMES, DEFAULT_DECODER, make_decoder, to_gray
from hardware.synthetic import PERTURBATIONS, Sample, blank_scene, make_samples
from vaccination.ids import check_id, make_national_id

SIZES = ((640, 480), (1280, 720))


def ids(count: int) -> list[str]:
    made = ["A123456789"] + [
        make_national_id("ABDEFHKLMNPQRSTUVXY"[i % 19], 1 + i % 2, 1234567 + 7919 * i)
        for i in range(count - 1)
    ]
    assert all(check_id(i).valid for i in made)
    return made


def time_ms(fn: object, frame: np.ndarray, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(frame)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ids", type=int, default=8)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)
    texts = ids(args.ids)
    levels = {(p.name, p.level) for p in PERTURBATIONS}
    print(f"default decoder: {DEFAULT_DECODER}; {len(texts)} IDs x 3 symbologies per cell")
    for size in SIZES:
        samples = make_samples(texts, size)
        print(f"\n== {size[0]}x{size[1]}: {len(samples)} frames ==")
        rates: dict[str, dict[tuple[str, str], float]] = {}
        for name in DECODER_NAMES:
            decoder = make_decoder(name)

            def run(frame: np.ndarray, decoder: object = decoder) -> list[object]:
                return decoder.decode(to_gray(frame))  # type: ignore[attr-defined,no-any-return]

            rates[name] = success(run, samples)
            clean = [s.frame for s in samples if s.perturbation.level == "clean"]
            clean_ms = statistics.median(time_ms(run, f) for f in clean)
            all_ms = statistics.median(time_ms(run, s.frame) for s in samples)
            empty_ms = time_ms(run, blank_scene(size), 5)
            good = [v for k, v in rates[name].items() if k[1] in ("clean", "mild")]
            print(
                f"{name:>7}: median {clean_ms:6.2f} ms (clean card), {all_ms:6.2f} ms (all),"
                f" {empty_ms:6.2f} ms (no card); clean+mild success"
                f" {100 * sum(good) / len(good):5.1f}%"
            )
        print(f"{'perturbation':<20}" + "".join(f"{n:>9}" for n in DECODER_NAMES))
        for key in sorted(levels, key=lambda k: (["clean", "mild", "strong"].index(k[1]), k[0])):
            row = "".join(f"{100 * rates[n][key]:8.0f}%" for n in DECODER_NAMES)
            print(f"{key[1] + ' ' + key[0]:<20}{row}")


def success(run: object, samples: list[Sample]) -> dict[tuple[str, str], float]:
    hits: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for sample in samples:
        found = run(sample.frame)  # type: ignore[operator]
        ok = any(d.text == sample.text and d.symbology is sample.symbology for d in found)
        hits[(sample.perturbation.name, sample.perturbation.level)].append(ok)
    return {key: sum(v) / len(v) for key, v in hits.items()}


if __name__ == "__main__":
    main()

"""Iris benchmark: the station's quality analysis rate and the K3 record's size and fidelity.

iris_quality_fps: 1 / the median time of `devices.iris.quality.assess_iris` on 640x480
near-infrared frames (twelve synthetic eyes: both sides, turned, blurred, a drooping
lid, a closed eye), each analysed ROUNDS times after one warm-up pass; goal >= 10 (a
live preview). The median over many frames is reported, not a mean, because other
work on a shared machine shows up as a few slow outliers; iris_quality_p90_ms shows them.

iris_record_bytes: the largest K3 record (ISO/IEC 19794-6, lossy JPEG 2000) over the
frames, against IRIS_RECORD_MAX_BYTES; iris_record_psnr_db: the lowest PSNR of a decoded
record against its K3 crop; iris_record_encode_ms: the median encode time.

    python benchmarks/bench_devices_iris.py
"""

from __future__ import annotations

import json
import statistics
import time

import numpy as np

from devices.iris.iso19794_6 import IRIS_RECORD_MAX_BYTES, crop_k3, decode_iris_record, encode_iris_record
from devices.iris.quality import assess_iris
from devices.sbi import irisgen

ROUNDS = 5
VARIANTS: tuple[dict[str, object], ...] = (
    {},
    {"eye": "Right"},
    {"gaze_deg": 12.0},
    {"gaze_deg": -25.0},
    {"blur_sigma": 1.5},
    {"blur_sigma": 3.5, "noise_sigma": 6.0},
    {"upper_opening": 0.4},
    {"pupil_ratio": 0.25},
    {"pupil_ratio": 0.65},
    {"iris_offset": (-150.0, 20.0)},
    {"iris_radius": 90.0},
    {"opening": 0.0},
)


def _frames() -> list[np.ndarray]:
    out = []
    for seed, variant in enumerate(VARIANTS):
        kw = dict(variant)
        eye = str(kw.pop("eye", "Left"))
        out.append(irisgen.synthetic_eye(100 + seed, eye, **kw).image)  # type: ignore[arg-type]
    return out


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10.0 * float(np.log10(255.0**2 / mse))


def measure(rounds: int = ROUNDS) -> dict[str, float]:
    frames = _frames()
    for frame in frames:
        assess_iris(frame)  # warm-up: first calls pay for OpenCV's lazy setup
    times = []
    for _ in range(rounds):
        for frame in frames:
            started = time.perf_counter()
            assess_iris(frame)
            times.append(time.perf_counter() - started)
    median_s = statistics.median(times)
    sizes, psnrs, encodes = [], [], []
    for frame in frames:
        quality = assess_iris(frame)
        if quality.segmentation is None:
            continue
        crop = crop_k3(frame, quality.segmentation)
        started = time.perf_counter()
        record = encode_iris_record(crop, eye="left", quality=80)
        encodes.append(time.perf_counter() - started)
        sizes.append(len(record))
        psnrs.append(_psnr(decode_iris_record(record).image, crop))
    return {
        "iris_quality_fps": round(1.0 / median_s, 1),
        "iris_quality_p90_ms": round(1000.0 * statistics.quantiles(times, n=10)[-1], 2),
        "iris_quality_frames": float(len(times)),
        "iris_record_bytes": float(max(sizes)),
        "iris_record_budget_bytes": float(IRIS_RECORD_MAX_BYTES),
        "iris_record_psnr_db": round(min(psnrs), 2),
        "iris_record_encode_ms": round(1000.0 * statistics.median(encodes), 1),
    }


if __name__ == "__main__":
    print(json.dumps(measure()))

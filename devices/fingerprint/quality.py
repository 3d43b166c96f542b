"""The station's fingerprint quality proxy, 0-100. NOT NFIQ 2.

NFIQ 2 (ISO/IEC 29794-4) has no Python package and no Debian package, so the
station scores images with a small documented proxy instead, built from three
measurements that NFIQ 2 also looks at in richer form:

* coherence - orientation coherence of the gradient structure tensor in 16x16
  blocks (1 = parallel ridges, 0 = noise), averaged over foreground blocks: how
  clearly ridges run in one direction;
* contrast - median grey standard deviation of foreground blocks (after a light
  blur, so pixel noise does not count as contrast), mapped from 10 (nothing) to
  50 (a well pressed print on an optical sensor);
* area - the fraction of blocks that hold ridges, scaled so a centred finger
  covering ~60 % of the 256x288 window reaches 1. Foreground is decided on the
  blurred image too, so a noisy empty glass is not mistaken for a finger.

score = 100 x coherence^0.5 x contrast^0.25 x area^0.25 (each component clipped to
[0, 1]), so one bad component pulls the score down and a blank or noise-only image
scores near 0. Traps: EF01 modules send only 16 grey levels, which lowers contrast
resolution but not coherence; thresholds are tuned for 500 ppi optical sensors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

METHOD = "station-proxy-1 (coherence/contrast/area; not NFIQ 2)"
BLOCK = 16
FOREGROUND_STD = 14.0  # blurred grey std of a block that holds ridges, above noise and 4-bit steps
NO_CONTRAST_STD, FULL_CONTRAST_STD = 10.0, 50.0
NO_COHERENCE, FULL_COHERENCE = 0.25, 0.85  # raw block coherence of noise vs clean ridges
FULL_AREA = 0.6


@dataclass(frozen=True)
class QualityReport:
    score: float  # 0-100
    coherence: float  # 0-1
    contrast: float  # 0-1
    area: float  # 0-1
    foreground_fraction: float  # raw fraction of blocks with ridges

    def components(self) -> dict[str, float]:
        return {
            "coherence": round(self.coherence, 4),
            "contrast": round(self.contrast, 4),
            "area": round(self.area, 4),
            "foreground_fraction": round(self.foreground_fraction, 4),
        }


def _block_sum(a: np.ndarray, rows: int, cols: int) -> np.ndarray:
    return a[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK).sum(axis=(1, 3))


def assess(image: np.ndarray) -> QualityReport:
    """Score a grey fingerprint image (any size of at least 16x16, uint8)."""
    g = np.asarray(image, dtype=np.float32)
    rows, cols = g.shape[0] // BLOCK, g.shape[1] // BLOCK
    if rows == 0 or cols == 0:
        return QualityReport(0.0, 0.0, 0.0, 0.0, 0.0)
    n = float(BLOCK * BLOCK)
    blurred = cv2.GaussianBlur(g, (0, 0), 1.5)
    mean = _block_sum(blurred, rows, cols) / n
    var = np.maximum(_block_sum(blurred * blurred, rows, cols) / n - mean * mean, 0.0)
    std = np.sqrt(var)
    fg = std >= FOREGROUND_STD
    fraction = float(fg.mean())
    if not fg.any():
        return QualityReport(0.0, 0.0, 0.0, 0.0, fraction)

    smooth = cv2.GaussianBlur(g, (0, 0), 1.0)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    gxx = _block_sum(gx * gx, rows, cols)
    gyy = _block_sum(gy * gy, rows, cols)
    gxy = _block_sum(gx * gy, rows, cols)
    coh = np.sqrt((gxx - gyy) ** 2 + 4 * gxy**2) / (gxx + gyy + 1e-6)
    coherence = float(np.clip((coh[fg].mean() - NO_COHERENCE) / (FULL_COHERENCE - NO_COHERENCE), 0.0, 1.0))
    contrast_std = float(np.median(std[fg]))
    contrast = float(np.clip((contrast_std - NO_CONTRAST_STD) / (FULL_CONTRAST_STD - NO_CONTRAST_STD), 0.0, 1.0))
    area = float(np.clip(fraction / FULL_AREA, 0.0, 1.0))
    score = 100.0 * coherence**0.5 * contrast**0.25 * area**0.25
    return QualityReport(round(score, 2), coherence, contrast, area, fraction)

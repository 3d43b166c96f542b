"""Biometric payloads for synthetic residents, from the simulated devices' generators.

Generating and compressing ten fingerprints takes tens of milliseconds, so a small
pool of variants per finger is made once and reused: bulk loads stay fast, and the
payloads are still real WSQ, JPEG and signature vectors of realistic sizes.
"""

from __future__ import annotations

import io
import random
from functools import lru_cache

import cv2
import numpy as np
import wsq  # noqa: F401  (registers the WSQ format with Pillow)
from PIL import Image

from common.biometrics import FingerPosition, ItemFormat
from station.workflow import Capture

POOL = 8


def _wsq(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "WSQ")
    return buf.getvalue()


class SyntheticBiometrics:
    """Deterministic for a seed; variants are shared between residents."""

    @lru_cache(maxsize=POOL * 10)  # noqa: B019 - one instance per run
    def _finger(self, variant: int, finger: int) -> tuple[bytes, float]:
        rng = np.random.default_rng(variant * 100 + finger)
        y, x = np.mgrid[0:288, 0:256].astype(np.float32)
        angle = rng.uniform(0, np.pi)
        freq = rng.uniform(0.09, 0.12)
        ridges = np.sin(
            (x * np.cos(angle) + y * np.sin(angle)) * 2 * np.pi * freq + 0.002 * ((x - 128) ** 2 + (y - 144) ** 2)
        )
        mask = ((x - 128) / 110) ** 2 + ((y - 150) / 135) ** 2 < 1
        img = np.where(mask, 128 + 100 * ridges + rng.normal(0, 12, ridges.shape), 235).clip(0, 255).astype(np.uint8)
        return _wsq(img), float(rng.uniform(55, 90))

    @lru_cache(maxsize=POOL * 2)  # noqa: B019
    def _face(self, variant: int, odd_year: bool) -> bytes:
        rng = np.random.default_rng(variant)
        img = np.zeros((640, 480, 3), np.uint8)
        img[:] = (40, 40, 200) if odd_year else (200, 80, 30)  # BGR red / blue backdrop
        cv2.ellipse(img, (240, 300), (120, 160), 0, 0, 360, (120, 160, 200), -1)
        img = cv2.add(img, rng.integers(0, 40, img.shape, dtype=np.uint8))
        ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok
        return jpeg.tobytes()

    def finger(self, seed: int, position: FingerPosition) -> Capture:
        data, quality = self._finger(random.Random(seed).randrange(POOL), int(position))
        return Capture(ItemFormat.WSQ, data, quality, "synthetic", "synthetic fingerprint", None, True)

    def face(self, seed: int, birth_year: int) -> Capture:
        data = self._face(random.Random(seed).randrange(POOL), birth_year % 2 == 1)
        return Capture(ItemFormat.JPEG, data, None, "synthetic", "synthetic portrait", None, True)

    def signature(self, seed: int) -> Capture:
        rng = random.Random(seed)
        points = bytes(rng.randrange(256) for _ in range(600))
        return Capture(ItemFormat.SIGNATURE_VECTORS, points, None, "synthetic", "synthetic signature", None, True)

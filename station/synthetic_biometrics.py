"""Biometric payloads for synthetic residents, from the simulated devices' generators.

Fingerprints are drawn by the EF01 simulator's generator and quantised to the 16
grey levels an EF01 module sends, then WSQ-compressed as a real capture would be;
the face comes from the simulated camera's subject on the backdrop the resident's
birth year calls for; the signature is synthetic pen strokes in the ISDV4 vector
format. Generating and compressing ten fingerprints takes tens of milliseconds, so
a small pool of variants per finger is made once and reused: bulk loads stay fast,
and payloads are still real WSQ, JPEG and signature vectors of realistic sizes.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np

from common.biometrics import FingerPosition, ItemFormat
from station.workflow import Capture

POOL = 8
SIM = "synthetic"


@lru_cache(maxsize=POOL * 10)
def _finger(variant: int, finger: int) -> tuple[bytes, float]:
    from devices.fingerprint import assess, encode_wsq, synthetic_fingerprint

    quality = 0.55 + 0.45 * random.Random(variant * 31 + finger).random()
    image = synthetic_fingerprint(10_000 + variant, finger, quality)
    image = ((image >> 4) * 17).astype(np.uint8)  # what travels over an EF01 UART
    return encode_wsq(image), round(assess(image).score, 1)


@lru_cache(maxsize=POOL * 2)
def _face(variant: int, birth_year: int) -> bytes:
    from devices.camera import synthetic_face_jpeg

    return synthetic_face_jpeg(variant, birth_year)


@lru_cache(maxsize=POOL)
def _signature(variant: int) -> bytes:
    from devices.signature import encode_strokes, synthetic_strokes
    from devices.signature.strokes import DEFAULT_PAD_MAX

    return encode_strokes(synthetic_strokes(variant), DEFAULT_PAD_MAX)


class SyntheticBiometrics:
    """Deterministic for a seed; variants are shared between residents."""

    def finger(self, seed: int, position: FingerPosition) -> Capture:
        data, quality = _finger(random.Random(seed).randrange(POOL), int(position))
        return Capture(ItemFormat.WSQ, data, quality, SIM, "EF01 simulator (synthetic)", None, True)

    def face(self, seed: int, birth_year: int) -> Capture:
        # Two years of the same parity give the same backdrop: keep the pool small.
        year = 2000 + birth_year % 2
        data = _face(random.Random(seed).randrange(POOL), year)
        return Capture(ItemFormat.JPEG, data, None, SIM, "camera simulator (synthetic)", None, True)

    def signature(self, seed: int) -> Capture:
        data = _signature(random.Random(seed).randrange(POOL))
        return Capture(ItemFormat.SIGNATURE_VECTORS, data, None, SIM, "ISDV4 simulator (synthetic)", None, True)

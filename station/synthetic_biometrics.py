"""Biometric payloads for synthetic residents, from the simulated devices' generators.

Fingerprints are drawn by the EF01 simulator's generator and quantised to the 16
grey levels an EF01 module sends, then WSQ-compressed as a real capture would be;
the face comes from the simulated camera's subject on the backdrop the resident's
birth year calls for; the signature is synthetic pen strokes in the ISDV4 vector
format; each iris is a synthetic near-infrared eye (devices.sbi.irisgen, what the SBI
simulator sends) cropped and encoded as the station's ISO/IEC 19794-6 K3 record.
Generating and compressing ten fingerprints takes tens of milliseconds (an iris record
about as much), so a small pool of variants per item is made once and reused: bulk
loads stay fast, and payloads are still real WSQ, JPEG, signature vectors and iris
records of realistic sizes.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from common.biometrics import FACE, SIGNATURE, CapturedItem, FingerPosition, ItemFormat, iris_kind

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


@lru_cache(maxsize=POOL * 2)
def _iris(variant: int, eye: str) -> tuple[bytes, float]:
    from devices.sbi.iris import station_record
    from devices.sbi.irisgen import synthetic_eye

    score = float(round(75 + 20 * random.Random(variant * 17 + len(eye)).random()))
    image = synthetic_eye(20_000 + variant, eye.capitalize()).image
    record, _quality = station_record(image, eye=eye, device_score=score)
    return record, score


def _item(kind: str, fmt: ItemFormat, payload: bytes, quality: float | None, model: str) -> CapturedItem:
    return CapturedItem(
        kind=kind,
        format=fmt,
        payload=payload,
        quality=quality,
        device_driver=SIM,
        device_model=model,
        simulated=True,
        captured_at=datetime.now(UTC),
    )


class SyntheticBiometrics:
    """Deterministic for a seed (except the capture time); variants are shared between residents."""

    def finger(self, seed: int, position: FingerPosition) -> CapturedItem:
        data, quality = _finger(random.Random(seed).randrange(POOL), int(position))
        return _item(position.item_kind, ItemFormat.WSQ, data, quality, "EF01 simulator (synthetic)")

    def face(self, seed: int, birth_year: int) -> CapturedItem:
        # Two years of the same parity give the same backdrop: keep the pool small.
        year = 2000 + birth_year % 2
        data = _face(random.Random(seed).randrange(POOL), year)
        return _item(FACE, ItemFormat.JPEG, data, None, "camera simulator (synthetic)")

    def signature(self, seed: int) -> CapturedItem:
        data = _signature(random.Random(seed).randrange(POOL))
        return _item(SIGNATURE, ItemFormat.SIGNATURE_VECTORS, data, None, "ISDV4 simulator (synthetic)")

    def iris(self, seed: int, eye: str) -> CapturedItem:
        """The `eye` ("left"/"right") as the iris step stores it, with the device's score as quality."""
        data, score = _iris(random.Random(seed).randrange(POOL), eye)
        return _item(iris_kind(eye), ItemFormat.ISO_19794_6, data, score, "SBI iris simulator (synthetic)")

"""Simulated character files (templates) and their matching, for the EF01 simulator.

A real module extracts minutiae into a 512-byte vendor-specific character file.
The simulator cannot extract minutiae from its synthetic images, so it derives a
template from the *identity* of the finger instead: a 4000-bit code drawn from
(seed, finger), with a fraction of bits flipped per impression (more when the
impression is poor). Matching counts agreeing bits. So the same finger matches
itself across impressions and different fingers score near zero, which is all the
module's protocol promises; the scores mimic the 0-300 range real modules report.

Trap: the byte layout is the simulator's own (magic ``SIMT``); never feed these
templates to a real module or treat them as ISO 19794-2.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

TEMPLATE_BYTES = 512
_MAGIC = b"SIMT"
_CODE_OFFSET = 12
_CODE_BYTES = TEMPLATE_BYTES - _CODE_OFFSET
_MAX_SCORE = 300
# Match thresholds by security level 1-5, on the 0-300 score scale.
THRESHOLDS = {1: 30, 2: 40, 3: 50, 4: 70, 5: 90}


def _identity_code(seed: int, finger: int) -> np.ndarray:
    rng = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, finger & 0xFFFFFFFF, 0x544D504C])
    return rng.integers(0, 256, _CODE_BYTES, dtype=np.uint8)


def char_file(seed: int, finger: int, quality: float, rng: np.random.Generator) -> bytes:
    """One impression's template: the finger's code with quality-dependent bit errors."""
    code = np.unpackbits(_identity_code(seed, finger))
    flip_rate = 0.03 + 0.25 * (1.0 - min(max(quality, 0.0), 1.0))
    flips = rng.random(code.size) < flip_rate
    noisy = np.packbits(code ^ flips.astype(np.uint8)).tobytes()
    header = _MAGIC + bytes([int(quality * 100) & 0xFF]) + bytes(_CODE_OFFSET - len(_MAGIC) - 1)
    return header + noisy


def is_template(data: bytes | None) -> bool:
    return data is not None and len(data) == TEMPLATE_BYTES and data.startswith(_MAGIC)


def match_score(a: bytes, b: bytes) -> int:
    """0-300: 300 for identical codes, about 0 for unrelated fingers."""
    if not (is_template(a) and is_template(b)):
        return 0
    x = np.frombuffer(a[_CODE_OFFSET:], dtype=np.uint8)
    y = np.frombuffer(b[_CODE_OFFSET:], dtype=np.uint8)
    agree = 1.0 - np.unpackbits(x ^ y).mean()
    return int(round(max(0.0, (agree - 0.5) / 0.5) * _MAX_SCORE))


def merge(a: bytes, b: bytes) -> bytes:
    """RegModel: one model from two impressions that match.

    A bitwise majority of two cannot break ties, so the model keeps `a`; the caller
    has already checked that `b` agrees with it.
    """
    return a

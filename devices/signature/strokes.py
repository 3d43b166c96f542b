"""Checks that refuse an empty or trivial signature, each with its own bilingual reason.

Strokes are lists of `PenPoint` normalised to the pad's reported maxima (0..1; a value above
1 means the pad reported a coordinate beyond its own maximum). Lengths are measured in the
pad's physical units (x and y scaled by their maxima, so a 4:3 pad is not squashed) and
expressed as a fraction of the pad's longer side, which keeps the thresholds meaningful on
any pad size.

Trap: a pen pressed and held still makes many points in one place; that is still a dot, so
"trivial" looks at the ink's extent as well as the point count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from common.text import Text
from devices.kinds import PenPoint
from devices.signature.errors import (
    ERRORS,
    REJECTED_EMPTY,
    REJECTED_LITTLE_INK,
    REJECTED_OUTSIDE,
    REJECTED_TRIVIAL,
)

DEFAULT_PAD_MAX: tuple[int, int, int] = (24576, 18432, 1023)  # pen-only ISDV4 tablet PC (libwacom #318)

MIN_INK_POINTS = 8  # fewer tip-down points than this is a dot or a tap
MIN_EXTENT = 0.02  # diagonal of the ink's bounding box, fraction of the pad's longer side
MIN_PATH = 0.25  # total ink path length, fraction of the pad's longer side
MAX_OUTSIDE = 0.5  # fraction of ink points allowed outside the signing box


@dataclass(frozen=True)
class SigningBox:
    """The area the resident is asked to sign in, as fractions of the pad (0..1)."""

    left: float = 0.05
    top: float = 0.05
    right: float = 0.95
    bottom: float = 0.95

    def contains(self, p: PenPoint) -> bool:
        return self.left <= p.x <= self.right and self.top <= p.y <= self.bottom


DEFAULT_BOX = SigningBox()


@dataclass(frozen=True)
class SignatureProblem:
    code: str
    message: Text
    remedy: Text


def ink_points(strokes: Sequence[Sequence[PenPoint]]) -> list[PenPoint]:
    return [p for stroke in strokes for p in stroke if p.tip]


def _scale(pad_max: tuple[int, int, int]) -> tuple[float, float]:
    longest = float(max(pad_max[0], pad_max[1], 1))
    return pad_max[0] / longest, pad_max[1] / longest


def path_length(strokes: Sequence[Sequence[PenPoint]], pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX) -> float:
    """Total tip-down path length as a fraction of the pad's longer side."""
    sx, sy = _scale(pad_max)
    total = 0.0
    for stroke in strokes:
        ink = [p for p in stroke if p.tip]
        for a, b in zip(ink, ink[1:], strict=False):
            total += math.hypot((b.x - a.x) * sx, (b.y - a.y) * sy)
    return total


def ink_extent(strokes: Sequence[Sequence[PenPoint]], pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX) -> float:
    """Diagonal of the ink's bounding box as a fraction of the pad's longer side."""
    ink = ink_points(strokes)
    if not ink:
        return 0.0
    sx, sy = _scale(pad_max)
    xs = [p.x for p in ink]
    ys = [p.y for p in ink]
    return math.hypot((max(xs) - min(xs)) * sx, (max(ys) - min(ys)) * sy)


def _problem(code: str) -> SignatureProblem:
    return SignatureProblem(code, ERRORS[code].message, ERRORS[code].remedy)


def signature_problems(
    strokes: Sequence[Sequence[PenPoint]],
    pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX,
    box: SigningBox = DEFAULT_BOX,
) -> list[SignatureProblem]:
    """Every reason to refuse these strokes, most specific first; an empty list means usable."""
    ink = ink_points(strokes)
    if not ink:
        return [_problem(REJECTED_EMPTY)]
    problems: list[SignatureProblem] = []
    if len(ink) < MIN_INK_POINTS or ink_extent(strokes, pad_max) < MIN_EXTENT:
        problems.append(_problem(REJECTED_TRIVIAL))
    elif path_length(strokes, pad_max) < MIN_PATH:
        problems.append(_problem(REJECTED_LITTLE_INK))
    outside = sum(1 for p in ink if not box.contains(p))
    if outside > MAX_OUTSIDE * len(ink):
        problems.append(_problem(REJECTED_OUTSIDE))
    return problems


def check_signature(
    strokes: Sequence[Sequence[PenPoint]],
    pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX,
    box: SigningBox = DEFAULT_BOX,
) -> list[Text]:
    """The operator-facing reasons to refuse these strokes; an empty list means the signature is usable."""
    return [p.message for p in signature_problems(strokes, pad_max, box)]

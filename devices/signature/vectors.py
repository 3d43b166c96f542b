"""Compact serialisation of signature strokes: the signature travels as vectors.

Format ``sigvec`` version 1 (UTF-8 JSON, no whitespace)::

    {"format": "sigvec", "version": 1, "pad_max": [x_max, y_max, pressure_max],
     "strokes": [[x0, y0, q0, t0, dx1, dy1, dq1, dt1, ...], ...]}

* Every value is an integer in the pad's own units, so nothing is lost against what the pad
  reported: x and y are pad coordinates (``round(point.x * x_max)``), t is milliseconds since
  the capture started.
* ``q`` folds pressure and tip into one number: ``pressure + 1`` when the tip is down, ``0``
  for a hover point. (A tip-down point with pressure 0 is therefore ``q = 1``.)
* Each stroke is a flat list of groups of four: the first group is absolute, the following
  ones are deltas from the previous point of the same stroke. Deltas keep the numbers short
  (a typical signature costs about 10-14 bytes a point) while the JSON stays readable and
  diffable; zlib on top would halve it again if a link ever needs it.

Trap: points must come from a pad with the given maxima for the round trip to be exact; an
arbitrary float is rounded to the nearest pad unit and millisecond.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from devices.kinds import PenPoint, SignatureCapture

FORMAT = "sigvec"
VERSION = 1
_GROUP = 4


class SignatureFormatError(ValueError):
    """The bytes are not a signature in a format this station can read."""


class DecodedStrokes(NamedTuple):
    strokes: list[list[PenPoint]]
    pad_max: tuple[int, int, int]


def encode_strokes(
    data: SignatureCapture | Sequence[Sequence[PenPoint]], pad_max: tuple[int, int, int] | None = None
) -> bytes:
    """Serialise a capture (its own pad_max is used) or bare strokes with the given `pad_max`."""
    if isinstance(data, SignatureCapture):
        strokes: Sequence[Sequence[PenPoint]] = data.strokes
        pad_max = pad_max or data.pad_max
    else:
        strokes = data
    if pad_max is None:
        raise ValueError("pad_max is needed to encode bare strokes")
    x_max, y_max, p_max = (int(v) for v in pad_max)
    if min(x_max, y_max, p_max) <= 0:
        raise ValueError(f"pad maxima must be positive: {pad_max}")
    out: list[list[int]] = []
    for stroke in strokes:
        flat: list[int] = []
        prev = (0, 0, 0, 0)
        for p in stroke:
            q = round(p.pressure * p_max) + 1 if p.tip else 0
            cur = (round(p.x * x_max), round(p.y * y_max), max(q, 0), round(p.t * 1000))
            flat.extend(c - o for c, o in zip(cur, prev, strict=True))
            prev = cur
        if flat:
            out.append(flat)
    doc = {"format": FORMAT, "version": VERSION, "pad_max": [x_max, y_max, p_max], "strokes": out}
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


def decode_strokes(data: bytes) -> DecodedStrokes:
    """Read bytes made by `encode_strokes`; raise SignatureFormatError on anything else."""
    try:
        doc: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignatureFormatError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SignatureFormatError("not a sigvec document")
    if doc.get("version") != VERSION:
        raise SignatureFormatError(f"unsupported sigvec version {doc.get('version')!r}")
    pad_max = doc.get("pad_max")
    if not (isinstance(pad_max, list) and len(pad_max) == 3 and all(_is_int(v) and v > 0 for v in pad_max)):
        raise SignatureFormatError("pad_max must be three positive integers")
    x_max, y_max, p_max = pad_max
    raw_strokes = doc.get("strokes")
    if not isinstance(raw_strokes, list):
        raise SignatureFormatError("strokes must be a list")
    strokes: list[list[PenPoint]] = []
    for flat in raw_strokes:
        if not (isinstance(flat, list) and flat and len(flat) % _GROUP == 0 and all(_is_int(v) for v in flat)):
            raise SignatureFormatError("each stroke must be a non-empty list of integers in groups of four")
        x = y = q = t = 0
        stroke: list[PenPoint] = []
        for i in range(0, len(flat), _GROUP):
            x, y, q, t = x + flat[i], y + flat[i + 1], q + flat[i + 2], t + flat[i + 3]
            if q < 0:
                raise SignatureFormatError("negative pressure")
            tip = q > 0
            stroke.append(PenPoint(x / x_max, y / y_max, (q - 1) / p_max if tip else 0.0, t / 1000, tip))
        strokes.append(stroke)
    return DecodedStrokes(strokes, (x_max, y_max, p_max))


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)

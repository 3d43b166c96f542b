"""Signature checks, rendering, the sigvec vector format and the synthetic signature generator."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from devices.base import DeviceInfo, DeviceKind
from devices.kinds import PenPoint, SignatureCapture
from devices.signature import check_signature, decode_strokes, encode_strokes, synthetic_signature, synthetic_strokes
from devices.signature.errors import (
    ERRORS,
    REJECTED_EMPTY,
    REJECTED_LITTLE_INK,
    REJECTED_OUTSIDE,
    REJECTED_TRIVIAL,
)
from devices.signature.render import render_png
from devices.signature.signgen import corner_trace_gesture, ink_of, signature_gesture
from devices.signature.strokes import DEFAULT_PAD_MAX, SigningBox, signature_problems
from devices.signature.vectors import SignatureFormatError

PAD = DEFAULT_PAD_MAX


def _line(x0: float, y0: float, x1: float, y1: float, n: int = 30, t0: float = 0.0) -> list[PenPoint]:
    return [
        PenPoint(x0 + (x1 - x0) * i / (n - 1), y0 + (y1 - y0) * i / (n - 1), 0.5, t0 + i / 133, True) for i in range(n)
    ]


def _codes(strokes: list[list[PenPoint]]) -> list[str]:
    return [p.code for p in signature_problems(strokes, PAD)]


def test_synthetic_signature_passes_every_check() -> None:
    for seed in range(10):
        assert check_signature(synthetic_strokes(seed)) == []


def test_empty_is_rejected_with_its_own_message() -> None:
    hover_only = [[PenPoint(0.5, 0.5, 0.0, 0.0, tip=False)]]
    cases: list[list[list[PenPoint]]] = [[], [[]], hover_only]
    for strokes in cases:
        assert _codes(strokes) == [REJECTED_EMPTY]
    assert check_signature([]) == [ERRORS[REJECTED_EMPTY].message]


def test_single_dot_and_too_few_points_are_trivial() -> None:
    held_still = [[PenPoint(0.5, 0.5, 0.6, i / 133) for i in range(200)]]
    tap = [_line(0.3, 0.5, 0.5, 0.5, n=4)]
    assert _codes(held_still) == [REJECTED_TRIVIAL]
    assert _codes(tap) == [REJECTED_TRIVIAL]
    assert check_signature(tap)[0].id and check_signature(tap)[0].en == ERRORS[REJECTED_TRIVIAL].message.en


def test_too_little_ink_is_rejected() -> None:
    short_tick = [_line(0.45, 0.5, 0.55, 0.52)]  # about a tenth of the pad
    assert _codes(short_tick) == [REJECTED_LITTLE_INK]
    long_enough = [_line(0.2, 0.5, 0.8, 0.5)]
    assert _codes(long_enough) == []


def test_ink_outside_the_box_is_rejected() -> None:
    in_margin = [_line(0.1, 0.01, 0.9, 0.02)]  # along the top edge, above the box
    beyond_range = [_line(0.3, 1.05, 0.9, 1.1)]  # coordinates past the pad's own maximum
    assert _codes(in_margin) == [REJECTED_OUTSIDE]
    assert _codes(beyond_range) == [REJECTED_OUTSIDE]
    tight_box = SigningBox(0.4, 0.4, 0.6, 0.6)
    assert [p.code for p in signature_problems([_line(0.1, 0.5, 0.9, 0.5)], PAD, tight_box)] == [REJECTED_OUTSIDE]


def test_every_rejection_is_bilingual_with_a_remedy() -> None:
    for code in (REJECTED_EMPTY, REJECTED_TRIVIAL, REJECTED_LITTLE_INK, REJECTED_OUTSIDE):
        texts = ERRORS[code]
        assert texts.message.id != texts.message.en and texts.remedy.id != texts.remedy.en


def test_render_draws_ink_on_white() -> None:
    png = render_png(synthetic_strokes(3), pad_max=PAD)
    img = np.asarray(Image.open(io.BytesIO(png)))
    assert img.shape == (200, 600)
    assert img.max() == 255 and img.min() < 60  # white paper, dark ink
    dark = (img < 128).mean()
    assert 0.01 < dark < 0.5
    corners = np.concatenate([img[:5, :5].ravel(), img[-5:, -5:].ravel()])
    assert (corners == 255).all()  # ink fitted inside the margins


def test_render_heavier_pressure_gives_more_ink() -> None:
    light = [[PenPoint(p.x, p.y, 0.05, p.t) for p in _line(0.2, 0.5, 0.8, 0.6)]]
    heavy = [[PenPoint(p.x, p.y, 1.0, p.t) for p in _line(0.2, 0.5, 0.8, 0.6)]]

    def ink(strokes: list[list[PenPoint]]) -> float:
        return float((np.asarray(Image.open(io.BytesIO(render_png(strokes)))) < 128).mean())

    assert ink(heavy) > 1.5 * ink(light) > 0


def test_render_empty_is_a_blank_png() -> None:
    img = np.asarray(Image.open(io.BytesIO(render_png([]))))
    assert img.shape == (200, 600) and (img == 255).all()


points_in_pad_units = st.tuples(
    st.integers(0, PAD[0]), st.integers(0, PAD[1]), st.integers(0, PAD[2]), st.integers(0, 120_000), st.booleans()
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(points_in_pad_units, min_size=1, max_size=30), max_size=6))
def test_vectors_round_trip_exactly(raw: list[list[tuple[int, int, int, int, bool]]]) -> None:
    strokes = [
        [PenPoint(x / PAD[0], y / PAD[1], p / PAD[2] if tip else 0.0, t / 1000, tip) for x, y, p, t, tip in stroke]
        for stroke in raw
    ]
    decoded = decode_strokes(encode_strokes(strokes, PAD))
    assert decoded.pad_max == PAD
    assert len(decoded.strokes) == len(strokes)
    for a_stroke, b_stroke in zip(strokes, decoded.strokes, strict=True):
        for a, b in zip(a_stroke, b_stroke, strict=True):
            assert b.tip == a.tip
            assert round(b.x * PAD[0]) == round(a.x * PAD[0]) and round(b.y * PAD[1]) == round(a.y * PAD[1])
            assert math.isclose(b.pressure, a.pressure, abs_tol=1e-9) and math.isclose(b.t, a.t, abs_tol=1e-9)


def test_vectors_of_a_capture_are_compact_and_delta_encoded() -> None:
    strokes = synthetic_strokes(5)
    device = DeviceInfo(DeviceKind.SIGNATURE, "isdv4-sim", "sim", "unknown", "15", "/dev/null", True)
    capture = SignatureCapture(strokes, b"", PAD, device)
    data = encode_strokes(capture)
    doc = json.loads(data)
    assert doc["format"] == "sigvec" and doc["version"] == 1 and doc["pad_max"] == list(PAD)
    points = sum(len(s) for s in strokes)
    assert len(data) < 16 * points  # deltas keep it small
    assert decode_strokes(data).strokes == decode_strokes(encode_strokes(strokes, PAD)).strokes
    first = doc["strokes"][0]
    assert max(abs(v) for v in first[4::4]) < PAD[0] // 10  # x deltas, not absolutes


@pytest.mark.parametrize(
    "bad",
    [
        b"\xff\xfe",
        b"[]",
        b'{"format":"sigvec","version":2,"pad_max":[1,1,1],"strokes":[]}',
        b'{"format":"sigvec","version":1,"pad_max":[0,1,1],"strokes":[]}',
        b'{"format":"sigvec","version":1,"pad_max":[9,9,9],"strokes":[[1,2,3]]}',
        b'{"format":"sigvec","version":1,"pad_max":[9,9,9],"strokes":[[1,2,0,4,0,0,-1,1]]}',
    ],
)
def test_decode_refuses_what_it_cannot_read(bad: bytes) -> None:
    with pytest.raises(SignatureFormatError):
        decode_strokes(bad)


def test_encode_needs_pad_maxima_for_bare_strokes() -> None:
    with pytest.raises(ValueError):
        encode_strokes(synthetic_strokes(1))


def test_synthetic_signatures_are_deterministic_and_differ_between_seeds() -> None:
    assert synthetic_signature(42) == synthetic_signature(42)
    assert synthetic_signature(42) != synthetic_signature(43)
    assert signature_gesture(42, variant=1) != signature_gesture(42, variant=0)


def test_synthetic_gesture_looks_like_a_pen() -> None:
    rate = 133.0
    for seed in range(5):
        g = signature_gesture(seed, rate_hz=rate)
        strokes = ink_of(g)
        assert len(strokes) >= 2
        assert not g[0].tip and g[0].proximity  # the pen arrives hovering
        assert not g[-1].proximity  # and leaves proximity at the end
        between = [s for s in g[len(strokes[0]) :] if s.proximity and not s.tip]
        assert between  # hover packets between and after strokes
        pressures = {s.pressure for st_ in strokes for s in st_}
        assert len(pressures) > 50 and max(pressures) <= PAD[2]
        dts = np.diff([s.t for s in g])
        assert np.allclose(dts, 1 / rate)  # one packet per sample period
        assert all(0 <= s.x <= PAD[0] and 0 <= s.y <= PAD[1] for s in g)


def test_corner_trace_reaches_every_corner() -> None:
    ink = [s for stroke in ink_of(corner_trace_gesture(0)) for s in stroke]
    xs = [s.x / PAD[0] for s in ink]
    ys = [s.y / PAD[1] for s in ink]
    for cx, cy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        assert min(math.hypot(x - cx, y - cy) for x, y in zip(xs, ys, strict=True)) < 0.06

"""Synthetic pen gestures: natural-looking signatures and the technician's corner trace.

Signatures follow Hollerbach's oscillation model of cursive handwriting: a steady rightward
drift plus coupled horizontal and vertical oscillations (about four "letters" a second)
whose amplitudes and phase lag wander slowly, which gives a mix of loops, arcs and
garlands, a slant, a larger first "capital", and pressure that rises at pen-down, eases off
when the pen moves fast and tails off at lift. They are scribbles, not letters: no name is
spelled and no real person's signature is modelled, so they can stand in for residents in
synthetic enrollments. The same seed always gives the same strokes; `variant` adds the
small differences a person shows between two signings.

A gesture is the whole pen track the pad would report: a hover approach, the ink strokes,
hover moves between them, a lift and one out-of-proximity sample at the end, sampled at a
fixed packet rate in pad units. The simulator replays gestures packet by packet; bulk
enrollments only need the ink (`synthetic_signature`, `synthetic_strokes`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from devices.kinds import PenPoint
from devices.signature.strokes import DEFAULT_PAD_MAX

DEFAULT_RATE_HZ = 133.0  # a typical ISDV4 pen report rate, below the 213/s a 19200 line allows
PEN_UNITS_PER_MM = 100.0  # ISDV4 pen resolution
MAX_PEN_SPEED_MM_S = 700.0  # fast handwriting; big letters are slowed down to this
CORNER_INSET = 0.03  # the corner trace runs this fraction of the pad inside its edges


class PenSample(NamedTuple):
    t: float  # seconds since the gesture started
    x: int  # pad units
    y: int
    pressure: int  # pad units, 0 when the tip is up
    proximity: bool
    tip: bool


# A segment in "L units" (fractions of the pad's longer side): x, y, pressure 0..1, tip flag.
class _Segment(NamedTuple):
    x: np.ndarray
    y: np.ndarray
    p: np.ndarray
    tip: bool


def _smooth_noise(rng: np.random.Generator, t: np.ndarray, lo: float = 0.3, hi: float = 1.6) -> np.ndarray:
    """A slowly wandering curve in about [-1, 1]: three random low-frequency sinusoids."""
    out = np.zeros_like(t)
    for _ in range(3):
        out += np.sin(2 * math.pi * rng.uniform(lo, hi) * t + rng.uniform(0, 2 * math.pi))
    return out / 3.0


def _times(duration: float, rate: float) -> np.ndarray:
    n = max(1, round(duration * rate))
    return np.arange(n) / rate


def _pressure(rng: np.random.Generator, t: np.ndarray, x: np.ndarray, y: np.ndarray, rate: float) -> np.ndarray:
    base = rng.uniform(0.45, 0.7)
    speed = np.hypot(np.gradient(x), np.gradient(y)) * rate if len(t) > 1 else np.zeros_like(t)
    slow = 1.0 - 0.3 * np.clip(speed / max(float(speed.max()), 1e-9), 0, 1)
    p = base * slow * (0.85 + 0.15 * _smooth_noise(rng, t, 0.5, 2.5))
    if len(t) > 1:
        dur = float(t[-1]) + 1e-9
        p *= np.clip(t / 0.04, 0.15, 1.0) * np.clip((dur - t) / 0.05, 0.15, 1.0)
    p += rng.normal(0, 0.006, size=len(t))
    return np.clip(p, 0.05, 1.0)


def _bumps(rng: np.random.Generator, t: np.ndarray, count: int, size: tuple[float, float]) -> np.ndarray:
    """A few smooth bumps at random times: the tall or deep letters of a run."""
    out = np.zeros_like(t)
    span = float(t[-1]) if len(t) > 1 else 1.0
    for _ in range(count):
        centre, width = rng.uniform(0.1, 0.95) * span, rng.uniform(0.05, 0.09)
        out += rng.uniform(*size) * np.exp(-(((t - centre) / width) ** 2))
    return out


def _cursive_run(
    rng: np.random.Generator,
    x0: float,
    yc: float,
    width: float,
    duration: float,
    height: float,
    rate: float,
    capital: bool,
    max_speed: float,
) -> _Segment:
    """One pen-down run of oscillations, then re-timed so the pen never moves faster than
    `max_speed` (L units a second): large letters take longer, as they do by hand."""
    fine = rate * 4
    t = _times(duration, fine)
    omega = 2 * math.pi * rng.uniform(3.0, 4.2)
    phase = omega * t + 1.6 * np.cumsum(_smooth_noise(rng, t, 0.4, 1.2)) / fine * omega / 4
    amp = height * (1 + 0.25 * _smooth_noise(rng, t))
    up = amp * (1 + _bumps(rng, t, int(rng.integers(0, 3)), (0.5, 1.2)))
    down = amp * (1 + _bumps(rng, t, int(rng.integers(0, 2)), (0.4, 1.0)))
    if capital:
        up = up * (1 + 0.9 * np.exp(-t / 0.22))
    wave = np.sin(phase)
    y = yc + rng.uniform(-0.03, 0.03) * t - np.where(wave > 0, up, down) * wave
    loopiness = np.clip(0.4 + 0.5 * _smooth_noise(rng, t, 0.3, 1.0), 0.03, 1.0)
    lag = math.pi / 2 + 0.4 * _smooth_noise(rng, t)
    x = x0 + (width / duration) * t + loopiness * amp * 0.5 * np.sin(phase + lag)
    x += rng.uniform(0.15, 0.35) * (yc - y)  # rightward slant
    if len(t) > 1:
        step = np.maximum(1.0 / fine, np.hypot(np.diff(x), np.diff(y)) / max_speed)
        tau = np.concatenate([[0.0], np.cumsum(step)])
        t = np.arange(0.0, float(tau[-1]), 1.0 / rate)
        x, y = np.interp(t, tau, x), np.interp(t, tau, y)
    return _Segment(x, y, _pressure(rng, t, x, y, rate), True)


def _line(rng: np.random.Generator, pts: list[tuple[float, float]], duration: float, rate: float) -> _Segment:
    """A polyline traced at constant speed with a little hand tremor."""
    xy = np.array(pts, dtype=float)
    seg_len = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg_len)])
    t = _times(duration, rate)
    s = cum[-1] * t / max(float(t[-1]), 1e-9) if len(t) > 1 else np.zeros(1)
    x = np.interp(s, cum, xy[:, 0]) + 0.0015 * _smooth_noise(rng, t, 1.0, 4.0)
    y = np.interp(s, cum, xy[:, 1]) + 0.0015 * _smooth_noise(rng, t, 1.0, 4.0)
    return _Segment(x, y, _pressure(rng, t, x, y, rate), True)


def _hover(a: tuple[float, float], b: tuple[float, float], duration: float, rate: float) -> _Segment:
    t = _times(duration, rate)
    f = t / max(float(t[-1]), 1e-9) if len(t) > 1 else np.zeros(1)
    ease = f * f * (3 - 2 * f)
    lift = 0.02 * np.sin(math.pi * f)  # the hand arcs up a little between strokes
    x = a[0] + (b[0] - a[0]) * ease
    y = a[1] + (b[1] - a[1]) * ease - lift
    return _Segment(x, y, np.zeros_like(t), False)


def _assemble(
    ink: list[_Segment], rng: np.random.Generator, rate: float, pad_max: tuple[int, int, int]
) -> list[PenSample]:
    """Join ink segments with hover moves, add approach, lift and proximity-out; convert to pad units."""
    segs: list[_Segment] = []
    first = (float(ink[0].x[0]), float(ink[0].y[0]))
    segs.append(_hover((first[0] + 0.04, first[1] + 0.05), first, rng.uniform(0.2, 0.3), rate))
    for i, seg in enumerate(ink):
        if i:
            a = (float(segs[-1].x[-1]), float(segs[-1].y[-1]))
            segs.append(_hover(a, (float(seg.x[0]), float(seg.y[0])), rng.uniform(0.12, 0.28), rate))
        segs.append(seg)
    last = (float(ink[-1].x[-1]), float(ink[-1].y[-1]))
    segs.append(_hover(last, (last[0] + 0.03, last[1] - 0.04), rng.uniform(0.1, 0.18), rate))
    longest = max(pad_max[0], pad_max[1])
    out: list[PenSample] = []
    n = 0
    for seg in segs:
        xs = np.clip(np.rint(seg.x * longest), 0, 0xFFFF).astype(int)
        ys = np.clip(np.rint(seg.y * longest), 0, 0xFFFF).astype(int)
        ps = np.clip(np.rint(seg.p * pad_max[2]), 0, 0x3FF).astype(int) if seg.tip else np.zeros(len(xs), dtype=int)
        for x, y, p in zip(xs.tolist(), ys.tolist(), ps.tolist(), strict=True):
            out.append(PenSample(n / rate, x, y, p, True, seg.tip))
            n += 1
    end = out[-1]
    out.append(PenSample(n / rate, end.x, end.y, 0, False, False))
    return out


def signature_gesture(
    seed: int, *, pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX, rate_hz: float = DEFAULT_RATE_HZ, variant: int = 0
) -> list[PenSample]:
    """The full pen track of one synthetic signing, deterministic for (seed, variant)."""
    rng = np.random.default_rng([seed & 0xFFFFFFFF, variant & 0xFFFFFFFF])
    shape = np.random.default_rng(seed & 0xFFFFFFFF)
    longest = float(max(pad_max[0], pad_max[1]))
    pad_w, pad_h = pad_max[0] / longest, pad_max[1] / longest
    max_speed = MAX_PEN_SPEED_MM_S * PEN_UNITS_PER_MM / longest
    n_runs = int(shape.integers(1, 4))
    durations = shape.uniform(0.7, 1.3, size=n_runs) * rng.uniform(0.95, 1.05, size=n_runs)
    total_w = pad_w * shape.uniform(0.55, 0.68)
    gap = 0.03
    widths = (total_w - gap * (n_runs - 1)) * durations / durations.sum()
    height = shape.uniform(0.05, 0.075) * rng.uniform(0.95, 1.05)
    yc = pad_h / 2 + shape.uniform(-0.02, 0.02)
    x = pad_w / 2 - total_w / 2
    ink: list[_Segment] = []
    for i in range(n_runs):
        h = height * (1.0 if i == 0 else shape.uniform(0.75, 1.0))
        run = _cursive_run(shape, x, yc, float(widths[i]), float(durations[i]), h, rate_hz, True, max_speed)
        ink.append(run)
        x += float(widths[i]) + gap
    left, right = pad_w / 2 - total_w / 2, pad_w / 2 + total_w / 2
    if shape.random() < 0.6:  # an underline flourish
        y_u = yc + height * 2.0
        pts = [(left + 0.1 * total_w, y_u + 0.01), ((left + right) / 2, y_u + 0.02), (right, y_u - 0.01)]
        ink.append(_line(shape, pts, float(shape.uniform(0.3, 0.5)), rate_hz))
    if shape.random() < 0.35:  # a dot or short tick
        cx, cy = left + total_w * shape.uniform(0.3, 0.8), yc - height * 2.2
        ink.append(_line(shape, [(cx, cy), (cx + 0.004, cy + 0.003)], 0.06, rate_hz))
    return _assemble(ink, rng, rate_hz, pad_max)


def corner_trace_gesture(
    seed: int = 0, *, pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX, rate_hz: float = DEFAULT_RATE_HZ
) -> list[PenSample]:
    """What the technician is asked to draw in the self-test: the pad's border through all four
    corners, then a cross (both diagonals). Together they touch every cell of a 4 x 4 grid."""
    rng = np.random.default_rng(seed & 0xFFFFFFFF)
    longest = float(max(pad_max[0], pad_max[1]))
    w, h = pad_max[0] / longest, pad_max[1] / longest
    i = CORNER_INSET
    lo_x, hi_x, lo_y, hi_y = i * w, (1 - i) * w, i * h, (1 - i) * h
    border = [(lo_x, lo_y), (hi_x, lo_y), (hi_x, hi_y), (lo_x, hi_y), (lo_x, lo_y)]
    ink = [
        _line(rng, border, 1.4, rate_hz),
        _line(rng, [(lo_x, lo_y), (hi_x, hi_y)], 0.55, rate_hz),
        _line(rng, [(hi_x, lo_y), (lo_x, hi_y)], 0.55, rate_hz),
    ]
    return _assemble(ink, rng, rate_hz, pad_max)


def ink_of(gesture: list[PenSample]) -> list[list[PenSample]]:
    """The tip-down runs of a gesture: its strokes."""
    strokes: list[list[PenSample]] = []
    current: list[PenSample] = []
    for s in gesture:
        if s.tip and s.proximity:
            current.append(s)
        elif current:
            strokes.append(current)
            current = []
    if current:
        strokes.append(current)
    return strokes


def synthetic_signature(
    seed: int, *, pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX, rate_hz: float = DEFAULT_RATE_HZ
) -> list[list[PenSample]]:
    """Ink strokes of a synthetic signature in pad units with times: fast enough for bulk enrollments."""
    return ink_of(signature_gesture(seed, pad_max=pad_max, rate_hz=rate_hz))


def synthetic_strokes(seed: int, *, pad_max: tuple[int, int, int] = DEFAULT_PAD_MAX) -> list[list[PenPoint]]:
    """The same signature as normalised PenPoints, ready for `encode_strokes` and `render_png`."""
    x_max, y_max, p_max = pad_max
    return [
        [PenPoint(s.x / x_max, s.y / y_max, s.pressure / p_max, s.t, True) for s in stroke]
        for stroke in synthetic_signature(seed, pad_max=pad_max)
    ]

"""Synthetic fingerprint images for the simulator and for bulk synthetic enrollments.

Every image is invented: an orientation field from a pole-zero model (cores and
deltas placed by a seeded random generator, Sherlock & Monro style), then ridges
grown from noise by repeated oriented Gabor filtering, the way SFinGe-like
generators do. Nothing is sampled from, or resembles, a real person's print.

Why it is fast (well under 50 ms): ridges are grown at half resolution with a
cached bank of small Gabor kernels, one filter per orientation bin per iteration,
then upscaled once; results are cached by (seed, finger, quality).

Traps: the output is 8-bit, but the module sends only the upper 4 bits over the
UART, so what the host sees is this image quantised to 16 grey levels. Keep the
background bright and the ridges dark, as on an optical sensor.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import cv2
import numpy as np

log = logging.getLogger(__name__)

HEIGHT, WIDTH = 288, 256
_H2, _W2 = HEIGHT // 2, WIDTH // 2  # ridges are grown at half resolution
_N_ORIENT = 12
_ITERATIONS = 6
BACKGROUND = 236.0


def _rng(*keys: int) -> np.random.Generator:
    return np.random.default_rng([k & 0xFFFFFFFFFFFFFFFF for k in keys])


@lru_cache(maxsize=8)
def _gabor_bank(freq_key: int) -> tuple[np.ndarray, ...]:
    """Zero-mean Gabor kernels for `_N_ORIENT` ridge directions at frequency freq_key/1000."""
    freq = freq_key / 1000.0
    sigma = 0.42 / freq
    r = int(np.ceil(2.2 * sigma))
    y, x = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
    bank = []
    for i in range(_N_ORIENT):
        theta = np.pi * i / _N_ORIENT
        along = x * np.cos(theta) + y * np.sin(theta)
        across = -x * np.sin(theta) + y * np.cos(theta)
        g = np.exp(-(along**2) / (2 * (1.3 * sigma) ** 2) - across**2 / (2 * sigma**2)) * np.cos(
            2 * np.pi * freq * across
        )
        g -= g.mean()
        g /= np.abs(g).sum()
        bank.append(g.astype(np.float32))
    return tuple(bank)


@lru_cache(maxsize=1)
def _half_grid() -> np.ndarray:
    yy, xx = np.mgrid[0:_H2, 0:_W2].astype(np.float32)
    return (xx + 1j * yy).astype(np.complex64)


def _orientation(rng: np.random.Generator, cx: float, cy: float) -> np.ndarray:
    """Ridge direction (radians, mod pi) at half resolution from a pole-zero model."""
    z = _half_grid()
    kind = rng.choice(["left_loop", "right_loop", "whorl", "arch"], p=[0.33, 0.33, 0.28, 0.06])
    rot = rng.normal(0.0, 0.12)
    j = complex(rng.normal(0, 2), rng.normal(0, 2))
    c0 = complex(cx, cy)
    if kind == "whorl":
        s = rng.uniform(4, 9)
        cores = [c0 + complex(-s / 2, -s / 2) + j, c0 + complex(s / 2, s / 2) + j]
        deltas = [c0 + complex(-40, 44), c0 + complex(40, 44)]
    elif kind == "arch":
        cores, deltas = [], []
    else:
        side = -1.0 if kind == "left_loop" else 1.0
        cores = [c0 + complex(side * rng.uniform(0, 6), -rng.uniform(2, 10)) + j]
        deltas = [c0 + complex(-side * rng.uniform(30, 42), rng.uniform(34, 48))]
    turn = np.exp(1j * rot)
    theta = np.full(z.shape, rot, dtype=np.float32)
    for c in cores:
        theta += 0.5 * np.angle((z - c0) * turn + c0 - c).astype(np.float32)
    for d in deltas:
        theta -= 0.5 * np.angle((z - c0) * turn + c0 - d).astype(np.float32)
    if kind == "arch":
        bump = np.exp(-(((z.imag - cy) / 40.0) ** 2)) * np.sin(np.clip((z.real - cx) / 50.0, -np.pi, np.pi))
        theta += (rng.uniform(0.35, 0.7) * bump).astype(np.float32)
    return np.mod(theta, np.pi)


def _grow_ridges(rng: np.random.Generator, theta: np.ndarray, freq: float) -> np.ndarray:
    """Ridge pattern in [-1, 1] at half resolution: noise, filtered along the field until it settles."""
    bank = _gabor_bank(int(round(freq * 1000 / 5.0)) * 5)
    bins = (np.round(theta / np.pi * _N_ORIENT).astype(np.intp) % _N_ORIENT)[None]
    img = rng.standard_normal((_H2, _W2)).astype(np.float32)
    for _ in range(_ITERATIONS):
        stack = np.stack([cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT) for k in bank])
        out = np.take_along_axis(stack, bins, axis=0)[0]
        img = np.clip(out * (3.0 / (float(out.std()) + 1e-6)), -1.0, 1.0)
    return img


def _finger_mask(cx: float, cy: float, ax: float, ay: float) -> np.ndarray:
    """Soft elliptical pad: 1 in the middle, falling to 0 over the last ~12 pixels."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    r = np.sqrt(((xx - cx) / ax) ** 2 + ((yy - cy) / ay) ** 2)
    edge = 12.0 / min(ax, ay)
    return np.clip((1.0 - r) / edge, 0.0, 1.0)


def _render(seed: int, finger: int, q_key: int) -> np.ndarray:
    quality = q_key / 100.0
    rng = _rng(seed, finger, 0x46494E47)  # the finger itself: never depends on quality
    cx2 = _W2 / 2 + rng.normal(0, 3)
    cy2 = _H2 / 2 + rng.normal(-4, 4)
    theta = _orientation(rng, cx2, cy2)
    freq = float(rng.uniform(0.2, 0.24))  # cycles per half-res pixel: ridge period ~8-10 px at 500 ppi
    ridges = cv2.resize(_grow_ridges(rng, theta, freq), (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    ax, ay = rng.uniform(98, 112), rng.uniform(150, 175)
    cx, cy = 2 * cx2, 2 * cy2 + rng.uniform(20, 35)

    imp = _rng(seed, finger, q_key, 0x494D50)  # this impression: placement, pressure, noise
    if quality < 0.6:  # a partial or off-centre placement
        angle = imp.uniform(0, 2 * np.pi)
        shift = (0.6 - quality) * 190
        cx, cy = cx + shift * np.cos(angle), cy + shift * np.sin(angle)
        ax, ay = ax * (0.7 + 0.5 * quality), ay * (0.7 + 0.5 * quality)
    mask = _finger_mask(cx, cy, ax, ay)
    contrast = 0.2 + 0.8 * quality**0.8
    if quality < 0.9:  # dry or smudged patches break the ridges
        blot = cv2.resize(imp.random((9, 8)).astype(np.float32), (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
        ridges = ridges * np.clip(blot * 2.2 - (0.9 - quality) * 1.4 + 0.3, 0.0, 1.0)
    if quality < 0.8:
        ridges = cv2.GaussianBlur(ridges, (0, 0), 0.4 + 2.4 * (0.8 - quality))
    depth = 165.0 * contrast * mask  # grey distance valley -> ridge
    img = BACKGROUND - 22.0 * mask - depth * (ridges + 1.0) * 0.5
    noise_sigma = 2.5 + 38.0 * (1.0 - quality) ** 1.5
    img += imp.normal(0.0, noise_sigma, img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=256)
def _cached(seed: int, finger: int, q_key: int) -> np.ndarray:
    return _render(seed, finger, q_key)


def synthetic_fingerprint(seed: int, finger: int, quality: float = 1.0) -> np.ndarray:
    """A synthetic (288, 256) uint8 fingerprint, the same for the same arguments.

    `seed` stands for a (synthetic) resident, `finger` for the finger (1-10 by
    convention, any int works), `quality` in [0, 1]: 1 is a clean, centred, high
    contrast print; lower values add noise, blur, dry patches, low contrast and a
    partial placement. The caller gets its own writable copy.
    """
    q_key = int(round(min(max(quality, 0.0), 1.0) * 100))
    return _cached(int(seed), int(finger), q_key).copy()


def empty_platen(seed: int = 0) -> np.ndarray:
    """What a clean, empty optical platen looks like: bright, nearly uniform, a slight vignette."""
    rng = _rng(seed, 0x454D5054)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    vignette = 6.0 * (((xx - WIDTH / 2) / WIDTH) ** 2 + ((yy - HEIGHT / 2) / HEIGHT) ** 2)
    # 231.5 is the middle of grey band 0xE0-0xEF, so 4-bit transfer keeps it one level.
    img = 231.5 + 1.5 - vignette + rng.normal(0.0, 1.5, (HEIGHT, WIDTH))
    return np.clip(img, 0, 255).astype(np.uint8)


def latent_print(seed: int = 0) -> np.ndarray:
    """A faint residue of an earlier finger left on dirty glass (the 'ghost finger')."""
    base = synthetic_fingerprint(seed ^ 0x6C6174, 1, 0.95).astype(np.float32)
    clean = empty_platen(seed).astype(np.float32)
    return np.clip(clean - 0.35 * (clean - base), 0, 255).astype(np.uint8)

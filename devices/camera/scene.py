"""Render synthetic camera frames: the simulator's subject in front of an e-KTP backdrop.

The subject is ``data/portrait.png``, a head-and-shoulders cut-out of the public-domain
NASA astronaut photograph that scikit-image ships (provenance in data/README.md). It is
synthetic simulator data, not a resident's biometric.

A `Scene` says where each subject stands in the frame as fractions of the frame, using
ground truth taken from the asset (crown, chin and eye line measured by hand), so tests
can build photos with a known roll, offset or head size and check that the face checks
measure what was built. The traps: Haar face boxes do not match crown-to-chin, so never
size a subject by its Haar box; and `getRotationMatrix2D` turns counter-clockwise for a
positive angle, while `roll_deg` here is clockwise as seen on screen (right eye lower).
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

PORTRAIT_PATH = Path(__file__).with_name("data") / "portrait.png"

# Ground truth in portrait.png pixels (measured on the asset; see data/README.md).
ASSET_CROWN = (188.0, 14.5)  # top of the hair above the face centre line
ASSET_CHIN_Y = 168.0
ASSET_EYE_MID = (188.25, 91.75)
ASSET_HEAD_HEIGHT = ASSET_CHIN_Y - ASSET_CROWN[1]
ASSET_ROLL_DEG = 3.3  # the astronaut's own head tilt (right pupil ~2.4 px lower over 43 px)

# e-KTP backdrops (BGR): red for an odd birth year, blue for an even one.
BACKDROP_BGR: dict[str, tuple[int, int, int]] = {
    "red": (40, 34, 196),
    "blue": (196, 106, 36),
}


def backdrop_for_birth_year(birth_year: int) -> str:
    """The e-KTP rule: red for an odd birth year, blue for an even one."""
    return "red" if birth_year % 2 else "blue"


def other_backdrop(name: str) -> str:
    return "blue" if name == "red" else "red"


@dataclass(frozen=True)
class Subject:
    """Where one person stands, as fractions of the frame (x of width, y and size of height)."""

    cx: float = 0.5  # face centre line
    crown_y: float = 0.17  # top of the head
    head_h: float = 0.46  # crown to chin
    roll_deg: float = 0.0  # clockwise on screen


# The 3:4 photo layout: head 75 % of the height with 10 % above the crown.
PHOTO_SUBJECT = Subject(cx=0.5, crown_y=0.10, head_h=0.75)


@dataclass(frozen=True)
class Scene:
    backdrop: str | tuple[int, int, int] = "blue"
    subjects: tuple[Subject, ...] = field(default_factory=lambda: (Subject(),))
    gain: float = 1.0  # lighting: multiplies the whole frame
    blur_sigma: float = 0.0  # focus loss, in pixels of a 640-wide frame
    shift: tuple[float, float] = (0.0, 0.0)  # whole-frame (camera) shift in pixels
    noise: float = 2.0  # sensor noise, grey levels (std-dev)
    black: bool = False  # lens cap on / dead sensor


@functools.cache
def load_portrait() -> tuple[np.ndarray, np.ndarray]:
    """The asset as (premultiplied BGR float32, alpha float32 in 0..1), loaded once."""
    rgba = cv2.imread(str(PORTRAIT_PATH), cv2.IMREAD_UNCHANGED)
    if rgba is None or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise FileNotFoundError(f"simulator portrait missing or not RGBA: {PORTRAIT_PATH}")
    alpha = rgba[:, :, 3].astype(np.float32) / 255.0
    bgr = rgba[:, :, :3].astype(np.float32) * alpha[:, :, None]
    return bgr, alpha


@functools.cache
def backdrop_image(colour: tuple[int, int, int], size: tuple[int, int]) -> np.ndarray:
    """A backdrop with a soft light fall-off towards the corners (float32 BGR), cached.

    Real backdrops are never perfectly flat; the fall-off keeps the background check honest.
    """
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    r2 = ((xs - width * 0.5) / width) ** 2 + ((ys - height * 0.35) / height) ** 2
    falloff = 1.04 - 0.25 * r2
    out = falloff[:, :, None] * np.array(colour, np.float32)[None, None, :]
    out.setflags(write=False)
    return out


def subject_transform(subject: Subject, size: tuple[int, int]) -> np.ndarray:
    """2x3 affine from portrait pixels to frame pixels for `subject`."""
    width, height = size
    scale = subject.head_h * height / ASSET_HEAD_HEIGHT
    tx = subject.cx * width - scale * ASSET_CROWN[0]
    ty = subject.crown_y * height - scale * ASSET_CROWN[1]
    place = np.array([[scale, 0.0, tx], [0.0, scale, ty], [0.0, 0.0, 1.0]])
    ex = scale * ASSET_EYE_MID[0] + tx
    ey = scale * ASSET_EYE_MID[1] + ty
    turn = np.vstack([cv2.getRotationMatrix2D((ex, ey), ASSET_ROLL_DEG - subject.roll_deg, 1.0), [0.0, 0.0, 1.0]])
    return (turn @ place)[:2]


def true_face_box(subject: Subject, size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Crown-to-chin box (x, y, w, h) of an upright subject, for tests and layout checks."""
    width, height = size
    head = subject.head_h * height
    return subject.cx * width - head * 0.35, subject.crown_y * height, head * 0.7, head


def render_scene(
    scene: Scene, size: tuple[int, int] = (640, 480), rng: np.random.Generator | None = None
) -> np.ndarray:
    """Compose one uint8 BGR frame of `size` (width, height)."""
    width, height = size
    rng = rng if rng is not None else np.random.default_rng(0)
    if scene.black:
        return rng.integers(0, 7, size=(height, width, 3), dtype=np.uint8)
    colour = BACKDROP_BGR[scene.backdrop] if isinstance(scene.backdrop, str) else scene.backdrop
    frame = backdrop_image(colour, size).copy()
    portrait, alpha = load_portrait()
    for subject in scene.subjects:
        matrix = subject_transform(subject, size)
        fg = cv2.warpAffine(portrait, matrix, size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
        a = cv2.warpAffine(alpha, matrix, size, flags=cv2.INTER_LINEAR, borderValue=0)
        frame = frame * (1.0 - a)[:, :, None] + fg
    if scene.shift != (0.0, 0.0):
        move = np.array([[1.0, 0.0, scene.shift[0]], [0.0, 1.0, scene.shift[1]]])
        frame = cv2.warpAffine(frame, move, size, borderMode=cv2.BORDER_REPLICATE)
    if scene.gain != 1.0:
        frame *= scene.gain
    if scene.blur_sigma > 0:
        sigma = scene.blur_sigma * width / 640.0
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    if scene.noise > 0:
        frame += scene.noise * rng.standard_normal((height, width, 1), dtype=np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8)


def sway(t: float, period: float) -> tuple[float, float, float, float]:
    """Small periodic motion and lighting drift: (dx, dy, roll_deg, gain) at time `t`.

    Periodic over `period` so a looped sequence has no jump at the seam.
    """
    w = 2.0 * math.pi * t / period
    return 0.008 * math.sin(w), 0.006 * math.sin(2 * w + 1.0), 1.0 * math.sin(w + 2.0), 1.0 + 0.04 * math.sin(w + 0.5)

"""Iris image quality along the ISO/IEC 29794-6 components, computed by the station.

`assess_iris(image)` takes the camera's near-infrared grey image (uint8, one channel),
finds the pupil and the limbus, and returns every measure with its value, the limit
shown to the operator and whether it passed. The device's own score (MOSIP's default
threshold 60) is checked elsewhere; these are the station's measures.

Segmentation (pupil, then limbus) is in devices.iris.segment.

Measures (ISO/IEC 29794-6:2015 formulas where it gives one; limits are its
recommended values unless marked):
* usable_iris_area: iris annulus pixels neither too dark (lashes) nor too bright
  (lids, highlights) against the iris's own grey level and spread beside the pupil
  (the bright limit never past half-way to the grey around the iris), as % of the
  annulus (pixels outside the image count as not usable); >= 70;
* iris_sclera_contrast: 100 (S - I) / (S + I - 2P) on medians; > 5 (shown "> 5");
* iris_pupil_contrast: Weber ratio w = (I - P) / (20 + P), 100 w / (0.75 + w); >= 30;
* pupil_iris_ratio: 100 pupil radius / iris radius; 20-70;
* iris_pupil_concentricity: 100 (1 - centre distance / iris radius); >= 90;
* margin_adequacy: min over the four sides of margin / (0.6 R) left-right and
  margin / (0.2 R) top-bottom, x 100 capped at 100; >= 80;
* sharpness: ISO's 9x9 defocus kernel sampled every 4th pixel, power p (sum of the
  squared responses over the pixel count), 100 p^2 / (p^2 + c^2) with c = 180000; over
  the iris's bounding box rather than ISO's whole frame, so that lashes and lid edges
  (sharp or not) do not stand in for the iris; the limit
  `SHARPNESS_MIN` is the station's, as the standard gives none (calibrated on the
  synthetic eyes at 640x480: in focus ~50-75, defocus sigma 1 px ~28, 1.5 px ~12, 2 px
  ~5; the value also grows with the iris's contrast, so a dull iris needs good focus);
* gaze: the off-axis angle from the foreshortening of the pupil (and so of the limbus,
  fitted with the same aspect), acos(minor / major axis), in degrees; <= `GAZE_MAX_DEG`,
  the station's limit (the standard gives none). A straight eye reads up to ~3 degrees
  at 640x480, ~6 on a half-size preview (acos is steep near 1); when the pupil is
  partly hidden (less than `_GAZE_MIN_OUTLINE` of its outline on the fitted ellipse: a
  lid, lashes) its shape says nothing about gaze, so gaze is not measured (None, fails)
  and usable area tells the operator why.

Traps: input larger than 640x480 is analysed on a copy downscaled to fit; sharpness is
scale dependent (a half-size preview of both eyes reads sharper than the 640x480
capture of one, ~75 against ~52 on the simulator), so the verdict that counts is the
one on the captured image; images
smaller than `MIN_SIDE` or larger than `MAX_SIDE` on a side fail without analysis; a
wrong dtype or number of dimensions is a programming error (ValueError). Nothing here
raises for odd content: a blank, saturated or noise image returns a failing result.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

from common.text import Text
from devices.iris.segment import Ellipse, find_limbus, find_pupil

log = logging.getLogger(__name__)

MEASURE_NAMES = (
    "usable_iris_area",
    "iris_sclera_contrast",
    "iris_pupil_contrast",
    "pupil_iris_ratio",
    "iris_pupil_concentricity",
    "margin_adequacy",
    "sharpness",
    "gaze",
)
LABELS = {
    "usable_iris_area": Text("Area iris yang terlihat", "Usable iris area"),
    "iris_sclera_contrast": Text("Kontras iris-sklera", "Iris-sclera contrast"),
    "iris_pupil_contrast": Text("Kontras iris-pupil", "Iris-pupil contrast"),
    "pupil_iris_ratio": Text("Rasio pupil-iris", "Pupil-to-iris ratio"),
    "iris_pupil_concentricity": Text("Kekonsentrisan iris-pupil", "Iris-pupil concentricity"),
    "margin_adequacy": Text("Kecukupan margin", "Margin adequacy"),
    "sharpness": Text("Ketajaman", "Sharpness"),
    "gaze": Text("Arah pandangan", "Gaze"),
}
USABLE_AREA_MIN = 70.0
IRIS_SCLERA_MIN = 5.0
IRIS_PUPIL_MIN = 30.0
RATIO_MIN, RATIO_MAX = 20.0, 70.0
CONCENTRICITY_MIN = 90.0
MARGIN_MIN = 80.0
SHARPNESS_MIN = 20.0  # station's limit, see the module docstring
GAZE_MAX_DEG = 15.0  # station's limit, see the module docstring
LIMITS = {
    "usable_iris_area": f"≥ {USABLE_AREA_MIN:.0f}",
    "iris_sclera_contrast": f"> {IRIS_SCLERA_MIN:.0f}",
    "iris_pupil_contrast": f"≥ {IRIS_PUPIL_MIN:.0f}",
    "pupil_iris_ratio": f"{RATIO_MIN:.0f}–{RATIO_MAX:.0f}",
    "iris_pupil_concentricity": f"≥ {CONCENTRICITY_MIN:.0f}",
    "margin_adequacy": f"≥ {MARGIN_MIN:.0f}",
    "sharpness": f"≥ {SHARPNESS_MIN:.0f}",
    "gaze": f"≤ {GAZE_MAX_DEG:.0f}°",
}
MIN_SIDE = 96  # smaller cannot hold an iris worth assessing
MAX_SIDE = 4096  # larger is not an iris camera's frame: refused without work
WORK_SIZE = (640, 480)  # analysis frame (w, h): larger input is downscaled to fit
SHARPNESS_C = 180000.0
_ISO_KERNEL = np.array(
    [
        [0, 1, 1, 2, 2, 2, 1, 1, 0],
        [1, 2, 4, 5, 5, 5, 4, 2, 1],
        [1, 4, 5, 3, 0, 3, 5, 4, 1],
        [2, 5, 3, -12, -24, -12, 3, 5, 2],
        [2, 5, 0, -24, -40, -24, 0, 5, 2],
        [2, 5, 3, -12, -24, -12, 3, 5, 2],
        [1, 4, 5, 3, 0, 3, 5, 4, 1],
        [1, 2, 4, 5, 5, 5, 4, 2, 1],
        [0, 1, 1, 2, 2, 2, 1, 1, 0],
    ],
    np.float32,
)
_GAZE_MIN_OUTLINE = 0.85  # pupil outline share on its ellipse for its aspect to count (whole ~1.0, lid ~0.75)


@dataclass(frozen=True)
class IrisSegmentation:
    pupil: tuple[float, float, float]  # centre x, centre y, radius (pixels of the input image)
    iris: tuple[float, float, float]


@dataclass(frozen=True)
class IrisMeasure:
    name: str  # one of MEASURE_NAMES
    label: Text
    value: float | None  # None when it could not be measured
    limit: str  # shown to the operator
    passed: bool


@dataclass(frozen=True)
class IrisQuality:
    """The station's verdict on one frame. Without a segmentation every measure fails;
    sharpness still carries a value then (of the whole frame), to help focusing."""

    segmentation: IrisSegmentation | None  # None: no iris found (all measures fail)
    measures: tuple[IrisMeasure, ...]  # in MEASURE_NAMES order

    @property
    def passed(self) -> bool:
        return self.segmentation is not None and all(m.passed for m in self.measures)

    def measure(self, name: str) -> IrisMeasure:
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(name)

    @property
    def failed(self) -> list[IrisMeasure]:
        return [m for m in self.measures if not m.passed]

    def values(self) -> dict[str, float | None]:
        return {m.name: m.value for m in self.measures}


def _passes(name: str, value: float) -> bool:
    if name == "pupil_iris_ratio":
        return RATIO_MIN <= value <= RATIO_MAX
    if name == "gaze":
        return value <= GAZE_MAX_DEG
    if name == "iris_sclera_contrast":
        return value > IRIS_SCLERA_MIN
    floor = {
        "usable_iris_area": USABLE_AREA_MIN,
        "iris_pupil_contrast": IRIS_PUPIL_MIN,
        "iris_pupil_concentricity": CONCENTRICITY_MIN,
        "margin_adequacy": MARGIN_MIN,
        "sharpness": SHARPNESS_MIN,
    }[name]
    return value >= floor


def _measure(name: str, value: float | None, *, found: bool = True) -> IrisMeasure:
    ok = found and value is not None and math.isfinite(value) and _passes(name, value)
    shown = None if value is None or not math.isfinite(value) else round(float(value), 2)
    return IrisMeasure(name, LABELS[name], shown, LIMITS[name], ok)


def _failing(sharpness: float | None = None) -> IrisQuality:
    values = {"sharpness": sharpness}
    return IrisQuality(None, tuple(_measure(n, values.get(n), found=False) for n in MEASURE_NAMES))


def assess_iris(image: np.ndarray) -> IrisQuality:
    """All measures for one eye image (uint8, 2-D); never raises for odd content."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 2:
        got = f"{image.dtype} {image.ndim}-D" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"an iris image is a 2-D uint8 array, not {got}")
    h, w = image.shape
    if min(h, w) < MIN_SIDE or max(h, w) > MAX_SIDE:
        return _failing()
    scale = min(1.0, WORK_SIZE[0] / w, WORK_SIZE[1] / h)
    work = np.ascontiguousarray(image)
    if scale < 1.0:
        size = (max(int(round(w * scale)), 1), max(int(round(h * scale)), 1))
        work = cv2.resize(work, size, interpolation=cv2.INTER_AREA)
    try:
        return _assess(work, 1.0 / scale)
    except Exception:  # a preview must not die on one odd frame: log it, and that frame fails
        log.exception("iris quality: analysis failed on a %dx%d frame", w, h)
        return _failing()


def _assess(work: np.ndarray, back: float) -> IrisQuality:
    pupil = find_pupil(work)
    if pupil is None:
        return _failing(_sharpness(work, None))
    iris = find_limbus(work, pupil)
    if iris is None or iris.b < 1.2 * pupil.radius:
        return _failing(_sharpness(work, None))
    h, w = work.shape
    levels = _levels(work, pupil, iris)
    radius = iris.b
    dist = math.hypot(pupil.x - iris.x, pupil.y - iris.y)
    margins = (
        (iris.x - radius) / (0.6 * radius),
        (w - iris.x - radius) / (0.6 * radius),
        (iris.y - radius) / (0.2 * radius),
        (h - iris.y - radius) / (0.2 * radius),
    )
    # a pupil partly hidden (lid, lashes) has no trustworthy aspect: gaze is not measured
    trusted = pupil.outline_share >= _GAZE_MIN_OUTLINE
    gaze = math.degrees(math.acos(min(1.0, (iris.aspect + pupil.aspect) / 2.0))) if trusted else None
    values: dict[str, float | None] = {
        "usable_iris_area": levels.usable,
        "iris_sclera_contrast": levels.iris_sclera,
        "iris_pupil_contrast": levels.iris_pupil,
        "pupil_iris_ratio": 100.0 * pupil.radius / radius,
        "iris_pupil_concentricity": max(0.0, 100.0 * (1.0 - dist / radius)),
        "margin_adequacy": float(np.clip(100.0 * min(margins), 0.0, 100.0)),
        "sharpness": _sharpness(work, iris),
        "gaze": gaze,
    }
    segmentation = IrisSegmentation(
        (float(pupil.x * back), float(pupil.y * back), float(pupil.radius * back)),
        (float(iris.x * back), float(iris.y * back), float(radius * back)),
    )
    return IrisQuality(segmentation, tuple(_measure(n, values[n]) for n in MEASURE_NAMES))


# --- grey levels, usable area, sharpness ------------------------------------------


@dataclass(frozen=True)
class _Levels:
    usable: float | None
    iris_sclera: float | None
    iris_pupil: float | None


def _ellipse_mask(shape: tuple[int, int], e: Ellipse, x0: int, y0: int, k: float = 1.0) -> np.ndarray:
    """Filled ellipse `e` scaled by `k` as a boolean mask of `shape` (origin x0, y0),
    drawn with 4 fractional bits so sub-pixel centres and radii count."""
    mask = np.zeros(shape, np.uint8)
    centre = (int(round((e.x - x0) * 16)), int(round((e.y - y0) * 16)))
    axes = (max(int(round(e.a * k * 16)), 16), max(int(round(e.b * k * 16)), 16))
    cv2.ellipse(mask, centre, axes, e.angle, 0, 360, 255, -1, cv2.LINE_8, 4)
    return mask > 0


def _levels(work: np.ndarray, pupil: Ellipse, iris: Ellipse) -> _Levels:
    h, w = work.shape
    pad = 1.3
    x0, y0 = max(int(iris.x - pad * iris.a), 0), max(int(iris.y - pad * iris.b), 0)
    x1, y1 = min(int(iris.x + pad * iris.a) + 1, w), min(int(iris.y + pad * iris.b) + 1, h)
    roi = cv2.blur(work[y0:y1, x0:x1], (3, 3))
    shape = roi.shape
    iris_mask = _ellipse_mask(shape, iris, x0, y0)
    pupil_mask = _ellipse_mask(shape, pupil, x0, y0)
    annulus = iris_mask & ~pupil_mask
    yy = np.arange(y0, y1)[:, None]
    band = annulus & (np.abs(yy - pupil.y) < 0.6 * pupil.radius) & ~_ellipse_mask(shape, pupil, x0, y0, 1.15)
    core = roi[_ellipse_mask(shape, pupil, x0, y0, 0.8)]
    if band.sum() < 20 or core.size < 10:
        return _Levels(None, None, None)
    trusted = roi[band].astype(np.float32)
    m = float(np.median(trusted))
    spread = 1.4826 * float(np.median(np.abs(trusted - m)))
    p = float(np.median(core[core < m]) if (core < m).any() else np.median(core))
    outer = _ellipse_mask(shape, iris, x0, y0, 1.25) & ~_ellipse_mask(shape, iris, x0, y0, 1.1)
    around = float(np.median(roi[outer])) if outer.any() else 255.0
    # occluders: lashes darker than the iris, lids and highlights brighter; the bright
    # limit never goes past half-way to what surrounds the iris (sclera and lids)
    lo = m - max(3.5 * spread, 0.4 * (m - p))
    hi = max(m + 15.0, min(m + max(3.5 * spread, 25.0), (m + around) / 2.0))
    usable_mask = annulus & (roi >= lo) & (roi <= hi)
    annulus_area = math.pi * (iris.a * iris.b - pupil.a * pupil.b)
    usable = 100.0 * min(float(usable_mask.sum()) / max(annulus_area, 1.0), 1.0)
    i_level = float(np.median(roi[usable_mask])) if usable_mask.any() else m
    # sclera: the brighter of the two lateral sides (one may be the eye's corner)
    lateral = outer & (np.abs(yy - iris.y) < 0.5 * iris.b)
    xx = np.arange(x0, x1)[None, :]
    sides = [lateral & (xx < iris.x), lateral & (xx > iris.x)]
    levels = [float(np.median(roi[side])) for side in sides if side.sum() >= 20]
    if not levels:
        iris_sclera = None
    else:
        s = max(levels)
        denom = s + i_level - 2.0 * p
        iris_sclera = max(0.0, 100.0 * (s - i_level) / denom) if denom > 0 else 0.0
    weber = max(i_level - p, 0.0) / (20.0 + p)
    iris_pupil = 100.0 * weber / (0.75 + weber)
    return _Levels(usable, iris_sclera, iris_pupil)


def _sharpness(work: np.ndarray, iris: Ellipse | None) -> float:
    """ISO/IEC 29794-6 defocus measure over the iris's bounding box (or the frame)."""
    h, w = work.shape
    if iris is not None:
        x0, y0 = max(int(iris.x - iris.a), 0), max(int(iris.y - iris.b), 0)
        x1, y1 = min(int(iris.x + iris.a) + 1, w), min(int(iris.y + iris.b) + 1, h)
        region = work[y0:y1, x0:x1]
    else:
        region = work
    if min(region.shape) < 16:
        return 0.0
    response = cv2.filter2D(region.astype(np.float32), cv2.CV_32F, _ISO_KERNEL, borderType=cv2.BORDER_REFLECT)
    sampled = response[4:-4:4, 4:-4:4].astype(np.float64)
    power = float((sampled * sampled).sum()) / float(region.size)
    return 100.0 * power * power / (power * power + SHARPNESS_C * SHARPNESS_C)

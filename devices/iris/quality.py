"""Iris image quality along the ISO/IEC 29794-6 components, computed by the station.

`assess_iris(image)` takes the camera's near-infrared grey image (uint8, one channel),
finds the pupil and the limbus, and returns every measure with its value, the limit
shown to the operator and whether it passed. The device's own score (MOSIP's default
threshold 60) is checked elsewhere; these are the station's measures.

Segmentation, in the order it runs:
1. pupil: the darkest round blob on a half-size copy (threshold a third of the way from
   the darkest level to the median, an opening to cut the lashes away, the roundest
   large component), then refined at full size with a threshold half-way between the
   pupil's and the near iris's medians (unbiased under blur) and an ellipse fitted to
   the blob's outline with the points farthest off dropped (lids cutting it, lashes
   touching it, a highlight on its edge): centre, vertical radius, aspect;
2. limbus: radial profiles from the pupil centre in the two lateral sectors (+-40
   degrees around horizontal, where the lids rarely reach); on each side the radius
   where the rays agree on a dark-to-bright step, then each ray's strongest step near
   it; a circle is fitted in coordinates unsquashed by the pupil's aspect (a turned
   eye foreshortens both alike) with outliers dropped, from both sides or from one
   side alone when the other is hidden (the eye's corner), whichever most points agree
   with. The iris radius reported is the vertical one, the true radius of a turned eye.

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
* sharpness: ISO's 9x9 defocus kernel sampled every 4th pixel over the iris's
  bounding box, power p, 100 p^2 / (p^2 + c^2) with c = 180000; the limit
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

Traps: input larger than 640x480 is analysed on a copy downscaled to fit (sharpness is
scale dependent, so the station always assesses the camera's 640x480 frame); images
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
_LATERAL_DEG = 40.0
_MIN_PUPIL_R = 8.0  # pixels at the analysis size
_MIN_EDGE_STEP = 6.0  # grey levels across 4 px for a limbus edge
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


@dataclass(frozen=True)
class _Ellipse:
    x: float
    y: float
    a: float  # horizontal semi-axis
    b: float  # vertical semi-axis (the true radius of a turned eye)
    angle: float = 0.0  # degrees, for cv2.ellipse
    outline_share: float = 1.0  # share of the blob's outline on the fitted ellipse

    @property
    def radius(self) -> float:
        return max(self.a, self.b)

    @property
    def aspect(self) -> float:
        return min(self.a, self.b) / max(self.a, self.b, 1e-6)


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
    pupil = _find_pupil(work)
    if pupil is None:
        return _failing(_sharpness(work, None))
    iris = _find_limbus(work, pupil)
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


# --- pupil ---------------------------------------------------------------------------


def _blob_ellipse(mask: np.ndarray, x0: int, y0: int) -> _Ellipse | None:
    """The pupil's ellipse from the outline of the largest blob in a 0/255 mask (offset
    by x0, y0): fitted to the outline with the points farthest off dropped, so a lid
    cutting the pupil (a chord inside), lashes touching it (spikes outside) or a
    highlight on its edge (a notch) do not pull the fit; holes inside do not count."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    if cv2.contourArea(outline) < math.pi * _MIN_PUPIL_R**2 or len(outline) < 12:
        return None
    pts = outline.reshape(-1, 2).astype(np.float32)
    use = _circle_consensus(pts)
    box = None
    share = 0.0
    for _ in range(4):
        if use.sum() < 12:
            break
        box = cv2.fitEllipse(pts[use])
        (cx, cy), (w, h), ang = box
        if not (w > 2 and h > 2):
            return None
        t = math.radians(ang)
        dx, dy = pts[:, 0] - cx, pts[:, 1] - cy
        u = (dx * math.cos(t) + dy * math.sin(t)) / (w / 2)
        v = (-dx * math.sin(t) + dy * math.cos(t)) / (h / 2)
        resid = np.abs(np.sqrt(u * u + v * v) - 1.0) * (w + h) / 4
        new_use = resid <= max(1.5, 2.5 * float(np.median(resid[use])))
        share = float(new_use.mean())
        if np.array_equal(new_use, use):
            break
        use = new_use
    if box is None:
        return None
    (cx, cy), (w, h), ang = box
    # outline points are the centres of the blob's edge pixels: half a pixel inside its edge
    first, second = w / 2 + 0.5, h / 2 + 0.5
    t = math.radians(ang)
    if abs(math.cos(t)) >= abs(math.sin(t)):
        return _Ellipse(x0 + cx, y0 + cy, first, second, ang, share)
    return _Ellipse(x0 + cx, y0 + cy, second, first, ang - 90.0, share)


def _circle_consensus(pts: np.ndarray, tries: int = 96) -> np.ndarray:
    """The outline points on the circle most of them agree with (RANSAC over circles
    through three points a third of the outline apart, fixed seed): where a dense band
    of lashes merges with the pupil, the pupil's own edge still holds the most points.
    The tolerance admits the ellipse of an eye turned ~30 degrees."""
    n = len(pts)
    rng = np.random.default_rng(0x1215)
    i = rng.integers(0, n, tries)
    j = (i + n // 3 + rng.integers(-n // 8, n // 8 + 1, tries)) % n
    k = (i + 2 * n // 3 + rng.integers(-n // 8, n // 8 + 1, tries)) % n
    a, b, c = pts[i].astype(np.float64), pts[j].astype(np.float64), pts[k].astype(np.float64)
    d = 2.0 * (a[:, 0] * (b[:, 1] - c[:, 1]) + b[:, 0] * (c[:, 1] - a[:, 1]) + c[:, 0] * (a[:, 1] - b[:, 1]))
    ok = np.abs(d) > 1e-6
    if not ok.any():
        return np.ones(n, bool)
    a, b, c, d = a[ok], b[ok], c[ok], d[ok]
    sa, sb, sc = (a * a).sum(1), (b * b).sum(1), (c * c).sum(1)
    ux = (sa * (b[:, 1] - c[:, 1]) + sb * (c[:, 1] - a[:, 1]) + sc * (a[:, 1] - b[:, 1])) / d
    uy = (sa * (c[:, 0] - b[:, 0]) + sb * (a[:, 0] - c[:, 0]) + sc * (b[:, 0] - a[:, 0])) / d
    r = np.hypot(a[:, 0] - ux, a[:, 1] - uy)
    resid = np.abs(np.hypot(pts[None, :, 0] - ux[:, None], pts[None, :, 1] - uy[:, None]) - r[:, None])
    inliers = resid <= np.maximum(1.5, 0.07 * r)[:, None]
    best = int(np.argmax(inliers.sum(axis=1)))
    chosen: np.ndarray = inliers[best]
    return chosen if chosen.sum() >= 12 else np.ones(n, bool)


def _find_pupil(work: np.ndarray) -> _Ellipse | None:
    small = cv2.resize(work, (work.shape[1] // 2, work.shape[0] // 2), interpolation=cv2.INTER_AREA)
    smooth = cv2.GaussianBlur(small, (5, 5), 0)
    hist = np.cumsum(cv2.calcHist([smooth], [0], None, [256], [0, 256]).ravel())
    total = hist[-1]
    darkest = float(np.searchsorted(hist, 0.01 * total))
    median = float(np.searchsorted(hist, 0.5 * total))
    if median - darkest < 25:
        return None  # no dark blob against the rest: blank, saturated or flat noise
    threshold = darkest + 0.35 * (median - darkest)
    dark = np.where(smooth < threshold, 255, 0).astype(np.uint8)
    mask = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    sh, sw = smooth.shape
    best, best_score = -1, 0.0
    min_r = _MIN_PUPIL_R / 2
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area < math.pi * min_r**2 or bw > 0.5 * sw or bh > 0.6 * sh:
            continue
        if x == 0 or y == 0 or x + bw >= sw or y + bh >= sh:
            continue  # a pupil cut by the frame edge is not measured
        aspect = min(bw, bh) / max(bw, bh)
        fill = area / (math.pi * bw * bh / 4.0)
        if aspect < 0.5 or fill < 0.6:
            continue
        score = area * aspect * min(fill, 1.0) ** 2
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        return None
    x, y, bw, bh, _ = (int(v) for v in stats[best])
    return _refine_pupil(work, (2 * x + bw) / 1.0, (2 * y + bh) / 1.0, max(bw, bh) * 1.0)


def _refine_pupil(work: np.ndarray, cx: float, cy: float, r: float) -> _Ellipse | None:
    """Re-threshold around the coarse pupil at full size, half-way between the pupil's
    and the near iris's medians, and measure the blob by its moments."""
    h, w = work.shape
    pad = int(r * 1.8) + 4
    x0, y0 = max(int(cx) - pad, 0), max(int(cy) - pad, 0)
    x1, y1 = min(int(cx) + pad + 1, w), min(int(cy) + pad + 1, h)
    roi = cv2.GaussianBlur(work[y0:y1, x0:x1], (3, 3), 0)
    yy, xx = np.ogrid[y0:y1, x0:x1]
    d2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / max(r * r, 1.0)
    inner = roi[d2 < 0.36]
    ring = roi[(d2 > 1.1025) & (d2 < 1.5625) & (np.abs(yy - cy) < 0.7 * r)]  # 1.05-1.25 r: iris even when dilated
    if inner.size < 10 or ring.size < 10:
        return None
    p_level, i_level = float(np.median(inner)), float(np.median(ring))
    if i_level - p_level < 12:
        return None
    dark = np.where(roi < (p_level + i_level) / 2.0, 255, 0).astype(np.uint8)
    size = int(np.clip(r / 5.0, 3, 9)) | 1  # wider than a lash, small against the pupil
    mask = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    # keep the component under the coarse centre (lashes may touch the ROI)
    n, labels = cv2.connectedComponents(mask)
    c = labels[min(max(int(cy) - y0, 0), labels.shape[0] - 1), min(max(int(cx) - x0, 0), labels.shape[1] - 1)]
    if c == 0:
        return None
    pupil = _blob_ellipse(np.where(labels == c, 255, 0).astype(np.uint8), x0, y0)
    if pupil is None or pupil.aspect < 0.5:
        return None
    return pupil


# --- limbus --------------------------------------------------------------------------


def _find_limbus(work: np.ndarray, pupil: _Ellipse) -> _Ellipse | None:
    h, w = work.shape
    rp = pupil.radius
    r_min = 1.2 * rp
    r_max = min(rp / 0.15, 0.75 * max(h, w))
    if r_max - r_min < 8:
        return None
    smooth = cv2.GaussianBlur(work, (0, 0), 1.5).astype(np.float32)
    right = np.radians(np.arange(-_LATERAL_DEG, _LATERAL_DEG + 0.1, 2.0))
    theta = np.concatenate([right, right + math.pi]).astype(np.float32)
    radii = np.arange(r_min, r_max, 1.0, dtype=np.float32)
    map_x = (pupil.x + np.cos(theta)[:, None] * radii[None, :]).astype(np.float32)
    map_y = (pupil.y + np.sin(theta)[:, None] * radii[None, :]).astype(np.float32)
    profiles = cv2.remap(smooth, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
    outside = profiles < 0
    step = np.zeros_like(profiles)
    step[:, 2:-2] = profiles[:, 4:] - profiles[:, :-4]
    step[outside] = 0.0
    step[:, 2:-2][outside[:, 4:] | outside[:, :-4]] = 0.0
    # On each side the limbus is the radius where the rays agree on a dark-to-bright step
    # (lashes and lid edges, often stronger on one ray, lie at scattered radii); each ray
    # then takes its strongest step within +-20 % of its side's radius (sides apart: an
    # iris off the pupil's centre is nearer on one side).
    half = len(theta) // 2
    for side in (slice(0, half), slice(half, len(theta))):
        agreed = float(radii[int(np.argmax(np.clip(step[side], 0.0, None).sum(axis=0)))])
        outside_window = (radii < 0.8 * agreed) | (radii > 1.2 * agreed)
        step[side, outside_window] = 0.0
    best = np.argmax(step, axis=1)
    keep = step[np.arange(len(theta)), best] >= _MIN_EDGE_STEP
    if keep.sum() < 12:
        return None
    # sub-pixel peak by a parabola through the neighbours
    idx = np.clip(best, 1, len(radii) - 2)
    rows = np.arange(len(theta))
    left_v, mid_v, right_v = step[rows, idx - 1], step[rows, idx], step[rows, idx + 1]
    denom = left_v - 2 * mid_v + right_v
    offset = np.where(np.abs(denom) > 1e-6, 0.5 * (left_v - right_v) / np.where(denom == 0, 1, denom), 0.0)
    r_edge = radii[idx] + np.clip(offset, -1.0, 1.0)
    xs = (pupil.x + np.cos(theta) * r_edge)[keep].astype(np.float64)
    ys = (pupil.y + np.sin(theta) * r_edge)[keep].astype(np.float64)
    # Both sides together, or one side alone when the other is hidden (the eye's corner,
    # a lid): whichever circle most of all the points agree with.
    right = np.cos(theta)[keep] > 0
    candidates = [np.ones_like(right), right, ~right]
    chosen_fit: tuple[int, _Ellipse] | None = None
    for chosen in candidates:
        if chosen.sum() < (8 if chosen.all() else 0.7 * half):
            continue
        fit = _fit_limbus(xs[chosen], ys[chosen], pupil)
        if fit is None:
            continue
        agreeing = _agreeing(fit, xs, ys, pupil)
        if chosen_fit is None or agreeing > chosen_fit[0]:
            chosen_fit = (agreeing, fit)
    return None if chosen_fit is None else chosen_fit[1]


def _squash(pupil: _Ellipse) -> float:
    return pupil.aspect if pupil.a < pupil.b else 1.0


def _agreeing(fit: _Ellipse, xs: np.ndarray, ys: np.ndarray, pupil: _Ellipse) -> int:
    """How many edge points lie within 2 px of the fitted limbus."""
    squash = _squash(pupil)
    resid = np.abs(np.hypot((xs - fit.x) / squash, ys - fit.y) - fit.b)
    return int((resid <= 2.0).sum())


def _fit_limbus(xs: np.ndarray, ys: np.ndarray, pupil: _Ellipse) -> _Ellipse | None:
    """Axis-aligned ellipse through the lateral edge points, in coordinates unsquashed
    by the pupil's aspect (so the two lateral arcs pin the vertical radius), with the
    points farthest off dropped for three rounds."""
    squash = _squash(pupil)
    use = np.ones(xs.shape, bool)
    fit: tuple[float, float, float] | None = None
    for _ in range(4):
        if use.sum() < 10:
            return None
        u = (xs[use] - pupil.x) / squash
        v = ys[use] - pupil.y
        a_mat = np.column_stack([u, v, np.ones_like(u)])
        sol, *_ = np.linalg.lstsq(a_mat, u * u + v * v, rcond=None)
        cu, cv = sol[0] / 2.0, sol[1] / 2.0
        r2 = sol[2] + cu * cu + cv * cv
        if not r2 > 0:
            return None
        fit = (cu, cv, math.sqrt(r2))
        resid = np.abs(np.hypot((xs - pupil.x) / squash - cu, ys - pupil.y - cv) - fit[2])
        limit = max(2.0, 2.5 * float(np.median(resid[use])))
        new_use = resid <= limit
        if np.array_equal(new_use, use):
            break
        use = new_use
    if fit is None:
        return None
    cu, cv, r = fit
    return _Ellipse(pupil.x + cu * squash, pupil.y + cv, r * squash, r)


# --- grey levels, usable area, sharpness ------------------------------------------


@dataclass(frozen=True)
class _Levels:
    usable: float | None
    iris_sclera: float | None
    iris_pupil: float | None


def _ellipse_mask(shape: tuple[int, int], e: _Ellipse, x0: int, y0: int, k: float = 1.0) -> np.ndarray:
    """Filled ellipse `e` scaled by `k` as a boolean mask of `shape` (origin x0, y0),
    drawn with 4 fractional bits so sub-pixel centres and radii count."""
    mask = np.zeros(shape, np.uint8)
    centre = (int(round((e.x - x0) * 16)), int(round((e.y - y0) * 16)))
    axes = (max(int(round(e.a * k * 16)), 16), max(int(round(e.b * k * 16)), 16))
    cv2.ellipse(mask, centre, axes, e.angle, 0, 360, 255, -1, cv2.LINE_8, 4)
    return mask > 0


def _levels(work: np.ndarray, pupil: _Ellipse, iris: _Ellipse) -> _Levels:
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


def _sharpness(work: np.ndarray, iris: _Ellipse | None) -> float:
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

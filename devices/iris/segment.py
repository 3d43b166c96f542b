"""Where the pupil and the limbus are in a near-infrared eye image, for the quality
measures (devices.iris.quality) and the K3 crop.

In the order it runs:
1. pupil: the darkest round blob on a half-size copy (threshold a third of the way from
   the darkest level to the median, an opening to cut the lashes away, the roundest
   large component), then refined at full size with a threshold half-way between the
   pupil's and the near iris's medians (unbiased under blur) and an ellipse fitted to
   the blob's outline, starting from the circle most of the outline agrees with
   (RANSAC) and dropping the points farthest off (lids cutting it, lashes over it, a
   highlight on its edge): centre, vertical radius, aspect;
2. limbus: radial profiles from the pupil centre in the two lateral sectors (+-40
   degrees around horizontal, where the lids rarely reach); on each side the radius
   where the rays agree on a dark-to-bright step, then each ray's strongest step near
   it; a circle is fitted in coordinates unsquashed by the pupil's aspect (a turned
   eye foreshortens both alike) with outliers dropped, from both sides or from one
   side alone when the other is hidden (the eye's corner), whichever most points agree
   with. The iris radius reported is the vertical one, the true radius of a turned eye.

Traps: coordinates are those of the image given (the caller downscales first); the
radius of an ellipse is its larger semi-axis, the vertical one for a turned eye;
`Ellipse.outline_share` says how much of the pupil's outline its fit explains (a lid
or lashes over the pupil lower it, and its aspect is then not to be trusted).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

_LATERAL_DEG = 40.0
_MIN_PUPIL_R = 8.0  # pixels at the analysis size
_MIN_EDGE_STEP = 6.0  # grey levels across 4 px for a limbus edge


@dataclass(frozen=True)
class Ellipse:
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


# --- pupil ---------------------------------------------------------------------------


def _blob_ellipse(mask: np.ndarray, x0: int, y0: int) -> Ellipse | None:
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
        return Ellipse(x0 + cx, y0 + cy, first, second, ang, share)
    return Ellipse(x0 + cx, y0 + cy, second, first, ang - 90.0, share)


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


def find_pupil(work: np.ndarray) -> Ellipse | None:
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


def _refine_pupil(work: np.ndarray, cx: float, cy: float, r: float) -> Ellipse | None:
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


def find_limbus(work: np.ndarray, pupil: Ellipse) -> Ellipse | None:
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
    chosen_fit: tuple[int, Ellipse] | None = None
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


def _squash(pupil: Ellipse) -> float:
    return pupil.aspect if pupil.a < pupil.b else 1.0


def _agreeing(fit: Ellipse, xs: np.ndarray, ys: np.ndarray, pupil: Ellipse) -> int:
    """How many edge points lie within 2 px of the fitted limbus."""
    squash = _squash(pupil)
    resid = np.abs(np.hypot((xs - fit.x) / squash, ys - fit.y) - fit.b)
    return int((resid <= 2.0).sum())


def _fit_limbus(xs: np.ndarray, ys: np.ndarray, pupil: Ellipse) -> Ellipse | None:
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
    return Ellipse(pupil.x + cu * squash, pupil.y + cv, r * squash, r)

"""Synthetic near-infrared eye images whose geometry is known exactly.

For the SBI simulator's dual-iris camera and for testing the station's iris quality
checks (ISO/IEC 29794-6 components): every image comes with an `IrisTruth` holding the
true pupil and iris circles, grey levels, blur, gaze and the usable iris fraction
computed from the same masks that drew it, so a measure can be tested against the
truth within a stated tolerance.

What is drawn, at 640x480 (ISO 19794-6 K2 "VGA"), as under 700-900 nm light: skin
(bright, smooth), sclera (brighter), the iris disc with radial texture (crypts and
furrows from seeded angular noise, a collarette ring), the dark pupil (its centre
may be offset: concentricity), upper and lower eyelids as parabolas (the opening
may close the eye entirely), dark lashes along the upper lid, and a specular
highlight from the camera's illuminator. Then optical blur and sensor noise.

Nothing here is sampled from or resembles a real person's eye. Deterministic for the
same arguments; about 0.1 s per image (the simulator caches them).

Traps: with `gaze_deg` the iris and pupil are foreshortened horizontally (ellipses),
so `iris_radius` is the vertical (true) radius; `usable_iris_fraction` counts only
iris pixels not hidden by lids, lashes or the highlight.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 640, 480


@dataclass(frozen=True)
class IrisTruth:
    eye: str  # "Left" or "Right"
    pupil_center: tuple[float, float]  # x, y in pixels
    pupil_radius: float
    iris_center: tuple[float, float]
    iris_radius: float
    pupil_grey: float
    iris_grey: float
    sclera_grey: float
    blur_sigma: float
    gaze_deg: float
    opening: float  # 1 open, 0 closed
    usable_iris_fraction: float  # iris annulus not covered by lids, lashes or highlight
    noise_sigma: float
    image_size: tuple[int, int] = (WIDTH, HEIGHT)
    # mean grey actually drawn (before blur and noise) in each visible region: the nominal
    # levels above plus texture, collarette and limbus shading
    pupil_mean: float = 0.0
    iris_mean: float = 0.0
    sclera_mean: float = 0.0

    @property
    def pupil_to_iris_ratio(self) -> float:
        """Pupil diameter / iris diameter x 100 (ISO 29794-6 dilation measure)."""
        return 100.0 * self.pupil_radius / self.iris_radius

    @property
    def concentricity(self) -> float:
        """100 x (1 - centre offset / iris radius), ISO 29794-6 style."""
        dx = self.pupil_center[0] - self.iris_center[0]
        dy = self.pupil_center[1] - self.iris_center[1]
        return 100.0 * (1.0 - math.hypot(dx, dy) / self.iris_radius)

    @property
    def iris_pupil_contrast(self) -> float:
        return self.iris_grey - self.pupil_grey

    @property
    def iso_iris_pupil_contrast(self) -> float:
        """ISO/IEC 29794-6 iris-pupil contrast on the drawn means: Weber ratio
        w = (I - P) / (20 + P), then 100 w / (0.75 + w)."""
        w = max(self.iris_mean - self.pupil_mean, 0.0) / (20.0 + self.pupil_mean)
        return 100.0 * w / (0.75 + w)

    @property
    def iso_iris_sclera_contrast(self) -> float:
        """ISO/IEC 29794-6 iris-sclera contrast on the drawn means: 100 (S - I) / (S + I - 2P)."""
        denom = self.sclera_mean + self.iris_mean - 2.0 * self.pupil_mean
        return max(0.0, 100.0 * (self.sclera_mean - self.iris_mean) / denom) if denom > 0 else 0.0

    @property
    def margin_adequacy(self) -> float:
        """ISO/IEC 29794-6 margin adequacy: the smallest of the left/right margins over
        0.6 R and the top/bottom margins over 0.2 R, x 100, in [0, 100]."""
        w, h = self.image_size
        (x, y), r = self.iris_center, self.iris_radius
        worst = min((x - r) / (0.6 * r), (w - x - r) / (0.6 * r), (y - r) / (0.2 * r), (h - y - r) / (0.2 * r))
        return min(max(100.0 * worst, 0.0), 100.0)

    @property
    def iris_sclera_contrast(self) -> float:
        return self.sclera_grey - self.iris_grey


@dataclass(frozen=True)
class EyeImage:
    image: np.ndarray  # uint8 (480, 640)
    truth: IrisTruth


def synthetic_eye(
    seed: int,
    eye: str = "Left",
    *,
    iris_radius: float = 118.0,
    pupil_ratio: float = 0.42,
    pupil_offset: tuple[float, float] = (0.0, 0.0),
    iris_offset: tuple[float, float] = (0.0, 0.0),
    opening: float = 1.0,
    upper_opening: float | None = None,
    gaze_deg: float = 0.0,
    blur_sigma: float = 0.0,
    noise_sigma: float = 2.0,
    pupil_grey: float = 22.0,
    iris_grey: float = 105.0,
    sclera_grey: float = 190.0,
    skin_grey: float = 160.0,
    lashes: bool = True,
    highlight: bool = True,
) -> EyeImage:
    """One eye. `pupil_ratio` is pupil radius / iris radius (0.2-0.7 is ISO's band);
    `pupil_offset` moves the pupil off the iris centre (pixels); `opening` 0 closes the
    lids; `upper_opening` (default: `opening`) lowers the upper lid alone, as a drooping
    lid does; `gaze_deg` turns the eye sideways; `blur_sigma` is a Gaussian defocus; the
    contrasts follow `pupil_grey`, `iris_grey` and `sclera_grey`."""
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 1 if eye == "Left" else 2, 0x49524953])
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    cx, cy = WIDTH / 2 + iris_offset[0], HEIGHT / 2 + iris_offset[1]
    squash = max(math.cos(math.radians(gaze_deg)), 0.2)
    gaze_shift = iris_radius * math.sin(math.radians(gaze_deg)) * 0.6
    cx += gaze_shift
    pr = iris_radius * pupil_ratio
    px, py = cx + pupil_offset[0] * squash, cy + pupil_offset[1]

    # skin with a slow shading, then the eye opening (almond between two parabolas)
    shade = cv2.resize(rng.random((6, 8)).astype(np.float32), (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    img = skin_grey + 14.0 * (shade - 0.5) - 18.0 * ((yy - HEIGHT / 2) / HEIGHT) ** 2
    ex, ey = WIDTH / 2, HEIGHT / 2 + 6.0
    half_w = 265.0
    upper_h = 150.0 * max(opening if upper_opening is None else upper_opening, 0.0)
    lower_h = 95.0 * max(opening, 0.0)
    t = np.clip(1.0 - ((xx - ex) / half_w) ** 2, 0.0, 1.0)
    upper_lid = ey - upper_h * t - 4.0
    lower_lid = ey + lower_h * t
    opening_mask = (yy > upper_lid) & (yy < lower_lid) & (np.abs(xx - ex) < half_w)

    sclera = sclera_grey + 6.0 * (shade - 0.5) - 25.0 * ((xx - ex) / half_w) ** 4
    img = np.where(opening_mask, sclera, img)

    # iris: radial texture in polar coordinates
    dx, dy = (xx - cx) / squash, yy - cy
    r = np.sqrt(dx * dx + dy * dy)
    theta = np.arctan2(dy, dx)
    n_ang = 96
    ang_noise = rng.standard_normal(n_ang).astype(np.float32)
    ang_noise = np.convolve(np.concatenate([ang_noise[-3:], ang_noise, ang_noise[:3]]), np.ones(3) / 3, "same")[3:-3]
    idx = ((theta + np.pi) / (2 * np.pi) * n_ang).astype(np.int32) % n_ang
    rr = np.clip((r - pr) / max(iris_radius - pr, 1.0), 0.0, 1.0)
    crypts = cv2.resize(
        rng.standard_normal((24, 96)).astype(np.float32), (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC
    )
    fine: np.ndarray = cv2.GaussianBlur(rng.standard_normal((HEIGHT, WIDTH)).astype(np.float32), (0, 0), 1.2)
    texture = 9.0 * ang_noise[idx] * (0.6 + 0.4 * np.sin(rr * 9.0 + ang_noise[idx])) + 6.0 * crypts + 5.0 * fine
    collarette = 10.0 * np.exp(-(((rr - 0.32) / 0.05) ** 2))
    limbus = -18.0 * np.clip((rr - 0.85) / 0.15, 0.0, 1.0)
    iris_val = iris_grey + texture + collarette + limbus
    iris_mask = r <= iris_radius
    img = np.where(iris_mask & opening_mask, iris_val, img)

    pdx, pdy = (xx - px) / squash, yy - py
    pupil_mask = pdx * pdx + pdy * pdy <= pr * pr
    img = np.where(pupil_mask & opening_mask, pupil_grey + 3.0 * fine, img)

    lash_mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    if lashes and opening > 0.05:
        for _ in range(70):
            x0 = float(rng.uniform(ex - half_w * 0.85, ex + half_w * 0.85))
            t0 = max(1.0 - ((x0 - ex) / half_w) ** 2, 0.0)
            y0 = ey - upper_h * t0 - 4.0
            length = float(rng.uniform(18, 42))
            ang = math.radians(float(rng.uniform(-115, -65)) + (x0 - ex) / half_w * 25)
            x1, y1 = x0 + length * math.cos(ang) * 0.5, y0 + length * 0.55
            cv2.line(lash_mask, (int(x0), int(y0)), (int(x1), int(y1)), 255, 2, cv2.LINE_AA)
        img = np.where(lash_mask > 0, 35.0 + 10.0 * fine, img)
    elif opening <= 0.05:  # a closed eye: a dark lash line along the closed lids
        cv2.line(lash_mask, (int(ex - half_w), int(ey)), (int(ex + half_w), int(ey)), 255, 5, cv2.LINE_AA)
        img = np.where(lash_mask > 0, 40.0, img)

    glint_mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    if highlight and opening > 0.3:
        gx, gy = int(px + pr * 0.35), int(py - pr * 0.35)
        cv2.circle(glint_mask, (gx, gy), max(int(pr * 0.14), 3), 255, -1, cv2.LINE_AA)
        img = np.where(glint_mask > 0, 250.0, img)

    annulus = iris_mask & ~pupil_mask
    usable = annulus & opening_mask & (lash_mask == 0) & (glint_mask == 0)
    fraction = float(usable.sum()) / max(float(annulus.sum()), 1.0)
    visible_pupil = pupil_mask & opening_mask & (lash_mask == 0) & (glint_mask == 0)
    visible_sclera = opening_mask & ~iris_mask & (lash_mask == 0)

    def mean(mask: np.ndarray) -> float:
        return float(img[mask].mean()) if mask.any() else 0.0

    means = (mean(visible_pupil), mean(usable), mean(visible_sclera))

    if blur_sigma > 0:
        img = cv2.GaussianBlur(img.astype(np.float32), (0, 0), blur_sigma)
    img = img + rng.normal(0.0, noise_sigma, img.shape).astype(np.float32)
    out = np.clip(img, 0, 255).astype(np.uint8)
    truth = IrisTruth(
        eye=eye,
        pupil_center=(float(px), float(py)),
        pupil_radius=float(pr),
        iris_center=(float(cx), float(cy)),
        iris_radius=float(iris_radius),
        pupil_grey=pupil_grey,
        iris_grey=iris_grey,
        sclera_grey=sclera_grey,
        blur_sigma=blur_sigma,
        gaze_deg=gaze_deg,
        opening=opening,
        usable_iris_fraction=fraction,
        noise_sigma=noise_sigma,
        image_size=(WIDTH, HEIGHT),
        pupil_mean=means[0],
        iris_mean=means[1],
        sclera_mean=means[2],
    )
    return EyeImage(out, truth)


def closed_eye(seed: int, eye: str = "Left") -> EyeImage:
    return synthetic_eye(seed, eye, opening=0.0)

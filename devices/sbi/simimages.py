"""What the SBI simulator's sensors see: slaps, eyes and faces, for captures and previews.

* Fingers come from the fingerprint generator the EF01 simulator uses
  (devices.fingerprint.imagegen), one image per finger, seeded by the synthetic
  resident and the finger's position code. A slap preview lays the four fingers
  (or two thumbs) side by side on the platen, as a 4-4-2 scanner shows them.
* Eyes come from devices.sbi.irisgen (near-infrared, geometry known).
* Faces come from the camera simulator's scene renderer (its synthetic subject).

Previews carry what a certified device draws on its own stream: the quality score
and a marking of each segment. Everything is cached per seed: the previews reuse
one rendering and only add sensor noise per frame.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import cv2
import numpy as np

from common.biometrics import FingerPosition
from devices.fingerprint.imagegen import BACKGROUND, synthetic_fingerprint
from devices.sbi import irisgen

log = logging.getLogger(__name__)

PREVIEW_SIZE = (640, 640)  # the largest preview frame; images are fitted inside, aspect kept


@lru_cache(maxsize=64)
def _finger(seed: int, position: int, quality_key: int) -> np.ndarray:
    img = synthetic_fingerprint(seed, position, quality_key / 100.0)
    img.flags.writeable = False
    return img


def finger_image(seed: int, position: FingerPosition, quality: float) -> np.ndarray:
    return _finger(seed, int(position), int(round(quality * 100))).copy()


@lru_cache(maxsize=64)
def finger_capture(seed: int, position: int, quality_key: int) -> tuple[np.ndarray, bytes, float]:
    """A finger as the simulated device returns it: image, its JPEG 2000 (lossless) and
    the device's score (the station's proxy, scaled to a device-like spread; not NFIQ 2).
    Cached: encoding is most of a capture's cost."""
    from devices.fingerprint.quality import assess
    from devices.sbi.iso import encode_jp2_lossless

    image = _finger(seed, position, quality_key)
    score = round(min(assess(image).score * 0.9, 100.0), 1)
    return image, encode_jp2_lossless(image), score


@lru_cache(maxsize=8)
def eye_capture(seed: int, side: str, closed: bool, low_quality: bool) -> tuple[np.ndarray, bytes]:
    from devices.sbi.iso import encode_jp2_lossless

    image = eye(seed, side, closed, low_quality).image
    return image, encode_jp2_lossless(image)


@lru_cache(maxsize=16)
def _slap(seed: int, positions: tuple[int, ...], quality_key: int) -> np.ndarray:
    h, w = 288, 256
    canvas = np.full((h + 120, w * 4 + 60), BACKGROUND, np.float32)
    n = len(positions)
    x0 = (canvas.shape[1] - n * (w - 10)) // 2
    for i, pos in enumerate(positions):
        finger = _finger(seed, pos, quality_key).astype(np.float32)
        drop = int(60 * abs(i - (n - 1) / 2) / max(n / 2, 1))  # the outer fingers sit lower
        x = x0 + i * (w - 10)
        region = canvas[drop : drop + h, x : x + w]
        np.minimum(region, finger, out=region)
    out = canvas.astype(np.uint8)
    out.flags.writeable = False
    return out


def slap_image(seed: int, positions: Sequence[FingerPosition], quality: float) -> np.ndarray:
    """The platen as a slap scanner sees it: the given fingers side by side."""
    return _slap(seed, tuple(int(p) for p in positions), int(round(quality * 100)))


@lru_cache(maxsize=8)
def eye(seed: int, side: str, closed: bool, low_quality: bool) -> irisgen.EyeImage:
    if closed:
        return irisgen.closed_eye(seed, side)
    if low_quality:
        return irisgen.synthetic_eye(seed, side, blur_sigma=3.5, opening=0.45, noise_sigma=6.0)
    return irisgen.synthetic_eye(seed, side)


@lru_cache(maxsize=4)
def face_bgr(seed: int, birth_year: int = 1990, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A camera frame of the camera simulator's subject (the scene renderer) on the backdrop
    `birth_year` calls for (e-KTP rule: red odd, blue even)."""
    from devices.camera.scene import Scene, backdrop_for_birth_year, render_scene

    frame = render_scene(Scene(backdrop=backdrop_for_birth_year(birth_year)), size, np.random.default_rng(seed))
    frame.flags.writeable = False
    return frame


def face_jpeg(seed: int, birth_year: int = 1990) -> bytes:
    """The registration image: the same scene at 1280x960."""
    frame = np.ascontiguousarray(face_bgr(seed, birth_year, (1280, 960)))
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return buf.tobytes() if ok else b""


def preview_jpeg(
    grey_or_bgr: np.ndarray, label: str, frame_no: int, rng: np.random.Generator, *, overlay: bool = True
) -> bytes:
    """One MJPEG frame: the image fitted into the preview size (aspect kept), sensor noise,
    and, with `overlay`, the device's own marks (score, frame counter, SIMULATED). A face
    preview goes without them: the station runs its face checks on it, and text on the
    backdrop is not a plain background."""
    img = grey_or_bgr if grey_or_bgr.ndim == 3 else cv2.cvtColor(grey_or_bgr, cv2.COLOR_GRAY2BGR)
    h, w = img.shape[:2]
    scale = min(PREVIEW_SIZE[0] / w, PREVIEW_SIZE[1] / h, 1.0)
    if scale < 1.0:
        img = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    noisy = np.clip(img.astype(np.int16) + rng.integers(-3, 4, img.shape, dtype=np.int16), 0, 255).astype(np.uint8)
    if overlay:
        bottom = noisy.shape[0] - 12
        cv2.putText(noisy, label, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 200, 0), 2, cv2.LINE_AA)
        cv2.putText(
            noisy, f"SIMULATED #{frame_no}", (10, bottom), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 1, cv2.LINE_AA
        )
    ok, buf = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return buf.tobytes() if ok else b""

"""Crop a frame to the 3:4 photo layout around the face and JPEG-encode it in memory.

Layout (ICAO 9303 proxy): the head, crown to chin, fills HEAD_FRACTION (75 %) of the
photo height with TOP_MARGIN (10 %) above the crown, so the chin sits at 85 % and the
eye line lands about 55 % up from the bottom (ICAO: 50-70 %). The trap is the Haar face
box: it runs from the eyebrows to the mouth and leaves out the hair, so crown-to-chin
is HEAD_PER_BOX box heights with the crown CROWN_ABOVE_BOX box heights above the box top.
Both were calibrated on 51 renders of the simulator subject at 0.34-0.75 of the frame
height (head/box 1.72 +- 0.06, crown 0.48 +- 0.04), which keeps the head within 72-78 %
of the photo; other faces and other hair will differ by a few per cent.

The photo is never written to disk: it is personal data and goes straight to the
encrypted store as bytes.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

PHOTO_SIZE = (480, 640)  # width, height: 3:4
HEAD_FRACTION = 0.75
TOP_MARGIN = 0.10
HEAD_PER_BOX = 1.72
CROWN_ABOVE_BOX = 0.48
JPEG_TARGET = (30_000, 45_000)  # bytes
JPEG_QUALITIES = (88, 92, 84, 95, 80, 75)  # tried in this order until the size is in range


def photo_crop_rect(
    face_box: tuple[int, int, int, int] | None, frame_size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the 3:4 crop in frame pixels, kept inside the frame.

    Without a face (manual capture of a bad frame) the largest centred 3:4 crop is used.
    When the head is too large for the frame the crop shrinks to the frame height (the
    head then fills more than 75 %), and when it is near an edge the crop slides inwards
    rather than padding with invented pixels.
    """
    width, height = frame_size
    if face_box is None:
        full_h = min(height, width * 4 // 3)
        full_w = full_h * 3 // 4
        return (width - full_w) // 2, (height - full_h) // 2, full_w, full_h
    x, y, w, h = face_box
    crop_h = min(height, round(HEAD_PER_BOX * h / HEAD_FRACTION), width * 4 // 3)
    crop_w = round(crop_h * 3 / 4)
    top = round(y - CROWN_ABOVE_BOX * h - TOP_MARGIN * crop_h)
    left = round(x + w / 2 - crop_w / 2)
    left = min(max(0, left), width - crop_w)
    top = min(max(0, top), height - crop_h)
    return left, top, crop_w, crop_h


def crop_photo(frame_bgr: np.ndarray, face_box: tuple[int, int, int, int] | None) -> np.ndarray:
    """The 3:4 photo (PHOTO_SIZE) cut from `frame_bgr` around `face_box`."""
    height, width = frame_bgr.shape[:2]
    x, y, w, h = photo_crop_rect(face_box, (width, height))
    region = frame_bgr[y : y + h, x : x + w]
    interp = cv2.INTER_AREA if h > PHOTO_SIZE[1] else cv2.INTER_CUBIC
    return cv2.resize(region, PHOTO_SIZE, interpolation=interp)


def encode_jpeg(photo_bgr: np.ndarray, target: tuple[int, int] = JPEG_TARGET) -> bytes:
    """JPEG bytes near `target` size: a few bounded tries over fixed qualities.

    Deterministic (same pixels, same bytes). If no quality lands in range the closest
    one is kept; sizes outside the range are logged, never refused.
    """
    low, high = target
    best: bytes | None = None
    for quality in JPEG_QUALITIES:
        ok, buf = cv2.imencode(".jpg", photo_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        data = buf.tobytes()
        if low <= len(data) <= high:
            return data
        if best is None or _distance(len(data), target) < _distance(len(best), target):
            best = data
    assert best is not None
    log.debug("photo JPEG %d bytes, outside the %d-%d target", len(best), low, high)
    return best


def _distance(size: int, target: tuple[int, int]) -> int:
    return max(target[0] - size, size - target[1], 0)

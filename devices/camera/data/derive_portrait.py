"""Rebuild ``portrait.png`` from scikit-image's public-domain astronaut photograph.

Not imported by the station: run it by hand when the asset must be remade::

    pip download --no-deps scikit-image -d /tmp/skimage
    unzip -j /tmp/skimage/scikit_image-*.whl skimage/data/astronaut.png -d /tmp/skimage
    .venv/bin/python devices/camera/data/derive_portrait.py /tmp/skimage/astronaut.png

GrabCut is seeded from hand-placed masks (coordinates in the 512 x 512 original) so the
cut is repeatable; cv2.setRNGSeed fixes its k-means start. The result is the head and
shoulders on a transparent background, scaled by 0.9, with colour zeroed where alpha is
zero so the PNG stays small (about 130 KB).
"""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

ASTRONAUT_SHA256 = "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"
CUT_BOX = (15, 0, 375, 360)  # x0, y0, x1, y1 in the original
SCALE = 0.9
OUT = Path(__file__).with_name("portrait.png")


def derive(original_bgr: np.ndarray) -> np.ndarray:
    """Return the RGBA (BGRA order) head-and-shoulders cut-out."""
    x0, y0, x1, y1 = CUT_BOX
    roi = np.ascontiguousarray(original_bgr[y0:y1, x0:x1])

    def p(x: int, y: int) -> tuple[int, int]:
        return x - x0, y - y0

    mask: np.ndarray = np.full(roi.shape[:2], cv2.GC_PR_BGD, np.uint8)
    cv2.ellipse(mask, p(222, 100), (85, 95), 0, 0, 360, cv2.GC_PR_FGD, -1)
    cv2.rectangle(mask, p(40, 150), p(370, 360), cv2.GC_PR_FGD, -1)
    cv2.ellipse(mask, p(222, 105), (55, 70), 0, 0, 360, cv2.GC_FGD, -1)
    cv2.rectangle(mask, p(120, 200), p(300, 360), cv2.GC_FGD, -1)
    mask[0:8, :] = cv2.GC_BGD
    mask[:140, : 120 - x0] = cv2.GC_BGD  # the flag
    mask[:150, 320 - x0 :] = cv2.GC_BGD  # the shuttle model
    cv2.rectangle(mask, p(290, 188), p(375, 250), cv2.GC_BGD, -1)
    cv2.rectangle(mask, p(300, 335), p(375, 360), cv2.GC_BGD, -1)  # the helmet

    cv2.setRNGSeed(12345)
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    whole = (0, 0, roi.shape[1], roi.shape[0])  # ignored with GC_INIT_WITH_MASK
    cv2.grabCut(roi, mask, whole, bgd, fgd, 10, cv2.GC_INIT_WITH_MASK)
    fg: np.ndarray = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(fg)
    if count > 1:
        biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        fg = np.where(labels == biggest, 255, 0).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    alpha = cv2.GaussianBlur(fg, (5, 5), 0)
    rgba = np.dstack([roi, alpha])
    small = cv2.resize(rgba, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_AREA)
    small[small[:, :, 3] == 0, :3] = 0
    return small


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO)
    source = Path(argv[1])
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != ASTRONAUT_SHA256:
        log.error("%s is not scikit-image's astronaut.png (sha256 %s)", source, digest)
        return 1
    original = cv2.imread(str(source), cv2.IMREAD_COLOR)
    if original is None:
        log.error("cannot read %s", source)
        return 1
    cv2.imwrite(str(OUT), derive(original), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    log.info("wrote %s (%d bytes)", OUT, OUT.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Camera and scanner frames (numpy) and stored images shown in Qt labels.

Traps:
- numpy frames are shared with the driver's analysis thread: `bgr_image` and
  `grey_image` wrap them without copying and keep the array alive with the QImage.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QLabel,
)

log = logging.getLogger(__name__)


def bgr_image(frame: np.ndarray) -> QImage:
    """A QImage over a BGR frame's own memory (no copy; the QImage keeps the array)."""
    if not frame.flags["C_CONTIGUOUS"]:
        frame = np.ascontiguousarray(frame)
    h, w = frame.shape[:2]
    image = QImage(frame.data, w, h, int(frame.strides[0]), QImage.Format.Format_BGR888)
    image._keep = frame  # type: ignore[attr-defined]  # the buffer must outlive the QImage
    return image


def grey_image(gray: np.ndarray) -> QImage:
    """A QImage over an 8-bit grey image (a fingerprint), without copying."""
    if not gray.flags["C_CONTIGUOUS"]:
        gray = np.ascontiguousarray(gray)
    h, w = gray.shape[:2]
    image = QImage(gray.data, w, h, int(gray.strides[0]), QImage.Format.Format_Grayscale8)
    image._keep = gray  # type: ignore[attr-defined]
    return image


def show_image(label: QLabel, data: bytes | None, size: QSize, empty: str) -> None:
    """An encoded image (JPEG, PNG) scaled into `label`, or `empty` as text when there is none."""
    pixmap = QPixmap()
    if data is None or not pixmap.loadFromData(data):
        label.setPixmap(QPixmap())
        label.setText(empty)
        return
    label.setPixmap(pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

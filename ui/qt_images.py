"""Camera and scanner frames (numpy) and stored images shown in Qt labels.

Traps:
- numpy frames are shared with the driver's analysis thread: `bgr_image` and
  `grey_image` wrap them without copying and keep the array alive with the QImage.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

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


class FittedImage(QLabel):
    """A picture drawn as large as the label's space allows, its proportions kept: the
    receipt preview fits a 1366 x 768 counter screen and grows on a larger one. The
    original is kept, so growing again stays sharp."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._original = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # The layout, not the picture, sizes the label: a picture that sized it would
        # shrink it on every fit, and the fit would shrink the picture again.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def set_image(self, image: QImage) -> None:
        self._original = QPixmap.fromImage(image)
        self._fit()

    def original(self) -> QPixmap:
        return self._original

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._original.isNull():
            return
        room = self.contentsRect().size()
        target = self._original.size().scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
        if target.width() > self._original.width():  # never larger than drawn: it would blur
            target = self._original.size()
        self.setPixmap(
            self._original.scaled(
                target, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )


def draw_frame(
    painter: QPainter, widget: QWidget, frame: QImage | None, *, background: str, placeholder: str
) -> tuple[QRectF, float] | None:
    """A live preview's frame drawn as large as `widget` allows, centred, proportions kept,
    on `background` (or `placeholder` as text while there is no frame). Returns where it
    went and its scale, for the overlay (a face box, the eyes' circles), or None."""
    painter.fillRect(widget.rect(), QColor(background))
    if frame is None:
        painter.setPen(QColor("#dddddd"))
        painter.drawText(widget.rect(), Qt.AlignmentFlag.AlignCenter, placeholder)
        return None
    scale = min(widget.width() / frame.width(), widget.height() / frame.height())
    w, h = frame.width() * scale, frame.height() * scale
    target = QRectF((widget.width() - w) / 2, (widget.height() - h) / 2, w, h)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    painter.drawImage(target, frame)
    return target, scale

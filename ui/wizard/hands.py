"""The two-hand diagram of the fingerprint step: ten fingers the operator can click,
and the quality bar of one finger.

Hands are drawn as seen from above with the palms down on the scanner: the resident's
left hand on the left (thumb on its right side), the right hand on the right. Each
finger is a path in a 200 x 120 model space, scaled to the widget, so drawing and
clicking use the same shapes.

With a threshold set (the 4-4-2 slap flow), each captured finger also shows the
device's quality score, and a finger below the threshold is orange: the operator sees
on the hands themselves which finger to place again. Without one (the single-finger
flow) the diagram is as it always was.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from common.biometrics import FingerPosition
from ui.app_context import AppContext

log = logging.getLogger(__name__)

MODEL_W, MODEL_H = 200.0, 120.0


class FingerState(StrEnum):
    MISSING = "missing"
    CAPTURED = "captured"
    EXCEPTION = "exception"


# Fingers of a hand whose thumb is on the right (the resident's left hand, palm down),
# x from the hand's left edge within a 100-wide half: (left, top, width, bottom).
_LEFT_HAND_FINGERS: dict[FingerPosition, tuple[float, float, float, float]] = {
    FingerPosition.LEFT_LITTLE: (12, 34, 12, 66),
    FingerPosition.LEFT_RING: (26, 18, 13, 62),
    FingerPosition.LEFT_MIDDLE: (41, 10, 13, 62),
    FingerPosition.LEFT_INDEX: (56, 18, 13, 62),
}
_THUMB = (53.0, 62.0, 14.0, 38.0)  # left, top, width, length before the tilt (base in the palm)
_THUMB_TILT = 44.0  # degrees, outwards
_PALM = QRectF(11, 56, 59, 48)
_MIRROR = {
    FingerPosition.LEFT_LITTLE: FingerPosition.RIGHT_LITTLE,
    FingerPosition.LEFT_RING: FingerPosition.RIGHT_RING,
    FingerPosition.LEFT_MIDDLE: FingerPosition.RIGHT_MIDDLE,
    FingerPosition.LEFT_INDEX: FingerPosition.RIGHT_INDEX,
    FingerPosition.LEFT_THUMB: FingerPosition.RIGHT_THUMB,
}

COLOURS = {
    FingerState.MISSING: QColor("#ffffff"),
    FingerState.CAPTURED: QColor("#58c27d"),
    FingerState.EXCEPTION: QColor("#b8b8b8"),
}
LOW_FILL = QColor("#e67e22")  # captured, but below the threshold (the quality bar's colour)
GOOD_BAR = QColor("#58c27d")
CURRENT_FILL = QColor("#cfe3ff")
CURRENT_EDGE = QColor("#1565c0")
EDGE = QColor("#555555")
PALM_FILL = QColor("#f3ede6")


def _capsule(left: float, top: float, width: float, bottom: float) -> QPainterPath:
    path = QPainterPath()
    path.addRoundedRect(QRectF(left, top, width, bottom - top), width / 2, width / 2)
    return path


def _left_hand() -> dict[FingerPosition, QPainterPath]:
    shapes = {p: _capsule(*box) for p, box in _LEFT_HAND_FINGERS.items()}
    left, top, width, length = _THUMB
    thumb = _capsule(left, top, width, top + length)
    pivot = QPointF(left + width / 2, top + length)
    turn = QTransform().translate(pivot.x(), pivot.y()).rotate(_THUMB_TILT).translate(-pivot.x(), -pivot.y())
    shapes[FingerPosition.LEFT_THUMB] = turn.map(thumb)
    return shapes


def finger_shapes() -> tuple[dict[FingerPosition, QPainterPath], list[QPainterPath]]:
    """The ten finger paths and the two palms, in model space."""
    left = _left_hand()
    shapes = dict(left)
    mirror = QTransform(-1, 0, 0, 1, MODEL_W, 0)  # x -> 200 - x: the right hand, thumb on its left
    for pos, path in left.items():
        shapes[_MIRROR[pos]] = mirror.map(path)
    palm = QPainterPath()
    palm.addRoundedRect(_PALM, 14, 14)
    return shapes, [palm, mirror.map(palm)]


class HandDiagram(QWidget):
    """Ten clickable fingers: the current one highlighted, captured ones green,
    exceptions grey with a cross. `selected(FingerPosition)` on a click or `select`."""

    selected = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.shapes, self.palms = finger_shapes()
        self.states: dict[FingerPosition, FingerState] = {p: FingerState.MISSING for p in FingerPosition}
        self.current: FingerPosition | None = None
        self.group: tuple[FingerPosition, ...] = ()  # the fingers of the slap being taken
        self.qualities: dict[FingerPosition, float] = {}
        self.threshold: float | None = None  # set: qualities are shown against it
        self.setMinimumSize(300, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(520, 312)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return int(width * MODEL_H / MODEL_W)

    # --- state ---------------------------------------------------------------------

    def set_state(self, position: FingerPosition, state: FingerState) -> None:
        self.states[position] = state
        self.update()

    def set_current(self, position: FingerPosition | None) -> None:
        self.current = position
        self.update()

    def set_group(self, positions: tuple[FingerPosition, ...]) -> None:
        """Outline these fingers as the ones being taken together (a slap)."""
        self.group = tuple(positions)
        self.update()

    def set_threshold(self, threshold: float | None) -> None:
        self.threshold = threshold
        self.update()

    def set_quality(self, position: FingerPosition, quality: float | None) -> None:
        """The device's score of a captured finger (None: none to show)."""
        if quality is None:
            self.qualities.pop(position, None)
        else:
            self.qualities[position] = quality
        self.update()

    def below_threshold(self) -> list[FingerPosition]:
        """Captured fingers whose quality is under the threshold (drawn orange)."""
        t = self.threshold
        return [
            p for p, q in self.qualities.items() if t is not None and q < t and self.states[p] == FingerState.CAPTURED
        ]

    def describe(self, position: FingerPosition) -> str:
        """The finger's name, and with a threshold its quality against it (the tooltip)."""
        text = self.ctx.t(position.label)
        quality = self.qualities.get(position)
        if self.threshold is not None and quality is not None:
            text += " \u2014 " + (
                self.tr("quality %1 (minimum %2)")
                .replace("%1", f"{quality:.0f}")
                .replace("%2", f"{self.threshold:.0f}")
            )
        return text

    def select(self, position: FingerPosition) -> None:
        """What a click on the finger does (also the test hook)."""
        self.selected.emit(position)

    # --- geometry ------------------------------------------------------------------

    def _to_widget(self) -> QTransform:
        scale = min(self.width() / MODEL_W, self.height() / MODEL_H)
        dx = (self.width() - MODEL_W * scale) / 2
        dy = (self.height() - MODEL_H * scale) / 2
        return QTransform(scale, 0, 0, scale, dx, dy)

    def finger_at(self, point: QPointF) -> FingerPosition | None:
        inverse, ok = self._to_widget().inverted()
        if not ok:
            return None
        model = inverse.map(point)
        for position, path in self.shapes.items():
            if path.contains(model):
                return position
        return None

    def centre_of(self, position: FingerPosition) -> QPointF:
        """Where a click lands on `position`, in widget coordinates."""
        return self._to_widget().map(self.shapes[position].boundingRect().center())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        position = self.finger_at(event.position())
        if position is not None and event.button() == Qt.MouseButton.LeftButton:
            self.select(position)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = self.finger_at(event.position())
        self.setToolTip(self.describe(position) if position is not None else "")

    # --- painting ------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setTransform(self._to_widget())
        painter.setPen(QPen(EDGE, 0.8))
        painter.setBrush(PALM_FILL)
        for palm in self.palms:
            painter.drawPath(palm)
        low = set(self.below_threshold())
        for position, path in self.shapes.items():
            state = self.states[position]
            current = position == self.current
            taken = position in self.group
            fill = CURRENT_FILL if (current or taken) and state == FingerState.MISSING else COLOURS[state]
            if position in low:
                fill = LOW_FILL
            painter.setPen(QPen(CURRENT_EDGE if current or taken else EDGE, 2.6 if current else 1.6 if taken else 0.8))
            painter.setBrush(fill)
            painter.drawPath(path)
            if state == FingerState.EXCEPTION:
                self._cross(painter, path.boundingRect())
        self._qualities(painter)
        self._captions(painter)

    def _qualities(self, painter: QPainter) -> None:
        """Each captured finger's score on the finger, when a threshold is set."""
        if self.threshold is None:
            return
        font = QFont(painter.font())
        font.setPointSizeF(3.4)  # model units
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#1f1f1f"))
        for position, quality in self.qualities.items():
            if self.states[position] != FingerState.CAPTURED:
                continue
            box = self.shapes[position].boundingRect()
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, f"{quality:.0f}")

    @staticmethod
    def _cross(painter: QPainter, box: QRectF) -> None:
        c, r = box.center(), min(box.width(), box.height()) * 0.28
        painter.setPen(QPen(QColor("#333333"), 1.8))
        painter.drawLine(QPointF(c.x() - r, c.y() - r), QPointF(c.x() + r, c.y() + r))
        painter.drawLine(QPointF(c.x() - r, c.y() + r), QPointF(c.x() + r, c.y() - r))

    def _captions(self, painter: QPainter) -> None:
        font = painter.font()
        font.setPointSizeF(3.6)  # model units: scaled with the hands
        painter.setFont(font)
        painter.setPen(QColor("#333333"))
        left, right = self.tr("Left hand"), self.tr("Right hand")
        painter.drawText(QRectF(0, 108, 100, 12), Qt.AlignmentFlag.AlignCenter, left)
        painter.drawText(QRectF(100, 108, 100, 12), Qt.AlignmentFlag.AlignCenter, right)
        if self.threshold is not None:
            minimum = self.tr("Minimum quality %1").replace("%1", f"{self.threshold:.0f}")
            painter.drawText(QRectF(0, 0, MODEL_W, 8), Qt.AlignmentFlag.AlignCenter, minimum)


class QualityBar(QWidget):
    """A finger's quality 0-100 as a bar, with the scanner's threshold drawn across it."""

    def __init__(self, threshold: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value: float | None = None
        self.threshold = threshold
        self.setFixedHeight(16)
        self.setMinimumWidth(120)

    def set_value(self, value: float | None) -> None:
        self.value = value
        self.update()

    def set_threshold(self, threshold: float) -> None:
        self.threshold = threshold
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        box = QRectF(0.5, 0.5, self.width() - 1.0, self.height() - 1.0)
        painter.fillRect(box, QColor("#e6e6e6"))
        if self.value is not None:
            good = self.value >= self.threshold
            filled = QRectF(box.x(), box.y(), box.width() * min(max(self.value, 0.0), 100.0) / 100.0, box.height())
            painter.fillRect(filled, GOOD_BAR if good else LOW_FILL)
            painter.setPen(QColor("#222222"))
            painter.drawText(box.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, f"{self.value:.0f}")
        x = box.x() + box.width() * self.threshold / 100.0
        painter.setPen(QPen(QColor("#1f1f1f"), 2))
        painter.drawLine(int(x), 0, int(x), self.height())
        painter.setPen(QColor("#999999"))
        painter.drawRect(box)

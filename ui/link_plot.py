"""The last hour of the link to the centre: RTT (left axis) and throughput (right axis),
custom-painted (no plotting library), with the offline stretches marked in red.

It is handed plain samples (station.sync.link_history.Sample) and only paints; the
console reads them off the GUI thread. Traps: a missing value (None) or a hole of more
than GAP_S between samples breaks the line instead of joining two far-apart points;
an axis always starts at 0 and its top is rounded up, so a steady line does not look
like a wild one.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from station.sync.link_history import Sample

WINDOW_S = 3600.0
GAP_S = 90.0
RTT_COLOUR = QColor("#1f5fbf")
THROUGHPUT_COLOUR = QColor("#1b7f3b")
OFFLINE_COLOUR = QColor("#b00020")
GRID_COLOUR = QColor("#d5dbe3")
TEXT_COLOUR = QColor("#333333")


def nice_top(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


class LinkPlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("link_plot")
        self.samples: list[Sample] = []
        self.now = time.time()
        self.setMinimumSize(320, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_samples(self, samples: list[Sample], now: float | None = None) -> None:
        self.samples = list(samples)
        self.now = now if now is not None else time.time()
        self.update()

    def _x(self, area: QRectF, at: float) -> float:
        return area.left() + (1 - (self.now - at) / WINDOW_S) * area.width()

    def _line(self, area: QRectF, values: list[tuple[float, float | None]], top: float) -> QPainterPath:
        path = QPainterPath()
        drawing = False
        last_at = None
        for at, value in values:
            if value is None or (last_at is not None and at - last_at > GAP_S):
                drawing = False
            if value is not None:
                point = QPointF(self._x(area, at), area.bottom() - min(value, top) / top * area.height())
                if drawing:
                    path.lineTo(point)
                else:
                    path.moveTo(point)
                    path.addEllipse(point, 1.5, 1.5)
                    path.moveTo(point)
                drawing = True
            last_at = at
        return path

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        metrics = p.fontMetrics()
        margin_x = metrics.horizontalAdvance("00000") + 8
        area = QRectF(
            margin_x, metrics.height() + 8, self.width() - 2 * margin_x, self.height() - 2 * metrics.height() - 14
        )
        if area.width() < 20 or area.height() < 20:
            p.end()
            return
        shown = [s for s in self.samples if self.now - WINDOW_S <= s.at <= self.now + 1]
        rtts = [s.rtt_s * 1000 for s in shown if s.rtt_s is not None]
        tps = [s.throughput_bps / 1000 for s in shown if s.throughput_bps is not None]
        rtt_top, tp_top = nice_top(max(rtts, default=1.0)), nice_top(max(tps, default=1.0))
        # Grid and axes.
        p.setPen(QPen(GRID_COLOUR, 1))
        for i in range(5):
            y = area.top() + i * area.height() / 4
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
        for minutes in (60, 45, 30, 15, 0):
            x = self._x(area, self.now - minutes * 60)
            p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
        p.setPen(TEXT_COLOUR)
        for minutes in (60, 45, 30, 15):
            x = self._x(area, self.now - minutes * 60)
            label = self.tr("-%1 min").replace("%1", str(minutes))
            p.drawText(QPointF(x - metrics.horizontalAdvance(label) / 2, area.bottom() + metrics.height() + 2), label)
        now_label = self.tr("now")
        p.drawText(
            QPointF(area.right() - metrics.horizontalAdvance(now_label), area.bottom() + metrics.height() + 2),
            now_label,
        )
        for i in range(5):
            y = area.bottom() - i * area.height() / 4
            p.setPen(RTT_COLOUR)
            left = f"{rtt_top * i / 4:g}"
            p.drawText(QPointF(area.left() - metrics.horizontalAdvance(left) - 4, y + metrics.ascent() / 2), left)
            p.setPen(THROUGHPUT_COLOUR)
            p.drawText(QPointF(area.right() + 4, y + metrics.ascent() / 2), f"{tp_top * i / 4:g}")
        # Legend.
        p.setPen(RTT_COLOUR)
        rtt_label = self.tr("RTT (ms)")
        p.drawText(QPointF(area.left(), metrics.ascent() + 2), rtt_label)
        p.setPen(THROUGHPUT_COLOUR)
        tp_label = self.tr("Throughput (kB/s)")
        p.drawText(QPointF(area.right() - metrics.horizontalAdvance(tp_label), metrics.ascent() + 2), tp_label)
        offline = [s for s in shown if s.state == "offline"]
        if offline:
            p.setPen(OFFLINE_COLOUR)
            off_label = self.tr("offline")
            x = area.left() + metrics.horizontalAdvance(rtt_label) + 24
            p.drawText(QPointF(x, metrics.ascent() + 2), off_label)
            for s in offline:
                x = self._x(area, s.at)
                p.fillRect(QRectF(x - 1.5, area.bottom() - 6, 3, 6), OFFLINE_COLOUR)
        if not shown:
            p.setPen(TEXT_COLOUR)
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, self.tr("No measurements in the last hour"))
        # The lines.
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(RTT_COLOUR, 2))
        p.drawPath(self._line(area, [(s.at, None if s.rtt_s is None else s.rtt_s * 1000) for s in shown], rtt_top))
        p.setPen(QPen(THROUGHPUT_COLOUR, 2))
        p.drawPath(
            self._line(
                area, [(s.at, None if s.throughput_bps is None else s.throughput_bps / 1000) for s in shown], tp_top
            )
        )
        p.end()

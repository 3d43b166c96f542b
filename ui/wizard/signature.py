"""The signature step: the strokes appear as the resident signs, Clear and redo, Done,
the rendered signature once accepted, or an exception approved by a supervisor.

Pen points arrive on the pad's port thread at the packet rate (about 130 a second);
they are batched (`Batched`) so the GUI thread takes them in one go per event-loop
turn, and painted into a canvas with the pad's own aspect ratio. The capture ends
when the operator presses Done, or by itself after the pen has been idle for
`idle_finish_s` (the driver's idle finish); the driver then rejects an empty or
trivial signature, which is shown with "Sign again".
"""

from __future__ import annotations

import logging
import threading
from typing import Any, ClassVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from common.biometrics import ITEM_EXCEPTION_LABELS, SIGNATURE, ItemException
from common.progress import CancelToken
from devices.base import DeviceKind
from devices.kinds import PenPoint, SignatureCapture, SignaturePad
from devices.signature.render import render_png
from devices.signature.strokes import DEFAULT_BOX, DEFAULT_PAD_MAX
from devices.signature.vectors import decode_strokes
from station.auth import User
from station.captures import signature_capture
from station.workflow import Step
from ui.app_context import AppContext
from ui.callback_relays import Batched, Latest
from ui.messages import InfoMsg, OkMsg, ScreenMessages
from ui.qt_images import show_image
from ui.tasks import Failure
from ui.wizard.base import StepPage, WizardController
from ui.wizard.capture_queue import CaptureQueue
from ui.wizard.capture_status import CaptureStatus, device_line
from ui.wizard.exception_panel import ExceptionPanel

log = logging.getLogger(__name__)

RENDERED_VIEW = QSize(360, 120)
Stroke = list[tuple[float, float, float]]  # x, y, pressure: fractions of the pad's maxima


class SignatureCanvas(QWidget):
    """The pad's surface, scaled to fit with the pad's aspect ratio, and the ink on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(400, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.aspect = DEFAULT_PAD_MAX[0] / DEFAULT_PAD_MAX[1]
        self.strokes: list[Stroke] = []
        self._pen_down = False
        self.points_seen = 0
        self.hint = ""

    def set_pad(self, x_max: float, y_max: float) -> None:
        if x_max > 0 and y_max > 0:
            self.aspect = x_max / y_max
            self.update()

    def clear(self) -> None:
        self.strokes, self._pen_down, self.points_seen = [], False, 0
        self.update()

    def add_points(self, points: list[PenPoint]) -> None:
        """Tip-down points extend the current stroke; a hover point ends it."""
        for p in points:
            self.points_seen += 1
            if not p.tip:
                self._pen_down = False
                continue
            if not self._pen_down:
                self.strokes.append([])
                self._pen_down = True
            self.strokes[-1].append((p.x, p.y, p.pressure))
        self.update()

    def set_strokes(self, strokes: list[list[PenPoint]]) -> None:
        self.clear()
        for stroke in strokes:
            self.add_points(stroke)
            self._pen_down = False

    @property
    def ink_points(self) -> int:
        return sum(len(s) for s in self.strokes)

    def surface(self) -> QRectF:
        w, h = self.width() - 8.0, self.height() - 8.0
        if w / h > self.aspect:
            w = h * self.aspect
        else:
            h = w / self.aspect
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pad = self.surface()
        painter.setPen(QPen(QColor("#8a8a8a"), 1))
        painter.setBrush(QColor("#ffffff"))
        painter.drawRoundedRect(pad, 6, 6)
        box = DEFAULT_BOX
        guide = QRectF(
            pad.x() + box.left * pad.width(),
            pad.y() + box.top * pad.height(),
            (box.right - box.left) * pad.width(),
            (box.bottom - box.top) * pad.height(),
        )
        painter.setPen(QPen(QColor("#c8d6e5"), 1, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(guide)
        if not self.strokes and self.hint:
            painter.setPen(QColor("#9a9a9a"))
            painter.drawText(pad, Qt.AlignmentFlag.AlignCenter, self.hint)
        pen = QPen(QColor("#102a60"))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        scale = pad.width() / 300.0  # ink about as thick on a small canvas as on paper
        for stroke in self.strokes:
            previous: QPointF | None = None
            for x, y, pressure in stroke:
                point = QPointF(pad.x() + x * pad.width(), pad.y() + y * pad.height())
                if previous is not None:
                    pen.setWidthF(max(1.0, (0.6 + 1.8 * pressure) * scale))
                    painter.setPen(pen)
                    painter.drawLine(previous, point)
                previous = point


class SignaturePage(StepPage):
    class Messages(ScreenMessages):
        """What this page may say on its capture's status line."""

        context = "SignaturePage"
        opening = InfoMsg(QT_TRANSLATE_NOOP("SignaturePage", "Opening the signature pad…"))
        sign_now = InfoMsg(QT_TRANSLATE_NOOP("SignaturePage", "Sign on the pad; press Done when finished."))
        taken = OkMsg(QT_TRANSLATE_NOOP("SignaturePage", "Signature saved. Clear and redo for a new one."))
        saving = InfoMsg(QT_TRANSLATE_NOOP("SignaturePage", "Signature accepted; saving…"))
        saved = OkMsg(QT_TRANSLATE_NOOP("SignaturePage", "Signature saved."))
        choose_reason = InfoMsg(
            QT_TRANSLATE_NOOP("SignaturePage", "Choose why the resident cannot sign; a supervisor must approve it.")
        )
        exception_recorded = OkMsg(QT_TRANSLATE_NOOP("SignaturePage", "Recorded as an exception: %1"))

    step: ClassVar[Step] = Step.SIGNATURE
    idle_finish_s: float | None = 2.0  # the pen idle this long after ink ends the capture
    timeout_s = 60.0

    def __init__(self, ctx: AppContext, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(ctx, wizard, parent)
        self._active = False
        self._queue = CaptureQueue()
        self._done = threading.Event()
        self._points: Batched[PenPoint] = Batched(ctx, self, self._show_points)
        self._pad_size: Latest[tuple[float, float]] = Latest(ctx, self, lambda size: self.canvas.set_pad(*size))

        self.canvas = SignatureCanvas()
        self.device_label = QLabel()
        self.rendered = QLabel()
        self.rendered.setFixedSize(RENDERED_VIEW)
        self.rendered.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.rendered.setStyleSheet("border: 1px solid #999; background: #ffffff; color: #666;")
        self.status = CaptureStatus(ctx, DeviceKind.SIGNATURE)
        self.messages = SignaturePage.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.retry_button = self.status.retry_button
        self.retry_button.setText(self.tr("Sign again"))
        self.done_button = QPushButton(self.tr("Done"))
        self.clear_button = QPushButton(self.tr("Clear and redo"))
        self.exception_button = QPushButton(self.tr("Resident cannot sign…"))
        self.exception_panel = ExceptionPanel(ctx, "")
        self.exception_panel.hide()

        left = QVBoxLayout()
        left.addWidget(self.device_label)
        left.addWidget(self.canvas, 1)
        left.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addWidget(self.done_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.exception_button)
        left.addLayout(buttons)
        right = QVBoxLayout()
        heading = QLabel(self.tr("Accepted signature"))
        heading.setStyleSheet("font-weight: bold;")
        right.addWidget(heading)
        right.addWidget(self.rendered)
        right.addWidget(self.exception_panel)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        self.done_button.clicked.connect(self._done.set)
        self.clear_button.clicked.connect(self.clear_and_redo)
        self.retry_button.clicked.connect(self.start)
        self.exception_button.clicked.connect(self.open_exception)
        self.exception_panel.approved.connect(self._exception_approved)
        self.exception_panel.cancel_button.clicked.connect(self._exception_cancelled)
        self._show_rendered(None)
        self._set_buttons()

    # --- step lifecycle -----------------------------------------------------------

    def enter(self) -> None:
        self._active = True
        item = self.wizard.snapshot.item(SIGNATURE)
        if item is None:
            self.start()
        elif item.exception_reason:
            self._show_exception(item.exception_reason)
        elif item.payload:
            decoded = decode_strokes(item.payload)
            self.canvas.set_pad(decoded.pad_max[0], decoded.pad_max[1])
            self.canvas.set_strokes(decoded.strokes)
            self.messages.taken()
            self.ctx.tasks.run(
                render_png, decoded.strokes, pad_max=decoded.pad_max, on_done=self._show_rendered, owner=self
            )
        self._set_buttons()

    def leave(self) -> None:
        self._active = False
        self._queue.stop()

    @property
    def capturing(self) -> bool:
        return self._queue.running

    def start(self) -> None:
        """Open the pad if needed and capture (also "Sign again")."""
        if not self._active or self.capturing:
            return
        self.exception_panel.hide()
        self.canvas.clear()
        self.canvas.hint = self.tr("Waiting for the pen…")
        self.messages.opening()
        self.ctx.devices.ensure(DeviceKind.SIGNATURE, on_ready=self._run, on_failed=self._open_failed)

    def clear_and_redo(self) -> None:
        """Throw the ink (or the accepted signature) away and sign again."""
        if self._queue.running:
            self._queue.after(self.start)  # once the running capture has ended
            return
        self._show_rendered(None)
        if self.wizard.snapshot.has(SIGNATURE):
            self.wizard.submit(
                lambda wf: wf.clear_item(SIGNATURE),
                on_done=lambda _: self.start(),
                on_failed=self.status.refused,
            )
        else:
            self.start()

    # --- capture ------------------------------------------------------------------

    def _run(self, device: object) -> None:
        if not self._active or self.capturing or not isinstance(device, SignaturePad):
            return
        self._done.clear()
        self.device_label.setText(device_line(self.ctx, DeviceKind.SIGNATURE))
        self.canvas.hint = self.tr("Ask the resident to sign inside the box.")
        self.messages.sign_now()
        self._queue.handle = self.ctx.tasks.run(
            self._sign,
            device,
            on_done=self._captured,
            on_failed=self._capture_failed,
            cancellable=True,
            owner=self,
            name="capture signature",
        )
        self._set_buttons()

    def _sign(self, pad: SignaturePad, *, cancel: CancelToken) -> SignatureCapture:
        """On a worker thread: the pad's size for the canvas, then the capture."""
        extra: dict[str, Any] = pad.info().extra
        if extra.get("x_max") and extra.get("y_max"):
            self._pad_size((float(extra["x_max"]), float(extra["y_max"])))
        return pad.capture_signature(
            done=self._done,
            cancel=cancel,
            timeout_s=self.timeout_s,
            idle_finish_s=self.idle_finish_s,
            on_point=self._points,
        )

    def _show_points(self, points: list[PenPoint]) -> None:
        if self.capturing:
            self.canvas.add_points(points)
            self._set_buttons()

    def _ended(self) -> bool:
        """The running capture ended; start again if asked meanwhile. True if its result is stale."""
        stale = self._queue.ended(active=self._active)
        self._set_buttons()
        return stale

    def _captured(self, capture: SignatureCapture) -> None:
        if self._ended():
            return
        self.canvas.set_pad(capture.pad_max[0], capture.pad_max[1])
        self.canvas.set_strokes(capture.strokes)
        self._show_rendered(capture.image_png)
        self.messages.saving()
        item = signature_capture(capture)
        self.wizard.submit(lambda wf: wf.set_signature(item), on_done=self._saved, on_failed=self.status.refused)

    def _saved(self, _: object) -> None:
        self.messages.saved()
        self._set_buttons()

    def _capture_failed(self, failure: Failure) -> None:
        if self._ended() or failure.cancelled:
            return
        self.status.fail(failure)

    def _open_failed(self, failure: Failure) -> None:
        if self._active:
            self.status.fail(failure)

    # --- exception ----------------------------------------------------------------

    def open_exception(self) -> None:
        self._queue.stop()
        self.exception_panel.open_for(self.tr("signature"))
        self.messages.choose_reason()

    def _exception_approved(self, reason: ItemException, note: str, approver: User) -> None:
        self.wizard.submit(
            lambda wf: wf.set_signature_exception(reason, note=note, approver=approver),
            on_done=lambda _: self._show_exception(reason.value),
            on_failed=self.status.refused,
        )

    def _exception_cancelled(self) -> None:
        if not self.wizard.snapshot.has(SIGNATURE):
            self.start()

    # --- rendering ----------------------------------------------------------------

    def _show_exception(self, reason: str) -> None:
        self.canvas.clear()
        self.canvas.hint = ""
        self._show_rendered(None)
        label = self.ctx.t(ITEM_EXCEPTION_LABELS[ItemException(reason)])
        self.messages.exception_recorded(label)
        self._set_buttons()

    def _show_rendered(self, png: bytes | None) -> None:
        show_image(self.rendered, png, RENDERED_VIEW, self.tr("Not signed yet"))

    def _set_buttons(self) -> None:
        self.done_button.setEnabled(self.capturing and self.canvas.ink_points > 0)
        self.clear_button.setEnabled(self.capturing or self.wizard.snapshot.has(SIGNATURE))

"""The photo step: live preview with the face box, the eight photo checks, automatic
capture when they all hold, a manual button, Retake.

The camera driver does all the work (devices/camera): it delivers preview frames on
its I/O thread, analyses frames on its own analysis thread and decides when to take
the photo. This page only shows: the newest frame (older ones are dropped, see
`Latest`), converted to a QImage without a copy and scaled by Qt while painting, and
the newest analysis. No OpenCV runs on the GUI thread.

The preview runs while `capture_photo` runs (it is started and stopped on the capture
task's thread): from `enter` until the photo is taken, the capture fails, or `leave`
cancels it.
"""

from __future__ import annotations

import logging
import threading
from typing import ClassVar

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from common.biometrics import FACE
from common.progress import CancelToken
from devices.base import DeviceKind
from devices.camera.face_checks import CHECK_LABELS
from devices.kinds import Camera, FaceAnalysis, FaceCapture
from station.captures import face_capture
from station.devices import training_camera_options
from station.workflow import Step
from ui.app_context import AppContext
from ui.callback_relays import Latest
from ui.messages import InfoMsg, OkMsg, ScreenMessages
from ui.qt_images import bgr_image, draw_frame, show_image
from ui.tasks import Failure, TaskHandle
from ui.widgets import ERROR_STYLE, OK_STYLE
from ui.wizard.base import StepPage, WizardController
from ui.wizard.capture_status import CaptureStatus, device_line

log = logging.getLogger(__name__)

PHOTO_VIEW = QSize(240, 320)  # the captured 3:4 photo as shown beside the preview
WAITING_STYLE = "color: #666;"


class PreviewView(QWidget):
    """Paints the newest frame, scaled to fit, with the face box of the newest analysis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.frame: QImage | None = None
        self.box: tuple[int, int, int, int] | None = None
        self.box_ok = False
        self.placeholder = ""
        self.frames_painted = 0

    def set_frame(self, image: QImage | None) -> None:
        self.frame = image
        self.update()  # Qt merges several update() calls into one paint per event-loop turn

    def set_box(self, box: tuple[int, int, int, int] | None, ok: bool) -> None:
        self.box, self.box_ok = box, ok
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        drawn = draw_frame(painter, self, self.frame, background="#202020", placeholder=self.placeholder)
        if drawn is None:
            return
        target, scale = drawn
        if self.box is not None:
            x, y, bw, bh = self.box
            pen = QPen(QColor("#2ecc71") if self.box_ok else QColor("#f39c12"))
            pen.setWidth(3)
            painter.setPen(pen)
            painter.drawRect(QRectF(target.x() + x * scale, target.y() + y * scale, bw * scale, bh * scale))
        self.frames_painted += 1


class CheckList(QWidget):
    """The eight photo checks, each green or red with the camera's reason text."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.rows: dict[str, QLabel] = {}
        self._shown: dict[str, tuple[bool | None, str]] = {}
        for name in CHECK_LABELS:
            label = QLabel()
            label.setObjectName(f"check_{name}")
            label.setWordWrap(True)
            layout.addWidget(label)
            self.rows[name] = label
        self.reset()

    def reset(self) -> None:
        for name in self.rows:
            self._set(name, None, f"\u25cb {self.ctx.t(CHECK_LABELS[name])}")

    def show_analysis(self, analysis: FaceAnalysis) -> None:
        for check in analysis.checks:
            if check.name in self.rows:
                mark = "\u2714" if check.passed else "\u2716"
                title = self.ctx.t(CHECK_LABELS[check.name])
                self._set(check.name, check.passed, f"{mark} {title}: {self.ctx.t(check.reason)}")

    def passed(self, name: str) -> bool | None:
        return self._shown[name][0]

    def _set(self, name: str, passed: bool | None, text: str) -> None:
        if self._shown.get(name) == (passed, text):
            return  # no relayout for an unchanged row (analyses arrive several times a second)
        self._shown[name] = (passed, text)
        label = self.rows[name]
        label.setText(text)
        label.setStyleSheet(WAITING_STYLE if passed is None else OK_STYLE if passed else ERROR_STYLE)


class PhotoPage(StepPage):
    class Messages(ScreenMessages):
        """What this page may say on its capture's status line."""

        context = "PhotoPage"
        opening = InfoMsg(QT_TRANSLATE_NOOP("PhotoPage", "Opening the camera…"))
        look_at_camera = InfoMsg(
            QT_TRANSLATE_NOOP("PhotoPage", "Look at the camera. The photo is taken when every check is green.")
        )
        taken = OkMsg(QT_TRANSLATE_NOOP("PhotoPage", "Photo taken. Use Retake for a new one."))
        saving = InfoMsg(QT_TRANSLATE_NOOP("PhotoPage", "Photo taken %1; saving…"))
        saved = OkMsg(QT_TRANSLATE_NOOP("PhotoPage", "Photo saved."))

    step: ClassVar[Step] = Step.PHOTO

    def __init__(self, ctx: AppContext, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(ctx, wizard, parent)
        self._active = False
        self._handle: TaskHandle | None = None
        self._camera: Camera | None = None
        self.last_capture: FaceCapture | None = None  # the photo as the camera gave it (checks, automatic)
        self._manual = threading.Event()
        self._frames: Latest[np.ndarray] = Latest(ctx, self, self._show_frame)
        self._analyses: Latest[tuple[tuple[int, int], FaceAnalysis]] = Latest(ctx, self, self._show_analysis)

        self.preview = PreviewView()
        self.preview.placeholder = self.tr("Opening the camera…")
        self.device_label = QLabel()
        self.checks = CheckList(ctx)
        self.photo_label = QLabel()
        self.photo_label.setFixedSize(PHOTO_VIEW)
        self.photo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_label.setStyleSheet("border: 1px solid #999; color: #666;")
        self.manual_button = QPushButton(self.tr("Take photo now"))
        self.manual_button.setToolTip(self.tr("Capture the current frame even if a check fails"))
        self.retake_button = QPushButton(self.tr("Retake"))
        self.status = CaptureStatus(ctx, DeviceKind.CAMERA)
        self.messages = PhotoPage.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.retry_button = self.status.retry_button

        left = QVBoxLayout()
        left.addWidget(self.device_label)
        left.addWidget(self.preview, 1)
        left.addWidget(self.status)
        right = QVBoxLayout()
        heading = QLabel(self.tr("Photo checks"))
        heading.setStyleSheet("font-weight: bold;")
        right.addWidget(heading)
        right.addWidget(self.checks)
        right.addSpacing(8)
        right.addWidget(self.photo_label, 0, Qt.AlignmentFlag.AlignHCenter)
        buttons = QHBoxLayout()
        buttons.addWidget(self.manual_button)
        buttons.addWidget(self.retake_button)
        right.addLayout(buttons)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        self.manual_button.clicked.connect(self._manual.set)
        self.retake_button.clicked.connect(self.retake)
        self.retry_button.clicked.connect(self.start)
        self._show_photo(None)
        self._set_buttons(capturing=False)

    # --- step lifecycle -----------------------------------------------------------

    def enter(self) -> None:
        self._active = True
        item = self.wizard.snapshot.item(FACE)
        if item is not None and item.payload:
            self._show_photo(item.payload)
            self.messages.taken()
            self._set_buttons(capturing=False)
        else:
            self.start()

    def leave(self) -> None:
        self._active = False
        self._stop()

    @property
    def capturing(self) -> bool:
        return self._handle is not None and self._handle.running

    def start(self) -> None:
        """Open the camera if needed, then preview and capture (also the Retry button)."""
        if not self._active or self.capturing:
            return
        self.checks.reset()
        self.preview.set_box(None, False)
        self.preview.placeholder = self.tr("Opening the camera…")
        self.messages.opening()
        self._hang_training_backdrop()
        self.ctx.devices.ensure(DeviceKind.CAMERA, on_ready=self._camera_ready, on_failed=self._failed)

    def _hang_training_backdrop(self) -> None:
        """On a demo station the simulated studio hangs the backdrop this resident's
        birth year calls for (as the operator would at a real counter), so that trainees
        see an automatic capture; a real camera, or a trainer's own choice, is left alone."""
        demographics = self.wizard.snapshot.demographics
        if demographics is None:
            return
        # A parameter of this session (station.devices), never written into the configuration.
        options = training_camera_options(self.ctx.core.config, demographics.tanggal_lahir.year)
        self.ctx.devices.use_session_options(DeviceKind.CAMERA, options)

    def retake(self) -> None:
        """Forget the photo in the workflow and capture again."""
        if self.capturing:
            return
        self.retake_button.setEnabled(False)
        self.wizard.submit(lambda wf: wf.clear_item(FACE), on_done=self._retake_cleared, on_failed=self._refused)

    # --- capture ------------------------------------------------------------------

    def _camera_ready(self, device: object) -> None:
        if not self._active or self.capturing or not isinstance(device, Camera):
            return
        self._camera = device
        self._manual.clear()
        self.device_label.setText(device_line(self.ctx, DeviceKind.CAMERA))
        self.messages.look_at_camera()
        demographics = self.wizard.snapshot.demographics
        birth_year = demographics.tanggal_lahir.year if demographics is not None else None
        self._handle = self.ctx.tasks.run(
            self._preview_and_capture,
            device,
            birth_year,
            on_done=self._captured,
            on_failed=self._failed,
            cancellable=True,
            owner=self,
            name="capture photo",
        )
        self._set_buttons(capturing=True)

    def _preview_and_capture(self, camera: Camera, birth_year: int | None, *, cancel: CancelToken) -> FaceCapture:
        """On a worker thread: the preview runs exactly as long as the capture."""
        camera.start_preview(self._frames)
        try:
            return camera.capture_photo(
                birth_year=birth_year,
                manual=self._manual,
                cancel=cancel,
                on_analysis=lambda frame, analysis: self._analyses(((frame.shape[1], frame.shape[0]), analysis)),
            )
        finally:
            camera.stop_preview()

    def _stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self._camera is not None:
            self._camera.stop_preview()

    def _show_frame(self, frame: np.ndarray) -> None:
        if self.capturing:
            self.preview.set_frame(bgr_image(frame))

    def _show_analysis(self, value: tuple[tuple[int, int], FaceAnalysis]) -> None:
        if not self.capturing:
            return
        _, analysis = value
        self.checks.show_analysis(analysis)
        self.preview.set_box(analysis.face_box, analysis.passed)

    def _captured(self, capture: FaceCapture) -> None:
        self._handle = None
        self.last_capture = capture
        self._set_buttons(capturing=False)
        self.checks.show_analysis(capture.analysis)
        self._show_photo(capture.jpeg)
        how = self.tr("automatically") if capture.automatic else self.tr("by hand")
        self.messages.saving(how)
        item = face_capture(capture)
        self.wizard.submit(lambda wf: wf.set_face(item), on_done=self._saved, on_failed=self._refused)

    def _saved(self, _: object) -> None:
        self.messages.saved()
        self._set_buttons(capturing=False)

    def _failed(self, failure: Failure) -> None:
        self._handle = None
        self._set_buttons(capturing=False)
        if failure.cancelled or not self._active:
            return
        self.preview.placeholder = self.tr("No picture")
        self.status.fail(failure)

    def _refused(self, failure: Failure) -> None:
        self.status.refused(failure)
        self._set_buttons(capturing=False)

    def _retake_cleared(self, _: object) -> None:
        self._show_photo(None)
        self.start()

    # --- rendering ----------------------------------------------------------------

    def _show_photo(self, jpeg: bytes | None) -> None:
        show_image(self.photo_label, jpeg, PHOTO_VIEW, self.tr("No photo yet"))

    def _set_buttons(self, *, capturing: bool) -> None:
        has_photo = self.wizard.snapshot.has(FACE)
        self.manual_button.setEnabled(capturing)
        self.retake_button.setEnabled(not capturing and has_photo and not self.wizard.busy)

"""The device console's live checks: what a technician shows a colleague at the desk.

Camera: the live preview with the eight photo checks (the photo step's own
`PreviewView` and `CheckList`), re-armed after every automatic capture so a loose
tripod or a bad light shows as it happens. Fingerprint: one capture with its image,
quality against the threshold and the quality components (a dirty platen scores low).
Signature: a scribble drawn as it comes, with the area of the pad it reached and the
pad's reported size, pressure range and line statistics. Iris: the camera's preview of
both eyes and one capture, each eye's device score against the threshold and the
station's ISO/IEC 29794-6 measures that failed, if any.

Devices come from the hub (`ctx.devices.ensure`), so a live check and the wizard share
one open device; a fault goes to the health strip through `CaptureStatus.fail`.
Nothing captured here is stored or logged: it is shown and dropped.

Traps: a check's task ends with `Cancelled` when it is stopped (another tab, the
self-test taking the port, the console hidden); that is not an error to show.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from common.biometrics import FingerPosition
from common.errors import Cancelled
from common.progress import CancelToken
from devices.base import DEVICE_KIND_LABELS, DeviceError, DeviceKind
from devices.kinds import (
    EYES,
    Camera,
    FaceAnalysis,
    FingerCapture,
    FingerprintScanner,
    IrisCamera,
    IrisCapture,
    PenPoint,
    SignatureCapture,
    SignaturePad,
)
from ui.app_context import AppContext
from ui.callback_relays import Batched, Latest
from ui.messages import InfoMsg, OkMsg, ScreenMessages
from ui.qt_images import bgr_image, grey_image
from ui.tasks import Failure, TaskHandle
from ui.wizard.capture_status import CaptureStatus, device_line
from ui.wizard.fingers import QualityBar
from ui.wizard.photo import CheckList, PreviewView
from ui.wizard.signature import SignatureCanvas

log = logging.getLogger(__name__)

FINGER_VIEW = QSize(192, 216)
CAMERA_ROUND_S = 10.0  # one capture_photo round of the camera check; then it re-arms
OnStart = Callable[[DeviceKind], None]


class _Check(QWidget):
    """One device's live check: open through the hub, run one task, stop on demand."""

    class Messages(ScreenMessages):
        """What this check may say on its status line."""

        context = "_Check"
        opening = InfoMsg(QT_TRANSLATE_NOOP("_Check", "Opening the device…"))
        stopped = InfoMsg(QT_TRANSLATE_NOOP("_Check", "Stopped."))

    kind: DeviceKind

    def __init__(self, ctx: AppContext, on_start: OnStart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.on_start = on_start
        self.handle: TaskHandle | None = None
        self.device_label = QLabel()
        self.status = CaptureStatus(ctx, self.kind)
        self.check_messages = _Check.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.start_button = QPushButton()
        self.stop_button = QPushButton()
        self.status.retry_button.clicked.connect(self.start)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)

    @property
    def running(self) -> bool:
        return self.handle is not None and self.handle.running

    def start(self) -> None:
        if self.running:
            return
        self.on_start(self.kind)
        self.check_messages.opening()
        self.ctx.devices.ensure(self.kind, on_ready=self._ready, on_failed=self._failed)

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def _ready(self, device: Any) -> None:
        if self.running or not self.isVisible():
            return
        self.device_label.setText(device_line(self.ctx, self.kind))
        self.handle = self.ctx.tasks.run(
            self.work,
            device,
            on_done=self._done,
            on_failed=self._failed,
            cancellable=True,
            owner=self,
            name=f"live check {self.kind.value}",
        )
        self._buttons()

    def work(self, device: Any, *, cancel: CancelToken) -> Any:
        raise NotImplementedError

    def _done(self, result: Any) -> None:
        self.handle = None
        self._buttons()
        self.finished(result)

    def finished(self, result: Any) -> None:
        """The task's result, on the GUI thread."""

    def _failed(self, failure: Failure) -> None:
        self.handle = None
        self._buttons()
        if failure.cancelled:
            self.check_messages.stopped()
            return
        self.status.fail(failure)

    def _lay_out(self, view: QWidget, side: QWidget) -> None:
        """The device line, the live view and the status on the left; `side` and the
        start/stop buttons on the right."""
        left = QVBoxLayout()
        left.addWidget(self.device_label)
        left.addWidget(view, 1)
        left.addWidget(self.status)
        right = QVBoxLayout()
        right.addWidget(side)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        right.addLayout(buttons)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self._buttons()

    def _buttons(self) -> None:
        self.start_button.setEnabled(not self.running)
        self.stop_button.setEnabled(self.running)


class CameraCheck(_Check):
    class Messages(ScreenMessages):
        """What this check may say on its status line."""

        context = "CameraCheck"
        live = InfoMsg(QT_TRANSLATE_NOOP("CameraCheck", "Live. Each check turns green when it holds."))
        held = OkMsg(QT_TRANSLATE_NOOP("CameraCheck", "Every check held steadily (%1 times so far)."))

    kind = DeviceKind.CAMERA

    def __init__(self, ctx: AppContext, on_start: OnStart, parent: QWidget | None = None) -> None:
        super().__init__(ctx, on_start, parent)
        self.messages = CameraCheck.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.passes = 0
        self._frames: Latest[np.ndarray] = Latest(ctx, self, self._show_frame)
        self._analyses: Latest[FaceAnalysis] = Latest(ctx, self, self._show_analysis)
        self._passed: Latest[int] = Latest(ctx, self, self._show_passes)
        self.preview = PreviewView()
        self.preview.placeholder = self.tr("Press Start to see the camera")
        self.checks = CheckList(ctx)
        self.start_button.setText(self.tr("Start preview"))
        self.stop_button.setText(self.tr("Stop"))
        self._lay_out(self.preview, self.checks)

    def work(self, camera: Camera, *, cancel: CancelToken) -> None:
        """Preview until stopped; every automatic capture (all checks steady) is counted."""
        camera.start_preview(self._frames)
        passes = 0
        try:
            while not cancel.cancelled:
                try:
                    camera.capture_photo(
                        birth_year=None,
                        timeout_s=CAMERA_ROUND_S,
                        cancel=cancel,
                        on_analysis=lambda _frame, analysis: self._analyses(analysis),
                    )
                except DeviceError as exc:
                    if exc.code != "camera.capture_timeout":
                        raise
                    continue
                passes += 1
                self._passed(passes)
                cancel.wait(0.5)
        finally:
            camera.stop_preview()
        raise Cancelled()

    def _show_frame(self, frame: np.ndarray) -> None:
        if self.running:
            self.preview.set_frame(bgr_image(frame))

    def _show_analysis(self, analysis: FaceAnalysis) -> None:
        if self.running:
            self.checks.show_analysis(analysis)
            self.preview.set_box(analysis.face_box, analysis.passed)
            if self.passes == 0:
                self.messages.live()

    def _show_passes(self, passes: int) -> None:
        self.passes = passes
        self.messages.held(str(passes))

    def start(self) -> None:
        self.passes = 0
        self.checks.reset()
        super().start()


class FingerprintCheck(_Check):
    class Messages(ScreenMessages):
        """What this check may say on its status line."""

        context = "FingerprintCheck"
        place_finger = InfoMsg(QT_TRANSLATE_NOOP("FingerprintCheck", "Place a finger flat on the scanner."))
        good = OkMsg(QT_TRANSLATE_NOOP("FingerprintCheck", "Good image. Capture again to compare."))
        low_quality = InfoMsg(
            QT_TRANSLATE_NOOP("FingerprintCheck", "Low quality: clean the platen and the finger, then capture again.")
        )

    kind = DeviceKind.FINGERPRINT

    def __init__(self, ctx: AppContext, on_start: OnStart, parent: QWidget | None = None) -> None:
        super().__init__(ctx, on_start, parent)
        self.messages = FingerprintCheck.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.last: FingerCapture | None = None
        self._attempts: Latest[tuple[np.ndarray, float]] = Latest(ctx, self, self._show_attempt)
        self.image = QLabel()
        self.image.setFixedSize(FINGER_VIEW)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setStyleSheet("border: 1px solid #999; background: #fafafa; color: #666;")
        self.image.setText(self.tr("No image yet"))
        self.bar = QualityBar(FingerprintScanner.quality_threshold)
        self.quality_label = QLabel()
        self.quality_label.setObjectName("fingerprint_quality")
        self.quality_label.setWordWrap(True)
        self.start_button.setText(self.tr("Capture a finger"))
        self.stop_button.setText(self.tr("Stop"))
        about = QVBoxLayout()
        about.addWidget(self.device_label)
        about.addWidget(QLabel(self.tr("Quality (the line marks the minimum)")))
        about.addWidget(self.bar)
        about.addWidget(self.quality_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        about.addLayout(buttons)
        about.addWidget(self.status)
        about.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.image, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(about, 1)
        self._buttons()

    def work(self, scanner: FingerprintScanner, *, cancel: CancelToken) -> FingerCapture:
        self.bar.set_threshold(type(scanner).quality_threshold)
        return scanner.capture_finger(
            FingerPosition.RIGHT_INDEX,
            attempts=1,
            cancel=cancel,
            on_attempt=lambda _n, image, score: self._attempts((image, score)),
        )

    def _ready(self, device: Any) -> None:
        super()._ready(device)
        if self.running:
            self.messages.place_finger()

    def _show_attempt(self, attempt: tuple[np.ndarray, float]) -> None:
        image, score = attempt
        self.image.setPixmap(
            QPixmap.fromImage(grey_image(image)).scaled(
                FINGER_VIEW, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        self.bar.set_value(score)

    def finished(self, capture: FingerCapture) -> None:
        self.last = capture
        self._show_attempt((capture.image, capture.quality))
        parts = ", ".join(f"{name} {value:.2f}" for name, value in sorted(capture.quality_components.items()))
        self.quality_label.setText(
            self.tr("Quality %1 (minimum %2): %3")
            .replace("%1", f"{capture.quality:.0f}")
            .replace("%2", f"{self.bar.threshold:.0f}")
            .replace("%3", parts)
        )
        if capture.quality >= self.bar.threshold:
            self.messages.good()
        else:
            self.messages.low_quality()


class SignatureCheck(_Check):
    class Messages(ScreenMessages):
        """What this check may say on its status line."""

        context = "SignatureCheck"
        scribble = InfoMsg(QT_TRANSLATE_NOOP("SignatureCheck", "Scribble into every corner of the pad; press Done."))
        recorded = OkMsg(QT_TRANSLATE_NOOP("SignatureCheck", "The pad recorded the scribble."))

    kind = DeviceKind.SIGNATURE

    def __init__(self, ctx: AppContext, on_start: OnStart, parent: QWidget | None = None) -> None:
        super().__init__(ctx, on_start, parent)
        self.messages = SignatureCheck.Messages(self.status.line, ctx, on_show=self.status.reset)
        self._done_event = threading.Event()
        self._points: Batched[PenPoint] = Batched(ctx, self, self._show_points)
        self._pad: Latest[dict[str, Any]] = Latest(ctx, self, self._show_pad)
        self.pad_info: dict[str, Any] = {}
        self.reach: list[float] = []  # x_min, x_max, y_min, y_max of the ink, 0..1
        self.canvas = SignatureCanvas()
        self.canvas.setMinimumSize(360, 200)
        self.area_label = QLabel()
        self.area_label.setObjectName("signature_area")
        self.area_label.setWordWrap(True)
        self.start_button.setText(self.tr("Start scribble"))
        self.stop_button.setText(self.tr("Done"))
        self._lay_out(self.canvas, self.area_label)

    def start(self) -> None:
        if self.running:
            return
        self.canvas.clear()
        self.reach = []
        self.canvas.hint = self.tr("Scribble over the whole pad")
        self._done_event.clear()
        super().start()

    def stop(self) -> None:
        self._done_event.set()  # Done: the driver ends the capture and judges the ink

    def work(self, pad: SignaturePad, *, cancel: CancelToken) -> SignatureCapture:
        self._pad(dict(pad.info().extra))
        return pad.capture_signature(
            done=self._done_event, cancel=cancel, timeout_s=60.0, idle_finish_s=3.0, on_point=self._points
        )

    def _ready(self, device: Any) -> None:
        super()._ready(device)
        if self.running:
            self.messages.scribble()

    def _show_pad(self, extra: dict[str, Any]) -> None:
        self.pad_info = extra
        if extra.get("x_max") and extra.get("y_max"):
            self.canvas.set_pad(float(extra["x_max"]), float(extra["y_max"]))
        self._show_area()

    def _show_points(self, points: list[PenPoint]) -> None:
        if not self.running:
            return
        self.canvas.add_points(points)
        for p in points:
            if p.tip:
                if not self.reach:
                    self.reach = [p.x, p.x, p.y, p.y]
                r = self.reach
                r[0], r[1], r[2], r[3] = min(r[0], p.x), max(r[1], p.x), min(r[2], p.y), max(r[3], p.y)
        self._show_area()

    def finished(self, capture: SignatureCapture) -> None:
        x_max, y_max, pressure_max = capture.pad_max
        self.pad_info.update(x_max=x_max, y_max=y_max, pressure_max=pressure_max, **capture.extra)
        self._show_area()
        self.messages.recorded()

    def _show_area(self) -> None:
        info = self.pad_info
        lines = []
        if info.get("x_max"):
            lines.append(
                self.tr("Pad reports %1 × %2, pressure 0–%3")
                .replace("%1", str(info.get("x_max")))
                .replace("%2", str(info.get("y_max")))
                .replace("%3", str(info.get("pressure_max", "?")))
            )
        if self.reach:
            x0, x1, y0, y1 = (round(v * 100) for v in self.reach)
            lines.append(
                self.tr("Ink reached x %1–%2 %, y %3–%4 % of the pad")
                .replace("%1", str(x0))
                .replace("%2", str(x1))
                .replace("%3", str(y0))
                .replace("%4", str(y1))
            )
        if "packets" in info:
            lines.append(
                self.tr("%1 packets, %2 noise bytes at %3 baud")
                .replace("%1", f"{info['packets']:.0f}")
                .replace("%2", f"{info.get('noise_bytes', 0):.0f}")
                .replace("%3", f"{info.get('baud', 0):.0f}")
            )
        self.area_label.setText("\n".join(lines))


class IrisCheck(_Check):
    class Messages(ScreenMessages):
        """What this check may say on its status line."""

        context = "IrisCheck"
        look = InfoMsg(QT_TRANSLATE_NOOP("IrisCheck", "Look into the camera with both eyes open."))
        good = OkMsg(QT_TRANSLATE_NOOP("IrisCheck", "Both eyes pass. Capture again to compare."))
        low_quality = InfoMsg(
            QT_TRANSLATE_NOOP(
                "IrisCheck", "Below the limits: clean the camera's window, check the light, capture again."
            )
        )

    kind = DeviceKind.IRIS

    def __init__(self, ctx: AppContext, on_start: OnStart, parent: QWidget | None = None) -> None:
        super().__init__(ctx, on_start, parent)
        self.messages = IrisCheck.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.last: dict[str, IrisCapture] | None = None
        self._frames: Latest[np.ndarray] = Latest(ctx, self, self._show_frame)
        self.preview = PreviewView()
        self.preview.placeholder = self.tr("Press Capture to see both eyes")
        self.result_label = QLabel()
        self.result_label.setObjectName("iris_result")
        self.result_label.setWordWrap(True)
        self.start_button.setText(self.tr("Capture both eyes"))
        self.stop_button.setText(self.tr("Stop"))
        self._lay_out(self.preview, self.result_label)

    def work(self, camera: IrisCamera, *, cancel: CancelToken) -> dict[str, IrisCapture]:
        camera.start_preview("both", self._frames)
        try:
            return camera.capture_eyes("both", attempts=1, cancel=cancel)
        finally:
            camera.stop_preview()

    def _ready(self, device: Any) -> None:
        super()._ready(device)
        if self.running:
            self.messages.look()

    def _show_frame(self, frame: np.ndarray) -> None:
        if self.running:
            self.preview.set_frame(bgr_image(frame))

    def finished(self, captures: dict[str, IrisCapture]) -> None:
        self.last = captures
        threshold = IrisCamera.device_threshold
        lines = []
        for eye in EYES:
            capture = captures.get(eye)
            if capture is None:
                continue
            failed = ", ".join(self.ctx.t(m.label) for m in capture.quality.failed) or self.tr("all pass")
            title = self.tr("Left eye") if eye == "left" else self.tr("Right eye")
            lines.append(
                self.tr("%1: device score %2 (minimum %3); station checks: %4")
                .replace("%1", title)
                .replace("%2", f"{capture.device_score:.0f}")
                .replace("%3", f"{threshold:.0f}")
                .replace("%4", failed)
            )
        self.result_label.setText("\n".join(lines))
        if captures and all(c.passed for c in captures.values()):
            self.messages.good()
        else:
            self.messages.low_quality()


class LiveChecks(QTabWidget):
    """The live checks as tabs; only one runs at a time."""

    def __init__(self, ctx: AppContext, on_start: OnStart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checks: dict[DeviceKind, _Check] = {
            DeviceKind.CAMERA: CameraCheck(ctx, on_start),
            DeviceKind.FINGERPRINT: FingerprintCheck(ctx, on_start),
            DeviceKind.SIGNATURE: SignatureCheck(ctx, on_start),
            DeviceKind.IRIS: IrisCheck(ctx, on_start),
        }
        for kind, check in self.checks.items():
            self.addTab(check, ctx.t(DEVICE_KIND_LABELS[kind]))
        self.currentChanged.connect(lambda _: self.stop_all())

    def show_check(self, kind: DeviceKind) -> _Check:
        self.setCurrentWidget(self.checks[kind])
        return self.checks[kind]

    def stop(self, kind: DeviceKind) -> None:
        handle = self.checks[kind].handle
        if handle is not None:
            handle.cancel()

    def stop_all(self) -> None:
        for kind in self.checks:
            self.stop(kind)

"""The iris step: both eyes from the dual-iris camera, with a live preview and the
station's own quality checks, after the fingerprints (the e-KTP order).

While the page is current a capture session runs on a worker thread
(`run_iris_session`): it starts the camera's STREAM preview, waits for the operator's
"Capture" (or a cancel), runs the device's RCAPTURE for the eyes still needed (best of
three by the device's score), and stops the preview again, so the preview lives
exactly as long as the session and never outlives a page that left.

Frames arrive on the stream's own thread. The GUI thread receives only the newest one
(`Latest`: older frames are dropped) and paints it; the ISO/IEC 29794-6 checks
(devices.iris.quality.assess_iris, OpenCV) run on a worker, one frame at a time: a
frame that arrives while one is being analysed replaces the one waiting, so the checks
show the newest frame the analysis could keep up with and the GUI thread never runs
OpenCV. Each check is shown with its value and its limit, per eye, beside the device's
own score against MOSIP's threshold (60).

A preview of both eyes is one frame with the two eyes side by side as the camera
faces the resident: the resident's right eye on the left half (`split_eyes`).

A capture whose checks all hold is saved at once; one that fails a check or the
device's threshold is held back with what to do, and the operator recaptures or
keeps it. An eye that cannot be captured (missing, a condition) is an exception a
supervisor approves, through the same panel as a finger; the other eye is then
captured alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from common.biometrics import IRIS_ITEM_KINDS, ITEM_EXCEPTION_LABELS, ItemException, exception_reasons
from common.errors import Cancelled
from common.progress import CancelToken
from devices.base import DeviceKind
from devices.iris.iso19794_6 import IrisRecordError, decode_iris_record
from devices.iris.quality import LABELS, LIMITS, MEASURE_NAMES, IrisQuality, assess_iris
from devices.kinds import IrisAttempt, IrisCamera, IrisCapture
from station.auth import User
from station.captures import iris_capture
from station.workflow import EnrollmentWorkflow, Step
from ui.app_context import AppContext
from ui.callback_relays import Latest
from ui.messages import InfoMsg, OkMsg, ScreenMessages, WarningMsg
from ui.qt_images import bgr_image, draw_frame, grey_image
from ui.tasks import Failure, TaskHandle
from ui.widgets import ERROR_STYLE, OK_STYLE
from ui.wizard.base import StepPage, WizardController
from ui.wizard.capture_status import CaptureStatus, device_line
from ui.wizard.exception_panel import ExceptionPanel

log = logging.getLogger(__name__)

EYES = ("right", "left")  # in the order the camera shows them: the resident's right eye on the left
ATTEMPTS = 3
PREVIEW_S = 300.0  # the longest one preview runs; a session that waits longer starts a new one
WAIT_SLICE_S = 0.05  # how often a waiting session looks at its cancel token
EYE_VIEW = QSize(200, 150)  # a captured 640x480 eye as shown in its box
WAITING_STYLE = "color: #666;"

Analysis = dict[str, IrisQuality]  # per eye ("right", "left")


# --- off the GUI thread ---------------------------------------------------------------


def split_eyes(frame: np.ndarray, eyes: str) -> dict[str, np.ndarray]:
    """The grey image of each previewed eye: a preview of "both" holds the two side by
    side, the resident's right eye on the left half; one eye fills the frame."""
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    if eyes != "both":
        return {eyes: np.ascontiguousarray(grey)}
    half = grey.shape[1] // 2
    return {"right": np.ascontiguousarray(grey[:, :half]), "left": np.ascontiguousarray(grey[:, half:])}


def assess_preview(frame: np.ndarray, eyes: str) -> Analysis:
    """The station's checks of each eye in one preview frame (on a worker thread)."""
    return {eye: assess_iris(image) for eye, image in split_eyes(frame, eyes).items()}


def run_iris_session(
    camera: IrisCamera,
    eyes: str,
    *,
    capture_now: threading.Event,
    on_frame: Callable[[np.ndarray], None],
    on_attempt: Callable[[int, dict[str, IrisAttempt]], None] | None = None,
    exceptions: Sequence[str] = (),
    cancel: CancelToken,
) -> dict[str, IrisCapture]:
    """Preview `eyes` until `capture_now` is set, then capture them; the preview stops
    when this returns or fails (the worker thread owns its whole life). An eye that is
    an approved exception is asked of the dual camera as MOSIP does: both eyes, that
    one in the request's exception[]."""
    camera.start_preview(eyes, on_frame, duration_s=PREVIEW_S)
    try:
        while not capture_now.is_set():
            if cancel.wait(WAIT_SLICE_S):
                raise Cancelled()
        asked = "both" if exceptions else eyes
        return camera.capture_eyes(
            asked, attempts=ATTEMPTS, exceptions=exceptions, cancel=cancel, on_attempt=on_attempt
        )
    finally:
        camera.stop_preview()


def stored_eyes(records: Mapping[str, bytes]) -> dict[str, np.ndarray]:
    """The images of the kept eyes, their K3 records decoded (on a worker thread); a
    record that does not decode is logged and left out."""
    out: dict[str, np.ndarray] = {}
    for eye, record in records.items():
        try:
            out[eye] = decode_iris_record(record).image
        except IrisRecordError as exc:
            log.warning("the %s eye's record does not decode: %s", eye, exc)
    return out


def eyes_to_capture(needed: set[str]) -> str:
    """The camera's `eyes` argument for the eyes still needed."""
    return "both" if needed >= set(EYES) else next(e for e in EYES if e in needed)


# --- widgets -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Held:
    """Captures whose checks failed, waiting for the operator: recapture or keep."""

    captures: dict[str, IrisCapture]


class IrisPreview(QWidget):
    """Paints the newest preview frame, scaled to fit, with the pupil and iris circles
    the newest analysis found (green when that eye's checks hold, orange when not)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(480, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.frame: QImage | None = None
        self.eyes = "both"
        self.analysis: Analysis = {}
        self.placeholder = ""
        self.eye_titles: dict[str, str] = {}  # written under each eye's half of the frame
        self.frames_painted = 0

    def set_frame(self, image: QImage | None, eyes: str) -> None:
        self.frame, self.eyes = image, eyes
        self.update()

    def set_analysis(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        frame = self.frame
        drawn = draw_frame(painter, self, frame, background="#101010", placeholder=self.placeholder)
        if frame is None or drawn is None:
            return
        target, scale = drawn
        w = target.width()
        half = frame.width() / 2 if self.eyes == "both" else 0.0
        shown = EYES if self.eyes == "both" else (self.eyes,)
        painter.setPen(QColor("#ffffff"))
        for n, eye in enumerate(shown):
            width = w / len(shown)
            box = QRectF(target.x() + n * width, target.y() + 2, width, 22)
            painter.drawText(
                box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.eye_titles.get(eye, "")
            )
        for eye, quality in self.analysis.items():
            seg = quality.segmentation
            if seg is None:
                continue
            offset = half if self.eyes == "both" and eye == "left" else 0.0
            pen = QPen(QColor("#2ecc71") if quality.passed else QColor("#f39c12"))
            pen.setWidth(2)
            painter.setPen(pen)
            for cx, cy, r in (seg.pupil, seg.iris):
                x, y = target.x() + (cx + offset) * scale, target.y() + cy * scale
                painter.drawEllipse(QRectF(x - r * scale, y - r * scale, 2 * r * scale, 2 * r * scale))
        self.frames_painted += 1


class IrisChecks(QWidget):
    """The checks as a table: one row per ISO/IEC 29794-6 measure and one for the
    device's score; per eye its value with a tick or a cross; the limit last."""

    def __init__(self, ctx: AppContext, threshold: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.threshold = threshold
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        self.source = QLabel()
        self.source.setStyleSheet(WAITING_STYLE)
        grid.addWidget(self.source, 0, 0, 1, 4)
        for col, text in enumerate((self.tr("Check"), self.tr("Right eye"), self.tr("Left eye"), self.tr("Limit"))):
            head = QLabel(text)
            head.setStyleSheet("font-weight: bold;")
            grid.addWidget(head, 1, col)
        self.names: dict[str, QLabel] = {}
        self.limits: dict[str, QLabel] = {}
        self.cells: dict[tuple[str, str], QLabel] = {}
        self._shown: dict[tuple[str, str], tuple[bool | None, str]] = {}
        rows = [*MEASURE_NAMES, "device_score"]
        for row, name in enumerate(rows, start=2):
            label = QLabel(ctx.t(LABELS[name]) if name in LABELS else "")
            limit = QLabel(LIMITS.get(name, ""))
            grid.addWidget(label, row, 0)
            grid.addWidget(limit, row, 3)
            self.names[name], self.limits[name] = label, limit
            for col, eye in enumerate(EYES, start=1):
                cell = QLabel()
                cell.setObjectName(f"iris_{eye}_{name}")
                cell.setMinimumWidth(70)
                grid.addWidget(cell, row, col)
                self.cells[(eye, name)] = cell
        self.names["device_score"].setText(self.tr("Device score (MOSIP)"))
        self.limits["device_score"].setText(f"\u2265 {threshold:.0f}")
        self.reset()

    def reset(self, source: str = "") -> None:
        self.source.setText(source)
        for key in self.cells:
            self._set(key, None, "\u2013")

    def show_quality(self, eye: str, quality: IrisQuality) -> None:
        for measure in quality.measures:
            if measure.name not in self.names:
                continue
            if self.limits[measure.name].text() != measure.limit:
                self.limits[measure.name].setText(measure.limit)
            value = "\u2013" if measure.value is None else _number(measure.value)
            self._set((eye, measure.name), measure.passed, f"{'✔' if measure.passed else '✖'} {value}")

    def show_score(self, eye: str, score: float | None) -> None:
        if score is None:
            self._set((eye, "device_score"), None, "\u2013")
        else:
            passed = score >= self.threshold
            self._set((eye, "device_score"), passed, f"{'✔' if passed else '✖'} {score:.0f}")

    def clear_eye(self, eye: str, text: str = "\u2013") -> None:
        for name in self.names:
            self._set((eye, name), None, text if name == MEASURE_NAMES[0] else "\u2013")

    def passed(self, eye: str, name: str) -> bool | None:
        return self._shown[(eye, name)][0]

    def text(self, eye: str, name: str) -> str:
        return self._shown[(eye, name)][1]

    def _set(self, key: tuple[str, str], passed: bool | None, text: str) -> None:
        if self._shown.get(key) == (passed, text):
            return  # no relayout for an unchanged cell (analyses arrive several times a second)
        self._shown[key] = (passed, text)
        cell = self.cells[key]
        cell.setText(text)
        cell.setStyleSheet(WAITING_STYLE if passed is None else OK_STYLE if passed else ERROR_STYLE)


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


class EyeBox(QGroupBox):
    """One eye: the captured image, what was kept (or the exception), and its button."""

    def __init__(self, title: str, eye: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.eye = eye
        v = QVBoxLayout(self)
        self.image = QLabel()
        self.image.setFixedSize(EYE_VIEW)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setStyleSheet("border: 1px solid #999; background: #fafafa; color: #666;")
        self.note = QLabel()
        self.note.setObjectName(f"iris_{eye}_note")
        self.note.setWordWrap(True)
        self.exception_button = QPushButton(self.tr("Mark exception…"))
        self.exception_button.setObjectName(f"iris_{eye}_exception")
        v.addWidget(self.image, 0, Qt.AlignmentFlag.AlignHCenter)
        v.addWidget(self.note)
        v.addWidget(self.exception_button)

    def show_image(self, image: np.ndarray | None, empty: str) -> None:
        if image is None:
            self.image.setPixmap(QPixmap())
            self.image.setText(empty)
            return
        pixmap = QPixmap.fromImage(grey_image(image))
        self.image.setPixmap(
            pixmap.scaled(EYE_VIEW, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        )


# --- the page ------------------------------------------------------------------------


class IrisPage(StepPage):
    class Messages(ScreenMessages):
        """What this page may say on its capture's status line."""

        context = "IrisPage"
        opening = InfoMsg(QT_TRANSLATE_NOOP("IrisPage", "Opening the iris camera…"))
        look = InfoMsg(
            QT_TRANSLATE_NOOP(
                "IrisPage",
                "Ask the resident to look into the iris camera with both eyes wide open; press Capture when the "
                "checks are green.",
            )
        )
        capturing = InfoMsg(QT_TRANSLATE_NOOP("IrisPage", "Capturing; the resident keeps looking into the camera…"))
        attempt = InfoMsg(QT_TRANSLATE_NOOP("IrisPage", "Attempt %1 of %2: device score %3."))
        saving = InfoMsg(QT_TRANSLATE_NOOP("IrisPage", "Captured; saving…"))
        saved = OkMsg(QT_TRANSLATE_NOOP("IrisPage", "Irises saved. Use Recapture to take them again."))
        held = WarningMsg(
            QT_TRANSLATE_NOOP(
                "IrisPage",
                "%1: below the limits (%2). Ask the resident to open the eyes wide, look straight into the camera "
                "and hold still, then Recapture; or keep these images.",
            )
        )
        choose_reason = InfoMsg(QT_TRANSLATE_NOOP("IrisPage", "Choose the reason; a supervisor must approve it."))
        exception_recorded = InfoMsg(QT_TRANSLATE_NOOP("IrisPage", "Recorded as an exception."))

    step: ClassVar[Step] = Step.IRIS

    def __init__(self, ctx: AppContext, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(ctx, wizard, parent)
        self._active = False
        self._handle: TaskHandle | None = None
        self._capture_now = threading.Event()
        self._session_eyes = "both"
        self._analysing = False
        self._waiting_frame: tuple[np.ndarray, str] | None = None
        self._exception_eye: str | None = None
        self._start_after: set[str] | None = None
        self._session = 0  # which session's answer is awaited (see `_ended`)
        self._held: _Held | None = None
        self.threshold = IrisCamera.device_threshold
        self.frames_shown = 0
        self.analyses_shown = 0
        self._frames: Latest[np.ndarray] = Latest(ctx, self, self._show_frame)
        self._attempts: Latest[tuple[int, dict[str, IrisAttempt]]] = Latest(ctx, self, self._show_attempt)

        self.device_label = QLabel()
        self.preview = IrisPreview()
        self.preview.placeholder = self.tr("Opening the iris camera…")
        self.preview.eye_titles = {eye: self._eye_title(eye) for eye in EYES}
        self.checks = IrisChecks(ctx, self.threshold)
        self.boxes = {eye: EyeBox(self._eye_title(eye), eye) for eye in EYES}
        self.capture_button = QPushButton(self.tr("Capture"))
        self.capture_button.setObjectName("iris_capture")
        self.capture_button.setStyleSheet("font-weight: bold; padding: 4px 14px;")
        self.keep_button = QPushButton(self.tr("Keep these images"))
        self.keep_button.setObjectName("iris_keep")
        self.recapture_button = QPushButton(self.tr("Recapture"))
        self.recapture_button.setObjectName("iris_recapture")
        self.status = CaptureStatus(ctx, DeviceKind.IRIS)
        self.messages = IrisPage.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.retry_button = self.status.retry_button
        self.exception_panel = ExceptionPanel(ctx, "")
        self.exception_panel.hide()

        left = QVBoxLayout()
        left.addWidget(self.device_label)
        left.addWidget(self.preview, 1)
        left.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addWidget(self.capture_button)
        buttons.addWidget(self.recapture_button)
        buttons.addWidget(self.keep_button)
        buttons.addStretch(1)
        left.addLayout(buttons)
        eyes = QHBoxLayout()
        for eye in EYES:
            eyes.addWidget(self.boxes[eye])
        left.addLayout(eyes)
        right = QVBoxLayout()
        heading = QLabel(self.tr("Iris checks (ISO/IEC 29794-6)"))
        heading.setStyleSheet("font-weight: bold;")
        right.addWidget(heading)
        right.addWidget(self.checks)
        right.addWidget(self.exception_panel)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        self.capture_button.clicked.connect(self.capture)
        self.recapture_button.clicked.connect(self.recapture)
        self.keep_button.clicked.connect(self.keep)
        self.retry_button.clicked.connect(lambda: self.start())
        for eye, box in self.boxes.items():
            box.exception_button.clicked.connect(lambda _c=False, e=eye: self.open_exception(e))
        self.exception_panel.approved.connect(self._exception_approved)
        self.exception_panel.cancel_button.clicked.connect(self._exception_cancelled)
        self._set_buttons()

    def _eye_title(self, eye: str) -> str:
        return self.tr("Right eye") if eye == "right" else self.tr("Left eye")

    # --- step lifecycle -----------------------------------------------------------

    @property
    def capturing(self) -> bool:
        """A session (preview, then capture) is running."""
        return self._handle is not None and self._handle.running

    def needed(self) -> set[str]:
        """The eyes with neither an item nor an approved exception."""
        snapshot = self.wizard.snapshot
        return {eye for eye in EYES if not snapshot.has(IRIS_ITEM_KINDS[eye])}

    def excepted(self) -> set[str]:
        snapshot = self.wizard.snapshot
        out = set()
        for eye in EYES:
            item = snapshot.item(IRIS_ITEM_KINDS[eye])
            if item is not None and item.exception_reason:
                out.add(eye)
        return out

    def enter(self) -> None:
        self._active = True
        self._held = None
        self._render()
        records = {}
        for eye in EYES:
            item = self.wizard.snapshot.item(IRIS_ITEM_KINDS[eye])
            if item is not None and item.payload:
                records[eye] = item.payload
        if records:  # back on a done step: the kept eyes, decoded off the GUI thread
            self.ctx.tasks.run(stored_eyes, records, on_done=self._show_stored, owner=self, name="iris records")
        if self.needed():
            self.start()
        else:
            self.checks.reset()
            self.messages.saved()

    def leave(self) -> None:
        self._active = False
        self._start_after = None
        self._held = None
        self.exception_panel.hide()
        self._stop()

    def start(self, eyes: set[str] | None = None) -> None:
        """Open the camera if needed, then preview the eyes still needed (or `eyes`).
        While a cancelled session is still winding down (its preview stopping), the new
        one is started when it has ended."""
        if not self._active:
            return
        wanted = eyes if eyes is not None else self.needed()
        if not wanted:
            return
        if self.capturing:
            if self._handle is not None and self._handle.cancel_token.cancelled:
                self._start_after = set(wanted)
            return
        self._session_eyes = eyes_to_capture(wanted)
        self._capture_now.clear()
        self.checks.reset(self.tr("Live, from the preview"))
        self.preview.set_analysis({})
        self.preview.placeholder = self.tr("Opening the iris camera…")
        self.messages.opening()
        self.ctx.devices.ensure(DeviceKind.IRIS, on_ready=self._camera_ready, on_failed=self._open_failed)

    def capture(self) -> None:
        """ "Capture": the running session stops waiting and takes the eyes."""
        if self.capturing and not self._capture_now.is_set():
            self._capture_now.set()
            self.messages.capturing()
            self._set_buttons()

    def recapture(self) -> None:
        """Take every eye that is not an exception again (the items are replaced)."""
        if self.capturing:
            return
        self._held = None
        self.start(set(EYES) - self.excepted())

    def keep(self) -> None:
        """Keep the held captures although a check failed (the operator's decision)."""
        held, self._held = self._held, None
        if held is not None:
            self._save(held.captures)

    # --- the session ----------------------------------------------------------------

    def _camera_ready(self, device: object) -> None:
        if not self._active or self.capturing or not isinstance(device, IrisCamera):
            return
        if self.exception_panel.isVisible():
            return  # the operator is saying why an eye cannot be taken: the answer decides which
        self.frames_shown = self.analyses_shown = 0  # this session's
        self.threshold = type(device).device_threshold
        self.device_label.setText(device_line(self.ctx, DeviceKind.IRIS))
        self.messages.look()
        self._session += 1
        session = self._session
        self._handle = self.ctx.tasks.run(
            run_iris_session,
            device,
            self._session_eyes,
            capture_now=self._capture_now,
            on_frame=self._frames,
            on_attempt=lambda n, attempt: self._attempts((n, attempt)),
            exceptions=tuple(sorted(self.excepted())) if self._session_eyes != "both" else (),
            on_done=lambda captures: self._captured(session, captures),
            on_failed=lambda failure: self._failed(session, failure),
            cancellable=True,
            owner=self,
            name="iris session",
        )
        self._set_buttons()

    def _stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._waiting_frame = None

    def _show_frame(self, frame: np.ndarray) -> None:
        if not self.capturing:
            return
        self.frames_shown += 1
        self.preview.set_frame(bgr_image(frame), self._session_eyes)
        if self._analysing:
            self._waiting_frame = (frame, self._session_eyes)  # replaces an older one: dropped
            return
        self._analyse(frame, self._session_eyes)

    def _analyse(self, frame: np.ndarray, eyes: str) -> None:
        self._analysing = True
        self.ctx.tasks.run(
            assess_preview,
            frame,
            eyes,
            on_done=self._show_analysis,
            on_failed=self._analysis_failed,
            owner=self,
            name="iris checks",
        )

    def _analysis_ended(self) -> None:
        self._analysing = False
        waiting, self._waiting_frame = self._waiting_frame, None
        if waiting is not None and self.capturing:
            self._analyse(*waiting)

    def _show_analysis(self, analysis: Analysis) -> None:
        if self.capturing and not self._capture_now.is_set():
            self.analyses_shown += 1
            self.preview.set_analysis(analysis)
            for eye, quality in analysis.items():
                self.checks.show_quality(eye, quality)
        self._analysis_ended()

    def _analysis_failed(self, failure: Failure) -> None:
        log.warning("iris preview analysis failed: %s", failure.details.splitlines()[-1:] or failure.error)
        self._analysis_ended()

    def _show_stored(self, images: dict[str, np.ndarray]) -> None:
        if self._active and not self.capturing:
            for eye, image in images.items():
                self.boxes[eye].show_image(image, "")

    def _show_attempt(self, value: tuple[int, dict[str, IrisAttempt]]) -> None:
        number, attempt = value
        if not self.capturing or not attempt:
            return
        for eye, taken in attempt.items():
            self.checks.show_score(eye, taken.device_score)
            self.boxes[eye].show_image(taken.image, "")
        shown = ", ".join(f"{self._eye_title(e)} {a.device_score:.0f}" for e, a in attempt.items())
        self.messages.attempt(str(number), str(ATTEMPTS), shown)

    def _ended(self, session: int) -> bool:
        """Session `session` ended: start the one asked for meanwhile. True if its result
        is stale (the session was cancelled, or the page left): a capture that arrives
        after the operator moved on is dropped, never saved.

        Trap: a task stops `running` on its worker thread before its answer reaches this
        thread, so a new session may have started meanwhile; an older session's answer
        is stale and leaves the current one alone."""
        if session != self._session:
            return True
        handle, self._handle = self._handle, None
        self._waiting_frame = None
        stale = handle is None or handle.cancel_token.cancelled or not self._active
        after, self._start_after = self._start_after, None
        if after is not None and self._active:
            self.start(after)
        self._set_buttons()
        return stale

    def _captured(self, session: int, captures: dict[str, IrisCapture]) -> None:
        if self._ended(session):
            return
        self.checks.reset(self.tr("Of the captured images"))
        for eye, capture in captures.items():
            self.checks.show_quality(eye, capture.quality)
            self.checks.show_score(eye, capture.device_score)
            self.boxes[eye].show_image(capture.image, "")
        failed = [eye for eye, c in captures.items() if not c.passed]
        if failed:
            self._held = _Held(dict(captures))
            reasons = "; ".join(self._why(captures[eye]) for eye in failed)
            self.messages.held(", ".join(self._eye_title(e) for e in failed), reasons)
            self._set_buttons()
            return
        self._save(captures)

    def _why(self, capture: IrisCapture) -> str:
        parts = [f"{self.ctx.t(m.label)} {'' if m.value is None else _number(m.value)}" for m in capture.quality.failed]
        if capture.device_score < self.threshold:
            score = self.tr("device score %1 below %2")
            parts.append(score.replace("%1", f"{capture.device_score:.0f}").replace("%2", f"{self.threshold:.0f}"))
        return ", ".join(p.strip() for p in parts)

    def _save(self, captures: Mapping[str, IrisCapture]) -> None:
        items = {eye: iris_capture(c) for eye, c in captures.items()}
        self.messages.saving()
        self._set_buttons()

        def set_items(wf: EnrollmentWorkflow) -> None:
            for eye, item in items.items():
                wf.set_iris(eye, item)

        self.wizard.submit(set_items, on_done=self._saved, on_failed=self._refused)

    def _saved(self, _: object) -> None:
        self._render()
        if not self._active:
            return
        if self.needed():
            self.start()
        else:
            self.messages.saved()

    def _failed(self, session: int, failure: Failure) -> None:
        if self._ended(session) or failure.cancelled:
            return
        self.preview.placeholder = self.tr("No picture")
        self.preview.set_frame(None, self._session_eyes)
        self.status.fail(failure)

    def _open_failed(self, failure: Failure) -> None:
        if self._active:
            self.preview.placeholder = self.tr("No picture")
            self.status.fail(failure)
            self._set_buttons()

    def _refused(self, failure: Failure) -> None:
        self.status.refused(failure)
        self._set_buttons()

    # --- exceptions -----------------------------------------------------------------

    def open_exception(self, eye: str) -> None:
        """ "Mark exception…" of an eye: stop the session and ask why it cannot be taken."""
        self._exception_eye = eye
        self._held = None
        self._start_after = None
        self._stop()
        self.exception_panel.open_for(self._eye_title(eye), exception_reasons(IRIS_ITEM_KINDS[eye]))
        self.messages.choose_reason()
        self._set_buttons()

    def _exception_approved(self, reason: ItemException, note: str, approver: User) -> None:
        eye = self._exception_eye
        if eye is None:
            return

        def set_exception(wf: EnrollmentWorkflow) -> None:
            wf.set_iris_exception(eye, reason, note=note, approver=approver)

        self.wizard.submit(set_exception, on_done=self._exception_saved, on_failed=self._refused)

    def _exception_saved(self, _: object) -> None:
        self.messages.exception_recorded()
        self._saved(None)

    def _exception_cancelled(self) -> None:
        self._exception_eye = None
        if self._active and self.needed():
            self.start()

    # --- rendering ------------------------------------------------------------------

    def _render(self) -> None:
        snapshot = self.wizard.snapshot
        for eye, box in self.boxes.items():
            item = snapshot.item(IRIS_ITEM_KINDS[eye])
            if item is None:
                box.note.setText(self.tr("not captured"))
                box.note.setStyleSheet(WAITING_STYLE)
            elif item.exception_reason:
                label = self.ctx.t(ITEM_EXCEPTION_LABELS[ItemException(item.exception_reason)])
                box.note.setText(self.tr("Exception: %1").replace("%1", label))
                box.note.setStyleSheet("")
                box.show_image(None, self.tr("exception"))
                self.checks.clear_eye(eye)
            else:
                box.note.setText(self.tr("captured, device score %1").replace("%1", f"{item.quality or 0:.0f}"))
                box.note.setStyleSheet(OK_STYLE)
        self._set_buttons()

    def _set_buttons(self) -> None:
        session = self.capturing
        self.capture_button.setEnabled(session and not self._capture_now.is_set())
        self.keep_button.setVisible(self._held is not None)
        self.recapture_button.setEnabled(not session and (self._held is not None or not self.needed()))
        for box in self.boxes.values():
            box.exception_button.setEnabled(not self.exception_panel.isVisible())

"""The fingerprint step with a 4-4-2 slap scanner (MOSIP SBI): left four, right four,
both thumbs, each the best of up to three attempts against the device's threshold.

The fingerprint page shows this view instead of its single-finger one when the scanner
it opened is a slap scanner; the rules are the core's (station/slaps.py): which fingers
a slap asks for, which approved exceptions go into the request's `exception[]`, what a
wrong hand or a short slap means. Fingers are recorded as the workflow's finger items
and finger exceptions, approved by a supervisor with the same panel as the single-finger
flow.

One capture runs at a time (`capture_slap` on a worker thread; the SBI service's own
I/O thread does the HTTP), with the device's live preview of the slap beside the
fingers of the last attempt while it runs (the preview's own stream thread). Choosing another slap cancels the running capture and starts
the new one once the old has ended; a cancelled capture's result is discarded. Each
enrollment has its own SBI hash chain, kept here for the enrollment shown.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from common.biometrics import ITEM_EXCEPTION_LABELS, CapturedItem, FingerPosition, ItemException
from devices.base import DeviceKind
from devices.sbi.chain import CaptureChain
from devices.sbi.finger import SbiFingerprintScanner, SlapCapture
from devices.sbi.spec import SLAP_ORDER, Slap
from station.auth import User
from station.slaps import (
    SLAP_ATTEMPTS,
    THRESHOLD,
    SlapProblem,
    SlapVerdict,
    capture_with_preview,
    fingers_of,
    kept_attempt,
    next_slap,
    plan_slap,
    record_slap,
    slap_done,
    slap_label,
    slap_of,
    slap_problem,
    slap_scanner,
    verdict,
)
from station.workflow import EnrollmentWorkflow
from ui.app_context import AppContext
from ui.callback_relays import Batched, Latest
from ui.messages import CoreMsg, InfoMsg, OkMsg, ScreenMessages
from ui.qt_images import bgr_image, grey_image
from ui.tasks import Failure
from ui.wizard.base import WizardController
from ui.wizard.capture_queue import CaptureQueue
from ui.wizard.capture_status import CaptureStatus, device_line
from ui.wizard.exception_panel import ExceptionPanel
from ui.wizard.hands import FingerState, HandDiagram, QualityBar

log = logging.getLogger(__name__)

FINGER_VIEW = QSize(110, 124)  # one finger of the attempt shown (an SBI finger is about 256 x 288)
PREVIEW_VIEW = QSize(300, 124)  # the live view of a slap (wide: four fingers side by side)


class SlapView(QWidget):
    """Three slaps on a hand diagram with each finger's device quality against the threshold.

    `single_finger_device(device)` when the scanner that opens is no longer a slap scanner
    (a technician chose another): the page goes back to the single-finger flow."""

    single_finger_device = Signal(object)

    class Messages(ScreenMessages):
        """What the slap view may say on its capture's status line."""

        context = "SlapView"
        opening = InfoMsg(QT_TRANSLATE_NOOP("SlapView", "Opening the fingerprint scanner…"))
        place_slap = InfoMsg(QT_TRANSLATE_NOOP("SlapView", "Place the %1 flat on the scanner."))
        captured = OkMsg(QT_TRANSLATE_NOOP("SlapView", "%1: captured. Re-capture the slap to take it again."))
        all_done = OkMsg(QT_TRANSLATE_NOOP("SlapView", "All ten fingers are done."))
        choose_reason = InfoMsg(
            QT_TRANSLATE_NOOP(
                "SlapView",
                "Choose the reason; a supervisor must approve it. The scanner is then told this finger is missing.",
            )
        )
        exception_recorded = InfoMsg(
            QT_TRANSLATE_NOOP("SlapView", "Recorded as an exception. Re-capture the slap to take it after all.")
        )
        nothing_to_capture = InfoMsg(
            QT_TRANSLATE_NOOP("SlapView", "Every finger of the %1 is an exception: nothing to capture.")
        )
        below_threshold = CoreMsg("warning")  # the core's verdict: which fingers, what to do
        resident_problem = CoreMsg("error")  # wrong hand, fingers not read: what to do

    def __init__(self, ctx: AppContext, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.wizard = wizard
        self.threshold = THRESHOLD
        self.slap: Slap | None = None  # the slap shown (and taken)
        self.selected: FingerPosition | None = None  # the finger clicked (for an exception)
        self.kept: dict[Slap, SlapCapture] = {}  # each slap's last kept capture (what was recorded)
        self.problem: SlapProblem | None = None  # the last slap the resident must place again
        self._active = False
        self._queue = CaptureQueue()
        self._capturing_slap: Slap | None = None
        self._chain = CaptureChain()
        self._chain_uuid = ""
        self._attempts: Batched[SlapCapture] = Batched(ctx, self, self._show_attempts)
        self._frames: Latest[np.ndarray] = Latest(ctx, self, self._show_frame)
        self.preview_frames = 0  # live frames shown during this capture (the device's STREAM)

        self.device_label = QLabel()
        self.slap_title = QLabel()
        self.slap_title.setObjectName("current_slap")
        self.slap_title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.slap_steps: dict[Slap, QLabel] = {}
        steps = QHBoxLayout()
        for slap in SLAP_ORDER:
            step = QLabel()
            step.setObjectName(f"slap_step_{slap.name.lower()}")
            self.slap_steps[slap] = step
            steps.addWidget(step)
        steps.addStretch(1)
        self.diagram = HandDiagram(ctx)
        self.diagram.set_threshold(self.threshold)
        self.status = CaptureStatus(ctx, DeviceKind.FINGERPRINT)
        self.messages = SlapView.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.retry_button = self.status.retry_button
        self.preview = QLabel()  # the device's live view of the slap while it is taken
        self.preview.setObjectName("slap_preview")
        self.preview.setFixedSize(PREVIEW_VIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px solid #999; background: #202020;")
        self.finger_images: list[QLabel] = []
        images = QHBoxLayout()
        images.addWidget(self.preview)
        for _ in range(4):
            view = QLabel()
            view.setFixedSize(FINGER_VIEW)
            view.setAlignment(Qt.AlignmentFlag.AlignCenter)
            view.setStyleSheet("border: 1px solid #999; background: #fafafa;")
            self.finger_images.append(view)
            images.addWidget(view)
        images.addStretch(1)
        self.attempt_label = QLabel()
        self.attempt_label.setWordWrap(True)
        self.recapture_button = QPushButton(self.tr("Re-capture slap"))
        self.next_button = QPushButton(self.tr("Next slap"))
        self.exception_button = QPushButton(self.tr("Mark exception…"))
        self.exception_panel = ExceptionPanel(ctx, "")
        self.exception_panel.hide()

        self.bars: dict[FingerPosition, QualityBar] = {}
        self.notes: dict[FingerPosition, QLabel] = {}
        table = QGridLayout()
        table.setHorizontalSpacing(10)
        table.setColumnStretch(1, 1)
        row = 0
        for slap in SLAP_ORDER:
            for position in fingers_of(slap):
                bar = QualityBar(self.threshold)
                note = QLabel()
                note.setMinimumWidth(150)
                table.addWidget(QLabel(ctx.t(position.label)), row, 0)
                table.addWidget(bar, row, 1)
                table.addWidget(note, row, 2)
                self.bars[position], self.notes[position] = bar, note
                row += 1

        left = QVBoxLayout()
        left.addWidget(self.device_label)
        left.addLayout(steps)
        left.addWidget(self.slap_title)
        left.addWidget(self.diagram, 1)
        left.addWidget(self.status)
        left.addLayout(images)
        left.addWidget(self.attempt_label)
        actions = QHBoxLayout()
        actions.addWidget(self.recapture_button)
        actions.addWidget(self.next_button)
        actions.addWidget(self.exception_button)
        actions.addStretch(1)
        left.addLayout(actions)
        right = QVBoxLayout()
        heading = QLabel(self.tr("Device quality (the line marks the minimum, %1)").replace("%1", f"{THRESHOLD:.0f}"))
        heading.setObjectName("slap_quality_heading")
        heading.setStyleSheet("font-weight: bold;")
        self.quality_heading = heading
        right.addWidget(heading)
        right.addLayout(table)
        right.addWidget(self.exception_panel)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        self.diagram.selected.connect(self.select_finger)
        self.retry_button.clicked.connect(lambda: self._capture(self.slap))
        self.recapture_button.clicked.connect(self.recapture)
        self.next_button.clicked.connect(self.next_slap)
        self.exception_button.clicked.connect(self.open_exception)
        self.exception_panel.approved.connect(self._exception_approved)
        self.exception_panel.cancel_button.clicked.connect(self._exception_cancelled)

    # --- lifecycle ----------------------------------------------------------------

    def start(self, device: SbiFingerprintScanner) -> None:
        """The page found a slap scanner: show it and take what is missing."""
        self.threshold = type(device).quality_threshold
        self.diagram.set_threshold(self.threshold)
        for bar in self.bars.values():
            bar.set_threshold(self.threshold)
        self.device_label.setText(device_line(self.ctx, DeviceKind.FINGERPRINT))
        self.enter()

    def enter(self) -> None:
        self._active = True
        self._render()
        following = next_slap(self._items())
        if following is None:
            self._all_done()
        else:
            self.choose_slap(following)

    def leave(self) -> None:
        self._active = False
        self._queue.stop()

    @property
    def capturing(self) -> bool:
        return self._queue.running

    def _items(self) -> dict[str, CapturedItem]:
        return dict(self.wizard.snapshot.items)

    def _chain_now(self) -> CaptureChain:
        """The SBI hash chain of the enrollment shown (a new one for a new enrollment)."""
        uuid = self.wizard.snapshot.uuid
        if uuid != self._chain_uuid:
            self._chain, self._chain_uuid = CaptureChain(), uuid
        return self._chain

    # --- choosing -----------------------------------------------------------------

    def select_finger(self, position: FingerPosition) -> None:
        """A click on the diagram: that finger (for an exception) and its slap."""
        self.selected = position
        self.diagram.set_current(position)
        self.choose_slap(slap_of(position))
        self._set_buttons()  # "Mark exception…" now has a finger, even while its slap is being taken

    def choose_slap(self, slap: Slap) -> None:
        """Show `slap`; take it if a finger of it has nothing yet."""
        self.slap = slap
        self.diagram.set_group(fingers_of(slap))
        self.slap_title.setText(self.ctx.t(slap_label(slap)))
        self.exception_panel.hide()
        self._render_steps()
        if not slap_done(slap, self._items()):
            self._capture(slap)
            return
        self._queue.cancel()
        selected = self.wizard.snapshot.item(self.selected.item_kind) if self.selected is not None else None
        if selected is not None and selected.exception_reason and self.selected in fingers_of(slap):
            self.messages.exception_recorded()
        else:
            self.messages.captured(self.ctx.t(slap_label(slap)))
        self._set_buttons()

    def next_slap(self) -> None:
        """ "Next slap": go on to the next slap still missing (after one kept below the threshold)."""
        following = next_slap(self._items(), after=self.slap)
        if following is None:
            self._all_done()
        else:
            self.selected = None
            self.diagram.set_current(None)
            self.choose_slap(following)

    def recapture(self) -> None:
        """Take the slap shown again; a selected finger of it that is an exception is taken
        after all (its exception is withdrawn first)."""
        slap, selected = self.slap, self.selected
        if slap is None:
            return
        item = self.wizard.snapshot.item(selected.item_kind) if selected is not None else None
        if selected is not None and item is not None and item.exception_reason and slap_of(selected) == slap:
            kind = selected.item_kind
            self.wizard.submit(
                lambda wf: wf.clear_item(kind),
                on_done=lambda _: self._recapture_now(slap),
                on_failed=self.status.refused,
            )
            return
        self._recapture_now(slap)

    def _recapture_now(self, slap: Slap) -> None:
        self._render()
        if self._active and self.slap == slap:
            self._capture(slap)

    # --- capture ------------------------------------------------------------------

    def _capture(self, slap: Slap | None) -> None:
        if slap is None or not self._active:
            return
        self.exception_panel.hide()
        if self.capturing:
            if self._capturing_slap != slap or self._queue.cancelled:
                self._queue.after(lambda: self._capture(slap))  # once the running capture has ended
            return  # else already taking this slap
        plan = plan_slap(slap, self._items())
        if not plan.needed:
            self.messages.nothing_to_capture(self.ctx.t(plan.label).lower())
            self._set_buttons()
            return
        self.messages.opening()
        self.ctx.devices.ensure(
            DeviceKind.FINGERPRINT, on_ready=lambda device: self._run(device, slap), on_failed=self._open_failed
        )

    def _run(self, device: object, slap: Slap) -> None:
        scanner = slap_scanner(device)
        if not self._active or self.capturing or slap != self.slap:
            return
        if scanner is None:
            self.leave()
            self.single_finger_device.emit(device)
            return
        plan = plan_slap(slap, self._items())
        if not plan.needed:
            return
        self.device_label.setText(device_line(self.ctx, DeviceKind.FINGERPRINT))
        self.messages.place_slap(self.ctx.t(plan.label).lower())
        self.problem = None
        self._capturing_slap = slap
        self._clear_images()
        self.preview.clear()
        self.preview_frames = 0
        self.attempt_label.clear()
        self._queue.handle = self.ctx.tasks.run(
            capture_with_preview,
            scanner,
            slap,
            on_frame=self._frames,
            exceptions=plan.exceptions,
            attempts=SLAP_ATTEMPTS,
            chain=self._chain_now(),
            on_attempt=lambda _n, capture: self._attempts(capture),
            on_done=self._captured,
            on_failed=self._capture_failed,
            cancellable=True,
            owner=self,
            name=f"capture slap {slap.name.lower()}",
        )
        self._set_buttons()

    def _ended(self) -> bool:
        """The running capture ended; start a queued one. True if its result is stale."""
        stale = self._queue.ended(active=self._active)
        self._set_buttons()
        return stale

    def _show_attempts(self, attempts: list[SlapCapture]) -> None:
        if not self.capturing or not attempts:
            return
        shown = attempts[-1]
        self._show_fingers(shown)
        scores = self._scores(shown)
        text = (
            self.tr("%1, attempt %2 of %3: %4")
            .replace("%1", self.ctx.t(slap_label(shown.slap)))
            .replace("%2", str(shown.attempts))
            .replace("%3", str(SLAP_ATTEMPTS))
            .replace("%4", scores)
        )
        if not shown.passed and shown.attempts < SLAP_ATTEMPTS:
            text += " \u2014 " + self.tr("below the minimum; lift the hand and place it again.")
        self.attempt_label.setText(text)

    def _scores(self, capture: SlapCapture) -> str:
        return ", ".join(f"{self.ctx.t(p.label).lower()} {q:.0f}" for p, q in capture.scores.items())

    def _show_frame(self, frame: np.ndarray) -> None:
        if not self.capturing:
            return
        self.preview_frames += 1
        self.preview.setPixmap(
            QPixmap.fromImage(bgr_image(frame)).scaled(
                PREVIEW_VIEW, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
            )
        )

    def _show_fingers(self, capture: SlapCapture) -> None:
        """Each finger's image of an attempt with the device's score under the threshold or not."""
        self._clear_images()
        for view, (position, finger) in zip(self.finger_images, capture.fingers.items(), strict=False):
            view.setPixmap(
                QPixmap.fromImage(grey_image(np.ascontiguousarray(finger.image))).scaled(
                    FINGER_VIEW, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
            good = finger.quality >= capture.threshold
            view.setToolTip(f"{self.ctx.t(position.label)}: {finger.quality:.0f}")
            view.setStyleSheet(f"border: 2px solid {'#58c27d' if good else '#e67e22'}; background: #fafafa;")

    def _clear_images(self) -> None:
        for view in self.finger_images:
            view.clear()
            view.setToolTip("")
            view.setStyleSheet("border: 1px solid #999; background: #fafafa;")

    def _captured(self, capture: SlapCapture) -> None:
        if self._ended():
            return
        self.kept[capture.slap] = capture
        self._show_fingers(capture)
        judged = verdict(capture)
        self.attempt_label.setText(
            self.tr("%1: kept attempt %2 of %3: %4")
            .replace("%1", self.ctx.t(slap_label(capture.slap)))
            .replace("%2", str(kept_attempt(capture)))
            .replace("%3", str(len(capture.attempt_scores)))
            .replace("%4", self._scores(capture))
        )

        def record(wf: EnrollmentWorkflow) -> list[FingerPosition]:
            return record_slap(wf, capture)

        self.wizard.submit(record, on_done=lambda _: self._saved(capture.slap, judged), on_failed=self.status.refused)

    def _capture_failed(self, failure: Failure) -> None:
        slap = self._capturing_slap
        if self._ended() or failure.cancelled or slap is None:
            return
        problem = slap_problem(failure.error, slap)
        if problem is None:
            self.status.fail(failure)  # the device's fault: the health strip shows it
            return
        self.problem = problem  # the resident's doing: Retry, the scanner stays ready
        text = self.ctx.t(problem.text)
        if problem.may_be_exception:
            missing = problem.missing[0]
            self.selected = missing
            self.diagram.set_current(missing)
            text += " " + self.tr("If the %1 is missing or bandaged, press 'Mark exception…'.").replace(
                "%1", self.ctx.t(missing.label).lower()
            )
        self.messages.resident_problem.show_text(text)
        self.retry_button.show()
        self._set_buttons()

    def _open_failed(self, failure: Failure) -> None:
        if self._active:
            self.status.fail(failure)

    def _saved(self, slap: Slap, judged: SlapVerdict) -> None:
        self._render()
        if not self._active:
            return
        if not judged.passed:
            self.messages.below_threshold.show_text(self.ctx.t(judged.text))
            self._set_buttons()
            return  # the operator re-captures or goes on ("Next slap")
        following = next_slap(self._items(), after=slap)
        if following is None:
            self._all_done()
        elif self.slap == slap and not self.capturing:
            self.selected = None
            self.diagram.set_current(None)
            self.choose_slap(following)

    def _all_done(self) -> None:
        self.messages.all_done()
        self.slap = None
        self.diagram.set_group(())
        self.diagram.set_current(None)
        self.slap_title.setText("")
        self._render_steps()
        self._set_buttons()

    # --- exceptions ---------------------------------------------------------------

    def open_exception(self) -> None:
        """ "Mark exception…" for the finger selected on the diagram: stop the slap's capture
        and ask why the finger cannot be taken."""
        if self.selected is None:
            return
        self._queue.drop()
        self.exception_panel.open_for(self.ctx.t(self.selected.label))
        self.messages.choose_reason()

    def _exception_approved(self, reason: ItemException, note: str, approver: User) -> None:
        position = self.selected
        if position is None:
            return
        self.wizard.submit(
            lambda wf: wf.set_finger_exception(position, reason, note=note, approver=approver),
            on_done=lambda _: self._exception_saved(position),
            on_failed=self.status.refused,
        )

    def _exception_saved(self, position: FingerPosition) -> None:
        self._render()
        if not self._active:
            return
        slap = slap_of(position)
        if not slap_done(slap, self._items()):
            self.choose_slap(slap)  # taken now with the finger in exception[]
            return
        self.slap = slap  # its other fingers stay as taken; "Re-capture slap" takes the finger after all
        self.diagram.set_group(fingers_of(slap))
        self.messages.exception_recorded()
        self._render_steps()
        self._set_buttons()

    def _exception_cancelled(self) -> None:
        if self.slap is not None and not slap_done(self.slap, self._items()):
            self._capture(self.slap)

    # --- rendering ----------------------------------------------------------------

    def _render(self) -> None:
        snapshot = self.wizard.snapshot
        for position in FingerPosition:
            item = snapshot.item(position.item_kind)
            note = self.notes[position]
            if item is None:
                self.diagram.set_state(position, FingerState.MISSING)
                self.diagram.set_quality(position, None)
                self.bars[position].set_value(None)
                note.setText("")
            elif item.exception_reason:
                self.diagram.set_state(position, FingerState.EXCEPTION)
                self.diagram.set_quality(position, None)
                self.bars[position].set_value(None)
                label = self.ctx.t(ITEM_EXCEPTION_LABELS[ItemException(item.exception_reason)])
                note.setText(self.tr("Exception: %1").replace("%1", label))
            else:
                self.diagram.set_state(position, FingerState.CAPTURED)
                self.diagram.set_quality(position, item.quality)
                self.bars[position].set_value(item.quality)
                low = item.quality is not None and item.quality < self.threshold
                note.setText(self.tr("below the minimum") if low else self.tr("captured"))
        self._render_steps()
        self._set_buttons()

    def _render_steps(self) -> None:
        items = self._items()
        for number, slap in enumerate(SLAP_ORDER, 1):
            label = self.ctx.t(slap_label(slap))
            mark = "\u2714 " if slap_done(slap, items) else ""
            step = self.slap_steps[slap]
            step.setText(f"{mark}{number}. {label}")
            step.setStyleSheet("font-weight: bold; color: #1565c0;" if slap == self.slap else "")

    def _set_buttons(self) -> None:
        items = self._items()
        slap = self.slap
        done = slap is not None and slap_done(slap, items)
        self.recapture_button.setEnabled(slap is not None and not self.capturing)
        self.next_button.setEnabled(done and next_slap(items, after=slap) is not None and not self.capturing)
        self.exception_button.setEnabled(self.selected is not None)
        self.exception_button.setToolTip(
            "" if self.selected is not None else self.tr("Click the finger on the hands first.")
        )

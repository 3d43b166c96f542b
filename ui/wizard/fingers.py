"""The fingerprint step: ten fingers in order, best of three attempts each, exceptions
approved by a supervisor, re-capture of any finger.

With a 4-4-2 slap scanner (MOSIP SBI) the page shows the slap view instead
(ui/wizard/slaps.py): it learns which when the scanner has opened, so an EF01 module
keeps this flow unchanged.

One capture runs at a time (`capture_finger` on a worker thread; the scanner's port
thread does the I/O). Choosing another finger cancels the running capture and starts
the new one only once the old one has ended, so two captures never interleave their
commands on the port. A capture that was cancelled is discarded even if its image
arrived meanwhile: the operator had moved on.
"""

from __future__ import annotations

import logging
from typing import ClassVar

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from common.biometrics import ITEM_EXCEPTION_LABELS, FingerPosition, ItemException
from devices.base import DeviceKind
from devices.kinds import FingerCapture, FingerprintScanner
from devices.sbi.finger import SbiFingerprintScanner
from station.auth import User
from station.captures import finger_capture
from station.slaps import slap_scanner
from station.workflow import Step
from ui.app_context import AppContext
from ui.callback_relays import Batched
from ui.messages import InfoMsg, OkMsg, ScreenMessages
from ui.qt_images import grey_image
from ui.tasks import Failure
from ui.widgets import PageStack
from ui.wizard.base import StepPage, WizardController
from ui.wizard.capture_queue import CaptureQueue
from ui.wizard.capture_status import CaptureStatus, device_line
from ui.wizard.exception_panel import ExceptionPanel
from ui.wizard.hands import FingerState, HandDiagram, QualityBar
from ui.wizard.slaps import SlapView

log = logging.getLogger(__name__)

ATTEMPTS = 3
ATTEMPT_VIEW = QSize(160, 180)  # an EF01 image is 256 x 288


class FingerprintPage(StepPage):
    class Messages(ScreenMessages):
        """What this page may say on its capture's status line."""

        context = "FingerprintPage"
        exception_recorded = InfoMsg(
            QT_TRANSLATE_NOOP("FingerprintPage", "Recorded as an exception. Re-capture to take it after all.")
        )
        captured = OkMsg(QT_TRANSLATE_NOOP("FingerprintPage", "Captured. Re-capture to take it again."))
        opening = InfoMsg(QT_TRANSLATE_NOOP("FingerprintPage", "Opening the fingerprint scanner…"))
        place_finger = InfoMsg(QT_TRANSLATE_NOOP("FingerprintPage", "Place the %1 flat on the scanner."))
        all_done = OkMsg(QT_TRANSLATE_NOOP("FingerprintPage", "All ten fingers are done."))
        choose_reason = InfoMsg(
            QT_TRANSLATE_NOOP("FingerprintPage", "Choose the reason; a supervisor must approve it.")
        )

    step: ClassVar[Step] = Step.FINGERPRINTS

    def __init__(self, ctx: AppContext, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(ctx, wizard, parent)
        self._active = False
        self._queue = CaptureQueue()
        self._capturing_position: FingerPosition | None = None
        self._shown_attempts: list[float] = []
        self.current: FingerPosition | None = None
        self.threshold = FingerprintScanner.quality_threshold
        self._attempts: Batched[tuple[int, np.ndarray, float]] = Batched(ctx, self, self._show_attempts)

        self.diagram = HandDiagram(ctx)
        self.device_label = QLabel()
        self.finger_label = QLabel()
        self.finger_label.setObjectName("current_finger")
        self.finger_label.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.attempt_image = QLabel()
        self.attempt_image.setFixedSize(ATTEMPT_VIEW)
        self.attempt_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.attempt_image.setStyleSheet("border: 1px solid #999; background: #fafafa;")
        self.attempt_label = QLabel()
        self.attempt_label.setWordWrap(True)
        self.status = CaptureStatus(ctx, DeviceKind.FINGERPRINT)
        self.messages = FingerprintPage.Messages(self.status.line, ctx, on_show=self.status.reset)
        self.retry_button = self.status.retry_button
        self.exception_button = QPushButton(self.tr("Mark exception…"))
        self.recapture_button = QPushButton(self.tr("Re-capture"))
        self.exception_panel = ExceptionPanel(ctx, "")
        self.exception_panel.hide()

        self.bars: dict[FingerPosition, QualityBar] = {}
        self.notes: dict[FingerPosition, QLabel] = {}
        self.names: dict[FingerPosition, QLabel] = {}
        table = QGridLayout()
        table.setHorizontalSpacing(10)
        table.setColumnStretch(1, 1)
        for row, position in enumerate(FingerPosition):
            name = QLabel(ctx.t(position.label))
            bar = QualityBar(self.threshold)
            note = QLabel()
            note.setMinimumWidth(150)
            table.addWidget(name, row, 0)
            table.addWidget(bar, row, 1)
            table.addWidget(note, row, 2)
            self.names[position], self.bars[position], self.notes[position] = name, bar, note

        left = QVBoxLayout()
        left.addWidget(self.device_label)
        left.addWidget(self.diagram, 1)
        left.addWidget(self.status)
        shown = QHBoxLayout()
        shown.addWidget(self.attempt_image)
        about = QVBoxLayout()
        about.addWidget(self.finger_label)
        about.addWidget(self.attempt_label)
        actions = QHBoxLayout()
        actions.addWidget(self.recapture_button)
        actions.addWidget(self.exception_button)
        actions.addStretch(1)
        about.addLayout(actions)
        about.addStretch(1)
        shown.addLayout(about, 1)
        left.addLayout(shown)
        right = QVBoxLayout()
        heading = QLabel(self.tr("Quality (the line marks the minimum)"))
        heading.setStyleSheet("font-weight: bold;")
        right.addWidget(heading)
        right.addLayout(table)
        right.addWidget(self.exception_panel)
        right.addStretch(1)
        self.single = QWidget()  # the single-finger flow; a slap scanner gets `slaps` instead
        layout = QHBoxLayout(self.single)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self.slaps: SlapView | None = None
        self.stack = PageStack()
        self.stack.addWidget(self.single)
        outer = QVBoxLayout(self)
        outer.addWidget(self.stack)

        self.diagram.selected.connect(self.choose)
        self.retry_button.clicked.connect(lambda: self._capture(self.current))
        self.recapture_button.clicked.connect(lambda: self._capture(self.current))
        self.exception_button.clicked.connect(self.open_exception)
        self.exception_panel.approved.connect(self._exception_approved)
        self.exception_panel.cancel_button.clicked.connect(self._exception_cancelled)

    # --- step lifecycle -----------------------------------------------------------

    def enter(self) -> None:
        self._active = True
        scanner = slap_scanner(self.ctx.devices.manager.ready_device(DeviceKind.FINGERPRINT))
        if scanner is not None:
            self._use_slaps(scanner)
            return
        self._render()
        self.choose(self._next_missing(None) or FingerPosition.RIGHT_THUMB)

    def leave(self) -> None:
        self._active = False
        self._queue.stop()
        if self.slaps is not None:
            self.slaps.leave()

    @property
    def capturing(self) -> bool:
        return self._queue.running or (self.slaps is not None and self.slaps.capturing)

    @property
    def slap_mode(self) -> bool:
        """True when the scanner is a 4-4-2 slap scanner and the slap view is shown."""
        return self.slaps is not None and self.stack.currentWidget() is self.slaps

    def _use_slaps(self, scanner: SbiFingerprintScanner) -> None:
        """The scanner takes slaps: show the 4-4-2 view (station/slaps.py's rules) instead."""
        if self.slaps is None:
            self.slaps = SlapView(self.ctx, self.wizard)
            self.slaps.single_finger_device.connect(self._use_single)
            self.stack.addWidget(self.slaps)
        self.stack.setCurrentWidget(self.slaps)
        self.slaps.start(scanner)

    def _use_single(self, _device: object) -> None:
        """The scanner is a single-finger one after all (changed in the settings): today's flow."""
        self.stack.setCurrentWidget(self.single)
        if self._active:
            self._render()
            self.choose(self._next_missing(None) or FingerPosition.RIGHT_THUMB)

    def choose(self, position: FingerPosition) -> None:
        """Make `position` current (a click on the diagram); capture it if it has nothing yet."""
        self.current = position
        self.diagram.set_current(position)
        self.finger_label.setText(self.ctx.t(position.label))
        self.exception_panel.hide()  # the last image stays until this finger's first attempt
        item = self.wizard.snapshot.item(position.item_kind)
        if item is None:
            self._capture(position)
            return
        self._queue.cancel()
        if item.exception_reason:
            self.messages.exception_recorded()
        else:
            self.messages.captured()
        self._set_buttons()

    # --- capture ------------------------------------------------------------------

    def _capture(self, position: FingerPosition | None) -> None:
        if position is None or not self._active:
            return
        self.exception_panel.hide()
        if self.capturing:
            if self._capturing_position != position or self._queue.cancelled:
                self._queue.after(lambda: self._capture(position))  # once the running capture has ended
            return  # else already scanning this finger
        self.messages.opening()
        self.ctx.devices.ensure(
            DeviceKind.FINGERPRINT,
            on_ready=lambda device: self._run(device, position),
            on_failed=self._open_failed,
        )

    def _run(self, device: object, position: FingerPosition) -> None:
        if not self._active or self.capturing or position != self.current:
            return
        scanner = slap_scanner(device)
        if scanner is not None:
            self._use_slaps(scanner)
            return
        if not isinstance(device, FingerprintScanner):
            return
        self.threshold = type(device).quality_threshold
        for bar in self.bars.values():
            bar.set_threshold(self.threshold)
        self.device_label.setText(device_line(self.ctx, DeviceKind.FINGERPRINT))
        self.messages.place_finger(self.ctx.t(position.label).lower())
        self._shown_attempts = []
        self._capturing_position = position
        self._queue.handle = self.ctx.tasks.run(
            device.capture_finger,
            position,
            attempts=ATTEMPTS,
            on_attempt=lambda n, image, score: self._attempts((n, image, score)),
            on_done=self._captured,
            on_failed=self._capture_failed,
            cancellable=True,
            owner=self,
            name=f"capture {position.name.lower()}",
        )
        self._set_buttons()

    def _capturing_name(self) -> str:
        position = self._capturing_position
        return self.ctx.t(position.label) if position is not None else ""

    def _ended(self) -> bool:
        """The running capture ended; start a queued one. True if its result is stale."""
        stale = self._queue.ended(active=self._active)
        self._set_buttons()
        return stale

    def _show_attempts(self, attempts: list[tuple[int, np.ndarray, float]]) -> None:
        if not self.capturing:
            return
        number, image, score = attempts[-1]
        self._shown_attempts.extend(s for _, _, s in attempts)
        self.attempt_image.setPixmap(
            QPixmap.fromImage(grey_image(image)).scaled(
                ATTEMPT_VIEW, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        if self.current is not None:
            self.bars[self.current].set_value(max(self._shown_attempts))
        text = self.tr("%1, attempt %2 of %3: quality %4").replace("%1", self._capturing_name())
        text = text.replace("%2", str(number)).replace("%3", str(ATTEMPTS)).replace("%4", f"{score:.0f}")
        if score < self.threshold and number < ATTEMPTS:
            text += " \u2014 " + self.tr("too low; lift the finger and place it again.")
        self.attempt_label.setText(text)

    def _captured(self, capture: FingerCapture) -> None:
        if self._ended():
            return
        self.attempt_label.setText(
            self.tr("%1: kept the best of %2 attempts, quality %3")
            .replace("%1", self.ctx.t(capture.position.label))
            .replace("%2", str(capture.attempts))
            .replace("%3", f"{capture.quality:.0f}")
        )
        item = finger_capture(capture)
        self.wizard.submit(
            lambda wf: wf.set_finger(capture.position, item),
            on_done=lambda _: self._saved(capture.position),
            on_failed=self.status.refused,
        )

    def _capture_failed(self, failure: Failure) -> None:
        if self._ended() or failure.cancelled:
            return
        hint = ""
        if getattr(failure.error, "code", "") == "fingerprint.ghost_finger":
            hint = self.tr("Lift the finger and clean the platen, then press Retry.")
        self.status.fail(failure, hint=hint)

    def _open_failed(self, failure: Failure) -> None:
        if self._active:
            self.status.fail(failure)

    def _saved(self, position: FingerPosition) -> None:
        self._render()
        if not self._active:
            return
        following = self._next_missing(position)
        if following is None:
            self.messages.all_done()
            self.diagram.set_current(None)
            self._set_buttons()
        elif self.current == position and not self.capturing:
            self.choose(following)

    # --- exceptions ---------------------------------------------------------------

    def open_exception(self) -> None:
        """ "Mark exception…": stop scanning this finger and ask why it cannot be taken."""
        if self.current is None:
            return
        self._queue.drop()
        self.exception_panel.open_for(self.ctx.t(self.current.label))
        self.messages.choose_reason()

    def _exception_approved(self, reason: ItemException, note: str, approver: User) -> None:
        position = self.current
        if position is None:
            return
        self.wizard.submit(
            lambda wf: wf.set_finger_exception(position, reason, note=note, approver=approver),
            on_done=lambda _: self._saved(position),
            on_failed=self.status.refused,
        )

    def _exception_cancelled(self) -> None:
        if self.current is not None and not self.wizard.snapshot.has(self.current.item_kind):
            self._capture(self.current)

    # --- rendering ----------------------------------------------------------------

    def _next_missing(self, after: FingerPosition | None) -> FingerPosition | None:
        items = self.wizard.snapshot.kinds()
        order = list(FingerPosition)
        start = order.index(after) + 1 if after is not None else 0
        for position in order[start:] + order[:start]:
            if position.item_kind not in items:
                return position
        return None

    def _render(self) -> None:
        snapshot = self.wizard.snapshot
        for position in FingerPosition:
            item = snapshot.item(position.item_kind)
            note = self.notes[position]
            if item is None:
                self.diagram.set_state(position, FingerState.MISSING)
                self.bars[position].set_value(None)
                note.setText("")
            elif item.exception_reason:
                self.diagram.set_state(position, FingerState.EXCEPTION)
                self.bars[position].set_value(None)
                label = self.ctx.t(ITEM_EXCEPTION_LABELS[ItemException(item.exception_reason)])
                note.setText(self.tr("Exception: %1").replace("%1", label))
            else:
                self.diagram.set_state(position, FingerState.CAPTURED)
                self.bars[position].set_value(item.quality)
                note.setText(self.tr("captured"))
        self._set_buttons()

    def _set_buttons(self) -> None:
        has_item = self.current is not None and self.wizard.snapshot.has(self.current.item_kind)
        self.recapture_button.setEnabled(self.current is not None and has_item and not self.capturing)
        self.exception_button.setEnabled(self.current is not None)

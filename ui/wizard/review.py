"""Step 5: everything on one page, images included; go back to any step; seal once.

The Seal button submits `workflow.seal()` through the controller, which refuses a
second submission while the first runs, and the workflow itself refuses a second
seal: a double click or Enter pressed twice seals exactly once.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from common.biometrics import FACE, FINGER_EXCEPTION_LABELS, SIGNATURE, FingerException, FingerPosition
from station.demographics import FIELD_LABELS
from station.nik import mask_nik
from station.review import item_images
from station.workflow import STEP_LABELS, EnrollmentWorkflow, Step
from store.records import SealResult
from ui.tasks import Failure
from ui.widgets import MessageLine
from ui.wizard.base import StepPage, WizardController

log = logging.getLogger(__name__)


class ReviewPage(StepPage):
    step = Step.REVIEW
    sealed = Signal(object)  # SealResult

    def __init__(self, ctx: Any, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(ctx, wizard, parent)
        outer = QVBoxLayout(self)
        title = QLabel(self.tr("Review the record before sealing"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        outer.addWidget(title)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        self.body = QWidget()
        scroll.setWidget(self.body)
        outer.addWidget(scroll, 1)
        self.message = MessageLine()
        self.message.setObjectName("review_message")
        outer.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.seal_button = QPushButton(self.tr("Seal the record"))
        self.seal_button.setObjectName("seal_button")
        self.seal_button.setStyleSheet("font-size: 13pt; font-weight: bold; padding: 6px 18px;")
        self.seal_button.clicked.connect(self.seal)
        row.addWidget(self.seal_button)
        outer.addLayout(row)
        self.wizard.busy_changed.connect(lambda busy: self.seal_button.setEnabled(not busy))
        self.images: dict[str, bytes] = {}
        self._image_labels: dict[str, QLabel] = {}

    def enter(self) -> None:
        self.message.clear()
        self.images = {}
        self._render()
        items = list(self.wizard.workflow.enrollment.items.values())
        self.ctx.tasks.run(item_images, items, on_done=self._images, name="review images", owner=self)
        self.seal_button.setFocus()

    def _images(self, images: dict[str, bytes]) -> None:
        """Thumbnails made off the GUI thread, at their display size: only set them."""
        self.images = images
        for kind, label in self._image_labels.items():
            data = images.get(kind)
            if data:
                pm = QPixmap()
                pm.loadFromData(data)
                label.setPixmap(pm)

    def _pixmap(self, kind: str, width: int) -> QLabel:
        label = QLabel("…")
        label.setMinimumWidth(width)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._image_labels[kind] = label
        return label

    def _edit_button(self, step: Step) -> QPushButton:
        b = QPushButton(self.tr("Change") + f" ({self.ctx.t(STEP_LABELS[step])})")
        b.setObjectName(f"edit_{step.value}")
        b.clicked.connect(lambda: self.wizard.submit(lambda wf: wf.go_to(step)))
        return b

    def _render(self) -> None:
        old = self.body.layout()
        if old is not None:
            QWidget().setLayout(old)  # reparent the old layout away so it is deleted
        wf: EnrollmentWorkflow = self.wizard.workflow
        e = wf.enrollment
        self._image_labels = {}
        grid = QGridLayout(self.body)
        # Demographics
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.DEMOGRAPHICS]))
        form = QFormLayout(box)
        if e.demographics is not None:
            for name, value in e.demographics.to_json().items():
                shown = mask_nik(value) if name == "nik" else str(value)
                form.addRow(self.ctx.t(FIELD_LABELS[name]), QLabel(shown))
        form.addRow(self._edit_button(Step.DEMOGRAPHICS))
        grid.addWidget(box, 0, 0, 2, 1)
        # Photo
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.PHOTO]))
        v = QVBoxLayout(box)
        v.addWidget(self._pixmap(FACE, 180))
        v.addWidget(self._edit_button(Step.PHOTO))
        grid.addWidget(box, 0, 1)
        # Signature
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.SIGNATURE]))
        v = QVBoxLayout(box)
        sig = e.items.get(SIGNATURE)
        if sig is not None and sig.exception_reason:
            v.addWidget(QLabel(self._exception_text(sig.exception_reason, sig.approved_by)))
        else:
            v.addWidget(self._pixmap(SIGNATURE, 300))
        v.addWidget(self._edit_button(Step.SIGNATURE))
        grid.addWidget(box, 1, 1)
        # Fingers
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.FINGERPRINTS]))
        fg = QGridLayout(box)
        for i, pos in enumerate(FingerPosition):
            cell = QVBoxLayout()
            item = e.items.get(pos.item_kind)
            cell.addWidget(QLabel(self.ctx.t(pos.label)))
            if item is None:
                cell.addWidget(QLabel(self.tr("not captured")))
            elif item.exception_reason:
                cell.addWidget(QLabel(self._exception_text(item.exception_reason, item.approved_by)))
            else:
                cell.addWidget(self._pixmap(pos.item_kind, 80))
                cell.addWidget(QLabel(self.tr("quality") + f" {item.quality or 0:.0f}"))
            fg.addLayout(cell, i // 5, i % 5)
        fg.addWidget(self._edit_button(Step.FINGERPRINTS), 2, 0, 1, 5)
        grid.addWidget(box, 2, 0, 1, 2)
        missing = wf.missing()
        if missing:
            self.message.error("; ".join(self.ctx.t(m) for m in missing))

    def _exception_text(self, reason: str, approved_by: str | None) -> str:
        label = self.ctx.t(FINGER_EXCEPTION_LABELS[FingerException(reason)])
        return self.tr("Exception: %1 (approved by %2)").replace("%1", label).replace("%2", approved_by or "?")

    def seal(self) -> None:
        self.message.clear()

        def do_seal(wf: EnrollmentWorkflow) -> SealResult:
            return wf.seal()

        self.wizard.submit(do_seal, on_done=self._sealed, on_failed=self._refused)

    def _sealed(self, result: SealResult) -> None:
        log.info("sealed %s", result.reg_no)
        self.sealed.emit(result)

    def _refused(self, failure: Failure) -> None:
        self.message.failure(self.ctx, failure)

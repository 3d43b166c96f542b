"""The last step: everything on one page, images included; go back to any step; seal once.

The Seal button submits `workflow.seal()` through the controller. The button is off
while the controller is busy, this page submits one seal at a time (a second press
while one is queued or running is the same input, not a new one), and the workflow
itself refuses a second seal: a double click or Enter pressed twice seals exactly once.
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

from common.biometrics import (
    FACE,
    IRIS_LEFT,
    IRIS_RIGHT,
    ITEM_EXCEPTION_LABELS,
    SIGNATURE,
    FingerPosition,
    ItemException,
)
from station.demographics import FIELD_LABELS
from station.nik import mask_nik
from station.review import item_images
from station.workflow import STEP_LABELS, EnrollmentWorkflow, Step
from store.records import SealResult
from ui.messages import CoreMsg, ScreenMessages
from ui.tasks import Failure
from ui.widgets import MessageLine
from ui.wizard.base import StepPage, WizardController

log = logging.getLogger(__name__)


class ReviewPage(StepPage):
    class Messages(ScreenMessages):
        """What the review may say: what is still missing (the core's words) or a failure."""

        context = "ReviewPage"
        missing = CoreMsg()

    step = Step.REVIEW
    sealed = Signal(object)  # SealResult

    def __init__(self, ctx: Any, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(ctx, wizard, parent)
        self._sealing = False  # a seal is submitted and has not failed
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
        self.messages = ReviewPage.Messages(self.message, self.ctx)
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
        self._build()

    # --- the page is built once; entering it only fills in the values ------------
    # (creating its ~75 widgets on every entry froze the window for ~75 ms)

    def _build(self) -> None:
        grid = QGridLayout(self.body)
        self.values: dict[str, QLabel] = {}
        self.pictures: dict[str, QLabel] = {}
        self.notes: dict[str, QLabel] = {}
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.DEMOGRAPHICS]))
        form = QFormLayout(box)
        for name, label in FIELD_LABELS.items():
            value = QLabel()
            value.setObjectName(f"review_{name}")
            self.values[name] = value
            form.addRow(self.ctx.t(label), value)
        form.addRow(self._edit_button(Step.DEMOGRAPHICS))
        grid.addWidget(box, 0, 0, 2, 1)
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.PHOTO]))
        v = QVBoxLayout(box)
        v.addWidget(self._picture(FACE, 180))
        v.addWidget(self._edit_button(Step.PHOTO))
        grid.addWidget(box, 0, 1)
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.SIGNATURE]))
        v = QVBoxLayout(box)
        v.addWidget(self._picture(SIGNATURE, 300))
        v.addWidget(self._note(SIGNATURE))
        v.addWidget(self._edit_button(Step.SIGNATURE))
        grid.addWidget(box, 1, 1)
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.FINGERPRINTS]))
        fg = QGridLayout(box)
        for i, pos in enumerate(FingerPosition):
            cell = QVBoxLayout()
            cell.addWidget(QLabel(self.ctx.t(pos.label)))
            cell.addWidget(self._picture(pos.item_kind, 80))
            cell.addWidget(self._note(pos.item_kind))
            fg.addLayout(cell, i // 5, i % 5)
        fg.addWidget(self._edit_button(Step.FINGERPRINTS), 2, 0, 1, 5)
        grid.addWidget(box, 2, 0, 1, 2)
        box = QGroupBox(self.ctx.t(STEP_LABELS[Step.IRIS]))
        ig = QGridLayout(box)
        for col, (kind, title) in enumerate(((IRIS_RIGHT, self.tr("Right eye")), (IRIS_LEFT, self.tr("Left eye")))):
            cell = QVBoxLayout()
            cell.addWidget(QLabel(title))
            cell.addWidget(self._picture(kind, 160))
            cell.addWidget(self._note(kind))
            ig.addLayout(cell, 0, col, Qt.AlignmentFlag.AlignTop)
        ig.addWidget(self._edit_button(Step.IRIS), 1, 0, 1, 2)
        grid.addWidget(box, 3, 0, 1, 2)

    def _picture(self, kind: str, width: int) -> QLabel:
        label = QLabel()
        label.setMinimumWidth(width)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pictures[kind] = label
        return label

    def _note(self, kind: str) -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notes[kind] = label
        return label

    def _edit_button(self, step: Step) -> QPushButton:
        b = QPushButton(self.tr("Change") + f" ({self.ctx.t(STEP_LABELS[step])})")
        b.setObjectName(f"edit_{step.value}")
        b.clicked.connect(lambda: self.wizard.submit(lambda wf: wf.go_to(step)))
        return b

    def enter(self) -> None:
        self.messages.clear()
        self.images = {}
        self._render()
        items = [item for _kind, item in self.wizard.snapshot.items]
        self.ctx.tasks.run(item_images, items, on_done=self._images, name="review images", owner=self)
        self.seal_button.setFocus()

    def _render(self) -> None:
        snapshot = self.wizard.snapshot
        shown = snapshot.demographics.to_json() if snapshot.demographics is not None else {}
        for name, label in self.values.items():
            value = shown.get(name, "")
            label.setText(mask_nik(value) if name == "nik" and value else str(value))
        for kind, picture in self.pictures.items():
            item = snapshot.item(kind)
            picture.setPixmap(QPixmap())
            picture.setText("…" if item is not None and item.payload is not None else "")
            picture.setVisible(item is None or item.exception_reason is None)
        for kind, note in self.notes.items():
            item = snapshot.item(kind)
            if item is None:
                note.setText(self.tr("not captured"))
            elif item.exception_reason:
                note.setText(self._exception_text(item.exception_reason, item.approved_by))
            elif kind != SIGNATURE:
                note.setText(self.tr("quality") + f" {item.quality or 0:.0f}")
            else:
                note.setText("")
        missing = snapshot.missing
        if missing:
            self.messages.missing.show_text("; ".join(self.ctx.t(m) for m in missing))

    def _images(self, images: dict[str, bytes]) -> None:
        """Thumbnails made off the GUI thread, at their display size: only set them."""
        self.images = images
        for kind, label in self.pictures.items():
            data = images.get(kind)
            if data:
                pm = QPixmap()
                pm.loadFromData(data)
                label.setPixmap(pm)

    def _exception_text(self, reason: str, approved_by: str | None) -> str:
        label = self.ctx.t(ITEM_EXCEPTION_LABELS[ItemException(reason)])
        return self.tr("Exception: %1 (approved by %2)").replace("%1", label).replace("%2", approved_by or "?")

    def seal(self) -> None:
        if self._sealing or self.wizard.snapshot.sealed is not None:
            return  # the same press again: the seal already submitted answers it
        self._sealing = True
        self.messages.clear()

        def do_seal(wf: EnrollmentWorkflow) -> SealResult:
            return wf.seal()

        self.wizard.submit(do_seal, on_done=self._sealed, on_failed=self._refused)

    def _sealed(self, result: SealResult) -> None:
        log.info("sealed %s", result.reg_no)
        self.sealed.emit(result)

    def _refused(self, failure: Failure) -> None:
        self._sealing = False
        self.messages.failure(failure)

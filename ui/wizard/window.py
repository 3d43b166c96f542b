"""The enrollment wizard: a step bar, one page per step, cancel, and the sealed page.

It shows the page of `workflow.step` after every accepted input (the workflow decides
where to go next) and lets the operator go back to any completed step from the
step bar. Cancel asks first and discards the draft. After the seal it writes the
receipt PDF, shows it with Print and Save buttons, and offers the next resident.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.enrollment_rules import cancel_enrollment
from station.receipt import ReceiptData, receipt_data
from station.workflow import ORDER, STEP_LABELS, Step
from store.records import SealResult
from ui.messages import OkMsg, ScreenMessages
from ui.qt_images import FittedImage
from ui.receipt import print_receipt, render_receipt_image, save_receipt_as, write_receipt_pdf
from ui.tasks import Failure
from ui.widgets import MessageLine, PageStack
from ui.wizard.base import StepPage, WizardController
from ui.wizard.demographics import DemographicsPage
from ui.wizard.fingers import FingerprintPage
from ui.wizard.iris import IrisPage
from ui.wizard.photo import PhotoPage
from ui.wizard.review import ReviewPage
from ui.wizard.signature import SignaturePage

log = logging.getLogger(__name__)

# In the workflow's ORDER (the e-KTP order: data, photo, signature, fingerprints, iris).
PAGES: list[type[StepPage]] = [DemographicsPage, PhotoPage, SignaturePage, FingerprintPage, IrisPage, ReviewPage]
RECEIPTS_DIR = "receipts"
PREVIEW_DPI = 100.0  # an A6 page is then about 413 x 583 pixels: readable beside the buttons
MIN_PREVIEW_DPI = 60.0  # the smallest it is shown (248 x 350 pixels), on a small screen
CURRENT_STYLE = "font-weight: bold; color: white; background: #0b5394; border-radius: 4px; padding: 4px 10px;"
DONE_STYLE = "color: #1b7f3b; padding: 4px 10px;"
TODO_STYLE = "color: #666; padding: 4px 10px;"


def write_receipt(home: Path, data: ReceiptData, lang: str) -> Path:
    """The receipt PDF in the owner-only data directory (it names the resident)."""
    folder = home / RECEIPTS_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    return write_receipt_pdf(data, folder / f"{data.reg_no}.pdf", layout="a6", lang=lang)


@dataclass(frozen=True)
class SealedReceipt:
    """What the sealed page shows: the receipt's data, its PDF, and its preview image."""

    data: ReceiptData
    pdf: Path
    preview: QImage


def seal_receipt(core: Any, record_uuid: str, lang: str) -> SealedReceipt:
    """Off the GUI thread: the receipt PDF, and the same page drawn as the preview."""
    data = receipt_data(core, record_uuid=record_uuid)
    pdf = write_receipt(core.home, data, lang)
    return SealedReceipt(data, pdf, render_receipt_image(data, layout="a6", lang=lang, dpi=PREVIEW_DPI))


class SealedPage(QWidget):
    """The record is sealed: its registration number, the receipt, the next resident."""

    class Messages(ScreenMessages):
        """What this screen may say on its message line."""

        context = "SealedPage"
        receipt_ready = OkMsg(QT_TRANSLATE_NOOP("SealedPage", "The receipt is ready: print it for the resident."))

    next_resident = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: SealResult | None = None
        self.receipt: ReceiptData | None = None
        self.pdf_path: Path | None = None
        v = QVBoxLayout(self)
        done = QLabel(self.tr("Sealed. Registration number:"))
        done.setAlignment(Qt.AlignmentFlag.AlignCenter)
        done.setStyleSheet("font-size: 14pt;")
        v.addWidget(done)
        reg = QLabel("320412-01-0000000")
        self.reg_label = reg
        reg.setObjectName("sealed_reg_no")
        reg.setAlignment(Qt.AlignmentFlag.AlignCenter)
        reg.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        reg.setStyleSheet("font-size: 26pt; font-weight: bold;")
        v.addWidget(reg)
        # The receipt as it will print, beside what can be done with it.
        body = QHBoxLayout()
        body.addStretch(1)
        # As large as the screen allows (the whole page on a 1366 x 768 counter screen), at
        # most as drawn (PREVIEW_DPI), never smaller than a readable MIN_PREVIEW_DPI.
        self.preview = FittedImage()
        self.preview.setObjectName("receipt_preview")
        self.preview.setMinimumSize(round(105 * MIN_PREVIEW_DPI / 25.4), round(148 * MIN_PREVIEW_DPI / 25.4))
        self.preview.setMaximumSize(round(105 * PREVIEW_DPI / 25.4) + 2, round(148 * PREVIEW_DPI / 25.4) + 2)
        self.preview.setStyleSheet("border: 1px solid #999; background: white;")
        body.addWidget(self.preview, 3)
        side = QVBoxLayout()
        side.addStretch(1)
        self.status = MessageLine()
        self.messages = SealedPage.Messages(self.status, self.ctx)
        self.status.setText(self.tr("Writing the receipt…"))
        side.addWidget(self.status)
        self.print_button = QPushButton(self.tr("Print receipt…"))
        self.print_button.setObjectName("print_receipt")
        self.save_button = QPushButton(self.tr("Save receipt as PDF…"))
        self.save_button.setObjectName("save_receipt")
        self.next_button = QPushButton(self.tr("Next resident"))
        self.next_button.setObjectName("next_resident")
        for b in (self.print_button, self.save_button, self.next_button):
            side.addWidget(b)
        side.addStretch(1)
        body.addLayout(side)
        body.addStretch(1)
        v.addLayout(body, 1)
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.print_button.clicked.connect(lambda: self.receipt and print_receipt(self, self.receipt, self.ctx.lang))
        self.save_button.clicked.connect(lambda: self.receipt and save_receipt_as(self, self.receipt, self.ctx.lang))
        self.next_button.clicked.connect(self.next_resident.emit)

    def show_result(self, result: SealResult) -> None:
        """The seal succeeded: show its number and write the receipt off the GUI thread."""
        self.result = result
        self.reg_label.setText(result.reg_no)
        self.ctx.tasks.run(
            seal_receipt,
            self.ctx.core,
            result.uuid,
            self.ctx.lang,
            on_done=self._written,
            on_failed=self._failed,
            owner=self,
        )

    def _written(self, result: SealedReceipt) -> None:
        self.receipt, self.pdf_path = result.data, result.pdf
        self.preview.set_image(result.preview)
        self.preview.setToolTip(self.tr("The receipt as it will print"))
        self.messages.receipt_ready()
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.print_button.setFocus()

    def _failed(self, failure: Failure) -> None:
        self.messages.failure(failure)


class StepBar(QWidget):
    """The steps in the workflow's order; done ones are ticked and clickable to go back."""

    def __init__(self, ctx: Any, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.wizard = wizard
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[Step, QPushButton] = {}
        for step in ORDER:
            b = QPushButton(ctx.t(STEP_LABELS[step]))
            b.setFlat(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setObjectName(f"stepbar_{step.value}")
            if step != Step.SEALED:
                b.clicked.connect(lambda _c=False, s=step: self.wizard.submit(lambda wf: wf.go_to(s)))
            row.addWidget(b)
            self.buttons[step] = b
        row.addStretch(1)

    def refresh(self) -> None:
        snapshot = self.wizard.snapshot
        for i, (step, b) in enumerate(self.buttons.items()):
            done = step != Step.SEALED and snapshot.is_complete(step)
            current = step == snapshot.step
            mark = "✓ " if done else ""
            text = f"{i + 1}. {mark}{self.ctx.t(STEP_LABELS[step])}"
            style = CURRENT_STYLE if current else DONE_STYLE if done else TODO_STYLE
            # Only what changed: a style sheet set again re-polishes the button (a few
            # ms each), and this runs after every accepted finger.
            if b.text() != text:
                b.setText(text)
            if b.styleSheet() != style:
                b.setStyleSheet(style)
            b.setEnabled(step != Step.SEALED and snapshot.step != Step.SEALED)


class WizardPage(QWidget):
    """One resident's enrollment. `finished(SealResult | None)` when sealed or cancelled."""

    finished = Signal(object)

    def __init__(self, ctx: Any, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.wizard = wizard
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        self.stepbar = StepBar(ctx, wizard)
        top.addWidget(self.stepbar, 1)
        self.cancel_button = QPushButton(self.tr("Cancel enrollment"))
        self.cancel_button.setObjectName("cancel_enrollment")
        self.cancel_button.clicked.connect(self.ask_cancel)
        top.addWidget(self.cancel_button)
        v.addLayout(top)
        self.error = MessageLine()
        v.addWidget(self.error)
        self.stack = PageStack()
        v.addWidget(self.stack, 1)
        self.pages: dict[Step, StepPage] = {}
        for cls in PAGES:
            page = cls(ctx, wizard)
            self.pages[cls.step] = page
            self.stack.addWidget(page)
        review = self.pages[Step.REVIEW]
        assert isinstance(review, ReviewPage)
        review.sealed.connect(self._sealed)
        # In the stack from the start, so that it is warmed at idle with the step pages.
        self.sealed_page = SealedPage(ctx)
        self.stack.addWidget(self.sealed_page)
        self.sealed: SealResult | None = None
        self.current: StepPage | None = None
        wizard.changed.connect(self.show_step)
        self.show_step()

    def unshown_pages(self) -> list[QWidget]:
        """The pages not on screen, for `PageStack.warm` at idle."""
        pages: list[QWidget] = [*self.pages.values(), self.sealed_page]
        return [p for p in pages if p is not self.stack.currentWidget()]

    def show_step(self) -> None:
        step = self.wizard.step
        self.stepbar.refresh()
        self.error.clear()
        if step == Step.SEALED:
            return
        page = self.pages[step]
        if page is not self.current:
            if self.current is not None:
                self.current.leave()
            self.current = page
            self.stack.setCurrentWidget(page)
            page.enter()

    def _sealed(self, result: SealResult) -> None:
        if self.current is not None:
            self.current.leave()
            self.current = None
        self.stepbar.refresh()
        self.cancel_button.setEnabled(False)
        self.sealed = result
        self.sealed_page.next_resident.connect(lambda: self.finished.emit(result))
        self.sealed_page.show_result(result)
        self.stack.setCurrentWidget(self.sealed_page)

    def ask_cancel(self) -> None:
        answer = QMessageBox.question(
            self,
            self.tr("Cancel enrollment"),
            self.tr("Cancel this enrollment? What was captured for this resident will be discarded."),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.cancel()

    def cancel(self) -> None:
        if self.current is not None:
            self.current.leave()
            self.current = None
        actor = self.ctx.user.username if self.ctx.user else "?"
        # Through the workflow (station.enrollment_rules), queued behind any save still running.
        self.wizard.submit(lambda wf: cancel_enrollment(wf, actor=actor), on_done=lambda _r: self.finished.emit(None))

    def close_pages(self) -> None:
        """Stop previews and captures (logout, language rebuild, app exit)."""
        if self.current is not None:
            self.current.leave()

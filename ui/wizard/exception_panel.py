"""The supervisor-approved exception panel of the capture pages (an amputated finger,
a signature the resident cannot give): reason, note, and the supervisor's password.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from common.biometrics import ITEM_EXCEPTION_LABELS, ItemException
from ui.app_context import AppContext
from ui.messages import ErrorMsg, ScreenMessages
from ui.widgets import MessageLine, ask_supervisor

log = logging.getLogger(__name__)


class ExceptionPanel(QGroupBox):
    """Reason, note (required for "other") and a supervisor's approval for an item that
    cannot be captured; emits `approved(reason, note, supervisor)`.

    The supervisor dialog refuses an operator's credentials itself (Auth.verify_role);
    the workflow checks the role again when the exception is recorded.
    """

    class Messages(ScreenMessages):
        """What this screen may say on its message line."""

        context = "ExceptionPanel"
        explain_other = ErrorMsg(QT_TRANSLATE_NOOP("ExceptionPanel", "For reason 'Other', write an explanation."))
        not_approved = ErrorMsg(
            QT_TRANSLATE_NOOP("ExceptionPanel", "Not approved: the exception needs a supervisor's password.")
        )

    approved = Signal(object, str, object)  # ItemException, note, User

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.ctx = ctx
        self._subject = ""
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.reason = QComboBox()
        for reason in ItemException:
            self.reason.addItem(ctx.t(ITEM_EXCEPTION_LABELS[reason]), reason)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Required for 'Other'"))
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Note"), self.note)
        layout.addLayout(form)
        self.message = MessageLine()
        self.messages = ExceptionPanel.Messages(self.message, self.ctx)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.confirm_button = QPushButton(self.tr("Confirm with supervisor…"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.hide)

    def open_for(self, subject: str, reasons: Sequence[ItemException] | None = None) -> None:
        """Ask about `subject`, offering `reasons` (the core's `exception_reasons` of the
        item: an eye is not "amputated"), or every reason when none are given."""
        self._subject = subject
        self.setTitle(self.tr("Exception: %1").replace("%1", subject))
        offered = list(ItemException) if reasons is None else list(reasons)
        if [self.reason.itemData(i) for i in range(self.reason.count())] != offered:
            self.reason.clear()
            for reason in offered:
                self.reason.addItem(self.ctx.t(ITEM_EXCEPTION_LABELS[reason]), reason)
        self.reason.setCurrentIndex(0)
        self.note.clear()
        self.messages.clear()
        self.show()

    def selected_reason(self) -> ItemException:
        return ItemException(self.reason.currentData())

    def confirm(self) -> None:
        reason, note = self.selected_reason(), self.note.text().strip()
        if reason == ItemException.OTHER and not note:
            self.messages.explain_other()
            self.note.setFocus()
            return
        self.messages.clear()
        question = (
            self.tr("Approve the exception '%1' (%2)?")
            .replace("%1", self._subject)
            .replace("%2", self.reason.currentText())
        )
        approver = ask_supervisor(self, self.ctx, question)
        if approver is None:
            self.messages.not_approved()
            return
        self.hide()
        self.approved.emit(reason, note, approver)

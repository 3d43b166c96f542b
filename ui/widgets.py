"""Small shared pieces: the error box with "copy details", the supervisor's
confirmation dialog, and a status line that shows a Text in the current language."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from common.errors import UserFacingError
from station.auth import Role, User
from ui.app_context import AppContext
from ui.tasks import Failure

ERROR_STYLE = "color: #b00020; font-weight: bold;"
OK_STYLE = "color: #1b7f3b; font-weight: bold;"
WARNING_STYLE = "color: #b26a00; font-weight: bold;"  # named, not refused: the operator decides


def show_failure(parent: QWidget, ctx: AppContext, failure: Failure, title: str | None = None) -> None:
    """A UserFacingError as its own message; a bug with 'Copy details' (the traceback)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or parent.tr("Station"))
    box.setText(failure.message(ctx.lang))
    if not failure.user_facing:
        box.setDetailedText(failure.details)
        copy = box.addButton(parent.tr("Copy details"), QMessageBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(failure.details))
    box.addButton(QMessageBox.StandardButton.Ok)
    box.exec()


class SupervisorDialog(QDialog):
    """A supervisor confirms an action (a finger exception, a requeue) with their password.

    The password is checked off the GUI thread (argon2 takes a noticeable moment); the
    approving supervisor is in `approver` when the dialog is accepted.
    """

    def __init__(self, ctx: AppContext, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.approver: User | None = None
        self.setWindowTitle(self.tr("Supervisor confirmation"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(reason))
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("supervisor_username")
        self.password = QLineEdit()
        self.password.setObjectName("supervisor_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("Supervisor"), self.username)
        form.addRow(self.tr("Password"), self.password)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("supervisor_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.check)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def check(self) -> None:
        self.buttons.setEnabled(False)
        self.error.clear()
        self.ctx.tasks.run(
            self.ctx.core.auth.verify_role,
            self.username.text().strip(),
            self.password.text(),
            Role.SUPERVISOR,
            on_done=self._ok,
            on_failed=self._refused,
            name="verify supervisor",
            owner=self,
        )

    def _ok(self, user: User) -> None:
        self.approver = user
        # Not accept() here: that ends exec() while the task's delivery object (a child
        # of this dialog, deleted later) is still in its slot, and ask_supervisor then
        # drops the dialog under it - a segfault once the deferred delete runs.
        QTimer.singleShot(0, self, self.accept)

    def _refused(self, failure: Failure) -> None:
        self.buttons.setEnabled(True)
        self.password.clear()
        self.error.setText(failure.message(self.ctx.lang))


def ask_supervisor(parent: QWidget, ctx: AppContext, reason: str) -> User | None:
    dialog = SupervisorDialog(ctx, reason, parent)
    return dialog.approver if dialog.exec() == QDialog.DialogCode.Accepted else None


class MessageLine(QLabel):
    """One line under a form or a capture: an error in red, a warning in amber, a
    confirmation in green."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def error(self, text: str) -> None:
        self.setStyleSheet(ERROR_STYLE)
        self.setText(text)

    def ok(self, text: str) -> None:
        self.setStyleSheet(OK_STYLE)
        self.setText(text)

    def warning(self, text: str) -> None:
        self.setStyleSheet(WARNING_STYLE)
        self.setText(text)

    def failure(self, ctx: AppContext, failure: Failure) -> None:
        self.error(failure.message(ctx.lang))

    def user_error(self, ctx: AppContext, error: UserFacingError) -> None:
        self.error(error.text(ctx.lang))


class PageStack(QWidget):
    """Pages of which one is shown, as in QStackedWidget, except that only the shown page
    takes part in layout.

    QStackedLayout asks every page, hidden or not, for its height-for-width on each
    layout pass, so a changed label on one page re-measured the text of all of them
    (and called the Python overrides of any page's widgets, waiting for the GIL each
    time): switching from the review page to the sealed page took 40-100 ms. Here the
    pages sit in a box layout, which skips hidden widgets.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.setSpacing(0)
        self._pages: list[QWidget] = []
        self._current: QWidget | None = None

    def addWidget(self, page: QWidget) -> int:  # noqa: N802 - QStackedWidget's name
        page.hide()
        self._box.addWidget(page)
        self._pages.append(page)
        if self._current is None:
            self.setCurrentWidget(page)
        return len(self._pages) - 1

    def removeWidget(self, page: QWidget) -> None:  # noqa: N802 - QStackedWidget's name
        if page not in self._pages:
            return
        self._pages.remove(page)
        self._box.removeWidget(page)
        page.hide()
        if page is self._current:
            self._current = None
            if self._pages:
                self.setCurrentWidget(self._pages[0])

    def currentWidget(self) -> QWidget | None:  # noqa: N802 - QStackedWidget's name
        return self._current

    def count(self) -> int:
        return len(self._pages)

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 - QStackedWidget's name
        if page not in self._pages:
            raise ValueError("not a page of this stack")
        old, self._current = self._current, page
        if old is page:
            return
        focus = QApplication.focusWidget()
        focus_on_old = old is not None and focus is not None and old.isAncestorOf(focus)
        self.setUpdatesEnabled(False)
        # The old page first: showing a widget activates the layouts up to the window
        # at once, and with both pages visible the window would grow to fit both.
        if old is not None:
            old.hide()
        page.show()
        self.setUpdatesEnabled(True)
        focus = QApplication.focusWidget()
        if focus_on_old and (focus is None or not page.isAncestorOf(focus)):
            _focus_first(page)  # as QStackedLayout does: the focus moves into the shown page

    def warm(self, page: QWidget) -> None:
        """Polish, lay out and paint a hidden page once, off the clock (at idle), so that
        showing it later costs no first-time work."""
        if page is self._current or page not in self._pages or self.width() <= 0:
            return
        # Out of the box layout meanwhile: rendering shows the page to the layout for a
        # moment, which would share the height with the shown page.
        self._box.removeWidget(page)
        page.resize(self.size())
        page.grab()
        self._box.addWidget(page)


def _focus_first(page: QWidget) -> None:
    """Focus the first widget of `page` that takes the Tab key."""
    w = page.nextInFocusChain()
    for _ in range(10_000):  # the chain is a ring through the window; bounded anyway
        if w is None or w is page or not page.isAncestorOf(w):
            return
        if w.isVisibleTo(page) and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            w.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        w = w.nextInFocusChain()

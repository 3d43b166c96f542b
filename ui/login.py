"""Login and the idle lock.

Passwords are checked off the GUI thread (argon2id takes a noticeable moment). Every
refused login gets the same answer (station.auth: it never says whether an account
exists or is locked; the supervisor's console does). An account a supervisor created
or reset must choose its own password first: the login page then asks for a new one,
twice, before going on. The lock screen asks the same person's password again
(`Auth.unlock`, which also unlocks the session token the core checks) and leaves
everything underneath as it was: the enrollment in progress is not touched, only
hidden.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from common.errors import UserFacingError
from station.auth import Authenticated, User
from ui.messages import OkMsg, ScreenMessages
from ui.tasks import Failure
from ui.widgets import MessageLine

log = logging.getLogger(__name__)

CHANGE_WINDOW_MS = 120_000  # how long the first-login change form keeps the given password

ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class _Card(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMaximumWidth(460)
        self.setStyleSheet("_Card { background: white; border-radius: 8px; }")


def _centred_card(page: QWidget) -> QVBoxLayout:
    """A white card in the middle of `page`, a little above centre; returns its layout."""
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    card = _Card()
    row.addWidget(card)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    return QVBoxLayout(card)


class LoginPage(QWidget):
    """Username and password; `logged_in(User)`; also the language switch."""

    class Messages(ScreenMessages):
        """What this screen may say on its message line."""

        context = "LoginPage"
        choose_password = OkMsg(QT_TRANSLATE_NOOP("LoginPage", "Welcome. Before you go on, choose your own password."))

    logged_in = Signal(object)
    language_chosen = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        v = _centred_card(self)
        station = ctx.core.station()
        title = QLabel(self.tr("KTP-el enrollment station"))
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        v.addWidget(title)
        v.addWidget(QLabel(f"{station.code} · {station.name}"))
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("login_username")
        self.password = QLineEdit()
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.language = QComboBox()
        self.language.setObjectName("login_language")
        self.language.addItem("Bahasa Indonesia", "id")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if ctx.lang == "id" else 1)
        self.language.currentIndexChanged.connect(lambda _i: self.language_chosen.emit(self.language.currentData()))
        form.addRow(self.tr("Username"), self.username)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Language"), self.language)
        v.addLayout(form)
        self.message = MessageLine()
        self.messages = LoginPage.Messages(self.message, self.ctx)
        self.message.setObjectName("login_message")
        v.addWidget(self.message)
        self.button = QPushButton(self.tr("Log in"))
        self.button.setObjectName("login_button")
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        v.addWidget(self.button)
        v.addWidget(self._build_change())
        self._given: tuple[str, str] | None = None  # name and supervisor-given password, while changing

    def _build_change(self) -> QWidget:
        """The first-login password change, shown only when the account must change."""
        self.change_box = QWidget()
        self.change_box.setObjectName("change_password_box")
        box = QVBoxLayout(self.change_box)
        box.setContentsMargins(0, 0, 0, 0)
        note = QLabel(
            self.tr(
                "This password was set by a supervisor. Choose your own password (at least 8 characters, "
                "not containing your username) and type it twice."
            )
        )
        note.setWordWrap(True)
        box.addWidget(note)
        form = QFormLayout()
        self.new_password = QLineEdit()
        self.new_password.setObjectName("login_new_password")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_confirm = QLineEdit()
        self.new_confirm.setObjectName("login_new_confirm")
        self.new_confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("New password"), self.new_password)
        form.addRow(self.tr("Repeat it"), self.new_confirm)
        box.addLayout(form)
        self.change_button = QPushButton(self.tr("Save the new password and log in"))
        self.change_button.setObjectName("login_change_button")
        self.change_button.clicked.connect(self.submit_change)
        self.new_password.returnPressed.connect(self.new_confirm.setFocus)
        self.new_confirm.returnPressed.connect(self.submit_change)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.setObjectName("login_change_cancel")
        cancel.clicked.connect(self._end_change)
        row = QHBoxLayout()
        row.addWidget(cancel)
        row.addStretch(1)
        row.addWidget(self.change_button)
        box.addLayout(row)
        # The given password waits in memory only briefly: a form left open at the
        # counter must not let the next person choose this account's password.
        self.change_timer = QTimer(self)
        self.change_timer.setSingleShot(True)
        self.change_timer.setInterval(CHANGE_WINDOW_MS)
        self.change_timer.timeout.connect(self._end_change)
        self.change_box.hide()
        return self.change_box

    def _show_change(self, username: str, password: str) -> None:
        self._given = (username, password)
        self.username.setEnabled(False)
        self.password.setEnabled(False)
        self.button.hide()
        self.change_box.show()
        self.messages.choose_password()
        self.new_password.setFocus()
        self.change_timer.start()

    def _end_change(self) -> None:
        self.change_timer.stop()
        self._given = None
        for edit in (self.new_password, self.new_confirm):
            edit.clear()
        self.username.setEnabled(True)
        self.password.setEnabled(True)
        self.change_box.hide()
        self.button.show()
        self.change_button.setEnabled(True)

    def submit_change(self) -> None:
        if self._given is None or not self.change_button.isEnabled():
            return
        username, password = self._given
        self.change_button.setEnabled(False)
        self.messages.clear()
        self.ctx.tasks.run(
            self.ctx.core.auth.change_password_at_login,
            username,
            password,
            self.new_password.text(),
            self.new_confirm.text(),
            on_done=self._changed,
            on_failed=self._change_refused,
            name="change password",
            owner=self,
        )

    def _changed(self, user: User) -> None:
        self._end_change()
        self._ok(user)

    def _change_refused(self, failure: Failure) -> None:
        self.change_button.setEnabled(True)
        for edit in (self.new_password, self.new_confirm):
            edit.clear()
        self.new_password.setFocus()
        self.messages.failure(failure)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.username.setFocus()

    def submit(self) -> None:
        if not self.button.isEnabled() or self._given is not None:
            return
        self.button.setEnabled(False)
        self.messages.clear()
        username, password = self.username.text().strip(), self.password.text()
        self.ctx.tasks.run(
            self.ctx.core.auth.login,
            username,
            password,
            on_done=self._ok,
            on_failed=lambda failure: self._refused(failure, username, password),
            name="login",
            owner=self,
        )

    def _ok(self, user: User) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        log.info("operator %s logged in", user.username)
        self.logged_in.emit(user)

    def _refused(self, failure: Failure, username: str = "", password: str = "") -> None:
        self.button.setEnabled(True)
        self.password.clear()
        error = failure.error
        if isinstance(error, UserFacingError) and error.code == "auth.must_change_password":
            self._show_change(username, password)
            return
        self.password.setFocus()
        self.messages.failure(failure)


class LockPage(QWidget):
    """The lock, idle or by hand: the same person's password, or log out."""

    class Messages(ScreenMessages):
        """This screen shows only failures from the core."""

        context = "LockPage"

    unlocked = Signal()
    logout = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.by_hand = False
        v = _centred_card(self)
        title = QLabel(self.tr("Locked"))
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        v.addWidget(title)
        self.who = QLabel()
        self.who.setWordWrap(True)
        v.addWidget(self.who)
        self.password = QLineEdit()
        self.password.setObjectName("lock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        v.addWidget(self.password)
        self.message = MessageLine()
        self.messages = LockPage.Messages(self.message, self.ctx)
        self.message.setObjectName("lock_message")
        v.addWidget(self.message)
        buttons = QHBoxLayout()
        self.button = QPushButton(self.tr("Unlock"))
        self.button.setObjectName("unlock_button")
        self.button.clicked.connect(self.submit)
        out = QPushButton(self.tr("Log out"))
        out.clicked.connect(self.logout.emit)
        buttons.addWidget(out)
        buttons.addStretch(1)
        buttons.addWidget(self.button)
        v.addLayout(buttons)

    def arm(self, *, by_hand: bool | None = None) -> None:
        """Show the lock for the session's user; `by_hand` says who locked (None: as before,
        for a page rebuilt behind a lock that is already on)."""
        if by_hand is not None:
            self.by_hand = by_hand
        user = self.ctx.user
        if self.by_hand:
            text = self.tr(
                'The station was locked with "Lock now". %1, enter your password to go on; the work in progress is kept.'
            )
        else:
            text = self.tr(
                "The station locked itself after a while without use. %1, enter your password to go on; the work in progress is kept."
            )
        self.who.setText(text.replace("%1", user.full_name if user else "?"))
        self.messages.clear()
        self.password.clear()
        self.password.setFocus()

    def submit(self) -> None:
        user = self.ctx.user
        if user is None or not self.button.isEnabled():
            return
        self.button.setEnabled(False)
        if isinstance(user, Authenticated):
            check, who = self.ctx.core.auth.unlock, user
        else:  # a plain User (tests that set one): the password alone
            check, who = self.ctx.core.auth.login, user.username
        self.ctx.tasks.run(
            check,
            who,
            self.password.text(),
            on_done=self._ok,
            on_failed=self._refused,
            name="unlock",
            owner=self,
        )

    def _ok(self, _user: User) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        self.unlocked.emit()

    def _refused(self, failure: Failure) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        self.messages.failure(failure)


class IdleWatch(QObject):
    """Fires `idle` after `minutes` without keyboard, mouse or touch input in any of the app's windows.

    It filters the events of the top-level windows (QWindow), not of the whole
    application: input reaches a window before its widgets, while an application-wide
    Python filter is called for every event of every widget (each hide, move, resize
    and paint), taking the GIL each time: switching to a page of ~100 widgets while a
    worker thread ran Python froze the window for 50-100 ms.
    """

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(self.idle.emit)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def watch(self, window: QWindow | None) -> None:
        """Count input in this window too (installing twice is harmless: Qt keeps one)."""
        if window is not None:
            window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in ACTIVITY and self.timer.isActive():
            self.timer.start()
        return False


def install_idle_watch(app: QGuiApplication, minutes: float) -> IdleWatch:
    """Watch every window the app has and every window that takes the focus later
    (dialogs, message boxes, consoles)."""
    watch = IdleWatch(minutes, app)
    for window in app.topLevelWindows():
        watch.watch(window)
    app.focusWindowChanged.connect(watch.watch)
    return watch

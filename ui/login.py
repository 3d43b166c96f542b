"""Login and the idle lock.

Passwords are checked off the GUI thread (argon2id takes a noticeable moment). A
locked account's refusal says until when (station.auth). The lock screen asks the
same person's password again and leaves everything underneath as it was: the
enrollment in progress is not touched, only hidden.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
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

from station.auth import User
from ui.tasks import Failure
from ui.widgets import MessageLine

log = logging.getLogger(__name__)

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
        self.message.setObjectName("login_message")
        v.addWidget(self.message)
        self.button = QPushButton(self.tr("Log in"))
        self.button.setObjectName("login_button")
        self.button.setDefault(True)
        self.button.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        v.addWidget(self.button)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.username.setFocus()

    def submit(self) -> None:
        if not self.button.isEnabled():
            return
        self.button.setEnabled(False)
        self.message.clear()
        self.ctx.tasks.run(
            self.ctx.core.auth.login,
            self.username.text().strip(),
            self.password.text(),
            on_done=self._ok,
            on_failed=self._refused,
            name="login",
            owner=self,
        )

    def _ok(self, user: User) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        log.info("operator %s logged in", user.username)
        self.logged_in.emit(user)

    def _refused(self, failure: Failure) -> None:
        self.button.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        self.message.failure(self.ctx, failure)


class LockPage(QWidget):
    """The idle lock: the same person's password, or log out."""

    unlocked = Signal()
    logout = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
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

    def arm(self) -> None:
        user = self.ctx.user
        self.who.setText(
            self.tr(
                "The station locked itself after a while without use. %1, enter your password to go on; the work in progress is kept."
            ).replace("%1", user.full_name if user else "?")
        )
        self.message.clear()
        self.password.clear()
        self.password.setFocus()

    def submit(self) -> None:
        user = self.ctx.user
        if user is None or not self.button.isEnabled():
            return
        self.button.setEnabled(False)
        self.ctx.tasks.run(
            self.ctx.core.auth.login,
            user.username,
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
        self.message.failure(self.ctx, failure)


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

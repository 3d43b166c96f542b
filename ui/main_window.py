"""The station's one window: health strip on top, then login, the counter's home
(queue and actions), the enrollment wizard, and the record lookup.

The window owns navigation only: the home page is ui.home_page, the next resident's
wizard built at idle is ui.spare_wizard, the GC policy is ui.heap; whether an
enrollment may start and what cancel does are the core's (station.enrollment_rules),
and the console audit is written by the core (station.console_audit). The enrollment
in progress lives in a WizardController (around the Qt-free workflow), so the idle
lock and a language switch rebuild or hide widgets without touching it. The app's sync worker runs on
a task thread while someone is logged in (station.sync.background).

The lock (idle or "Lock now") leaves nothing reachable behind it: the session token
is locked (station.auth: the core refuses it until the password is given again), every
menu and menu action is disabled (their shortcuts with them), an open console is
closed and any dialog rejected, and every navigation method refuses while locked.
After the unlock the console the person had open is opened again.
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from common.errors import StateError
from common.text import Text
from devices.base import DeviceKind
from station.auth import Authenticated, User, usable
from station.console_audit import console_opened
from station.enrollment_rules import require_may_start
from station.sync.background import run_background_sync
from station.workflow import EnrollmentWorkflow
from store.records import SealResult
from ui import i18n
from ui.console_admin import AdminConsole
from ui.console_devices import DeviceConsole
from ui.console_sync import SyncConsole
from ui.health import HealthStrip
from ui.heap import install_policy, tidy_heap
from ui.home_page import HomePage
from ui.login import LockPage, LoginPage, install_idle_watch
from ui.lookup import LookupPage
from ui.messages import ErrorMsg, ScreenMessages
from ui.spare_wizard import SpareWizard, drop_page
from ui.tasks import Failure, TaskHandle
from ui.tickets_panel import CalledTicket
from ui.widgets import PageStack
from ui.wizard.base import WizardController
from ui.wizard.window import WizardPage

log = logging.getLogger(__name__)

CONSOLES: dict[str, Any] = {"devices": DeviceConsole, "sync": SyncConsole, "admin": AdminConsole}


class MainWindow(QMainWindow):
    class HomeMessages(ScreenMessages):
        """What the window says on the home page's line (the home page itself says nothing)."""

        context = "MainWindow"
        role_refused = ErrorMsg(QT_TRANSLATE_NOOP("MainWindow", "Your role may not open this console."))

    def __init__(self, ctx: Any, *, idle_minutes: float | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("KTP-el — " + ctx.core.station().code)
        self.resize(1366, 768)
        self.controller: WizardController | None = None
        self.sync_task: TaskHandle | None = None
        self.wizard_page: WizardPage | None = None
        self.console: QWidget | None = None
        self.console_wrap: QWidget | None = None
        self.console_key: str | None = None
        self.is_locked = False
        self.console_behind_lock: str | None = None  # the console to open again after the unlock
        self.menu_actions: list[QAction] = []
        minutes = idle_minutes if idle_minutes is not None else ctx.core.config.security.idle_lock_minutes
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.idle = install_idle_watch(app, minutes)
        self.idle.idle.connect(self.lock)
        install_policy()
        self._build()
        tidy_heap()  # the start-up's garbage, before the window is on screen

    # --- building (again after a language switch) ------------------------------

    def _build(self) -> None:
        root = QWidget()
        v = QVBoxLayout(root)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        if self.ctx.core.config.demo:
            banner = QLabel(self.tr("DEMO / LATIHAN — training station: simulated devices, records are not real"))
            banner.setObjectName("demo_banner")
            banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            banner.setStyleSheet("background: #ffcc00; color: black; font-weight: bold; padding: 3px;")
            v.addWidget(banner)
        self.health = HealthStrip(self.ctx)
        v.addWidget(self.health)
        self.stack = PageStack()
        v.addWidget(self.stack, 1)
        # The next resident's wizard, built while the counter is idle, so that "New
        # enrollment" or "Call next" shows it at once instead of building ~50 ms of widgets.
        self.spare = SpareWizard(self.ctx, self.stack, is_idle=self._idle, on_finished=self.enrollment_finished)
        self.login_page = LoginPage(self.ctx)
        self.login_page.logged_in.connect(self.logged_in)
        self.login_page.language_chosen.connect(self.set_language)
        self.lock_page = LockPage(self.ctx)
        self.lock_page.unlocked.connect(self.unlocked)
        self.lock_page.logout.connect(self.logout)
        self.home = HomePage(self.ctx, self)
        self.home_messages = MainWindow.HomeMessages(self.home.message, self.ctx)
        self.home.tickets.ticket_called.connect(self.ticket_called)
        self.lookup = LookupPage(self.ctx)
        lookup_wrap = QWidget()
        lv = QVBoxLayout(lookup_wrap)
        back = QPushButton(self.tr("← Back to the counter"))
        back.setObjectName("lookup_back")
        back.clicked.connect(self.show_home)
        lv.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        lv.addWidget(self.lookup, 1)
        self.lookup_wrap = lookup_wrap
        for w in (self.login_page, self.lock_page, self.home, lookup_wrap):
            self.stack.addWidget(w)
        self.setCentralWidget(root)
        self._menus()

    def _menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        self.menu_actions = []
        session = bar.addMenu(self.tr("&Session"))
        lock = QAction(self.tr("Lock now"), self)
        lock.setShortcut("Ctrl+L")
        lock.triggered.connect(lambda: self.lock(by_hand=True))
        session.addAction(lock)
        out = QAction(self.tr("Log out"), self)
        out.triggered.connect(self.logout)
        session.addAction(out)
        consoles = bar.addMenu(self.tr("&Consoles"))
        self.console_actions: dict[str, QAction] = {}
        for key, label, shortcut in (
            ("devices", self.tr("Devices (technician)"), "Ctrl+1"),
            ("sync", self.tr("Sync (supervisor)"), "Ctrl+2"),
            ("admin", self.tr("Administration (supervisor)"), "Ctrl+3"),
        ):
            a = QAction(label, self)
            a.setObjectName(f"console_{key}")
            a.setShortcut(shortcut)
            a.triggered.connect(lambda _c=False, k=key: self.open_console(k))
            consoles.addAction(a)
            self.console_actions[key] = a
        lang = bar.addMenu(self.tr("&Language"))
        group = QActionGroup(self)
        for code, name in (("id", "Bahasa Indonesia"), ("en", "English")):
            a = QAction(name, self, checkable=True)
            a.setChecked(self.ctx.lang == code)
            a.setObjectName(f"lang_{code}")
            a.triggered.connect(lambda _c=False, c=code: self.set_language(c))
            group.addAction(a)
            lang.addAction(a)
        for menu in (session, consoles, lang):
            self.menu_actions.append(menu.menuAction())
            self.menu_actions.extend(menu.actions())
        self._apply_access()

    # --- consoles (issue 6): technician's devices, supervisor's sync and administration ---

    def _apply_access(self) -> None:
        """While locked, the menu bar and every menu action are off (a disabled action's
        shortcut does nothing); otherwise each console's action is on for its roles."""
        user = self.ctx.user
        self.menuBar().setEnabled(not self.is_locked)
        consoles = {a: key for key, a in self.console_actions.items()}
        for action in self.menu_actions:
            if self.is_locked:
                action.setEnabled(False)
            elif action in consoles:
                action.setEnabled(user is not None and user.role in CONSOLES[consoles[action]].roles)
            else:
                action.setEnabled(True)

    def open_console(self, key: str) -> None:
        """Open a console for a user of its role; anyone else is told why not. Never
        while locked (nor for a session that is not usable)."""
        user = self.ctx.user
        if user is None or self.is_locked or not usable(user):
            return
        cls = CONSOLES[key]
        if user.role not in cls.roles:
            self.home_messages.role_refused()
            return
        if self.wizard_page is not None:
            self.wizard_page.close_pages()  # previews and captures stop; the enrollment stays
        self._close_console()
        wrap = QWidget()
        v = QVBoxLayout(wrap)
        back = QPushButton(self.tr("← Back"))
        back.setObjectName("console_back")
        back.clicked.connect(self.leave_console)
        v.addWidget(back, 0, Qt.AlignmentFlag.AlignLeft)
        self.console = cls(self.ctx)
        v.addWidget(self.console, 1)
        self.console_key = key
        self.console_wrap = wrap
        self.stack.addWidget(wrap)
        self.stack.setCurrentWidget(wrap)
        self.ctx.tasks.run(
            console_opened,
            self.ctx.core,
            user,
            key,
            serial=True,
            name="audit console",
            on_failed=lambda f: log.warning("the console_open audit failed: %s", f.error),
        )

    def _close_console(self) -> None:
        wrap, self.console_wrap, self.console, self.console_key = self.console_wrap, None, None, None
        if wrap is not None and shiboken6.isValid(wrap):
            self.stack.removeWidget(wrap)
            wrap.deleteLater()

    def leave_console(self) -> None:
        if self.is_locked:
            return
        self._close_console()
        if self.controller is not None:
            self._show_wizard()
        else:
            self.show_home()

    def set_language(self, lang: str) -> None:
        if lang == self.ctx.lang:
            return
        app = QApplication.instance()
        assert app is not None
        i18n.install(app, lang)
        self.ctx.lang = lang
        where = self.stack.currentWidget()
        console = self.console_key if where is self.console_wrap and self.console_wrap is not None else None
        self._close_console()
        was = (
            "wizard"
            if where is self.wizard_page
            else "lookup"
            if where is self.lookup_wrap
            else "home"
            if where is self.home
            else "lock"
            if where is self.lock_page
            else "login"
        )
        if self.wizard_page is not None:
            self.wizard_page.close_pages()
            self.wizard_page = None
        self.spare.forget()  # its page goes with the old widgets
        old = self.centralWidget()
        self._build()
        if old is not None:
            old.deleteLater()
        self.ctx.language_changed.emit(lang)
        if console is not None:
            self.open_console(console)
        elif was == "wizard" and self.controller is not None:
            self._show_wizard()
        elif was == "lookup":
            self.show_lookup()
        elif was == "home":
            self.show_home()
        elif was == "lock":
            self.stack.setCurrentWidget(self.lock_page)
            self.lock_page.arm()
        self._apply_access()

    # --- session -----------------------------------------------------------------

    def logged_in(self, user: User) -> None:
        self.is_locked = False
        self.console_behind_lock = None
        self.ctx.set_user(user)
        self._apply_access()
        self.idle.start()
        self.show_home()
        for kind in DeviceKind:
            self.ctx.devices.ensure(kind)
        self._start_sync()

    def _start_sync(self) -> None:
        if self.sync_task is not None and self.sync_task.running:
            return
        self.sync_task = self.ctx.tasks.run(
            run_background_sync,
            self.ctx.core,
            cancellable=True,
            name="background sync",
            owner=self,
            on_done=lambda why: log.info("background sync ended: %s", why),
            on_failed=lambda f: log.warning("background sync failed: %s", f.error),
        )

    def lock(self, *, by_hand: bool = False) -> None:
        """Lock the session: by the idle watch, or by hand ("Lock now", Ctrl+L), which the
        lock page names so the operator is not told it was the idle timer."""
        user = self.ctx.user
        if user is None or self.is_locked:
            return
        self.is_locked = True
        if isinstance(user, Authenticated):
            user.lock()  # the core refuses this session until the password is given again
        self.idle.stop()
        self._apply_access()
        self._close_popups()
        if self.wizard_page is not None:
            self.wizard_page.close_pages()  # previews and captures stop; the enrollment stays
        self.console_behind_lock = self.console_key
        self._close_console()
        self.stack.setCurrentWidget(self.lock_page)
        self.lock_page.arm(by_hand=by_hand)
        log.info("session of %s locked (%s)", user.username, "by hand" if by_hand else "idle")

    def _close_popups(self) -> None:
        """Reject every dialog and close every menu still open over the window: the lock
        page must be the only thing one can reach."""
        for widget in QApplication.topLevelWidgets():
            if not widget.isVisible():
                continue
            if isinstance(widget, QDialog):
                widget.reject()
            elif isinstance(widget, QMenu):
                widget.close()

    def unlocked(self) -> None:
        self.is_locked = False
        self._apply_access()
        self.idle.start()
        console, self.console_behind_lock = self.console_behind_lock, None
        if console is not None:
            self.open_console(console)
        elif self.controller is not None:
            self._show_wizard()
        else:
            self.show_home()

    def logout(self) -> None:
        if self.wizard_page is not None:
            self.wizard_page.close_pages()
        # The draft stays in the store: the same operator can continue it later.
        self.spare.drop()
        self.controller = None
        self.wizard_page = None
        if self.sync_task is not None:
            self.sync_task.cancel()
        if self.ctx.user is not None:
            self.ctx.core.auth.logout(self.ctx.user)
        self._close_console()
        self.is_locked = False
        self.console_behind_lock = None
        self.ctx.set_user(None)
        self._apply_access()
        self.idle.stop()
        self.stack.setCurrentWidget(self.login_page)

    # --- navigation ----------------------------------------------------------------

    def show_home(self) -> None:
        if self.is_locked:
            return
        self.home.refresh()
        self.stack.setCurrentWidget(self.home)
        self.spare.schedule()

    def _idle(self) -> bool:
        """The counter waits for the next resident: home shown, no enrollment open."""
        return self.controller is None and self.stack.currentWidget() is self.home

    def show_lookup(self) -> None:
        if self.is_locked:
            return
        self.stack.setCurrentWidget(self.lookup_wrap)

    def ticket_called(self, ticket: CalledTicket) -> None:
        self.start_enrollment(prefill=ticket.prefill, ticket=ticket)

    def start_enrollment(self, *, prefill: dict[str, str] | None = None, ticket: CalledTicket | None = None) -> None:
        user = self.ctx.user
        if user is None or self.is_locked or self.controller is not None:
            return

        ticket_id = ticket.ticket_id if ticket is not None else None

        def begin(_r: object) -> None:
            if self.is_locked:
                return
            spare = self.spare.take(user)
            if spare is not None:
                self.controller, self.wizard_page = spare
                self.controller.prefill = prefill or {}
                if ticket_id is not None:
                    self.controller.submit(lambda wf: wf.serve_ticket(ticket_id))  # first in its queue
            else:
                wf = EnrollmentWorkflow(self.ctx.core.enrollments, user, ticket_id=ticket_id)
                self.controller = WizardController(self.ctx, wf, prefill=prefill)
            self._show_wizard()

        # The core decides (role, hard offline limits); the ticket is served by the seal.
        self.ctx.tasks.run(require_may_start, self.ctx.core, user, on_done=begin, on_failed=self._refused, owner=self)

    def resume_draft(self, record_uuid: str) -> None:
        user = self.ctx.user
        if user is None or self.is_locked or self.controller is not None:
            return

        def load() -> Any:
            data = self.ctx.core.enrollments.load(record_uuid)
            if data is None:
                raise StateError(Text("Draf ini sudah tidak ada.", "This draft no longer exists."), code="draft.gone")
            return data

        def begin(data: Any) -> None:
            if self.is_locked:
                return
            wf = EnrollmentWorkflow.resume(self.ctx.core.enrollments, user, data)
            self.controller = WizardController(self.ctx, wf)
            self._show_wizard()

        self.ctx.tasks.run(load, on_done=begin, on_failed=self._refused, owner=self)

    def _refused(self, failure: Failure) -> None:
        self.home_messages.failure(failure)

    def _show_wizard(self) -> None:
        assert self.controller is not None
        if self.is_locked:
            return
        if self.wizard_page is None:
            self.wizard_page = WizardPage(self.ctx, self.controller)
            self.wizard_page.finished.connect(self.enrollment_finished)
            self.stack.addWidget(self.wizard_page)
            self.stack.setCurrentWidget(self.wizard_page)
        else:
            self.stack.setCurrentWidget(self.wizard_page)
            self.wizard_page.current = None
            self.wizard_page.show_step()

    def enrollment_finished(self, result: SealResult | None) -> None:
        """Sealed ("Next resident") or cancelled. A called ticket was already marked
        SERVED by the seal itself (station.enrollment_rules); the tickets panel heard of
        the seal (Change.SEALED) and shows it."""
        page = self.wizard_page
        self.wizard_page = None
        self.controller = None
        self.show_home()
        if page is not None:
            drop_page(self.stack, page)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        # The idle watch filters windows, and this one exists only once shown.
        self.idle.watch(self.windowHandle())
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.wizard_page is not None:
            self.wizard_page.close_pages()
        if self.sync_task is not None:
            self.sync_task.cancel()
        super().closeEvent(event)

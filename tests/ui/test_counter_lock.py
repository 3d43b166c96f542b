"""The counter behind the lock, through the real window: while locked (idle or "lock
now", a supervisor's session) no shortcut, menu action or console reaches anything;
and an account a supervisor created chooses its own password at its first login."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from sqlalchemy import func, select

from common.errors import AuthError
from station.admin import Admin
from station.auth import Role
from station.sync.console import requeue_record
from store.models import AuditEvent
from tests.conftest import SUPERVISOR_PASSWORD
from tests.ui.conftest import log_in, spv_session
from ui.console_admin import AdminConsole
from ui.main_window import MainWindow

WAIT_MS = 15_000


def window(qtbot: Any, ctx: Any, **kw: Any) -> MainWindow:
    w = MainWindow(ctx, **kw)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: w.windowHandle() is not None and w.windowHandle().isActive(), timeout=WAIT_MS)
    return w


def audit_count(core: Any) -> int:
    with core.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def every_shortcut(w: MainWindow) -> list[QKeySequence]:
    """Every key sequence the window defines: QAction shortcuts and QShortcut objects,
    found by walking its children (so a shortcut added later is pressed too)."""
    keys: list[QKeySequence] = []
    for action in w.findChildren(QAction):
        keys.extend(k for k in action.shortcuts() if not k.isEmpty())
    for shortcut in w.findChildren(QShortcut):
        keys.extend(k for k in shortcut.keys() if not k.isEmpty())
    return keys


def open_dialogs() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def press(qtbot: Any, w: MainWindow, key: QKeySequence) -> None:
    handle = w.windowHandle()
    assert handle is not None
    QTest.keySequence(handle, key)
    qtbot.wait(20)  # let a queued slot run, if any were reached


@pytest.mark.parametrize("how", ["idle", "manual"])
def test_nothing_is_reachable_behind_the_lock(qtbot, ctx, how: str) -> None:  # type: ignore[no-untyped-def]
    w = window(qtbot, ctx, idle_minutes=0.01 if how == "idle" else 60)  # idle: 600 ms
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    if how == "idle":
        w.idle.timer.setInterval(60_000)  # no lock while the console opens
    # The key presses reach the window: unlocked, Ctrl+3 opens the administration.
    press(qtbot, w, QKeySequence("Ctrl+3"))
    qtbot.waitUntil(lambda: isinstance(w.console, AdminConsole), timeout=WAIT_MS)
    admin_before = w.console
    keys = every_shortcut(w)
    assert {"Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+L", "F2", "F3"} <= {k.toString() for k in keys}

    if how == "idle":
        w.idle.timer.setInterval(600)
        w.idle.start()
    else:
        press(qtbot, w, QKeySequence("Ctrl+L"))
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.lock_page, timeout=WAIT_MS)
    said = w.lock_page.who.text()  # the page says who locked: the idle timer or the operator
    assert ("Lock now" in said, "without use" in said) == (how == "manual", how == "idle")
    assert w.console is None and w.console_wrap is None  # the open console is gone
    session = ctx.user
    assert session is not None and session.locked
    events = audit_count(ctx.core)

    for key in every_shortcut(w):
        press(qtbot, w, key)
    for action in w.findChildren(QAction):
        action.trigger()
    for key in ("devices", "sync", "admin"):
        w.open_console(key)
    w.leave_console()
    w.show_home()
    w.show_lookup()
    w.start_enrollment()
    qtbot.wait(200)

    assert w.stack.currentWidget() is w.lock_page
    assert w.console is None and w.wizard_page is None and open_dialogs() == []
    assert not w.menuBar().isEnabled()
    assert audit_count(ctx.core) == events  # no console opened, no ticket issued, nothing audited
    assert ctx.user is session and session.locked
    # The core refuses the locked session whatever asks.
    with pytest.raises(AuthError) as info:
        Admin(ctx.core, session)
    assert info.value.code == "auth.session_locked"
    with pytest.raises(AuthError):
        requeue_record(ctx.core, "320412-01-0000001", supervisor=session)

    w.lock_page.password.setText(SUPERVISOR_PASSWORD)
    qtbot.mouseClick(w.lock_page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(w.console, AdminConsole), timeout=WAIT_MS)  # back where they were
    assert w.console is not admin_before and not session.locked and w.menuBar().isEnabled()
    w.leave_console()
    assert w.stack.currentWidget() is w.home


def test_a_dialog_left_open_is_closed_by_the_lock(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    w = window(qtbot, ctx)
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    dialog = QDialog(w)
    dialog.show()
    assert open_dialogs() == [dialog]
    w.lock()
    assert open_dialogs() == [] and w.stack.currentWidget() is w.lock_page


def test_a_new_account_chooses_its_own_password_at_first_login(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.core.config.demo = False  # on a demo station accounts keep their given password
    ctx.core.auth.add_operator("budi", "Budi Uji", Role.OPERATOR, "dari-spv-123", by=spv_session(ctx.core))
    w = window(qtbot, ctx)
    page = w.login_page
    log_in(qtbot, w, "budi", "dari-spv-123")
    qtbot.waitUntil(lambda: page.change_box.isVisible(), timeout=WAIT_MS)
    assert ctx.user is None and w.stack.currentWidget() is page and not page.button.isVisible()
    page.new_password.setText("pilihan-saya-1")
    page.new_confirm.setText("pilihan-saya-2")
    qtbot.mouseClick(page.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "sama" in page.message.text(), timeout=WAIT_MS)  # "tidak sama": Indonesian
    assert ctx.user is None
    page.new_password.setText("pilihan-saya-1")
    page.new_confirm.setText("pilihan-saya-1")
    qtbot.mouseClick(page.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    assert ctx.user is not None and ctx.user.username == "budi" and not page.change_box.isVisible()
    record = ctx.core.auth.operators.get("budi")
    assert record is not None and not record.must_change_password
    assert ctx.core.auth.login("budi", "pilihan-saya-1").username == "budi"


def test_the_first_login_change_can_be_cancelled(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.core.config.demo = False
    ctx.core.auth.add_operator("budi", "Budi Uji", Role.OPERATOR, "dari-spv-123", by=spv_session(ctx.core))
    w = window(qtbot, ctx)
    page = w.login_page
    log_in(qtbot, w, "budi", "dari-spv-123")
    qtbot.waitUntil(lambda: page.change_box.isVisible(), timeout=WAIT_MS)
    qtbot.mouseClick(page.findChild(QWidget, "login_change_cancel"), Qt.MouseButton.LeftButton)
    assert not page.change_box.isVisible() and page.button.isVisible() and page._given is None
    assert ctx.core.auth.operators.get("budi").must_change_password

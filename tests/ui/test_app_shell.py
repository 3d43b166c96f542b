"""The app's shell through its real widgets: login, idle lock, roles, demographics,
both languages, and a device fault in the health strip."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from devices.base import DeviceKind
from station.auth import Role
from station.config import save_config
from station.device_manager import FAULT
from station.synthetic import synthetic_resident
from station.workflow import Step
from tests.conftest import SUPERVISOR_PASSWORD
from tests.ui.conftest import log_in, spv_session
from ui.main_window import MainWindow
from ui.wizard.demographics import DemographicsPage

WAIT_MS = 15_000
OPERATOR_PASSWORD = "operator-rahasia-1"


def window(qtbot: Any, ctx: Any, **kw: Any) -> MainWindow:
    w = MainWindow(ctx, **kw)
    qtbot.addWidget(w)
    w.show()
    return w


def test_login_refuses_a_wrong_password_then_accepts(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    w = window(qtbot, ctx)
    log_in(qtbot, w, "spv", "salah-sekali-1")
    qtbot.waitUntil(lambda: w.login_page.message.text() != "", timeout=WAIT_MS)
    assert "sandi" in w.login_page.message.text().lower()  # Indonesian by default
    assert ctx.user is None
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    assert ctx.user is not None and ctx.user.username == "spv"


def test_a_locked_account_gets_the_same_answer_as_an_unknown_name(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.core.auth.add_operator("budi", "Budi Uji", Role.OPERATOR, OPERATOR_PASSWORD, by=spv_session(ctx.core))
    ctx.core.auth.set_lock("budi", True, by=spv_session(ctx.core))
    w = window(qtbot, ctx)
    answers = []
    for username in ("budi", "tidak-ada"):
        w.login_page.message.clear()
        log_in(qtbot, w, username, OPERATOR_PASSWORD)
        qtbot.waitUntil(lambda: w.login_page.message.text() != "", timeout=WAIT_MS)
        answers.append(w.login_page.message.text())
    assert answers[0] == answers[1] and "sampai" not in answers[0] and ctx.user is None


def test_idle_lock_keeps_the_enrollment_in_progress(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    w = window(qtbot, ctx, idle_minutes=0.01)  # 600 ms
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    qtbot.mouseClick(w.home.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.wizard_page is not None, timeout=WAIT_MS)
    assert w.controller is not None
    record_uuid = w.controller.workflow.enrollment.uuid
    page = w.wizard_page.pages[Step.DEMOGRAPHICS]
    assert isinstance(page, DemographicsPage)
    page.line("nama").setText("WARGA UJI")
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.lock_page, timeout=WAIT_MS)
    w.lock_page.password.setText("bukan-ini-1")
    qtbot.mouseClick(w.lock_page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.lock_page.message.text() != "", timeout=WAIT_MS)
    assert w.stack.currentWidget() is w.lock_page
    w.idle.timer.setInterval(60_000)
    w.lock_page.password.setText(SUPERVISOR_PASSWORD)
    qtbot.mouseClick(w.lock_page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.wizard_page, timeout=WAIT_MS)
    assert w.controller.workflow.enrollment.uuid == record_uuid
    assert page.line("nama").text() == "WARGA UJI"


def test_input_in_the_window_or_a_dialog_keeps_the_session_unlocked(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """Typing delivered the way the platform delivers it (to the window, not straight to
    a widget) restarts the idle clock, in the main window and in a dialog opened later."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout

    w = window(qtbot, ctx, idle_minutes=0.01)  # 600 ms
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    handle = w.windowHandle()
    assert handle is not None
    for _ in range(6):  # 1.2 s of typing, twice the idle time
        QTest.keyClick(handle, Qt.Key.Key_Shift)
        qtbot.wait(200)
        assert w.stack.currentWidget() is w.home
    dialog = QDialog(w)
    QVBoxLayout(dialog).addWidget(QLineEdit())
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.windowHandle() is not None and dialog.windowHandle().isActive(), timeout=WAIT_MS)
    for _ in range(6):
        QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_A)
        qtbot.wait(200)
        assert w.stack.currentWidget() is w.home
    dialog.close()
    # No input: the session locks.
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.lock_page, timeout=WAIT_MS)


def test_a_technician_may_not_start_an_enrollment(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.core.auth.add_operator("teknisi", "Teknisi Uji", Role.TECHNICIAN, OPERATOR_PASSWORD, by=spv_session(ctx.core))
    w = window(qtbot, ctx)
    log_in(qtbot, w, "teknisi", OPERATOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    qtbot.mouseClick(w.home.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.home.message.text() != "", timeout=WAIT_MS)
    assert w.wizard_page is None and "teknisi" in w.home.message.text().lower()


def test_demographics_refuses_a_wrong_nik_and_fills_from_a_right_one(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from station.workflow import EnrollmentWorkflow
    from ui.wizard.base import WizardController

    ctx = supervisor_ctx
    wizard = WizardController(ctx, EnrollmentWorkflow(ctx.core.enrollments, ctx.user))
    page = DemographicsPage(ctx, wizard)
    qtbot.addWidget(page)
    page.show()
    page.enter()
    resident = synthetic_resident(11, date.today()).demographics
    nik = page.line("nik")
    qtbot.keyClicks(nik, "12ab")
    assert "angka" in page.errors["nik"].text()  # "digits only", as typed
    nik.clear()
    qtbot.keyClicks(nik, resident.nik)
    assert page.date_edit.date().toPython() == resident.tanggal_lahir
    assert page.combo("jenis_kelamin").currentData() == resident.jenis_kelamin.value
    # Fill the rest from the synthetic resident and break the NIK's sex digit: refused on submit.
    page.fill(resident, {})
    wrong = resident.nik[:6] + f"{(int(resident.nik[6:8]) + 40) % 80:02d}" + resident.nik[8:]
    nik.setText(wrong)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() != "", timeout=WAIT_MS)
    assert wizard.workflow.enrollment.demographics is None
    assert page.errors["jenis_kelamin"].text() or page.errors["nik"].text() or page.errors["tanggal_lahir"].text()
    nik.setText(resident.nik)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.workflow.step == Step.PHOTO and not wizard.busy, timeout=WAIT_MS)
    assert wizard.workflow.enrollment.demographics is not None
    assert ctx.core.enrollments.drafts("spv")  # the accepted step is a draft in the store


def test_indonesian_and_english_both_load(qtbot, ctx, indonesian) -> None:  # type: ignore[no-untyped-def]
    w = window(qtbot, ctx)
    assert w.login_page.button.text() == "Masuk"
    assert w.home.new_button.text().startswith("Perekaman baru")
    w.set_language("en")
    assert w.login_page.button.text() == "Log in"
    assert w.home.new_button.text().startswith("New enrollment")
    assert ctx.lang == "en"
    w.set_language("id")
    assert w.login_page.button.text() == "Masuk"


def test_a_device_fault_shows_in_the_health_strip(qtbot, ctx, indonesian) -> None:  # type: ignore[no-untyped-def]
    ctx.core.config.fingerprint.driver = "ef01"
    ctx.core.config.fingerprint.port = str(ctx.core.home / "no-such-port")
    save_config(ctx.core.config, ctx.core.home)
    w = window(qtbot, ctx)
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: ctx.devices.states[DeviceKind.FINGERPRINT].state == FAULT, timeout=WAIT_MS)
    chip = w.health.devices[DeviceKind.FINGERPRINT]
    assert "gangguan" in chip.text().lower()
    assert "fingerprint" in chip.toolTip()  # the error code names the device


def test_callers_during_an_open_share_that_one_device(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """The login opens every device; the photo step asking meanwhile must get the same
    camera, not a second one that closes the first under it."""
    got: list[Any] = []
    ctx.devices.ensure(DeviceKind.SIGNATURE, on_ready=got.append)
    ctx.devices.ensure(DeviceKind.SIGNATURE, on_ready=got.append)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=WAIT_MS)
    assert got[0] is got[1] is ctx.devices.device(DeviceKind.SIGNATURE)
    ctx.devices.ensure(DeviceKind.SIGNATURE, on_ready=got.append)  # open already: at once
    assert len(got) == 3 and got[2] is got[0]


def test_after_a_crash_the_draft_resumes_at_the_step_in_progress(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """The demographics were accepted, then the app died: a new window on the same
    station lists the draft, and continuing it opens the photo step with the data."""
    w = window(qtbot, ctx)
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    qtbot.mouseClick(w.home.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.wizard_page is not None, timeout=WAIT_MS)
    resident = synthetic_resident(12, date.today()).demographics
    page = w.wizard_page.pages[Step.DEMOGRAPHICS]
    page.fill(resident, {})
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.controller.step == Step.PHOTO and not w.controller.busy, timeout=WAIT_MS)
    record_uuid = w.controller.workflow.enrollment.uuid
    w.wizard_page.close_pages()
    w.hide()  # "crash": this window is never used again

    again = window(qtbot, ctx)
    log_in(qtbot, again, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: again.home.drafts.count() == 1, timeout=WAIT_MS)
    again.home.drafts.setCurrentRow(0)
    again.home._resume_selected(again)
    qtbot.waitUntil(lambda: again.wizard_page is not None, timeout=WAIT_MS)
    wf = again.controller.workflow
    assert wf.enrollment.uuid == record_uuid and wf.step == Step.PHOTO
    assert wf.enrollment.demographics == resident


def test_consoles_open_for_their_roles_only(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.core.auth.add_operator("budi", "Budi Uji", Role.OPERATOR, OPERATOR_PASSWORD, by=spv_session(ctx.core))
    ctx.core.auth.add_operator("teknisi", "Teknisi Uji", Role.TECHNICIAN, OPERATOR_PASSWORD, by=spv_session(ctx.core))
    w = window(qtbot, ctx)
    log_in(qtbot, w, "budi", OPERATOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    assert not any(a.isEnabled() for a in w.console_actions.values())
    w.open_console("devices")  # as a shortcut would, though the menu is greyed out
    assert w.console is None and w.home.message.text()
    w.logout()

    log_in(qtbot, w, "teknisi", OPERATOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    assert w.console_actions["devices"].isEnabled() and not w.console_actions["sync"].isEnabled()
    w.open_console("sync")
    assert w.console is None
    w.open_console("devices")
    assert w.console is not None and w.stack.currentWidget() is w.console_wrap
    w.leave_console()
    assert w.console is None and w.stack.currentWidget() is w.home
    w.logout()

    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    for key in ("devices", "sync", "admin"):
        w.open_console(key)
        assert w.console_key == key and w.stack.currentWidget() is w.console_wrap
    w.leave_console()
    ctx.tasks.wait(WAIT_MS)
    from sqlalchemy import select

    from store.models import AuditEvent

    with ctx.core.db.read() as session:
        opened = session.scalars(select(AuditEvent.target).where(AuditEvent.action == "console_open")).all()
    assert list(opened) == ["devices", "devices", "sync", "admin"]

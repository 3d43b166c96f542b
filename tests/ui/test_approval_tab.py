"""The console's Pending approval tab, driven through its real widgets: the waiting
records listed, decisions chosen per row, the supervisor's password asked once for the
batch (a refused operator first), and the store changed only for the decided rows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel
from sqlalchemy import select

from station.auth import Role
from station.enroll_synthetic import enroll_synthetic
from store.models import AuditEvent, Enrollment
from store.states import RecordState
from tests.conftest import SUPERVISOR_PASSWORD
from tests.ui.conftest import spv_session
from ui.admin.approval_tab import APPROVE, REJECT, ApprovalTab
from ui.widgets import SupervisorDialog

WAIT_MS = 15_000


def when_supervisor_dialog(qtbot: Any, refused: list[str]) -> QTimer:
    """Once the SupervisorDialog is open: an operator's password (refused), then spv's.
    The dialog is rejected if anything fails, so a broken test cannot hang on it."""
    timer = QTimer()
    timer.setInterval(20)

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SupervisorDialog):
            return
        timer.stop()
        try:
            ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
            dialog.username.setText("opr")
            dialog.password.setText("rahasia-opr-1")
            ok.click()
            qtbot.waitUntil(lambda: bool(dialog.error.text()) and ok.isEnabled(), timeout=WAIT_MS)
            refused.append(dialog.error.text())
            dialog.username.setText("spv")
            dialog.password.setText(SUPERVISOR_PASSWORD)
            ok.click()
        except BaseException:
            dialog.reject()
            raise

    timer.timeout.connect(poll)
    timer.start()
    return timer


def test_decisions_are_submitted_once_for_the_batch_and_undecided_rows_keep_waiting(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    core = supervisor_ctx.core
    spv = spv_session(core)
    core.auth.add_operator("opr", "Operator Uji", Role.OPERATOR, "rahasia-opr-1", by=spv)
    core.config.supervisor_approval = True
    enroll_synthetic(core, 3, seed=3, operator=spv, approver=spv, batch=3)

    tab = ApprovalTab(supervisor_ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 500)
    tab.show()
    tab.refresh()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 3, timeout=WAIT_MS)
    assert [tab.table.item(r, 0).text() for r in range(3)] == [f"320412-01-000000{i}" for i in (1, 2, 3)]
    assert "3" in tab.summary.text()

    tab.table.selectRow(1)  # View: the record's receipt as it printed
    tab.view_button.click()
    qtbot.waitUntil(lambda: tab.findChild(QDialog, "approval_receipt_dialog") is not None, timeout=WAIT_MS)
    dialog = tab.findChild(QDialog, "approval_receipt_dialog")
    assert dialog.windowTitle() == "320412-01-0000002"
    image = dialog.findChild(QLabel, "approval_receipt_image")
    assert image is not None and image.pixmap() is not None and not image.pixmap().isNull()
    dialog.reject()

    tab.submit_button.click()  # nothing chosen: said so, no password asked
    assert tab.message.text() and QApplication.activeModalWidget() is None

    tab.set_decision(0, REJECT, "other")  # "other" without a note: refused before any password
    tab.submit_button.click()
    assert "note" in tab.message.text() or "catatan" in tab.message.text()
    assert QApplication.activeModalWidget() is None
    tab.set_decision(0, APPROVE)
    tab.set_decision(1, REJECT, "poor_capture", "wajah buram")
    assert tab._combo(1, 6).isEnabled() and not tab._combo(0, 6).isEnabled()
    refused: list[str] = []
    timer = when_supervisor_dialog(qtbot, refused)
    qtbot.mouseClick(tab.submit_button, Qt.MouseButton.LeftButton)
    timer.stop()
    assert refused and "opr" in refused[0]
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=WAIT_MS)  # refreshed after the batch
    assert tab.table.item(0, 0).text() == "320412-01-0000003"
    assert "1" in tab.message.text()

    with core.db.read() as session:
        states = list(session.execute(select(Enrollment.state).order_by(Enrollment.station_seq)).scalars())
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("approval_%")).order_by(AuditEvent.seq)
            )
        )
    assert states == [RecordState.SEALED, RecordState.WITHDRAWING, RecordState.PENDING_APPROVAL]
    assert actions == ["approval_approve", "approval_reject"]

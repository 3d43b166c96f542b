"""The administration console's Operators tab: accounts, roles, unlock, reset, add.

Refusals (a weak password, the last supervisor, one's own account) come back from
station.admin as bilingual errors and are shown on the tab's message line or beside
the field they concern. `changed` tells the console the audit log has news.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.admin import OperatorRow
from station.auth import ROLE_LABELS, Role
from ui.admin.tab import AdminTab, admin_table, password_field
from ui.app_context import AppContext
from ui.messages import OkMsg, ScreenMessages
from ui.row_tables import cell
from ui.tasks import Failure
from ui.widgets import MessageLine

log = logging.getLogger(__name__)


class OperatorsTab(AdminTab):
    class Messages(ScreenMessages):
        """What the selected account's line may say."""

        context = "OperatorsTab"
        unlocked = OkMsg(QT_TRANSLATE_NOOP("OperatorsTab", "%1 unlocked."))
        deactivated = OkMsg(QT_TRANSLATE_NOOP("OperatorsTab", "%1 deactivated: they can no longer log in."))
        reactivated = OkMsg(QT_TRANSLATE_NOOP("OperatorsTab", "%1 reactivated."))
        role_set = OkMsg(QT_TRANSLATE_NOOP("OperatorsTab", "%1 is now %2."))
        password_set = OkMsg(QT_TRANSLATE_NOOP("OperatorsTab", "New password set for %1."))

    class AddMessages(ScreenMessages):
        """What the "add an operator" line may say."""

        context = "OperatorsTab"
        added = OkMsg(QT_TRANSLATE_NOOP("OperatorsTab", "%1 added."))

    changed = Signal()  # an account was changed: the audit log has news
    shown = Signal(object)  # the list of OperatorRow now in the table

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.rows: list[OperatorRow] = []
        layout = QHBoxLayout(self)
        self.table = admin_table(
            "operators_table",
            [
                self.tr("Username"),
                self.tr("Full name"),
                self.tr("Role"),
                self.tr("Active"),
                self.tr("Locked until"),
                self.tr("Failed logins"),
            ],
            stretch=1,
        )
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 3)
        side = QVBoxLayout()
        layout.addLayout(side, 2)

        selected = QGroupBox(self.tr("Selected operator"))
        form = QFormLayout(selected)
        self.selected_label = QLabel("-")
        self.selected_label.setObjectName("selected_operator")
        form.addRow(self.selected_label)
        buttons = QHBoxLayout()
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.clicked.connect(self.unlock)
        self.active_button = QPushButton(self.tr("Deactivate"))
        self.active_button.setObjectName("active_button")
        self.active_button.clicked.connect(self.toggle_active)
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.active_button)
        form.addRow(buttons)
        role_row = QHBoxLayout()
        self.role = self.role_combo("selected_role")
        self.role_button = QPushButton(self.tr("Change role"))
        self.role_button.setObjectName("role_button")
        self.role_button.clicked.connect(self.change_role)
        role_row.addWidget(self.role, 1)
        role_row.addWidget(self.role_button)
        form.addRow(self.tr("Role"), role_row)
        self.reset_password = password_field("reset_password")
        self.reset_confirm = password_field("reset_confirm")
        form.addRow(self.tr("New password"), self.reset_password)
        form.addRow(self.tr("Repeat it"), self.reset_confirm)
        self.reset_button = QPushButton(self.tr("Reset password"))
        self.reset_button.setObjectName("reset_button")
        self.reset_button.clicked.connect(self.reset)
        form.addRow(self.reset_button)
        self.message = MessageLine()
        self.messages = OperatorsTab.Messages(self.message, self.ctx)
        self.message.setObjectName("operator_message")
        form.addRow(self.message)
        side.addWidget(selected)

        add = QGroupBox(self.tr("Add an operator"))
        form = QFormLayout(add)
        self.new_username = QLineEdit()
        self.new_username.setObjectName("new_username")
        self.new_full_name = QLineEdit()
        self.new_full_name.setObjectName("new_full_name")
        self.new_role = self.role_combo("new_role")
        self.new_password = password_field("new_password")
        self.new_confirm = password_field("new_confirm")
        form.addRow(self.tr("Username"), self.new_username)
        form.addRow(self.tr("Full name"), self.new_full_name)
        form.addRow(self.tr("Role"), self.new_role)
        form.addRow(self.tr("Password"), self.new_password)
        form.addRow(self.tr("Repeat it"), self.new_confirm)
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.setObjectName("add_button")
        self.add_button.clicked.connect(self.add)
        form.addRow(self.add_button)
        self.add_message = MessageLine()
        self.add_messages = OperatorsTab.AddMessages(self.add_message, self.ctx)
        self.add_message.setObjectName("add_message")
        form.addRow(self.add_message)
        side.addWidget(add)
        side.addStretch(1)
        self._selection_changed()

    # --- the table ---------------------------------------------------------------

    def refresh(self) -> None:
        self.call("operators", on_done=self._show, on_failed=self.message_failure)

    def _show(self, rows: list[OperatorRow]) -> None:
        keep = self.selected()
        self.rows = rows
        self.table.setRowCount(len(rows))
        far = datetime.now(UTC) + timedelta(days=365)
        for i, r in enumerate(rows):
            if r.locked_until is None:
                locked = "-"
            elif r.locked_until > far:
                locked = self.tr("until unlocked")
            else:
                locked = r.locked_until.astimezone().strftime("%Y-%m-%d %H:%M")
            cells = [
                r.username,
                r.full_name,
                self.ctx.t(ROLE_LABELS[r.role]),
                self.tr("yes") if r.active else self.tr("no"),
                locked,
                str(r.failed_attempts),
            ]
            for j, text in enumerate(cells):
                item = cell(text)
                if not r.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(i, j, item)
            if keep is not None and r.username == keep.username:
                self.table.selectRow(i)
        self._selection_changed()
        self.shown.emit(rows)

    def selected(self) -> OperatorRow | None:
        picked = self.table.selectionModel().selectedRows()
        if not picked or picked[0].row() >= len(self.rows):
            return None
        return self.rows[picked[0].row()]

    def _selection_changed(self) -> None:
        row = self.selected()
        for w in (self.unlock_button, self.active_button, self.role_button, self.reset_button, self.role):
            w.setEnabled(row is not None)
        if row is None:
            self.selected_label.setText(self.tr("Choose an operator in the table."))
            return
        self.selected_label.setText(f"<b>{row.username}</b> — {row.full_name}")
        self.active_button.setText(self.tr("Deactivate") if row.active else self.tr("Reactivate"))
        self.unlock_button.setEnabled(row.locked_until is not None or row.failed_attempts > 0)
        self.role.setCurrentIndex(self.role.findData(row.role))

    # --- actions -------------------------------------------------------------------

    def act(self, method: str, *args: Any, say: Callable[[], None] | None = None, done: Any = None) -> None:
        """One change to the selected account on the store writer; its outcome on the
        message line (`say` shows the declared message, or `done` takes the result)."""
        self.messages.clear()
        on_done = done if done is not None else self._done(say or (lambda: None))
        self.call(method, *args, on_done=on_done, on_failed=self.message_failure, serial=True)

    def _done(self, say: Callable[[], None]) -> Any:
        def done(_result: object) -> None:
            say()
            self.refresh()
            self.changed.emit()

        return done

    def message_failure(self, failure: Failure) -> None:
        self.messages.failure(failure)

    def unlock(self) -> None:
        row = self.selected()
        if row is not None:
            self.act("unlock", row.username, say=lambda: self.messages.unlocked(row.username))

    def toggle_active(self) -> None:
        row = self.selected()
        if row is None:
            return
        said = self.messages.deactivated if row.active else self.messages.reactivated
        self.act("set_active", row.username, not row.active, say=lambda: said(row.username))

    def change_role(self) -> None:
        row = self.selected()
        role = Role(self.role.currentData())
        if row is None or role == row.role:
            return
        label = self.ctx.t(ROLE_LABELS[role])
        self.act("set_role", row.username, role, say=lambda: self.messages.role_set(row.username, label))

    def reset(self) -> None:
        row = self.selected()
        if row is None:
            return

        def done(_result: object) -> None:
            self.reset_password.clear()
            self.reset_confirm.clear()
            self._done(lambda: self.messages.password_set(row.username))(None)

        self.act("reset_password", row.username, self.reset_password.text(), self.reset_confirm.text(), done=done)

    def add(self) -> None:
        username = self.new_username.text().strip()
        self.add_button.setEnabled(False)
        self.add_messages.clear()

        def done(_result: object) -> None:
            self.add_button.setEnabled(True)
            for edit in (self.new_username, self.new_full_name, self.new_password, self.new_confirm):
                edit.clear()
            self.add_messages.added(username)
            self.refresh()
            self.changed.emit()

        def failed(failure: Failure) -> None:
            self.add_button.setEnabled(True)
            self.add_messages.failure(failure)

        self.call(
            "add_operator",
            username,
            self.new_full_name.text(),
            Role(self.new_role.currentData()),
            self.new_password.text(),
            self.new_confirm.text(),
            on_done=done,
            on_failed=failed,
            serial=True,
        )

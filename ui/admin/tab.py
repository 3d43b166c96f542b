"""What the administration console's tabs share: the supervisor-only call and the tables.

Every read and write of a tab runs off the GUI thread through `AdminTab.call`: a fresh
station.admin.Admin checks the session (role, lock) on the worker and does the one
thing; writes go to the single store writer (`serial=True`).

Traps:
- behind the lock or logged out, `call` asks nothing at all (station.admin refuses too).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QWidget,
)

from station.admin import Admin
from station.auth import ROLE_LABELS, Role, User, usable
from station.core import StationCore
from ui.app_context import AppContext

log = logging.getLogger(__name__)


def admin_call(core: StationCore, user: User | None, method: str, *args: Any) -> Any:
    """Runs on a worker thread: a fresh Admin checks the role, then does the one thing."""
    return getattr(Admin(core, user), method)(*args)


def local_time(t: datetime) -> str:
    """A stored UTC time as this computer's local time, to the second."""
    return t.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def password_field(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def admin_table(name: str, headers: list[str], stretch: int) -> QTableWidget:
    """Columns fit their contents, `stretch` takes the rest; rows one text line high."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    header = table.horizontalHeader()
    for i in range(len(headers)):
        mode = QHeaderView.ResizeMode.Stretch if i == stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(i, mode)
    return table


class AdminTab(QWidget):
    """A console tab: `call` runs one station.admin method for the session's supervisor."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def call(self, method: str, *args: Any, on_done: Any, on_failed: Any, serial: bool = False) -> None:
        if not usable(self.ctx.user, Role.SUPERVISOR):
            return  # behind the lock or logged out: nothing is asked (station.admin refuses too)
        self.ctx.tasks.run(
            admin_call,
            self.ctx.core,
            self.ctx.user,
            method,
            *args,
            on_done=on_done,
            on_failed=on_failed,
            serial=serial,
            name=f"admin {method}",
            owner=self,
        )

    def role_combo(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        for role in Role:
            combo.addItem(self.ctx.t(ROLE_LABELS[role]), role)
        return combo

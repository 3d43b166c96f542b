"""The supervisor's administration console: operators, daily recap, pending approval,
audit log and settings tabs.

Three tabs over station.admin (Qt-free), one module each in ui/admin/; this module
only assembles them, refuses anyone but a supervisor, and keeps the audit tab fresh
when another tab changed something. Every read and write runs off the GUI thread.

Traps:
- a console built for someone who is not a supervisor, or for a locked session,
  shows a refusal and no controls; nothing is asked while the session is locked, and
  station.admin checks the session (role, lock) again on every call;
- logging out or another person's login hides the tabs at once.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from common.text import Text
from station.auth import Role, User, usable
from ui.admin.approval_tab import ApprovalTab
from ui.admin.audit_tab import AuditTab
from ui.admin.operators_tab import OperatorsTab
from ui.admin.recap_tab import RecapTab
from ui.admin.settings_tab import SettingsTab
from ui.app_context import AppContext
from ui.widgets import ERROR_STYLE

log = logging.getLogger(__name__)


class AdminConsole(QWidget):
    """Tabs for a supervisor; a refusal and nothing else for anyone else."""

    roles = (Role.SUPERVISOR,)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("admin_console")
        layout = QVBoxLayout(self)
        self.refusal = QLabel(self.tr("Only a supervisor may use the administration console."))
        self.refusal.setObjectName("admin_refused")
        self.refusal.setStyleSheet(ERROR_STYLE)
        self.refusal.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.refusal)
        self.tabs: QTabWidget | None = None
        if not usable(ctx.user, Role.SUPERVISOR):
            log.info("administration console refused to %s", ctx.user.username if ctx.user else "nobody")
            return
        self.refusal.hide()
        self.tabs = QTabWidget()
        self.operators = OperatorsTab(ctx)
        self.audit = AuditTab(ctx)
        self.settings = SettingsTab(ctx)
        self.recap = RecapTab(ctx)
        self.approval = ApprovalTab(ctx)
        self.tabs.addTab(self.operators, self.tr("Operators"))
        self.tabs.addTab(self.recap, self.tr("Daily recap"))
        self.tabs.addTab(self.approval, ctx.t(Text("Persetujuan", "Pending approval")))
        self.tabs.addTab(self.audit, self.tr("Audit log"))
        self.tabs.addTab(self.settings, self.tr("Settings"))
        layout.addWidget(self.tabs)
        self.operators.changed.connect(self.audit.refresh)
        self.settings.saved.connect(lambda _change: self.audit.refresh())
        self.tabs.currentChanged.connect(self._tab_changed)
        ctx.user_changed.connect(self._user_changed)
        self.operators.refresh()
        self.audit.refresh()
        self.settings.load()

    def _tab_changed(self, index: int) -> None:
        if self.tabs is not None and self.tabs.widget(index) is self.audit:
            self.audit.refresh()
        elif self.tabs is not None and self.tabs.widget(index) is self.recap:
            self.recap.refresh()
        elif self.tabs is not None and self.tabs.widget(index) is self.approval:
            self.approval.refresh()

    def _user_changed(self, user: User | None) -> None:
        """Logged out or another person: the controls go, the refusal shows."""
        if self.tabs is not None and not usable(user, Role.SUPERVISOR):
            self.tabs.hide()
            self.tabs.setEnabled(False)
            self.refusal.show()

"""The counter's home page: the tickets on the left; new enrollment, look-up and the
operator's unfinished drafts on the right.

It decides nothing: its buttons ask the main window (navigation) to start, resume or
look up, and the window asks the core whether that is allowed.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from store.records import RecordSummary
from ui.tickets_panel import TicketsPanel
from ui.widgets import MessageLine


class Navigator(Protocol):
    """What the home page asks of the window."""

    def start_enrollment(self) -> None: ...

    def show_lookup(self) -> None: ...

    def resume_draft(self, record_uuid: str) -> None: ...


class HomePage(QWidget):
    """The counter: the tickets on the left; new enrollment, look-up and drafts on the right."""

    def __init__(self, ctx: Any, window: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        row = QHBoxLayout(self)
        self.tickets = TicketsPanel(ctx)
        row.addWidget(self.tickets, 3)
        side = QVBoxLayout()
        row.addLayout(side, 2)
        self.greeting = QLabel()
        self.greeting.setStyleSheet("font-size: 13pt; font-weight: bold;")
        side.addWidget(self.greeting)
        self.new_button = QPushButton(self.tr("New enrollment (no ticket)"))
        self.new_button.setObjectName("new_enrollment")
        self.new_button.setStyleSheet("font-size: 13pt; padding: 10px;")
        self.new_button.clicked.connect(lambda: window.start_enrollment())
        side.addWidget(self.new_button)
        self.lookup_button = QPushButton(self.tr("Look up a record…"))
        self.lookup_button.setObjectName("open_lookup")
        self.lookup_button.clicked.connect(window.show_lookup)
        side.addWidget(self.lookup_button)
        self.message = MessageLine()
        self.message.setObjectName("home_message")
        side.addWidget(self.message)
        box = QGroupBox(self.tr("Unfinished enrollments (drafts)"))
        v = QVBoxLayout(box)
        self.drafts = QListWidget()
        self.drafts.setObjectName("drafts")
        self.drafts.itemActivated.connect(lambda item: window.resume_draft(item.data(Qt.ItemDataRole.UserRole)))
        v.addWidget(self.drafts)
        resume = QPushButton(self.tr("Continue the selected draft"))
        resume.clicked.connect(lambda: self._resume_selected(window))
        v.addWidget(resume)
        side.addWidget(box, 1)

    def _resume_selected(self, window: Navigator) -> None:
        item = self.drafts.currentItem()
        if item is not None:
            window.resume_draft(item.data(Qt.ItemDataRole.UserRole))

    def refresh(self) -> None:
        user = self.ctx.user
        if user is not None:
            self.greeting.setText(self.tr("Counter of %1").replace("%1", user.full_name))
            self.ctx.tasks.run(self.ctx.core.enrollments.drafts, user.username, on_done=self._drafts, owner=self)

    def _drafts(self, drafts: list[RecordSummary]) -> None:
        self.drafts.clear()
        for d in drafts:
            item = QListWidgetItem(f"{d.name or '—'}  ({d.created_at.astimezone():%d-%m %H:%M})")
            item.setData(Qt.ItemDataRole.UserRole, d.uuid)
            self.drafts.addItem(item)

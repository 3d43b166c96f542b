"""The administration console's Audit log tab: filter, page, and the chain's verdict.

Traps:
- the answers carry the number of the query that asked, so a slow answer never
  overwrites a newer filter's;
- the chain result is for the whole log, whatever the filter shows.
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.admin import AuditFilter, AuditView
from ui.admin.tab import AdminTab, admin_table, local_time
from ui.app_context import AppContext
from ui.row_tables import cell
from ui.tasks import Failure
from ui.widgets import ERROR_STYLE

log = logging.getLogger(__name__)

CHAIN_OK_STYLE = "background: #1b7f3b; color: white; font-weight: bold; padding: 6px; border-radius: 4px;"
CHAIN_BROKEN_STYLE = "background: #b00020; color: white; font-weight: bold; padding: 6px; border-radius: 4px;"
NO_DATE = QDate(2000, 1, 1)  # the date edits' "any" value


class AuditTab(AdminTab):
    shown = Signal(object)  # the AuditView now on screen

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._query_no = 0
        self.offset = 0
        self.view: AuditView | None = None
        self.view_filter = AuditFilter()  # the filter `view` answers
        layout = QVBoxLayout(self)
        self.chain = QLabel()
        self.chain.setObjectName("chain_status")
        self.chain.setWordWrap(True)
        layout.addWidget(self.chain)
        filters = QHBoxLayout()
        self.actor = QComboBox()
        self.actor.setObjectName("audit_actor")
        self.action = QComboBox()
        self.action.setObjectName("audit_action")
        self.action.setMinimumContentsLength(18)
        self.date_from = self._date_edit("audit_from")
        self.date_to = self._date_edit("audit_to")
        for label, w in (
            (self.tr("Person"), self.actor),
            (self.tr("Action"), self.action),
            (self.tr("From"), self.date_from),
            (self.tr("To"), self.date_to),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(w)
        self.actor.currentIndexChanged.connect(self._filter_changed)
        self.action.currentIndexChanged.connect(self._filter_changed)
        self.date_from.dateChanged.connect(self._filter_changed)
        self.date_to.dateChanged.connect(self._filter_changed)
        filters.addStretch(1)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setObjectName("audit_refresh")
        self.refresh_button.clicked.connect(self.refresh)
        filters.addWidget(self.refresh_button)
        layout.addLayout(filters)
        self.table = admin_table(
            "audit_table",
            ["#", self.tr("Time"), self.tr("Person"), self.tr("Action"), self.tr("Target"), self.tr("Detail")],
            stretch=5,
        )
        layout.addWidget(self.table, 1)
        pages = QHBoxLayout()
        self.count = QLabel()
        self.count.setObjectName("audit_count")
        self.newer = QPushButton(self.tr("Newer"))
        self.newer.clicked.connect(lambda: self._page(-1))
        self.older = QPushButton(self.tr("Older"))
        self.older.clicked.connect(lambda: self._page(1))
        pages.addWidget(self.count, 1)
        pages.addWidget(self.newer)
        pages.addWidget(self.older)
        layout.addLayout(pages)
        self._fill_combo(self.actor, self.tr("(everyone)"), [])
        self._fill_combo(self.action, self.tr("(every action)"), [])

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText(self.tr("any"))
        edit.setDate(NO_DATE)
        return edit

    @staticmethod
    def _fill_combo(combo: QComboBox, everything: str, values: list[str]) -> None:
        keep = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for v in values:
            combo.addItem(v, v)
        combo.setCurrentIndex(max(0, combo.findData(keep)) if keep is not None else 0)
        combo.blockSignals(False)

    @staticmethod
    def _date(edit: QDateEdit) -> date | None:
        d = edit.date()
        return None if d == NO_DATE else date(d.year(), d.month(), d.day())

    def current_filter(self) -> AuditFilter:
        return AuditFilter(
            actor=self.actor.currentData(),
            action=self.action.currentData(),
            date_from=self._date(self.date_from),
            date_to=self._date(self.date_to),
            offset=self.offset,
        )

    def _filter_changed(self) -> None:
        self.offset = 0
        self.refresh()

    def _page(self, step: int) -> None:
        limit = AuditFilter().limit
        self.offset = max(0, self.offset + step * limit)
        self.refresh()

    def refresh(self) -> None:
        self._query_no += 1
        query_no, flt = self._query_no, self.current_filter()
        self.call(
            "audit_view",
            flt,
            on_done=lambda view: self._show(query_no, flt, view),
            on_failed=self._failed,
        )

    def _failed(self, failure: Failure) -> None:
        self.chain.setStyleSheet(ERROR_STYLE)
        self.chain.setText(failure.message(self.ctx.lang))

    def _show(self, query_no: int, flt: AuditFilter, view: AuditView) -> None:
        if query_no != self._query_no:
            return  # a newer filter's answer is on its way
        self.view, self.view_filter = view, flt
        self._fill_combo(self.actor, self.tr("(everyone)"), view.actors)
        self._fill_combo(self.action, self.tr("(every action)"), view.actions)
        if view.chain.intact:
            self.chain.setStyleSheet(CHAIN_OK_STYLE)
            self.chain.setText(self.tr("✔ Audit chain intact (%1 events)").replace("%1", str(view.chain.count)))
            self.chain.setToolTip("")
        else:
            text = self.tr("✘ Audit chain BROKEN at event #%1: %2 problem(s) in %3 events; rows altered or removed.")
            self.chain.setStyleSheet(CHAIN_BROKEN_STYLE)
            self.chain.setText(
                text.replace("%1", str(view.chain.first_broken))
                .replace("%2", str(len(view.chain.problems)))
                .replace("%3", str(view.chain.count))
            )
            self.chain.setToolTip("\n".join(f"#{p.seq}: {p.text.get(self.ctx.lang)}" for p in view.chain.problems[:20]))
        self.table.setRowCount(len(view.rows))
        broken = {p.seq for p in view.chain.problems}
        for i, r in enumerate(view.rows):
            cells = [str(r.seq), local_time(r.at), r.actor or "-", r.action, r.target or "-", r.detail]
            for j, text in enumerate(cells):
                item = cell(text)
                if r.seq in broken:
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(i, j, item)
        first_shown = self.offset + 1 if view.rows else 0
        self.count.setText(
            self.tr("Events %1-%2 of %3")
            .replace("%1", str(first_shown))
            .replace("%2", str(self.offset + len(view.rows)))
            .replace("%3", str(view.total))
        )
        self.newer.setEnabled(self.offset > 0)
        self.older.setEnabled(self.offset + len(view.rows) < view.total)
        self.shown.emit(view)

"""The record look-up page: where is a resident's record, in words one can read out.

One search field takes a NIK, a registration number or a name prefix (the shape of
the query decides, station.records_view.parse_query); the query is checked on the
GUI thread (instant, no I/O) and the search, the record's details and the receipt
data are read off it. Results arrive as plain dataclasses.

Traps:
- a slow search can finish after a newer one: every answer carries the number of
  the search that asked, and stale answers are dropped;
- a NIK typed into the box is never echoed back: "nothing found" shows it masked;
- the receipt's language is the screen language here (the resident asks at the
  counter in the language being spoken);
- every search, record opened and reprint is audited in the core with the user's
  name (station.records_view, station.receipt).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from common.errors import ValidationError
from station.auth import usable
from station.nik import mask_nik
from station.receipt import ReceiptData, reprint_receipt
from station.records_view import (
    FoundRecord,
    QueryKind,
    RecordView,
    SearchQuery,
    find_records,
    format_local,
    parse_query,
    record_view,
    resident_sentence,
    state_label,
    timeline_label,
)
from store.enrollments import DRAFT
from ui.app_context import AppContext
from ui.messages import ErrorMsg, OkMsg, ScreenMessages
from ui.receipt import print_receipt, save_receipt_as
from ui.tasks import Failure
from ui.widgets import MessageLine, show_failure

log = logging.getLogger(__name__)

UUID_ROLE = Qt.ItemDataRole.UserRole


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


class LookupPage(QWidget):
    """Search, results, and the selected record's timeline with a reprint button."""

    class Messages(ScreenMessages):
        """What this screen may say on its message line."""

        context = "LookupPage"
        searching = OkMsg(QT_TRANSLATE_NOOP("LookupPage", "Searching…"))
        not_found = ErrorMsg(QT_TRANSLATE_NOOP("LookupPage", "No record found for {query}."))
        found = OkMsg(QT_TRANSLATE_NOOP("LookupPage", "Records found: {n}"))
        gone = ErrorMsg(QT_TRANSLATE_NOOP("LookupPage", "The record is no longer on this station."))
        receipt_saved = OkMsg(QT_TRANSLATE_NOOP("LookupPage", "Receipt saved: {path}"))
        receipt_printed = OkMsg(QT_TRANSLATE_NOOP("LookupPage", "Receipt sent to the printer."))

    record_shown = Signal(object)  # the RecordView now on screen
    results_shown = Signal(object)  # the list of FoundRecord of the last search

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._search_no = 0
        self.rows: list[FoundRecord] = []
        self.view: RecordView | None = None

        title = QLabel(self.tr("Find a record"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)

        self.query = QLineEdit()
        self.query.setObjectName("lookup_query")
        self.query.setPlaceholderText(self.tr("NIK (16 digits), registration number, or the first letters of a name"))
        self.query.setClearButtonEnabled(True)
        self.query.returnPressed.connect(self.search)
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.setObjectName("lookup_search")
        self.search_button.clicked.connect(self.search)
        bar = QHBoxLayout()
        bar.addWidget(self.query, 1)
        bar.addWidget(self.search_button)

        self.message = MessageLine()

        self.messages = LookupPage.Messages(self.message, self.ctx)
        self.message.setObjectName("lookup_message")

        self.results = QTableWidget(0, 5)
        self.results.setObjectName("lookup_results")
        self.results.setHorizontalHeaderLabels(
            [self.tr("Registration no."), self.tr("Name"), self.tr("NIK"), self.tr("Sealed at"), self.tr("State")]
        )
        self._table_defaults(self.results)
        self.results.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.results.itemSelectionChanged.connect(self._selection_changed)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.results)
        splitter.addWidget(self._detail_panel())
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self._show_detail(None)
        self.setFocusProxy(self.query)

    def _detail_panel(self) -> QWidget:
        panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel()
        self.heading.setObjectName("lookup_heading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bold = self.heading.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.heading.setFont(bold)
        self.sentence = QLabel()
        self.sentence.setObjectName("lookup_sentence")
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        big = self.sentence.font()
        big.setPointSizeF(big.pointSizeF() * 1.25)
        big.setWeight(QFont.Weight.Medium)
        self.sentence.setFont(big)
        self.sentence.setStyleSheet("background: #eef5ff; border: 1px solid #9bbbe0; border-radius: 4px; padding: 8px;")
        self.facts = QLabel()
        self.facts.setObjectName("lookup_facts")
        self.facts.setWordWrap(True)

        self.timeline = QTableWidget(0, 4)
        self.timeline.setObjectName("lookup_timeline")
        self.timeline.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Status"), self.tr("What happened"), self.tr("Detail")]
        )
        self._table_defaults(self.timeline)
        self.timeline.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        self.reprint = QPushButton(self.tr("Reprint receipt"))
        self.reprint.setObjectName("lookup_reprint")
        menu = QMenu(self.reprint)
        self.print_action = menu.addAction(self.tr("Print…"))
        self.print_action.triggered.connect(lambda: self._reprint(save=False))
        self.save_action = menu.addAction(self.tr("Save as PDF…"))
        self.save_action.triggered.connect(lambda: self._reprint(save=True))
        self.reprint.setMenu(menu)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reprint)

        layout = QVBoxLayout(panel)
        layout.addWidget(self.heading)
        layout.addWidget(self.sentence)
        layout.addWidget(self.facts)
        layout.addWidget(QLabel(self.tr("Timeline")))
        layout.addWidget(self.timeline, 1)
        layout.addLayout(buttons)
        return panel

    @staticmethod
    def _table_defaults(table: QTableWidget) -> None:
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.setWordWrap(False)

    # --- public ---------------------------------------------------------------

    def _actor(self) -> str:
        user = self.ctx.user
        return user.username if user is not None else "?"

    def show_record(self, reg_no: str) -> None:
        """Look up one registration number (from the queue panel or after a seal)."""
        self.query.setText(reg_no)
        self.search()

    def search(self) -> None:
        """Search for what the field holds (Enter or the Search button); nothing while
        the session is locked or nobody is logged in."""
        if not usable(self.ctx.user):
            return
        try:
            query = parse_query(self.query.text())
        except ValidationError as exc:
            self._search_no += 1  # any answer still on its way is now stale
            self._fill_results([])
            self.messages.user_error(exc)
            return
        self._search_no += 1
        number = self._search_no
        self.messages.searching()
        self.ctx.tasks.run(
            find_records,
            self.ctx.core,
            query,
            actor=self._actor(),
            on_done=lambda rows: self._found(number, query, rows),
            on_failed=lambda failure: self._search_failed(number, failure),
            name="record look-up",
            owner=self,
        )

    # --- results --------------------------------------------------------------

    def _found(self, number: int, query: SearchQuery, rows: list[FoundRecord]) -> None:
        if number != self._search_no:
            return
        self._fill_results(rows)
        if not rows:
            shown = mask_nik(query.value) if query.kind is QueryKind.NIK else query.value
            self.messages.not_found(query=shown)
        else:
            self.messages.found(n=len(rows))
            if len(rows) == 1:
                self.results.selectRow(0)
        self.results_shown.emit(rows)

    def _search_failed(self, number: int, failure: Failure) -> None:
        if number != self._search_no:
            return
        self._fill_results([])
        self.messages.failure(failure)

    def _fill_results(self, rows: list[FoundRecord]) -> None:
        self.rows = rows
        self.results.clearSelection()
        self.results.setRowCount(len(rows))
        for r, row in enumerate(rows):
            s = row.summary
            first = _cell(s.reg_no or self.tr("(draft)"))
            first.setData(UUID_ROLE, s.uuid)
            self.results.setItem(r, 0, first)
            self.results.setItem(r, 1, _cell(s.name))
            self.results.setItem(r, 2, _cell(row.nik_masked))
            self.results.setItem(r, 3, _cell(format_local(s.sealed_at, self.ctx.lang)))
            self.results.setItem(r, 4, _cell(self.ctx.t(state_label(s.state))))
        if not rows:
            self._show_detail(None)

    def _selection_changed(self) -> None:
        selected = self.results.selectionModel().selectedRows()
        if not selected:
            return
        item = self.results.item(selected[0].row(), 0)
        if item is None:
            return
        self.ctx.tasks.run(
            record_view,
            self.ctx.core,
            actor=self._actor(),
            record_uuid=str(item.data(UUID_ROLE)),
            on_done=self._detail_loaded,
            on_failed=lambda failure: self.messages.failure(failure),
            name="record detail",
            owner=self,
            replace=True,  # a newer selection's detail replaces this one's (a late answer is dropped)
        )

    # --- one record -----------------------------------------------------------

    def _detail_loaded(self, view: RecordView | None) -> None:
        if view is None:
            self.messages.gone()
        self._show_detail(view)

    def _show_detail(self, view: RecordView | None) -> None:
        self.view = view
        lang = self.ctx.lang
        if view is None:
            self.heading.setText(self.tr("No record selected"))
            self.sentence.setText(self.tr("Search, then choose a record to see where it is."))
            self.facts.clear()
            self.timeline.setRowCount(0)
            self.reprint.setEnabled(False)
            return
        s = view.summary
        self.heading.setText(f"{s.reg_no or self.tr('(draft)')} — {s.name} — NIK {view.nik_masked}")
        self.sentence.setText(self.ctx.t(resident_sentence(view)))
        facts = self.tr("State: {state}. Operator: {operator}.").format(
            state=self.ctx.t(state_label(s.state)), operator=s.operator
        )
        if view.queue_position is not None:
            facts += " " + self.tr("Queue position: {n}.").format(n=view.queue_position)
        self.facts.setText(facts)
        self.timeline.setRowCount(len(view.timeline))
        for r, entry in enumerate(view.timeline):
            self.timeline.setItem(r, 0, _cell(format_local(entry.at, lang)))
            self.timeline.setItem(r, 1, _cell(entry.state))
            self.timeline.setItem(r, 2, _cell(self.ctx.t(timeline_label(entry))))
            detail = "" if entry.state == DRAFT and entry.detail == "captured" else entry.detail
            self.timeline.setItem(r, 3, _cell(detail))
        sealed = s.state != DRAFT and s.reg_no is not None
        self.reprint.setEnabled(sealed)
        self.reprint.setToolTip("" if sealed else self.tr("A draft has no receipt: it is not sealed yet."))
        self.record_shown.emit(view)

    def _reprint(self, *, save: bool) -> None:
        if self.view is None or not usable(self.ctx.user):
            return
        self.reprint.setEnabled(False)
        self.ctx.tasks.run(
            reprint_receipt,
            self.ctx.core,
            record_uuid=self.view.summary.uuid,
            actor=self._actor(),
            output="pdf" if save else "printer",
            on_done=lambda data: self._receipt_ready(data, save=save),
            on_failed=self._receipt_failed,
            name="receipt data",
            owner=self,
        )

    def _receipt_ready(self, data: ReceiptData, *, save: bool) -> None:
        self.reprint.setEnabled(True)
        if save:
            path = save_receipt_as(self, data, self.ctx.lang)
            if path is not None:
                self.messages.receipt_saved(path=str(path))
        elif print_receipt(self, data, self.ctx.lang):
            self.messages.receipt_printed()

    def _receipt_failed(self, failure: Failure) -> None:
        self.reprint.setEnabled(self.view is not None)
        show_failure(self, self.ctx, failure, self.tr("Reprint receipt"))

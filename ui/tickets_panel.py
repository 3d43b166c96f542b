"""The counter's tickets: tickets at the door, calling the next resident, appointments.

Every action is a plain call on station.tickets.CounterTickets: writes on the app's single
store-writer thread (`serial=True`), reads on the pool. The panel only shows the
`TicketsSnapshot` it is handed and says why an action was refused. It refreshes when
the core announces `Change.TICKETS` (or a seal, which may serve a ticket), not on a
timer; importing the appointment list is ui.appointments_import's job.

Traps:
- "Call next" is disabled while a call is in flight, so a double press calls one
  resident, not two; two *counters* pressing at once are kept apart by the store;
- a refresh that would overlap the previous one is folded into it, and selections
  are kept across refreshes by ticket / appointment id, not by row;
- one slow refresh remains (`CLOCK_REFRESH_MS`): the "waiting N min" column and the
  local day move with the clock, and another process on this station's database (a
  second counter's app) cannot notify this one;
- the NIK is shown masked; only the prefill in `ticket_called` carries it, for the
  enrollment form's NIK field.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from station.events import Change, Changes
from station.tickets import AppointmentView, CalledTicket, CounterTickets, ImportReport, TicketsSnapshot, TicketView
from ui.app_context import AppContext
from ui.appointments_import import AppointmentImporter, ImportResultDialog
from ui.messages import ErrorMsg, OkMsg, ScreenMessages
from ui.row_tables import cell, row_table, selected_id
from ui.tasks import Failure
from ui.widgets import MessageLine, show_failure

log = logging.getLogger(__name__)

__all__ = ["CalledTicket", "ImportResultDialog", "TicketsPanel"]

# The clock's refresh (waiting minutes, the day's change, another process's writes):
# the station's own changes arrive as notifications.
CLOCK_REFRESH_MS = 60_000


def _big(button: QPushButton, size: int = 15) -> QPushButton:
    font = QFont(button.font())
    font.setPointSize(size)
    font.setBold(True)
    button.setFont(font)
    button.setMinimumHeight(52)
    return button


class TicketsPanel(QWidget):
    """Issue tickets, call the next resident, check in appointments, import the list."""

    class Messages(ScreenMessages):
        """What this screen may say on its message line."""

        context = "TicketsPanel"
        log_in_first = ErrorMsg(
            QT_TRANSLATE_NOOP("TicketsPanel", "Log in first: every ticket action is recorded with the operator's name.")
        )
        issued = OkMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Ticket {0} issued."))
        select_waiting = ErrorMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Select a waiting ticket first."))
        nobody_waiting = ErrorMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Nobody is waiting."))
        calling = OkMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Calling {0}."))
        select_called = ErrorMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Select a called ticket first."))
        requeued = OkMsg(QT_TRANSLATE_NOOP("TicketsPanel", "{0} is back at the end of the line."))
        no_show = OkMsg(QT_TRANSLATE_NOOP("TicketsPanel", "{0} marked as a no-show."))
        select_appointment = ErrorMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Select an appointment first."))
        checked_in = OkMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Checked in: ticket {0}."))
        served = OkMsg(QT_TRANSLATE_NOOP("TicketsPanel", "{0} served."))
        imported = OkMsg(
            QT_TRANSLATE_NOOP("TicketsPanel", "Appointments imported: {0}; already listed: {1}; refused: {2}.")
        )
        import_cancelled = ErrorMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Import cancelled: nothing was imported."))

    ticket_called = Signal(object)  # CalledTicket
    refreshed = Signal(object)  # the TicketsSnapshot now shown
    import_finished = Signal(object)  # ImportReport

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tickets = CounterTickets(ctx.core.db, ctx.core.key, events=ctx.core.events)
        self.snapshot: TicketsSnapshot | None = None
        self._refreshing = False
        self._refresh_again = False
        self._stale = False  # a change arrived while hidden: refresh when shown
        self._calling = False
        self.importer = AppointmentImporter(ctx, self.tickets, self)
        self._build()
        self._retranslate()
        ctx.language_changed.connect(lambda _lang: self._retranslate())
        self.importer.running.connect(lambda running: self.import_button.setEnabled(not running))
        self.importer.finished.connect(self._imported)
        self.importer.failed.connect(self._import_failed)
        # Ticket changes (a seal may serve a ticket too), on the GUI thread.
        ctx.events.watch(self, (Change.TICKETS, Change.SEALED), self._core_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(CLOCK_REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.refresh()

    @property
    def import_dialog(self) -> ImportResultDialog | None:
        """The last import's result dialog (None before the first import)."""
        return self.importer.dialog

    # --- layout ---------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        door = QHBoxLayout()
        self.name_label = QLabel()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("ticket_name")
        self.name_edit.setMaxLength(60)
        self.name_edit.returnPressed.connect(self.issue_ticket)
        self.name_label.setBuddy(self.name_edit)
        self.issue_button = _big(QPushButton(), 17)
        self.issue_button.setObjectName("issue_ticket")
        self.issue_button.setMinimumWidth(240)
        self.issue_button.clicked.connect(self.issue_ticket)
        self.last_number = QLabel("—")
        self.last_number.setObjectName("last_number")
        font = QFont(self.last_number.font())
        font.setPointSize(24)
        font.setBold(True)
        self.last_number.setFont(font)
        self.last_caption = QLabel()
        # The name field gets room for a whole name (it was squeezed to a few letters
        # beside the big button and the last number); the last number has its own row.
        self.name_edit.setMinimumWidth(220)
        door.addWidget(self.name_label)
        door.addWidget(self.name_edit, 1)
        door.addWidget(self.issue_button)
        root.addLayout(door)
        last = QHBoxLayout()
        last.addWidget(self.last_caption)
        last.addWidget(self.last_number)
        last.addStretch(1)
        root.addLayout(last)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        self.waiting_box = QGroupBox()
        wl = QVBoxLayout(self.waiting_box)
        self.waiting = row_table(4)
        self.waiting.setObjectName("waiting_list")
        self.waiting.doubleClicked.connect(lambda _i: self.call_selected())
        wl.addWidget(self.waiting)
        wb = QHBoxLayout()
        self.call_next_button = _big(QPushButton())
        self.call_next_button.setObjectName("call_next")
        self.call_next_button.clicked.connect(self.call_next)
        self.call_selected_button = QPushButton()
        self.call_selected_button.setObjectName("call_selected")
        self.call_selected_button.setMinimumHeight(52)
        self.call_selected_button.clicked.connect(self.call_selected)
        wb.addWidget(self.call_next_button, 2)
        wb.addWidget(self.call_selected_button, 1)
        wl.addLayout(wb)
        left.addWidget(self.waiting_box, 3)

        self.called_box = QGroupBox()
        cl = QVBoxLayout(self.called_box)
        self.called = row_table(3)
        self.called.setObjectName("called_list")
        cl.addWidget(self.called)
        cb = QHBoxLayout()
        self.no_show_button = QPushButton()
        self.no_show_button.setObjectName("no_show")
        self.no_show_button.clicked.connect(lambda: self.no_show(requeue=False))
        self.requeue_button = QPushButton()
        self.requeue_button.setObjectName("requeue")
        self.requeue_button.clicked.connect(lambda: self.no_show(requeue=True))
        cb.addWidget(self.no_show_button)
        cb.addWidget(self.requeue_button)
        cl.addLayout(cb)
        left.addWidget(self.called_box, 2)
        columns.addLayout(left, 1)

        self.appointments_box = QGroupBox()
        al = QVBoxLayout(self.appointments_box)
        self.appointments = row_table(4)
        self.appointments.setObjectName("appointments")
        self.appointments.doubleClicked.connect(lambda _i: self.check_in())
        al.addWidget(self.appointments)
        ab = QHBoxLayout()
        self.check_in_button = QPushButton()
        self.check_in_button.setObjectName("check_in")
        self.check_in_button.setMinimumHeight(40)
        self.check_in_button.clicked.connect(self.check_in)
        self.import_button = QPushButton()
        self.import_button.setObjectName("import_appointments")
        self.import_button.setMinimumHeight(40)
        self.import_button.clicked.connect(self.choose_csv)
        ab.addWidget(self.check_in_button)
        ab.addWidget(self.import_button)
        al.addLayout(ab)
        columns.addWidget(self.appointments_box, 1)
        root.addLayout(columns, 1)

        bottom = QHBoxLayout()
        self.message = MessageLine()
        self.messages = TicketsPanel.Messages(self.message, self.ctx)
        self.message.setObjectName("tickets_message")
        self.counts = QLabel()
        self.counts.setObjectName("tickets_counts")
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.counts)
        root.addLayout(bottom)

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, slot in (
            ("F2", self.issue_ticket),
            ("F3", self.call_next),
            ("F4", lambda: self.no_show(requeue=False)),
            ("F6", self.check_in),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)

    def _retranslate(self) -> None:
        self.name_label.setText(self.tr("Resident &name (optional):"))
        self.name_edit.setPlaceholderText(self.tr("e.g. SITI AMINAH"))
        self.issue_button.setText(self.tr("Issue ticket (F2)"))
        self.last_caption.setText(self.tr("Last ticket:"))
        self.waiting_box.setTitle(self.tr("Waiting"))
        self.waiting.setHorizontalHeaderLabels(
            [self.tr("Number"), self.tr("Name"), self.tr("Waiting"), self.tr("Slot")]
        )
        self.call_next_button.setText(self.tr("Call next (F3)"))
        self.call_selected_button.setText(self.tr("Call selected"))
        self.called_box.setTitle(self.tr("Called"))
        self.called.setHorizontalHeaderLabels([self.tr("Number"), self.tr("Name"), self.tr("Called by")])
        self.no_show_button.setText(self.tr("No-show (F4)"))
        self.requeue_button.setText(self.tr("Not here: back of the line"))
        self.appointments_box.setTitle(self.tr("Today's appointments"))
        self.appointments.setHorizontalHeaderLabels(
            [self.tr("Slot"), self.tr("Name"), self.tr("NIK"), self.tr("Status")]
        )
        self.check_in_button.setText(self.tr("Check in (F6)"))
        self.import_button.setText(self.tr("Import appointments (CSV)…"))
        if self.snapshot is not None:
            self._show(self.snapshot)

    # --- helpers ----------------------------------------------------------------

    def _operator(self) -> str | None:
        if self.ctx.user is None:
            self.messages.log_in_first()
            return None
        return self.ctx.user.username

    def _failed(self, failure: Failure) -> None:
        if failure.user_facing:
            self.messages.failure(failure)
        else:
            show_failure(self, self.ctx, failure)
        self.refresh()

    def _waited(self, since: datetime, now: datetime) -> str:
        minutes = max(0, int((now - since).total_seconds() // 60))
        if minutes < 60:
            return self.tr("{0} min").format(minutes)
        return self.tr("{0} h {1:02d} min").format(minutes // 60, minutes % 60)

    # --- refreshing ---------------------------------------------------------------

    def _tick(self) -> None:
        if self.isVisible():
            self.refresh()

    def _core_changed(self, _changes: Changes) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.refresh()

    def refresh(self) -> None:
        """Read the tickets off the GUI thread; an overlapping request runs once after it."""
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self.ctx.tasks.run(
            self.tickets.snapshot,
            on_done=self._refreshed,
            on_failed=self._refresh_failed,
            name="tickets snapshot",
            owner=self,
        )

    def _refresh_done(self) -> None:
        self._refreshing = False
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()

    def _refreshed(self, snapshot: TicketsSnapshot) -> None:
        self._show(snapshot)
        self._refresh_done()
        self.refreshed.emit(snapshot)

    def _refresh_failed(self, failure: Failure) -> None:
        self.messages.failure(failure)  # quiet: it retries every few seconds
        self._refresh_done()

    def _show(self, snap: TicketsSnapshot) -> None:
        self.snapshot = snap
        self._fill_tickets(self.waiting, snap.waiting, snap.now, waiting=True)
        self._fill_tickets(self.called, snap.called, snap.now, waiting=False)
        self._fill_appointments(snap.appointments)
        checked = sum(1 for a in snap.appointments if a.checked_in)
        self.counts.setText(
            self.tr("Waiting: {0} · Served today: {1} · Appointments checked in: {2}/{3}").format(
                len(snap.waiting), snap.served_today, checked, len(snap.appointments)
            )
        )
        self.call_next_button.setEnabled(bool(snap.waiting) and not self._calling)
        self.no_show_button.setEnabled(bool(snap.called))
        self.requeue_button.setEnabled(bool(snap.called))

    def _fill_tickets(self, table: QTableWidget, tickets: list[TicketView], now: datetime, *, waiting: bool) -> None:
        keep = selected_id(table)
        table.setRowCount(len(tickets))
        for row, t in enumerate(tickets):
            table.setItem(row, 0, cell(t.number, t.ticket_id))
            table.setItem(row, 1, cell(t.name or "—"))
            if waiting:
                table.setItem(row, 2, cell(self._waited(t.waiting_since, now)))
                table.setItem(row, 3, cell(t.slot or ""))
            else:
                table.setItem(row, 2, cell(t.called_by or ""))
            if t.ticket_id == keep:
                table.selectRow(row)
        if not waiting and tickets and selected_id(table) is None:
            table.selectRow(len(tickets) - 1)  # the latest call is the one a no-show is usually about

    def _fill_appointments(self, appointments: list[AppointmentView]) -> None:
        keep = selected_id(self.appointments)
        self.appointments.setRowCount(len(appointments))
        for row, a in enumerate(appointments):
            status = self.tr("Checked in: {0}").format(a.ticket_number) if a.checked_in else self.tr("Not yet")
            self.appointments.setItem(row, 0, cell(a.slot, a.appointment_id))
            self.appointments.setItem(row, 1, cell(a.name))
            self.appointments.setItem(row, 2, cell(a.nik_masked))
            self.appointments.setItem(row, 3, cell(status))
            if a.appointment_id == keep:
                self.appointments.selectRow(row)

    # --- actions --------------------------------------------------------------------

    def issue_ticket(self) -> None:
        operator = self._operator()
        if operator is None:
            return
        self.issue_button.setEnabled(False)
        self.ctx.tasks.run(
            self.tickets.issue_ticket,
            operator,
            self.name_edit.text(),
            on_done=self._issued,
            on_failed=self._issue_failed,
            name="issue ticket",
            owner=self,
            serial=True,
        )

    def _issued(self, ticket: TicketView) -> None:
        self.issue_button.setEnabled(True)
        self.name_edit.clear()
        self.last_number.setText(ticket.number)
        self.messages.issued(ticket.number)

    def _issue_failed(self, failure: Failure) -> None:
        self.issue_button.setEnabled(True)
        self._failed(failure)

    def call_next(self) -> None:
        operator = self._operator()
        if operator is None or self._calling:
            return
        self._calling = True
        self.call_next_button.setEnabled(False)
        self.ctx.tasks.run(
            self.tickets.call_next,
            operator,
            on_done=self._called_next,
            on_failed=self._call_failed,
            name="call next",
            owner=self,
            serial=True,
        )

    def call_selected(self) -> None:
        operator = self._operator()
        if operator is None:
            return
        ticket_id = selected_id(self.waiting)
        if ticket_id is None:
            self.messages.select_waiting()
            return
        self._calling = True
        self.ctx.tasks.run(
            self.tickets.call_ticket,
            ticket_id,
            operator,
            on_done=self._called_next,
            on_failed=self._call_failed,
            name="call ticket",
            owner=self,
            serial=True,
        )

    def _called_next(self, called: CalledTicket | None) -> None:
        self._calling = False
        if called is None:
            self.messages.nobody_waiting()
        else:
            self.messages.calling(called.number)
            self.ticket_called.emit(called)

    def _call_failed(self, failure: Failure) -> None:
        self._calling = False
        self._failed(failure)

    def no_show(self, *, requeue: bool) -> None:
        operator = self._operator()
        if operator is None:
            return
        ticket_id = selected_id(self.called)
        if ticket_id is None:
            self.messages.select_called()
            return

        def done(ticket: TicketView) -> None:
            if requeue:
                self.messages.requeued(ticket.number)
            else:
                self.messages.no_show(ticket.number)

        self.ctx.tasks.run(
            self.tickets.mark_no_show,
            ticket_id,
            operator,
            requeue=requeue,
            on_done=done,
            on_failed=self._failed,
            name="no-show",
            owner=self,
            serial=True,
        )

    def check_in(self) -> None:
        operator = self._operator()
        if operator is None:
            return
        appointment_id = selected_id(self.appointments)
        if appointment_id is None:
            self.messages.select_appointment()
            return

        def done(ticket: TicketView) -> None:
            self.last_number.setText(ticket.number)
            self.messages.checked_in(ticket.number)

        self.ctx.tasks.run(
            self.tickets.check_in,
            appointment_id,
            operator,
            on_done=done,
            on_failed=self._failed,
            name="check in",
            owner=self,
            serial=True,
        )

    def mark_served(self, ticket_id: int, record_uuid: str) -> None:
        """The main window calls this after the called resident's record was sealed."""
        operator = self._operator()
        if operator is None:
            return

        def done(ticket: TicketView) -> None:
            self.messages.served(ticket.number)

        self.ctx.tasks.run(
            self.tickets.mark_served,
            ticket_id,
            record_uuid,
            operator,
            on_done=done,
            on_failed=self._failed,
            name="ticket served",
            owner=self,
            serial=True,
        )

    # --- importing --------------------------------------------------------------------

    def choose_csv(self) -> None:
        path = self.importer.ask_path()
        if path is not None:
            self.import_csv(path)

    def import_csv(self, path: Path) -> None:
        """Import `path` with a cancellable progress dialog; the result dialog lists every refused row."""
        operator = self._operator()
        if operator is not None:
            self.importer.start(path, operator)

    def _imported(self, report: ImportReport) -> None:
        self.messages.imported(report.imported, report.already_listed, report.refused)
        self.import_finished.emit(report)

    def _import_failed(self, failure: Failure) -> None:
        if failure.cancelled:
            self.messages.import_cancelled()
        else:
            self._failed(failure)

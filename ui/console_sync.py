"""The supervisor's sync console: the link over the last hour, the queue, rejected and
exported records, Force sync, Export to a USB folder, and on a demo station the
training link.

Everything it shows comes from one `station.sync.console.console_snapshot`, read off
the GUI thread whenever the core announces a change it shows (a seal, a record sent or
received, the link, a setting: ui.core_events), at most once a second, and on a slow
timer only for what no notification tells (another process's `station sync`, the
plot's hour moving on). A busy centre is shown as such ("centre busy, next try in
N s", counted when shown), never as an offline link. Every action is a core function
run through `ctx.tasks` and audited there with the logged-in supervisor. Force sync
never starts a second worker (the core asks the app's background worker when it
holds the lock). Only a supervisor sees any control: anyone else gets a message and
nothing to press.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from station.auth import Role, User, usable
from station.events import Change, Changes
from station.records_view import format_local, state_label
from station.sync.console import ConsoleRecord, ConsoleSnapshot, ExportedPacket, ForceOutcome
from station.sync.errors import SyncError
from ui.app_context import AppContext
from ui.core_events import Throttle
from ui.health import AMBER, GREEN, GREY, RED
from ui.link_plot import LinkPlot
from ui.messages import InfoMsg, OkMsg, ScreenMessages
from ui.tasks import Failure, TaskHandle
from ui.widgets import MessageLine

log = logging.getLogger(__name__)

# Only for what nobody announces: another process's sync, the plot's hour moving on.
REFRESH_MS = 30_000
SHOWN_CHANGES = frozenset({Change.SEALED, Change.SYNC, Change.RECEIVED, Change.LINK, Change.SETTINGS})
CHANGE_GAP_MS = 1_000  # a sync announces every record: read at most this often


def _cell(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if tip:
        item.setToolTip(tip)
    return item


def _table(object_name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(object_name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class SyncConsole(QWidget):
    class ForceMessages(ScreenMessages):
        """What the force-sync line may say (and the requeue, which shows there too)."""

        context = "SyncConsole"
        syncing = InfoMsg(QT_TRANSLATE_NOOP("SyncConsole", "Syncing…"))
        syncing_step = InfoMsg(QT_TRANSLATE_NOOP("SyncConsole", "Syncing… %1"))
        requeued = OkMsg(QT_TRANSLATE_NOOP("SyncConsole", "%1 is queued again; it goes with the next sync."))

    class ExportMessages(ScreenMessages):
        """What the export line may say."""

        context = "SyncConsole"
        exporting = OkMsg(QT_TRANSLATE_NOOP("SyncConsole", "Exporting…"))
        exported = OkMsg(QT_TRANSLATE_NOOP("SyncConsole", "%1 records (%2 MB) exported to %3: %4"))

    class TrainingMessages(ScreenMessages):
        """What the training line may say."""

        context = "SyncConsole"
        link_now = OkMsg(QT_TRANSLATE_NOOP("SyncConsole", "Simulated link is now: %1"))

    roles = (Role.SUPERVISOR,)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("sync_console")
        self.snapshot: ConsoleSnapshot | None = None
        self.force_task: TaskHandle | None = None
        self.exported_now: list[ExportedPacket] = []
        self._refreshing = False
        self._again = False  # a change arrived while a read was under way: read once more
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(8, 8, 8, 8)
        self.refusal = QLabel(self.tr("The sync console is for supervisors only. Ask a supervisor to log in."))
        self.refusal.setObjectName("console_refused")
        self.refusal.setWordWrap(True)
        self.outer.addWidget(self.refusal)
        self.body: QWidget | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self._changed = Throttle(self, self.refresh, CHANGE_GAP_MS)
        ctx.events.watch(self, SHOWN_CHANGES, self._core_changed)
        ctx.user_changed.connect(self._apply_user)
        self._apply_user(ctx.user)

    @property
    def supervisor(self) -> User | None:
        """The supervisor's session when it may act now (not locked, not ended); every
        action asks again, and the core checks the session itself."""
        user = self.ctx.user
        return user if usable(user, Role.SUPERVISOR) else None

    def _apply_user(self, _user: object = None) -> None:
        allowed = self.supervisor is not None
        self.refusal.setVisible(not allowed)
        if allowed and self.body is None:
            self.body = self._build()
            self.outer.addWidget(self.body)
            self.timer.start()
            self.refresh()
        elif not allowed and self.body is not None:
            self.timer.stop()
            self.body.hide()
            self.body.deleteLater()
            self.body = None

    # --- building -----------------------------------------------------------------

    def _build(self) -> QWidget:
        body = QWidget(self)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        self.limits = QLabel()
        self.limits.setObjectName("console_limits")
        self.limits.setWordWrap(True)
        self.limits.hide()
        outer.addWidget(self.limits)
        top = QHBoxLayout()
        outer.addLayout(top, 5)
        top.addWidget(self._build_link(), 3)
        top.addWidget(self._build_actions(), 2)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("console_tabs")
        self.queue = _table(
            "console_queue",
            [
                "#",
                self.tr("Registration no."),
                self.tr("State"),
                self.tr("Attempts"),
                self.tr("Last error"),
                self.tr("Next try"),
                self.tr("Sent"),
                self.tr("ETA"),
            ],
        )
        self.rejected = _table(
            "console_rejected", [self.tr("Registration no."), self.tr("Reason"), self.tr("Rejected"), ""]
        )
        self.exported = _table("console_exported", [self.tr("Registration no."), self.tr("Exported"), self.tr("Size")])
        for table in (self.queue, self.rejected, self.exported):
            self.tabs.addTab(table, "")
        outer.addWidget(self.tabs, 4)
        return body

    def _build_link(self) -> QGroupBox:
        box = QGroupBox(self.tr("Link to the centre"))
        layout = QVBoxLayout(box)
        grid = QGridLayout()
        self.link_state = QLabel()
        self.link_state.setObjectName("console_link_state")
        self.link_figures = QLabel()
        self.link_figures.setObjectName("console_link_figures")
        self.last_sync = QLabel()
        self.last_sync.setObjectName("console_last_sync")
        self.last_error = QLabel()
        self.last_error.setObjectName("console_last_error")
        self.last_error.setWordWrap(True)
        self.watermark = QLabel()
        self.watermark.setObjectName("console_watermark")
        self.watermark.setWordWrap(True)
        self.link_note = QLabel()  # how long since bytes stuck; the hand-carry advice (station.sync.link_note)
        self.link_note.setObjectName("console_link_note")
        self.link_note.setWordWrap(True)
        grid.addWidget(self.link_state, 0, 0)
        grid.addWidget(self.link_figures, 0, 1)
        grid.addWidget(self.last_sync, 1, 0)
        grid.addWidget(self.watermark, 1, 1)
        grid.addWidget(self.last_error, 2, 0, 1, 2)
        grid.addWidget(self.link_note, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.plot = LinkPlot()
        layout.addWidget(self.plot, 1)
        return box

    def _build_actions(self) -> QGroupBox:
        box = QGroupBox(self.tr("Actions"))
        layout = QVBoxLayout(box)
        self.force_button = QPushButton(self.tr("Force sync"))
        self.force_button.setObjectName("console_force")
        self.force_button.setToolTip(self.tr("Send now: no waiting for the retry time; ask the centre what it holds"))
        self.force_button.clicked.connect(self.force_sync)
        self.force_progress = QProgressBar()
        self.force_progress.setObjectName("console_force_progress")
        self.force_progress.setRange(0, 0)
        self.force_progress.setTextVisible(False)
        self.force_progress.setMaximumHeight(10)
        self.force_progress.hide()
        self.force_result = MessageLine()
        self.force_messages = SyncConsole.ForceMessages(self.force_result, self.ctx)
        self.force_result.setObjectName("console_force_result")
        self.export_button = QPushButton(self.tr("Export to USB folder…"))
        self.export_button.setObjectName("console_export")
        self.export_button.clicked.connect(self.export)
        self.export_result = MessageLine()
        self.export_messages = SyncConsole.ExportMessages(self.export_result, self.ctx)
        self.export_result.setObjectName("console_export_result")
        for w in (self.force_button, self.force_progress, self.force_result, self.export_button, self.export_result):
            layout.addWidget(w)
        self.training = QGroupBox(self.tr("Simulated link (training)"))
        self.training.setObjectName("console_training")
        row = QHBoxLayout(self.training)
        self.training_group = QButtonGroup(self)
        self.training_buttons: dict[str, QRadioButton] = {}
        names = {
            "up": self.tr("Up"),
            "slow": self.tr("Slow (2G)"),
            "flaky": self.tr("Flaky"),
            "down": self.tr("Down"),
        }
        for mode, label in names.items():
            button = QRadioButton(label)
            button.setObjectName(f"console_training_{mode}")
            button.clicked.connect(lambda _=False, m=mode: self.set_training(m))
            self.training_group.addButton(button)
            self.training_buttons[mode] = button
            row.addWidget(button)
        self.training.hide()
        layout.addWidget(self.training)
        self.training_result = MessageLine()
        self.training_messages = SyncConsole.TrainingMessages(self.training_result, self.ctx)
        self.training_result.setObjectName("console_training_result")
        layout.addWidget(self.training_result)
        layout.addStretch(1)
        return box

    # --- refreshing -----------------------------------------------------------------

    def _core_changed(self, _changes: Changes) -> None:
        if self.body is not None:
            self._changed.poke()

    def refresh(self) -> None:
        if self.body is None:
            return
        if self._refreshing:
            self._again = True
            return
        from station.sync.console import console_snapshot

        self._refreshing = True
        self.ctx.tasks.run(
            console_snapshot,
            self.ctx.core,
            on_done=self.show_snapshot,
            on_failed=self._refresh_failed,
            name="sync console",
            owner=self,
        )

    def _read_done(self) -> None:
        self._refreshing = False
        if self._again:
            self._again = False
            self.refresh()

    def _refresh_failed(self, failure: Failure) -> None:
        log.warning("sync console refresh failed: %s", failure.error)
        self._read_done()

    def show_snapshot(self, snap: ConsoleSnapshot) -> None:
        self._read_done()
        if self.body is None:
            return
        self.snapshot = snap
        self._show_link(snap)
        self._show_limits(snap)
        self._show_queue(snap)
        self._show_records(snap)
        self.plot.set_samples(snap.samples)
        self.training.setVisible(snap.training_mode is not None)
        if snap.training_mode in self.training_buttons:
            self.training_buttons[snap.training_mode].setChecked(True)

    def _show_link(self, snap: ConsoleSnapshot) -> None:
        states = {
            "online": (GREEN, self.tr("Online")),
            "degraded": (AMBER, self.tr("Slow")),
            "offline": (RED, self.tr("Offline")),
            "no_central": (GREY, self.tr("No centre configured")),
            "no_central_key": (AMBER, self.tr("Centre key missing")),
        }
        colour, text = states.get(snap.link_state, (GREY, self.tr("Not tried yet")))
        self.link_state.setText(self.tr("Link: %1").replace("%1", text))
        self.link_state.setStyleSheet(f"color: {colour}; font-weight: bold;")
        if snap.centre_busy is not None and snap.link_state not in ("no_central", "no_central_key"):
            # The centre answered and sheds load: not "offline"; the wait counted from now.
            self.link_state.setText(self.ctx.t(snap.centre_busy.text()))
            self.link_state.setStyleSheet(f"color: {AMBER}; font-weight: bold;")
        rtt = f"{snap.rtt_s * 1000:.0f} ms" if snap.rtt_s is not None else "-"
        tp = f"{snap.throughput_bps / 1000:.1f} kB/s" if snap.throughput_bps else "-"
        figures = self.tr("RTT %1 · throughput %2").replace("%1", rtt).replace("%2", tp)
        if snap.cut_rate is not None and snap.chunk_bytes is not None:  # the link monitor's cut figures
            cuts = self.tr("cuts %1/min · chunk %2 KiB")
            figures += " · " + cuts.replace("%1", f"{snap.cut_rate:.1f}").replace(
                "%2", f"{snap.chunk_bytes / 1024:.0f}"
            )
        self.link_figures.setText(figures)
        note = snap.link_note
        self.link_note.setVisible(note is not None)
        if note is not None:
            self.link_note.setText(self.ctx.t(note.text))
            self.link_note.setStyleSheet(f"color: {RED};" if note.handcarry else "")
        when = format_local(snap.last_success_at, self.ctx.lang) if snap.last_success_at else self.tr("never")
        self.last_sync.setText(self.tr("Last successful sync: %1").replace("%1", when))
        if snap.gaps:
            shown = ", ".join(str(g) for g in snap.gaps[:12]) + (" …" if len(snap.gaps) > 12 else "")
            gaps = self.tr("gaps %1 (%2 in all)").replace("%1", shown).replace("%2", str(len(snap.gaps)))
        else:
            gaps = self.tr("no gaps")
        self.watermark.setText(
            self.tr("Centre holds every record up to no. %1; %2").replace("%1", str(snap.watermark)).replace("%2", gaps)
        )
        if snap.last_error:
            named = SyncError(snap.last_error).message
            self.last_error.setText(
                self.tr("Last error: %1 (%2)").replace("%1", self.ctx.t(named)).replace("%2", snap.last_error)
            )
            self.last_error.setStyleSheet(f"color: {RED};")
        else:
            self.last_error.setText(self.tr("No error at the last attempt"))
            self.last_error.setStyleSheet("")

    def _show_limits(self, snap: ConsoleSnapshot) -> None:
        if not snap.limits:
            self.limits.hide()
            return
        lines = []
        for lim in snap.limits:
            message = self.ctx.t(lim.message)
            if lim.level == "block":
                lines.append(self.tr("New enrollments are stopped: %1").replace("%1", message))
            else:
                lines.append(message)
        blocking = any(lim.level == "block" for lim in snap.limits)
        self.limits.setStyleSheet(
            f"QLabel {{ color: white; background: {RED if blocking else AMBER}; padding: 6px; font-weight: bold; }}"
        )
        self.limits.setText("\n".join(lines))
        self.limits.show()

    def _duration(self, seconds: float | None) -> str:
        if seconds is None:
            return self.tr("unknown")
        if seconds < 60:
            return self.tr("%1 s").replace("%1", str(max(1, round(seconds))))
        minutes = round(seconds / 60)
        if minutes < 120:
            return self.tr("%1 min").replace("%1", str(minutes))
        return self.tr("%1 h").replace("%1", str(minutes // 60))

    def _show_queue(self, snap: ConsoleSnapshot) -> None:
        table = self.queue
        table.setRowCount(len(snap.queue))
        for i, q in enumerate(snap.queue):
            error_tip = self.ctx.t(SyncError(q.last_error).message) if q.last_error else ""
            next_try = format_local(q.next_attempt_at, self.ctx.lang) if q.next_attempt_at else "-"
            cells = [
                _cell(str(q.position)),
                _cell(q.reg_no),
                _cell(self.ctx.t(state_label(q.state)), q.state),
                _cell(str(q.attempts)),
                _cell(q.last_error or "-", error_tip),
                _cell(next_try),
                _cell(f"{q.sent / 1000:.0f} / {q.size / 1000:.0f} kB"),
                _cell(self._duration(q.eta_s)),
            ]
            for column, item in enumerate(cells):
                table.setItem(i, column, item)
        eta = self._duration(snap.backlog_eta_s)
        title = self.tr("Queue (%1, about %2)").replace("%1", str(snap.pending)).replace("%2", eta)
        if snap.approval_wait is not None:  # the head awaits the supervisor: nothing is sent
            title += " · " + self.ctx.t(snap.approval_wait)
        self.tabs.setTabText(0, title)

    def _show_records(self, snap: ConsoleSnapshot) -> None:
        self.rejected.setRowCount(len(snap.rejected))
        for i, r in enumerate(snap.rejected):
            self.rejected.setItem(i, 0, _cell(r.reg_no))
            self.rejected.setItem(i, 1, _cell(r.reason or "-", r.reason or ""))
            self.rejected.setItem(i, 2, _cell(format_local(r.at, self.ctx.lang)))
            button = QPushButton(self.tr("Requeue"))
            button.setObjectName(f"requeue_{r.reg_no}")
            button.clicked.connect(lambda _=False, row=r: self.requeue(row))
            self.rejected.setCellWidget(i, 3, button)
        self.tabs.setTabText(1, self.tr("Rejected (%1)").replace("%1", str(len(snap.rejected))))
        self.exported.setRowCount(len(snap.exported))
        for i, r in enumerate(snap.exported):
            self.exported.setItem(i, 0, _cell(r.reg_no))
            self.exported.setItem(i, 1, _cell(format_local(r.at, self.ctx.lang)))
            self.exported.setItem(i, 2, _cell(f"{(r.size or 0) / 1000:.0f} kB"))
        self.tabs.setTabText(2, self.tr("Exported (%1)").replace("%1", str(len(snap.exported))))

    # --- actions --------------------------------------------------------------------

    def force_sync(self) -> None:
        from station.sync.console import force_sync

        user = self.supervisor
        if user is None or (self.force_task is not None and self.force_task.running):
            return
        self.force_button.setEnabled(False)
        self.force_progress.show()
        self.force_messages.syncing()
        # Not on the store-writer thread: like the background worker, a sync may take
        # minutes on a slow link and must not hold up sealing at the counter.
        self.force_task = self.ctx.tasks.run(
            force_sync,
            self.ctx.core,
            user,
            on_done=self._forced,
            on_failed=self._force_failed,
            on_progress=self._force_progress,
            cancellable=True,
            name="force sync",
            owner=self,
        )

    def _force_progress(self, _fraction: float | None, message: str) -> None:
        if message and message != "sync":
            self.force_messages.syncing_step(message)

    def _force_done(self) -> None:
        self.force_button.setEnabled(True)
        self.force_progress.hide()
        self.refresh()

    def _forced(self, outcome: ForceOutcome) -> None:
        self._force_done()
        text = self.ctx.t(outcome.message)
        if outcome.error is not None:
            self.force_result.error(text)
        else:
            self.force_result.ok(text)

    def _force_failed(self, failure: Failure) -> None:
        self._force_done()
        if not failure.cancelled:
            self.force_messages.failure(failure)

    def export(self) -> None:
        from station.sync.console import export_for_handcarry

        user = self.supervisor
        if user is None:
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export to USB folder"))
        if not folder:
            return
        self.export_button.setEnabled(False)
        self.export_messages.exporting()
        self.ctx.tasks.run(
            export_for_handcarry,
            self.ctx.core,
            Path(folder),
            supervisor=user,
            on_done=lambda packets: self._exported(packets, folder),
            on_failed=self._export_failed,
            name="export",
            owner=self,
            serial=True,
        )

    def _exported(self, packets: list[ExportedPacket], folder: str) -> None:
        self.export_button.setEnabled(True)
        self.exported_now = packets
        size = sum(p.size for p in packets) / 1e6
        names = ", ".join(p.reg_no for p in packets[:5]) + (" …" if len(packets) > 5 else "")
        self.export_messages.exported(str(len(packets)), f"{size:.1f}", folder, names)
        self.tabs.setCurrentWidget(self.exported)
        self.refresh()

    def _export_failed(self, failure: Failure) -> None:
        self.export_button.setEnabled(True)
        self.export_messages.failure(failure)

    def requeue(self, row: ConsoleRecord) -> None:
        from station.sync.console import requeue_record

        user = self.supervisor
        if user is None:
            return
        self.ctx.tasks.run(
            requeue_record,
            self.ctx.core,
            row.reg_no,
            supervisor=user,
            on_done=lambda _uuid: self._requeued(row.reg_no),
            on_failed=lambda f: self.force_messages.failure(f),
            name="requeue",
            owner=self,
            serial=True,
        )

    def _requeued(self, reg_no: str) -> None:
        self.force_messages.requeued(reg_no)
        self.refresh()

    def set_training(self, mode: str) -> None:
        from station.sync.training_link import set_link

        user = self.supervisor
        if user is None:
            return
        self.ctx.tasks.run(
            set_link,
            self.ctx.core,
            mode,
            supervisor=user,
            on_done=self._training_set,
            on_failed=lambda f: self.training_messages.failure(f),
            name="training link",
            owner=self,
            serial=True,
        )

    def _training_set(self, mode: str) -> None:
        label = self.training_buttons[mode].text()
        self.training_messages.link_now(label)
        self.refresh()

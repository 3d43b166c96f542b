"""The supervisor's administration console: operators, the audit log, settings.

Three tabs over station.admin (Qt-free); every read and write runs off the GUI
thread, writes on the single store writer (`serial=True`), and results arrive as
plain data. Refusals (weak password, the last supervisor, one's own account, a bad
setting) come back as bilingual errors and are shown where they belong.

Traps:
- a console built for someone who is not a supervisor, or for a locked session,
  shows a refusal and no controls; nothing is asked while the session is locked, and
  station.admin checks the session (role, lock) again on every call;
- the audit answers carry the number of the query that asked, so a slow answer never
  overwrites a newer filter's;
- the chain result is for the whole log, whatever the filter shows.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from common.errors import ValidationError, ValidationErrors
from common.text import Text
from station.admin import NEXT_LOGIN, NEXT_START, NOW, SETTINGS, Admin, AuditFilter, AuditView, OperatorRow
from station.auth import ROLE_LABELS, Role, User, usable
from station.core import StationCore
from ui.app_context import AppContext
from ui.tasks import Failure
from ui.widgets import ERROR_STYLE, MessageLine

log = logging.getLogger(__name__)

CHAIN_OK_STYLE = "background: #1b7f3b; color: white; font-weight: bold; padding: 6px; border-radius: 4px;"
CHAIN_BROKEN_STYLE = "background: #b00020; color: white; font-weight: bold; padding: 6px; border-radius: 4px;"
NO_DATE = QDate(2000, 1, 1)  # the date edits' "any" value


def _admin_call(core: StationCore, user: User | None, method: str, *args: Any) -> Any:
    """Runs on a worker thread: a fresh Admin checks the role, then does the one thing."""
    return getattr(Admin(core, user), method)(*args)


def _cell(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def _local(t: datetime) -> str:
    return t.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _password_field(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _table(name: str, headers: list[str], stretch: int) -> QTableWidget:
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


class _Tab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def call(self, method: str, *args: Any, on_done: Any, on_failed: Any, serial: bool = False) -> None:
        if not usable(self.ctx.user, Role.SUPERVISOR):
            return  # behind the lock or logged out: nothing is asked (station.admin refuses too)
        self.ctx.tasks.run(
            _admin_call,
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


class OperatorsTab(_Tab):
    changed = Signal()  # an account was changed: the audit log has news
    shown = Signal(object)  # the list of OperatorRow now in the table

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.rows: list[OperatorRow] = []
        layout = QHBoxLayout(self)
        self.table = _table(
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
        self.reset_password = _password_field("reset_password")
        self.reset_confirm = _password_field("reset_confirm")
        form.addRow(self.tr("New password"), self.reset_password)
        form.addRow(self.tr("Repeat it"), self.reset_confirm)
        self.reset_button = QPushButton(self.tr("Reset password"))
        self.reset_button.setObjectName("reset_button")
        self.reset_button.clicked.connect(self.reset)
        form.addRow(self.reset_button)
        self.message = MessageLine()
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
        self.new_password = _password_field("new_password")
        self.new_confirm = _password_field("new_confirm")
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
                item = _cell(text)
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

    def act(self, method: str, *args: Any, done: str | Any) -> None:
        """One change to the selected account on the store writer; its outcome on the message line."""
        self.message.clear()
        on_done = self._done(done) if isinstance(done, str) else done
        self.call(method, *args, on_done=on_done, on_failed=self.message_failure, serial=True)

    def _done(self, text: str) -> Any:
        def done(_result: object) -> None:
            self.message.ok(text)
            self.refresh()
            self.changed.emit()

        return done

    def message_failure(self, failure: Failure) -> None:
        self.message.failure(self.ctx, failure)

    def unlock(self) -> None:
        row = self.selected()
        if row is not None:
            text = self.tr("%1 unlocked.").replace("%1", row.username)
            self.act("unlock", row.username, done=text)

    def toggle_active(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.active:
            text = self.tr("%1 deactivated: they can no longer log in.").replace("%1", row.username)
        else:
            text = self.tr("%1 reactivated.").replace("%1", row.username)
        self.act("set_active", row.username, not row.active, done=text)

    def change_role(self) -> None:
        row = self.selected()
        role = Role(self.role.currentData())
        if row is None or role == row.role:
            return
        text = self.tr("%1 is now %2.").replace("%1", row.username).replace("%2", self.ctx.t(ROLE_LABELS[role]))
        self.act("set_role", row.username, role, done=text)

    def reset(self) -> None:
        row = self.selected()
        if row is None:
            return

        def done(_result: object) -> None:
            self.reset_password.clear()
            self.reset_confirm.clear()
            self._done(self.tr("New password set for %1.").replace("%1", row.username))(None)

        self.act("reset_password", row.username, self.reset_password.text(), self.reset_confirm.text(), done=done)

    def add(self) -> None:
        username = self.new_username.text().strip()
        self.add_button.setEnabled(False)
        self.add_message.clear()

        def done(_result: object) -> None:
            self.add_button.setEnabled(True)
            for edit in (self.new_username, self.new_full_name, self.new_password, self.new_confirm):
                edit.clear()
            self.add_message.ok(self.tr("%1 added.").replace("%1", username))
            self.refresh()
            self.changed.emit()

        def failed(failure: Failure) -> None:
            self.add_button.setEnabled(True)
            self.add_message.failure(self.ctx, failure)

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


class AuditTab(_Tab):
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
        self.table = _table(
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
            cells = [str(r.seq), _local(r.at), r.actor or "-", r.action, r.target or "-", r.detail]
            for j, text in enumerate(cells):
                item = _cell(text)
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


INSECURE_HTTP_NOTE = Text(
    "Tanpa https://, keutuhan data hanya bergantung pada tanda tangan permintaan dan tanda terima; "
    "rekaman tetap terenkripsi untuk pusat.",
    "Without https://, integrity rests on the request and receipt signatures alone; "
    "records are still encrypted to the centre.",
)


class SettingsTab(_Tab):
    saved = Signal(object)  # the SettingsChange

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        labels = {
            "central_url": self.tr("Central server URL"),
            "sync.warn_days_since_sync": self.tr("Warn after days without sync"),
            "sync.block_days_since_sync": self.tr("Block enrollment after days without sync"),
            "sync.warn_pending": self.tr("Warn at records waiting to be sent"),
            "sync.block_pending": self.tr("Block enrollment at records waiting"),
            "sync.warn_free_enrollments": self.tr("Warn when the disk holds only N more enrollments"),
            "sync.block_free_enrollments": self.tr("Block when the disk holds only N more enrollments"),
            "sync.retention_days": self.tr("Keep sent packets for (days)"),
            "sync.allow_insecure_http": ctx.t(
                Text("Izinkan http:// ke komputer lain", "Allow http:// to another computer")
            ),
            "security.idle_lock_minutes": self.tr("Idle lock (minutes)"),
            "language": self.tr("Language"),
        }
        effects = {
            NOW: self.tr("applies at once"),
            NEXT_LOGIN: self.tr("applies from the next login"),
            NEXT_START: self.tr("applies at the next start"),
        }
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.inputs: dict[str, QLineEdit | QSpinBox | QComboBox | QCheckBox] = {}
        self.errors: dict[str, MessageLine] = {}
        for i, spec in enumerate(SETTINGS):
            w: QLineEdit | QSpinBox | QComboBox | QCheckBox
            if spec.kind is bool:
                w = QCheckBox(ctx.t(INSECURE_HTTP_NOTE) if spec.key == "sync.allow_insecure_http" else "")
                w.setStyleSheet("QCheckBox { color: #555; }")
            elif spec.key == "language":
                w = QComboBox()
                w.addItem("Bahasa Indonesia", "id")
                w.addItem("English", "en")
            elif spec.kind is int:
                w = QSpinBox()
                w.setRange(0, 10_000_000)
            else:
                w = QLineEdit()
                w.setPlaceholderText("https://")
                w.setMinimumWidth(320)
            w.setObjectName("setting_" + spec.key)
            self.inputs[spec.key] = w
            error = MessageLine()
            error.setObjectName("error_" + spec.key)
            self.errors[spec.key] = error
            note = QLabel(effects[spec.effect])
            note.setStyleSheet("color: #555;")
            grid.addWidget(QLabel(labels[spec.key]), i, 0)
            grid.addWidget(w, i, 1)
            grid.addWidget(note, i, 2)
            grid.addWidget(error, i, 3)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        row = QHBoxLayout()
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setObjectName("settings_save")
        self.save_button.clicked.connect(self.save)
        self.message = MessageLine()
        self.message.setObjectName("settings_message")
        row.addWidget(self.save_button)
        row.addWidget(self.message, 1)
        layout.addLayout(row)
        layout.addStretch(1)

    def load(self) -> None:
        self.call("settings", on_done=self._fill, on_failed=lambda f: self.message.failure(self.ctx, f))

    def _fill(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            w = self.inputs[key]
            if isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(value)))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QSpinBox):
                w.setValue(int(value))
            else:
                w.setText(str(value))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, w in self.inputs.items():
            if isinstance(w, QComboBox):
                out[key] = w.currentData()
            elif isinstance(w, QCheckBox):
                out[key] = w.isChecked()
            elif isinstance(w, QSpinBox):
                out[key] = w.value()
            else:
                out[key] = w.text()
        return out

    def save(self) -> None:
        for error in self.errors.values():
            error.clear()
        self.message.clear()
        self.save_button.setEnabled(False)
        self.call("apply_settings", self.values(), on_done=self._saved, on_failed=self._refused, serial=True)

    def _saved(self, change: Any) -> None:
        self.save_button.setEnabled(True)
        if not change.changes:
            self.message.ok(self.tr("Nothing changed."))
            return
        text = self.tr("Saved to station.toml.")
        effects = change.effects()
        if NEXT_LOGIN in effects:
            text += " " + self.tr("The idle lock changes from the next login.")
        if NEXT_START in effects:
            text += " " + self.tr("The central URL and the language change at the next start.")
        self.message.ok(text)
        self.saved.emit(change)

    def _refused(self, failure: Failure) -> None:
        self.save_button.setEnabled(True)
        error = failure.error
        refusals = error.errors if isinstance(error, ValidationErrors) else [error]
        placed = False
        for e in refusals:
            if isinstance(e, ValidationError) and e.field in self.errors:
                self.errors[e.field].user_error(self.ctx, e)
                placed = True
        if placed:
            self.message.error(self.tr("Not saved: correct the fields marked in red."))
        else:
            self.message.failure(self.ctx, failure)


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
        self.tabs.addTab(self.operators, self.tr("Operators"))
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

    def _user_changed(self, user: User | None) -> None:
        """Logged out or another person: the controls go, the refusal shows."""
        if self.tabs is not None and not usable(user, Role.SUPERVISOR):
            self.tabs.hide()
            self.tabs.setEnabled(False)
            self.refusal.show()

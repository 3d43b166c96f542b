"""The administration console's Settings tab: station.toml's editable keys, checked by the core.

A refused value is shown beside its field (or on the message line when it names no
field); `saved` carries the SettingsChange so the console can refresh the audit log.
`sync.allow_insecure_http` is a real checkbox with the note that says what it costs.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from common.errors import ValidationError, ValidationErrors
from common.text import Text
from station.admin import NEXT_LOGIN, NEXT_START, NOW, SETTINGS
from ui.admin.tab import AdminTab
from ui.app_context import AppContext
from ui.messages import ErrorMsg, OkMsg, ScreenMessages
from ui.tasks import Failure
from ui.widgets import MessageLine

log = logging.getLogger(__name__)


INSECURE_HTTP_NOTE = Text(
    "Tanpa https://, keutuhan data hanya bergantung pada tanda tangan permintaan dan tanda terima; "
    "rekaman tetap terenkripsi untuk pusat.",
    "Without https://, integrity rests on the request and receipt signatures alone; "
    "records are still encrypted to the centre.",
)


class SettingsTab(AdminTab):
    """The station's settings, checked by the core and saved to station.toml."""

    class Messages(ScreenMessages):
        """What this screen may say on its message line."""

        context = "SettingsTab"
        unchanged = OkMsg(QT_TRANSLATE_NOOP("SettingsTab", "Nothing changed."))
        saved = OkMsg(QT_TRANSLATE_NOOP("SettingsTab", "Saved to station.toml."))  # + what changes when
        fix_fields = ErrorMsg(QT_TRANSLATE_NOOP("SettingsTab", "Not saved: correct the fields marked in red."))

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
            "supervisor_approval": ctx.t(Text("Persetujuan supervisor akhir hari", "Supervisor end-of-day approval")),
            "approval_limit": ctx.t(
                Text(
                    "Blokir perekaman bila lebih dari N menunggu persetujuan",
                    "Block enrollment when over N await approval",
                )
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
        self.messages = SettingsTab.Messages(self.message, self.ctx)
        self.message.setObjectName("settings_message")
        row.addWidget(self.save_button)
        row.addWidget(self.message, 1)
        layout.addLayout(row)
        layout.addStretch(1)

    def load(self) -> None:
        self.call("settings", on_done=self._fill, on_failed=lambda f: self.messages.failure(f))

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
        self.messages.clear()
        self.save_button.setEnabled(False)
        self.call("apply_settings", self.values(), on_done=self._saved, on_failed=self._refused, serial=True)

    def _saved(self, change: Any) -> None:
        self.save_button.setEnabled(True)
        if not change.changes:
            self.messages.unchanged()
            return
        text = self.messages.saved.text()
        effects = change.effects()
        if NEXT_LOGIN in effects:
            text += " " + self.tr("The idle lock changes from the next login.")
        if NEXT_START in effects:
            text += " " + self.tr("The central URL and the language change at the next start.")
        self.messages.saved.show_text(text)
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
            self.messages.fix_fields()
        else:
            self.messages.failure(failure)

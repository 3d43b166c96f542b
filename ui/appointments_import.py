"""Importing the day's appointment list from a CSV file, for the counter's tickets panel.

The import runs on the store-writer thread (`serial=True`) behind a cancellable
progress dialog; when it ends, a dialog lists every refused row with its line number
and reason (station.appointments_csv reads the file, station.tickets stores it). The
panel that owns an `AppointmentImporter` says the outcome on its own message line.

Traps:
- one import at a time: `start` while one runs does nothing;
- the progress dialog is hidden, never closed, when the import ends: its closeEvent
  would emit `canceled` and cancel a task that already finished;
- a cancelled import stores nothing (the store writes the list in one transaction).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QProgressDialog, QVBoxLayout, QWidget

from station.tickets import CounterTickets, ImportReport
from ui.app_context import AppContext
from ui.row_tables import cell, row_table
from ui.tasks import Failure, TaskHandle

__all__ = ["AppointmentImporter", "ImportResultDialog"]


class ImportResultDialog(QDialog):
    """The import's counts and every refused row with its line number and reason."""

    def __init__(self, report: ImportReport, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(self.tr("Appointment import"))
        layout = QVBoxLayout(self)
        self.summary = QLabel(
            self.tr("Rows read: {0}. Imported: {1}. Already in the list: {2}. Refused: {3}.").format(
                report.rows, report.imported, report.already_listed, report.refused
            )
        )
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.problems = row_table(2)
        self.problems.setObjectName("import_problems")
        self.problems.setHorizontalHeaderLabels([self.tr("Line"), self.tr("Why it was refused")])
        self.problems.setRowCount(len(report.problems))
        for row, problem in enumerate(report.problems):
            self.problems.setItem(row, 0, cell(str(problem.line)))
            self.problems.setItem(row, 1, cell(problem.reason.get(lang)))
        self.problems.setVisible(bool(report.problems))
        layout.addWidget(self.problems)
        if report.problems:
            layout.addWidget(
                QLabel(
                    self.tr(
                        "Fix these rows in the file and import it again: rows already imported are not added twice."
                    )
                )
            )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 420 if report.problems else 160)

    def rows(self) -> list[tuple[int, str]]:
        """(line, reason) as shown, for tests and for copying."""
        out = []
        for row in range(self.problems.rowCount()):
            line, reason = self.problems.item(row, 0), self.problems.item(row, 1)
            assert line is not None and reason is not None
            out.append((int(line.text()), reason.text()))
        return out


class AppointmentImporter(QObject):
    """Choose a CSV file, import it with a cancellable progress dialog, show the result."""

    running = Signal(bool)  # True when an import starts, False when it ends (any way)
    finished = Signal(object)  # ImportReport, once its result dialog is open
    failed = Signal(object)  # Failure (a cancel included: see `Failure.cancelled`)

    def __init__(self, ctx: AppContext, tickets: CounterTickets, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tickets = tickets
        self.widget = parent
        self.dialog: ImportResultDialog | None = None
        self._task: TaskHandle | None = None
        self._progress: QProgressDialog | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    def ask_path(self) -> Path | None:
        """The file the operator picks, or None when they cancel the file dialog."""
        path, _filter = QFileDialog.getOpenFileName(
            self.widget,
            self.tr("Import appointments"),
            str(Path.home()),
            self.tr("CSV files (*.csv *.txt);;All files (*)"),
        )
        return Path(path) if path else None

    def start(self, path: Path, operator: str) -> None:
        """Import `path` as `operator`; nothing when an import is already running."""
        if self._task is not None:
            return
        progress = QProgressDialog(
            self.tr("Importing appointments from {0}…").format(path.name), self.tr("Cancel"), 0, 100, self.widget
        )
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        self._progress = progress
        self.running.emit(True)
        self._task = self.ctx.tasks.run(
            self.tickets.import_appointments_file,
            path,
            operator,
            on_done=self._imported,
            on_failed=self._failed,
            on_progress=lambda fraction, _msg: progress.setValue(int((fraction or 0) * 100)),
            cancellable=True,
            name="import appointments",
            owner=self.widget,
            serial=True,
        )
        progress.canceled.connect(self._task.cancel)

    def _ended(self) -> None:
        self._task = None
        if self._progress is not None:
            self._progress.hide()  # not close(): its closeEvent would emit canceled
            self._progress.deleteLater()
            self._progress = None
        self.running.emit(False)

    def _imported(self, report: ImportReport) -> None:
        self._ended()
        self.dialog = ImportResultDialog(report, self.ctx.lang, self.widget)
        self.dialog.open()
        self.finished.emit(report)

    def _failed(self, failure: Failure) -> None:
        self._ended()
        self.failed.emit(failure)

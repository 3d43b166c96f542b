"""The administration console's Daily recap tab: per operator, one day's records and
their fate (station.daily_recap), with CSV and PDF exports for the office's report.

Traps:
- the answers carry the number of the query that asked, so a slow answer for an older
  date never overwrites a newer one;
- the exports write what is on screen (the recap last shown), not a new query, so the
  file matches what the supervisor read.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDate
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDateEdit, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from station.daily_recap import COLUMNS, TOTAL, DailyRecap, recap_html, write_recap_csv
from ui.admin.tab import AdminTab, admin_table
from ui.app_context import AppContext
from ui.messages import InfoMsg, OkMsg, ScreenMessages
from ui.row_tables import cell
from ui.selftest_views import write_pdf
from ui.tasks import Failure
from ui.widgets import MessageLine

log = logging.getLogger(__name__)


def write_recap(recap: DailyRecap, path: Path, lang: str, pdf: bool) -> Path:
    """Off the GUI thread: the recap as PDF (Qt's rich text) or CSV, written whole."""
    if pdf:
        return write_pdf(recap_html(recap, lang), path, landscape=True)
    return write_recap_csv(recap, path, lang)


class RecapTab(AdminTab):
    class Messages(ScreenMessages):
        """What this tab may say on its message line."""

        context = "RecapTab"
        loading = InfoMsg(QT_TRANSLATE_NOOP("RecapTab", "Counting the day's records…"))
        nothing = InfoMsg(QT_TRANSLATE_NOOP("RecapTab", "No record was sealed on this day."))
        writing = InfoMsg(QT_TRANSLATE_NOOP("RecapTab", "Writing the recap…"))
        saved = OkMsg(QT_TRANSLATE_NOOP("RecapTab", "Recap saved: %1"))

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._query_no = 0
        self.recap: DailyRecap | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Day")))
        self.day = QDateEdit(QDate.currentDate())
        self.day.setObjectName("recap_day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumDate(QDate.currentDate())
        self.day.dateChanged.connect(lambda _d: self.refresh())
        top.addWidget(self.day)
        top.addStretch(1)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.csv_button = QPushButton(self.tr("Export CSV…"))
        self.csv_button.setObjectName("recap_csv")
        self.pdf_button = QPushButton(self.tr("Export PDF…"))
        self.pdf_button.setObjectName("recap_pdf")
        self.refresh_button.clicked.connect(self.refresh)
        self.csv_button.clicked.connect(lambda: self.export(pdf=False))
        self.pdf_button.clicked.connect(lambda: self.export(pdf=True))
        for b in (self.refresh_button, self.csv_button, self.pdf_button):
            top.addWidget(b)
        layout.addLayout(top)
        # Two-line headers where the label is long: eleven columns and the names fit a counter's screen.
        headers = [
            ctx.t(label).replace(" ", "\n", 1) if len(ctx.t(label)) > 12 else ctx.t(label) for _, label in COLUMNS
        ]
        self.table = admin_table("recap_table", headers, stretch=1)
        layout.addWidget(self.table)
        self.message = MessageLine()
        self.message.setObjectName("recap_message")
        self.messages = RecapTab.Messages(self.message, ctx)
        layout.addWidget(self.message)
        self._exports_enabled(False)

    def _exports_enabled(self, on: bool) -> None:
        self.csv_button.setEnabled(on)
        self.pdf_button.setEnabled(on)

    def selected_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def refresh(self) -> None:
        self._query_no += 1
        query_no = self._query_no
        self.messages.loading()
        self.call(
            "daily_recap",
            self.selected_day(),
            on_done=lambda recap: self._show(query_no, recap),
            on_failed=self._failed,
        )

    def _failed(self, failure: Failure) -> None:
        self.messages.failure(failure)

    def _show(self, query_no: int, recap: DailyRecap) -> None:
        if query_no != self._query_no:
            return  # an older date's answer
        self.recap = recap
        rows = (*recap.rows, recap.total) if recap.rows else ()
        self.table.setRowCount(len(rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for i, r in enumerate(rows):
            values = r.values(self.ctx.lang)
            if r is recap.total:
                values["operator"] = self.ctx.t(TOTAL)
            for j, (key, _) in enumerate(COLUMNS):
                item = cell(str(values[key]))
                if r is recap.total:
                    item.setFont(bold)
                self.table.setItem(i, j, item)
        self._exports_enabled(bool(recap.rows))
        if recap.rows:
            self.messages.clear()
        else:
            self.messages.nothing()

    def export(self, *, pdf: bool, path: str | Path | None = None) -> None:
        """Write the recap on screen as PDF or CSV; `path` skips the file dialog (tests)."""
        recap = self.recap
        if recap is None or not recap.rows:
            return
        if path is None:
            stem = f"{'rekap' if self.ctx.lang != 'en' else 'recap'}-{recap.station_code}-{recap.day.isoformat()}"
            default = Path.home() / f"{stem}.{'pdf' if pdf else 'csv'}"
            filters = self.tr("PDF (*.pdf)") if pdf else self.tr("CSV (*.csv)")
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Export the daily recap"), str(default), filters)
            if not chosen:
                return
            path = chosen
        self.messages.writing()
        self.ctx.tasks.run(
            write_recap,
            recap,
            Path(path),
            self.ctx.lang,
            pdf,
            on_done=lambda written: self.messages.saved(str(written)),
            on_failed=self._failed,
            name="export daily recap",
            owner=self,
        )

"""The self-test's on-screen and printed forms: the step table, the history table, and
the report written as PDF.

Steps are shown from plain dicts (`SelfTestStep.as_dict`, or a stored run), so a step
arriving live and one read back from the history look the same.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from devices.kinds import SIMULATED_LABEL
from station.selftest_report import kind_label, local_time

log = logging.getLogger(__name__)

PASS_BG, FAIL_BG = QColor("#e8f5ec"), QColor("#fdeaea")


class StepTable(QTableWidget):
    """Self-test steps: green rows passed, red rows failed with their remedy and code."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 6, parent)
        self.setHorizontalHeaderLabels(
            [
                self.tr("Device"),
                self.tr("Step"),
                self.tr("Result"),
                self.tr("Measured"),
                self.tr("Expected"),
                self.tr("Remedy"),
            ]
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        for column, width in enumerate((96, 150, 62, 190, 140)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(lambda *_: self.resizeRowsToContents())  # wrapped text re-flows

    def add_step(self, device_label: str, step: dict[str, Any]) -> None:
        passed = bool(step.get("passed"))
        remedy = step.get("remedy") or ""
        if step.get("error_code"):
            remedy = f"{remedy} [{step['error_code']}]".strip()
        values = (
            device_label,
            str(step.get("title") or step.get("name") or ""),
            self.tr("passed") if passed else self.tr("FAILED"),
            str(step.get("measured") or ""),
            str(step.get("expected") or ""),
            remedy,
        )
        row = self.rowCount()
        self.insertRow(row)
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setBackground(QBrush(PASS_BG if passed else FAIL_BG))
            item.setToolTip(value)
            if column == 2:
                item.setForeground(QBrush(QColor("#1b7f3b" if passed else "#b00020")))
            self.setItem(row, column, item)
        self.resizeRowToContents(row)
        self.scrollToBottom()

    def show_run(self, run: dict[str, Any], lang: str) -> None:
        self.setRowCount(0)
        for device in run.get("devices", []):
            for step in device.get("steps", []):
                self.add_step(kind_label(str(device.get("kind")), lang), step)
        for step in (run.get("station") or {}).get("steps", []):
            self.add_step(kind_label("station", lang), step)

    def row_text(self, row: int) -> str:
        return " | ".join(i.text() for c in range(self.columnCount()) if (i := self.item(row, c)) is not None)


class HistoryTable(QTableWidget):
    """Past runs, newest first, one row per device (and the station's checks) of a run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 6, parent)
        self.setHorizontalHeaderLabels(
            [
                self.tr("Time"),
                self.tr("Technician"),
                self.tr("Device"),
                self.tr("Driver"),
                self.tr("Result"),
                self.tr("Failed steps"),
            ]
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)

    def show_runs(self, runs: Sequence[dict[str, Any]], lang: str) -> None:
        self.setRowCount(0)
        simulated = SIMULATED_LABEL.get(lang)
        for index, run in enumerate(runs):
            parts = list(run["devices"]) + ([{"kind": "station", **run["station"]}] if run.get("station") else [])
            for part in parts:
                selection = part.get("selection") or {}
                driver = str(selection.get("driver") or "")
                if selection.get("simulated"):
                    driver += f" [{simulated}]"
                failed = ", ".join(s.get("name", "") for s in part.get("steps", []) if not s.get("passed"))
                passed = bool(part.get("passed"))
                values = (
                    local_time(run["at"]),
                    run["technician"],
                    kind_label(str(part.get("kind")), lang),
                    driver,
                    self.tr("passed") if passed else self.tr("FAILED"),
                    failed,
                )
                row = self.rowCount()
                self.insertRow(row)
                for column, value in enumerate(values):
                    item = QTableWidgetItem(value)
                    item.setData(Qt.ItemDataRole.UserRole, index)
                    item.setBackground(QBrush(PASS_BG if passed else FAIL_BG))
                    item.setToolTip(value)
                    self.setItem(row, column, item)
        self.resizeColumnsToContents()

    def run_index(self, row: int) -> int | None:
        item = self.item(row, 0)
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def row_text(self, row: int) -> str:
        return " | ".join(i.text() for c in range(self.columnCount()) if (i := self.item(row, c)) is not None)


def write_pdf(html: str, path: Path, *, landscape: bool = False) -> Path:
    """The report's HTML as an A4 PDF (Qt's rich-text engine; the fonts need a QGuiApplication)."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_pdf needs a QGuiApplication (fonts)")
    document = QTextDocument()
    document.setHtml(html)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    if landscape:  # a wide table (the daily recap's eleven columns)
        writer.setPageOrientation(QPageLayout.Orientation.Landscape)
    writer.setResolution(150)
    writer.setTitle(document.metaInformation(QTextDocument.MetaInformation.DocumentTitle))
    writer.setCreator("e-KTP enrollment station")
    document.print_(writer)
    del writer  # the file is complete once the writer is gone
    log.info("report written to %s", path)
    return path

"""Read-only tables whose rows are selected whole (tickets panel, appointment import,
administration console).

A row carries the id of what it shows (a ticket, an appointment) under `ID_ROLE` in
its first cell, so a selection survives a refresh that rebuilds the rows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

ID_ROLE = Qt.ItemDataRole.UserRole


def cell(text: str, ident: int | None = None) -> QTableWidgetItem:
    """A read-only cell; `ident` is the row's id (first column only)."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if ident is not None:
        item.setData(ID_ROLE, ident)
    return item


def row_table(columns: int) -> QTableWidget:
    """A table that selects one whole row and is never edited in place."""
    table = QTableWidget(0, columns)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setAlternatingRowColors(True)
    return table


def selected_id(table: QTableWidget) -> int | None:
    """The id of the selected row, or None when nothing is selected."""
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    item = table.item(rows[0].row(), 0)
    return None if item is None else int(item.data(ID_ROLE))

"""The administration console's Pending approval tab: the supervisor's end-of-day review
(station.approval).

Each record waiting for approval is one row: registration number, operator, sealed
time, name, the items captured as exceptions, and the decision (approve, or reject with
a reason from station.approval.REASONS and a note). "Submit decisions" asks the
supervisor's password once for the whole batch (ui.widgets.ask_supervisor, verified by
the core off the GUI thread) and the core applies it in one transaction. "View" shows
the record's receipt as it printed (ui.receipt.render_receipt_image).

Traps:
- rows without a decision are left waiting; a rejection without a reason, or "other"
  without a note, is refused by the core with its message, and nothing is written;
- the list refreshes on the core's notifications (a seal, a decision), not on a timer,
  and a refresh keeps the decisions already chosen for rows still listed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from common.biometrics import item_kind_label
from common.errors import ValidationError
from common.text import Text
from station.approval import REASONS, Decision, PendingRecord, SubmitResult, check_decisions
from station.events import Change, Changes
from station.receipt import ReceiptData, receipt_data
from ui.admin.tab import AdminTab, admin_table, local_time
from ui.app_context import AppContext
from ui.row_tables import cell
from ui.tasks import Failure
from ui.widgets import MessageLine, ask_supervisor

log = logging.getLogger(__name__)

UNDECIDED, APPROVE, REJECT = "", "approve", "reject"
COLUMNS = (
    Text("No. registrasi", "Reg. no"),
    Text("Operator", "Operator"),
    Text("Disegel", "Sealed"),
    Text("Nama", "Name"),
    Text("Pengecualian", "Exceptions"),
    Text("Keputusan", "Decision"),
    Text("Alasan", "Reason"),
    Text("Catatan", "Note"),
)
DECISION_COL, REASON_COL, NOTE_COL = 5, 6, 7
NOTHING = Text("Tidak ada rekaman yang menunggu persetujuan.", "No records are waiting for approval.")
UNDECIDED_TEXT = Text(
    "Pilih setujui atau tolak untuk paling sedikit satu rekaman.", "Choose approve or reject for at least one record."
)


class ApprovalTab(AdminTab):
    """The records waiting for the supervisor, decided in one authenticated batch."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.records: list[PendingRecord] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("approval_summary")
        top.addWidget(self.summary, 1)
        self.approve_all = QPushButton(ctx.t(Text("Setujui semua", "Approve all")))
        self.approve_all.setObjectName("approval_approve_all")
        self.approve_all.clicked.connect(self._approve_all)
        self.view_button = QPushButton(ctx.t(Text("Lihat…", "View…")))
        self.view_button.setObjectName("approval_view")
        self.view_button.clicked.connect(self.view_selected)
        self.refresh_button = QPushButton(self.ctx.t(Text("Muat ulang", "Refresh")))
        self.refresh_button.clicked.connect(self.refresh)
        for b in (self.approve_all, self.view_button, self.refresh_button):
            top.addWidget(b)
        layout.addLayout(top)
        self.table = admin_table("approval_table", [ctx.t(c) for c in COLUMNS], stretch=3)
        layout.addWidget(self.table)
        bottom = QHBoxLayout()
        self.submit_button = QPushButton(ctx.t(Text("Kirim keputusan…", "Submit decisions…")))
        self.submit_button.setObjectName("approval_submit")
        self.submit_button.clicked.connect(self.submit)
        self.message = MessageLine()
        self.message.setObjectName("approval_message")
        bottom.addWidget(self.submit_button)
        bottom.addWidget(self.message, 1)
        layout.addLayout(bottom)
        ctx.events.watch(self, (Change.SEALED, Change.SYNC), self._core_changed)

    # --- the list ------------------------------------------------------------------

    def _core_changed(self, _changes: Changes) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        self.call("pending_approval", on_done=self._fill, on_failed=self._failed)

    def _exceptions(self, kinds: Iterable[str]) -> str:
        """The excepted items as a supervisor names them ("Jari tengah kiri", not "finger_8")."""
        return ", ".join(self.ctx.t(item_kind_label(kind)) for kind in kinds) or "-"

    def _fill(self, records: list[PendingRecord]) -> None:
        kept = self.decisions_by_uuid()
        self.records = records
        self.table.setRowCount(len(records))
        for row, rec in enumerate(records):
            values = (rec.reg_no, rec.operator, local_time(rec.sealed_at), rec.name, self._exceptions(rec.exceptions))
            for col, value in enumerate(values):
                self.table.setItem(row, col, cell(value))
            decision = QComboBox()
            decision.setObjectName(f"approval_decision_{row}")
            decision.addItem("—", UNDECIDED)
            decision.addItem(self.ctx.t(Text("Setujui", "Approve")), APPROVE)
            decision.addItem(self.ctx.t(Text("Tolak", "Reject")), REJECT)
            reason = QComboBox()
            reason.setObjectName(f"approval_reason_{row}")
            for code, label in REASONS.items():
                reason.addItem(self.ctx.t(label), code)
            note = QLineEdit()
            note.setObjectName(f"approval_note_{row}")
            note.setMaxLength(200)
            before = kept.get(rec.uuid)
            if before is not None:
                decision.setCurrentIndex(decision.findData(APPROVE if before.approve else REJECT))
                if not before.approve:
                    reason.setCurrentIndex(max(0, reason.findData(before.reason)))
                    note.setText(before.note)
            decision.currentIndexChanged.connect(lambda _i, r=row: self._decision_changed(r))
            self.table.setCellWidget(row, DECISION_COL, decision)
            self.table.setCellWidget(row, REASON_COL, reason)
            self.table.setCellWidget(row, NOTE_COL, note)
            self._decision_changed(row)
        self.summary.setText(
            self.ctx.t(
                Text(f"{len(records)} rekaman menunggu persetujuan", f"{len(records)} records waiting for approval")
            )
        )
        if not records:
            self.message.ok(self.ctx.t(NOTHING))

    def _combo(self, row: int, col: int) -> QComboBox:
        w = self.table.cellWidget(row, col)
        assert isinstance(w, QComboBox)
        return w

    def _note(self, row: int) -> QLineEdit:
        w = self.table.cellWidget(row, NOTE_COL)
        assert isinstance(w, QLineEdit)
        return w

    def _decision_changed(self, row: int) -> None:
        rejecting = self._combo(row, DECISION_COL).currentData() == REJECT
        self._combo(row, REASON_COL).setEnabled(rejecting)
        self._note(row).setEnabled(rejecting)

    def _approve_all(self) -> None:
        for row in range(self.table.rowCount()):
            combo = self._combo(row, DECISION_COL)
            if combo.currentData() == UNDECIDED:
                combo.setCurrentIndex(combo.findData(APPROVE))

    def set_decision(self, row: int, decision: str, reason: str | None = None, note: str = "") -> None:
        """Choose a row's decision as the supervisor would (tests, keyboard users)."""
        combo = self._combo(row, DECISION_COL)
        combo.setCurrentIndex(combo.findData(decision))
        if reason is not None:
            reasons = self._combo(row, REASON_COL)
            reasons.setCurrentIndex(reasons.findData(reason))
        self._note(row).setText(note)

    def decisions(self) -> list[Decision]:
        out = []
        for row, rec in enumerate(self.records):
            choice = self._combo(row, DECISION_COL).currentData()
            if choice == APPROVE:
                out.append(Decision(rec.uuid, True))
            elif choice == REJECT:
                out.append(
                    Decision(rec.uuid, False, self._combo(row, REASON_COL).currentData(), self._note(row).text())
                )
        return out

    def decisions_by_uuid(self) -> dict[str, Decision]:
        if self.table.rowCount() != len(self.records):
            return {}
        return {d.record_uuid: d for d in self.decisions()}

    # --- submitting ----------------------------------------------------------------

    def submit(self) -> None:
        decisions = self.decisions()
        if not decisions:
            self.message.error(self.ctx.t(UNDECIDED_TEXT))
            return
        try:
            check_decisions(decisions)  # a reason or note missing: said before any password
        except ValidationError as exc:
            self.message.user_error(self.ctx, exc)
            return
        approved = sum(d.approve for d in decisions)
        question = self.ctx.t(
            Text(
                f"Simpan keputusan: {approved} disetujui, {len(decisions) - approved} ditolak. "
                "Masukkan kata sandi supervisor sekali untuk semuanya.",
                f"Save the decisions: {approved} approved, {len(decisions) - approved} rejected. "
                "Enter the supervisor's password once for all of them.",
            )
        )
        approver = ask_supervisor(self, self.ctx, question)
        if approver is None:
            return
        self.submit_button.setEnabled(False)
        self.call("submit_approval", decisions, approver, on_done=self._submitted, on_failed=self._refused, serial=True)

    def _submitted(self, result: SubmitResult) -> None:
        self.submit_button.setEnabled(True)
        done = len(result.approved), len(result.rejected)
        self.message.ok(
            self.ctx.t(
                Text(
                    f"Tersimpan: {done[0]} disetujui, {done[1]} ditolak.",
                    f"Saved: {done[0]} approved, {done[1]} rejected.",
                )
            )
        )
        self.refresh()

    def _failed(self, failure: Failure) -> None:
        self.message.failure(self.ctx, failure)

    def _refused(self, failure: Failure) -> None:
        self.submit_button.setEnabled(True)
        self.message.failure(self.ctx, failure)

    # --- looking at one --------------------------------------------------------------

    def view_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.records):
            return
        rec = self.records[rows[0].row()]
        self.ctx.tasks.run(
            receipt_data,
            self.ctx.core,
            record_uuid=rec.uuid,
            on_done=lambda data: self._show_receipt(rec, data),
            on_failed=self._failed,
            name="approval receipt",
            owner=self,
        )

    def _show_receipt(self, rec: PendingRecord, data: ReceiptData) -> None:
        from ui.receipt import render_receipt_image

        dialog = QDialog(self)
        dialog.setObjectName("approval_receipt_dialog")
        dialog.setWindowTitle(rec.reg_no)
        layout = QVBoxLayout(dialog)
        image = QLabel()
        image.setObjectName("approval_receipt_image")
        image.setPixmap(QPixmap.fromImage(render_receipt_image(data, lang=self.ctx.lang)))
        scroll = QScrollArea()
        scroll.setWidget(image)
        layout.addWidget(scroll)
        exceptions = self._exceptions(rec.exceptions)
        layout.addWidget(QLabel(self.ctx.t(Text(f"Pengecualian: {exceptions}", f"Exceptions: {exceptions}"))))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.open()

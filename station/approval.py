"""Supervisor end-of-day approval (MOSIP's `supervisor_approval`), decided once for the
console and the command line.

When `supervisor_approval` is on (station.toml; off by default), the seal makes a
record PENDING_APPROVAL (StationCore's sealed state). The supervisor reviews the list,
approves or rejects each record with a reason from REASONS, and authenticates once for
the batch; `submit_decisions` applies the batch in one transaction (store.approvals),
one audit event per record. Approved records join the normal queue (SEALED); rejected
ones become WITHDRAWING and the sync worker sends, in their turn, a signed withdrawal
instead of the packet (station.sync.withdrawal), so the centre explains their
station_seq instead of reporting a gap, and strict order holds.

Traps:
- The queue is strict FIFO: while the oldest waiting record is PENDING_APPROVAL,
  nothing after it is sent, approved or not (`queue_waits_for_approval` says so for
  the screens). Records still waiting after approval is switched off still hold the
  queue: the list stays reachable, and the pending limit still counts them.
- The pending limit (`approval_limit`, MOSIP's reg_pak_max_cnt_apprv_limit = 100): a
  new enrollment is refused once MORE than the limit wait; it is one of the station's
  limits (`approval_limits`, read by station.sync.limits), so status, the health strip
  and every start of an enrollment see the same refusal.
- The session that submits is re-checked here (Auth.require); the console passes the
  supervisor its password dialog just verified, the CLI the one `sign_in` made.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from common.errors import ValidationError
from common.text import Text
from station.auth import Role, User
from station.core import StationCore
from station.events import Change
from station.sync.limits import BLOCK, LimitState
from store.approvals import Decision, PendingRecord, apply_decisions, mask_note, pending_count, pending_records
from store.outbox import Outbox
from store.states import RecordState

log = logging.getLogger(__name__)

OTHER = "other"
# The reasons a supervisor may reject a record with (code: label). The code is what the
# audit log, the timeline, the withdrawal and the centre's report carry.
REASONS: dict[str, Text] = {
    "wrong_person": Text("Orang yang salah", "Wrong person"),
    "duplicate_enrollment": Text("Perekaman ganda", "Duplicate enrollment"),
    "poor_capture": Text("Hasil rekam buruk", "Poor capture"),
    "incomplete_data": Text("Data tidak lengkap", "Incomplete data"),
    OTHER: Text("Lainnya (tulis catatan)", "Other (write a note)"),
}
MAX_BATCH = 1000

__all__ = [
    "MAX_BATCH",
    "REASONS",
    "ApprovalState",
    "Decision",
    "PendingRecord",
    "approval_limits",
    "approval_state",
    "check_decisions",
    "find_pending",
    "pending_for",
    "submit_decisions",
]


@dataclass(frozen=True)
class ApprovalState:
    """What the screens and `station status` say about approval."""

    enabled: bool
    waiting: int
    limit: int
    head_waits: bool  # the sync queue's head awaits the supervisor: nothing is sent

    def text(self) -> Text | None:
        if not self.head_waits:
            return None
        return Text(
            f"Menunggu persetujuan supervisor ({self.waiting} rekaman)",
            f"Waiting for the supervisor's approval ({self.waiting} records)",
        )


@dataclass(frozen=True)
class SubmitResult:
    approved: list[str]  # reg_nos
    rejected: list[str]


def approval_state(core: StationCore) -> ApprovalState:
    head = Outbox(core.db).head()
    return ApprovalState(
        core.config.supervisor_approval,
        pending_count(core.db),
        core.config.approval_limit,
        head is not None and head.state == RecordState.PENDING_APPROVAL,
    )


def pending_for(core: StationCore, user: User | None, limit: int = MAX_BATCH) -> list[PendingRecord]:
    """The records waiting for approval, oldest first, for a supervisor's session."""
    core.auth.require(user, Role.SUPERVISOR)
    return pending_records(core.db, limit)


def check_decisions(decisions: Sequence[Decision]) -> list[Decision]:
    """The batch as it will be applied, or the refusal (ValidationError) naming what is
    wrong; screens call it before they ask for the password, submit_decisions again."""
    if not decisions:
        raise ValidationError(Text("Belum ada keputusan.", "No decision was made."), code="approval.empty")
    if len(decisions) > MAX_BATCH:
        raise ValidationError(
            Text(f"Paling banyak {MAX_BATCH} keputusan sekaligus.", f"At most {MAX_BATCH} decisions at once."),
            code="approval.too_many",
        )
    seen: set[str] = set()
    out = []
    for d in decisions:
        if d.record_uuid in seen:
            raise ValidationError(
                Text("Satu rekaman diputuskan dua kali.", "One record was decided twice."), code="approval.twice"
            )
        seen.add(d.record_uuid)
        if d.approve:
            out.append(Decision(d.record_uuid, True))
            continue
        if d.reason not in REASONS:
            raise ValidationError(
                Text(
                    f"Alasan penolakan {str(d.reason)[:40]!r} tidak dikenal; pilih salah satu: {', '.join(REASONS)}.",
                    f"Unknown rejection reason {str(d.reason)[:40]!r}; choose one of: {', '.join(REASONS)}.",
                ),
                field="reason",
                code="approval.reason",
            )
        note = mask_note(d.note)
        if d.reason == OTHER and not note:
            raise ValidationError(
                Text("Alasan 'lainnya' memerlukan catatan.", "The reason 'other' needs a note."),
                field="note",
                code="approval.note",
            )
        out.append(Decision(d.record_uuid, False, d.reason, note))
    return out


def submit_decisions(core: StationCore, decisions: Sequence[Decision], *, supervisor: User | None) -> SubmitResult:
    """Apply a supervisor's batch of decisions for an authenticated, unlocked
    supervisor's session: all in one transaction, one audit event per record. Announced
    as SEALED (approved records join the queue: it wakes the sync worker), SYNC and AUDIT."""
    checked = core.auth.require(supervisor, Role.SUPERVISOR)
    done = apply_decisions(core.db, check_decisions(decisions), actor=checked.username)
    result = SubmitResult([r for r, d in done if d.approve], [r for r, d in done if not d.approve])
    log.info("approval by %s: %d approved, %d rejected", checked.username, len(result.approved), len(result.rejected))
    core.events.notify(Change.SEALED, Change.SYNC, Change.AUDIT)
    return result


def find_pending(core: StationCore, reg_no: str) -> str:
    """The uuid of the waiting record with this registration number (the command line)."""
    wanted = reg_no.strip()[:40]
    found = core.enrollments.find_by_reg(wanted)
    if not found or found[0].state != RecordState.PENDING_APPROVAL:
        raise ValidationError(
            Text(f"{wanted} tidak menunggu persetujuan.", f"{wanted} is not waiting for approval."),
            code="approval.not_pending",
        )
    return found[0].uuid


def approval_limits(core: StationCore) -> list[LimitState]:
    """The pending-approval limit as one of the station's limits (station.sync.limits):
    blocking once more than `approval_limit` records wait, whether approval is on or
    was switched off with records still waiting (they hold the queue either way)."""
    waiting = pending_count(core.db)
    limit = core.config.approval_limit
    if waiting <= limit:
        return []
    return [
        LimitState(
            "pending_approval",
            BLOCK,
            waiting,
            limit,
            Text(
                f"{waiting} rekaman menunggu persetujuan supervisor (batas {limit}). "
                "Supervisor perlu menyetujui atau menolaknya di tab Persetujuan.",
                f"{waiting} records are waiting for the supervisor's approval (limit {limit}). "
                "A supervisor needs to approve or reject them in the Approval tab.",
            ),
        )
    ]

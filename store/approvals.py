"""End-of-day approval in the store: the records waiting for it, and a batch of decisions
applied in one transaction.

The rule around it (who may decide, which reasons exist, the pending limit) is
station.approval's; this module only reads and writes. A batch is all or nothing: if
one record of it is no longer PENDING_APPROVAL (another console decided it meanwhile),
nothing of the batch is written and the refusal names that record, so the supervisor
sees the list again instead of half a batch applied.

Where a decision is kept, without a new column: an approval is the record's timeline
entry ("approved by ...") and its audit event; a rejection's reason code is the
record's `reject_reason` (the worker sends it with the withdrawal, and the centre's
verdict states it back), its note the timeline entry and the audit event. Traps: the
note is free text, so long digit runs (a NIK typed into it) are masked before it is
stored anywhere; the audit names records by reg_no, never by NIK or name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select, update

from common.errors import StateError
from common.text import Text
from store import audit
from store.db import Database
from store.models import BiometricItem, Enrollment, Operator, StatusEvent
from store.states import RecordState, check_transition
from store.types import utcnow

PENDING_APPROVAL = RecordState.PENDING_APPROVAL
MAX_NOTE = 200
_ENR = cast(Table, Enrollment.__table__)
_EVENT = cast(Table, StatusEvent.__table__)
_DIGITS = re.compile(r"\d{8,}")


@dataclass(frozen=True)
class Decision:
    """One supervisor decision: approve, or reject with a reason code and a note."""

    record_uuid: str
    approve: bool
    reason: str | None = None
    note: str = ""


@dataclass(frozen=True)
class PendingRecord:
    """A record waiting for the supervisor, as the approval list shows it (no NIK)."""

    uuid: str
    reg_no: str
    station_seq: int
    operator: str
    sealed_at: datetime
    name: str
    exceptions: tuple[str, ...]  # item kinds captured as exceptions (finger_3, signature, ...)


def mask_note(note: str) -> str:
    """The note as stored: one line, bounded, long digit runs (a NIK) masked."""
    one_line = " ".join(note.split())[:MAX_NOTE]
    return _DIGITS.sub(lambda m: "#" * len(m.group()), one_line)


def pending_count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).where(_ENR.c.state == PENDING_APPROVAL)) or 0)


def pending_records(db: Database, limit: int = 1000) -> list[PendingRecord]:
    """The records waiting for approval, oldest first (station_seq order), at most `limit`."""
    with db.read() as session:
        rows = session.execute(
            select(Enrollment.id, Enrollment.uuid, Enrollment.reg_no, Enrollment.station_seq)
            .add_columns(Operator.username, Enrollment.sealed_at, Enrollment.name_search)
            .join(Operator, Operator.id == Enrollment.operator_id)
            .where(Enrollment.state == PENDING_APPROVAL)
            .order_by(Enrollment.station_seq)
            .limit(limit)
        ).all()
        ids = [r[0] for r in rows]
        exceptions: dict[int, list[str]] = {}
        if ids:
            found = session.execute(
                select(BiometricItem.enrollment_id, BiometricItem.kind)
                .where(BiometricItem.enrollment_id.in_(ids), BiometricItem.exception_reason.is_not(None))
                .order_by(BiometricItem.id)
            )
            for eid, kind in found:
                exceptions.setdefault(eid, []).append(kind)
    return [
        PendingRecord(uuid, str(reg), int(seq), op, sealed, name, tuple(exceptions.get(eid, ())))
        for eid, uuid, reg, seq, op, sealed, name in rows
    ]


def apply_decisions(db: Database, decisions: Sequence[Decision], *, actor: str) -> list[tuple[str, Decision]]:
    """Apply every decision in one write transaction, each audited; returns (reg_no,
    decision) per record. StateError (`approval.not_pending`), and nothing written, if
    any record is not waiting for approval."""
    now = utcnow()
    done: list[tuple[str, Decision]] = []
    with db.write() as session:
        conn = session.connection()
        for d in decisions:
            row = conn.execute(
                select(_ENR.c.id, _ENR.c.state, _ENR.c.reg_no).where(_ENR.c.uuid == d.record_uuid)
            ).first()
            if row is None or row.state != PENDING_APPROVAL:
                reg = row.reg_no if row is not None else d.record_uuid
                raise StateError(
                    Text(
                        f"Rekaman {reg} tidak lagi menunggu persetujuan; tidak ada keputusan yang disimpan. "
                        "Muat ulang daftarnya.",
                        f"Record {reg} no longer awaits approval; no decision was saved. Reload the list.",
                    ),
                    code="approval.not_pending",
                )
            note = mask_note(d.note)
            if d.approve:
                state = check_transition(row.state, RecordState.SEALED)
                values: dict[str, object] = {"state": state, "updated_at": now}
                detail = f"approved by {actor}"
                event = {"decision": "approve"}
            else:
                state = check_transition(row.state, RecordState.WITHDRAWING)
                values = {"state": state, "updated_at": now, "reject_reason": d.reason, "attempts": 0}
                detail = f"rejected by {actor}: {d.reason}" + (f" ({note})" if note else "")
                event = {"decision": "reject", "reason": str(d.reason)}
                if note:
                    event["note"] = note
            conn.execute(update(_ENR).where(_ENR.c.id == row.id).values(**values))
            conn.execute(_EVENT.insert(), {"enrollment_id": row.id, "state": state, "at": now, "detail": detail})
            action = "approval_approve" if d.approve else "approval_reject"
            audit.append(session, action, actor=actor, target=row.reg_no, detail=event, at=now)
            done.append((str(row.reg_no), d))
    return done


def withdrawal_reason(db: Database, record_uuid: str) -> str | None:
    """The reason code a WITHDRAWING record is withdrawn with (its reject_reason)."""
    with db.read() as session:
        return session.scalar(select(_ENR.c.reject_reason).where(_ENR.c.uuid == record_uuid))

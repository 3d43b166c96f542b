"""The sync outbox: sealed records waiting to reach the centre, and their timeline.

The outbox is the enrollments table itself (state, packet hash, offset, attempts),
so a record cannot be sealed without being queued nor queued twice. Every state
change appends to the record's timeline in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, func, or_, select, update

from store import audit
from store.db import Database
from store.models import Enrollment, StatusEvent, SyncInfo
from store.states import AT_CENTRE, PENDING, QUEUE, UNCONFIRMED, RecordState, check_transition
from store.types import utcnow

# The names this module has always exported (station.sync and tests import them from here).
SEALED = RecordState.SEALED
REGISTERED = RecordState.REGISTERED
UPLOADING = RecordState.UPLOADING
UPLOADED = RecordState.UPLOADED
RECEIVED = RecordState.RECEIVED
PRINT_READY = RecordState.PRINT_READY
DUPLICATE = RecordState.DUPLICATE
WAITING_RETRY = RecordState.WAITING_RETRY
REJECTED = RecordState.REJECTED
EXPORTED = RecordState.EXPORTED
__all__ = [
    "AT_CENTRE",
    "DUPLICATE",
    "EXPORTED",
    "PENDING",
    "PRINT_READY",
    "RECEIVED",
    "REGISTERED",
    "REJECTED",
    "SEALED",
    "UNCONFIRMED",
    "UPLOADED",
    "UPLOADING",
    "WAITING_RETRY",
    "Outbox",
    "OutboxRecord",
]

_ENR = cast(Table, Enrollment.__table__)
_EVENT = cast(Table, StatusEvent.__table__)


@dataclass(frozen=True)
class OutboxRecord:
    uuid: str
    reg_no: str
    station_seq: int
    state: str
    packet_sha256: str | None
    packet_size: int | None
    upload_offset: int
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    receipt_proof: str | None = None  # the centre's signed verdict (JSON) that made it RECEIVED/REJECTED


_COLUMNS = (
    _ENR.c.uuid,
    _ENR.c.reg_no,
    _ENR.c.station_seq,
    _ENR.c.state,
    _ENR.c.packet_sha256,
    _ENR.c.packet_size,
    _ENR.c.upload_offset,
    _ENR.c.attempts,
    _ENR.c.next_attempt_at,
    _ENR.c.last_error,
    _ENR.c.receipt_proof,
)


def _record(row: Any) -> OutboxRecord:
    return OutboxRecord(*tuple(row))


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def head(self) -> OutboxRecord | None:
        """The lowest station_seq still to send (strict FIFO): the record committing now.
        It may be PENDING_APPROVAL (nothing after it goes until the supervisor decides)
        or WITHDRAWING (sent as a withdrawal): the queue is QUEUE, not just PENDING."""
        with self.db.read() as session:
            row = session.execute(
                select(*_COLUMNS).where(_ENR.c.state.in_(QUEUE)).order_by(_ENR.c.station_seq).limit(1)
            ).first()
            return None if row is None else _record(row)

    def get(self, record_uuid: str) -> OutboxRecord | None:
        with self.db.read() as session:
            row = session.execute(select(*_COLUMNS).where(_ENR.c.uuid == record_uuid)).first()
            return None if row is None else _record(row)

    def transition(self, record_uuid: str, state: str, detail: str = "", **fields: Any) -> None:
        """Move a record to `state`, record it on the timeline, and set `fields`.

        The move is checked against the state the record has *in this transaction*
        (store.states.check_transition): IllegalTransition, and nothing written, if no
        flow of the station moves a record that way."""
        now = utcnow()
        with self.db.write() as session:
            conn = session.connection()
            eid, old = conn.execute(select(_ENR.c.id, _ENR.c.state).where(_ENR.c.uuid == record_uuid)).one()
            state = check_transition(old, state)
            conn.execute(update(_ENR).where(_ENR.c.id == eid).values(state=state, updated_at=now, **fields))
            conn.execute(_EVENT.insert(), {"enrollment_id": eid, "state": state, "at": now, "detail": detail})

    def set_fields(self, record_uuid: str, **fields: Any) -> None:
        """Update without a timeline entry (the offset moving within UPLOADING)."""
        with self.db.write() as session:
            session.connection().execute(update(_ENR).where(_ENR.c.uuid == record_uuid).values(**fields))

    def pending_totals(self) -> tuple[int, int]:
        """(records, bytes still to send) across the queue."""
        with self.db.read() as session:
            count, size, sent = session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(_ENR.c.packet_size), 0),
                    func.coalesce(func.sum(_ENR.c.upload_offset), 0),
                ).where(_ENR.c.state.in_(PENDING))
            ).one()
            return int(count), int(size) - int(sent)

    def position(self, station_seq: int) -> tuple[int, int] | None:
        """(1-based queue position, bytes ahead of and including this record), or None if not queued."""
        with self.db.read() as session:
            count, size, sent = session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(_ENR.c.packet_size), 0),
                    func.coalesce(func.sum(_ENR.c.upload_offset), 0),
                ).where(_ENR.c.state.in_(PENDING), _ENR.c.station_seq <= station_seq)
            ).one()
            queued = session.execute(select(_ENR.c.state).where(_ENR.c.station_seq == station_seq)).scalar()
            if queued not in PENDING:
                return None
            return int(count), int(size) - int(sent)

    def unconfirmed(self, limit: int = 500) -> list[OutboxRecord]:
        """What reconcile asks about: records not confirmed end to end, and records at the
        centre without a signed verdict (marked by a version that did not keep one), so
        that they get their proof and their packet files can go after retention."""
        with self.db.read() as session:
            rows = session.execute(
                select(*_COLUMNS)
                .where(
                    or_(
                        _ENR.c.state.in_(UNCONFIRMED),
                        and_(_ENR.c.state.in_(AT_CENTRE), _ENR.c.receipt_proof.is_(None)),
                    ),
                    _ENR.c.packet_sha256.is_not(None),
                )
                .order_by(_ENR.c.station_seq)
                .limit(limit)
            )
            return [_record(r) for r in rows]

    def in_states(self, states: tuple[str, ...], limit: int = 1000) -> list[OutboxRecord]:
        with self.db.read() as session:
            rows = session.execute(
                select(*_COLUMNS).where(_ENR.c.state.in_(states)).order_by(_ENR.c.station_seq).limit(limit)
            )
            return [_record(r) for r in rows]

    def requeue(self, record_uuid: str, *, actor: str) -> None:
        """A supervisor sends a rejected record again (after fixing what was wrong)."""
        now = utcnow()
        with self.db.write() as session:
            conn = session.connection()
            row = conn.execute(select(_ENR.c.id, _ENR.c.state, _ENR.c.reg_no).where(_ENR.c.uuid == record_uuid)).first()
            if row is None or row.state != REJECTED:
                from common.errors import StateError
                from common.text import Text

                raise StateError(
                    Text(
                        "Hanya rekaman yang ditolak yang dapat diantre ulang.",
                        "Only a rejected record can be requeued.",
                    ),
                    code="state.not_rejected",
                )
            check_transition(row.state, SEALED)
            conn.execute(
                update(_ENR)
                .where(_ENR.c.id == row.id)
                .values(
                    state=SEALED,
                    attempts=0,
                    next_attempt_at=None,
                    last_error=None,
                    reject_reason=None,
                    upload_offset=0,
                    updated_at=now,
                )
            )
            conn.execute(
                _EVENT.insert(), {"enrollment_id": row.id, "state": SEALED, "at": now, "detail": f"requeued by {actor}"}
            )
            audit.append(session, "requeue", actor=actor, target=row.reg_no)

    def packets_past_retention(self, days: int) -> list[OutboxRecord]:
        """Records at the centre for `days` whose packet file is still here. Each still
        needs its receipt_proof verified before its file may go (station.sync.service)."""
        cutoff = utcnow() - timedelta(days=days)
        with self.db.read() as session:
            rows = session.execute(
                select(*_COLUMNS)
                .where(_ENR.c.state.in_(AT_CENTRE), _ENR.c.received_at <= cutoff, _ENR.c.packet_deleted_at.is_(None))
                .order_by(_ENR.c.station_seq)
            )
            return [_record(r) for r in rows]

    # --- station-wide sync facts ----------------------------------------------

    def info(self) -> dict[str, Any]:
        with self.db.read() as session:
            row = session.get(SyncInfo, 1) or SyncInfo(watermark=0, gaps="[]")
            return {
                "last_success_at": row.last_success_at,
                "last_attempt_at": row.last_attempt_at,
                "last_error": row.last_error,
                "watermark": row.watermark,
                "gaps": json.loads(row.gaps or "[]"),
                "rtt_s": row.rtt_s,
                "throughput_bps": row.throughput_bps,
                "link_state": row.link_state,
                "cut_rate": row.cut_rate,
                "chunk_bytes": row.chunk_bytes,
                "last_progress_at": row.last_progress_at,
            }

    def set_info(self, **fields: Any) -> None:
        if "gaps" in fields:
            fields["gaps"] = json.dumps(fields["gaps"])
        with self.db.write() as session:
            row = session.get(SyncInfo, 1)
            if row is None:
                row = SyncInfo(id=1, watermark=0, gaps="[]")
                session.add(row)
            for key, value in fields.items():
                setattr(row, key, value)

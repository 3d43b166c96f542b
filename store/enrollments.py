"""Saving drafts, sealing, and finding enrollments.

Sealing is one write transaction: the draft becomes SEALED, takes the next
`station_seq` from the station row, its items are written encrypted, and the status
and audit events are appended. A crash at any instant leaves all of it or none of it,
and since the sequence counter moves inside the same transaction, it stays gap-free.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload

from common.biometrics import CapturedItem
from common.errors import StateError, StorageError
from common.text import Text
from store import audit
from store.crypto import DataKey
from store.db import Database
from store.models import BiometricItem, Enrollment, Operator, StatusEvent
from store.models import Station as StationRow
from store.records import (
    EnrollmentData,
    ItemSummary,
    RecordDetail,
    RecordSummary,
    SealResult,
    TimelineEntry,
)
from store.states import RecordState
from store.types import utcnow

log = logging.getLogger(__name__)

DRAFT = RecordState.DRAFT
SEALED = RecordState.SEALED
DEMOGRAPHICS_KIND = "demographics"


@dataclass(frozen=True)
class SealedRecord:
    """What a seal hook is told about the record it runs for."""

    row_id: int
    data: EnrollmentData
    station_code: str
    reg_no: str
    station_seq: int
    sealed_at: datetime


# Called inside the sealing transaction after the row is sealed; packet writing hooks
# in here so that the packet exists exactly when the seal commits (a hook that raises
# rolls the seal back).
SealHook = Callable[[Connection, SealedRecord], None]


def format_reg_no(station_code: str, station_seq: int) -> str:
    return f"{station_code}-{station_seq:07d}"


def normalise_name(name: str) -> str:
    return " ".join(name.upper().split())


# Statements built once: sealing runs them for every resident (and 100 000 times in a
# bulk load), and building a statement costs more than running it.
_ENR = cast(Table, Enrollment.__table__)
_ITEM = cast(Table, BiometricItem.__table__)
_EVENT = cast(Table, StatusEvent.__table__)
_INSERT_ENROLLMENT = _ENR.insert()
_UPDATE_ENROLLMENT = _ENR.update().where(_ENR.c.id == bindparam("_id"))
_INSERT_ITEM = _ITEM.insert()
_INSERT_EVENT = _EVENT.insert()
_FIND_UUID = select(_ENR.c.id, _ENR.c.state, _ENR.c.reg_no).where(_ENR.c.uuid == bindparam("uuid"))
_STORED_ITEMS = select(
    _ITEM.c.kind, _ITEM.c.payload_sha256, _ITEM.c.exception_reason, _ITEM.c.approved_by, _ITEM.c.quality
).where(_ITEM.c.enrollment_id == bindparam("eid"))
_DELETE_ITEMS = _ITEM.delete().where(
    _ITEM.c.enrollment_id == bindparam("eid"), _ITEM.c.kind.in_(bindparam("kinds", expanding=True))
)
_OPERATOR_ID = select(Operator.id).where(Operator.username == bindparam("username"))


class EnrollmentRepository:
    def __init__(
        self,
        db: Database,
        key: DataKey,
        seal_hooks: Sequence[SealHook] = (),
        *,
        sealed_state: Callable[[], RecordState] = lambda: SEALED,
    ) -> None:
        self.db = db
        self.key = key
        self.seal_hooks = list(seal_hooks)
        # What a seal makes a record: SEALED, or PENDING_APPROVAL while the station's
        # end-of-day approval is on (read at each seal: a supervisor may switch it).
        self.sealed_state = sealed_state

    # --- writing --------------------------------------------------------------

    def _operator_id(self, conn: Connection, username: str) -> int:
        op_id = conn.execute(_OPERATOR_ID, {"username": username}).scalar()
        if op_id is None:
            raise StorageError(Text(f"Operator {username} tidak dikenal.", f"Unknown operator {username}."))
        return int(op_id)

    @staticmethod
    def _check_correctable(conn: Connection, corrects_uuid: str) -> None:
        """A correction must point at a sealed record: drafts are simply edited."""
        found = conn.execute(_FIND_UUID, {"uuid": corrects_uuid}).first()
        if found is None or found[1] == DRAFT:
            raise StateError(
                Text(
                    "Rekaman yang dikoreksi harus rekaman tersegel yang ada di stasiun ini.",
                    "The record being corrected must be a sealed record on this station.",
                ),
                code="state.correction_target",
            )

    def _upsert(self, conn: Connection, data: EnrollmentData, now: datetime) -> int:
        """Write `data` as the record's current draft content; return the row id."""
        values: dict[str, Any] = {
            "nik_index": self.key.nik_index(data.nik),
            "name_search": normalise_name(data.name),
            "demographics": self.key.encrypt(
                json.dumps(data.demographics, sort_keys=True).encode(), record_uuid=data.uuid, kind=DEMOGRAPHICS_KIND
            ),
            "draft_step": data.draft_step,
            "ticket_id": data.ticket_id,
            "updated_at": now,
        }
        changed = list(data.items)
        existing = conn.execute(_FIND_UUID, {"uuid": data.uuid}).first()
        if existing is None:
            if data.corrects_uuid is not None:
                self._check_correctable(conn, data.corrects_uuid)
            values.update(
                uuid=data.uuid,
                state=DRAFT,
                operator_id=self._operator_id(conn, data.operator),
                created_at=now,
                corrects_uuid=data.corrects_uuid,
                reg_no=None,
                station_seq=None,
                sealed_at=None,
            )
            key = conn.execute(_INSERT_ENROLLMENT, values).inserted_primary_key
            assert key is not None
            eid = int(key[0])
            conn.execute(_INSERT_EVENT, {"enrollment_id": eid, "state": DRAFT, "at": now, "detail": "captured"})
        else:
            eid, state, reg_no = existing
            if state != DRAFT:
                raise StateError(
                    Text(
                        f"Rekaman {reg_no} sudah disegel dan tidak dapat diubah; buat rekaman koreksi.",
                        f"Record {reg_no} is already sealed and cannot be changed; make a correction record.",
                    ),
                    code="state.already_sealed",
                )
            conn.execute(_UPDATE_ENROLLMENT, {"_id": eid, **values})
            stored = {kind: list(rest) for kind, *rest in conn.execute(_STORED_ITEMS, {"eid": eid})}
            # Each step's draft save and the final seal resend every item; only the
            # ones that changed are re-encrypted and rewritten.
            changed = [i for i in changed if stored.get(i.kind) != _item_fingerprint(i)]
            if changed:
                conn.execute(_DELETE_ITEMS, {"eid": eid, "kinds": [i.kind for i in changed]})
        if changed:
            conn.execute(_INSERT_ITEM, [self._item_values(eid, data.uuid, i, now) for i in changed])
        return eid

    def _item_values(self, eid: int, record_uuid: str, item: CapturedItem, now: datetime) -> dict[str, Any]:
        payload = item.payload
        return {
            **item.to_row(),
            "enrollment_id": eid,
            "payload": None if payload is None else self.key.encrypt(payload, record_uuid=record_uuid, kind=item.kind),
            "captured_at": item.captured_at or now,
        }

    def save_draft(self, data: EnrollmentData) -> None:
        """Create or update a draft so that a crash mid-wizard loses at most one step."""
        now = utcnow()
        with self.db.write() as session:
            self._upsert(session.connection(), data, now)

    def discard_draft(self, record_uuid: str, *, actor: str) -> None:
        with self.db.write() as session:
            row = session.scalar(select(Enrollment).where(Enrollment.uuid == record_uuid))
            if row is None:
                return
            if row.state != DRAFT:
                raise StateError(
                    Text("Rekaman tersegel tidak dapat dihapus.", "A sealed record cannot be discarded."),
                    code="state.already_sealed",
                )
            session.delete(row)
            audit.append(session, "draft_discarded", actor=actor, target=record_uuid)

    def seal(self, data: EnrollmentData, *, actor: str, hooks: Sequence[SealHook] = ()) -> SealResult:
        return self.seal_many([data], actor=actor, hooks=hooks)[0]

    def seal_many(
        self, batch: Iterable[EnrollmentData], *, actor: str, hooks: Sequence[SealHook] = ()
    ) -> list[SealResult]:
        """Seal each enrollment of `batch` in one transaction (bulk synthetic loads use batches)."""
        results: list[SealResult] = []
        now = utcnow()
        with self.db.write() as session:
            conn = session.connection()
            row = conn.execute(select(StationRow.code, StationRow.next_seq).where(StationRow.id == 1)).first()
            if row is None:
                raise StorageError(Text("Stasiun belum diinisialisasi.", "The station is not initialised."))
            code, seq = row
            state = self.sealed_state()
            for data in batch:
                eid = self._upsert(conn, data, now)
                reg_no = format_reg_no(code, seq)
                conn.execute(
                    _UPDATE_ENROLLMENT,
                    {
                        "_id": eid,
                        "station_seq": seq,
                        "reg_no": reg_no,
                        "state": state,
                        "draft_step": None,
                        "sealed_at": now,
                    },
                )
                conn.execute(_INSERT_EVENT, {"enrollment_id": eid, "state": state, "at": now, "detail": reg_no})
                audit.append(session, "seal", actor=actor, target=reg_no, detail={"uuid": data.uuid}, at=now)
                sealed = SealedRecord(eid, data, code, reg_no, seq, now)
                for hook in (*self.seal_hooks, *hooks):
                    hook(conn, sealed)
                results.append(SealResult(data.uuid, reg_no, seq, now))
                seq += 1
            conn.execute(update(StationRow).where(StationRow.id == 1).values(next_seq=seq))
        for r in results:
            log.info("sealed %s (seq %d)", r.reg_no, r.station_seq)
        return results

    # --- reading --------------------------------------------------------------

    def _summaries(self, session: Session, where: object, limit: int = 50) -> list[RecordSummary]:
        stmt = (
            select(Enrollment, Operator.username)
            .join(Operator, Operator.id == Enrollment.operator_id)
            .where(where)  # type: ignore[arg-type]
            .order_by(Enrollment.id.desc())
            .limit(limit)
        )
        return [_summary(row, username) for row, username in session.execute(stmt)]

    def find_by_nik(self, nik: str) -> list[RecordSummary]:
        with self.db.read() as session:
            return self._summaries(session, Enrollment.nik_index == self.key.nik_index(nik))

    def find_by_name_prefix(self, prefix: str, limit: int = 50) -> list[RecordSummary]:
        p = normalise_name(prefix)
        if not p:
            return []
        upper = p[:-1] + chr(ord(p[-1]) + 1)
        with self.db.read() as session:
            return self._summaries(
                session, (Enrollment.name_search >= p) & (Enrollment.name_search < upper), limit=limit
            )

    def find_by_reg(self, reg_no: str) -> list[RecordSummary]:
        with self.db.read() as session:
            return self._summaries(session, Enrollment.reg_no == reg_no.strip())

    def drafts(self, operator: str | None = None) -> list[RecordSummary]:
        with self.db.read() as session:
            where = Enrollment.state == DRAFT
            if operator is not None:
                where = where & (Operator.username == operator)
            return self._summaries(session, where)

    def detail(self, *, reg_no: str | None = None, record_uuid: str | None = None) -> RecordDetail | None:
        with self.db.read() as session:
            cond = Enrollment.reg_no == reg_no if reg_no is not None else Enrollment.uuid == record_uuid
            found = session.execute(
                select(Enrollment, Operator.username)
                .join(Operator, Operator.id == Enrollment.operator_id)
                .options(selectinload(Enrollment.items))
                .where(cond)
            ).first()
            if found is None:
                return None
            row, username = found
            demographics = json.loads(self.key.decrypt(row.demographics, record_uuid=row.uuid, kind=DEMOGRAPHICS_KIND))
            events = session.scalars(
                select(StatusEvent).where(StatusEvent.enrollment_id == row.id).order_by(StatusEvent.id)
            )
            return RecordDetail(
                summary=_summary(row, username),
                demographics=demographics,
                items=[
                    ItemSummary(
                        i.kind,
                        i.format,
                        i.quality,
                        i.exception_reason,
                        i.approved_by,
                        i.device_model,
                        i.simulated,
                        i.size,
                    )
                    for i in row.items
                ],
                timeline=[TimelineEntry(e.state, e.at, e.detail) for e in events],
                corrects_uuid=row.corrects_uuid,
            )

    def load(self, record_uuid: str) -> EnrollmentData | None:
        """Everything of one record, decrypted: to resume a draft or build a packet."""
        with self.db.read() as session:
            found = session.execute(
                select(Enrollment, Operator.username)
                .join(Operator, Operator.id == Enrollment.operator_id)
                .options(selectinload(Enrollment.items))
                .where(Enrollment.uuid == record_uuid)
            ).first()
            if found is None:
                return None
            row, username = found
            demographics = json.loads(self.key.decrypt(row.demographics, record_uuid=row.uuid, kind=DEMOGRAPHICS_KIND))
            items = [
                CapturedItem.from_row(
                    i, None if i.payload is None else self.key.decrypt(i.payload, record_uuid=row.uuid, kind=i.kind)
                )
                for i in row.items
            ]
            return EnrollmentData(
                uuid=row.uuid,
                operator=username,
                nik=str(demographics.get("nik", "")),
                name=str(demographics.get("nama", row.name_search)),
                demographics=demographics,
                items=items,
                draft_step=row.draft_step,
                corrects_uuid=row.corrects_uuid,
                ticket_id=row.ticket_id,
            )

    def state_counts(self) -> dict[str, int]:
        with self.db.read() as session:
            rows = session.execute(select(Enrollment.state, func.count()).group_by(Enrollment.state))
            return {state: count for state, count in rows}

    def oldest_in_state(self, states: Sequence[str]) -> RecordSummary | None:
        with self.db.read() as session:
            stmt = (
                select(Enrollment, Operator.username)
                .join(Operator, Operator.id == Enrollment.operator_id)
                .where(Enrollment.state.in_(states))
                .order_by(Enrollment.station_seq)
                .limit(1)
            )
            found = session.execute(stmt).first()
            return None if found is None else _summary(found[0], found[1])


def _item_fingerprint(item: CapturedItem) -> list[Any]:
    return [
        item.sha256,
        item.exception_reason,
        item.approved_by,
        item.quality,
    ]


def _summary(row: Enrollment, username: str) -> RecordSummary:
    return RecordSummary(
        uuid=row.uuid,
        reg_no=row.reg_no,
        station_seq=row.station_seq,
        state=row.state,
        name=row.name_search,
        operator=username,
        created_at=row.created_at,
        sealed_at=row.sealed_at,
    )

"""The hash-chained audit log.

Each row stores hash = SHA-256(previous row's hash || canonical content), where the
canonical content is the row's own fields as sorted, compact JSON. Changing, deleting
or reordering any row breaks every hash after it, which `verify_chain` names.
Appends happen inside the caller's write transaction (BEGIN IMMEDIATE), so two
writers can never chain onto the same predecessor.

Details must never carry a NIK or biometric data: name records by registration number
or UUID.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from common.text import Text
from store.models import AuditEvent
from store.types import utcnow

GENESIS = "0" * 64
_LAST = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
_INSERT = cast(Table, AuditEvent.__table__).insert()


def canonical(seq: int, at: datetime, actor: str | None, action: str, target: str | None, detail: str) -> bytes:
    body = {
        "seq": seq,
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "action": action,
        "target": target,
        "detail": detail,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + content).hexdigest()


def append(
    session: Session,
    action: str,
    *,
    actor: str | None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> str:
    """Append one event inside the caller's write transaction; returns its hash."""
    return append_on(session.connection(), action, actor=actor, target=target, detail=detail, at=at)


def append_on(
    conn: Connection,
    action: str,
    *,
    actor: str | None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> str:
    """`append` for code that holds the transaction's Connection (a seal hook)."""
    last = conn.execute(_LAST).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = at or utcnow()
    detail_json = json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    row_hash = chain_hash(prev, canonical(seq, at, actor, action, target, detail_json))
    conn.execute(
        _INSERT,
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "target": target,
            "detail": detail_json,
            "prev_hash": prev,
            "hash": row_hash,
        },
    )
    return row_hash


SEQUENCE_JUMP = Text(
    "nomor urut melompat dari {before} ke {seq} (ada baris yang dihapus)",
    "sequence jumps from {before} to {seq} (rows deleted)",
)
LINK_BROKEN = Text("tautan ke hash sebelumnya putus", "previous-hash link broken")
ROW_ALTERED = Text("isi tidak cocok dengan hash-nya (baris diubah)", "content does not match its hash (row altered)")


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    text: Text  # what is wrong, in both languages (the supervisor's console shows it)

    @property
    def problem(self) -> str:
        """In English, for the command line's check report and the logs."""
        return self.text.en


def verify_chain(session: Session) -> tuple[int, list[ChainProblem]]:
    """Recompute the whole chain; returns (rows checked, problems)."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    expected_seq = 1
    count = 0
    rows = session.execute(
        select(
            AuditEvent.seq,
            AuditEvent.at,
            AuditEvent.actor,
            AuditEvent.action,
            AuditEvent.target,
            AuditEvent.detail,
            AuditEvent.prev_hash,
            AuditEvent.hash,
        ).order_by(AuditEvent.seq)
    )
    for seq, at, actor, action, target, detail, prev_hash, row_hash in rows:
        count += 1
        if seq != expected_seq:
            problems.append(ChainProblem(seq, SEQUENCE_JUMP.format(before=expected_seq - 1, seq=seq)))
        if prev_hash != prev:
            problems.append(ChainProblem(seq, LINK_BROKEN))
        if chain_hash(prev_hash, canonical(seq, at, actor, action, target, detail)) != row_hash:
            problems.append(ChainProblem(seq, ROW_ALTERED))
        prev = row_hash
        expected_seq = seq + 1
    return count, problems

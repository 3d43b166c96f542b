"""The store's side of the daily recap: per operator, what was sealed in a time window.

Two grouped queries (records, and exception items by kind), never a row per record in
Python, so a busy day at a counter is a few milliseconds. Item kinds are grouped by
their prefix (finger_1..finger_10 -> finger, iris_left/iris_right -> iris), so a new
finger or iris kind needs no change here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select, type_coerce

from store.db import Database
from store.models import BiometricItem, Enrollment, Operator
from store.states import AT_CENTRE, UNSYNCED, RecordState
from store.types import UTCDateTime


@dataclass
class OperatorCounts:
    """One operator's records sealed in the window, by what became of them."""

    username: str
    full_name: str
    sealed: int = 0
    sent: int = 0  # the centre holds them (its verified verdict says so)
    rejected: int = 0  # by the centre (its verified verdict)
    withdrawn: int = 0  # rejected by the supervisor at end-of-day approval (never sent)
    awaiting_approval: int = 0
    waiting: int = 0  # sealed, not yet known to be at the centre (awaiting approval included)
    oldest_waiting_sealed_at: datetime | None = None
    exceptions: dict[str, int] = field(default_factory=dict)  # item kind group -> excepted items


def kind_group(kind: str) -> str:
    """finger_7 -> finger, iris_left -> iris, face -> face, signature -> signature."""
    return kind.split("_", 1)[0]


def operator_counts(db: Database, start: datetime, end: datetime) -> list[OperatorCounts]:
    """Per operator, the records sealed in [start, end) (aware UTC times), by username."""
    in_window = (Enrollment.sealed_at >= start) & (Enrollment.sealed_at < end)
    waiting = Enrollment.state.in_([str(s) for s in (*UNSYNCED, RecordState.PENDING_APPROVAL)])
    with db.read() as session:
        rows = session.execute(
            select(
                Operator.username,
                Operator.full_name,
                func.count(),
                _count_in(AT_CENTRE),
                _count_in((RecordState.REJECTED,)),
                _count_in((RecordState.WITHDRAWING, RecordState.WITHDRAWN)),
                _count_in((RecordState.PENDING_APPROVAL,)),
                func.sum(case((waiting, 1), else_=0)),
                # typed, or SQLite hands back the stored text: MIN loses the column type
                type_coerce(func.min(case((waiting, Enrollment.sealed_at), else_=None)), UTCDateTime()),
            )
            .join(Operator, Operator.id == Enrollment.operator_id)
            .where(in_window)
            .group_by(Operator.username, Operator.full_name)
        ).all()
        out = {
            username: OperatorCounts(
                username=username,
                full_name=full_name,
                sealed=int(sealed),
                sent=int(sent or 0),
                rejected=int(rejected or 0),
                withdrawn=int(withdrawn or 0),
                awaiting_approval=int(awaiting or 0),
                waiting=int(n_waiting or 0),
                oldest_waiting_sealed_at=oldest,
            )
            for username, full_name, sealed, sent, rejected, withdrawn, awaiting, n_waiting, oldest in rows
        }
        excepted = session.execute(
            select(Operator.username, BiometricItem.kind, func.count())
            .join(Enrollment, Enrollment.id == BiometricItem.enrollment_id)
            .join(Operator, Operator.id == Enrollment.operator_id)
            .where(in_window, BiometricItem.exception_reason.is_not(None))
            .group_by(Operator.username, BiometricItem.kind)
        ).all()
    for username, kind, n in excepted:
        counts = out[username].exceptions
        group = kind_group(kind)
        counts[group] = counts.get(group, 0) + int(n)
    return sorted(out.values(), key=lambda c: c.username)


def _count_in(states: Sequence[str]) -> ColumnElement[int]:
    return func.sum(case((Enrollment.state.in_([str(s) for s in states]), 1), else_=0))

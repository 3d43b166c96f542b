"""Operator accounts as plain data; the login rules live in station.auth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import Database
from store.models import Operator


@dataclass(frozen=True)
class OperatorRecord:
    username: str
    full_name: str
    role: str
    password_hash: str
    failed_attempts: int
    locked_until: datetime | None
    active: bool
    created_at: datetime
    must_change_password: bool = False  # set by a supervisor's add or reset (migration 0006)


def to_record(row: Operator) -> OperatorRecord:
    return OperatorRecord(
        row.username,
        row.full_name,
        row.role,
        row.password_hash,
        row.failed_attempts,
        row.locked_until,
        row.active,
        row.created_at,
        bool(row.must_change_password),
    )


class OperatorRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, username: str) -> OperatorRecord | None:
        with self.db.read() as session:
            row = session.scalar(select(Operator).where(Operator.username == username))
            return None if row is None else to_record(row)

    def list(self) -> list[OperatorRecord]:
        with self.db.read() as session:
            return [to_record(r) for r in session.scalars(select(Operator).order_by(Operator.username))]

    @staticmethod
    def row(session: Session, username: str) -> Operator | None:
        return session.scalar(select(Operator).where(Operator.username == username))

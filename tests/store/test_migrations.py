"""Alembic migrations bring an empty database to head, matching the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from store.db import HEAD_REVISION, Database, current_revision, head_revision
from store.models import Base
from tests.conftest import database_at_revision


@pytest.mark.real_migrations
def test_empty_database_migrates_to_head_and_matches_the_models(tmp_path: Path):
    db = Database(tmp_path / "empty.db")
    assert current_revision(db.engine) is None
    db.open()
    assert current_revision(db.engine) == head_revision()
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"station", "operators", "enrollments", "biometric_items", "status_events", "audit_events"} <= tables


def test_opening_twice_is_a_no_op_and_pragmas_hold(tmp_path: Path):
    path = tmp_path / "s.db"
    Database(path).open()
    db = Database(path)
    db.open()
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    assert (path.stat().st_mode & 0o077) == 0  # owner-only database file


def test_head_constant_matches_alembic_head():
    assert HEAD_REVISION == head_revision()


def test_a_database_at_the_first_revision_upgrades_keeping_its_rows(tmp_path: Path):
    db = Database(database_at_revision(tmp_path / "old.db", "0001", next_seq=7))
    db.open()
    assert current_revision(db.engine) == HEAD_REVISION
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT next_seq FROM station")).scalar() == 7
        assert conn.execute(text("SELECT count(*) FROM selftest_runs")).scalar() == 0

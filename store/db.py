"""Opening the SQLite store: pragmas, migrations, one writer at a time.

Traps this module handles:
- pysqlite's own transaction handling defers BEGIN and cannot do BEGIN IMMEDIATE;
  a deferred read that later writes can fail at once with "database is locked"
  instead of waiting. We switch the driver to autocommit and issue BEGIN ourselves:
  DEFERRED for reads, IMMEDIATE for writes, so writers queue on the busy timeout.
- WAL with synchronous=FULL: a commit is on disk when it returns, so a record
  reported sealed survives a power cut.
- One writer per process (a lock) plus SQLite's file lock across processes
  (the app, `station sync`, the CLI).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from common.errors import StorageError
from common.text import Text

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration. Opening the store compares the database with this constant
# instead of importing Alembic (a fifth of a second at every start); a test checks
# that it equals Alembic's own head, and Alembic runs only when an upgrade is due.
HEAD_REVISION = "0008"
BUSY_TIMEOUT_MS = 30_000


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, see module docstring
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _on_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(db_path: Path) -> Engine:
    if not db_path.exists():
        # WAL and SHM files inherit the database file's mode: make it owner-only first.
        db_path.touch(mode=0o600)
    # hide_parameters: an error message must never carry a name or a ciphertext into a log.
    engine = create_engine(
        f"sqlite:///{db_path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """Alembic's head, read from the migration scripts (slow: for tests and upgrades)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to head; one small query when it is already there."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    log.info("migrating the store to %s", HEAD_REVISION)
    command.upgrade(alembic_config(engine), "head")


class Database:
    """The engine plus the rules for using it: read sessions and one writer at a time."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path
        self.engine = make_engine(db_path)
        self._write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write_lock = threading.Lock()

    def open(self) -> None:
        try:
            migrate(self.engine)
        except OperationalError as exc:
            raise StorageError(
                Text(f"Basis data {self.path} tidak dapat dibuka: {exc.orig}", f"Cannot open {self.path}: {exc.orig}"),
                code="storage.open",
            ) from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error."""
        with self._write_lock:
            started = time.monotonic()
            try:
                with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
                    yield session
            except OperationalError as exc:
                raise _storage_error(exc) from exc
            finally:
                took = time.monotonic() - started
                if took > 1.0:
                    log.warning("write transaction took %.2f s", took)

    def close(self) -> None:
        self.engine.dispose()


def _storage_error(exc: OperationalError) -> StorageError:
    text = str(exc.orig)
    if "disk is full" in text or "database or disk is full" in text:
        return StorageError(
            Text(
                "Disk penuh: rekaman tidak disimpan. Kosongkan ruang disk lalu ulangi; tidak ada data yang hilang.",
                "The disk is full: the record was not saved. Free disk space and try again; nothing was lost.",
            ),
            code="storage.disk_full",
        )
    if "locked" in text:
        return StorageError(
            Text("Basis data sedang sibuk; coba lagi.", "The database is busy; try again."), code="storage.busy"
        )
    return StorageError(Text(f"Kesalahan basis data: {text}", f"Database error: {text}"), code="storage.error")

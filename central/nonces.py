"""Replay refusal: every request nonce is remembered for the skew window, in the database.

A signed request is valid for skew_s either side of its X-Date, so a captured one
could be sent again within that window; its nonce (wire.auth) makes it unique, and
this store refuses a nonce it has already seen from that station (`auth.replay`).
Traps:
- The store is a table (`central.db.request_nonces`), not process memory, because
  several `serve` processes may share one database: a request replayed to another
  node must be refused there too. The primary key (station, nonce) is the whole
  check: the INSERT of a repeat fails, whichever node saw it first.
- Only nonces of requests whose signature verified are inserted, so a client without
  a station key can never fill the table.
- A nonce may be forgotten once no request carrying it can pass the clock check any
  more: it was first seen at most skew_s before its X-Date and that X-Date stops
  being accepted skew_s after it, so rows older than 2 x skew_s go. Pruning is done
  every `prune_every` inserts, at most `prune_batch` rows at a time, so no request
  pays for an unbounded delete and the table stays near (rate x 2 x skew) rows.
- Cost: the insert is a write per request. It runs on its own connections that
  trade durability for speed (SQLite synchronous=NORMAL in WAL mode, PostgreSQL
  synchronous_commit=off): a nonce is never lost on a process crash, only on a
  power cut (or PostgreSQL crash) within a second of it, and then at worst one
  request from before the cut could be replayed within its skew window. That is
  safe because every receiver operation is idempotent (a register, a chunk at an
  offset, a commit of a record already received all answer as the first time did):
  a replay within the window can only repeat an effect, never add one. Records
  themselves keep the receiver's full durability (their own engine, synchronous).
- PostgreSQL: the nonce engine runs in autocommit with synchronous_commit=off set
  once per connection (like lock_timeout in central.db.make_engine), so a request
  pays ONE round trip for its nonce, not four (BEGIN, SET LOCAL, INSERT, COMMIT).
  The trap: that setting must never leak to the records' engine; it lives only on
  this engine's own pool. A prune is its own autocommit statement (a lost prune is
  redone by the next one).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, event, func, insert, select, tuple_
from sqlalchemy.exc import IntegrityError

from central.db import make_engine, read, request_nonces, write

log = logging.getLogger(__name__)

PRUNE_EVERY = 64
PRUNE_BATCH = 1024  # > PRUNE_EVERY, so pruning outpaces inserts once rows age out


def _relaxed_sqlite(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per commit; safe against a process crash
    cur.close()


def _relaxed_postgresql(dbapi_conn: Any, _record: Any) -> None:
    with dbapi_conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")  # this engine's connections only (see Traps)
    dbapi_conn.commit()


_INSERT = insert(request_nonces)  # built once: building a statement per call costs more than running it


class NonceStore:
    """Remembers (station, nonce) pairs for 2 x skew; thread-safe, one per app."""

    def __init__(
        self, url: str, *, skew_s: float, prune_every: int = PRUNE_EVERY, prune_batch: int = PRUNE_BATCH
    ) -> None:
        self.engine = make_engine(url)
        self._sqlite = url.startswith("sqlite")
        if self._sqlite:
            event.listen(self.engine, "connect", _relaxed_sqlite)  # after make_engine's FULL: this wins
        else:
            event.listen(self.engine, "connect", _relaxed_postgresql)
        self._auto = self.engine.execution_options(isolation_level="AUTOCOMMIT")  # same pool
        self.keep = timedelta(seconds=2 * skew_s)
        self.prune_every = prune_every
        self.prune_batch = prune_batch
        self._lock = threading.Lock()
        self._inserts = 0

    def close(self) -> None:
        self.engine.dispose()

    def remember(self, station: str, nonce: str, now: datetime) -> bool:
        """Record the nonce; False if this station already used it (a replay)."""
        with self._lock:
            prune = self._inserts % self.prune_every == 0
            self._inserts += 1
        values = {"station": station, "nonce": nonce, "seen_at": now}
        if not self._sqlite:  # autocommit: the INSERT is its own transaction, one round trip
            with self._auto.connect() as conn:
                try:
                    conn.execute(_INSERT, values)
                except IntegrityError:
                    return False
                if prune:
                    self._prune(conn, now)
            return True
        try:
            with write(self.engine) as conn:
                conn.execute(_INSERT, values)
                if prune:
                    self._prune(conn, now)
        except IntegrityError:
            return False
        return True

    def _prune(self, conn: Connection, now: datetime) -> None:
        old = (
            select(request_nonces.c.station, request_nonces.c.nonce)
            .where(request_nonces.c.seen_at < now - self.keep)
            .limit(self.prune_batch)
        )
        gone = conn.execute(
            delete(request_nonces).where(tuple_(request_nonces.c.station, request_nonces.c.nonce).in_(old))
        ).rowcount
        if gone:
            log.debug("pruned %d request nonces", gone)

    def count(self) -> int:
        """Rows held (for tests and the operator's curiosity)."""
        with read(self.engine) as conn:
            return int(conn.execute(select(func.count()).select_from(request_nonces)).scalar_one())

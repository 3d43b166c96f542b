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
- The app calls `remember_async` on the event loop. On PostgreSQL it uses psycopg's
  own asyncio connections (`_AsyncNonces`, at most ASYNC_CONNECTIONS per process), so a
  request's nonce costs no hand-off to a worker thread and back: that hand-off, twice
  per request, was a tenth of a receiver's CPU under load. Same statement, same
  settings (autocommit, synchronous_commit off), same table. SQLite has no asyncio
  driver here: it runs `remember` in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import Connection, delete, event, func, insert, select, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from central.db import UTCDateTime, make_engine, read, request_nonces, write

log = logging.getLogger(__name__)

PRUNE_EVERY = 64
PRUNE_BATCH = 1024  # > PRUNE_EVERY, so pruning outpaces inserts once rows age out
ASYNC_CONNECTIONS = 8  # per process; a nonce insert holds one for a round trip
CONNECT_TIMEOUT_S = 10


class NonceStoreUnavailable(Exception):
    """The nonce table could not be written (the database is down or refuses): 503."""


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

        self._async: _AsyncNonces | None = None if self._sqlite else _AsyncNonces(self, url)

    def close(self) -> None:
        self.engine.dispose()

    async def aclose(self) -> None:
        """Close the asyncio connections (on the loop that opened them)."""
        if self._async is not None:
            await self._async.close()

    def _next_prunes(self) -> bool:
        with self._lock:
            prune = self._inserts % self.prune_every == 0
            self._inserts += 1
        return prune

    async def remember_async(self, station: str, nonce: str, now: datetime) -> bool:
        """`remember`, from the event loop: on PostgreSQL without a worker thread."""
        if self._async is None:
            return await run_in_threadpool(self.remember, station, nonce, now)
        return await self._async.remember(station, nonce, now, prune=self._next_prunes())

    def remember(self, station: str, nonce: str, now: datetime) -> bool:
        """Record the nonce; False if this station already used it (a replay)."""
        prune = self._next_prunes()
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

    def _prune_statement(self, now: datetime) -> Any:
        old = (
            select(request_nonces.c.station, request_nonces.c.nonce)
            .where(request_nonces.c.seen_at < now - self.keep)
            .limit(self.prune_batch)
        )
        return delete(request_nonces).where(tuple_(request_nonces.c.station, request_nonces.c.nonce).in_(old))

    def _prune(self, conn: Connection, now: datetime) -> None:
        gone = conn.execute(self._prune_statement(now)).rowcount
        if gone:
            log.debug("pruned %d request nonces", gone)

    def count(self) -> int:
        """Rows held (for tests and the operator's curiosity)."""
        with read(self.engine) as conn:
            return int(conn.execute(select(func.count()).select_from(request_nonces)).scalar_one())


_PG = postgresql.psycopg.dialect()  # type: ignore[attr-defined]
_STAMP = UTCDateTime()


class _AsyncNonces:
    """The PostgreSQL nonce insert on psycopg's asyncio connections: a small pool of at
    most ASYNC_CONNECTIONS, made on first use on the loop that uses them (each `serve`
    worker has its own). A connection that fails is dropped, not returned."""

    def __init__(self, store: NonceStore, url: str) -> None:
        self._store = store
        sa_url = make_url(url)
        self._conninfo = psycopg.conninfo.make_conninfo(
            host=sa_url.host or "",
            port=sa_url.port or "",
            dbname=sa_url.database or "",
            user=sa_url.username or "",
            password=sa_url.password or "",
            **{k: str(v) for k, v in sa_url.query.items()},
        )
        self._insert = str(_INSERT.compile(dialect=_PG))
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._open = 0
        self._freed: asyncio.Condition | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _take(self) -> psycopg.AsyncConnection[Any]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (a test client's): the old one's connections are not usable here
            self._loop, self._freed, self._idle, self._open = loop, asyncio.Condition(), [], 0
        assert self._freed is not None
        async with self._freed:
            while not self._idle and self._open >= ASYNC_CONNECTIONS:
                await self._freed.wait()
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
            )
            await conn.execute("SET synchronous_commit = off")
            return conn
        except BaseException:
            await self._give(None)
            raise

    async def _give(self, conn: psycopg.AsyncConnection[Any] | None) -> None:
        assert self._freed is not None
        async with self._freed:
            if conn is None:
                self._open -= 1
            else:
                self._idle.append(conn)
            self._freed.notify()

    async def remember(self, station: str, nonce: str, now: datetime, *, prune: bool) -> bool:
        values = {"station": station, "nonce": nonce, "seen_at": _STAMP.process_bind_param(now, _PG)}
        try:
            conn = await self._take()
        except psycopg.Error as exc:
            raise NonceStoreUnavailable(type(exc).__name__) from None
        healthy = False
        try:
            try:
                await conn.execute(self._insert, values)
            except psycopg.errors.UniqueViolation:
                healthy = True
                return False
            if prune:  # the blocking path's statement, its values written in (all ours, never the client's)
                sql = self._store._prune_statement(now).compile(dialect=_PG, compile_kwargs={"literal_binds": True})
                cur = await conn.execute(str(sql))
                if cur.rowcount:
                    log.debug("pruned %d request nonces", cur.rowcount)
            healthy = True
            return True
        except psycopg.Error as exc:
            raise NonceStoreUnavailable(type(exc).__name__) from None
        finally:
            if healthy and not conn.closed:
                await self._give(conn)
            else:
                await conn.close()
                await self._give(None)

    async def close(self) -> None:
        for conn in self._idle:
            await conn.close()
        self._idle.clear()

"""The receiver's tables (SQLAlchemy Core) and its engine, SQLite by default or PostgreSQL.

Traps:
- SQLite: a deferred transaction that reads and then writes can fail at once with
  "database is locked" when another writer got there first (the lock upgrade is not
  retried). Write transactions therefore start with BEGIN IMMEDIATE and wait on
  busy_timeout; read transactions stay deferred so WAL readers never block.
- A receipt is only as durable as the commit before it: SQLite runs with
  synchronous=FULL, PostgreSQL with its default synchronous_commit=on.
- server_seq is unique and increasing per station (a station's commits are serialised
  by its lock). On PostgreSQL it comes from a SEQUENCE: a one-row counter updated in
  the commit's transaction made every commit in the country wait for the previous
  one's WAL flush (its row lock is held to the end of the transaction), which
  bench_central showed as the commits' main wait. A sequence number is taken without a
  lock, so across stations server_seq follows commit order only approximately and may
  have gaps (a rolled-back commit). Nothing reads it as a gap-free cursor; the
  duplicate check orders residents' records by it, and its downstream answer is only
  given `downstream_delay_s` after the receipt, when every earlier number has long
  committed or vanished. On SQLite (one writer at a time anyway) the counter row stays.
- A record is (station, record_uuid): one station can neither see nor block another's
  uuid. station_seq is unique per station (a second uuid under a taken number is
  refused), and a lineage names its station too, so a copied uuid is no way out of
  the duplicate check.
- There are no migrations here (create_all only adds missing tables), so the schema
  carries a version (central_schema). A version-1 database is upgraded in one
  transaction when it can be (`_upgrade_from_1`), a version-2 one by moving its home's
  spool into the database (central.spool); otherwise refused with what to do. A
  database of an unknown or newer version is refused. Never used as it was.
- Schema work runs in one write transaction under the schema lock (`schema_lock`), so
  `serve --workers N` starting N processes at once on a new or old database creates or
  upgrades it once, and the others wait and then find it done.
- Packet bytes are in the database (version 3): an upload's offset is the sum of its
  stored chunks' lengths (a length column, so reading it never loads the bytes), never
  a second copy that could disagree. On PostgreSQL the byte columns are stored
  EXTERNAL: the packets are encrypted, so compressing them only costs CPU.
- A station's writers are serialised by `station_lock`, taken first in the write
  transaction: pg_advisory_xact_lock on PostgreSQL (released by the commit or the
  rollback, and by the server if the node dies), nothing more on SQLite, whose
  BEGIN IMMEDIATE already serialises every writer across processes. The wait is
  bounded by lock_timeout, set once per connection (make_engine) rather than by a SET
  LOCAL in every transaction: one round trip less per request. The keys live in one
  namespace per database: two centres in two schemas of one database would share them
  (a wait, never a wrong answer).
- The SQLite file is created owner-only before SQLite opens it (SQLite copies its
  mode to the -wal and -shm files), and tightened if it already exists.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

WRITE = "central_write"
SERVER_SEQ = "server_seq"
# 1: records keyed by record_uuid alone (before the trust work). 2: keyed by (station,
# record_uuid), station_seq unique per station, station-qualified lineages. 3: packet
# bytes, partial uploads and set-aside packets in the database instead of a spool.
SCHEMA_VERSION = 3
LOCK_NAMESPACE = b"ektp-central/lock/v1\0"  # our advisory lock keys, apart from anyone else's


class SchemaMismatch(Exception):
    """The database was made by another version of station-central; it is not used."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC time stored as fixed-width ISO text: the same on SQLite and PostgreSQL."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value).astimezone(UTC)  # "...Z" is UTC; 20x faster than strptime


metadata = MetaData()

stations = Table(
    "stations",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("public_key_pem", Text, nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
)

schema_info = Table(
    "central_schema",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("station", String(64), ForeignKey("stations.code"), primary_key=True),
    Column("record_uuid", String(64), primary_key=True),  # canonical: lower-case 8-4-4-4-12
    Column("station_seq", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    # registered -> received | rejected; "partial" is registered with bytes on disk
    Column("state", String(16), nullable=False),
    Column("reason", String(64), nullable=True),
    Column("registered_at", UTCDateTime(), nullable=False),
    Column("received_at", UTCDateTime(), nullable=True),
    Column("server_seq", BigInteger, nullable=True, unique=True),
    Column("receipt_id", String(64), nullable=True, unique=True),
    # HMAC of the NIK (never the NIK) and the correction lineage ("STATION/ROOT-UUID"),
    # for the duplicate check
    Column("nik_hash", String(64), nullable=True, index=True),
    Column("lineage", String(128), nullable=True),
    Column("commit_count", Integer, nullable=False, default=0),
    Column("via", String(16), nullable=True),
    Index("ux_records_station_seq", "station", "station_seq", unique=True),
)

# The bytes of uploads in progress: one row per verified chunk, appended at the stored
# offset (the sum of `length`) under the station lock, deleted when the record is settled.
upload_chunks = Table(
    "upload_chunks",
    metadata,
    Column("station", String(64), primary_key=True),
    Column("record_uuid", String(64), primary_key=True),
    Column("start", BigInteger, primary_key=True),
    Column("length", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    ForeignKeyConstraint(["station", "record_uuid"], ["records.station", "records.record_uuid"]),
)

# Received packets, written once in the transaction that marks the record received.
packets = Table(
    "packets",
    metadata,
    Column("station", String(64), primary_key=True),
    Column("record_uuid", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    ForeignKeyConstraint(["station", "record_uuid"], ["records.station", "records.record_uuid"]),
)

# Packets set aside for inquiry: failed verification (the record is rejected) or did not
# match the registered SHA-256 (the upload restarted). No foreign key: a spool imported
# from version 2 may hold bytes of rows it no longer has, and they are kept all the same.
rejected_packets = Table(
    "rejected_packets",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("station", String(64), nullable=False),
    Column("record_uuid", String(64), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("set_aside_at", UTCDateTime(), nullable=False),
    Column("sha256", String(64), nullable=False),  # of `data`, which may differ from the registered one
    Column("data", LargeBinary, nullable=False),
    Index("ix_rejected_packets_record", "station", "record_uuid"),
)

# Version-2 spools moved into this database, by home: a start that finds such a spool
# still in place knows whether an upgrade already imported it (then it only moves it aside).
spool_imports = Table(
    "spool_imports",
    metadata,
    Column("home", String(1024), primary_key=True),
    Column("imported_at", UTCDateTime(), nullable=False),
    Column("summary", Text, nullable=False),
)

BYTE_COLUMNS = ((upload_chunks, "data"), (packets, "data"), (rejected_packets, "data"))

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# Request nonces seen within the skew window (central/nonces.py): a repeat is a replay.
# Shared by every `serve` process on the database; rows older than 2 x skew are pruned.
request_nonces = Table(
    "request_nonces",
    metadata,
    Column("station", String(64), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", UTCDateTime(), nullable=False, index=True),
)


def make_engine(url: str, *, lock_timeout_s: float | None = None) -> Engine:
    """The engine for `url`. On PostgreSQL, `lock_timeout_s` bounds every lock wait of
    every statement (set once per connection, so a request pays no round trip for it)."""
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No pool_pre_ping: it costs a round trip per transaction. A connection the server
    # dropped fails its request once (503 server.busy, the station retries) and the pool
    # is invalidated and refilled.
    engine = create_engine(url)
    if lock_timeout_s is not None:
        millis = max(1, int(lock_timeout_s * 1000))

        def bound_lock_waits(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = {millis}")
            dbapi_conn.commit()

        event.listen(engine, "connect", bound_lock_waits)
    return engine


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use 0644), and tighten
    an existing one and its -wal/-shm/-journal to 0600, whatever they were."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # Never open and close an existing database file: closing any descriptor of it drops
    # every POSIX lock this process's SQLite connections hold on it (a second engine in
    # the same process, the nonce store's, did that), and another process then deletes
    # the WAL under this one: committed records were lost.
    try:
        os.close(os.open(database, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.chmod(database + suffix, 0o600)
        except FileNotFoundError:
            pass


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = bool(conn.get_execution_options().get(WRITE))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_schema(engine: Engine, home: Path | None = None) -> None:
    """Create what is missing, upgrade an older schema (version 2 needs `home`, whose
    spool it moves into the database) and check the version; raise SchemaMismatch for a
    database that cannot be used. One transaction under the schema lock: all or nothing,
    and once however many processes start at the same time."""
    from central.spool import import_v2_spool, move_imported_spool  # the spool module uses these tables

    with write(engine) as conn:
        schema_lock(conn)
        found = inspect(conn)
        if found.has_table(records.name) and not found.has_table(schema_info.name):
            _upgrade_from_1(conn, engine)
        new_byte_tables = not inspect(conn).has_table(packets.name)
        metadata.create_all(conn)
        if new_byte_tables and conn.dialect.name == "postgresql":
            for table, column in BYTE_COLUMNS:
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ALTER COLUMN {column} SET STORAGE EXTERNAL")
        if conn.execute(select(schema_info.c.version).where(schema_info.c.id == 1)).first() is None:
            conn.execute(insert(schema_info).values(id=1, version=SCHEMA_VERSION))
        if conn.execute(select(counters.c.value).where(counters.c.name == SERVER_SEQ)).first() is None:
            conn.execute(insert(counters).values(name=SERVER_SEQ, value=0))
        if conn.dialect.name == "postgresql":
            _server_seq_sequence(conn)
        version = conn.execute(select(schema_info.c.version).where(schema_info.c.id == 1)).scalar()
        if version == 2:
            if home is None:
                raise SchemaMismatch(_mismatch_message(engine, 2) + "; upgrade it with the home that holds its spool")
            import_v2_spool(conn, home, where=_where(engine))
            conn.execute(update(schema_info).where(schema_info.c.id == 1).values(version=SCHEMA_VERSION))
            version = SCHEMA_VERSION
            log.warning("upgraded the centre database to schema version %d", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise SchemaMismatch(_mismatch_message(engine, version))
    if home is not None:
        move_imported_spool(engine, home)


def schema_lock(conn: Connection) -> None:
    """Serialise schema work across processes (PostgreSQL; SQLite's BEGIN IMMEDIATE does).
    Waited for without a bound: another node may be moving a large spool in."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("schema")})


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for `name`, in our namespace."""
    digest = hashlib.sha256(LOCK_NAMESPACE + name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LockBusy(Exception):
    """The station's lock was not free within the wait allowed."""


_STATION_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def station_lock(conn: Connection, station: str) -> None:
    """Serialise a station's writers: call first in the write transaction. PostgreSQL:
    a transaction-scoped advisory lock, waited for at most the engine's lock_timeout
    (make_engine; then LockBusy), held until the commit or rollback. SQLite: nothing,
    BEGIN IMMEDIATE already did it, database-wide and across processes."""
    if conn.dialect.name != "postgresql":
        return
    try:
        conn.execute(_STATION_LOCK, {"key": lock_key("station:" + station)})
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise LockBusy(station) from None
        raise


def stored_length() -> Any:
    """Bytes stored so far for the `records` row of the enclosing query (a scalar
    subquery over the chunks' lengths: the data itself is never read)."""
    return (
        select(func.coalesce(func.sum(upload_chunks.c.length), 0))
        .where(upload_chunks.c.station == records.c.station, upload_chunks.c.record_uuid == records.c.record_uuid)
        .scalar_subquery()
    )


V1_COLUMNS = (
    "record_uuid",
    "station",
    "station_seq",
    "sha256",
    "size",
    "state",
    "reason",
    "registered_at",
    "received_at",
    "server_seq",
    "receipt_id",
    "nik_hash",
    "lineage",
    "commit_count",
    "via",
)


def _upgrade_from_1(conn: Connection, engine: Engine) -> None:
    """Version 1 -> 2, in the caller's transaction: the rows are read, the old table
    dropped and the new one filled (uuids lower-cased, lineages named by station). A
    database whose rows break the new rules (one station_seq under two uuids, a uuid in
    two cases) cannot be upgraded: refused, naming why, and left exactly as it was."""
    old = Table(records.name, MetaData(), autoload_with=conn)
    if not set(V1_COLUMNS) <= set(old.c.keys()):
        raise SchemaMismatch(_mismatch_message(engine, None))
    columns = [type_coerce(old.c[name], records.c[name].type).label(name) for name in V1_COLUMNS]
    rows = [dict(r) for r in conn.execute(select(*columns)).mappings()]
    for row in rows:
        row["record_uuid"] = str(row["record_uuid"]).lower()
        row["lineage"] = f"{row['station']}/{str(row['lineage']).lower()}" if row["lineage"] else None
    for key, what in (("station_seq", "station_seq"), ("record_uuid", "uuid")):
        taken = Counter((row["station"], row[key]) for row in rows)
        clash = sorted((station, value) for (station, value), n in taken.items() if n > 1)
        if clash:
            station, value = clash[0]
            raise SchemaMismatch(
                _mismatch_message(engine, 1)
                + f". It cannot be upgraded in place: station {station} has {len(clash)} {what} value(s) "
                f"held by more than one record (the first: {value})"
            )
    old.drop(conn)
    schema_info.create(conn)
    records.create(conn)
    if rows:
        conn.execute(insert(records), rows)
    conn.execute(insert(schema_info).values(id=1, version=2))
    log.warning("upgraded the centre database to schema version 2 (%d records)", len(rows))


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _mismatch_message(engine: Engine, version: int | None) -> str:
    where = _where(engine)
    if version is not None and version > SCHEMA_VERSION:
        return (
            f"the database {where} has schema version {version}, made by a newer station-central; "
            f"this one knows version {SCHEMA_VERSION}: run the newer station-central"
        )
    return (
        f"the database {where} has schema version {version or 'unknown'}, made by an older station-central; this one "
        f"needs version {SCHEMA_VERSION} (records keyed per station, station_seq unique per station). "
        "Keep the old database for inquiry and start this centre on a new one (move central.db aside "
        "or give --db another database, then `station-central init` and `stations add` again); each "
        "station then sends every record it holds no receipt for"
    )


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed on leaving the block, rolled back on an exception."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


_NEXT_SERVER_SEQ = (
    update(counters).where(counters.c.name == SERVER_SEQ).values(value=counters.c.value + 1).returning(counters.c.value)
)
SERVER_SEQ_SEQUENCE = "central_server_seq"  # PostgreSQL only; in the schema on the search_path
_NEXTVAL = text(f"SELECT nextval('{SERVER_SEQ_SEQUENCE}')")


def next_server_seq(conn: Connection) -> int:
    """The next server_seq for a commit in the caller's transaction: a sequence number on
    PostgreSQL (no lock held to the commit), the counter row on SQLite (see the traps)."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(_NEXTVAL).scalar_one())
    return int(conn.execute(_NEXT_SERVER_SEQ).scalar_one())


def _server_seq_sequence(conn: Connection) -> None:
    """Create the PostgreSQL sequence if missing and make sure it is past every number
    already given out (the counter row of a database made before the sequence, or
    records), so no server_seq is ever handed out twice. Under the schema lock."""
    conn.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {SERVER_SEQ_SEQUENCE} AS BIGINT MINVALUE 1")
    given = max(
        int(conn.execute(select(func.coalesce(func.max(records.c.server_seq), 0))).scalar_one()),
        int(conn.execute(select(counters.c.value).where(counters.c.name == SERVER_SEQ)).scalar() or 0),
    )
    last, called = conn.execute(text(f"SELECT last_value, is_called FROM {SERVER_SEQ_SEQUENCE}")).one()
    if given > 0 and (int(last) < given or (int(last) == given and not called)):
        conn.execute(text("SELECT setval(:name, :value, true)"), {"name": SERVER_SEQ_SEQUENCE, "value": given})

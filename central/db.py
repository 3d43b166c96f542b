"""The receiver's tables (SQLAlchemy Core) and its engine, SQLite by default or PostgreSQL.

Traps:
- SQLite: a deferred transaction that reads and then writes can fail at once with
  "database is locked" when another writer got there first (the lock upgrade is not
  retried). Write transactions therefore start with BEGIN IMMEDIATE and wait on
  busy_timeout; read transactions stay deferred so WAL readers never block.
- A receipt is only as durable as the commit before it: SQLite runs with
  synchronous=FULL, PostgreSQL with its default synchronous_commit=on.
- server_seq comes from a one-row counter updated inside the commit's transaction:
  gap-free, monotonic in commit order (the row lock serialises committers), unlike
  a PostgreSQL SEQUENCE, which is not transactional.
- A record is (station, record_uuid): one station can neither see nor block another's
  uuid. station_seq is unique per station (a second uuid under a taken number is
  refused), and a lineage names its station too, so a copied uuid is no way out of
  the duplicate check.
- There are no migrations here (create_all only adds missing tables), so the schema
  carries a version (central_schema). A version-1 database is upgraded in one
  transaction when it can be (`_upgrade_from_1`), otherwise refused with what to do;
  a database of an unknown or newer version is refused. Never used as it was.
- The SQLite file is created owner-only before SQLite opens it (SQLite copies its
  mode to the -wal and -shm files), and tightened if it already exists.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    inspect,
    select,
    type_coerce,
    update,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

WRITE = "central_write"
SERVER_SEQ = "server_seq"
# 1: records keyed by record_uuid alone (before the trust work). 2: keyed by (station,
# record_uuid), station_seq unique per station, station-qualified lineages.
SCHEMA_VERSION = 2


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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


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


def create_schema(engine: Engine) -> None:
    """Create what is missing and check the schema version; raise SchemaMismatch for a
    database of another version. The version table is created first, so a racing
    process never sees `records` without it (which is what marks a version-1 database)."""
    found = inspect(engine)
    if found.has_table(records.name) and not found.has_table(schema_info.name):
        _upgrade_from_1(engine)
    schema_info.create(engine, checkfirst=True)
    metadata.create_all(engine)
    first_rows = ((schema_info, {"id": 1, "version": SCHEMA_VERSION}), (counters, {"name": SERVER_SEQ, "value": 0}))
    for table, values in first_rows:
        try:
            with write(engine) as conn:
                if conn.execute(select(table).limit(1)).first() is None:
                    conn.execute(insert(table).values(**values))
        except IntegrityError:
            pass  # another process created it first
    with read(engine) as conn:
        version = conn.execute(select(schema_info.c.version).where(schema_info.c.id == 1)).scalar()
    if version != SCHEMA_VERSION:
        raise SchemaMismatch(_mismatch_message(engine, version))


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


def _upgrade_from_1(engine: Engine) -> None:
    """Version 1 -> 2, all or nothing: the rows are read, the old table dropped and the
    new one filled (uuids lower-cased, lineages named by station). A database whose
    rows break the new rules (one station_seq under two uuids, a uuid in two cases)
    cannot be upgraded: refused, naming why, and left exactly as it was."""
    with write(engine) as conn:
        if inspect(conn).has_table(schema_info.name):
            return  # another process upgraded it while we waited for the write lock
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
        conn.execute(insert(schema_info).values(id=1, version=SCHEMA_VERSION))
    log.warning("upgraded the centre database to schema version %d (%d records)", SCHEMA_VERSION, len(rows))


def _mismatch_message(engine: Engine, version: int | None) -> str:
    where = engine.url.render_as_string(hide_password=True)
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


def next_server_seq(conn: Connection) -> int:
    """Take the next server_seq inside the caller's transaction (the UPDATE locks the row)."""
    conn.execute(update(counters).where(counters.c.name == SERVER_SEQ).values(value=counters.c.value + 1))
    value = conn.execute(select(counters.c.value).where(counters.c.name == SERVER_SEQ)).scalar_one()
    return int(value)

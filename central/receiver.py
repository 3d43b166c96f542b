"""The receiver's operations: register, upload (HEAD/PATCH), commit, reconcile, ingest.

Plain synchronous methods, shared by the HTTP app (which runs them in worker
threads) and the hand-carry `import` command, so both apply exactly the same checks.

Traps:
- Every write of an upload (register, PATCH, commit, rejection, reset) is ONE database
  transaction that takes the station's lock first (db.station_lock: an advisory lock
  on PostgreSQL, BEGIN IMMEDIATE on SQLite), so writes for a station never interleave
  in any process on any node sharing the database. The lock is released by the
  commit or rollback, and by the database if the node dies.
- A chunk is durable when its transaction has committed, before the 204; the packet
  stored, its chunks deleted and the row marked received commit together, before the
  receipt. A node killed mid-request leaves either the whole chunk or none of it, and
  any node continues from the stored offset (the sum of the stored chunks' lengths).
- The expensive verification (decrypt, signature, inflate) runs OUTSIDE the write
  transaction, on bytes read before it: the locked transaction then re-reads the row
  and stores only if it is still registered. What it stores is the verified bytes,
  whose SHA-256 is the registered one, so chunks changed meanwhile cannot slip in; a
  commit that lost a race to another node answers that node's receipt.
- A packet sent whole (a committing PATCH at offset 0, what stations send) is verified
  as it came, before any read, and `_store_sent_whole` checks under the lock what the
  read before would have: registered, nothing stored, its size, its hash, the header's
  claim, the previous record resolved. That saves the read's round trip per record;
  anything else falls back to the general path, which answers as before.
- A repeated commit returns the stored receipt; a rejected record stays rejected
  with its reason, and every repeat says so.
- A pipelined commit (`commit_after`, the PATCH header Upload-Commit-After) happens
  only once the record it names, the station's previous one, is received or rejected
  for good, checked again inside the locked transaction that stores it; otherwise it
  is deferred and the bytes stay, so the centre never commits a station's record N+1
  before its record N when the station pipelines them.
- A whole-packet SHA-256 mismatch (stored bytes differ from the registered hash)
  is answered commit.rejected with reason packet.sha256, but the record is NOT
  marked rejected: the bytes are set aside (rejected_packets) and the upload restarts
  from 0, so a supervisor's requeue can succeed if the fault was ours.
- Every answer that says received or rejected carries a verdict signed with the
  receipt key (wire/receipts.py); a commit answers with the received verdict itself,
  and a permanent refusal raises CentralError(verdict=...). Refusals sign what the
  request claimed (its station_seq and sha256), so the station can match its packet.
- A record is (station, record_uuid), the uuid canonical (lower-case) from the first
  line of every method, whoever calls it: another station's uuid is simply another
  record, and an upper-cased copy of a known uuid is that record.
- corrects_uuid is believed only for an earlier received record of the same station
  with the same NIK HMAC; anything else is logged (without the NIK) and ignored, so
  the record gets its own lineage and the duplicate check applies to it.
- Round trips are the cost on PostgreSQL (each is a wait and a psycopg call): reads
  run in autocommit there (`_read`: no BEGIN/COMMIT; at READ COMMITTED every statement
  of a transaction takes its own snapshot anyway, so nothing is lost), an upload with
  nothing stored yet (offset 0) reads and deletes no chunks, and the commit takes its
  server_seq from the sequence inside the UPDATE that marks the record received. On
  SQLite a read stays one transaction (one snapshot) and the counter row is used.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid as uuidlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Row, bindparam, insert, literal_column, select, update
from sqlalchemy.exc import IntegrityError

from central import ledger, store
from central.db import (
    SERVER_SEQ_SEQUENCE,
    LockBusy,
    create_schema,
    make_engine,
    next_server_seq,
    read,
    records,
    station_lock,
    write,
)
from central.errors import CentralError
from central.home import tighten
from central.keys import CentralKeys, ensure_keys, load_keys
from central.ledger import RECEIVED, REGISTERED, REJECTED, WITHDRAWN
from central.settings import Settings
from central.stations import StationKeys, valid_code
from central.withdrawals import refuse_withdrawn
from wire.canonical import canonical_uuid
from wire.packet import PacketError, open_packet
from wire.states import LedgerState

log = logging.getLogger(__name__)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_SEQ = 2**62

# Built once (see central.store's traps): the statements every record runs.
_SEQ_TAKEN = select(records.c.record_uuid).where(
    records.c.station == bindparam("station"), records.c.station_seq == bindparam("station_seq")
)
_REGISTER = insert(records)
_MARK_RECEIVED = (
    update(records)
    .where(records.c.station == bindparam("k_station"), records.c.record_uuid == bindparam("k_record_uuid"))
    .values(
        state=RECEIVED,
        received_at=bindparam("received_at"),
        server_seq=bindparam("server_seq"),
        receipt_id=bindparam("receipt_id"),
        nik_hash=bindparam("nik_hash"),
        lineage=bindparam("lineage"),
        commit_count=records.c.commit_count + 1,
        via=bindparam("via"),
    )
    .returning(*records.c)
)
_MARK_RECEIVED_PG = _MARK_RECEIVED.values(server_seq=literal_column(f"nextval('{SERVER_SEQ_SEQUENCE}')"))


def utcnow() -> datetime:
    return datetime.now(UTC)


def check_ids(station: str, record_uuid: str) -> str:
    """Check the station code and return the record id's one spelling (lower-case),
    the plain 36-character form only."""
    if not valid_code(station):
        raise CentralError("request.invalid", "the station code in the URL is not valid")
    try:
        return canonical_uuid(record_uuid)
    except ValueError:
        raise CentralError("request.invalid", "the record id is not a UUID (8-4-4-4-12 hex digits)") from None


def positive_int(value: Any, name: str, limit: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
        raise CentralError("request.invalid", f"{name} must be an integer from 1 to {limit}")
    return value


@dataclass(frozen=True)
class _Opened:
    """What the ledger keeps of a verified packet: never its contents."""

    nik_hash: str | None
    corrects: Any
    claimed: tuple[str, str, int]  # (station, record_uuid, station_seq) the packet's header names


class _Batch:
    """A register batch's view of the station's records, read with two statements under
    the station's lock (instead of two per record), and the rows it will insert."""

    def __init__(self, conn: Connection, station: str, claims: list[tuple[str, int, int, str]]) -> None:
        self.station = station
        uuids = sorted({claim[0] for claim in claims})
        seqs = sorted({claim[1] for claim in claims})
        self.known = {row.record_uuid: row for row in store.find_many(conn, station, uuids)} if uuids else {}
        self.seqs: dict[int, str] = {}
        if seqs:
            query = select(records.c.station_seq, records.c.record_uuid).where(
                records.c.station == station, records.c.station_seq.in_(seqs)
            )
            self.seqs = {int(seq): uuid for seq, uuid in conn.execute(query)}
        self.pending: dict[str, tuple[str, int, int]] = {}
        self.new: list[dict[str, Any]] = []

    def add(self, record_uuid: str, seq: int, size: int, sha: str, now: datetime) -> None:
        self.pending[record_uuid] = (sha, size, seq)
        self.seqs[seq] = record_uuid
        self.new.append(
            {
                "record_uuid": record_uuid,
                "station": self.station,
                "station_seq": seq,
                "sha256": sha,
                "size": size,
                "state": REGISTERED,
                "registered_at": now,
                "commit_count": 0,
            }
        )


class Receiver:
    """One centre node: its keys and the database it shares with the other nodes.
    Thread-safe; close() when done."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utcnow, create: bool = True) -> None:
        """Load (or, with `create`, make) the keys, make the home owner-only whatever it
        was, and open the database, upgrading an older schema (a version-2 spool in the
        home moves into it) or refusing one it cannot use."""
        self.settings = settings
        self.clock = clock
        self.keys: CentralKeys = ensure_keys(settings.home) if create else load_keys(settings.home)
        tighten(settings.home)
        self.engine = make_engine(settings.database_url, lock_timeout_s=settings.lock_timeout_s)
        self.station_keys = StationKeys(self.engine)
        self._postgresql = self.engine.dialect.name == "postgresql"
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")  # same pool
        try:
            create_schema(self.engine, settings.home)
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    def public_key_for(self, station: str) -> Ed25519PublicKey | None:
        """A registered station's key (central.stations.StationKeys: cached for the
        process, the app's signature checks included; an unknown code is never cached)."""
        return self.station_keys.lookup(station)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """Reads of the hot path: autocommit on PostgreSQL (see the traps), a read
        transaction on SQLite."""
        if not self._postgresql:
            with read(self.engine) as conn:
                yield conn
            return
        with self._autocommit.connect() as conn:
            yield conn

    @contextmanager
    def _station_write(self, station: str) -> Iterator[Connection]:
        """A write transaction holding the station's lock (see the module traps)."""
        try:
            with write(self.engine) as conn:
                station_lock(conn, station)
                yield conn
        except LockBusy:
            raise CentralError(
                "server.busy", f"station {station} has another request in progress", headers={"Retry-After": "2"}
            ) from None

    # -- reading state -------------------------------------------------------------

    @staticmethod
    def _find(conn: Connection, station: str, record_uuid: str) -> Row[Any] | None:
        return store.find(conn, station, record_uuid)

    def _row(self, conn: Connection, station: str, record_uuid: str) -> Row[Any]:
        row = self._find(conn, station, record_uuid)
        if row is None:
            raise CentralError("record.not_registered", f"record {record_uuid} is not registered for {station}")
        return row

    def verdict(self, row: Row[Any], *, downstream: str | None = None) -> dict[str, Any] | None:
        """The signed verdict of a received or rejected record, computed now from its row."""
        return ledger.verdict(self.keys.receipt_key, row, downstream=downstream)

    def _refusal(self, station: str, record_uuid: str, station_seq: int, sha256: str, reason: str) -> dict[str, Any]:
        return ledger.refusal(
            self.keys.receipt_key,
            station=station,
            record_uuid=record_uuid,
            station_seq=station_seq,
            sha256=sha256,
            reason=reason,
        )

    @staticmethod
    def _offset(row: Row[Any]) -> int:
        """Bytes stored: the size once settled, else the stored chunks' total (`find` rows)."""
        if row.state != REGISTERED:
            return int(row.size)
        return min(int(row.stored), int(row.size))

    def state_and_offset(self, row: Row[Any]) -> tuple[str, int]:
        offset = self._offset(row)
        return (LedgerState.PARTIAL if row.state == REGISTERED and offset > 0 else row.state), offset

    def view(self, row: Row[Any]) -> dict[str, Any]:
        """A record's state for a register answer: with its signed verdict once it is
        received or rejected (docs/sync-protocol.md, response shapes)."""
        state, offset = self.state_and_offset(row)
        out: dict[str, Any] = {"state": state, "offset": offset}
        if row.reason is not None:
            out["reason"] = row.reason
        verdict = self.verdict(row)
        if verdict is not None:
            out["verdict"] = verdict
        return out

    def packet_bytes(self, station: str, record_uuid: str) -> bytes | None:
        """A received record's stored packet (for tests, inquiry and export), else None."""
        with read(self.engine) as conn:
            return store.packet_bytes(conn, station, canonical_uuid(record_uuid))

    def partial_bytes(self, station: str, record_uuid: str) -> bytes:
        """The bytes of an upload in progress, in order (empty when none are stored)."""
        with read(self.engine) as conn:
            return store.partial_bytes(conn, station, canonical_uuid(record_uuid))

    def set_aside(self, station: str, record_uuid: str) -> list[store.SetAside]:
        """The packets of a record set aside for inquiry (rejected or SHA-256 mismatch), oldest first."""
        with read(self.engine) as conn:
            return store.set_aside_of(conn, station, canonical_uuid(record_uuid))

    # -- register --------------------------------------------------------------------

    def register(self, station: str, record_uuid: str, body: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
        """Return (created, state). Idempotent for the same uuid and hash. A station's
        uuids are its own: another station's record of the same uuid is not looked at,
        so the answer is the same as for any fresh uuid."""
        claim = self._claim(station, record_uuid, body)
        if isinstance(claim, CentralError):
            raise claim
        try:
            with self._station_write(station) as conn:
                return self._register_locked(conn, station, *claim)
        except IntegrityError:
            # the station lock makes this unreachable between centres that take it; kept as a net
            raise CentralError(
                "server.busy", "the record was registered concurrently; retry", headers={"Retry-After": "1"}
            ) from None

    def register_many(
        self, station: str, entries: list[Mapping[str, Any]]
    ) -> list[tuple[bool, dict[str, Any]] | CentralError]:
        """Register a batch of one station's records in ONE locked transaction (one commit,
        one fsync, for the batch). Each entry (a register body with its "uuid") gets what
        register() would give: (created, state), or the CentralError that refuses it; a
        request.invalid refuses the whole batch, and nothing of it is registered."""
        claims = [self._claim(station, entry.get("uuid"), entry) for entry in entries]
        out: list[tuple[bool, dict[str, Any]] | CentralError] = []
        wanted = [claim for claim in claims if not isinstance(claim, CentralError)]
        try:
            with self._station_write(station) as conn:
                batch = _Batch(conn, station, wanted)
                for claim in claims:
                    if isinstance(claim, CentralError):
                        out.append(claim)
                        continue
                    try:
                        out.append(self._register_in(batch, station, *claim))
                    except CentralError as exc:  # nothing of it is written
                        out.append(exc)
                if batch.new:
                    conn.execute(_REGISTER, batch.new)  # one executemany (psycopg: pipelined)
        except IntegrityError:
            raise CentralError(
                "server.busy", "a record was registered concurrently; retry", headers={"Retry-After": "1"}
            ) from None
        return out

    def _claim(
        self, station: str, record_uuid: Any, body: Mapping[str, Any]
    ) -> tuple[str, int, int, str] | CentralError:
        """(uuid, station_seq, size, sha256) of a register body, or the refusal of a packet
        too large (returned, with its verdict); raises request.invalid for a malformed one."""
        if not isinstance(record_uuid, str):
            raise CentralError("request.invalid", "the record id is not a UUID (8-4-4-4-12 hex digits)")
        record_uuid = check_ids(station, record_uuid)
        seq = positive_int(body.get("station_seq"), "station_seq", MAX_SEQ)
        size = positive_int(body.get("size"), "size", MAX_SEQ)
        sha = body.get("sha256")
        if not isinstance(sha, str) or not SHA256_RE.match(sha):
            raise CentralError("request.invalid", "sha256 must be 64 lowercase hex digits")
        if size > self.settings.max_packet_size:
            return CentralError(
                "upload.too_large",
                f"the packet is {size} bytes; this centre takes at most {self.settings.max_packet_size}",
                verdict=self._refusal(station, record_uuid, seq, sha, "upload.too_large"),
            )
        return record_uuid, seq, size, sha

    def _register_in(
        self, batch: _Batch, station: str, record_uuid: str, seq: int, size: int, sha: str
    ) -> tuple[bool, dict[str, Any]]:
        """register_many's answer for one record, from the rows read once for the batch;
        the same answers as _register_locked, an earlier entry of the batch included."""
        pending = batch.pending.get(record_uuid)
        row = batch.known.get(record_uuid)
        if pending is not None or row is not None:
            held: tuple[str, int, int] | None = pending
            if row is not None:
                refuse_withdrawn(self, row)
                held = (str(row.sha256), int(row.size), int(row.station_seq))
            if held != (sha, size, seq):
                raise CentralError(
                    "record.hash_conflict",
                    f"record {record_uuid} is already registered with another hash, size or sequence number",
                    verdict=self._refusal(station, record_uuid, seq, sha, "record.hash_conflict"),
                )
            return False, (self.view(row) if row is not None else {"state": REGISTERED, "offset": 0})
        taken = batch.seqs.get(seq)
        if taken is not None:
            log.warning("%s/%s: station_seq %d is already taken by %s", station, record_uuid, seq, taken)
            raise CentralError(
                "record.seq_conflict",
                f"station_seq {seq} is already registered for another record of station {station}",
                verdict=self._refusal(station, record_uuid, seq, sha, "record.seq_conflict"),
            )
        batch.add(record_uuid, seq, size, sha, self.clock())
        log.info("registered %s/%s seq %d (%d bytes)", station, record_uuid, seq, size)
        return True, {"state": REGISTERED, "offset": 0}

    def _register_locked(
        self, conn: Connection, station: str, record_uuid: str, seq: int, size: int, sha: str
    ) -> tuple[bool, dict[str, Any]]:
        row = self._find(conn, station, record_uuid)
        if row is not None:
            refuse_withdrawn(self, row)  # its station withdrew it: no packet is taken
            if (row.sha256, int(row.size), int(row.station_seq)) != (sha, size, seq):
                raise CentralError(
                    "record.hash_conflict",
                    f"record {record_uuid} is already registered with another hash, size or sequence number",
                    verdict=self._refusal(station, record_uuid, seq, sha, "record.hash_conflict"),
                )
            return False, self.view(row)
        taken = conn.execute(_SEQ_TAKEN, {"station": station, "station_seq": seq}).first()
        if taken is not None:
            log.warning("%s/%s: station_seq %d is already taken by %s", station, record_uuid, seq, taken.record_uuid)
            raise CentralError(
                "record.seq_conflict",
                f"station_seq {seq} is already registered for another record of station {station}",
                verdict=self._refusal(station, record_uuid, seq, sha, "record.seq_conflict"),
            )
        conn.execute(
            _REGISTER,
            {
                "record_uuid": record_uuid,
                "station": station,
                "station_seq": seq,
                "sha256": sha,
                "size": size,
                "state": REGISTERED,
                "registered_at": self.clock(),
                "commit_count": 0,
            },
        )
        log.info("registered %s/%s seq %d (%d bytes)", station, record_uuid, seq, size)
        return True, {"state": REGISTERED, "offset": 0}

    # -- upload ----------------------------------------------------------------------

    def upload_status(self, station: str, record_uuid: str) -> tuple[int, int]:
        """(offset, length) of an upload, for HEAD: one read, no lock, no bytes loaded."""
        record_uuid = check_ids(station, record_uuid)
        with self._read() as conn:
            row = self._row(conn, station, record_uuid)
            return self._offset(row), int(row.size)

    def append(
        self,
        station: str,
        record_uuid: str,
        offset: int,
        chunk: bytes,
        checksum: bytes | None,
        digest: bytes | None = None,
    ) -> int:
        """Append one verified chunk at `offset`; return the new offset (tus PATCH). One
        locked transaction: the chunk is durable when this returns. `digest`: the chunk's
        SHA-256 if the caller already has it (as in append_and_commit)."""
        record_uuid = check_ids(station, record_uuid)
        if digest is None and checksum is not None:
            digest = hashlib.sha256(chunk).digest()
        intact = checksum is None or digest == checksum
        with self._station_write(station) as conn:
            row = self._row(conn, station, record_uuid)
            refuse_withdrawn(self, row)
            current = self._offset(row)
            if offset != current:
                raise CentralError(
                    "upload.offset_mismatch",
                    f"Upload-Offset is {offset} but {current} bytes are stored; HEAD and continue",
                    headers={"Upload-Offset": str(current)},
                )
            if offset + len(chunk) > int(row.size):
                raise CentralError(
                    "upload.too_large", f"the chunk would end at {offset + len(chunk)}, past the registered {row.size}"
                )
            if not intact:
                raise CentralError("upload.checksum_mismatch", "the chunk does not match Upload-Checksum; resend it")
            if chunk:
                store.add_chunk(conn, station, record_uuid, offset, chunk)
            return offset + len(chunk)

    def append_and_commit(
        self,
        station: str,
        record_uuid: str,
        offset: int,
        chunk: bytes,
        checksum: bytes | None,
        after: str | None,
        digest: bytes | None = None,
    ) -> tuple[int, bool, dict[str, Any] | None]:
        """A PATCH with Upload-Commit: (new offset, upload complete, receipt or None).
        When this chunk completes the upload, the packet is verified with the chunk in
        memory and stored by one locked transaction; the chunk is never written as a chunk
        (a transaction and a copy of its bytes saved per record). Every other case (an
        offset, checksum or hash that is wrong, a commit deferred or refused) is exactly
        append() then commit() or commit_after(). Complete without a receipt: deferred.
        `digest`: the chunk's SHA-256 when the caller already computed it from these very
        bytes (the app, checking the signed body hash), so a chunk is hashed once."""
        record_uuid = check_ids(station, record_uuid)
        if after is not None:
            try:
                after = canonical_uuid(after)
            except ValueError:
                raise CentralError("request.invalid", "Upload-Commit-After is not a UUID") from None
        if digest is None:
            digest = hashlib.sha256(chunk).digest()
        first: _Opened | PacketError | None = None  # the packet sent whole, opened once (reused below)
        if offset == 0 and (checksum is None or digest == checksum):  # the usual case: the packet whole
            try:
                first = self._open_from(station, chunk)
            except PacketError as exc:
                first = exc  # refused below by commit(), with the bytes set aside as for any upload
            else:
                receipt = self._store_sent_whole(station, record_uuid, chunk, digest.hex(), first, after)
                if receipt is not None:
                    return len(chunk), True, receipt
        with self._read() as conn:
            row = self._row(conn, station, record_uuid)
            size = int(row.size)
            last = row.state == REGISTERED and offset == self._offset(row) and offset + len(chunk) == size
            intact = checksum is None or digest == checksum
            whole = last and intact and self._resolved(conn, row, after)
            stored = store.partial_bytes(conn, station, record_uuid) if whole and offset > 0 else b""
            blob = stored + chunk if whole else b""
        if whole and not isinstance(first, PacketError) and hashlib.sha256(blob).hexdigest() == row.sha256:
            try:
                opened = self._open(row, blob) if first is None else self._claimed_by(first, row)
            except PacketError:
                pass  # refused below by commit(), with the bytes set aside as for any upload
            else:
                receipt = self._store(row, blob, opened, "upload", after)
                if receipt is not None:
                    return size, True, receipt
        new_offset = self.append(station, record_uuid, offset, chunk, checksum, digest)
        if new_offset < size:
            return new_offset, False, None
        if after is None:
            return new_offset, True, self.commit(station, record_uuid)
        return new_offset, True, self.commit_after(station, record_uuid, after)

    def put_whole(self, station: str, record_uuid: str, blob: bytes) -> None:
        """Store all bytes of a registered record at once (hand-carry import), replacing
        any partial upload, in one locked transaction."""
        record_uuid = check_ids(station, record_uuid)
        with self._station_write(station) as conn:
            row = self._row(conn, station, record_uuid)
            if len(blob) > int(row.size):
                raise CentralError("upload.too_large", f"{len(blob)} bytes, past the registered {row.size}")
            if row.state == REGISTERED and self._offset(row) < int(row.size):
                store.drop_chunks(conn, station, record_uuid)
                store.add_chunk(conn, station, record_uuid, 0, blob)

    # -- commit ----------------------------------------------------------------------

    def commit(self, station: str, record_uuid: str, *, via: str = "upload") -> dict[str, Any]:
        """Verify and store the record durably; return its signed received verdict (the
        same bytes forever)."""
        record_uuid = check_ids(station, record_uuid)
        receipt = self._commit(station, record_uuid, via, after=None)
        assert receipt is not None  # only a commit_after is ever deferred
        return receipt

    def commit_after(self, station: str, record_uuid: str, after: str) -> dict[str, Any] | None:
        """Commit only if `after` (the station's previous record) is resolved: received, or
        rejected for good. Otherwise return None (deferred): the station commits later with
        the plain commit. Checked again in the locked transaction that stores the record,
        so a pipelined record can never be committed before the one it names."""
        record_uuid = check_ids(station, record_uuid)
        try:
            after = canonical_uuid(after)
        except ValueError:
            raise CentralError("request.invalid", "Upload-Commit-After is not a UUID (8-4-4-4-12 hex digits)") from None
        return self._commit(station, record_uuid, "upload", after=after)

    def _resolved(self, conn: Connection, row: Row[Any], after: str | None) -> bool:
        if after is None:
            return True
        prev = self._find(conn, row.station, after)
        resolved = (RECEIVED, REJECTED, WITHDRAWN)  # a withdrawn record is resolved (central.withdrawals)
        return prev is not None and int(prev.station_seq) < int(row.station_seq) and prev.state in resolved

    def _commit(self, station: str, record_uuid: str, via: str, *, after: str | None) -> dict[str, Any] | None:
        with self._read() as conn:
            row = self._row(conn, station, record_uuid)
            if row.state != REGISTERED:
                return self._settled(row)
            if not self._resolved(conn, row, after):
                log.info("%s/%s: commit deferred until %s is resolved", station, record_uuid, after)
                return None
            if self._offset(row) < int(row.size):
                raise CentralError(
                    "commit.incomplete", f"{self._offset(row)} of {row.size} bytes are stored; HEAD and continue"
                )
            blob = store.partial_bytes(conn, station, record_uuid)
        seq = int(row.station_seq)
        if hashlib.sha256(blob).hexdigest() != row.sha256:
            settled = self._reset_mismatch(row)
            if settled is not None:
                return settled
            raise CentralError(
                "commit.rejected",
                "the stored bytes do not match the registered SHA-256; the upload was reset to offset 0",
                reason="packet.sha256",
                verdict=self._refusal(station, record_uuid, seq, row.sha256, "packet.sha256"),
            )
        try:
            opened = self._open(row, blob)
        except PacketError as exc:
            settled = self._reject(row, blob, exc.code)
            if settled is not None:
                return settled
            raise CentralError(
                "commit.rejected",
                f"the packet failed verification: {exc.detail}",
                reason=exc.code,
                verdict=self._refusal(station, record_uuid, seq, row.sha256, exc.code),
            ) from None
        return self._store(row, blob, opened, via, after)

    def _settled(self, row: Row[Any]) -> dict[str, Any]:
        """The answer for a record already received (its receipt) or rejected (raised)."""
        refuse_withdrawn(self, row)
        if row.state == REJECTED:
            raise CentralError(
                "commit.rejected",
                f"record {row.record_uuid} was rejected",
                reason=row.reason,
                verdict=self.verdict(row),
            )
        receipt = self.verdict(row)
        assert receipt is not None
        return receipt

    def _open(self, row: Row[Any], blob: bytes) -> _Opened:
        """Decrypt, check the signature and that the header names this record."""
        return self._claimed_by(self._open_from(row.station, blob), row)

    def _claimed_by(self, opened: _Opened, row: Row[Any]) -> _Opened:
        """`opened`, if its header names the record of `row`; else packet.mismatch."""
        if not self._claims(opened, row):
            raise PacketError("packet.mismatch", "the packet is for another station, record or sequence number")
        return opened

    def _open_from(self, station: str, blob: bytes) -> _Opened:
        """Decrypt and check the signature of a packet of `station`; keep only the NIK's
        HMAC, the correction claim and the header's claim (no packet contents are kept or
        logged beyond this point)."""
        station_key = self.public_key_for(station)
        if station_key is None:
            raise PacketError("packet.signature", "the station is no longer registered")
        opened = open_packet(
            blob,
            central_private=self.keys.packet_key,
            station_public=station_key,
            max_inflated=self.settings.max_packet_size,
        )
        header = opened.header
        demographics = opened.manifest.get("demographics")
        nik = demographics.get("nik") if isinstance(demographics, dict) else None
        nik_hash = self.keys.nik_hash(nik) if isinstance(nik, str) and nik.strip() else None
        claimed = (header["station"], str(header["record_uuid"]).lower(), header["station_seq"])
        return _Opened(nik_hash=nik_hash, corrects=opened.manifest.get("corrects_uuid"), claimed=claimed)

    @staticmethod
    def _claims(opened: _Opened, row: Row[Any]) -> bool:
        return opened.claimed == (row.station, row.record_uuid, int(row.station_seq))

    def _store(self, row: Row[Any], blob: bytes, opened: _Opened, via: str, after: str | None) -> dict[str, Any] | None:
        with self._station_write(row.station) as conn:
            current = self._row(conn, row.station, row.record_uuid)
            if current.state != REGISTERED:
                return self._settled(current)  # another node committed or rejected it meanwhile
            if not self._resolved(conn, current, after):
                return None
            stored = self._mark_received(conn, current, blob, opened, via)
        return self._received(stored)

    def _store_sent_whole(
        self, station: str, record_uuid: str, blob: bytes, sha256: str, opened: _Opened, after: str | None
    ) -> dict[str, Any] | None:
        """Store a packet that came whole in one committing PATCH at offset 0, verified
        before this (crypto outside the lock) without a read of its row: everything
        `append_and_commit` would have checked is checked here, under the station's lock.
        None when anything differs (not registered, bytes stored, another size or hash,
        another claim, an earlier record unresolved): the caller then takes the general
        path, which answers exactly as before."""
        with self._station_write(station) as conn:
            row = self._find(conn, station, record_uuid)
            if (
                row is None
                or row.state != REGISTERED
                or self._offset(row) != 0
                or len(blob) != int(row.size)
                or sha256 != row.sha256
                or not self._claims(opened, row)
                or not self._resolved(conn, row, after)
            ):
                return None
            stored = self._mark_received(conn, row, blob, opened, "upload")
        return self._received(stored)

    def _received(self, stored: Row[Any]) -> dict[str, Any]:
        log.info(
            "received %s/%s seq %d as server_seq %d",
            stored.station,
            stored.record_uuid,
            int(stored.station_seq),
            int(stored.server_seq),
        )
        receipt = self.verdict(stored)
        assert receipt is not None
        return receipt

    def _mark_received(self, conn: Connection, current: Row[Any], blob: bytes, opened: _Opened, via: str) -> Row[Any]:
        """In the station's locked transaction: keep the packet and mark the record received."""
        station, record_uuid = current.station, current.record_uuid
        received_at = self.clock().replace(microsecond=0)
        lineage = self._lineage(conn, current, opened.corrects, opened.nik_hash)
        store.keep_packet(conn, station, record_uuid, blob, chunks=self._offset(current) > 0)
        values = {
            "k_station": station,
            "k_record_uuid": record_uuid,
            "received_at": received_at,
            "receipt_id": str(uuidlib.uuid4()),
            "nik_hash": opened.nik_hash,
            "lineage": lineage,
            "via": via,
        }
        if self._postgresql:  # the sequence, in the UPDATE itself (one round trip less)
            return conn.execute(_MARK_RECEIVED_PG, values).one()
        return conn.execute(_MARK_RECEIVED, {**values, "server_seq": next_server_seq(conn)}).one()

    def _lineage(self, conn: Connection, row: Row[Any], corrects: Any, nik_hash: str | None) -> str:
        """ "STATION/ROOT-UUID" of the record: its parent's lineage when corrects_uuid names
        an earlier received record of the same station and the same resident (NIK HMAC),
        otherwise its own. A claim that fails is logged (never the NIK) and ignored."""
        own = f"{row.station}/{row.record_uuid}"
        if corrects is None or corrects == "":
            return own
        where = f"{row.station}/{row.record_uuid}"
        try:
            parent_uuid = canonical_uuid(corrects)
        except ValueError:
            log.warning("%s: corrects_uuid ignored: not a UUID", where)
            return own
        parent = self._find(conn, row.station, parent_uuid)
        if parent is None or parent.state != RECEIVED:
            why = "no received record of this station has that uuid"
        elif int(parent.station_seq) >= int(row.station_seq):
            why = "it is not an earlier record of this station"
        elif nik_hash is None or parent.nik_hash != nik_hash:
            why = "it is about another resident (NIK)"
        else:
            return str(parent.lineage or f"{row.station}/{parent.record_uuid}")
        log.warning("%s: corrects_uuid %s ignored: %s", where, parent_uuid, why)
        return own

    def _reject(self, row: Row[Any], blob: bytes, code: str) -> dict[str, Any] | None:
        """Mark the record rejected and set its bytes aside, in one locked transaction;
        if another node settled it first, answer that instead (its receipt, or raise)."""
        with self._station_write(row.station) as conn:
            current = self._row(conn, row.station, row.record_uuid)
            if current.state != REGISTERED:
                return self._settled(current)
            store.set_aside(conn, row.station, row.record_uuid, code, blob, self.clock())
            conn.execute(
                update(records)
                .where(records.c.station == row.station, records.c.record_uuid == row.record_uuid)
                .values(state=REJECTED, reason=code)
            )
        log.warning("rejected %s/%s: %s", row.station, row.record_uuid, code)
        return None

    def _reset_mismatch(self, row: Row[Any]) -> dict[str, Any] | None:
        """Set aside bytes that do not match the registered SHA-256 and restart the
        upload from 0. The bytes are read again under the lock: if another request changed
        them meanwhile, nothing is reset and the caller is told to retry."""
        with self._station_write(row.station) as conn:
            current = self._row(conn, row.station, row.record_uuid)
            if current.state != REGISTERED:
                return self._settled(current)
            blob = store.partial_bytes(conn, row.station, row.record_uuid)
            if len(blob) < int(row.size) or hashlib.sha256(blob).hexdigest() == row.sha256:
                raise CentralError(
                    "server.busy", "the upload changed during commit; retry", headers={"Retry-After": "1"}
                )
            store.set_aside(conn, row.station, row.record_uuid, "packet.sha256", blob, self.clock())
        log.warning(
            "%s/%s: stored bytes do not match the registered SHA-256; upload reset", row.station, row.record_uuid
        )
        return None

    # -- reconcile -------------------------------------------------------------------

    def reconcile(self, station: str, entries: list[Any]) -> dict[str, Any]:
        """Each record's state with its signed verdict, and the station's signed watermark
        and gaps (central.reconcile)."""
        from central.reconcile import reconcile  # it reads this module's checks

        return reconcile(self, station, entries)

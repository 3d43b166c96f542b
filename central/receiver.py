"""The receiver's operations: register, upload (HEAD/PATCH), commit, reconcile, ingest.

Plain synchronous methods, shared by the HTTP app (which runs them in worker
threads) and the hand-carry `import` command, so both apply exactly the same checks.

Traps:
- Every write for a station runs under that station's flock (spool.Spool.lock), so
  a register, a PATCH and a commit for the same record never interleave, in this
  process or in an `import` running beside the server.
- Commit order: verify, then the packet file is fsync'd and renamed into packets/,
  then the DB row is committed, then the receipt is answered. A crash after the
  rename but before the commit leaves a registered row whose packet is already in
  packets/: the offset is then read from there and the next commit completes it.
- A repeated commit returns the stored receipt; a rejected record stays rejected
  with its reason, and every repeat says so.
- A pipelined commit (`commit_after`, the PATCH header Upload-Commit-After) happens
  only once the record it names, the station's previous one, is received or rejected
  for good; otherwise it is deferred and the bytes stay, so the centre never commits a
  station's record N+1 before its record N when the station pipelines them.
- A whole-packet SHA-256 mismatch (bytes on disk differ from the registered hash)
  is answered commit.rejected with reason packet.sha256, but the record is NOT
  marked rejected: the partial is set aside and the upload restarts from 0, so a
  supervisor's requeue can succeed if the fault was ours.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid as uuidlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Row, insert, select, update

from central import ledger
from central.db import create_schema, make_engine, next_server_seq, read, records, write
from central.errors import CentralError
from central.keys import CentralKeys, ensure_keys, load_keys
from central.ledger import RECEIVED, REGISTERED, REJECTED
from central.settings import Settings
from central.spool import LockTimeout, Spool
from central.stations import public_key_for, valid_code
from wire.packet import PacketError, open_packet

log = logging.getLogger(__name__)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# The record id names files on disk: only the plain 36-character form is accepted.
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_SEQ = 2**62


def utcnow() -> datetime:
    return datetime.now(UTC)


def check_ids(station: str, record_uuid: str) -> None:
    if not valid_code(station):
        raise CentralError("request.invalid", "the station code in the URL is not valid")
    if not UUID_RE.match(record_uuid):
        raise CentralError("request.invalid", "the record id in the URL is not a UUID (8-4-4-4-12 hex digits)")


def _positive_int(value: Any, name: str, limit: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
        raise CentralError("request.invalid", f"{name} must be an integer from 1 to {limit}")
    return value


class Receiver:
    """One centre: its keys, database and spool. Thread-safe; close() when done."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utcnow, create: bool = True) -> None:
        self.settings = settings
        self.clock = clock
        self.keys: CentralKeys = ensure_keys(settings.home) if create else load_keys(settings.home)
        self.engine = make_engine(settings.database_url)
        create_schema(self.engine)
        self.spool = Spool(settings.home)

    def close(self) -> None:
        self.engine.dispose()

    def public_key_for(self, station: str) -> Ed25519PublicKey | None:
        return public_key_for(self.engine, station)

    @contextmanager
    def _locked(self, station: str) -> Iterator[None]:
        try:
            with self.spool.lock(station, self.settings.lock_timeout_s):
                yield
        except LockTimeout:
            raise CentralError(
                "server.busy", f"station {station} has another request in progress", headers={"Retry-After": "2"}
            ) from None

    # -- reading state -------------------------------------------------------------

    def _row(self, conn: Connection, station: str, record_uuid: str) -> Row[Any]:
        row = conn.execute(select(records).where(records.c.record_uuid == record_uuid)).first()
        if row is None or row.station != station:
            raise CentralError("record.not_registered", f"record {record_uuid} is not registered for {station}")
        return row

    def _offset(self, row: Row[Any]) -> int:
        if row.state != REGISTERED:
            return int(row.size)
        done = self.spool.received(row.station, row.record_uuid)
        if done.exists():  # a crash between the rename and the DB commit
            return self.spool.size(done)
        return min(self.spool.size(self.spool.partial(row.station, row.record_uuid)), int(row.size))

    def view(self, row: Row[Any]) -> dict[str, Any]:
        offset = self._offset(row)
        state = "partial" if row.state == REGISTERED and offset > 0 else row.state
        out: dict[str, Any] = {"state": state, "offset": offset}
        receipt = ledger.receipt_of(row)
        if receipt is not None:
            out["receipt"] = receipt
        if row.reason is not None:
            out["reason"] = row.reason
        return out

    # -- register --------------------------------------------------------------------

    def register(self, station: str, record_uuid: str, body: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
        """Return (created, state). Idempotent for the same uuid and hash."""
        check_ids(station, record_uuid)
        seq = _positive_int(body.get("station_seq"), "station_seq", MAX_SEQ)
        size = _positive_int(body.get("size"), "size", MAX_SEQ)
        sha = body.get("sha256")
        if not isinstance(sha, str) or not SHA256_RE.match(sha):
            raise CentralError("request.invalid", "sha256 must be 64 lowercase hex digits")
        if size > self.settings.max_packet_size:
            raise CentralError(
                "upload.too_large",
                f"the packet is {size} bytes; this centre takes at most {self.settings.max_packet_size}",
            )
        with self._locked(station), write(self.engine) as conn:
            row = conn.execute(select(records).where(records.c.record_uuid == record_uuid)).first()
            if row is not None:
                if (row.station, row.sha256, int(row.size), int(row.station_seq)) != (station, sha, size, seq):
                    raise CentralError(
                        "record.hash_conflict",
                        f"record {record_uuid} is already registered with another hash, size or sequence number",
                    )
                return False, self.view(row)
            conn.execute(
                insert(records).values(
                    record_uuid=record_uuid,
                    station=station,
                    station_seq=seq,
                    sha256=sha,
                    size=size,
                    state=REGISTERED,
                    registered_at=self.clock(),
                    commit_count=0,
                )
            )
            # bytes left from a database that was reset belong to no registration we hold
            self.spool.partial(station, record_uuid).unlink(missing_ok=True)
            log.info("registered %s/%s seq %d (%d bytes)", station, record_uuid, seq, size)
            return True, {"state": REGISTERED, "offset": 0}

    # -- upload ----------------------------------------------------------------------

    def upload_status(self, station: str, record_uuid: str) -> tuple[int, int]:
        """(offset, length) of an upload, for HEAD."""
        check_ids(station, record_uuid)
        with self._locked(station), read(self.engine) as conn:
            row = self._row(conn, station, record_uuid)
            return self._offset(row), int(row.size)

    def append(self, station: str, record_uuid: str, offset: int, chunk: bytes, checksum: bytes | None) -> int:
        """Append one verified chunk at `offset`; return the new offset (tus PATCH)."""
        check_ids(station, record_uuid)
        with self._locked(station):
            with read(self.engine) as conn:
                row = self._row(conn, station, record_uuid)
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
            if checksum is not None and hashlib.sha256(chunk).digest() != checksum:
                raise CentralError("upload.checksum_mismatch", "the chunk does not match Upload-Checksum; resend it")
            if not chunk:
                return current
            return self.spool.append(self.spool.partial(station, record_uuid), offset, chunk)

    def put_whole(self, station: str, record_uuid: str, blob: bytes) -> None:
        """Store all bytes of a registered record at once (hand-carry import)."""
        with self._locked(station):
            with read(self.engine) as conn:
                row = self._row(conn, station, record_uuid)
            if row.state == REGISTERED and self._offset(row) < int(row.size):
                self.spool.put_whole(self.spool.partial(station, record_uuid), blob)

    # -- commit ----------------------------------------------------------------------

    def commit(self, station: str, record_uuid: str, *, via: str = "upload") -> dict[str, Any]:
        """Verify and store the record durably; return its receipt (the same one forever)."""
        check_ids(station, record_uuid)
        with self._locked(station):
            with read(self.engine) as conn:
                row = self._row(conn, station, record_uuid)
            return self._commit_row(row, via)

    def commit_after(self, station: str, record_uuid: str, after: str) -> dict[str, Any] | None:
        """Commit only if `after` (the station's previous record) is resolved: received, or
        rejected for good. Otherwise return None (deferred): the station commits later with
        the plain commit. Checked and committed under the station's lock, so a pipelined
        record can never be committed before the one it names."""
        check_ids(station, record_uuid)
        if not UUID_RE.match(after):
            raise CentralError("request.invalid", "Upload-Commit-After is not a UUID (8-4-4-4-12 hex digits)")
        with self._locked(station):
            with read(self.engine) as conn:
                row = self._row(conn, station, record_uuid)
                prev = conn.execute(
                    select(records.c.station, records.c.station_seq, records.c.state).where(
                        records.c.record_uuid == after
                    )
                ).first()
            resolved = (
                prev is not None
                and prev.station == station
                and int(prev.station_seq) < int(row.station_seq)
                and prev.state in (RECEIVED, REJECTED)
            )
            if row.state == REGISTERED and not resolved:
                log.info("%s/%s: commit deferred until %s is resolved", station, record_uuid, after)
                return None
            return self._commit_row(row, "upload")

    def _commit_row(self, row: Row[Any], via: str) -> dict[str, Any]:
        if row.state == RECEIVED:
            receipt = ledger.receipt_of(row)
            assert receipt is not None
            return receipt
        if row.state == REJECTED:
            raise CentralError("commit.rejected", f"record {row.record_uuid} was rejected", reason=row.reason)
        return self._verify_and_store(row, via)

    def _verify_and_store(self, row: Row[Any], via: str) -> dict[str, Any]:
        station, record_uuid = row.station, row.record_uuid
        done = self.spool.received(station, record_uuid)
        source = done if done.exists() else self.spool.partial(station, record_uuid)
        if self.spool.size(source) < int(row.size):
            raise CentralError(
                "commit.incomplete", f"{self.spool.size(source)} of {row.size} bytes are stored; HEAD and continue"
            )
        blob = source.read_bytes()
        if hashlib.sha256(blob).hexdigest() != row.sha256:
            stamp = self.clock().strftime("%Y%m%dT%H%M%S")
            aside = self.spool.rejected(station, record_uuid).with_name(f"{record_uuid}.sha256-mismatch.{stamp}")
            self.spool.move(source, aside)
            log.warning("%s/%s: stored bytes do not match the registered SHA-256; upload reset", station, record_uuid)
            raise CentralError(
                "commit.rejected",
                "the stored bytes do not match the registered SHA-256; the upload was reset to offset 0",
                reason="packet.sha256",
            )
        station_key = self.public_key_for(station)
        try:
            if station_key is None:
                raise PacketError("packet.signature", "the station is no longer registered")
            opened = open_packet(blob, central_private=self.keys.packet_key, station_public=station_key)
            header = opened.header
            if (header["station"], header["record_uuid"], header["station_seq"]) != (
                station,
                record_uuid,
                int(row.station_seq),
            ):
                raise PacketError("packet.mismatch", "the packet is for another station, record or sequence number")
        except PacketError as exc:
            self._reject(row, source, exc.code)
            raise CentralError(
                "commit.rejected", f"the packet failed verification: {exc.detail}", reason=exc.code
            ) from None
        demographics = opened.manifest.get("demographics")
        nik = demographics.get("nik") if isinstance(demographics, dict) else None
        nik_hash = self.keys.nik_hash(nik) if isinstance(nik, str) and nik.strip() else None
        corrects = opened.manifest.get("corrects_uuid")
        del opened, blob  # no packet contents are kept or logged beyond this point
        if source != done:
            self.spool.move(source, done)
        received_at = self.clock().replace(microsecond=0)
        with write(self.engine) as conn:
            lineage = record_uuid
            if isinstance(corrects, str) and corrects:
                parent = conn.execute(select(records.c.lineage).where(records.c.record_uuid == corrects)).scalar()
                lineage = parent or corrects
            server_seq = next_server_seq(conn)
            receipt_id = str(uuidlib.uuid4())
            updated = conn.execute(
                update(records)
                .where(records.c.record_uuid == record_uuid, records.c.state == REGISTERED)
                .values(
                    state=RECEIVED,
                    received_at=received_at,
                    server_seq=server_seq,
                    receipt_id=receipt_id,
                    nik_hash=nik_hash,
                    lineage=lineage,
                    commit_count=records.c.commit_count + 1,
                    via=via,
                )
            )
            if updated.rowcount != 1:
                raise CentralError(
                    "server.busy", "the record changed during commit; retry", headers={"Retry-After": "1"}
                )
        log.info("received %s/%s seq %d as server_seq %d", station, record_uuid, row.station_seq, server_seq)
        return {
            "receipt_id": receipt_id,
            "server_seq": server_seq,
            "received_at": ledger.iso(received_at),
            "sha256": row.sha256,
        }

    def _reject(self, row: Row[Any], source: Path, code: str) -> None:
        with write(self.engine) as conn:
            conn.execute(
                update(records)
                .where(records.c.record_uuid == row.record_uuid, records.c.state == REGISTERED)
                .values(state=REJECTED, reason=code)
            )
        self.spool.move(source, self.spool.rejected(row.station, row.record_uuid))
        log.warning("rejected %s/%s: %s", row.station, row.record_uuid, code)

    # -- reconcile -------------------------------------------------------------------

    def reconcile(self, station: str, entries: list[Any]) -> dict[str, Any]:
        now = self.clock()
        out: list[dict[str, Any]] = []
        with read(self.engine) as conn:
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("uuid"), str):
                    raise CentralError("request.invalid", "each record needs a uuid")
                out.append(self._reconcile_one(conn, station, entry, now))
            watermark, gaps = ledger.watermark_and_gaps(conn, station)
        return {"records": out, "watermark": watermark, "gaps": gaps}

    def _reconcile_one(self, conn: Connection, station: str, entry: dict[str, Any], now: datetime) -> dict[str, Any]:
        record_uuid = entry["uuid"]
        row = conn.execute(select(records).where(records.c.record_uuid == record_uuid)).first()
        base: dict[str, Any] = {"uuid": record_uuid, "station_seq": entry.get("station_seq")}
        if row is None or row.station != station:
            return {**base, "state": "unknown", "offset": 0, "receipt": None, "reason": None, "downstream": None}
        if entry.get("sha256") not in (None, row.sha256):
            reason = "record.hash_conflict"
            return {**base, "state": REJECTED, "offset": 0, "receipt": None, "reason": reason, "downstream": None}
        view = self.view(row)
        return {
            **base,
            "station_seq": int(row.station_seq),
            "state": view["state"],
            "offset": view["offset"],
            "receipt": view.get("receipt"),
            "reason": row.reason,
            "downstream": ledger.downstream(conn, row, now=now, delay_s=self.settings.downstream_delay_s),
        }

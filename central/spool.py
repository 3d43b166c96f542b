"""The version-2 spool, read once to move its bytes into the database (schema 2 -> 3).

Version 2 kept packet bytes in files under the home, with flock files beside them:
    uploads/STATION/UUID.part                      an upload in progress
    packets/STATION/UUID.pkt                       a received packet
    rejected/STATION/UUID.pkt                      a packet that failed verification
    rejected/STATION/UUID.sha256-mismatch.STAMP    bytes set aside, the upload restarted
    locks/STATION.lock

Traps:
- All or nothing: every file goes in within the caller's transaction (the schema
  upgrade's, which also sets the version), or the upgrade is refused naming what
  cannot be matched, and nothing changes. The directories are moved aside only after
  that commit, into home/spool-v2-imported-STAMP/ (0700); a crash in between leaves them
  in place, and the next start finds this home in spool_imports and moves them then.
- A spool this database never imported (no spool_imports row for the home) is
  refused, not moved: moving it would claim an import that never happened.
- Nothing is believed: a received record's packet must be there with the registered
  size and SHA-256, and every received record must end up with its packet; else the
  upgrade is refused. Version 2's crash windows are resolved as version 2 would have:
  a packet renamed into packets/ before its row was committed becomes the upload's
  bytes (the next commit completes it), and the bytes of a row marked rejected before
  they were moved go with the other rejected packets.
- Leftovers that belong to no registration (a partial the database was reset under, a
  *.tmp of an interrupted write) are not imported; they stay in the set-aside
  directory and are counted in the log.
- Files are read one at a time (memory stays at one packet), as regular files only,
  never through a symbolic link, and never more than the registered size plus one byte.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, exists, func, insert, select

from central.db import (
    SchemaMismatch,
    packets,
    read,
    records,
    rejected_packets,
    spool_imports,
    upload_chunks,
)
from central.stations import valid_code
from wire.states import LedgerState

log = logging.getLogger(__name__)

SPOOL_DIRS = ("packets", "uploads", "rejected", "locks")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Version 1 named files by the uuid as the station sent it: the case is not trusted.
_PACKET = re.compile(rf"^({_UUID})\.pkt$", re.IGNORECASE)
_PARTIAL = re.compile(rf"^({_UUID})\.part$", re.IGNORECASE)
_MISMATCH = re.compile(rf"^({_UUID})\.sha256-mismatch\.(\d{{8}}T\d{{6}})$", re.IGNORECASE)
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
MAX_SET_ASIDE = 64 * 1024 * 1024  # a rejected file without a row to bound it


def home_key(home: Path) -> str:
    return str(home.resolve())


def spool_present(home: Path) -> list[str]:
    return [name for name in SPOOL_DIRS if os.path.lexists(home / name)]


def import_v2_spool(conn: Connection, home: Path, *, where: str) -> None:
    """Move the home's version-2 spool into the byte tables, in `conn`'s transaction."""
    spool = _Import(conn, home, where)
    spool.packets()
    spool.partials()
    spool.rejected()
    spool.check_every_received_has_its_packet()
    summary = json.dumps(dict(sorted(spool.counts.items())), sort_keys=True)
    conn.execute(insert(spool_imports).values(home=home_key(home), imported_at=spool.now, summary=summary))
    log.warning("moved the version-2 spool of %s into the database %s: %s", home, where, summary)


def move_imported_spool(engine: Engine, home: Path) -> None:
    """Set the spool directories aside once the database holds their bytes (see traps)."""
    present = spool_present(home)
    if not present:
        return
    with read(engine) as conn:
        done = conn.execute(select(spool_imports.c.home).where(spool_imports.c.home == home_key(home))).first()
    if done is None:
        raise SchemaMismatch(
            f"the home {home} holds a version-2 spool ({', '.join(present)}/) that the database "
            f"{engine.url.render_as_string(hide_password=True)} never imported: its packets would be lost to "
            "this centre. Start on the database that home served (it upgrades and imports the spool), "
            "or move those directories out of the home if they are no longer needed"
        )
    aside = _aside_dir(home)
    for name in present:
        try:
            os.rename(home / name, aside / name)
        except FileNotFoundError:
            pass  # another process starting on this home moved it first
    _fsync_dir(home)
    log.warning(
        "the version-2 spool (%s) is in the database now; its files were moved to %s and can be deleted",
        ", ".join(present),
        aside,
    )


def _aside_dir(home: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(100):
        aside = home / (f"spool-v2-imported-{stamp}" + (f"-{n}" if n else ""))
        try:
            aside.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(aside, 0o700)
        return aside
    raise OSError(f"cannot make a directory to set the spool of {home} aside")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Import:
    def __init__(self, conn: Connection, home: Path, where: str) -> None:
        self.conn, self.home, self.where = conn, home, where
        self.now = datetime.now(UTC)
        self.counts: Counter[str] = Counter()

    def refuse(self, path: Path, why: str) -> SchemaMismatch:
        return SchemaMismatch(
            f"the database {self.where} (schema version 2) cannot be upgraded: {path} {why}. Nothing was "
            "changed; restore the file or the record from a backup, or move the file out of the spool "
            "once it is known to be worthless, then start again"
        )

    def files(self, top: str) -> list[tuple[str, Path]]:
        """(station, path) of every entry under top/STATION/, in a stable order."""
        root = self.home / top
        if not root.is_dir() or root.is_symlink():
            if os.path.lexists(root):
                raise self.refuse(root, "is not a directory")
            return []
        out: list[tuple[str, Path]] = []
        for station_dir in sorted(root.iterdir()):
            if station_dir.is_symlink() or not station_dir.is_dir() or not valid_code(station_dir.name):
                raise self.refuse(station_dir, "is not a station's directory")
            out += [(station_dir.name, path) for path in sorted(station_dir.iterdir())]
        return out

    def row(self, station: str, record_uuid: str) -> Row[Any] | None:
        query = select(records).where(records.c.station == station, records.c.record_uuid == record_uuid)
        return self.conn.execute(query).first()

    def read(self, path: Path, limit: int) -> bytes:
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError as exc:
            raise self.refuse(path, f"cannot be read ({exc.strerror}; a symbolic link is never followed)") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise self.refuse(path, "is not a regular file")
            parts: list[bytes] = []
            left = limit + 1
            while left > 0:
                part = os.read(fd, min(left, 1 << 20))
                if not part:
                    break
                parts.append(part)
                left -= len(part)
        finally:
            os.close(fd)
        data = b"".join(parts)
        if len(data) > limit:
            raise self.refuse(path, f"is larger than its record allows ({limit} bytes)")
        return data

    def set_aside(self, station: str, record_uuid: str, reason: str, data: bytes, at: datetime) -> None:
        sha = hashlib.sha256(data).hexdigest()
        values = {"station": station, "record_uuid": record_uuid, "reason": reason, "set_aside_at": at}
        self.conn.execute(insert(rejected_packets).values(**values, sha256=sha, data=data))
        self.counts["rejected"] += 1

    def as_upload(self, station: str, record_uuid: str, data: bytes) -> None:
        where = (upload_chunks.c.station == station, upload_chunks.c.record_uuid == record_uuid)
        self.conn.execute(delete(upload_chunks).where(*where))
        chunk = {"station": station, "record_uuid": record_uuid, "start": 0, "length": len(data), "data": data}
        self.conn.execute(insert(upload_chunks).values(**chunk))

    def packets(self) -> None:
        for station, path in self.files("packets"):
            found = _PACKET.match(path.name)
            if found is None:
                self.counts["leftovers"] += 1
                continue
            row = self.row(station, found.group(1).lower())
            if row is None:
                raise self.refuse(path, "belongs to no record in the database")
            data = self.read(path, int(row.size))
            intact = len(data) == int(row.size) and hashlib.sha256(data).hexdigest() == row.sha256
            if row.state == LedgerState.RECEIVED:
                if not intact:
                    raise self.refuse(path, "differs from its received record's registered size or SHA-256")
                self.conn.execute(insert(packets).values(station=station, record_uuid=row.record_uuid, data=data))
                self.counts["packets"] += 1
            elif row.state == LedgerState.REJECTED:
                self.set_aside(station, row.record_uuid, str(row.reason), data, self.now)
            elif intact:  # renamed into place, the row not yet committed: the next commit completes it
                self.as_upload(station, row.record_uuid, data)
                self.counts["uploads"] += 1
            else:
                self.set_aside(station, row.record_uuid, "packet.sha256", data, self.now)

    def partials(self) -> None:
        for station, path in self.files("uploads"):
            found = _PARTIAL.match(path.name)
            row = self.row(station, found.group(1).lower()) if found else None
            if row is None or row.state == LedgerState.RECEIVED:
                self.counts["leftovers"] += 1
                continue
            data = self.read(path, MAX_SET_ASIDE)
            if row.state == LedgerState.REJECTED:
                self.set_aside(station, row.record_uuid, str(row.reason), data, self.now)
                continue
            data = data[: int(row.size)]  # version 2 never counted more than the registered size
            taken = select(func.count()).where(
                upload_chunks.c.station == station, upload_chunks.c.record_uuid == row.record_uuid
            )
            if data and not self.conn.execute(taken).scalar_one():  # a packet in packets/ wins
                self.as_upload(station, row.record_uuid, data)
                self.counts["uploads"] += 1

    def rejected(self) -> None:
        for station, path in self.files("rejected"):
            whole, aside = _PACKET.match(path.name), _MISMATCH.match(path.name)
            if aside is not None:
                at = datetime.strptime(aside.group(2).upper(), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
                self.set_aside(station, aside.group(1).lower(), "packet.sha256", self.read(path, MAX_SET_ASIDE), at)
            elif whole is not None:
                row = self.row(station, whole.group(1).lower())
                reason = str(row.reason) if row is not None and row.reason else "packet.rejected"
                at = datetime.fromtimestamp(path.lstat().st_mtime, UTC)
                self.set_aside(station, whole.group(1).lower(), reason, self.read(path, MAX_SET_ASIDE), at)
            else:
                self.counts["leftovers"] += 1

    def check_every_received_has_its_packet(self) -> None:
        has_packet = exists().where(
            packets.c.station == records.c.station, packets.c.record_uuid == records.c.record_uuid
        )
        missing = select(records.c.station, records.c.record_uuid).where(
            records.c.state == LedgerState.RECEIVED, ~has_packet
        )
        lost = self.conn.execute(missing.order_by(records.c.station, records.c.station_seq)).all()
        if lost:
            first = lost[0]
            raise self.refuse(
                self.home / "packets" / first.station / f"{first.record_uuid}.pkt",
                f"is missing: {len(lost)} received record(s) have no packet in the spool of this home "
                "(upgrade from the home that served this database)",
            )

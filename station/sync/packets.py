"""One immutable, signed, encrypted packet file per sealed enrollment.

The packet is written inside the sealing transaction (write to a temporary name,
fsync, rename, fsync the directory) and its SHA-256 stored with the record, so a
sealed record always has its packet. A crash after the rename but before the commit
leaves a packet with no sealed record: `remove_orphans` deletes those at start-up.

When the station has no central public key yet (a station set up before its centre
was known), sealing still succeeds and the packet is built later by
`ensure_packet`, before the record is first sent or exported.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from sqlalchemy import Connection, Table, select, update

from common.errors import StorageError
from common.text import Text
from store.enrollments import SealedRecord
from store.models import Enrollment
from store.records import EnrollmentData
from wire.keys import load_ed25519_private, load_x25519_public, write_private
from wire.packet import build_packet

log = logging.getLogger(__name__)

PACKETS_DIR = "packets"
SIGNING_KEY = Path("keys") / "station_ed25519.key"
CENTRAL_KEY = Path("keys") / "central_x25519.pub"
_ENR: Table = Enrollment.__table__  # type: ignore[assignment]


def packet_path(home: Path, record_uuid: str) -> Path:
    return home / PACKETS_DIR / f"{record_uuid}.pkt"


def ensure_signing_key(home: Path) -> Ed25519PrivateKey:
    path = home / SIGNING_KEY
    if not path.exists():
        log.info("creating the station signing key %s", path)
        write_private(path, Ed25519PrivateKey.generate())
    return load_ed25519_private(path)


def central_public_key(home: Path) -> X25519PublicKey | None:
    path = home / CENTRAL_KEY
    if not path.exists():
        return None
    return load_x25519_public(path.read_bytes())


def manifest_for(sealed: SealedRecord) -> tuple[dict[str, Any], list[bytes]]:
    data: EnrollmentData = sealed.data
    entries: list[dict[str, Any]] = []
    blobs: list[bytes] = []
    for item in sorted(data.items, key=lambda i: i.kind):
        entries.append(item.to_manifest())
        blobs.append(item.payload or b"")
    manifest = {
        "v": 1,
        "station": sealed.station_code,
        "record_uuid": data.uuid,
        "station_seq": sealed.station_seq,
        "reg_no": sealed.reg_no,
        "operator": data.operator,
        "sealed_at": sealed.sealed_at.isoformat(),
        "corrects_uuid": data.corrects_uuid,
        "demographics": data.demographics,
        "items": entries,
    }
    return manifest, blobs


def write_atomically(path: Path, blob: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dirfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)


class PacketWriter:
    """The seal hook that writes each record's packet inside the sealing transaction."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.signing_key = ensure_signing_key(home)

    def __call__(self, conn: Connection, sealed: SealedRecord) -> None:
        central = central_public_key(self.home)
        if central is None:
            return  # built later by ensure_packet, once the centre's key is known
        manifest, blobs = manifest_for(sealed)
        blob = build_packet(manifest, blobs, signing_key=self.signing_key, central_public=central)
        try:
            write_atomically(packet_path(self.home, sealed.data.uuid), blob)
        except OSError as exc:
            raise StorageError(
                Text(
                    f"Paket rekaman tidak dapat ditulis ({exc.strerror}); rekaman tidak disegel. Periksa ruang disk.",
                    f"The record's packet could not be written ({exc.strerror}); the record was not sealed. "
                    "Check the free disk space.",
                ),
                code="storage.packet_write",
            ) from exc
        conn.execute(
            update(_ENR)
            .where(_ENR.c.id == sealed.row_id)
            .values(packet_sha256=hashlib.sha256(blob).hexdigest(), packet_size=len(blob))
        )


def remove_orphans(home: Path, conn: Connection) -> int:
    """Delete packet files that belong to no sealed record (a crash between rename and commit)."""
    folder = home / PACKETS_DIR
    if not folder.exists():
        return 0
    known = {u for (u,) in conn.execute(select(_ENR.c.uuid).where(_ENR.c.packet_sha256.is_not(None)))}
    removed = 0
    for path in folder.iterdir():
        if path.suffix == ".tmp" or (path.suffix == ".pkt" and path.stem not in known):
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.warning("removed %d packet files that belong to no sealed record", removed)
    return removed

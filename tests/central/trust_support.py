"""Helpers for the receiver's trust tests: verdict checks, a second station, a
decompression bomb, and rows inserted straight into the database for timing.

Every NIK here uses district digits 91-99 (no real kecamatan has them).
"""

from __future__ import annotations

import base64
import os
import struct
import uuid
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import insert, update

from central.db import counters, records, write
from central.receiver import Receiver
from central.stations import add_station
from tests.central.support import FakeStation, Packet
from wire.canonical import canonical
from wire.keys import public_pem
from wire.packet import MAGIC, _key
from wire.receipts import Verdict, verify_verdict

OTHER = "329104-02"


def verified(
    receiver: Receiver,
    answer: Any,
    p: Packet,
    *,
    station: str,
    state: str,
    seq: int | None = None,
    sha256: str | None = None,
) -> Verdict:
    """The verdict in `answer` checked as a station would: under the centre's receipt
    key, for its own station, uuid, sequence number and packet hash."""
    return verify_verdict(
        receiver.keys.receipt_key.public_key(),
        answer,
        station=station,
        record_uuid=p.record_uuid,
        station_seq=p.seq if seq is None else seq,
        sha256=p.sha256 if sha256 is None else sha256,
        state=state,
    )


def add_other_station(receiver: Receiver, central_public: X25519PublicKey, code: str = OTHER) -> FakeStation:
    other = FakeStation(code, central_public)
    add_station(receiver.engine, other.code, public_pem(other.key), name="Loket lain", now=receiver.clock())
    return other


def upload(
    receiver: Receiver, station: str, p: Packet, *, seq: int | None = None, uuid_as: str | None = None
) -> dict[str, Any]:
    """Register, store and commit through the Receiver methods; returns the commit answer."""
    record_uuid = uuid_as or p.record_uuid
    body = {"station_seq": seq or p.seq, "sha256": p.sha256, "size": p.size}
    receiver.register(station, record_uuid, body)
    receiver.append(station, record_uuid, 0, p.blob, None)
    return receiver.commit(station, record_uuid)


def bomb_packet(station: str, centre: X25519PublicKey, *, inflated: int, record_uuid: str | None = None) -> bytes:
    """A validly encrypted packet (AEAD tag good) whose plaintext is `inflated` zero bytes,
    compressed streaming so building it never holds the inflated bytes."""
    record_uuid = record_uuid or str(uuid.uuid4())
    squeeze = zlib.compressobj(9)
    zero = bytes(1 << 20)
    parts: list[bytes] = []
    for _ in range(inflated >> 20):
        parts.append(squeeze.compress(zero))
    parts.append(squeeze.compress(bytes(inflated & ((1 << 20) - 1))))
    parts.append(squeeze.flush())
    return sealed_body(station, centre, b"".join(parts), record_uuid=record_uuid)


def sealed_body(station: str, centre: X25519PublicKey, compressed: bytes, *, record_uuid: str | None = None) -> bytes:
    """A validly encrypted packet (AEAD tag good) whose plaintext is `compressed` as
    given: anyone with the centre's public key can send this, however malformed inside."""
    record_uuid = record_uuid or str(uuid.uuid4())
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    header = canonical(
        {
            "v": 1,
            "station": station,
            "record_uuid": record_uuid,
            "station_seq": 1,
            "epk": base64.b64encode(ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode(),
            "nonce": base64.b64encode(nonce).decode(),
        }
    )
    key = _key(ephemeral.exchange(centre), record_uuid)
    return MAGIC + struct.pack(">I", len(header)) + header + AESGCM(key).encrypt(nonce, compressed, header)


def insert_received(receiver: Receiver, station: str, count: int, *, now: datetime) -> list[dict[str, Any]]:
    """`count` received rows for `station` written straight to the database (no packets):
    what a reconcile of a long-lived station reads. Returns the reconcile entries."""
    rows: list[dict[str, Any]] = []
    for n in range(1, count + 1):
        record_uuid = str(uuid.UUID(int=n | (0x5A << 120)))
        rows.append(
            {
                "station": station,
                "record_uuid": record_uuid,
                "station_seq": n,
                "sha256": f"{n:064x}",
                "size": 1000,
                "state": "received",
                "registered_at": now,
                "received_at": now,
                "server_seq": n,
                "receipt_id": str(uuid.uuid4()),
                "nik_hash": f"{n % 997:064x}",  # some residents enrolled more than once
                "lineage": f"{station}/{record_uuid}",
                "commit_count": 1,
                "via": "upload",
            }
        )
    with write(receiver.engine) as conn:
        conn.execute(insert(records), rows)
        conn.execute(update(counters).where(counters.c.name == "server_seq").values(value=count))
    return [{"uuid": r["record_uuid"], "station_seq": r["station_seq"], "sha256": r["sha256"]} for r in rows]


def export_stick(
    directory: Path,
    st: FakeStation,
    packets: list[Packet],
    *,
    key: Ed25519PrivateKey | None = None,
    manifest: bytes | None = None,
) -> Path:
    """A hand-carry folder as `station export` writes it (or with the given manifest
    bytes, signed by `key` or the station's own key)."""
    directory.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    for p in packets:
        (directory / f"{p.record_uuid}.pkt").write_bytes(p.blob)
        entries.append(
            {
                "uuid": p.record_uuid,
                "station_seq": p.seq,
                "sha256": p.sha256,
                "size": p.size,
                "file": f"{p.record_uuid}.pkt",
            }
        )
    raw = manifest
    if raw is None:
        raw = canonical({"station": st.code, "exported_at": "2026-11-22T07:00:00Z", "packets": entries})
    (directory / "manifest.json").write_bytes(raw)
    (directory / "manifest.sig").write_bytes((key or st.key).sign(raw))
    return directory

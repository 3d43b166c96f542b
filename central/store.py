"""Packet bytes in the database: upload chunks, received packets, packets set aside.

Plain functions on a connection, called inside the receiver's transactions (the
writes only under the station's lock, central.db.station_lock).

Traps:
- An upload's offset is the sum of its chunks' `length` column (`find` adds it to the
  record's row as `stored`): the bytes are never loaded to learn it, and no second
  copy of it exists that could disagree after a crash.
- Chunks are appended only at the stored offset, checked in the same locked
  transaction, so they tile 0..offset without gaps or overlaps; `partial_bytes` joins
  them in order.
- A received packet is written once, in the transaction that marks its record
  received; nothing here updates or deletes one.
- The statements are built once, with bind parameters: building a SQLAlchemy
  statement per call costs about five times its execution on this path.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select

from central.db import packets, records, rejected_packets, stored_length, upload_chunks

_FIND = select(records, stored_length().label("stored"))
_FIND_ONE = _FIND.where(records.c.station == bindparam("station"), records.c.record_uuid == bindparam("record_uuid"))
_OF_RECORD = (upload_chunks.c.station == bindparam("station"), upload_chunks.c.record_uuid == bindparam("record_uuid"))
_ADD_CHUNK = insert(upload_chunks)
_DROP_CHUNKS = delete(upload_chunks).where(*_OF_RECORD)
_CHUNK_BYTES = select(upload_chunks.c.data).where(*_OF_RECORD).order_by(upload_chunks.c.start)
_KEEP_PACKET = insert(packets)
_PACKET_BYTES = select(packets.c.data).where(
    packets.c.station == bindparam("station"), packets.c.record_uuid == bindparam("record_uuid")
)


@dataclass(frozen=True)
class SetAside:
    reason: str
    set_aside_at: datetime
    sha256: str
    data: bytes


def find(conn: Connection, station: str, record_uuid: str) -> Row[Any] | None:
    """The record's row with `stored`, the bytes of its upload stored so far."""
    return conn.execute(_FIND_ONE, {"station": station, "record_uuid": record_uuid}).first()


def find_many(conn: Connection, station: str, record_uuids: list[str]) -> list[Row[Any]]:
    return list(conn.execute(_FIND.where(records.c.station == station, records.c.record_uuid.in_(record_uuids))))


def add_chunk(conn: Connection, station: str, record_uuid: str, start: int, data: bytes) -> None:
    values = {"station": station, "record_uuid": record_uuid, "start": start, "length": len(data), "data": data}
    conn.execute(_ADD_CHUNK, values)


def drop_chunks(conn: Connection, station: str, record_uuid: str) -> None:
    conn.execute(_DROP_CHUNKS, {"station": station, "record_uuid": record_uuid})


def partial_bytes(conn: Connection, station: str, record_uuid: str) -> bytes:
    found = conn.execute(_CHUNK_BYTES, {"station": station, "record_uuid": record_uuid}).scalars()
    return b"".join(bytes(data) for data in found)


def keep_packet(conn: Connection, station: str, record_uuid: str, blob: bytes, *, chunks: bool = True) -> None:
    """Store the verified packet of a record being marked received; its chunks go.
    `chunks=False` when the caller read, under the station's lock, that none are stored
    (a packet sent whole): the DELETE would find nothing, and costs a round trip."""
    conn.execute(_KEEP_PACKET, {"station": station, "record_uuid": record_uuid, "data": blob})
    if chunks:
        drop_chunks(conn, station, record_uuid)


def packet_bytes(conn: Connection, station: str, record_uuid: str) -> bytes | None:
    data = conn.execute(_PACKET_BYTES, {"station": station, "record_uuid": record_uuid}).scalar()
    return None if data is None else bytes(data)


def set_aside(conn: Connection, station: str, record_uuid: str, reason: str, blob: bytes, at: datetime) -> None:
    """Keep `blob` for inquiry with its reason and time; the upload's chunks go."""
    conn.execute(
        insert(rejected_packets).values(
            station=station,
            record_uuid=record_uuid,
            reason=reason,
            set_aside_at=at,
            sha256=hashlib.sha256(blob).hexdigest(),
            data=blob,
        )
    )
    drop_chunks(conn, station, record_uuid)


def set_aside_of(conn: Connection, station: str, record_uuid: str) -> list[SetAside]:
    query = (
        select(rejected_packets)
        .where(rejected_packets.c.station == station, rejected_packets.c.record_uuid == record_uuid)
        .order_by(rejected_packets.c.id)
    )
    return [SetAside(r.reason, r.set_aside_at, r.sha256, bytes(r.data)) for r in conn.execute(query)]

"""What the centre knows about a station's records: downstream status, watermark and gaps.

Downstream processing is simulated, and computed lazily from stored facts so it is
deterministic: a received record is PENDING until received_at + delay, then
DUPLICATE if an earlier received record (lower server_seq) has the same NIK hash and
is not in its correction lineage, otherwise PRINT_READY. Traps:
- "Earlier" is by server_seq, so the first record of a resident is PRINT_READY and
  only the later ones are DUPLICATE; the answer never changes once given.
- A correction carries the NIK of the record it corrects; it is not a duplicate of
  it. Each record stores its lineage (the uuid at the root of its corrects_uuid
  chain) and only other lineages count.
- Gaps can be hostile (a station_seq of 10**12): the list is cut at MAX_GAPS.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Row, select

from central.db import records

REGISTERED, RECEIVED, REJECTED = "registered", "received", "rejected"
PENDING, PRINT_READY, DUPLICATE = "PENDING", "PRINT_READY", "DUPLICATE"
MAX_GAPS = 10_000


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def receipt_of(row: Row[Any]) -> dict[str, Any] | None:
    if row.state != RECEIVED:
        return None
    return {
        "receipt_id": row.receipt_id,
        "server_seq": int(row.server_seq),
        "received_at": iso(row.received_at),
        "sha256": row.sha256,
    }


def downstream(conn: Connection, row: Row[Any], *, now: datetime, delay_s: float) -> str | None:
    if row.state != RECEIVED:
        return None
    if now < row.received_at + timedelta(seconds=delay_s):
        return PENDING
    if row.nik_hash is None:
        return PRINT_READY
    earlier = conn.execute(
        select(records.c.record_uuid)
        .where(
            records.c.nik_hash == row.nik_hash,
            records.c.state == RECEIVED,
            records.c.server_seq < row.server_seq,
            records.c.lineage != row.lineage,
        )
        .limit(1)
    ).first()
    return DUPLICATE if earlier is not None else PRINT_READY


def downstream_all(rows: Iterable[Row[Any]], *, now: datetime, delay_s: float) -> dict[str, str]:
    """Downstream status of many received records in one pass (for the report)."""
    out: dict[str, str] = {}
    lineages: dict[str, set[str]] = {}
    for row in sorted((r for r in rows if r.state == RECEIVED), key=lambda r: int(r.server_seq)):
        seen = lineages.setdefault(row.nik_hash, set()) if row.nik_hash is not None else set()
        duplicate = bool(seen - {row.lineage})
        seen.add(row.lineage)
        if now < row.received_at + timedelta(seconds=delay_s):
            out[row.record_uuid] = PENDING
        else:
            out[row.record_uuid] = DUPLICATE if duplicate else PRINT_READY
    return out


def watermark_and_gaps(conn: Connection, station: str) -> tuple[int, list[int]]:
    """Highest n with 1..n all received, and the missing numbers below the highest received."""
    seqs = set(
        conn.execute(
            select(records.c.station_seq).where(records.c.station == station, records.c.state == RECEIVED)
        ).scalars()
    )
    watermark = 0
    while watermark + 1 in seqs:
        watermark += 1
    top = max(seqs, default=0)
    missing = (n for n in range(watermark + 1, top) if n not in seqs)
    return watermark, list(islice(missing, MAX_GAPS))

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
- A lineage is "STATION/ROOT-UUID": corrections are honoured only within a station,
  and a uuid copied from another station is another lineage, so it is still DUPLICATE.
- Verdicts are signed from the stored row whenever they are answered (Ed25519 is
  deterministic: the same row gives the same bytes), so nothing extra is stored.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Row, select

from central.db import records
from wire.receipts import sign_verdict
from wire.states import Downstream, LedgerState

# The ledger's states and the downstream statuses are the wire's (wire.states); these
# names are kept so that central/*.py reads as before.
REGISTERED, RECEIVED, REJECTED = LedgerState.REGISTERED, LedgerState.RECEIVED, LedgerState.REJECTED
WITHDRAWN = LedgerState.WITHDRAWN  # the station withdrew it (central.withdrawals): explained, not a gap
PENDING, PRINT_READY, DUPLICATE = Downstream.PENDING, Downstream.PRINT_READY, Downstream.DUPLICATE
MAX_GAPS = 10_000
IN_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


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


def verdict(key: Ed25519PrivateKey, row: Row[Any], *, downstream: str | None = None) -> dict[str, Any] | None:
    """The signed verdict of a received or rejected row (None while it is in progress).
    `downstream` travels only in reconcile answers; receipts carry None, so a repeated
    commit gives the same bytes forever."""
    common = {
        "station": row.station,
        "record_uuid": row.record_uuid,
        "station_seq": int(row.station_seq),
        "sha256": row.sha256,
    }
    if row.state == RECEIVED:
        return sign_verdict(
            key,
            state=RECEIVED,
            **common,
            receipt_id=row.receipt_id,
            server_seq=int(row.server_seq),
            received_at=iso(row.received_at),
            downstream=downstream,
        )
    if row.state == REJECTED:
        return sign_verdict(key, state=REJECTED, **common, reason=row.reason)
    if row.state == WITHDRAWN:
        return sign_verdict(key, state=WITHDRAWN, **common, reason=row.reason)
    return None


def refusal(
    key: Ed25519PrivateKey, *, station: str, record_uuid: str, station_seq: int, sha256: str, reason: str
) -> dict[str, Any]:
    """A signed rejected verdict for what a request claimed (its sequence number and
    hash), so the station can match it to its own packet."""
    return sign_verdict(
        key,
        state=REJECTED,
        station=station,
        record_uuid=record_uuid,
        station_seq=station_seq,
        sha256=sha256,
        reason=reason,
    )


class _Residents:
    """Earlier received records of each NIK hash, ordered by server_seq, answering "is
    there an earlier one of another lineage?" with one bisect (a hostile station that
    sends one NIK ten thousand times does not make it quadratic)."""

    def __init__(self, found: Iterable[tuple[str, int, str]]) -> None:
        groups: dict[str, list[tuple[int, str]]] = {}
        for nik_hash, server_seq, lineage in found:
            groups.setdefault(nik_hash, []).append((int(server_seq), lineage))
        self._seqs: dict[str, list[int]] = {}
        self._first: dict[str, str] = {}
        self._second_at: dict[str, int] = {}  # index of the first entry of another lineage
        for nik_hash, group in groups.items():
            group.sort()
            self._seqs[nik_hash] = [seq for seq, _ in group]
            first = group[0][1]
            self._first[nik_hash] = first
            self._second_at[nik_hash] = next((i for i, (_, lin) in enumerate(group) if lin != first), len(group))

    def duplicate(self, nik_hash: str, server_seq: int, lineage: str) -> bool:
        seqs = self._seqs.get(nik_hash)
        if not seqs:
            return False
        earlier = bisect_left(seqs, server_seq)
        if earlier == 0:
            return False
        if earlier > self._second_at[nik_hash]:
            return True  # two lineages among the earlier ones: one of them is not ours
        return self._first[nik_hash] != lineage


def _status(row: Row[Any], residents: _Residents, *, now: datetime, delay_s: float) -> str | None:
    if row.state != RECEIVED:
        return None
    if now < row.received_at + timedelta(seconds=delay_s):
        return PENDING
    if row.nik_hash is None:
        return PRINT_READY
    return DUPLICATE if residents.duplicate(row.nik_hash, int(row.server_seq), row.lineage) else PRINT_READY


def downstream_many(
    conn: Connection, rows: Iterable[Row[Any]], *, now: datetime, delay_s: float
) -> dict[tuple[str, str], str | None]:
    """Downstream status of some records, keyed by (station, record_uuid), with one query
    per IN_CHUNK NIK hashes (reconcile answers up to 5,000 records at once)."""
    rows = list(rows)
    hashes = sorted({r.nik_hash for r in rows if r.state == RECEIVED and r.nik_hash is not None})
    found: list[tuple[str, int, str]] = []
    for start in range(0, len(hashes), IN_CHUNK):
        chunk = hashes[start : start + IN_CHUNK]
        query = select(records.c.nik_hash, records.c.server_seq, records.c.lineage).where(
            records.c.state == RECEIVED, records.c.nik_hash.in_(chunk)
        )
        found += [(r.nik_hash, int(r.server_seq), r.lineage) for r in conn.execute(query)]
    residents = _Residents(found)
    return {(r.station, r.record_uuid): _status(r, residents, now=now, delay_s=delay_s) for r in rows}


def downstream(conn: Connection, row: Row[Any], *, now: datetime, delay_s: float) -> str | None:
    return downstream_many(conn, [row], now=now, delay_s=delay_s)[(row.station, row.record_uuid)]


def downstream_all(rows: Iterable[Row[Any]], *, now: datetime, delay_s: float) -> dict[tuple[str, str], str]:
    """Downstream status of every received record among `rows` (all of them: the report)."""
    rows = [r for r in rows if r.state == RECEIVED]
    residents = _Residents((r.nik_hash, int(r.server_seq), r.lineage) for r in rows if r.nik_hash is not None)
    out: dict[tuple[str, str], str] = {}
    for row in rows:
        status = _status(row, residents, now=now, delay_s=delay_s)
        assert status is not None
        out[(row.station, row.record_uuid)] = status
    return out


def watermark_and_gaps(conn: Connection, station: str) -> tuple[int, list[int]]:
    """Highest n with 1..n all received or withdrawn, and the missing numbers below the
    highest of those: a number the station withdrew is explained, not a gap."""
    seqs = set(
        conn.execute(
            select(records.c.station_seq).where(
                records.c.station == station, records.c.state.in_((RECEIVED, WITHDRAWN))
            )
        ).scalars()
    )
    watermark = 0
    while watermark + 1 in seqs:
        watermark += 1
    top = max(seqs, default=0)
    missing = (n for n in range(watermark + 1, top) if n not in seqs)
    return watermark, list(islice(missing, MAX_GAPS))

"""Reconcile: what the centre holds of a station's records, signed, in a few queries.

Traps:
- Up to 5,000 entries per request: rows are read IN_CHUNK at a time and downstream
  statuses in bulk, so an answer is a few queries, not 10,000.
- An entry's claimed sha256 that differs from the registered one is answered rejected
  (record.hash_conflict) with a refusal signed for what was claimed, so the station can
  match it to its own packet; the stored record is not touched.
- The watermark and gaps are signed together with the time they were computed (`at`).
- Kept out of central/receiver.py only for length; it reads the receiver's rows, keys
  and clock the same way the receiver's own methods do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row

from central import ledger, store
from central.db import read
from central.errors import CentralError
from central.ledger import REJECTED
from central.receiver import MAX_SEQ, SHA256_RE, positive_int
from central.stations import valid_code
from wire.canonical import canonical_uuid
from wire.receipts import sign_ledger
from wire.states import LedgerState

if TYPE_CHECKING:
    from central.receiver import Receiver


def reconcile(receiver: Receiver, station: str, entries: list[Any]) -> dict[str, Any]:
    """Each record's state with its signed verdict, and the station's watermark and
    gaps signed with the time they were computed. Rows are read IN_CHUNK at a time
    and downstream statuses in bulk: 5,000 entries are a few queries, not 10,000."""
    if not valid_code(station):
        raise CentralError("request.invalid", "the station code in the URL is not valid")
    now = receiver.clock()
    wanted = [_entry(entry) for entry in entries]
    uuids = sorted({record_uuid for record_uuid, _, _ in wanted})
    with read(receiver.engine) as conn:
        rows: dict[str, Row[Any]] = {}
        for start in range(0, len(uuids), ledger.IN_CHUNK):
            chunk = uuids[start : start + ledger.IN_CHUNK]
            found = store.find_many(conn, station, chunk)
            rows.update((r.record_uuid, r) for r in found)
        downstream = ledger.downstream_many(conn, rows.values(), now=now, delay_s=receiver.settings.downstream_delay_s)
        watermark, gaps = ledger.watermark_and_gaps(conn, station)
    out = [
        _one(receiver, station, record_uuid, seq, sha, rows.get(record_uuid), downstream)
        for record_uuid, seq, sha in wanted
    ]
    at = ledger.iso(now)
    signature = sign_ledger(receiver.keys.receipt_key, station=station, watermark=watermark, gaps=gaps, at=at)
    return {"records": out, "watermark": watermark, "gaps": gaps, "at": at, "ledger_signature": signature}


def _one(
    receiver: Receiver,
    station: str,
    record_uuid: str,
    seq: int | None,
    sha: str | None,
    row: Row[Any] | None,
    downstream: Mapping[tuple[str, str], str | None],
) -> dict[str, Any]:
    base: dict[str, Any] = {"uuid": record_uuid, "station_seq": seq}
    if row is None:
        return {
            **base,
            "state": LedgerState.UNKNOWN,
            "offset": 0,
            "reason": None,
            "downstream": None,
            "verdict": None,
        }
    if sha is not None and sha != row.sha256:
        reason = "record.hash_conflict"
        refused = receiver._refusal(station, record_uuid, seq or int(row.station_seq), sha, reason)
        return {**base, "state": REJECTED, "offset": 0, "reason": reason, "downstream": None, "verdict": refused}
    state, offset = receiver.state_and_offset(row)
    status = downstream.get((station, record_uuid))
    return {
        **base,
        "station_seq": int(row.station_seq),
        "state": state,
        "offset": offset,
        "reason": row.reason,
        "downstream": status,
        "verdict": receiver.verdict(row, downstream=status),
    }


def _entry(entry: Any) -> tuple[str, int | None, str | None]:
    """(canonical uuid, claimed station_seq, claimed sha256) of one reconcile entry."""
    if not isinstance(entry, dict) or not isinstance(entry.get("uuid"), str):
        raise CentralError("request.invalid", "each record needs a uuid")
    try:
        record_uuid = canonical_uuid(entry["uuid"])
    except ValueError:
        raise CentralError("request.invalid", "a record's uuid is not a UUID (8-4-4-4-12 hex digits)") from None
    seq = entry.get("station_seq")
    if seq is not None:
        seq = positive_int(seq, "station_seq", MAX_SEQ)
    sha = entry.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not SHA256_RE.match(sha)):
        raise CentralError("request.invalid", "a record's sha256 must be 64 lowercase hex digits")
    return record_uuid, seq, sha

"""A station's signed withdrawal: a record its supervisor rejected at end-of-day approval.

The station never sends that record's packet, but the record took a station_seq when
it was sealed, and the centre's gap list would report the number as missing forever.
So the station withdraws it, in its turn in the strict-FIFO queue:

    POST /v1/stations/{code}/records/{uuid}/withdraw
    {"station_seq": N, "sha256": HEX, "reason": CODE}

signed with the station key like every request (that signature IS the signed
withdrawal: only the station can make it). The centre records (station, uuid,
station_seq) as `withdrawn` with the reason, no packet and size 0, and answers a
verdict signed with its receipt key, state `withdrawn`, which the station verifies
before it marks the record WITHDRAWN and deletes the packet. Withdrawn numbers count
as filled in the watermark and the gap list (central.ledger), `report` lists them with
their reason, and reconcile answers them with their verdict.

Traps:
- Idempotent: the same withdrawal again answers the same verdict (a lost answer is
  resolved by resending). The same uuid with another station_seq or hash is refused
  (record.hash_conflict), like a register that disagrees with the stored row.
- A uuid the centre already knows otherwise (registered, received, rejected) is refused
  with `record.not_withdrawable` and its own verdict when it has one: a received record
  stays received; a station that withdrew it by mistake learns what the centre holds.
- A station_seq held by another uuid of the station is refused (record.seq_conflict).
- Later, a register, PATCH or commit of a withdrawn uuid is refused (record.withdrawn),
  and an Upload-Commit-After naming it counts as resolved (central.receiver).
- `sha256` is the hash of the packet the station holds and never sent: the verdict is
  bound to it as every verdict is, so it cannot be moved to another record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, insert, select

from central.db import records
from central.errors import CentralError
from wire.states import LedgerState

if TYPE_CHECKING:
    from central.receiver import Receiver

log = logging.getLogger(__name__)

WITHDRAWN = LedgerState.WITHDRAWN
REASON_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_SEQ = 2**62
VIA = "withdrawal"


def withdrawn_verdict(receiver: Receiver, row: Row[Any]) -> dict[str, Any]:
    """The signed `withdrawn` verdict of a withdrawn row (central.ledger.verdict: computed
    from the row, so the same bytes every time it is answered)."""
    verdict = receiver.verdict(row)
    assert verdict is not None and verdict["state"] == WITHDRAWN
    return verdict


def _body(body: Mapping[str, Any]) -> tuple[int, str, str]:
    seq = body.get("station_seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
        raise CentralError("request.invalid", "station_seq must be a positive integer")
    sha = body.get("sha256")
    if not isinstance(sha, str) or not SHA256_RE.match(sha):
        raise CentralError("request.invalid", "sha256 must be 64 lowercase hex digits")
    reason = body.get("reason")
    if not isinstance(reason, str) or not REASON_RE.match(reason):
        raise CentralError("request.invalid", "reason must be a code: lower-case letters, digits and _ (at most 40)")
    return seq, sha, reason


def withdraw(receiver: Receiver, station: str, record_uuid: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Record the station's withdrawal of `record_uuid`; the answer with its signed verdict."""
    from central.receiver import check_ids

    record_uuid = check_ids(station, record_uuid)
    seq, sha, reason = _body(body)
    with receiver._station_write(station) as conn:
        row = receiver._find(conn, station, record_uuid)
        if row is not None:
            if row.state == WITHDRAWN and (int(row.station_seq), row.sha256) == (seq, sha):
                return {"state": WITHDRAWN, "reason": row.reason, "verdict": withdrawn_verdict(receiver, row)}
            if row.state == WITHDRAWN:
                raise CentralError(
                    "record.hash_conflict",
                    f"record {record_uuid} was withdrawn with another sequence number or hash",
                    verdict=receiver._refusal(station, record_uuid, seq, sha, "record.hash_conflict"),
                )
            raise CentralError(
                "record.not_withdrawable",
                f"record {record_uuid} is {row.state} at the centre and cannot be withdrawn",
                verdict=receiver.verdict(row),
            )
        taken = conn.execute(
            select(records.c.record_uuid).where(records.c.station == station, records.c.station_seq == seq)
        ).first()
        if taken is not None:
            raise CentralError(
                "record.seq_conflict",
                f"station_seq {seq} is already held by another record of station {station}",
                verdict=receiver._refusal(station, record_uuid, seq, sha, "record.seq_conflict"),
            )
        conn.execute(
            insert(records).values(
                station=station,
                record_uuid=record_uuid,
                station_seq=seq,
                sha256=sha,
                size=0,
                state=WITHDRAWN,
                reason=reason,
                registered_at=receiver.clock(),
                commit_count=0,
                via=VIA,
            )
        )
        row = receiver._find(conn, station, record_uuid)
        assert row is not None
        log.info("%s/%s seq %d withdrawn by the station (%s)", station, record_uuid, seq, reason)
        return {"state": WITHDRAWN, "reason": reason, "verdict": withdrawn_verdict(receiver, row)}


def refuse_withdrawn(receiver: Receiver, row: Row[Any]) -> None:
    """A register, upload or commit of a withdrawn record: refused, with its verdict."""
    if row.state == WITHDRAWN:
        raise CentralError(
            "record.withdrawn",
            f"record {row.record_uuid} was withdrawn by its station; its packet is not taken",
            verdict=withdrawn_verdict(receiver, row),
        )

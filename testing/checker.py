"""Compare the station's ledger with the centre's database, Jepsen-style.

Counts, each of which must be 0 after heal, force sync and drain:
- lost: sealed at the station but not received by the centre;
- duplicated: a packet committed more than once, or one station_seq received under two UUIDs;
- corrupted: the centre holds a packet whose SHA-256 differs from the station's;
- falsely_acknowledged: the station holds a receipt the centre does not know for that record;
- out_of_order: the centre received a later station_seq before an earlier one (server_seq order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from station.core import StationCore
from store.models import Enrollment


@dataclass
class Verdict:
    sealed: int = 0
    received: int = 0
    lost: list[int] = field(default_factory=list)
    duplicated: int = 0
    corrupted: list[int] = field(default_factory=list)
    falsely_acknowledged: list[int] = field(default_factory=list)
    out_of_order: int = 0

    @property
    def failures(self) -> int:
        return (
            len(self.lost) + self.duplicated + len(self.corrupted) + len(self.falsely_acknowledged) + self.out_of_order
        )

    def lines(self) -> list[str]:
        return [
            f"sealed {self.sealed}, received {self.received}",
            f"lost {len(self.lost)} {self.lost[:10]}",
            f"duplicated {self.duplicated}",
            f"corrupted {len(self.corrupted)} {self.corrupted[:10]}",
            f"falsely acknowledged {len(self.falsely_acknowledged)} {self.falsely_acknowledged[:10]}",
            f"out of order {self.out_of_order}",
        ]


def check(core: StationCore, report: dict[str, Any], *, expect_order: bool = True) -> Verdict:
    code = core.station().code
    station = next(s for s in report["stations"] if s["station"] == code)
    central = {r["record_uuid"]: r for r in station["records"] if r.get("receipt_id")}
    with core.db.read() as s:
        local = s.execute(
            select(Enrollment.uuid, Enrollment.station_seq, Enrollment.packet_sha256, Enrollment.receipt_id).where(
                Enrollment.station_seq.is_not(None)
            )
        ).all()
    v = Verdict(sealed=len(local), received=len(central))
    v.duplicated = int(station["committed_more_than_once"]) + len(station["seq_received_twice"])
    for record_uuid, maybe_seq, sha, receipt in local:
        seq = int(maybe_seq or 0)
        got = central.get(record_uuid)
        if got is None:
            v.lost.append(seq)
            if receipt is not None:
                v.falsely_acknowledged.append(seq)
            continue
        if got["sha256"] != sha:
            v.corrupted.append(seq)
        if receipt is not None and receipt != got["receipt_id"]:
            v.falsely_acknowledged.append(seq)
    if expect_order:
        by_server = sorted(central.values(), key=lambda r: r["server_seq"])
        seqs = [r["station_seq"] for r in by_server]
        v.out_of_order = sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b < a)
    return v

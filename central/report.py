"""`station-central report`: what the centre holds, per station, for people and for checkers.

The JSON form is what a soak test's ledger checker reads: every received or rejected
record with its receipt and downstream status, the watermark and gaps, and the
number of records whose packet was committed more than once (must be 0).

`operational` holds what an operator watches in a surge, from the database (so
global over every `serve` process): records received in the last minute and hour
(and per second), counts per state, and the backlog (registered, not yet received):
how many, how old the oldest is, per station oldest first. Each station's entry
also has its `backlog_age_s`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from central import ledger
from central.db import read, records
from central.ledger import RECEIVED, REGISTERED, REJECTED, WITHDRAWN
from central.receiver import Receiver
from central.stations import list_stations


def build_report(receiver: Receiver) -> dict[str, Any]:
    now = receiver.clock()
    with read(receiver.engine) as conn:
        rows = conn.execute(select(records).order_by(records.c.station, records.c.station_seq)).all()
        downstream = ledger.downstream_all(rows, now=now, delay_s=receiver.settings.downstream_delay_s)
        marks = {s.code: ledger.watermark_and_gaps(conn, s.code) for s in list_stations(receiver.engine)}
    by_station: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_station[row.station].append(row)
    out: list[dict[str, Any]] = []
    for station in list_stations(receiver.engine):
        mine = by_station.get(station.code, [])
        watermark, gaps = marks[station.code]
        seq_uuids: dict[int, list[str]] = defaultdict(list)
        for row in mine:
            if row.state == RECEIVED:
                seq_uuids[int(row.station_seq)].append(row.record_uuid)
        out.append(
            {
                "station": station.code,
                "name": station.name,
                "records": [
                    _record(row, downstream.get((row.station, row.record_uuid)))
                    for row in mine
                    if row.state != REGISTERED
                ],
                "received": sum(1 for r in mine if r.state == RECEIVED),
                "rejected": sum(1 for r in mine if r.state == REJECTED),
                "withdrawn": sum(1 for r in mine if r.state == WITHDRAWN),  # by the station, with a reason
                "in_progress": sum(1 for r in mine if r.state == REGISTERED),
                "committed_more_than_once": sum(1 for r in mine if int(r.commit_count) > 1),
                "seq_received_twice": sorted(seq for seq, uuids in seq_uuids.items() if len(uuids) > 1),
                "watermark": watermark,
                "gaps": gaps,
                "backlog_age_s": _backlog_age(mine, now),
            }
        )
    return {
        "generated_at": ledger.iso(now),
        "stations": out,
        "committed_more_than_once": sum(s["committed_more_than_once"] for s in out),
        "received": sum(s["received"] for s in out),
        "rejected": sum(s["rejected"] for s in out),
        "operational": operational(rows, now),
    }


def operational(rows: Sequence[Any], now: datetime) -> dict[str, Any]:
    """Rates from received_at, counts per state, and the backlog ages."""
    states: dict[str, int] = defaultdict(int)
    for row in rows:
        states[str(row.state)] += 1
    received_at = [row.received_at for row in rows if row.state == RECEIVED and row.received_at is not None]
    last_minute = sum(1 for t in received_at if now - t <= timedelta(minutes=1))
    last_hour = sum(1 for t in received_at if now - t <= timedelta(hours=1))
    waiting: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row.state == REGISTERED:
            waiting[row.station].append(row)
    backlog: list[dict[str, Any]] = sorted(
        (
            {
                "station": station,
                "records": len(mine),
                "oldest_registered_at": ledger.iso(min(r.registered_at for r in mine)),
                "age_s": _backlog_age(mine, now),
            }
            for station, mine in waiting.items()
        ),
        key=lambda b: -b["age_s"],
    )
    return {
        "states": {state: states.get(state, 0) for state in (REGISTERED, RECEIVED, REJECTED)},
        "received_last_minute": last_minute,
        "received_per_s_last_minute": round(last_minute / 60, 3),
        "received_last_hour": last_hour,
        "received_per_s_last_hour": round(last_hour / 3600, 3),
        "backlog": {
            "records": sum(b["records"] for b in backlog),
            "oldest_age_s": backlog[0]["age_s"] if backlog else 0.0,
            "stations": backlog,
        },
    }


def _backlog_age(rows: Sequence[Any], now: datetime) -> float:
    """Seconds since the oldest of these rows still registered was registered (0: none)."""
    times = [row.registered_at for row in rows if row.state == REGISTERED]
    return round(max(0.0, (now - min(times)).total_seconds()), 3) if times else 0.0


def _record(row: Any, downstream: str | None) -> dict[str, Any]:
    receipt = ledger.receipt_of(row)
    return {
        "record_uuid": row.record_uuid,
        "station_seq": int(row.station_seq),
        "sha256": row.sha256,
        "status": row.state,
        "downstream": downstream,
        "reason": row.reason,
        "receipt_id": receipt["receipt_id"] if receipt else None,
        "server_seq": receipt["server_seq"] if receipt else None,
        "received_at": receipt["received_at"] if receipt else None,
        "via": row.via,
    }


def render_text(report: dict[str, Any]) -> str:
    lines = [f"central report at {report['generated_at']}"]
    for s in report["stations"]:
        gaps = ", ".join(str(n) for n in s["gaps"][:20]) + (" ..." if len(s["gaps"]) > 20 else "")
        lines.append(
            f"{s['station']} {s['name']!r}: {s['received']} received, {s['rejected']} rejected, "
            f"{s['withdrawn']} withdrawn by the station, "
            f"{s['in_progress']} in progress; watermark {s['watermark']}; gaps: {gaps or 'none'}"
        )
        for r in s["records"]:
            status = r["status"] if r["status"] != RECEIVED else f"received/{r['downstream']}"
            extra = f" server_seq {r['server_seq']}" if r["server_seq"] is not None else f" ({r['reason']})"
            lines.append(f"  #{r['station_seq']} {r['record_uuid']} {status}{extra}")
    ops = report["operational"]
    lines.append(
        f"received: {ops['received_last_minute']} in the last minute ({ops['received_per_s_last_minute']}/s), "
        f"{ops['received_last_hour']} in the last hour; backlog: {ops['backlog']['records']} records, "
        f"oldest {ops['backlog']['oldest_age_s']:.0f} s"
    )
    lines.append(f"packets committed more than once: {report['committed_more_than_once']}")
    return "\n".join(lines)

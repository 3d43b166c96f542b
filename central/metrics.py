"""`GET /metrics`: the centre's operational numbers in the Prometheus text format (0.0.4).

Unauthenticated, so it carries aggregate numbers only: counts, rates, latencies and
station codes with their backlog age, never a record id, a NIK or a name. Traps:
- Two kinds of numbers. The counters and gauges of requests (in flight, shed, commit
  latency, turns) belong to the `serve` process that answers the scrape: with
  `--workers N` each process has its own and a scrape reaches one of them, so sum
  them over the processes' own endpoints or read them as one node's sample. The
  database numbers are global: `central_records_received_total` is the highest
  server_seq (one per received record, whoever committed it; on PostgreSQL a sequence
  may skip a number when a commit fails after taking one, so it can run slightly
  ahead of the exact count in `report --json`) and the backlog is read from the
  records table.
- The backlog query groups the not-yet-received records by station; it is bounded
  (the oldest `BACKLOG_STATIONS` stations are listed, the rest only counted) and
  cached for `CACHE_S`, so a scrape storm costs one query per few seconds.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from central.db import read, records
from central.ledger import REGISTERED

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BACKLOG_STATIONS = 50
CACHE_S = 5.0
SHED_REASONS = (
    "sessions_full",  # every turn taken: the station waits in order (central.gate)
    "turn_held",  # a free turn is held for a station ahead in line that is due back
    "crowded",  # no new turn while the work slots' queue is long (central.gate)
    "turn_over",  # the station's turn ended while others wait: back of the line
    "waiting_list_full",
    "work_slots",  # an admitted request found no work slot in time
    "body_bytes",  # the in-flight byte budget
    "station_lock",  # the station's own lock was busy (central.receiver)
    "database",  # the database busy or unreachable
    "connections",  # the connection cap (uvicorn's limit_concurrency)
)


class Histogram:
    """Cumulative buckets, sum and count; thread-safe."""

    def __init__(self, buckets: Iterable[float] = LATENCY_BUCKETS) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * len(self.buckets)
        self.total = 0.0
        self.count = 0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        with self._lock:
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    self.counts[i] += 1
            self.total += value
            self.count += 1


class Metrics:
    """The process's own counters; `render` adds the database's numbers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.shed: dict[str, int] = dict.fromkeys(SHED_REASONS, 0)
        self.commits: dict[str, int] = {"receipt": 0, "deferred": 0, "refused": 0}
        self.requests_in_flight = 0
        self.turns_handed_back = 0  # receipts that ended their turn (X-Turn-Over)
        self.commit_seconds = Histogram()
        self._backlog: tuple[float, dict[str, Any]] | None = None

    def count_shed(self, reason: str) -> None:
        with self._lock:
            self.shed[reason] = self.shed.get(reason, 0) + 1

    def count_commit(self, outcome: str, seconds: float) -> None:
        with self._lock:
            self.commits[outcome] = self.commits.get(outcome, 0) + 1
        self.commit_seconds.observe(seconds)

    def count_turn_over(self) -> None:
        with self._lock:
            self.turns_handed_back += 1

    def add_in_flight(self, delta: int) -> None:
        with self._lock:
            self.requests_in_flight += delta

    def backlog(self, engine: Engine, now: datetime) -> dict[str, Any]:
        """The database's numbers, at most one query set per CACHE_S (blocking)."""
        with self._lock:
            cached = self._backlog
        if cached is not None and time.monotonic() - cached[0] < CACHE_S:
            return cached[1]
        found = read_backlog(engine, now)
        with self._lock:
            self._backlog = (time.monotonic(), found)
        return found

    def render(self, process: dict[str, float], database: dict[str, Any]) -> str:
        """The exposition text: this process's numbers, then the database's."""
        out = _Exposition()
        out.metric("central_worker_info", "gauge", "the process that answered this scrape (its numbers are its own)")
        out.sample("central_worker_info", 1, pid=str(os.getpid()))
        out.metric(
            "central_records_received_total", "counter", "records received (all processes: the highest server_seq)"
        )
        out.sample("central_records_received_total", database["received_total"])
        out.metric("central_commits_total", "counter", "commit answers of this process, by outcome")
        for outcome, n in sorted(self.commits.items()):
            out.sample("central_commits_total", n, outcome=outcome)
        out.metric("central_requests_shed_total", "counter", "requests answered 503 server.busy, by reason")
        for reason, n in sorted(self.shed.items()):
            out.sample("central_requests_shed_total", n, reason=reason)
        out.metric(
            "central_turns_handed_back_total", "counter", "receipts that ended their station's turn (X-Turn-Over)"
        )
        out.sample("central_turns_handed_back_total", self.turns_handed_back)
        out.metric("central_requests_in_flight", "gauge", "authenticated requests being answered by this process")
        out.sample("central_requests_in_flight", self.requests_in_flight)
        for name, text in (
            ("central_work_slots", "work slots of this process"),
            ("central_work_slots_busy", "work slots in use"),
            ("central_work_slots_waiting", "admitted requests waiting for a work slot"),
            ("central_sessions_active", "stations holding a turn in this process"),
            ("central_sessions_waiting", "stations in this process's waiting list"),
            ("central_sessions_waiting_live", "waiting stations still expected back"),
            ("central_sessions_ended_per_second", "turns ended per second (the Retry-After rate)"),
            ("central_line_share", "processes this one's waiting stations are measured to be shared by"),
            ("central_inflight_body_bytes", "request-body bytes held by this process"),
        ):
            out.metric(name, "gauge", text)
            out.sample(name, process[name])
        h = self.commit_seconds
        out.metric("central_commit_duration_seconds", "histogram", "time to verify and store a record (commit)")
        for bound, n in zip(h.buckets, h.counts, strict=True):
            out.sample("central_commit_duration_seconds_bucket", n, le=_number(bound))
        out.sample("central_commit_duration_seconds_bucket", h.count, le="+Inf")
        out.sample("central_commit_duration_seconds_sum", h.total)
        out.sample("central_commit_duration_seconds_count", h.count)
        out.metric("central_backlog_records", "gauge", "records registered and not yet received (all stations)")
        out.sample("central_backlog_records", database["backlog_records"])
        out.metric("central_backlog_oldest_age_seconds", "gauge", "age of the oldest record not yet received")
        out.sample("central_backlog_oldest_age_seconds", database["backlog_oldest_age_s"])
        out.metric(
            "central_station_backlog_age_seconds",
            "gauge",
            f"age of a station's oldest record not yet received (the {BACKLOG_STATIONS} oldest stations)",
        )
        for row in database["stations"]:
            out.sample("central_station_backlog_age_seconds", row["age_s"], station=row["station"])
        return out.text()


def read_backlog(engine: Engine, now: datetime) -> dict[str, Any]:
    """Received total, and the registered-but-not-received records: count, oldest, per station."""
    oldest = func.min(records.c.registered_at)
    with read(engine) as conn:
        received = conn.execute(select(func.max(records.c.server_seq))).scalar()  # unique: an index look-up
        total, first = conn.execute(select(func.count(), oldest).where(records.c.state == REGISTERED)).one()
        rows = conn.execute(
            select(records.c.station, oldest.label("oldest"))
            .where(records.c.state == REGISTERED)
            .group_by(records.c.station)
            .order_by(oldest)
            .limit(BACKLOG_STATIONS)
        ).all()
    stations = [{"station": r.station, "age_s": _age(now, _utc(r.oldest))} for r in rows]
    return {
        "received_total": int(received or 0),
        "backlog_records": int(total or 0),
        "backlog_oldest_age_s": _age(now, _utc(first)) if first is not None else 0.0,
        "stations": stations,
    }


def _utc(value: Any) -> datetime:
    """min() over a UTCDateTime column comes back as the stored text on some engines."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _age(now: datetime, then: datetime) -> float:
    return round(max(0.0, (now - then).total_seconds()), 3)


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else f"{value:.1f}"


class _Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, text: str) -> None:
        self.lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, **labels: str) -> None:
        label = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        self.lines.append(f"{name}{{{label}}} {_number(value)}" if label else f"{name} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

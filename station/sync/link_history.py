"""RTT and throughput over the last hour, as the sync worker measures them.

The worker's LinkMonitor calls a `LinkRecorder` at every measurement (a PATCH, a
register, a reconcile, a failure); the recorder writes at most one sample per
`interval_s` (sooner when the link's state changes) to the `link_samples` table and
prunes what is older than `KEEP_S` in the same transaction, so the table stays
bounded (a few hundred rows) and survives a crash. The supervisor's console reads
`recent_samples`.

Traps:
- a sample's throughput is only the monitor's estimate if bytes moved since the last
  sample; otherwise it is None (an idle line has no throughput, and plotting the
  stale estimate would draw a flat line that was never measured);
- an offline sample has no RTT: the plot shows a gap, not the last good value;
- the recorder must never break sync: a store error is logged and the sample dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, select

from station.sync.policy import OFFLINE, UNKNOWN, LinkMonitor
from store.db import Database
from store.models import LinkSample, SyncInfo

log = logging.getLogger(__name__)

KEEP_S = 3600.0
MAX_ROWS = 2000  # a cap on top of the age limit, in case the clock jumps back
DEFAULT_INTERVAL_S = 10.0

_SAMPLES = cast(Table, LinkSample.__table__)


@dataclass(frozen=True)
class Sample:
    at: float  # Unix time
    rtt_s: float | None
    throughput_bps: float | None
    state: str


def record_sample(
    db: Database, sample: Sample, *, keep_s: float = KEEP_S, cut_facts: dict[str, Any] | None = None
) -> None:
    """Store one sample, prune old ones, and keep the station's link facts current (the
    health strip reads them; `cut_facts` are LinkMonitor.cut_facts) - one write transaction."""
    with db.write() as session:
        conn = session.connection()
        conn.execute(
            _SAMPLES.insert(),
            {"at": sample.at, "rtt_s": sample.rtt_s, "throughput_bps": sample.throughput_bps, "state": sample.state},
        )
        conn.execute(delete(_SAMPLES).where(_SAMPLES.c.at < sample.at - keep_s))
        count = conn.execute(select(func.count()).select_from(_SAMPLES)).scalar_one()
        if count > MAX_ROWS:
            cutoff = conn.execute(
                select(_SAMPLES.c.id).order_by(_SAMPLES.c.id.desc()).offset(MAX_ROWS).limit(1)
            ).scalar_one()
            conn.execute(delete(_SAMPLES).where(_SAMPLES.c.id <= cutoff))
        info = session.get(SyncInfo, 1)
        if info is None:
            info = SyncInfo(id=1, watermark=0, gaps="[]")
            session.add(info)
        info.link_state = sample.state
        if sample.rtt_s is not None:
            info.rtt_s = sample.rtt_s
        if sample.throughput_bps is not None:
            info.throughput_bps = sample.throughput_bps
        for key, value in (cut_facts or {}).items():
            if value is not None:
                setattr(info, key, value)


def recent_samples(db: Database, *, window_s: float = KEEP_S, now: float | None = None) -> list[Sample]:
    """The samples of the last `window_s` seconds, oldest first."""
    since = (now if now is not None else time.time()) - window_s
    with db.read() as session:
        rows = session.execute(
            select(_SAMPLES.c.at, _SAMPLES.c.rtt_s, _SAMPLES.c.throughput_bps, _SAMPLES.c.state)
            .where(_SAMPLES.c.at >= since)
            .order_by(_SAMPLES.c.at)
            .limit(MAX_ROWS)
        ).all()
    return [Sample(float(at), rtt, tp, str(state)) for at, rtt, tp, state in rows]


class LinkRecorder:
    """A LinkMonitor listener that writes bounded samples (see the module docstring)."""

    def __init__(
        self, db: Database, *, interval_s: float = DEFAULT_INTERVAL_S, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.interval_s = interval_s
        self.clock = clock
        self._last_at: float | None = None
        self._last_state: str | None = None
        self._moved = False

    def __call__(self, event: str, monitor: LinkMonitor) -> None:
        if event == "transfer":
            self._moved = True
        if event == "cut" and monitor.state != OFFLINE:  # a cut changes the figures the console shows
            self._last_at = None
        state = monitor.state
        now = self.clock()
        due = self._last_at is None or now - self._last_at >= self.interval_s
        if not due and state == self._last_state:
            return
        if state == UNKNOWN:
            return
        sample = Sample(
            at=now,
            rtt_s=None if state == OFFLINE else monitor.rtt_s,
            throughput_bps=monitor.throughput_bps if self._moved and state != OFFLINE else None,
            state=state,
        )
        try:
            record_sample(self.db, sample, cut_facts=monitor.cut_facts())
        except Exception:  # the plot may miss a point; sync must not stop for it
            log.exception("link sample not stored")
            return
        self._last_at, self._last_state, self._moved = now, state, False

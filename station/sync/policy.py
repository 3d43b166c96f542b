"""Backoff, circuit breaker and link monitor: how the worker paces itself.

- Full-jitter exponential backoff (sleep = random(0, min(cap, base * 2^attempt))).
  A busy centre's `Retry-After` replaces it: the wait is never shorter than asked
  and is spread over half as long again, so that a thousand stations told "30 s"
  come back over 30-45 s instead of all at 30 s (the trap: max(jitter, retry_after)
  returns them together). An asked wait is capped (RETRY_AFTER_CAP_S) and the cap
  is logged, so a hostile centre cannot park a station for days.
- A circuit breaker opens after several transient failures in a row, so a days-long
  outage costs one cheap probe per cool-down instead of a storm of requests; force
  sync half-opens it.
- The link monitor keeps smoothed RTT and throughput estimates and calls the link
  online, degraded or offline. The chunk size follows the throughput (a few seconds
  on the line, 64-256 KiB) unless the link cuts connections: a chunk cut before its
  end is lost whole (the centre cannot verify it), so every cut halves a ceiling on
  the chunk, down to MIN_CHUNK, and every chunk that arrives raises it by an eighth.
  Under periodic cuts that settles near six chunks per connection's life, which
  loses about half a chunk per cut while the headers stay small; once the link heals
  the ceiling is back at the top after a few dozen chunks. The monitor also counts
  cuts (cuts per minute over the last CUT_WINDOW_S) and when bytes last stuck.
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Clock = Callable[[], float]

log = logging.getLogger(__name__)

MIN_CHUNK = 4 * 1024  # a PATCH's head is about 700 bytes; smaller chunks would be mostly head
MAX_CHUNK = 256 * 1024
FIRST_CHUNK = 16 * 1024  # before the link is measured
CUT_WINDOW_S = 600.0  # the cut rate counts the cuts of the last ten minutes

ONLINE = "online"
DEGRADED = "degraded"
OFFLINE = "offline"
UNKNOWN = "unknown"


RETRY_AFTER_CAP_S = 900.0  # the longest a centre's Retry-After may park a station
RETRY_AFTER_SPREAD = 0.5  # a busy wait is drawn from [asked, asked * (1 + spread)]


RECONNECT_RTTS = 2.0  # a cut costs a new connection and the register that asks the offset
MIN_DELIVERY_SHARE = 0.02  # below this the estimate says "very long", never infinite


def delivery_rate(
    throughput_bps: float | None, rtt_s: float | None, cuts_per_min: float | None, chunk_bytes: int | None
) -> float | None:
    """Bytes per second that stick at the centre: the measured throughput less what the
    link's cuts cost, for an estimate of when the queue is sent that is honest on a link
    that drops its connections. Each cut loses a reconnect and the register that asks
    the offset (RECONNECT_RTTS round trips) and, on average, half the chunk in flight.
    The same physical model as bench_sync's cut bound; on the 2G profile, with the chunk
    sizes the station settles on, it predicts 0.34-0.37, 0.71-0.73 and 0.93-0.95 of the
    link for cuts every 2, 5 and 30 s, against 0.41, 0.62 and 0.95 measured by
    bench_sync's cut_sweep. None when nothing is measured yet."""
    if not throughput_bps or throughput_bps <= 0:
        return None
    if not cuts_per_min or cuts_per_min <= 0:
        return throughput_bps
    lost_per_cut = RECONNECT_RTTS * (rtt_s or 0.0) + 0.5 * (chunk_bytes or 0) / throughput_bps
    share = max(MIN_DELIVERY_SHARE, 1.0 - cuts_per_min / 60.0 * lost_per_cut)
    return throughput_bps * share


def delivery_rate_of(info: Mapping[str, Any]) -> float | None:
    """`delivery_rate` from the station's sync facts (store.outbox.Outbox.info)."""
    return delivery_rate(info.get("throughput_bps"), info.get("rtt_s"), info.get("cut_rate"), info.get("chunk_bytes"))


@dataclass
class Backoff:
    base_s: float = 2.0
    cap_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    retry_after_cap_s: float = RETRY_AFTER_CAP_S
    spread: float = RETRY_AFTER_SPREAD

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before `attempt`; a `retry_after` (a busy centre's answer)
        decides alone, through `busy_delay`."""
        if retry_after is not None:
            return self.busy_delay(retry_after)
        ceiling = min(self.cap_s, self.base_s * (2 ** max(0, attempt - 1)))
        return self.rng.uniform(0, ceiling)

    def busy_delay(self, retry_after: float) -> float:
        """At least what the centre asked (capped), plus a spread of half as long again
        (at least `base_s`, so that "Retry-After: 0" spreads too). No exponential term:
        the centre derives the wait from its backlog, and a station that stretched it
        with its own attempt count would come back later than it need. The spread
        applies past the cap too, or every capped station would return at once. It
        stays inside the centre's grace (central.gate keeps a waiter's turn until twice
        its Retry-After), so spreading never costs a station its place."""
        asked = retry_after if retry_after == retry_after and retry_after > 0 else 0.0  # NaN and negatives: 0
        if asked > self.retry_after_cap_s:
            log.warning("the centre asked to wait %.0f s; waiting at most %.0f s", asked, self.retry_after_cap_s)
            asked = self.retry_after_cap_s
        return asked + self.rng.uniform(0, max(asked * self.spread, self.base_s))


@dataclass
class CircuitBreaker:
    threshold: int = 5
    cool_down_s: float = 60.0
    clock: Clock = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    half_open: bool = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.half_open or self.clock() - self.opened_at >= self.cool_down_s else "open"

    def allow(self) -> bool:
        return self.state != "open"

    def wait_s(self) -> float:
        if self.opened_at is None or self.half_open:
            return 0.0
        return max(0.0, self.cool_down_s - (self.clock() - self.opened_at))

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self.half_open = False

    def failure(self) -> None:
        self.failures += 1
        self.half_open = False
        if self.failures >= self.threshold:
            self.opened_at = self.clock()

    def force_half_open(self) -> None:
        if self.opened_at is not None:
            self.half_open = True


@dataclass
class LinkMonitor:
    """Smoothed RTT and throughput, and the state a person would call the link."""

    clock: Clock = time.monotonic
    alpha: float = 0.3
    rtt_s: float | None = None
    throughput_bps: float | None = None
    last_ok: float | None = None
    last_failure: float | None = None
    consecutive_failures: int = 0
    history: deque[tuple[float, float | None, float | None]] = field(default_factory=lambda: deque(maxlen=720))
    chunk_ceiling: int = MAX_CHUNK  # halved by every cut chunk, raised an eighth by every chunk that arrives
    cuts: deque[float] = field(default_factory=lambda: deque(maxlen=1000))  # clock() of recent cuts
    last_progress: float | None = None  # clock() when the centre last confirmed bytes
    # Called after each measurement with "rtt", "transfer" or "failure" and the monitor
    # (station.sync.link_history keeps the last hour for the supervisor's console).
    listener: Callable[[str, LinkMonitor], None] | None = None

    def _smooth(self, old: float | None, new: float) -> float:
        return new if old is None else (1 - self.alpha) * old + self.alpha * new

    def observe_rtt(self, seconds: float) -> None:
        self.rtt_s = self._smooth(self.rtt_s, seconds)
        self._ok()
        self._tell("rtt")

    def observe_transfer(self, nbytes: int, seconds: float) -> None:
        if nbytes >= 4096 and seconds > 0:
            self.throughput_bps = self._smooth(self.throughput_bps, nbytes / seconds)
        self._ok()
        self._tell("transfer")

    def observe_chunk(self, nbytes: int) -> None:
        """A chunk arrived and the centre confirmed it: its bytes stuck."""
        self.chunk_ceiling = min(MAX_CHUNK, self.chunk_ceiling + max(nbytes, MIN_CHUNK) // 8)
        self.last_progress = self.clock()

    def observe_cut(self, chunk: int) -> bool:
        """A PATCH of `chunk` bytes was lost with its connection: nothing of it stuck. The
        ceiling drops to half that chunk (or half itself, if lower); True if it dropped."""
        before = self.chunk_ceiling
        self.chunk_ceiling = max(MIN_CHUNK, min(before, max(chunk, MIN_CHUNK)) // 2)
        self.cuts.append(self.clock())
        self._tell("cut")
        return self.chunk_ceiling < before

    def cut_rate(self) -> float:
        """Cuts per minute over the last CUT_WINDOW_S (0 when none)."""
        since = self.clock() - CUT_WINDOW_S
        while self.cuts and self.cuts[0] < since:
            self.cuts.popleft()
        return len(self.cuts) * 60.0 / CUT_WINDOW_S

    def since_progress_s(self) -> float | None:
        """Seconds since bytes last stuck at the centre, or None if none did yet."""
        return None if self.last_progress is None else self.clock() - self.last_progress

    def cut_facts(self) -> dict[str, Any]:
        """The cut figures as the station keeps them (store.models.SyncInfo): cuts per
        minute, the chunk size in use, and when bytes last stuck (UTC), if they did."""
        since = self.since_progress_s()
        return {
            "cut_rate": self.cut_rate(),
            "chunk_bytes": self.chunk_size(),
            "last_progress_at": None if since is None else datetime.now(UTC) - timedelta(seconds=since),
        }

    def observe_failure(self) -> None:
        self.consecutive_failures += 1
        self.last_failure = self.clock()
        self.history.append((time.time(), self.rtt_s, self.throughput_bps))
        self._tell("failure")

    def _tell(self, event: str) -> None:
        if self.listener is not None:
            self.listener(event, self)

    def _ok(self) -> None:
        self.consecutive_failures = 0
        self.last_ok = self.clock()
        self.history.append((time.time(), self.rtt_s, self.throughput_bps))

    @property
    def state(self) -> str:
        if self.last_ok is None and self.last_failure is None:
            return UNKNOWN
        if self.consecutive_failures >= 2 or self.last_ok is None:
            return OFFLINE
        if (self.rtt_s or 0) > 1.5 or (self.throughput_bps is not None and self.throughput_bps < 16_000):
            return DEGRADED
        return ONLINE

    def chunk_size(
        self, target_s: float = 4.0, low: int = 64 * 1024, high: int = MAX_CHUNK, first: int = FIRST_CHUNK
    ) -> int:
        """Bytes for the next PATCH: a few seconds of the link, under the cut ceiling;
        `first` before anything is measured (small, since the link may cut; pipelining
        makes a small chunk cost only its head on a good link)."""
        if self.throughput_bps is None:
            by_rate = first
        else:
            by_rate = int(min(high, max(low, self.throughput_bps * target_s)))
        return max(MIN_CHUNK, min(by_rate, self.chunk_ceiling))

    def window_bytes(self, spare: float = 1.5) -> int:
        """Bytes a sender may have on the wire: the bandwidth-delay product with some room,
        plus a chunk, so the line never waits for an answer; two chunks before anything
        is measured."""
        chunk = self.chunk_size()
        if self.throughput_bps is None or self.rtt_s is None:
            return 2 * chunk
        return max(2 * chunk, int(self.throughput_bps * self.rtt_s * spare) + chunk)

    def eta_s(self, pending_bytes: int) -> float | None:
        if not pending_bytes:
            return 0.0
        if self.throughput_bps is None or self.throughput_bps <= 0:
            return None
        return pending_bytes / self.throughput_bps

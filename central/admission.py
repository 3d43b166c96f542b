"""Admission: request-body bytes held at once, and work slots (requests doing database work).

A request is admitted only if the bytes it declares (Content-Length, or the route's cap
when it streams without one) fit under both caps; otherwise it is answered 503
`server.busy` with Retry-After before one byte of its body is read. The reservation is
held until the answer is made, so the caps bound the memory all bodies being read or
handled can take. Traps:
- Only authenticated requests reach admission (docs/sync-protocol.md "Order of
  checks"), so the per-station cap also keeps one station, or one stolen key, from
  taking the whole budget; nobody without a key can take any of it.
- The counters live in one process: each `serve` process has its own budget, which is
  what bounds that process's memory.

`WorkSlots` bounds the requests doing work (database, packet verification) at once:
a fixed number of slots, sized under the database pool, taken after the body is read
(a slow link must not hold one while it trickles a chunk) and held through the
handler. An admitted request waits for a slot at most `wait_s`, in arrival order,
then is answered 503 with Retry-After = ceil(waiting / completions per second).
Traps:
- The waiters are futures of whatever event loop they run on (Starlette's TestClient
  may use more than one), woken thread-safely; no asyncio primitive is bound to a loop.
- The number waiting is bounded by the turns (central.gate): at most a couple of
  requests per admitted station, so the wait stays short and never becomes a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

from central.gate import Shed

log = logging.getLogger(__name__)

RETRY_AFTER_S = 2


class Admission:
    """In-flight body bytes, reserved per request; thread-safe."""

    def __init__(self, *, total: int, per_station: int) -> None:
        self.total = total
        self.per_station = per_station
        self._lock = threading.Lock()
        self._held = 0
        self._by_station: dict[str, int] = {}

    def held(self, station: str | None = None) -> int:
        with self._lock:
            return self._held if station is None else self._by_station.get(station, 0)

    @contextmanager
    def reserve(self, station: str, size: int) -> Iterator[None]:
        """Hold `size` bytes for the block, or raise server.busy at once."""
        if size <= 0:  # nothing to hold (and no zero entry that two releases would race over)
            yield
            return
        with self._lock:
            mine = self._by_station.get(station, 0)
            if mine + size > self.per_station or self._held + size > self.total:
                log.warning(
                    "busy: %s asks %d bytes with %d of its own and %d in all in flight", station, size, mine, self._held
                )
                raise Shed(
                    "body_bytes", "the centre is receiving as much as it takes at once; retry later", RETRY_AFTER_S
                )
            self._held += size
            self._by_station[station] = mine + size
        try:
            yield
        finally:
            with self._lock:
                self._held -= size
                left = self._by_station[station] - size
                if left:
                    self._by_station[station] = left
                else:
                    del self._by_station[station]


RATE_WINDOW_S = 10.0


class WorkSlots:
    """At most `slots` requests at work; the rest wait in order, at most `wait_s`."""

    def __init__(self, slots: int, *, wait_s: float, max_retry_after_s: int = 60) -> None:
        self.slots = slots
        self.wait_s = wait_s
        self.max_retry_after_s = max_retry_after_s
        self._lock = threading.Lock()
        self._busy = 0
        self._waiters: deque[_Ticket] = deque()
        self._done = RateMeter()

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def done_per_s(self) -> float:
        return self._done.per_s()

    def expected_wait_s(self) -> float:
        """How long the queue would take to drain at the recent rate."""
        return self.waiting / max(1.0, self.done_per_s()) if self._waiters else 0.0

    def retry_after(self) -> int:
        rate = self.done_per_s() or 1.0
        return max(1, min(self.max_retry_after_s, math.ceil((self.waiting + 1) / rate)))

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Hold a slot for the block, or raise Shed after `wait_s` without one."""
        with self._lock:
            if self._busy < self.slots and not self._waiters:
                self._busy += 1
                ticket = None
            else:
                ticket = _Ticket(asyncio.get_running_loop().create_future())
                self._waiters.append(ticket)
        if ticket is not None:
            await self._wait(ticket)
        try:
            yield
        finally:
            self._done.add()
            self._release()

    async def _wait(self, ticket: _Ticket) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(ticket.future), self.wait_s)
        except BaseException as exc:
            with self._lock:
                handed = ticket.granted
                if not handed:
                    self._waiters.remove(ticket)
            if handed:  # the slot was handed over just as the wait ended: pass it on
                self._release()
            if isinstance(exc, TimeoutError):
                raise Shed(
                    "work_slots", "the centre is busy with other requests; retry later", self.retry_after()
                ) from None
            raise

    def _release(self) -> None:
        """Hand the slot to the first waiter, else free it."""
        with self._lock:
            if self._waiters:
                ticket = self._waiters.popleft()
                ticket.granted = True
                ticket.future.get_loop().call_soon_threadsafe(_hand_over, ticket.future)
                return
            self._busy -= 1


class RateMeter:
    """Events per second over the last RATE_WINDOW_S whole seconds, in O(window) per read."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._born = clock()
        self._counts: dict[int, int] = {}

    def add(self) -> None:
        second = int(self.clock())
        self._counts[second] = self._counts.get(second, 0) + 1
        if len(self._counts) > 2 * RATE_WINDOW_S:
            for old in [s for s in self._counts if s < second - RATE_WINDOW_S]:
                del self._counts[old]

    def per_s(self) -> float:
        now = self.clock()
        second = int(now)
        recent = sum(self._counts.get(s, 0) for s in range(second - int(RATE_WINDOW_S), second + 1))
        return recent / min(RATE_WINDOW_S, max(1.0, now - self._born))


class _Ticket:
    """A request waiting for a slot; `granted` is set, under the lock, when one is handed to it."""

    def __init__(self, future: asyncio.Future[None]) -> None:
        self.future = future
        self.granted = False


def _hand_over(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)

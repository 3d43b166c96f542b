"""Admission: how many request-body bytes the centre holds at once, per station and in total.

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
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from central.errors import CentralError

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
                raise CentralError(
                    "server.busy",
                    "the centre is receiving as much as it takes at once; retry later",
                    headers={"Retry-After": str(RETRY_AFTER_S)},
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

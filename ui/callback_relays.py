"""Device callbacks delivered to the GUI thread without flooding it.

Traps:
- a camera sends 30 frames a second from its own thread; a queued signal per frame
  piles up whenever the GUI thread is busy for a moment, and the preview then lags
  further and further behind. `Latest` keeps only the newest value and has at most
  one delivery in flight; `Batched` does the same for streams where every item
  counts (pen points);
- a driver callback may fire while its page is being deleted: both stop delivering
  when the owner's `destroyed` fires (before the relay, a child, is deleted), and the
  emit and that stop share a lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QObject

from ui.app_context import AppContext
from ui.tasks import Relay

log = logging.getLogger(__name__)


T = TypeVar("T")


def _emit(relay: Relay) -> None:
    """Called under the owner's lock: `close()` (on the page's `destroyed`, before its
    children - the relay - are deleted) cannot run in the middle of an emit."""
    try:
        relay(None)
    except RuntimeError:  # the relay is already gone
        log.debug("device callback after its page was deleted")


class Latest(Generic[T]):
    """A callable for a driver thread: keeps the newest value, delivers it to `slot` on
    the GUI thread, with at most one delivery queued (older values are dropped)."""

    def __init__(self, ctx: AppContext, owner: QObject, slot: Callable[[T], None]) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None
        self._queued = False
        self._closed = False
        self._slot = slot
        self._relay = ctx.tasks.relay(owner, self._deliver)
        owner.destroyed.connect(self.close)

    def __call__(self, value: T) -> None:
        with self._lock:
            if self._closed:
                return
            self._value = value
            if self._queued:
                return
            self._queued = True
            _emit(self._relay)

    def close(self) -> None:
        """No more deliveries (the page is being deleted; its relay goes next)."""
        with self._lock:
            self._closed = True

    def _deliver(self, _: object) -> None:
        with self._lock:
            value, self._value, self._queued = self._value, None, False
        if value is not None:
            self._slot(value)


class Batched(Generic[T]):
    """Like `Latest`, but keeps every value and delivers them as one list."""

    def __init__(self, ctx: AppContext, owner: QObject, slot: Callable[[list[T]], None]) -> None:
        self._lock = threading.Lock()
        self._items: list[T] = []
        self._closed = False
        self._slot = slot
        self._relay = ctx.tasks.relay(owner, self._deliver)
        owner.destroyed.connect(self.close)

    def __call__(self, value: T) -> None:
        with self._lock:
            if self._closed:
                return
            self._items.append(value)
            if len(self._items) == 1:  # otherwise a delivery is already queued
                _emit(self._relay)

    def close(self) -> None:
        with self._lock:
            self._closed = True

    def _deliver(self, _: object) -> None:
        with self._lock:
            items, self._items = self._items, []
        if items:
            self._slot(items)

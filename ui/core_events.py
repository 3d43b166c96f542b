"""The core's change notifications, relayed onto the GUI thread for the screens.

The core announces what it changed through `core.events` (station.events.Notifier) on
whichever thread made the change: the store writer, the sync worker, a device's I/O
thread. `CoreEvents` subscribes once per app and re-emits each `Changes` as its
`changed` signal through a queued connection, so every slot runs on the GUI thread,
later, never inside the core's call. A screen listens with `watch(self, kinds, slot)`:
the connection lives on a child of the screen and dies with it.

Traps:
- the notifier calls us from any thread, also after the app started closing: `close()`
  unsubscribes, and a notification that arrives once the Qt object is gone is dropped;
- queued even on the GUI thread: a notification made by a GUI-thread call never re-enters
  the screens while that call is still running;
- a sync run announces every record: a screen that re-reads on each notification
  throttles itself (`Throttle`: at most one read per interval, the last change never lost).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from station.events import Change, Changes, Notifier


class CoreEvents(QObject):
    """One per app: `changed(Changes)` on the GUI thread for every core notification."""

    changed = Signal(object)  # Changes
    _arrived = Signal(object)  # emitted on the notifying thread, queued to the GUI thread

    def __init__(self, events: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = events.subscribe(self._notified)

    def _notified(self, changes: Changes) -> None:
        """Runs on the notifying thread: only hand the value over to the GUI thread."""
        if shiboken6.isValid(self):
            self._arrived.emit(changes)

    @Slot(object)
    def _deliver(self, changes: Changes) -> None:
        self.changed.emit(changes)

    def watch(self, owner: QObject, kinds: Iterable[Change], slot: Callable[[Changes], None]) -> QObject:
        """Call `slot(changes)` on the GUI thread whenever a notification names one of
        `kinds`; the subscription is a child of `owner` and ends when `owner` is deleted."""
        return _Watch(self, owner, frozenset(kinds), slot)

    def close(self) -> None:
        """Stop listening to the core (app exit); later notifications go nowhere."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


class _Watch(QObject):
    def __init__(
        self, events: CoreEvents, owner: QObject, kinds: frozenset[Change], slot: Callable[[Changes], None]
    ) -> None:
        super().__init__(owner)
        self._kinds = kinds
        self._slot = slot
        events.changed.connect(self._changed)

    @Slot(object)
    def _changed(self, changes: Changes) -> None:
        if self._kinds & changes.kinds:
            self._slot(changes)


class Throttle(QObject):
    """Runs `fn` on `poke()`, at most once per `min_gap_ms`: a poke within the gap runs
    it once when the gap ends (a single-shot timer, armed only by a change), so a burst
    of notifications costs one read and the last change is always read."""

    def __init__(self, owner: QObject, fn: Callable[[], None], min_gap_ms: int) -> None:
        super().__init__(owner)
        self._fn = fn
        self._gap_s = min_gap_ms / 1000
        self._last = float("-inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)

    def poke(self) -> None:
        if self._timer.isActive():
            return  # a run is already due: it will read this change too
        wait_s = self._last + self._gap_s - time.monotonic()
        if wait_s <= 0:
            self._run()
        else:
            self._timer.start(max(1, int(wait_s * 1000)))

    def _run(self) -> None:
        self._last = time.monotonic()
        self._fn()

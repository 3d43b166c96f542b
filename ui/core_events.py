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
  the screens while that call is still running.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

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

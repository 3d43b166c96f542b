"""What the core announces when it changes something: screens listen instead of polling.

Like Anki's `operation_did_execute`: an operation that changes state (a seal, a record
sent or received, a device or a setting changed, the ticket queue moved) calls
`Notifier.notify` once with what it changed; screens subscribe and refresh on it. The
core never imports Qt: the Qt side relays these calls onto the GUI thread (a queued
signal), because `notify` runs on whichever thread made the change (the writer, the
sync worker, a device's I/O thread).

Traps:
- A subscriber must be quick and must not raise: it runs on the notifying thread, often
  inside a worker's loop. An exception is logged and swallowed so that one broken screen
  cannot stop the sync worker.
- Notify *after* the change is committed, never inside the transaction: a screen that
  reads on notification must see it.
- `notify` carries no personal data: a record is named by its UUID only.
- Another process (a `station sync` run beside the app) cannot notify this one; screens
  that show what another process changes still need a (slow) refresh of their own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

log = logging.getLogger(__name__)


class Change(StrEnum):
    """What an operation changed (one notification may carry several)."""

    DRAFT = "draft"  # a draft was saved, resumed or discarded
    SEALED = "sealed"  # a record was sealed (it joins the sync queue)
    SYNC = "sync"  # a record's sync state changed (registered, uploading, retry, exported)
    RECEIVED = "received"  # the centre's verified verdict: received or rejected
    LINK = "link"  # the link monitor's view changed (state, RTT, throughput, last sync)
    DEVICE = "device"  # a device's choice, state or health changed
    SETTINGS = "settings"  # station.toml was changed
    TICKETS = "tickets"  # the counter's ticket queue changed
    OPERATORS = "operators"  # accounts changed
    AUDIT = "audit"  # an audit event was written


@dataclass(frozen=True)
class Changes:
    """One notification: what changed, and optionally which record (by UUID) and who
    caused it (an opaque token a screen can compare with itself to skip its own echo)."""

    kinds: frozenset[Change]
    record_uuid: str | None = None
    origin: object | None = field(default=None, compare=False)

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds


Subscriber = Callable[[Changes], None]


class Notifier:
    """Thread-safe publish/subscribe for `Changes`; one per StationCore."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` on every notification; returns the function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def notify(self, *kinds: Change, record_uuid: str | None = None, origin: object | None = None) -> None:
        if not kinds:
            return
        changes = Changes(frozenset(kinds), record_uuid, origin)
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(changes)
            except Exception:
                log.exception("a subscriber failed on %s", sorted(changes.kinds))

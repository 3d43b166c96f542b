"""A busy centre: its own outcome, not a broken link.

A 503 or 429 means the centre answered: the link works, the centre is shedding load
and says when to come back (`Retry-After`). So the worker neither trips its circuit
breaker nor tells the link monitor of a failure; it waits what was asked, spread
(station.sync.policy.Backoff.busy_delay), and records the fact where the station's
sync status is read: `last_error = sync.busy` in the sync info and the head record's
`next_attempt_at` (when the next try is due). No new column: the two together say
"busy, and until when", and a record sent, or any other error, replaces it.

`centre_busy` reads that back for every screen and command (the health strip, the
sync console, `station status`, `station sync`), and `CentreBusy.text` is the one
sentence they show, "Pusat sibuk, coba lagi dalam N dtk". The trap: the time must be
counted from the moment it is shown, not from when the status was read, so screens
keep `retry_at` and ask for the text when they render.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.text import Text
from store.outbox import OutboxRecord
from store.types import utcnow

BUSY = "sync.busy"  # the station's code for a 503 or 429 (station.sync.client)
BUSY_CODES = frozenset({BUSY, "server.busy"})  # server.busy: the wire's code, should it ever surface
SECONDS_SHOWN_UP_TO = 120  # beyond this the wait is shown in minutes


@dataclass(frozen=True)
class CentreBusy:
    """The centre answered "busy" at the last attempt (`since`); the next try is due at
    `retry_at` (None when no record waits with a time, e.g. after a force sync)."""

    since: datetime | None
    retry_at: datetime | None

    def retry_in_s(self, now: datetime | None = None) -> int:
        """Whole seconds until the next try, rounded up; 0 when due or past."""
        if self.retry_at is None:
            return 0
        left = (self.retry_at - (now or utcnow())).total_seconds()
        return max(0, math.ceil(left))

    def text(self, now: datetime | None = None) -> Text:
        seconds = self.retry_in_s(now)
        if seconds <= 0:
            return Text("Pusat sibuk, segera dicoba lagi", "Centre busy, trying again shortly")
        if seconds <= SECONDS_SHOWN_UP_TO:
            return Text(f"Pusat sibuk, coba lagi dalam {seconds} dtk", f"Centre busy, next try in {seconds} s")
        minutes = math.ceil(seconds / 60)
        return Text(f"Pusat sibuk, coba lagi dalam {minutes} mnt", f"Centre busy, next try in {minutes} min")

    def as_dict(self, now: datetime | None = None) -> dict[str, Any]:
        """Plain data for `station status --json` and the health strip."""
        text = self.text(now)
        return {
            "since": self.since.isoformat() if self.since else None,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "retry_in_s": self.retry_in_s(now),
            "message": text.en,
            "message_id": text.id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CentreBusy:
        since, retry_at = d.get("since"), d.get("retry_at")
        return cls(
            datetime.fromisoformat(since) if since else None, datetime.fromisoformat(retry_at) if retry_at else None
        )


def centre_busy(info: dict[str, Any], head: OutboxRecord | None) -> CentreBusy | None:
    """The busy state from the outbox's sync info and its head record, or None.

    Busy only while a record waits (an empty queue has nothing to retry) and only while
    the last outcome was busy; the time is the head's own `next_attempt_at` when the
    head was the record answered busy, or the record held without an error of its own
    because the receipt before it ended the station's turn (X-Turn-Over)."""
    if info.get("last_error") not in BUSY_CODES or head is None:
        return None
    held = head.last_error is None or head.last_error in BUSY_CODES
    retry_at = head.next_attempt_at if held else None
    return CentreBusy(info.get("last_attempt_at"), retry_at)

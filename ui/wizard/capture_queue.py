"""One capture at a time on a wizard page, and the click that came meanwhile queued
behind it (STYLE habit 19: queued, not dropped).

The fingerprint, slap and signature pages each run one cancellable capture task at a
time: two captures must never interleave their commands on a device's port. A click
that wants another capture while one runs cancels the running one and waits for it to
end; only then does it start (`after`). The running capture's result arrives later
on the GUI thread and is stale if it was cancelled or the page was left meanwhile:
the operator had moved on, so the page discards it (`ended`).

Trap: a task's `running` turns false on the worker thread, before its result is
delivered. The queue counts the capture as running until the result is delivered, so
no second capture starts in between; `cancel` and `drop` leave such a result alone (it
is still taken); `stop` marks it stale too, which is what leaving the page needs (the
page may be entered again before the result arrives).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ui.tasks import TaskHandle

log = logging.getLogger(__name__)


class CaptureQueue:
    """The page's running capture (`handle`, set by the page when it starts one) and
    what to start once it has ended. Plain object: it lives on the GUI thread only."""

    def __init__(self) -> None:
        self.handle: TaskHandle | None = None
        self._queued: Callable[[], None] | None = None

    @property
    def running(self) -> bool:
        """A capture is under way until its result has been delivered (`ended`), not
        only until its task stops on the worker: a capture started in between would have
        its handle taken by the earlier result, run unseen, and let a third one start
        beside it on the same device."""
        return self.handle is not None

    @property
    def cancelled(self) -> bool:
        """The capture was cancelled (it may still be winding down)."""
        return self.handle is not None and self.handle.cancel_token.cancelled

    def cancel(self) -> None:
        """Cancel the running capture, if one runs; what is queued still starts after it."""
        if self.handle is not None and self.handle.running:
            self.handle.cancel()

    def after(self, start: Callable[[], None]) -> None:
        """Cancel the running capture and call `start` once it has ended (the latest
        click wins: it replaces what was queued before)."""
        self._queued = start
        self.cancel()

    def drop(self) -> None:
        """Forget what was queued and cancel the running capture (an exception is being
        marked instead)."""
        self._queued = None
        self.cancel()

    def stop(self) -> None:
        """Forget what was queued and cancel the capture, even one whose result is
        already on its way: that result is stale now (the page is being left)."""
        self._queued = None
        if self.handle is not None:
            self.handle.cancel()

    def ended(self, *, active: bool) -> bool:
        """Call first thing in the capture's on_done and on_failed: the capture has ended,
        so start what was queued if the page is still `active`. True if the result is
        stale (cancelled, or the page is no longer active): ignore it."""
        handle, self.handle = self.handle, None
        stale = handle is None or handle.cancel_token.cancelled or not active
        queued, self._queued = self._queued, None
        if queued is not None and active:
            queued()
        return stale

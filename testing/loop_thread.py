"""An asyncio event loop serving on a daemon thread of its own, started and stopped with
bounded waits: what the test proxies (testing.fault_proxy, testing.round_robin) run on.

The test's own thread stays synchronous: `start` returns once the listener is bound
(its port known), `stop` once the loop's thread has ended or the time is up.

Traps:
- `opening` and `closing` run ON the loop (coroutines); anything else the owner does to
  its connections from another thread must go through `loop.call_soon_threadsafe`.
- A failed `opening` (a port taken, the time up) still runs `closing` and ends the thread
  before the error is raised, so a failed start leaves no thread behind.
- Whatever `closing` leaves running is cancelled when the loop stops (waited up to 1 s),
  then the loop is closed on its own thread; a thread still alive after `timeout_s` is
  reported by `stop` returning False, never waited on longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Step = Callable[[], Coroutine[Any, Any, None]]


class LoopThread:
    def __init__(self, thread_name: str) -> None:
        self.thread_name = thread_name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, opening: Step, closing: Step, *, timeout_s: float, label: str) -> None:
        """Start the thread and run `opening` on it; RuntimeError "`label` already started"."""
        if self.loop is not None:
            raise RuntimeError(f"{label} already started")
        loop = asyncio.new_event_loop()
        self.loop = loop
        self._thread = threading.Thread(target=self._run, args=(loop,), name=self.thread_name, daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(opening(), loop).result(timeout_s)
        except BaseException:
            self.stop(closing, timeout_s=timeout_s, label=label)
            raise

    def stop(self, closing: Step, *, timeout_s: float, label: str) -> bool:
        """Run `closing` on the loop, stop it and join the thread, each step bounded by
        `timeout_s`. False when the thread was still running at the end (True if never started)."""
        loop, thread = self.loop, self._thread
        if loop is None or thread is None:
            return True
        try:
            asyncio.run_coroutine_threadsafe(closing(), loop).result(timeout_s)
        except Exception:
            log.warning("%s did not shut down cleanly", label, exc_info=True)
        with contextlib.suppress(RuntimeError):  # the loop already closed
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout_s)
        self.loop = self._thread = None
        return not thread.is_alive()

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=1.0))
            loop.close()

"""Progress callbacks and cancel tokens for long operations.

Long operations (capture, sealing, sync, export) are plain functions that take a
`Progress` callback and a `CancelToken`; they never take a QObject. The desktop app
adapts both to signals in ui/tasks.py.
"""

from __future__ import annotations

import threading
from typing import Protocol

from common.errors import Cancelled


class Progress(Protocol):
    def __call__(self, fraction: float | None, message: str) -> None:
        """`fraction` in [0, 1], or None when the amount of work is unknown."""


def no_progress(fraction: float | None, message: str) -> None:
    """A progress callback that ignores every report."""


class CancelToken:
    """Set from any thread; checked by the worker at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; return True early if cancelled."""
        return self._event.wait(seconds)

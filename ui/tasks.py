"""The one place where threads meet Qt.

Everything slow (device I/O, image analysis, sealing, sync, export, PDF writing) is
a plain function from the core; `Tasks.run` calls it on a worker thread and delivers
its result or its error back on the GUI thread through a queued signal. Callbacks
that the core calls from its own threads (a camera frame, a pen point, a progress
report) are wrapped with `Tasks.relay`, which turns each call into a queued signal.

Traps this module exists to keep in one place:
- a QObject must only be touched on the thread that owns it: results cross as plain
  Python objects through `Signal(object)` with a queued connection;
- a callback may fire after its widget is gone: `relay` and `run` hold the receiver
  weakly through Qt's own connection lifetime (the relay is parented to the widget);
- a UserFacingError is shown as is; anything else is a bug, logged with its
  traceback, and shown with "copy details".
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from common.errors import Cancelled, UserFacingError
from common.progress import CancelToken

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """What a failed task hands back: the error, and for bugs the traceback to copy."""

    error: BaseException
    details: str

    @property
    def user_facing(self) -> bool:
        return isinstance(self.error, UserFacingError)

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, Cancelled)

    def message(self, lang: str) -> str:
        if isinstance(self.error, UserFacingError):
            return self.error.text(lang)
        if lang == "en":
            return "An unexpected error occurred; it has been logged. Use 'Copy details' to report it."
        return "Terjadi kesalahan tak terduga; sudah dicatat di log. Gunakan 'Salin rincian' untuk melaporkannya."


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(object, str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], name: str) -> None:
        super().__init__()
        self.fn, self.args, self.kwargs, self.name = fn, args, kwargs, name
        self.signals = _Signals()
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # delivered to the GUI thread, never swallowed
            if not isinstance(exc, UserFacingError | Cancelled):
                log.exception("task %s failed", self.name)
            self.signals.failed.emit(Failure(exc, traceback.format_exc()))
            return
        self.signals.done.emit(result)


class TaskHandle:
    """A running task: its cancel token, and whether it has ended."""

    def __init__(self, cancel: CancelToken) -> None:
        self.cancel_token = cancel
        self.job: QRunnable | None = None
        self.finished = threading.Event()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def running(self) -> bool:
        return not self.finished.is_set()


class Relay(QObject):
    """Call it from any thread; `slot` then runs on the GUI thread with the arguments
    (one argument as itself, several as a tuple). Parented to its widget, it dies with it."""

    fired = Signal(object)

    def __init__(self, owner: QObject, slot: Callable[[Any], None]) -> None:
        super().__init__(owner)
        self._slot = slot
        self.fired.connect(self._deliver)

    def __call__(self, *args: Any) -> None:
        self.fired.emit(args[0] if len(args) == 1 else args)

    @Slot(object)
    def _deliver(self, value: Any) -> None:
        self._slot(value)


class Tasks(QObject):
    """Runs core functions off the GUI thread. One per app; tests wait on `idle()`."""

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        # The one store writer: workflow inputs (drafts), seals, admin changes.
        self.writer = QThreadPool(self)
        self.writer.setMaxThreadCount(1)
        self._running: set[TaskHandle] = set()

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[Failure], None] | None = None,
        on_progress: Callable[[float | None, str], None] | None = None,
        cancellable: bool = False,
        name: str | None = None,
        owner: QObject | None = None,
        serial: bool = False,
        **kwargs: Any,
    ) -> TaskHandle:
        """Run `fn(*args, **kwargs)` on a worker thread.

        With `cancellable`, `cancel=` (a CancelToken) is passed to fn; with
        `on_progress`, `progress=` is passed too. `owner` (a widget) stops the result
        from reaching a widget that has been deleted meanwhile. `serial` runs it on the
        single store-writer thread, in submission order.
        """
        cancel = CancelToken()
        handle = TaskHandle(cancel)
        job = _Job(fn, args, kwargs, name or str(getattr(fn, "__name__", "task")))
        if cancellable:
            kwargs["cancel"] = cancel
        if on_progress is not None:
            kwargs["progress"] = job.signals.progress.emit
        receiver = owner or self
        handle.job = job  # keep the Python wrapper (and its signals) alive until the end

        def finish() -> None:
            handle.job = None
            handle.finished.set()
            self._running.discard(handle)

        def done(result: Any) -> None:
            finish()
            if on_done is not None:
                on_done(result)

        def failed(failure: Failure) -> None:
            finish()
            if on_failed is not None:
                on_failed(failure)
            elif not failure.cancelled:
                log.warning("task %s failed with no handler: %s", job.name, failure.error)

        # Connections with a receiver are dropped by Qt when the receiver is deleted.
        bound = _Bound(receiver, done, failed, on_progress)
        job.signals.done.connect(bound.ok)
        job.signals.failed.connect(bound.err)
        job.signals.progress.connect(bound.step)
        self._running.add(handle)
        (self.writer if serial else self.pool).start(job)
        return handle

    def relay(self, owner: QObject, slot: Callable[[Any], None]) -> Relay:
        """A thread-safe callable for the core that delivers to `slot` on the GUI thread."""
        return Relay(owner, slot)

    def busy(self) -> bool:
        return bool(self._running)

    def cancel_all(self) -> None:
        for handle in list(self._running):
            handle.cancel()

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Wait for every worker thread to finish (shutdown, tests)."""
        return self.pool.waitForDone(timeout_ms) and self.writer.waitForDone(timeout_ms)


class _Bound(QObject):
    """Carries the two plain callables of one task as slots of a QObject parented to
    the receiver, so that the connections die with it and the calls are queued onto
    its (the GUI) thread. Deleted once either has run."""

    def __init__(
        self,
        parent: QObject,
        ok: Callable[[Any], None],
        err: Callable[[Any], None],
        step: Callable[[float | None, str], None] | None,
    ) -> None:
        super().__init__(parent)
        self._ok, self._err, self._step = ok, err, step

    @Slot(object, str)
    def step(self, fraction: float | None, message: str) -> None:
        if self._step is not None:
            self._step(fraction, message)

    @Slot(object)
    def ok(self, value: Any) -> None:
        try:
            self._ok(value)
        finally:
            self.deleteLater()

    @Slot(object)
    def err(self, value: Any) -> None:
        try:
            self._err(value)
        finally:
            self.deleteLater()

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
  traceback, and shown with "copy details";
- a failure is never silent by accident (Anki): a task with no `on_failed` shows its
  error to the user through `Tasks.show_failure`; a caller that truly has nothing to
  say (closing a device, a background refresh) passes `quiet=True` and the failure is
  only logged;
- a screen's newer task replaces its older one (Orange): `replace=True` cancels the
  task of the same owner and name still running, and drops its late result, so a slow
  earlier answer can never overwrite a newer one;
- PySide6 6.12.0 on Python 3.11 drops a reference to True/False on every `emit()`
  and aborts the process after some thousands of signals ("bool_dealloc");
  pyproject.toml keeps PySide6 below 6.12 and tests/ui/test_tasks.py guards it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QThreadPool, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from common.errors import Cancelled, UserFacingError
from common.progress import CancelToken
from common.text import DEFAULT_LANGUAGE, Text

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


class TaskHandle:
    """A running task: its cancel token, and whether it has ended."""

    def __init__(self, cancel: CancelToken) -> None:
        self.cancel_token = cancel
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
        self.fired.emit(args)

    @Slot(object)
    def _deliver(self, args: tuple[Any, ...]) -> None:
        self._slot(args[0] if len(args) == 1 else args)


@dataclass
class _Pending:
    handle: TaskHandle
    name: str
    on_done: Callable[[Any], None] | None
    on_failed: Callable[[Failure], None] | None
    on_progress: Callable[[float | None, str], None] | None
    owner: QObject | None
    quiet: bool = False
    replaced: bool = False  # a newer task of the same owner and name took its place


COPY_DETAILS = Text("Salin rincian", "Copy details")
STATION_TITLE = Text("Stasiun", "Station")


def show_failure_box(failure: Failure, lang: str, owner: QObject | None) -> QMessageBox:
    """The default display of a task's failure nobody handled: a non-modal box (so it
    never blocks the GUI thread or a test) over the owner's window, with the message
    and remedy of a UserFacingError, or for a bug the "copy details" traceback."""
    parent = owner.window() if isinstance(owner, QWidget) else QApplication.activeWindow()
    box = QMessageBox(parent)
    box.setObjectName("task_failure")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(STATION_TITLE.get(lang))
    box.setText(failure.message(lang))
    if not failure.user_facing:
        box.setDetailedText(failure.details)
        copy = box.addButton(COPY_DETAILS.get(lang), QMessageBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(failure.details))
    box.addButton(QMessageBox.StandardButton.Ok)
    box.show()
    return box


class Tasks(QObject):
    """Runs core functions off the GUI thread. One per app, living as long as it.

    Worker threads report through three signals of this object (queued onto the GUI
    thread because it lives there), keyed by a job number; no QObject is made or
    deleted per task, so nothing can be deleted while a worker still emits through it.
    """

    _done = Signal(int, object)
    _failed = Signal(int, object)
    _progress = Signal(int, object, str)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        # The one store writer: workflow inputs (drafts), seals, admin changes.
        self.writer = QThreadPool(self)
        self.writer.setMaxThreadCount(1)
        self._jobs: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._closed = False
        # The language of the default failure display (the app context points it at its own).
        self.language: Callable[[], str] = lambda: DEFAULT_LANGUAGE
        # Shows a failure no caller handled; replaceable (tests, a headless runner).
        self.show_failure: Callable[[Failure, str, QObject | None], object] = show_failure_box
        self._done.connect(self._deliver_done)
        self._failed.connect(self._deliver_failed)
        self._progress.connect(self._deliver_progress)

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
        quiet: bool = False,
        replace: bool = False,
        **kwargs: Any,
    ) -> TaskHandle:
        """Run `fn(*args, **kwargs)` on a worker thread.

        With `cancellable`, `cancel=` (a CancelToken) is passed to fn; with
        `on_progress`, `progress=` is passed too. `owner` (a widget) stops the result
        from reaching a widget that has been deleted meanwhile. `serial` runs it on the
        single store-writer thread, in submission order.

        With no `on_failed`, a failure is shown to the user (`show_failure`) unless
        `quiet` says the caller opts out (then it is only logged). With `replace`, the
        task of the same `owner` and `name` still running is cancelled (its token) and
        its result or failure is dropped.
        """
        job_id = next(self._ids)
        handle = TaskHandle(CancelToken())
        label = name or str(getattr(fn, "__name__", "task"))
        if self._closed:
            # After shutdown (a timer firing while the window closes): never start a
            # thread that could still be running Python when the interpreter exits.
            log.debug("task %s not started: shutting down", label)
            handle.cancel()
            handle.finished.set()
            return handle
        if replace:
            for previous in self._jobs.values():
                if previous.owner is owner and previous.name == label and not previous.replaced:
                    previous.replaced = True
                    previous.handle.cancel()
        if cancellable:
            kwargs["cancel"] = handle.cancel_token
        if on_progress is not None:
            kwargs["progress"] = lambda fraction, message: self._progress.emit(job_id, fraction, message)
        self._jobs[job_id] = _Pending(handle, label, on_done, on_failed, on_progress, owner, quiet)

        def execute() -> None:
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # delivered to the GUI thread, never swallowed
                if not isinstance(exc, UserFacingError | Cancelled):
                    log.exception("task %s failed", label)
                self._failed.emit(job_id, Failure(exc, traceback.format_exc()))
                return
            self._done.emit(job_id, result)

        (self.writer if serial else self.pool).start(execute)
        return handle

    def _finish(self, job_id: int) -> _Pending | None:
        pending = self._jobs.pop(job_id, None)
        if pending is None:
            return None
        pending.handle.finished.set()
        if pending.replaced:
            return None  # a newer task of its screen took its place: its answer is stale
        if pending.owner is not None and not shiboken6.isValid(pending.owner):
            return None  # its widget is gone: nobody to tell
        return pending

    @Slot(int, object)
    def _deliver_done(self, job_id: int, result: Any) -> None:
        pending = self._finish(job_id)
        if pending is not None and pending.on_done is not None:
            pending.on_done(result)

    @Slot(int, object)
    def _deliver_failed(self, job_id: int, failure: Failure) -> None:
        pending = self._finish(job_id)
        if pending is None:
            return
        if pending.on_failed is not None:
            pending.on_failed(failure)
        elif failure.cancelled:
            return  # cancelled on purpose: nothing to tell
        elif pending.quiet:
            log.warning("task %s failed (quiet): %s", pending.name, failure.error)
        else:
            log.warning("task %s failed with no handler, shown to the user: %s", pending.name, failure.error)
            self.show_failure(failure, self.language(), pending.owner)

    @Slot(int, object, str)
    def _deliver_progress(self, job_id: int, fraction: float | None, message: str) -> None:
        pending = self._jobs.get(job_id)
        if pending is None or pending.on_progress is None or pending.replaced:
            return
        if pending.owner is not None and not shiboken6.isValid(pending.owner):
            return
        pending.on_progress(fraction, message)

    def relay(self, owner: QObject, slot: Callable[[Any], None]) -> Relay:
        """A thread-safe callable for the core that delivers to `slot` on the GUI thread."""
        return Relay(owner, slot)

    def busy(self) -> bool:
        return bool(self._jobs)

    def cancel_all(self) -> None:
        for pending in list(self._jobs.values()):
            pending.handle.cancel()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Refuse new tasks, cancel the running ones, and wait for them (app exit)."""
        self._closed = True
        self.cancel_all()
        return self.wait(timeout_ms)

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Wait for every worker thread to finish and, on the GUI thread, for their
        results to be delivered (shutdown, tests)."""
        if not (self.pool.waitForDone(timeout_ms) and self.writer.waitForDone(timeout_ms)):
            return False
        if QThread.currentThread() == self.thread():
            deadline = time.monotonic() + timeout_ms / 1000
            while self._jobs and time.monotonic() < deadline:
                QCoreApplication.processEvents()
        return not self._jobs

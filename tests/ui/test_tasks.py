"""The task bridge: results and errors come back on the GUI thread, progress too, a
cancelled task says so, and signals do not corrupt Python's reference counts."""

from __future__ import annotations

import sys
import threading
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from common.errors import ValidationError
from common.progress import CancelToken
from common.text import Text
from ui.tasks import Failure, Tasks

WAIT_MS = 10_000


def test_result_error_and_progress_arrive_on_the_gui_thread(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    tasks = Tasks()
    gui = QThread.currentThread()
    seen: dict[str, Any] = {}

    def work(x: int, *, progress: Any) -> int:
        seen["worker"] = threading.current_thread().name
        progress(0.5, "half")
        return x * 2

    def done(value: int) -> None:
        seen["done"] = (value, QThread.currentThread() is gui)

    def step(fraction: float | None, message: str) -> None:
        seen["progress"] = (fraction, message, QThread.currentThread() is gui)

    tasks.run(work, 21, on_done=done, on_progress=step)
    qtbot.waitUntil(lambda: "done" in seen, timeout=WAIT_MS)
    assert seen["done"] == (42, True)
    assert seen["progress"] == (0.5, "half", True)
    assert seen["worker"] != threading.main_thread().name

    def refuse() -> None:
        raise ValidationError(Text("tidak boleh", "not allowed"))

    tasks.run(refuse, on_failed=lambda f: seen.__setitem__("failed", f))
    qtbot.waitUntil(lambda: "failed" in seen, timeout=WAIT_MS)
    failure: Failure = seen["failed"]
    assert failure.user_facing and failure.message("en") == "not allowed"

    def bug() -> None:
        raise RuntimeError("boom")

    tasks.run(bug, on_failed=lambda f: seen.__setitem__("bug", f))
    qtbot.waitUntil(lambda: "bug" in seen, timeout=WAIT_MS)
    assert not seen["bug"].user_facing and "RuntimeError: boom" in seen["bug"].details
    assert "Copy details" in seen["bug"].message("en")
    assert tasks.wait(WAIT_MS) and not tasks.busy()


def test_cancel_reaches_the_function(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    tasks = Tasks()
    seen: dict[str, Any] = {}

    def slow(*, cancel: CancelToken) -> None:
        cancel.wait(5.0)
        cancel.raise_if_cancelled()

    handle = tasks.run(slow, cancellable=True, on_failed=lambda f: seen.__setitem__("f", f))
    handle.cancel()
    qtbot.waitUntil(lambda: "f" in seen, timeout=WAIT_MS)
    assert seen["f"].cancelled and not handle.running and not tasks.busy()


def test_writer_tasks_run_one_at_a_time_in_order(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    tasks = Tasks()
    order: list[int] = []
    active = [0, 0]
    lock = threading.Lock()

    def write(i: int) -> None:
        with lock:
            active[0] += 1
            active[1] = max(active[1], active[0])
        threading.Event().wait(0.01)
        order.append(i)
        with lock:
            active[0] -= 1

    for i in range(10):
        tasks.run(write, i, serial=True)
    assert tasks.wait(WAIT_MS)
    assert order == list(range(10)) and active[1] == 1
    qtbot.waitUntil(lambda: not tasks.busy(), timeout=WAIT_MS)  # every result delivered


def test_many_signals_leave_reference_counts_alone(qapp) -> None:  # type: ignore[no-untyped-def]
    """PySide6 6.12.0 on Python 3.11 lost a reference to True/False per emit() and
    aborted the app after a few thousand camera frames: this fails on such a build."""

    class Emitter(QObject):
        value = Signal(object)

    e = Emitter()
    got: list[object] = []
    e.value.connect(got.append)
    before = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    for i in range(3000):
        e.value.emit(i)
    after = (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None))
    assert len(got) == 3000
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)

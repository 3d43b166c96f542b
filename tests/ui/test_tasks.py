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


def test_a_failure_nobody_handles_is_shown_unless_the_caller_opts_out(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    """Anki's rule: an unhandled failure reaches the user (message and remedy of a
    UserFacingError, "copy details" for a bug); `quiet=True` only logs it; a cancelled
    task says nothing."""
    tasks = Tasks()
    tasks.language = lambda: "en"
    shown: list[tuple[Failure, str]] = []
    tasks.show_failure = lambda failure, lang, owner: shown.append((failure, lang))

    def refuse() -> None:
        raise ValidationError(Text("tidak boleh", "not allowed"), remedy=Text("minta izin", "ask first"))

    tasks.run(refuse)
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=WAIT_MS)
    assert shown[0][0].message("en") == "not allowed ask first" and shown[0][1] == "en"

    def bug() -> None:
        raise RuntimeError("boom")

    def slow(*, cancel: CancelToken) -> None:
        cancel.wait(5.0)
        cancel.raise_if_cancelled()

    tasks.run(bug, quiet=True)
    tasks.run(slow, cancellable=True).cancel()
    assert tasks.wait(WAIT_MS) and not tasks.busy()
    assert len(shown) == 1  # the quiet bug and the cancelled task were not shown
    tasks.run(bug)
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=WAIT_MS)
    assert "RuntimeError: boom" in shown[1][0].details


def test_the_default_display_is_a_non_modal_box_with_copy_details(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

    tasks = Tasks()
    tasks.language = lambda: "en"
    owner = QWidget()
    qtbot.addWidget(owner)

    def bug() -> None:
        raise RuntimeError("boom")

    tasks.run(bug, owner=owner)

    def box() -> QMessageBox | None:
        found = [w for w in QApplication.topLevelWidgets() if w.objectName() == "task_failure" and w.isVisible()]
        return found[0] if found else None  # type: ignore[return-value]

    qtbot.waitUntil(lambda: box() is not None, timeout=WAIT_MS)
    shown = box()
    assert shown is not None and not shown.isModal()
    assert "Copy details" in shown.text() and "RuntimeError: boom" in shown.detailedText()
    assert any(b.text() == "Copy details" for b in shown.buttons())
    shown.close()


def test_a_new_task_of_a_screen_cancels_its_previous_one(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    """Orange's rule: `replace=True` cancels the same screen's task of the same name and
    drops its late answer, so an old search cannot overwrite a newer one."""
    from PySide6.QtWidgets import QWidget

    tasks = Tasks()
    screen, other = QWidget(), QWidget()
    qtbot.addWidget(screen)
    qtbot.addWidget(other)
    answers: list[str] = []
    started = threading.Event()
    tokens: list[CancelToken] = []

    def search(term: str, *, cancel: CancelToken) -> str:
        tokens.append(cancel)
        if term == "old":
            started.set()
            cancel.wait(5.0)  # a slow answer that ends early only if cancelled
        return term

    first = tasks.run(search, "old", cancellable=True, owner=screen, name="search", replace=True, on_done=answers.append)
    assert started.wait(5.0)
    kept = tasks.run(search, "kept", cancellable=True, owner=other, name="search", replace=True, on_done=answers.append)
    tasks.run(search, "new", cancellable=True, owner=screen, name="search", replace=True, on_done=answers.append)
    assert first.cancel_token.cancelled and not kept.cancel_token.cancelled
    assert tasks.wait(WAIT_MS)
    assert sorted(answers) == ["kept", "new"]  # the cancelled one's answer never arrived

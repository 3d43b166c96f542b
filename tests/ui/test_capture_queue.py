"""The capture pages' one-capture-at-a-time queue (ui/wizard/capture_queue.py): a click
while a capture runs is queued behind it, not dropped; a cancelled or stale result is
ignored. Plain objects: no widget or thread is needed."""

from __future__ import annotations

from common.progress import CancelToken
from ui.tasks import TaskHandle
from ui.wizard.capture_queue import CaptureQueue


def running_task(queue: CaptureQueue) -> TaskHandle:
    queue.handle = TaskHandle(CancelToken())
    return queue.handle


def a_click_queued_behind_a_capture() -> tuple[CaptureQueue, TaskHandle, list[str]]:
    """A queue whose capture runs and a click queued behind it; `started` records the click's start."""
    queue = CaptureQueue()
    handle = running_task(queue)
    started: list[str] = []
    queue.after(lambda: started.append("queued"))
    return queue, handle, started


def test_a_click_while_a_capture_runs_cancels_it_and_starts_once_it_has_ended() -> None:
    queue = CaptureQueue()
    handle = running_task(queue)
    started: list[str] = []
    queue.after(lambda: started.append("first"))
    queue.after(lambda: started.append("second"))  # the latest click wins
    assert handle.cancel_token.cancelled and queue.cancelled
    assert queue.running and started == []  # nothing starts while the old capture winds down
    handle.finished.set()
    assert queue.ended(active=True), "a cancelled capture's result must be ignored"
    assert started == ["second"]
    assert queue.handle is None and not queue.running


def test_a_result_that_was_not_cancelled_is_taken_and_nothing_queued_starts() -> None:
    queue = CaptureQueue()
    handle = running_task(queue)
    handle.finished.set()
    assert not queue.ended(active=True)
    assert queue.handle is None


def test_leaving_forgets_the_queue_and_marks_even_a_delivered_result_stale() -> None:
    queue, handle, started = a_click_queued_behind_a_capture()
    queue.stop()
    handle.finished.set()
    assert queue.ended(active=True)
    assert started == []

    finished = running_task(queue)
    finished.finished.set()  # the worker is done; its result is on its way to the GUI thread
    queue.stop()
    assert finished.cancel_token.cancelled
    assert queue.ended(active=True), "a result delivered after leaving must be ignored"


def test_an_inactive_page_ignores_the_result_and_starts_nothing() -> None:
    queue, handle, started = a_click_queued_behind_a_capture()
    handle.finished.set()
    assert queue.ended(active=False)
    assert started == []
    running_task(queue).finished.set()
    assert not queue.ended(active=True) and started == [], "the queued start was forgotten"


def test_drop_forgets_the_queue_and_cancels_only_a_running_capture() -> None:
    queue, handle, started = a_click_queued_behind_a_capture()
    queue.drop()
    assert handle.cancel_token.cancelled
    handle.finished.set()
    assert queue.ended(active=True) and started == []

    finished = running_task(queue)
    finished.finished.set()  # ended on the worker, result not delivered yet: still taken
    queue.drop()
    queue.cancel()
    assert not finished.cancel_token.cancelled
    assert not queue.ended(active=True)


def test_a_capture_counts_as_running_until_its_result_is_delivered() -> None:
    queue = CaptureQueue()
    handle = running_task(queue)
    handle.finished.set()  # the worker is done; its result has not reached the GUI thread
    assert queue.running  # so a click now is queued behind it, not started beside it
    started: list[str] = []
    queue.after(lambda: started.append("next"))
    assert not handle.cancel_token.cancelled  # a finished capture's result is still taken
    assert not queue.ended(active=True) and started == ["next"]

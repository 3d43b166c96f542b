"""common.progress: a cancel token set from one thread and seen by another."""

from __future__ import annotations

import threading
import time

import pytest

from common.errors import Cancelled
from common.progress import CancelToken, no_progress


def test_a_new_token_is_not_cancelled_and_lets_the_work_go_on() -> None:
    token = CancelToken()
    assert not token.cancelled
    token.raise_if_cancelled()  # no exception


def test_a_cancelled_token_stops_the_work_at_its_next_safe_point() -> None:
    token = CancelToken()
    token.cancel()
    token.cancel()  # cancelling twice is harmless
    assert token.cancelled
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()


def test_wait_returns_false_when_nobody_cancels() -> None:
    assert CancelToken().wait(0.01) is False


def test_a_cancel_from_another_thread_wakes_a_long_wait_at_once() -> None:
    token = CancelToken()
    waiting = threading.Event()
    outcome: list[tuple[bool, float]] = []

    def worker() -> None:
        waiting.set()
        start = time.monotonic()
        outcome.append((token.wait(30), time.monotonic() - start))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert waiting.wait(5)
    token.cancel()
    thread.join(5)
    assert not thread.is_alive()
    woke, seconds = outcome[0]
    assert woke is True
    assert seconds < 10  # woken by the cancel, not by the 30 s timeout


def test_no_progress_accepts_any_report() -> None:
    no_progress(None, "")
    no_progress(0.5, "separuh / half")  # no exception: a caller may always report

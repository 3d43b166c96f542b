"""The core's change notifications: delivered to every subscriber, once, and a broken
subscriber cannot stop the one that notified."""

from __future__ import annotations

import threading

import pytest

from station.events import Change, Changes, Notifier


def test_every_subscriber_gets_each_notification_until_it_unsubscribes() -> None:
    notifier = Notifier()
    seen_a: list[Changes] = []
    seen_b: list[Changes] = []
    stop_a = notifier.subscribe(seen_a.append)
    notifier.subscribe(seen_b.append)
    notifier.notify(Change.SEALED, Change.SYNC, record_uuid="u-1")
    stop_a()
    notifier.notify(Change.SETTINGS)
    assert [c.kinds for c in seen_a] == [frozenset({Change.SEALED, Change.SYNC})]
    assert seen_a[0].record_uuid == "u-1" and Change.SEALED in seen_a[0]
    assert [c.kinds for c in seen_b] == [frozenset({Change.SEALED, Change.SYNC}), frozenset({Change.SETTINGS})]


def test_a_failing_subscriber_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier()
    heard: list[Changes] = []

    def broken(_: Changes) -> None:
        raise RuntimeError("screen went away")

    notifier.subscribe(broken)
    notifier.subscribe(heard.append)
    notifier.notify(Change.RECEIVED)
    assert len(heard) == 1
    assert "a subscriber failed" in caplog.text


def test_notify_from_another_thread_reaches_the_subscriber_on_that_thread() -> None:
    notifier = Notifier()
    threads: list[str] = []
    notifier.subscribe(lambda _: threads.append(threading.current_thread().name))
    worker = threading.Thread(target=notifier.notify, args=(Change.LINK,), name="sync-worker")
    worker.start()
    worker.join(timeout=10)
    assert threads == ["sync-worker"]


def test_nothing_is_sent_for_no_change() -> None:
    notifier = Notifier()
    heard: list[Changes] = []
    notifier.subscribe(heard.append)
    notifier.notify()
    assert heard == []

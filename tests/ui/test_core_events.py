"""The core's notifications reach the screens on the GUI thread (ui.core_events)."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QWidget

from station.events import Change, Changes, Notifier
from ui.core_events import CoreEvents

WAIT_MS = 10_000


def test_a_notification_from_a_worker_thread_arrives_on_the_gui_thread(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    notifier = Notifier()
    relay = CoreEvents(notifier)
    gui = QThread.currentThread()
    seen: dict[str, Any] = {}
    relay.changed.connect(lambda changes: seen.update(changes=changes, on_gui=QThread.currentThread() is gui))
    worker = threading.Thread(target=notifier.notify, args=(Change.SEALED,), kwargs={"record_uuid": "u-1"})
    with qtbot.waitSignal(relay.changed, timeout=WAIT_MS) as blocker:
        worker.start()
        worker.join(5.0)
    assert not worker.is_alive()
    changes: Changes = blocker.args[0]
    assert Change.SEALED in changes and changes.record_uuid == "u-1"
    assert seen["on_gui"] is True


def test_a_notification_is_queued_even_from_the_gui_thread(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    """Never re-entrant: the slot runs after the notifying call returned."""
    notifier = Notifier()
    relay = CoreEvents(notifier)
    got: list[Changes] = []
    relay.changed.connect(got.append)
    notifier.notify(Change.SETTINGS)
    assert got == []  # not yet: queued
    qtbot.waitUntil(lambda: len(got) == 1, timeout=WAIT_MS)


def test_watch_filters_by_kind_and_ends_with_its_screen(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    notifier = Notifier()
    relay = CoreEvents(notifier)
    screen = QWidget()
    got: list[Changes] = []
    relay.watch(screen, {Change.DEVICE}, got.append)
    notifier.notify(Change.SETTINGS)
    notifier.notify(Change.DEVICE, Change.AUDIT)
    qtbot.waitUntil(lambda: len(got) == 1, timeout=WAIT_MS)
    with qtbot.waitSignal(relay.changed, timeout=WAIT_MS):
        notifier.notify(Change.SETTINGS)
    assert len(got) == 1 and Change.DEVICE in got[0]
    with qtbot.waitSignal(screen.destroyed, timeout=WAIT_MS):
        screen.deleteLater()
    with qtbot.waitSignal(relay.changed, timeout=WAIT_MS):
        notifier.notify(Change.DEVICE)  # the screen is gone: nobody called, nothing raised
    assert len(got) == 1
    relay.close()
    with qtbot.assertNotEmitted(relay.changed, wait=50):
        notifier.notify(Change.DEVICE)  # unsubscribed: never relayed


def test_the_app_context_relays_a_settings_change(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    """A producer: saving a setting through the core announces SETTINGS (and AUDIT)."""
    from station.admin import Admin

    got: list[Changes] = []
    screen = QWidget()
    qtbot.addWidget(screen)
    supervisor_ctx.events.watch(screen, {Change.SETTINGS}, got.append)
    Admin(supervisor_ctx.core, supervisor_ctx.user).apply_settings({"language": "en"})
    qtbot.waitUntil(lambda: len(got) == 1, timeout=WAIT_MS)
    assert Change.AUDIT in got[0]

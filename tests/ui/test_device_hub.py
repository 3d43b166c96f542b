"""The device hub (ui.device_hub) relays the Qt-free manager: a reset that lands after
an open finished but before its answer reached the GUI thread never hands out the
closed device; the callers get a fresh open of the new choice."""

from __future__ import annotations

import threading
from typing import Any

from devices.base import DeviceKind
from station.device_manager import READY, DeviceManager
from station.events import Changes
from ui.core_events import CoreEvents
from ui.device_hub import DeviceHub
from ui.tasks import Tasks

WAIT_MS = 30_000


def test_a_reset_before_the_answer_arrives_opens_again(qtbot, demo_core) -> None:  # type: ignore[no-untyped-def]
    kind = DeviceKind.SIGNATURE
    tasks = Tasks()
    events = CoreEvents(demo_core.events)
    manager = DeviceManager(lambda: demo_core.config, demo_core.events)
    hub = DeviceHub(manager, tasks, events)
    opened = threading.Event()

    def on_change(_changes: Changes) -> None:
        if manager.state(kind).state == READY:
            opened.set()

    unsubscribe = demo_core.events.subscribe(on_change)
    got: list[Any] = []
    try:
        hub.ensure(kind, on_ready=got.append)
        assert opened.wait(30.0)  # opened on the worker; its answer not yet delivered (no event loop ran)
        first = manager.device(kind)
        assert first is not None
        hub.reset(kind)  # the technician saved another choice meanwhile
        hub.ensure(kind, on_ready=got.append)
        qtbot.waitUntil(lambda: len(got) == 2, timeout=WAIT_MS)
        assert got[0] is got[1] is manager.device(kind)
        assert got[0] is not first  # the device taken out by the reset was never handed out
        assert hub.states[kind].state == READY
    finally:
        unsubscribe()
        events.close()
        tasks.shutdown(10_000)
        manager.close_all()

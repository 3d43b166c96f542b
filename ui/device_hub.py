"""The Qt face of the station's device manager (station.device_manager): it runs the
blocking opens on task threads and relays the devices' states to the screens.

All the logic (which device is open, its state, re-opening after a reset or a fault)
is the manager's; this hub only chooses threads and signals. `changed(DeviceState)`
is emitted on the GUI thread for every state that differs from the one the screens
were last told; `states` is what they were last told, so a slot that reads it sees
the state its signal announced.

Traps:
- callers that ask while the same device is being opened wait for that open here, as
  callbacks, not as task threads blocked on the manager's lock (the pool has few);
- a fault or reset made on the GUI thread is shown at once (synchronously), so the
  screen that reported it reads the new state straight after; the manager's queued
  notification then finds nothing new to tell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from devices.base import Device, DeviceKind
from station.device_manager import DeviceManager, DeviceState
from station.events import Change, Changes
from ui.core_events import CoreEvents
from ui.tasks import Failure, TaskHandle, Tasks

Ready = Callable[[Device], Any]
Failed = Callable[[Failure], Any]


class DeviceHub(QObject):
    """Opens each device off the GUI thread through the manager and says how it is."""

    changed = Signal(object)  # DeviceState

    def __init__(self, manager: DeviceManager, tasks: Tasks, events: CoreEvents, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.manager = manager
        self.tasks = tasks
        self.states: dict[DeviceKind, DeviceState] = manager.states()
        self._waiters: dict[DeviceKind, list[tuple[Ready | None, Failed | None]]] = {}
        events.watch(self, {Change.DEVICE}, self._device_changed)

    def device(self, kind: DeviceKind) -> Device | None:
        return self.manager.device(kind)

    def _device_changed(self, _changes: Changes) -> None:
        self.sync()

    def sync(self) -> None:
        """Tell the screens every state that changed since they were last told."""
        for kind, state in self.manager.states().items():
            if self.states.get(kind) != state:
                self.states[kind] = state
                self.changed.emit(state)

    def ensure(self, kind: DeviceKind, on_ready: Ready | None = None, on_failed: Failed | None = None) -> None:
        """Open `kind` unless it is open; call on_ready(device) or on_failed(Failure) on
        the GUI thread (at once when it is open and ready already)."""
        device = self.manager.ready_device(kind)
        if device is not None:
            self.sync()
            if on_ready is not None:
                on_ready(device)
            return
        waiting = self._waiters.get(kind)
        if waiting is not None:
            waiting.append((on_ready, on_failed))
            return
        self._waiters[kind] = [(on_ready, on_failed)]

        def done(device: Device) -> None:
            self.sync()
            waiters = self._waiters.pop(kind, [])
            if self.manager.ready_device(kind) is not device:
                # Reset (a new choice) or faulted after it opened, before this answer
                # arrived: never hand out that device; open afresh for everyone waiting.
                for ready, fail in waiters:
                    self.ensure(kind, ready, fail)
                return
            for ready, _failed in waiters:
                if ready is not None:
                    ready(device)

        def failed(failure: Failure) -> None:
            self.sync()
            # Shown as the device's fault (health strip); the callers that asked are told too.
            for _ready, fail in self._waiters.pop(kind, []):
                if fail is not None:
                    fail(failure)

        self.tasks.run(self.manager.ensure, kind, on_done=done, on_failed=failed, name=f"open {kind.value}", owner=self)

    def report_fault(self, kind: DeviceKind, error: BaseException) -> None:
        """A capture or open failed: show it in the health strip until the next open."""
        device = self.manager.report_fault(kind, error)
        self.sync()
        if device is not None:
            self.tasks.run(device.close, name=f"close {kind.value}", quiet=True)

    def reset(self, kind: DeviceKind) -> TaskHandle | None:
        """Close `kind` so that the next `ensure` selects and opens it afresh. Returns
        the closing task, if any: who opens the same port itself (the self-test) waits
        for `handle.finished` first."""
        device = self.manager.reset(kind)
        self.sync()
        if device is None:
            return None
        return self.tasks.run(device.close, name=f"close {kind.value}", quiet=True)

    def use_session_options(self, kind: DeviceKind, options: dict[str, Any]) -> None:
        """This session's own options for `kind` (station.device_manager); when they
        changed, the device is reopened with them at its next `ensure`."""
        if self.manager.set_session_options(kind, options):
            self.reset(kind)

    def close_all(self) -> None:
        self.manager.close_all()
        self.states = self.manager.states()

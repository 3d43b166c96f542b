"""What every screen of the app shares: the station core, who is logged in, the
language, the task runner and the devices.

Screens receive one `AppContext` and never reach for globals, so a test builds a
context on a fresh STATION_HOME and drives real widgets against it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from common.errors import UserFacingError
from common.text import Text
from devices.base import DEVICE_KIND_LABELS, Device, DeviceKind
from station.auth import User
from station.core import StationCore
from station.devices import Selection, open_device, select_device
from ui.core_events import CoreEvents
from ui.tasks import Failure, TaskHandle, Tasks

log = logging.getLogger(__name__)

READY = "ready"
OPENING = "opening"
FAULT = "fault"
CLOSED = "closed"


@dataclass(frozen=True)
class DeviceState:
    """One device as the health strip and the wizard show it (plain data)."""

    kind: DeviceKind
    state: str  # READY, OPENING, FAULT, CLOSED
    driver: str | None = None
    port: str | None = None
    simulated: bool = False
    fallback: Text | None = None
    error: Text | None = None
    error_code: str | None = None

    def label(self, lang: str) -> str:
        return DEVICE_KIND_LABELS[self.kind].get(lang)


class DeviceHub(QObject):
    """Selects and opens each device off the GUI thread, keeps it open, and says how it is.

    Each device owns its own I/O thread (devices/); the hub only decides which driver
    runs and reports state changes as `changed(DeviceState)`. A device that failed
    is re-opened on the next `ensure` (the wizard's "retry").
    """

    changed = Signal(object)

    def __init__(self, core: StationCore, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.core = core
        self.tasks = tasks
        self._lock = threading.Lock()
        self._devices: dict[DeviceKind, Device] = {}
        self.states: dict[DeviceKind, DeviceState] = {k: DeviceState(k, CLOSED) for k in DeviceKind}
        self._waiters: dict[DeviceKind, list[tuple[Any, Any]]] = {}
        self._stale: set[DeviceKind] = set()

    def device(self, kind: DeviceKind) -> Device | None:
        with self._lock:
            return self._devices.get(kind)

    def _set(self, state: DeviceState) -> None:
        self.states[state.kind] = state
        self.changed.emit(state)

    def _open(self, kind: DeviceKind) -> tuple[Selection, Device]:
        selection = select_device(kind, self.core.config)
        device = open_device(selection)
        with self._lock:
            old = self._devices.pop(kind, None)
            self._devices[kind] = device
        if old is not None:
            old.close()
        return selection, device

    def ensure(self, kind: DeviceKind, on_ready: Any = None, on_failed: Any = None) -> None:
        """Open `kind` unless it is open; call on_ready(device) or on_failed(Failure).

        While an open is under way, later callers wait for that same open: a second
        open would close the device the first caller was just handed."""
        dev = self.device(kind)
        if dev is not None and self.states[kind].state == READY:
            if on_ready is not None:
                on_ready(dev)
            return
        waiting = self._waiters.get(kind)
        if waiting is not None:
            waiting.append((on_ready, on_failed))
            return
        self._waiters[kind] = [(on_ready, on_failed)]
        self._set(DeviceState(kind, OPENING))

        def done(result: tuple[Selection, Device]) -> None:
            selection, device = result
            if kind in self._stale:  # reset while opening: the settings changed, open again
                self._stale.discard(kind)
                waiters = self._waiters.pop(kind, [])
                with self._lock:
                    if self._devices.get(kind) is device:
                        del self._devices[kind]
                self.tasks.run(device.close, name=f"close {kind.value}", quiet=True)
                for ready, fail in waiters:
                    self.ensure(kind, ready, fail)
                return
            self._set(
                DeviceState(
                    kind,
                    READY,
                    driver=selection.spec.name,
                    port=selection.settings.port or device.info().port,
                    simulated=selection.simulated,
                    fallback=selection.fallback,
                )
            )
            for ready, _failed in self._waiters.pop(kind, []):
                if ready is not None:
                    ready(device)

        def failed(failure: Failure) -> None:
            self.report_fault(kind, failure.error)
            for _ready, fail in self._waiters.pop(kind, []):
                if fail is not None:
                    fail(failure)

        self.tasks.run(self._open, kind, on_done=done, on_failed=failed, name=f"open {kind.value}", owner=self)

    def report_fault(self, kind: DeviceKind, error: BaseException) -> None:
        """A capture or open failed: show it in the health strip until the next open."""
        message = error.message if isinstance(error, UserFacingError) else Text("kesalahan perangkat", "device error")
        code = error.code if isinstance(error, UserFacingError) else "device.error"
        prev = self.states[kind]
        self._set(
            DeviceState(
                kind, FAULT, prev.driver, prev.port, prev.simulated, prev.fallback, error=message, error_code=code
            )
        )
        with self._lock:
            dev = self._devices.pop(kind, None)
        if dev is not None:
            self.tasks.run(dev.close, name=f"close {kind.value}", quiet=True)

    def reset(self, kind: DeviceKind) -> TaskHandle | None:
        """Close `kind` so that the next `ensure` selects and opens it afresh (a changed
        driver, port or option; a re-detection). Returns the closing task, if any: who
        opens the same port itself (the self-test) waits for `handle.finished` first."""
        with self._lock:
            dev = self._devices.pop(kind, None)
        if kind in self._waiters:
            self._stale.add(kind)
        self._set(DeviceState(kind, CLOSED))
        if dev is None:
            return None
        return self.tasks.run(dev.close, name=f"close {kind.value}", quiet=True)

    def close_all(self) -> None:
        with self._lock:
            devices, self._devices = list(self._devices.values()), {}
        for dev in devices:
            try:
                dev.close()
            except Exception:  # closing must not stop the others from closing
                log.exception("closing %s failed", type(dev).__name__)
        for kind in DeviceKind:
            self.states[kind] = DeviceState(kind, CLOSED)


class AppContext(QObject):
    """The app's shared state; signals tell screens when the user or language changes."""

    user_changed = Signal(object)  # User | None
    language_changed = Signal(str)

    def __init__(self, core: StationCore, tasks: Tasks, *, lang: str | None = None) -> None:
        super().__init__()
        self.core = core
        self.tasks = tasks
        self.lang = lang or core.config.language
        self.user: User | None = None
        # The core's change notifications, on the GUI thread (screens `events.watch`).
        self.events = CoreEvents(core.events, self)
        # A failure no caller handled is shown in the app's language.
        tasks.language = lambda: self.lang
        self.devices = DeviceHub(core, tasks, self)

    def t(self, text: Text) -> str:
        return text.get(self.lang)

    def set_user(self, user: User | None) -> None:
        self.user = user
        self.user_changed.emit(user)

    def close(self) -> None:
        """App exit: no new tasks, running ones cancelled and awaited, devices closed."""
        self.events.close()
        self.tasks.shutdown(10_000)
        self.devices.close_all()

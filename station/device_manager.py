"""Which devices are open, how each one is, and opening them again: the station's device
manager, without Qt (Electrum's DeviceMgr).

The app opens each device once and keeps it open; a capture that fails, a changed
choice or a re-detection closes it, and the next `ensure` selects and opens it afresh.
Every change of a device's state is announced through the core's notifier
(`Change.DEVICE`), so a screen (through ui's relay), a test or a future headless
runner all learn of it the same way. Qt only relays: ui.device_hub runs `ensure` on a
task thread and re-emits the states on the GUI thread.

Traps:
- `ensure` blocks (selecting may probe ports; opening talks to the device): call it off
  the GUI thread. Callers that ask while an open is under way wait for that same open
  (a per-kind lock, bounded by `OPEN_WAIT_S`): a second open would close the device the
  first caller was just handed.
- A `reset` while an open is under way (the technician saved another port) must not
  leave the old choice open: the open notices (a per-kind generation) and opens again.
- `report_fault` and `reset` hand back the device they took out instead of closing it:
  closing waits on the device's I/O thread, and the caller decides which thread waits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from common.errors import UserFacingError
from common.text import Text
from devices.base import DEVICE_KIND_LABELS, Device, DeviceError, DeviceKind
from station.config import StationConfig
from station.devices import Selection, open_device, select_device, with_session_options
from station.events import Change, Notifier

log = logging.getLogger(__name__)

READY = "ready"
OPENING = "opening"
FAULT = "fault"
CLOSED = "closed"

OPEN_WAIT_S = 120.0  # a caller waits this long at most for another caller's open
MAX_REOPENS = 3  # resets during one open: open again at most this often, then keep the last

Opener = Callable[[DeviceKind, StationConfig], tuple[Selection, Device]]


def select_and_open(kind: DeviceKind, config: StationConfig) -> tuple[Selection, Device]:
    """The configured driver (or auto-detection) for `kind`, opened."""
    selection = select_device(kind, config)
    return selection, open_device(selection)


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


class DeviceManager:
    """Selects, opens and keeps each device; says how each is (thread-safe)."""

    def __init__(
        self, config: Callable[[], StationConfig], events: Notifier, *, opener: Opener = select_and_open
    ) -> None:
        self._config = config  # read at each open: a saved choice applies at the next one
        self.events = events
        self._opener = opener
        self._lock = threading.Lock()
        self._devices: dict[DeviceKind, Device] = {}
        self._states: dict[DeviceKind, DeviceState] = {k: DeviceState(k, CLOSED) for k in DeviceKind}
        self._opening = {k: threading.Lock() for k in DeviceKind}
        self._generation = dict.fromkeys(DeviceKind, 0)
        # This session's own device options (the training backdrop), laid over the
        # configuration at each open; never written into the configuration.
        self._session_options: dict[DeviceKind, dict[str, Any]] = {k: {} for k in DeviceKind}

    # --- reading --------------------------------------------------------------------

    def state(self, kind: DeviceKind) -> DeviceState:
        with self._lock:
            return self._states[kind]

    def states(self) -> dict[DeviceKind, DeviceState]:
        """A snapshot of every device's state."""
        with self._lock:
            return dict(self._states)

    def device(self, kind: DeviceKind) -> Device | None:
        with self._lock:
            return self._devices.get(kind)

    def ready_device(self, kind: DeviceKind) -> Device | None:
        """The open device of `kind` when it is ready, else None (no waiting)."""
        with self._lock:
            device = self._devices.get(kind)
            return device if device is not None and self._states[kind].state == READY else None

    # --- changing -------------------------------------------------------------------

    def set_session_options(self, kind: DeviceKind, options: dict[str, Any]) -> bool:
        """This session's options for `kind` (replacing the previous ones); True when they
        changed, and the device must be `reset` for the next open to use them."""
        with self._lock:
            if self._session_options[kind] == options:
                return False
            self._session_options[kind] = dict(options)
            return True

    def _session_config(self, kind: DeviceKind) -> StationConfig:
        with self._lock:
            options = dict(self._session_options[kind])
        return with_session_options(self._config(), kind, options)

    def _set(self, state: DeviceState) -> None:
        with self._lock:
            self._states[state.kind] = state
        self.events.notify(Change.DEVICE)

    def ensure(self, kind: DeviceKind) -> Device:
        """The open device of `kind`, opening it first if need be (blocking).

        Raises the open's error (a DeviceError, or a UserFacingError from selection),
        after showing it as the device's FAULT."""
        ready = self.ready_device(kind)
        if ready is not None:
            return ready
        gate = self._opening[kind]
        if not gate.acquire(timeout=OPEN_WAIT_S):
            raise DeviceError(
                Text(
                    f"{DEVICE_KIND_LABELS[kind].id} masih dibuka oleh permintaan lain; coba lagi.",
                    f"The {DEVICE_KIND_LABELS[kind].en.lower()} is still being opened by another request; try again.",
                ),
                code=f"{kind.value}.busy",
                kind=kind,
            )
        try:
            ready = self.ready_device(kind)  # the open we waited for may have succeeded
            if ready is not None:
                return ready
            return self._open(kind)
        finally:
            gate.release()

    def _open(self, kind: DeviceKind) -> Device:
        self._set(DeviceState(kind, OPENING))
        for attempt in range(1, MAX_REOPENS + 1):
            with self._lock:
                generation = self._generation[kind]
            try:
                selection, device = self._opener(kind, self._session_config(kind))
            except Exception as exc:
                leftover = self.report_fault(kind, exc)
                if leftover is not None:
                    _close_quietly(leftover)
                raise
            with self._lock:
                stale = self._generation[kind] != generation and attempt < MAX_REOPENS
                if not stale:
                    old = self._devices.pop(kind, None)
                    self._devices[kind] = device
            if stale:  # reset while opening: the choice changed, open it again
                log.info("%s was reset while it opened: opening again", kind.value)
                _close_quietly(device)
                continue
            if old is not None and old is not device:
                _close_quietly(old)
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
            return device
        raise AssertionError("unreachable: the last attempt is never stale")  # pragma: no cover

    def report_fault(self, kind: DeviceKind, error: BaseException) -> Device | None:
        """A capture or open failed: the device shows FAULT until its next open. Returns
        the device taken out, for the caller to close off the GUI thread."""
        message = error.message if isinstance(error, UserFacingError) else Text("kesalahan perangkat", "device error")
        code = error.code if isinstance(error, UserFacingError) else "device.error"
        with self._lock:
            prev = self._states[kind]
            device = self._devices.pop(kind, None)
        self._set(
            DeviceState(
                kind, FAULT, prev.driver, prev.port, prev.simulated, prev.fallback, error=message, error_code=code
            )
        )
        return device

    def reset(self, kind: DeviceKind) -> Device | None:
        """Forget `kind` so that the next `ensure` selects and opens it afresh (a changed
        driver, port or option; a re-detection); an open under way opens again. Returns
        the device taken out, for the caller to close (and, if it opens the same port
        itself, to wait for)."""
        with self._lock:
            device = self._devices.pop(kind, None)
            self._generation[kind] += 1
        self._set(DeviceState(kind, CLOSED))
        return device

    def close_all(self) -> None:
        """App exit: close every open device here and now; all show CLOSED."""
        with self._lock:
            devices, self._devices = list(self._devices.values()), {}
            for kind in DeviceKind:
                self._generation[kind] += 1
                self._states[kind] = DeviceState(kind, CLOSED)
        for device in devices:
            _close_quietly(device)
        self.events.notify(Change.DEVICE)


def _close_quietly(device: Device) -> None:
    try:
        device.close()
    except Exception:  # closing must not stop the others from closing, nor fail the caller
        log.exception("closing %s failed", type(device).__name__)

"""Choosing a device and the technician's device actions, for an authenticated session.

A device choice rewrites station.toml; a training fault makes a simulator misbehave; a
live check opens a device at the counter. Each is audited under the person who did it,
so each takes the `Authenticated` session of a technician or a supervisor and checks it
here (`Auth.require`: role, idle lock, account still active), whatever screen or
command asks. A typed name attributes nothing: only a password makes a session.

Traps:
- the choice is written into the file's own configuration (`load_config`), not into the
  running one, so in-memory-only options (a training fault, the demo backdrop) never
  reach station.toml; the caller makes the running station follow the file;
- a training fault exists only on a demo station, only in memory, and only as one of
  the simulator's own faults (the console offers no others; the core refuses them);
- the audit row is written before the fault is set, so a refused or failed write
  changes nothing.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from common.errors import StateError, ValidationError
from common.text import Text
from devices.base import DeviceKind
from devices.camera import FAULTS as CAMERA_FAULTS
from devices.fingerprint import FAULTS as FINGERPRINT_FAULTS
from devices.registry import load_registry
from devices.sbi import IRIS_FAULTS
from devices.signature import SIM_FAULTS as SIGNATURE_FAULTS
from station.auth import Authenticated, Role, User
from station.config import DeviceConfig, load_config, save_config
from station.core import StationCore
from station.devices import device_config
from station.events import Change
from store import audit

log = logging.getLogger(__name__)

DEVICE_ROLES = (Role.TECHNICIAN, Role.SUPERVISOR)
MAX_BAUD = 4_000_000  # above any serial line a station uses
MAX_PORT = 512  # a device path or URL; longer is not a port
MAX_OPTIONS = 32

TRAINING_FAULTS: dict[DeviceKind, tuple[str, ...]] = {
    DeviceKind.CAMERA: CAMERA_FAULTS,
    DeviceKind.FINGERPRINT: FINGERPRINT_FAULTS,
    DeviceKind.SIGNATURE: SIGNATURE_FAULTS,
    DeviceKind.IRIS: IRIS_FAULTS,
}


def require_device_session(core: StationCore, by: User | None) -> Authenticated:
    """The session of an unlocked, active technician or supervisor (else AuthError)."""
    return core.auth.require(by, *DEVICE_ROLES)


def _check_driver(kind: DeviceKind, driver: str) -> None:
    spec = load_registry().get(driver)
    if driver != "auto" and (spec is None or spec.kind != kind):
        names = ", ".join(s.name for s in load_registry().for_kind(kind))
        raise ValidationError(
            Text(
                f"Driver '{driver}' tidak ada untuk {kind.value}; pilih: auto, {names}",
                f"No driver '{driver}' for the {kind.value}; choose: auto, {names}",
            ),
            field="driver",
        )


def save_device_choice(
    core: StationCore,
    by: User | None,
    kind: DeviceKind,
    *,
    driver: str | None = None,
    port: str | None = None,
    baud: int | None = None,
    options: dict[str, Any] | None = None,
    clear_options: bool = False,
) -> DeviceConfig:
    """Save a device's driver, port, baud or options to station.toml, audited under the
    authenticated technician or supervisor `by`; returns the saved choice (a copy).
    Everything is checked before the file is touched."""
    who = require_device_session(core, by)
    if driver is not None:
        _check_driver(kind, driver)
    if port is not None and (len(port) > MAX_PORT or any(ord(c) < 32 or ord(c) == 127 for c in port)):
        raise ValidationError(
            Text(
                f"Port paling banyak {MAX_PORT} karakter, tanpa karakter kendali.",
                f"A port has at most {MAX_PORT} characters and no control characters.",
            ),
            field="port",
        )
    if baud is not None and not 0 <= baud <= MAX_BAUD:
        raise ValidationError(
            Text(f"Baud harus 0 sampai {MAX_BAUD} (0 = bawaan).", f"The baud must be 0 to {MAX_BAUD} (0 = default)."),
            field="baud",
        )
    on_disk = load_config(core.home)
    cfg = device_config(on_disk, kind)
    if driver is not None:
        cfg.driver = driver
    if port is not None:
        cfg.port = port
    if baud is not None:
        cfg.baud = baud
    if clear_options:
        cfg.options = {}
    cfg.options.update(options or {})
    if len(cfg.options) > MAX_OPTIONS:
        raise ValidationError(
            Text(f"Paling banyak {MAX_OPTIONS} opsi.", f"At most {MAX_OPTIONS} options."), field="options"
        )
    save_config(on_disk, core.home)
    with core.db.write() as session:
        audit.append(
            session,
            "settings_change",
            actor=who.username,
            target=f"devices.{kind.value}",
            detail={"driver": cfg.driver, "port": cfg.port, "baud": cfg.baud, "options": cfg.options},
        )
    log.info("device choice for %s saved by %s", kind.value, who.username)
    core.events.notify(Change.DEVICE, Change.SETTINGS, Change.AUDIT)
    return copy.deepcopy(cfg)


def set_training_fault(core: StationCore, by: User | None, kind: DeviceKind, fault: str | None) -> None:
    """Training (demo stations only): the simulator of `kind` misbehaves as `fault`, or
    works normally again (None or ""); in memory only, audited under `by`."""
    who = require_device_session(core, by)
    if not core.config.demo:
        raise StateError(
            Text(
                "Gangguan latihan hanya ada di stasiun demo / latihan.",
                "Training faults exist only on a demo / training station.",
            ),
            code="devices.not_demo",
        )
    fault = fault or None
    if fault is not None and fault not in TRAINING_FAULTS[kind]:
        raise ValidationError(
            Text(
                f"Gangguan '{fault}' tidak dikenal; pilih: {', '.join(TRAINING_FAULTS[kind])}",
                f"Unknown fault '{fault}'; choose one of: {', '.join(TRAINING_FAULTS[kind])}",
            ),
            field="fault",
        )
    with core.db.write() as session:
        audit.append(
            session, "training_fault", actor=who.username, target=f"devices.{kind.value}", detail={"fault": fault}
        )
    options = device_config(core.config, kind).options
    if fault:
        options["fault"] = fault
    else:
        options.pop("fault", None)
    core.events.notify(Change.DEVICE, Change.AUDIT)


def record_device_check(core: StationCore, by: User | None, kind: DeviceKind) -> None:
    """A live check of `kind` began (the console's Live check), audited under `by`."""
    who = require_device_session(core, by)
    with core.db.write() as session:
        audit.append(
            session, "device_check", actor=who.username, target=f"devices.{kind.value}", detail={"check": "live"}
        )
    core.events.notify(Change.AUDIT)

"""One registry of device drivers, filled from the entry-point group ``station.devices``.

Built-in drivers register through the same entry points as third-party ones (see
pyproject.toml), so the station has no hard-coded list. A driver whose library or
port is missing reports a reason string; it never fails at import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from common.text import Text
from devices.base import Device, DeviceKind

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "station.devices"


@dataclass(frozen=True)
class DeviceSettings:
    """How the station configuration selects one device."""

    kind: DeviceKind
    driver: str = "auto"  # a driver name, or "auto" to probe and fall back to the simulator
    port: str | None = None  # device path, pty, socket:// or http:// URL, camera index or file
    baud: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # driver-specific, e.g. {"fault": "ghost_finger"}


@dataclass(frozen=True)
class DriverSpec:
    name: str
    kind: DeviceKind
    simulated: bool
    title: Text
    create: Callable[[DeviceSettings], Device]
    unavailable_reason: Callable[[], str | None] = lambda: None
    # probe(port, baud, timeout_s) -> True when that protocol's handshake is answered
    probe: Callable[[str, int | None, float], bool] | None = None


@dataclass
class Registry:
    drivers: dict[str, DriverSpec] = field(default_factory=dict)
    load_errors: dict[str, str] = field(default_factory=dict)

    def add(self, spec: DriverSpec) -> None:
        self.drivers[spec.name] = spec

    def for_kind(self, kind: DeviceKind) -> list[DriverSpec]:
        return [s for s in self.drivers.values() if s.kind == kind]

    def get(self, name: str) -> DriverSpec | None:
        return self.drivers.get(name)


def load_registry() -> Registry:
    """Collect every driver advertised in the ``station.devices`` entry-point group."""
    registry = Registry()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            spec = ep.load()
        except Exception as exc:  # a broken plugin must not stop the station
            log.warning("driver entry point %s failed to load: %s", ep.name, exc)
            registry.load_errors[ep.name] = f"{type(exc).__name__}: {exc}"
            continue
        if not isinstance(spec, DriverSpec):
            registry.load_errors[ep.name] = "entry point is not a DriverSpec"
            continue
        registry.add(spec)
    return registry

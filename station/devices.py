"""Choosing, opening and testing the station's devices (no Qt).

Selection follows the configuration: a named driver is used as configured; "auto"
probes each real driver's handshake on the configured port (or on every serial port
the system lists; for the iris camera, every SBI service found on 127.0.0.1:4501-4600)
and, when nothing answers, falls back to that kind's simulator and says why. A fallback
is never silent: `Selection.fallback` carries the reason, and every place a device is
shown (status, self-test report, the app) shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from common.errors import UserFacingError
from common.text import Text
from devices.base import DEVICE_KIND_LABELS, Device, DeviceError, DeviceKind
from devices.registry import DeviceSettings, DriverSpec, Registry, load_registry
from station.config import DeviceConfig, StationConfig

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 0.8
DEFAULT_SIMULATOR = {
    DeviceKind.CAMERA: "opencv-sim",
    DeviceKind.FINGERPRINT: "ef01-sim",
    DeviceKind.SIGNATURE: "isdv4-sim",
    DeviceKind.IRIS: "sbi-iris-sim",
}
SBI_DISCOVERY_S = 2.0  # MOSIPDISC over the port range: the slowest listening service, cut here


@dataclass(frozen=True)
class Selection:
    kind: DeviceKind
    spec: DriverSpec
    settings: DeviceSettings
    fallback: Text | None = None  # why the simulator stands in for a real device
    tried: list[str] = field(default_factory=list)

    @property
    def simulated(self) -> bool:
        return self.spec.simulated

    def describe(self, lang: str = "id") -> str:
        label = DEVICE_KIND_LABELS[self.kind].get(lang)
        port = self.settings.port or "-"
        sim = (" [SIMULASI]" if lang == "id" else " [SIMULATED]") if self.simulated else ""
        out = f"{label}: {self.spec.name} @ {port}{sim}"
        if self.fallback is not None:
            out += f" — {self.fallback.get(lang)}"
        return out


def device_config(config: StationConfig, kind: DeviceKind) -> DeviceConfig:
    return {
        DeviceKind.CAMERA: config.camera,
        DeviceKind.FINGERPRINT: config.fingerprint,
        DeviceKind.SIGNATURE: config.signature,
        DeviceKind.IRIS: config.iris,
    }[kind]


def with_session_options(config: StationConfig, kind: DeviceKind, options: Mapping[str, Any]) -> StationConfig:
    """A copy of `config` whose `kind` device has `options` laid over its configured
    ones: how a session's own parameter reaches a driver without changing the station's
    configuration (in memory or on disk)."""
    if not options:
        return config
    device = device_config(config, kind)
    merged = replace(device, options={**device.options, **options})
    if kind == DeviceKind.CAMERA:
        return replace(config, camera=merged)
    if kind == DeviceKind.FINGERPRINT:
        return replace(config, fingerprint=merged)
    if kind == DeviceKind.IRIS:
        return replace(config, iris=merged)
    return replace(config, signature=merged)


def training_camera_options(config: StationConfig, birth_year: int) -> dict[str, Any]:
    """On a demo station the simulated studio hangs the backdrop this resident's birth
    year calls for (as the operator would at a real counter), so that trainees see an
    automatic capture. A real camera, or a trainer's own `fault` or `birth_year` choice,
    is left alone (empty options)."""
    from devices.camera.scene import backdrop_for_birth_year

    camera = config.camera
    if not config.demo or camera.driver != "opencv-sim":
        return {}
    if "fault" in camera.options or "birth_year" in camera.options:
        return {}
    return {"backdrop": backdrop_for_birth_year(birth_year)}


def _settings(kind: DeviceKind, cfg: DeviceConfig, driver: str, port: str | None) -> DeviceSettings:
    return DeviceSettings(kind=kind, driver=driver, port=port or None, baud=cfg.baud or None, options=dict(cfg.options))


def sbi_ports(bio_type: str, *, ports: str | None = None, timeout_s: float = SBI_DISCOVERY_S) -> list[str]:
    """The URLs of the SBI services on 127.0.0.1 that offer a `bio_type` ("Iris",
    "Finger", "Face") device, found with MOSIPDISC over `ports` ("4501-4600", the spec's
    range, unless a technician narrowed it); none is an empty list."""
    from devices.sbi import client
    from devices.sbi.service import parse_ports
    from devices.sbi.spec import PORT_RANGE

    try:
        scanned = parse_ports(ports) if ports else PORT_RANGE
        found, _problems = client.discover(scanned, bio_type, timeout_s=timeout_s)
    except Exception as exc:  # discovery answers with what it found; a failure is "none"
        log.info("SBI discovery for %s found nothing: %s", bio_type, exc)
        return []
    urls = sorted({client.base_url(d.port) for d in found if d.bio_type is not None and d.bio_type.value == bio_type})
    log.info("SBI discovery for %s: %s", bio_type, ", ".join(urls) or "none")
    return urls


def candidate_ports(kind: DeviceKind, options: Mapping[str, Any] | None = None) -> list[str]:
    """Ports worth probing when none is configured (`options`: the kind's configured
    options; the iris camera's ``ports`` narrows the SBI range scanned)."""
    if kind == DeviceKind.CAMERA:
        import glob

        return sorted(glob.glob("/dev/video*"))[:4]
    if kind == DeviceKind.IRIS:
        ports = (options or {}).get("ports")
        return sbi_ports("Iris", ports=str(ports) if ports else None)
    try:
        from serial.tools import list_ports
    except ImportError:  # pragma: no cover - pyserial is a dependency
        return []
    return [p.device for p in list_ports.comports()]


def select_device(kind: DeviceKind, config: StationConfig, registry: Registry | None = None) -> Selection:
    registry = registry or load_registry()
    cfg = device_config(config, kind)
    if cfg.driver != "auto":
        spec = registry.get(cfg.driver)
        if spec is None or spec.kind != kind:
            raise UserFacingError(
                Text(
                    f"Driver '{cfg.driver}' untuk {DEVICE_KIND_LABELS[kind].id} tidak dikenal.",
                    f"Unknown driver '{cfg.driver}' for the {DEVICE_KIND_LABELS[kind].en}.",
                ),
                code="device.unknown_driver",
            )
        return Selection(kind, spec, _settings(kind, cfg, spec.name, cfg.port))
    tried: list[str] = []
    ports = [cfg.port] if cfg.port else candidate_ports(kind, cfg.options)
    for spec in registry.for_kind(kind):
        if spec.simulated or spec.probe is None:
            continue
        reason = spec.unavailable_reason()
        if reason:
            tried.append(f"{spec.name}: {reason}")
            continue
        for port in ports:
            tried.append(f"{spec.name}@{port}")
            if spec.probe(port, cfg.baud or None, PROBE_TIMEOUT_S):
                log.info("%s answered on %s", spec.name, port)
                return Selection(kind, spec, _settings(kind, cfg, spec.name, port), tried=tried)
    sim = registry.get(DEFAULT_SIMULATOR[kind])
    if sim is None:
        raise UserFacingError(
            Text(
                f"Tidak ada {DEVICE_KIND_LABELS[kind].id} dan tidak ada simulatornya.",
                f"No {DEVICE_KIND_LABELS[kind].en} answered and no simulator is installed.",
            ),
            code="device.none",
        )
    if kind == DeviceKind.IRIS and not ports:
        fallback = Text(
            "tidak ada layanan SBI kamera iris di 127.0.0.1:4501-4600; memakai simulator",
            "no SBI iris service on 127.0.0.1:4501-4600; using the simulator",
        )
    else:
        fallback = Text(
            f"tidak ada perangkat asli yang menjawab ({', '.join(ports) or 'tidak ada port'}); memakai simulator",
            f"no real device answered ({', '.join(ports) or 'no ports found'}); using the simulator",
        )
    log.info("%s: no real device answered on %s; falling back to %s", kind.value, ports or "no ports", sim.name)
    return Selection(kind, sim, _settings(kind, cfg, sim.name, None), fallback=fallback, tried=tried)


def open_device(selection: Selection) -> Device:
    """Create and open the selected driver; a DeviceError says what is wrong."""
    reason = selection.spec.unavailable_reason()
    if reason:
        raise DeviceError(
            Text(
                f"Driver {selection.spec.name} tidak tersedia: {reason}",
                f"Driver {selection.spec.name} is unavailable: {reason}",
            ),
            code=f"{selection.kind.value}.driver_unavailable",
            kind=selection.kind,
            port=selection.settings.port,
        )
    device = selection.spec.create(selection.settings)
    try:
        device.open()
    except BaseException:
        device.close()
        raise
    return device


def selection_dict(selection: Selection, lang: str = "id") -> dict[str, Any]:
    return {
        "kind": selection.kind.value,
        "driver": selection.spec.name,
        "port": selection.settings.port,
        "simulated": selection.simulated,
        "fallback": selection.fallback.get(lang) if selection.fallback else None,
    }

"""EF01 fingerprint modules (ZFM-20, R30x, R503, AS608): driver, simulator, quality proxy.

Two registry entries (entry-point group ``station.devices``):
* ``EF01`` - a real module on a serial port, pty or socket:// URL;
* ``EF01_SIM`` - an in-process simulated module on a pseudo-terminal, always
  reported as simulated; closing the scanner stops the simulator.

Settings options understood by both: ``password`` (int), ``address`` (int),
``timeout_s`` (float), ``language``. The simulator also takes ``fault``
(no_reply, bad_checksum, sensor_fault, ghost_finger, wrong_baud, slow_line),
``pacing`` (bool, real line timing), ``seed`` (int), ``auto`` (bool),
``appear_after`` (int), ``capacity`` (int), ``led`` (bool), ``garble_replies`` (bool).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from common.text import Text
from devices.base import DeviceKind
from devices.fingerprint import protocol
from devices.fingerprint.driver import Ef01Scanner, encode_wsq, serial_unavailable_reason
from devices.fingerprint.imagegen import synthetic_fingerprint
from devices.fingerprint.quality import QualityReport, assess
from devices.fingerprint.simcore import FAULTS
from devices.fingerprint.simulator import SimulatorHandle, pty_unavailable_reason, run_forever, start_simulator
from devices.registry import DeviceSettings, DriverSpec

log = logging.getLogger(__name__)

__all__ = [
    "EF01",
    "EF01_SIM",
    "FAULTS",
    "Ef01Scanner",
    "QualityReport",
    "SimulatorHandle",
    "assess",
    "encode_wsq",
    "probe",
    "run_forever",
    "start_simulator",
    "synthetic_fingerprint",
]

_SIM_OPTIONS = ("auto", "appear_after", "capacity", "led", "password", "garble_replies")


def _common(options: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, kind in (("password", int), ("address", int), ("timeout_s", float), ("language", str)):
        if key in options:
            out[key] = kind(options[key])
    return out


def create_real(settings: DeviceSettings) -> Ef01Scanner:
    if not settings.port:
        from devices.fingerprint import errors

        raise errors.port_unavailable(None, "no port configured")
    baud = settings.baud or protocol.DEFAULT_BAUD
    return Ef01Scanner(settings.port, baud=baud, driver_name="ef01", **_common(settings.options))


def create_simulated(settings: DeviceSettings) -> Ef01Scanner:
    """Start a simulator on a fresh pty and return an (unopened) scanner connected to it."""
    opts = settings.options
    baud = settings.baud or protocol.DEFAULT_BAUD
    sim_opts = {k: opts[k] for k in _SIM_OPTIONS if k in opts}
    handle = start_simulator(
        baud=baud,
        fault=opts.get("fault") or None,
        pacing=bool(opts.get("pacing", False)),
        seed=int(opts.get("seed", 1)),
        **sim_opts,
    )
    return Ef01Scanner(handle.path, baud=baud, driver_name="ef01-sim", simulator=handle, **_common(opts))


def probe(port: str, baud: int | None, timeout_s: float) -> bool:
    """True when an EF01 module answers VfyPwd on `port`; never raises."""
    scanner = Ef01Scanner(port, baud=baud or protocol.DEFAULT_BAUD, timeout_s=max(0.05, timeout_s))
    started = time.monotonic()
    try:
        scanner.open_port()
        scanner.run(lambda s: s.transact(protocol.Ins.VFY_PWD, bytes(4)))
        return True
    except Exception as exc:  # a probe answers yes or no, whatever went wrong
        log.debug("EF01 probe on %s: no (%s) after %.2f s", port, exc, time.monotonic() - started)
        return False
    finally:
        try:
            scanner.close_port()
        except Exception:  # pragma: no cover - close never raises, but a probe must not either
            log.debug("EF01 probe on %s: close failed", port)


EF01 = DriverSpec(
    name="ef01",
    kind=DeviceKind.FINGERPRINT,
    simulated=False,
    title=Text("Modul sidik jari EF01 (ZFM/R30x/R503/AS608)", "EF01 fingerprint module (ZFM/R30x/R503/AS608)"),
    create=create_real,
    unavailable_reason=serial_unavailable_reason,
    probe=probe,
)

EF01_SIM = DriverSpec(
    name="ef01-sim",
    kind=DeviceKind.FINGERPRINT,
    simulated=True,
    title=Text("Simulator modul sidik jari EF01", "EF01 fingerprint module simulator"),
    create=create_simulated,
    unavailable_reason=lambda: serial_unavailable_reason() or pty_unavailable_reason(),
)

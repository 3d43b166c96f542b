"""Signature pad: the Wacom ISDV4 serial driver, its simulator, checks and vector format.

Registered through the ``station.devices`` entry points as ``isdv4`` (a real pad on a
serial port, pty or ``socket://`` URL) and ``isdv4-sim`` (an in-process simulator on a pty,
labelled simulated). Modules:

* protocol: packet codecs and the resynchronising stream parser
* link: the serial link on its port thread (handshake, baud fallback, bulk reads), probe
* pen: packets to strokes, stuck-tip / dead-zone evidence
* driver: `Isdv4Pad` (capture, info) ; selftest: the technician's steps
* strokes: `check_signature` ; render: `render_png` ; vectors: `encode_strokes` / `decode_strokes`
* signgen: synthetic signatures ; simulator: `start_simulator`, `run_forever`
* errors: the stable ``signature.*`` codes with bilingual messages and remedies

Nothing here imports pyserial at import time: a missing library is a reason string.
"""

from __future__ import annotations

import os
from typing import Any

from common.text import Text
from devices.base import DeviceKind
from devices.registry import DeviceSettings, DriverSpec
from devices.signature.driver import Isdv4Pad
from devices.signature.errors import NO_PORT, SignatureRejected, signature_error
from devices.signature.link import probe_isdv4
from devices.signature.signgen import synthetic_signature, synthetic_strokes
from devices.signature.simulator import SIM_FAULTS, Isdv4Simulator, run_forever, start_simulator
from devices.signature.strokes import SigningBox, check_signature
from devices.signature.vectors import decode_strokes, encode_strokes


def _pyserial_missing() -> str | None:
    try:
        import serial  # noqa: F401
    except ImportError:
        return "pyserial is not installed"
    return None


def _pty_missing() -> str | None:
    if os.name != "posix":
        return "the signature pad simulator needs POSIX ptys"
    return _pyserial_missing()


def _create_real(settings: DeviceSettings) -> Isdv4Pad:
    if not settings.port:
        raise signature_error(NO_PORT, detail="no port configured")
    return Isdv4Pad(settings.port, baud=settings.baud, options=settings.options)


def _create_sim(settings: DeviceSettings) -> Isdv4Pad:
    """Start a simulator on a pty (options: fault, seed, loop, packet_rate, tempo) and connect to it."""
    opts: dict[str, Any] = dict(settings.options)
    sim = start_simulator(
        baud=settings.baud or 19200,
        fault=opts.get("fault") or None,
        seed=opts.get("seed"),
        loop=bool(opts.get("loop", False)),
        packet_rate=opts.get("packet_rate"),
        tempo=float(opts.get("tempo", 1.0)),
    )
    return Isdv4Pad(sim.path, options=opts, simulator=sim, driver_name="isdv4-sim")


ISDV4 = DriverSpec(
    name="isdv4",
    kind=DeviceKind.SIGNATURE,
    simulated=False,
    title=Text("Wacom ISDV4 (serial)", "Wacom ISDV4 (serial)"),
    create=_create_real,
    unavailable_reason=_pyserial_missing,
    probe=probe_isdv4,
)

ISDV4_SIM = DriverSpec(
    name="isdv4-sim",
    kind=DeviceKind.SIGNATURE,
    simulated=True,
    title=Text("Simulasi alat tanda tangan ISDV4", "Simulated ISDV4 signature pad"),
    create=_create_sim,
    unavailable_reason=_pty_missing,
)

__all__ = [
    "ISDV4",
    "ISDV4_SIM",
    "SIM_FAULTS",
    "Isdv4Pad",
    "Isdv4Simulator",
    "SignatureRejected",
    "SigningBox",
    "check_signature",
    "decode_strokes",
    "encode_strokes",
    "probe_isdv4",
    "run_forever",
    "start_simulator",
    "synthetic_signature",
    "synthetic_strokes",
]

"""MOSIP SBI 0.9.5 devices: certified slap scanners, dual-iris and face cameras over loopback HTTP.

Registry entries (entry-point group ``station.devices``):
* ``SBI_FINGER`` (``sbi-finger``, fingerprint) - a vendor's device service on 127.0.0.1;
  the port is an ``http://127.0.0.1:NNNN`` URL, or none to discover one in the port range;
* ``SBI_FINGER_SIM`` (``sbi-finger-sim``) - the in-process simulator on an ephemeral
  port, always reported as simulated; closing the scanner stops the simulator;
* ``SBI_FACE`` / ``SBI_FACE_SIM`` (``sbi-face``, ``sbi-face-sim``, camera) - the same for
  a face camera behind today's photo step (the simulator takes ``birth_year`` for its
  backdrop);
* ``SBI_IRIS`` / ``SBI_IRIS_SIM`` (``sbi-iris``, ``sbi-iris-sim``, iris) - a dual-iris
  camera behind the iris step; ``sbi-iris-sim`` is the iris kind's default simulator.

Options: ``ports`` ("4501-4600"), ``trust_store`` (folder of PEM device-CA
certificates), ``trust_simulator`` (demo stations), ``env``, ``device_id``,
``timeout_s``, ``grace_s``, ``discovery_s``; the simulator also takes ``fault``
(see `FAULTS`) and ``seed``.

Public API for the wizard and the iris step (see each module's doc):
* `chain.CaptureChain`: one per enrollment, passed to every capture (slaps, irises,
  face) so the record's captures form one verified hash chain;
* `finger.SbiFingerprintScanner.capture_slap(slap, exceptions=..., chain=...)` ->
  `finger.SlapCapture` (per finger: image, WSQ, device score; `passed`,
  `below_threshold`, every attempt's scores); `is_slap_scanner` tells a 4-4-2 device;
  wrong hand / missing finger raise `errors.WrongSubtypes` (`.unexpected`, `.missing`);
* `iris.SbiIrisCamera`: a `devices.kinds.IrisCamera` (`capture_eyes("both")` ->
  {"left"/"right": `IrisCapture`}; set `.chain` to chain it); under it
  `capture_sbi(Eyes.BOTH, exceptions=..., chain=...)` -> `iris.EyesCapture` (per eye:
  the NIR image as sent, its ISO 19794-6 record, the device's score);
  `start_preview(eyes, on_frame)` for the live view;
* `face.SbiFaceCamera`: a `devices.kinds.Camera` (set `.chain` to chain the photo);
* lower down: `service.SbiService` (one device, its I/O thread, captures, preview),
  `client.discover` / `device_info` / `rcapture`, `verify.verify_capture`;
* `simulator.SbiSimulator` (in-process, any fault) and `irisgen.synthetic_eye`
  (eye images with their true geometry, for the iris quality checks).
Importing this package imports neither cv2 nor the HTTP machinery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from common.text import Text
from devices.base import Device, DeviceKind
from devices.registry import DeviceSettings, DriverSpec

if TYPE_CHECKING:
    from devices.sbi.service import SbiSettings

log = logging.getLogger(__name__)

FAULTS = (
    "busy",
    "not_registered",
    "low_quality",
    "wrong_hand",
    "missing_finger",
    "eye_closed",
    "timeout",
    "dies_mid_capture",
    "broken_hash_chain",
    "bad_signature",
)
SIM_TYPES = ("finger", "iris", "face", "all")
# The faults a trainer may give the iris simulator (the rest concern fingers).
IRIS_FAULTS = tuple(f for f in FAULTS if f not in ("wrong_hand", "missing_finger"))


def _reason() -> str | None:
    try:
        import PIL.features

        if not PIL.features.check("jpg_2000"):
            return "Pillow has no JPEG 2000 codec (OpenJPEG), which ISO 19794 images from SBI devices use"
    except Exception as exc:
        return f"Pillow cannot be imported: {exc}"
    return None


def _settings(port: str | None, options: dict[str, object], kind: DeviceKind = DeviceKind.FINGERPRINT) -> SbiSettings:
    """The driver's settings, or a DeviceError naming the option a technician must fix."""
    from devices.base import DeviceError
    from devices.sbi.service import SbiSettings

    try:
        return SbiSettings.from_options(port, options)
    except (ValueError, TypeError, OSError) as exc:
        raise DeviceError(
            Text(f"Pengaturan alat SBI tidak sah: {exc}", f"Invalid SBI device settings: {exc}"),
            code="sbi.bad_setting",
            kind=kind,
            port=port,
            remedy=Text(
                "Perbaiki port (http://127.0.0.1:NNNN), ports (4501-4600) atau folder trust_store di pengaturan perangkat.",
                "Fix the port (http://127.0.0.1:NNNN), ports (4501-4600) or trust_store folder in the device settings.",
            ),
        ) from None


def _simulator_reason() -> str | None:
    reason = _reason()
    if reason is not None:
        return reason
    from pathlib import Path

    if not (Path(__file__).with_name("data") / "simulator_identity.json").exists():
        return "the simulator's key devices/sbi/data/simulator_identity.json is missing"
    return None


def _start_simulator(
    types: str, opts: Mapping[str, Any], kind: DeviceKind, **extra: Any
) -> tuple[SbiSettings, Callable[[], None]]:
    """A simulator of `types` started on an ephemeral port (``fault``, ``seed`` and
    ``capture_delay_s`` from `opts`), the settings that trust it, and how to stop it; the
    simulator is stopped again when the settings are refused, so a bad option leaks no thread."""
    from devices.sbi.simulator import SbiSimulator

    sim = SbiSimulator(
        port=0, types=types, fault=opts.get("fault") or None, seed=int(opts.get("seed", 1)),
        capture_delay_s=float(opts.get("capture_delay_s", 0.2)), **extra,
    ).start()  # fmt: skip
    try:
        return _settings(sim.url, {**opts, "trust_simulator": True}, kind), sim.stop
    except BaseException:
        sim.stop()
        raise


def _create_real(settings: DeviceSettings) -> Device:
    from devices.sbi.finger import SbiFingerprintScanner

    return SbiFingerprintScanner(
        _settings(settings.port, dict(settings.options)),
        driver_name="sbi-finger",
        language=str(settings.options.get("language", "id")),
    )


def _create_simulated(settings: DeviceSettings) -> Device:
    """Start a simulator on an ephemeral port and return an (unopened) scanner trusting it."""
    from devices.sbi.finger import SbiFingerprintScanner

    opts = dict(settings.options)
    sim_settings, stop = _start_simulator("finger", opts, DeviceKind.FINGERPRINT)
    return SbiFingerprintScanner(
        sim_settings,
        driver_name="sbi-finger-sim",
        simulated=True,
        on_close=stop,
        language=str(opts.get("language", "id")),
    )


def _create_face(settings: DeviceSettings) -> Device:
    from devices.sbi.face import SbiFaceCamera

    return SbiFaceCamera(
        _settings(settings.port, dict(settings.options), DeviceKind.CAMERA),
        driver_name="sbi-face",
        language=str(settings.options.get("language", "id")),
        required_passes=int(settings.options.get("required_passes", 3)),
    )


def _create_face_simulated(settings: DeviceSettings) -> Device:
    """A simulated SBI face camera on its own in-process service (backdrop for `birth_year`)."""
    from devices.sbi.face import SbiFaceCamera

    opts = dict(settings.options)
    sim_settings, stop = _start_simulator(
        "face", opts, DeviceKind.CAMERA, face_birth_year=int(opts.get("birth_year", 1990))
    )
    return SbiFaceCamera(
        sim_settings, driver_name="sbi-face-sim", simulated=True, on_close=stop,
        required_passes=int(opts.get("required_passes", 3)),
    )  # fmt: skip


def _create_iris(settings: DeviceSettings) -> Device:
    from devices.sbi.iris import SbiIrisCamera

    return SbiIrisCamera(
        _settings(settings.port, dict(settings.options), DeviceKind.IRIS),
        driver_name="sbi-iris",
        language=str(settings.options.get("language", "id")),
    )


def _create_iris_simulated(settings: DeviceSettings) -> Device:
    """A simulated SBI dual-iris camera on its own in-process service (``fault``, ``seed``)."""
    from devices.sbi.iris import SbiIrisCamera

    opts = dict(settings.options)
    sim_settings, stop = _start_simulator("iris", opts, DeviceKind.IRIS)
    return SbiIrisCamera(
        sim_settings, driver_name="sbi-iris-sim", simulated=True, on_close=stop,
        language=str(opts.get("language", "id")),
    )  # fmt: skip


def _iris_reason() -> str | None:
    reason = _reason()
    if reason is not None:
        return reason
    try:
        import cv2  # noqa: F401  (the station's iris measures and K3 crop)
    except ImportError as exc:
        return f"OpenCV cannot be imported: {exc}"
    return None


def _iris_simulator_reason() -> str | None:
    return _iris_reason() or _simulator_reason()


def _probe_for(bio_type: str) -> Callable[[str, int | None, float], bool]:
    def probe_type(port: str, baud: int | None, timeout_s: float) -> bool:
        if not port.startswith("http://"):
            return False
        try:
            from devices.sbi import client

            found = client.discover_port(client.port_from_url(port), bio_type, timeout_s=max(0.1, timeout_s))
            return any(d.bio_type is not None and d.bio_type.value == bio_type for d in found)
        except Exception as exc:  # a probe answers yes or no, whatever went wrong
            log.debug("SBI probe of %s for %s: no (%s)", port, bio_type, exc)
            return False

    return probe_type


def probe(port: str, baud: int | None, timeout_s: float) -> bool:
    """True when an SBI service at `port` (an http://127.0.0.1:NNNN URL) offers a finger
    device; any other port string (a serial device) is a quick no. Never raises."""
    return _probe_for("Finger")(port, baud, timeout_s)


SBI_FINGER = DriverSpec(
    name="sbi-finger",
    kind=DeviceKind.FINGERPRINT,
    simulated=False,
    title=Text(
        "Pemindai sidik jari bersertifikat (MOSIP SBI 0.9.5)", "Certified fingerprint scanner (MOSIP SBI 0.9.5)"
    ),
    create=_create_real,
    unavailable_reason=_reason,
    probe=probe,
)

SBI_FINGER_SIM = DriverSpec(
    name="sbi-finger-sim",
    kind=DeviceKind.FINGERPRINT,
    simulated=True,
    title=Text("Simulator pemindai 4-4-2 (SBI)", "4-4-2 slap scanner simulator (SBI)"),
    create=_create_simulated,
    unavailable_reason=_simulator_reason,
)

SBI_FACE = DriverSpec(
    name="sbi-face",
    kind=DeviceKind.CAMERA,
    simulated=False,
    title=Text("Kamera wajah bersertifikat (MOSIP SBI 0.9.5)", "Certified face camera (MOSIP SBI 0.9.5)"),
    create=_create_face,
    unavailable_reason=_reason,
    probe=_probe_for("Face"),
)

SBI_FACE_SIM = DriverSpec(
    name="sbi-face-sim",
    kind=DeviceKind.CAMERA,
    simulated=True,
    title=Text("Simulator kamera wajah (SBI)", "Face camera simulator (SBI)"),
    create=_create_face_simulated,
    unavailable_reason=_simulator_reason,
)

SBI_IRIS = DriverSpec(
    name="sbi-iris",
    kind=DeviceKind.IRIS,
    simulated=False,
    title=Text("Kamera iris ganda bersertifikat (MOSIP SBI 0.9.5)", "Certified dual-iris camera (MOSIP SBI 0.9.5)"),
    create=_create_iris,
    unavailable_reason=_iris_reason,
    probe=_probe_for("Iris"),
)

SBI_IRIS_SIM = DriverSpec(
    name="sbi-iris-sim",
    kind=DeviceKind.IRIS,
    simulated=True,
    title=Text("Simulator kamera iris ganda (SBI)", "Dual-iris camera simulator (SBI)"),
    create=_create_iris_simulated,
    unavailable_reason=_iris_simulator_reason,
)

__all__ = [
    "FAULTS",
    "IRIS_FAULTS",
    "SBI_FACE",
    "SBI_FACE_SIM",
    "SBI_FINGER",
    "SBI_FINGER_SIM",
    "SBI_IRIS",
    "SBI_IRIS_SIM",
    "SIM_TYPES",
    "probe",
]

"""The technician's self-test of an SBI device (MOSIP has none: SBI has no test verb).

Steps, each measured against what was expected and reported live:
1. ``sbi.discovery`` - the device's service answers MOSIPDISC on the configured port
   (or somewhere in the port range) within the discovery budget (about 2 s);
2. ``sbi.info`` - MOSIPDINFO answers, and a registered device's info is signed by a
   certificate in the trust store;
3. ``sbi.status`` - Ready, certified L0 or L1, for Registration, speaking 0.9.5; a real
   station that trusts the published simulator key fails here;
4. ``sbi.capture`` - a test capture (both thumbs, or both eyes) whose signatures,
   hash chain and subtypes all verify, within the capture timeout;
5. ``sbi.quality`` - every item's device score reaches the threshold;
6. ``sbi.preview`` - the STREAM preview delivers at least 3 frames a second.

When discovery or info fails, the later steps are reported as "not run", so the list
always has the same shape. Trap: the test capture needs the resident's (or the
technician's) thumbs or eyes in front of the device; the titles say so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from common.progress import CancelToken, Progress, no_progress
from common.text import DEFAULT_LANGUAGE, Text
from devices.base import DeviceError, SelfTestStep, StepCallback, StepLog
from devices.sbi import client
from devices.sbi.chain import CaptureChain
from devices.sbi.service import SbiService
from devices.sbi.spec import PURPOSE_REGISTRATION, SPEC_VERSION, DeviceStatus

log = logging.getLogger(__name__)

MIN_PREVIEW_FPS = 3.0
PREVIEW_WINDOW_S = 1.2

_NOT_RUN = Text("Perbaiki langkah sebelumnya dahulu.", "Fix the earlier failed step first.")
_SIM_TRUSTED = Text(
    "Stasiun ini mempercayai kunci simulator: hapus opsi trust_simulator dan sertifikat simulator dari folder kepercayaan.",
    "This station trusts the simulator key: remove the trust_simulator option and the simulator certificate from the trust folder.",
)
_LOW = Text(
    "Bersihkan kaca/lensa alat dan ulangi uji; bila skor tetap rendah, alat perlu diservis.",
    "Clean the device's glass or lens and test again; if the score stays low the device needs service.",
)
_SLOW = Text(
    "Pratinjau terlalu lambat: tutup program lain, periksa kabel USB (pakai port USB 3), mulai ulang layanan alat.",
    "The preview is too slow: close other programs, check the USB cable (use a USB 3 port), restart the device service.",
)

TITLES = {
    "sbi.discovery": Text("Penemuan layanan alat (SBI)", "Device service discovery (SBI)"),
    "sbi.info": Text("Info alat dan tanda tangannya", "Device info and its signature"),
    "sbi.status": Text("Status dan sertifikasi alat", "Device status and certification"),
    "sbi.capture": Text(
        "Tangkapan uji (letakkan kedua ibu jari / tatap kamera)",
        "Test capture (place both thumbs / look into the camera)",
    ),
    "sbi.quality": Text("Mutu tangkapan uji", "Test capture quality"),
    "sbi.preview": Text("Pratinjau langsung", "Live preview"),
}


def run_self_test(
    service: SbiService,
    *,
    device: str,
    sub_id: int,
    threshold: float,
    simulated: bool,
    on_step: StepCallback | None = None,
    cancel: CancelToken | None = None,
    progress: Progress = no_progress,
    language: str = DEFAULT_LANGUAGE,
) -> list[SelfTestStep]:
    cancel = cancel or CancelToken()
    steps = StepLog(device, on_step, service.url)
    state: dict[str, object] = {}
    plan: list[tuple[str, str, Callable[[], tuple[bool, str, Text | None]]]] = [
        ("sbi.discovery", "a service within 2 s", lambda: _discovery(service)),
        ("sbi.info", "signed by a trusted certificate (or not registered)", lambda: _info(service)),
        ("sbi.status", f"Ready, L0/L1, {PURPOSE_REGISTRATION}, {SPEC_VERSION}", lambda: _status(service, simulated)),
        (
            "sbi.capture",
            "signature, hash chain and subtypes verified",
            lambda: _capture(service, sub_id, threshold, state),
        ),
        ("sbi.quality", f"every score >= {threshold:.0f}", lambda: _quality(state, threshold)),
        ("sbi.preview", f">= {MIN_PREVIEW_FPS:.0f} frames/s", lambda: _preview(service, sub_id)),
    ]
    blocked = False
    for index, (name, expected, body) in enumerate(plan):
        cancel.raise_if_cancelled()
        title = TITLES[name]
        progress(index / len(plan), title.get(language))
        started = time.monotonic()
        if blocked or (name == "sbi.quality" and "capture" not in state):
            steps.record(name, title, False, "not run", expected, started=started, remedy=_NOT_RUN)
            continue
        try:
            passed, measured, remedy = body()
            steps.record(name, title, passed, measured, expected, started=started, remedy=remedy)
            if not passed and name in ("sbi.discovery", "sbi.info"):
                blocked = True
        except DeviceError as exc:
            steps.record(
                name, title, False, f"{exc.code}: {exc.message.en}", expected, started=started, remedy=exc.remedy,
                error_code=exc.code,
            )  # fmt: skip
            if name in ("sbi.discovery", "sbi.info", "sbi.status"):
                blocked = True
    progress(1.0, Text("Uji selesai", "Self-test finished").get(language))
    return steps.steps


def _discovery(service: SbiService) -> tuple[bool, str, Text | None]:
    started = time.monotonic()
    bio = service.bio_type
    if service.port is not None:
        found = client.discover_port(service.port, bio.value, timeout_s=service.settings.discovery_s)
        ports = f"port {service.port}"
    else:
        found, _problems = client.discover(service.settings.ports, bio.value, timeout_s=service.settings.discovery_s)
        ports = f"ports {service.settings.ports.start}-{service.settings.ports.stop - 1}"
    took = time.monotonic() - started
    mine = [d for d in found if d.bio_type == bio]
    if not mine:
        from devices.sbi import errors

        err = errors.no_service(ports, bio_type=bio)
        return False, f"no {bio.value} device on {ports} ({took:.2f} s)", err.remedy
    where = ", ".join(f"{d.make_model} @ {d.port} ({d.status})" for d in mine)
    return took <= service.settings.discovery_s + 0.5, f"{where}; {took:.2f} s", None


def _info(service: SbiService) -> tuple[bool, str, Text | None]:
    try:
        if not service.is_open:
            service.open()
        else:
            service.refresh()
    except DeviceError:
        if service.device is None:  # the info itself was refused; a refused status is the next step's
            raise
    d = service.device
    assert d is not None
    signer = d.signed_by or "unsigned"
    return True, f"{d.make_model} s/n {d.device_code}; signed by {signer}", None


def _status(service: SbiService, simulated: bool) -> tuple[bool, str, Text | None]:
    from devices.sbi.simkey import LABEL

    d = service.device
    assert d is not None
    measured = f"{d.status}, {d.certification}, {d.purpose or '-'}, {', '.join(d.spec_versions) or '-'}"
    if d.signed_by and LABEL in d.signed_by and not simulated:
        return False, measured + "; signed by the SIMULATOR key", _SIM_TRUSTED
    ok = (
        d.status == DeviceStatus.READY
        and d.certification in ("L0", "L1")
        and d.purpose == PURPOSE_REGISTRATION
        and SPEC_VERSION in d.spec_versions
    )
    return (
        ok,
        measured,
        None
        if ok
        else Text("Pakai alat pendaftaran bersertifikat SBI 0.9.5.", "Use a certified SBI 0.9.5 registration device."),
    )


def _capture(
    service: SbiService, sub_id: int, threshold: float, state: dict[str, object]
) -> tuple[bool, str, Text | None]:
    capture = service.capture(sub_id, chain=CaptureChain(), requested_score=threshold)
    state["capture"] = capture
    names = ", ".join(i.bio_sub_type for i in capture.items)
    return True, f"{len(capture.items)} items ({names}) verified in {capture.duration_s:.2f} s", None


def _quality(state: dict[str, object], threshold: float) -> tuple[bool, str, Text | None]:
    capture = state["capture"]
    items = getattr(capture, "items", ())
    scores = {i.bio_sub_type: i.quality for i in items}
    low = min(scores.values()) if scores else 0.0
    measured = ", ".join(f"{k} {v:.0f}" for k, v in scores.items())
    return low >= threshold, measured or "no items", None if low >= threshold else _LOW


def _preview(service: SbiService, sub_id: int) -> tuple[bool, str, Text | None]:
    """Frames over a short window; the window ends early once enough frames have come."""
    enough = int(PREVIEW_WINDOW_S * MIN_PREVIEW_FPS) + 2  # four intervals or more at the minimum rate
    frames: list[float] = []
    done = threading.Event()

    def on_frame(_frame: object) -> None:
        frames.append(time.monotonic())
        if len(frames) >= enough:
            done.set()

    reader = service.start_preview(sub_id, on_frame, duration_s=PREVIEW_WINDOW_S + 3.0)
    try:
        if reader.first_frame.wait(2.0):
            done.wait(PREVIEW_WINDOW_S)
    finally:
        service.stop_preview()
    if len(frames) < 2:
        return False, f"{len(frames)} frames; {reader.error or 'no stream'}", _SLOW
    fps = (len(frames) - 1) / max(frames[-1] - frames[0], 1e-3)
    return fps >= MIN_PREVIEW_FPS, f"{fps:.1f} frames/s", None if fps >= MIN_PREVIEW_FPS else _SLOW

"""The technician's self-test for an EF01 fingerprint module (reference/devices.md 6.1).

Each step measures one thing a technician can act on and says what was expected.
A step that fails on a DeviceError carries its code, so an injected fault is named
(``fingerprint.sensor_fault`` on the sensor step, ``fingerprint.ghost_finger`` on
the empty-platen step, ...). When the link itself fails (port, password) the later
steps are still reported, as "not run", so the list always has the same shape.

Trap: the empty-platen image is only meaningful when nobody touches the glass;
the title says so, and the image is kept as `scanner.platen_baseline` for later
residual-print checks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from devices.base import DeviceError, SelfTestStep, StepCallback, StepLog
from devices.fingerprint import errors, protocol, quality
from devices.fingerprint.protocol import Led
from devices.fingerprint.session import NO_FINGER, OK

if TYPE_CHECKING:
    from devices.fingerprint.driver import Ef01Scanner

log = logging.getLogger(__name__)

DEVICE = "fingerprint"
MAX_CAPACITY = 5000
UPLOAD_SLACK = 1.25  # measured upload may take this much longer than the line time (plus 0.5 s)
UNIFORM_STD = 8.0
DARK_LEVEL = 170
DARK_FRACTION = 0.01


@dataclass
class _Outcome:
    passed: bool
    measured: str
    remedy: Text | None = None


_NOT_RUN = Text("Perbaiki langkah sebelumnya dahulu.", "Fix the earlier failed step first.")
_REMEDY_PARAMS = Text(
    "Parameter alat tidak wajar: kembalikan ke pengaturan pabrik atau ganti modul.",
    "The module's parameters are not sane: restore factory settings or replace the module.",
)
_REMEDY_GLASS = Text(
    "Kaca tidak bersih atau ada bekas sidik jari: bersihkan kaca dengan kain lembut dan alkohol, lalu ulangi uji.",
    "The glass is not clean or holds a latent print: clean it with a soft cloth and alcohol, then run the test again.",
)
_REMEDY_DARK = Text(
    "Gambar kaca kosong gelap: lampu atau sensor rusak, atau kabel sensor lepas; periksa konektor, ganti modul bila tetap.",
    "The empty-glass image is dark: the light or the sensor is faulty, or the sensor cable is loose; "
    "reseat the connector and replace the module if it stays dark.",
)
_REMEDY_SLOW = Text(
    "Pengiriman gambar lambat: periksa kabel dan adaptor USB-serial, dan baud di pengaturan.",
    "The image upload is slow: check the cable, the USB-serial adapter and the baud setting.",
)


def run_self_test(
    scanner: Ef01Scanner,
    *,
    on_step: StepCallback | None = None,
    cancel: CancelToken | None = None,
    progress: Progress = no_progress,
) -> list[SelfTestStep]:
    cancel = cancel or CancelToken()
    steps = StepLog(DEVICE, on_step, scanner.port_name)
    was_open = scanner.is_open
    state: dict[str, object] = {}
    plan = _plan(scanner, state)

    blocked = False
    try:
        for index, (name, title, expected, needs_link, body) in enumerate(plan):
            cancel.raise_if_cancelled()
            progress(index / len(plan), title.get(scanner.language))
            started = time.monotonic()
            if (blocked and needs_link) or (name == "fingerprint.platen_uniformity" and "image" not in state):
                step = SelfTestStep(DEVICE, name, title, False, "not run", expected, _NOT_RUN)
            else:
                try:
                    outcome = body()
                    step = SelfTestStep(
                        DEVICE,
                        name,
                        title,
                        outcome.passed,
                        outcome.measured,
                        expected,
                        outcome.remedy,
                        time.monotonic() - started,
                    )
                except DeviceError as exc:
                    step = SelfTestStep(
                        DEVICE,
                        name,
                        title,
                        False,
                        f"{exc.code}: {exc.message.en}",
                        expected,
                        exc.remedy,
                        time.monotonic() - started,
                        error_code=exc.code,
                    )
                    if name in ("fingerprint.open", "fingerprint.password"):
                        blocked = True
            steps.add(step)
        progress(1.0, Text("Uji selesai", "Self-test finished").get(scanner.language))
    finally:
        if not was_open:
            scanner.close_port()
    return steps.steps


Body = Callable[[], _Outcome]


def _plan(scanner: Ef01Scanner, state: dict[str, object]) -> list[tuple[str, Text, str, bool, Body]]:
    line_s = protocol.line_seconds(protocol.up_image_bytes(), scanner.baud)

    def open_port() -> _Outcome:
        scanner.open_port()
        return _Outcome(True, f"{scanner.port_name} open at {scanner.baud} baud 8N1")

    def password() -> _Outcome:
        scanner.handshake()
        return _Outcome(True, "password accepted (0x00)")

    def parameters() -> _Outcome:
        p = scanner.read_sys_para()
        scanner.params = p
        state["params"] = p
        sane = 0 < p.capacity <= MAX_CAPACITY and p.packet_size is not None and 1 <= p.baud_n <= 12
        measured = (
            f"capacity {p.capacity}, packet size code {p.packet_size_code} ({p.packet_size} B), "
            f"baud N {p.baud_n} ({p.baud}), security {p.security_level}, address {p.address:08X}"
        )
        if sane and p.baud != scanner.baud:
            return _Outcome(False, measured + f"; station uses {scanner.baud}", _REMEDY_PARAMS)
        return _Outcome(sane, measured, None if sane else _REMEDY_PARAMS)

    def template_count() -> _Outcome:
        count = scanner.template_count()
        capacity = scanner.params.capacity if scanner.params else MAX_CAPACITY
        ok = count <= capacity
        return _Outcome(ok, f"{count} of {capacity}", None if ok else _REMEDY_PARAMS)

    def sensor() -> _Outcome:
        result = scanner.check_sensor()
        if result is None:
            return _Outcome(True, "CheckSensor not supported by this model; covered by the empty-platen steps")
        return _Outcome(True, "CheckSensor 0x00 (normal)")

    def led() -> _Outcome:
        shown = [scanner.set_led(Led.ON, colour) for colour in (Led.RED, Led.BLUE, Led.PURPLE)]
        scanner.set_led(Led.OFF, Led.BLUE)
        if all(shown):
            return _Outcome(True, "LED ring cycled red, blue, purple (confirm by eye)")
        return _Outcome(True, "no LED ring on this model")

    def empty_platen() -> _Outcome:
        code = scanner.gen_img()
        if code == OK:
            raise errors.ghost_finger(scanner.port_name)
        return _Outcome(code == NO_FINGER, f"GenImg 0x{code:02X}")

    def upload() -> _Outcome:
        started = time.monotonic()
        image = scanner.upload_image()
        took = time.monotonic() - started
        state["image"] = image
        ok = took <= UPLOAD_SLACK * line_s + 0.5
        return _Outcome(
            ok, f"{protocol.IMAGE_BYTES} bytes in {took:.2f} s (line time {line_s:.2f} s)", None if ok else _REMEDY_SLOW
        )

    def uniformity() -> _Outcome:
        image = state["image"]
        assert isinstance(image, np.ndarray)
        std = float(image.std())
        dark = float((image < DARK_LEVEL).mean())
        ridges = quality.assess(image).foreground_fraction
        scanner.platen_baseline = image
        ok = std <= UNIFORM_STD and dark <= DARK_FRACTION
        measured = f"grey std {std:.1f}, dark pixels {100 * dark:.2f} %, ridge blocks {100 * ridges:.1f} %"
        if ok:
            return _Outcome(True, measured)
        return _Outcome(False, measured, _REMEDY_DARK if dark > 0.5 else _REMEDY_GLASS)

    def t(id_: str, en: str) -> Text:
        return Text(id_, en)

    return [
        ("fingerprint.open", t("Membuka port", "Open the port"), "port opens", False, open_port),
        (
            "fingerprint.password",
            t("Verifikasi kata sandi alat", "Verify the module password"),
            "VfyPwd 0x00",
            True,
            password,
        ),
        (
            "fingerprint.parameters",
            t("Membaca parameter alat", "Read the module parameters"),
            f"capacity 1-{MAX_CAPACITY}, packet code 0-3, baud N 1-12 matching {scanner.baud}",
            True,
            parameters,
        ),
        (
            "fingerprint.template_count",
            t("Jumlah templat", "Template count"),
            "count <= capacity",
            True,
            template_count,
        ),
        (
            "fingerprint.sensor",
            t("Pemeriksaan sensor", "Sensor check"),
            "CheckSensor 0x00 or not supported",
            True,
            sensor,
        ),
        ("fingerprint.led", t("Lampu LED", "LED ring"), "LED cycles, or no LED on this model", True, led),
        (
            "fingerprint.empty_platen",
            t("Kaca kosong (jangan sentuh kaca)", "Empty glass (do not touch the glass)"),
            "GenImg 0x02 (no finger)",
            True,
            empty_platen,
        ),
        (
            "fingerprint.image_upload",
            t("Waktu kirim gambar", "Image upload time"),
            f"<= {UPLOAD_SLACK * line_s + 0.5:.2f} s ({protocol.up_image_bytes()} bytes at {scanner.baud} baud)",
            True,
            upload,
        ),
        (
            "fingerprint.platen_uniformity",
            t("Keseragaman gambar kaca kosong", "Empty-glass image uniformity"),
            f"grey std <= {UNIFORM_STD:.0f}, dark pixels <= {100 * DARK_FRACTION:.0f} %",
            True,
            uniformity,
        ),
    ]

"""Driver interfaces: one small interface per device kind.

Nothing here assumes a serial port: a driver may reach its device through pyserial,
a vendor SDK via ctypes, or a local HTTP device service (MOSIP SBI on 127.0.0.1:4501-4600).
The `port` of a device is therefore an opaque string (a device path, a pty, a
`socket://` URL, an `http://127.0.0.1:4501` URL, or a camera index or file).
"""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from common.errors import UserFacingError
from common.progress import CancelToken, Progress, no_progress
from common.text import Text

log = logging.getLogger(__name__)


class DeviceKind(StrEnum):
    CAMERA = "camera"
    FINGERPRINT = "fingerprint"
    SIGNATURE = "signature"
    IRIS = "iris"


DEVICE_KIND_LABELS: dict[DeviceKind, Text] = {
    DeviceKind.CAMERA: Text("Kamera", "Camera"),
    DeviceKind.FINGERPRINT: Text("Pemindai sidik jari", "Fingerprint scanner"),
    DeviceKind.SIGNATURE: Text("Alat tanda tangan", "Signature pad"),
    DeviceKind.IRIS: Text("Kamera iris", "Iris camera"),
}


class DeviceError(UserFacingError):
    """A device failed in a way a technician can act on.

    `code` is a stable name such as ``fingerprint.no_reply`` or ``fingerprint.sensor_fault``;
    `port` names where the device is attached (never personal data).
    """

    code = "device"

    def __init__(
        self,
        message: Text,
        *,
        code: str,
        kind: DeviceKind,
        port: str | None = None,
        remedy: Text | None = None,
    ) -> None:
        super().__init__(message, code=code, remedy=remedy)
        self.kind = kind
        self.port = port


class DeviceTimeout(DeviceError):
    """The device did not answer within the read timeout."""


class DeviceProtocolError(DeviceError):
    """The device answered with bytes that break its protocol (bad checksum, garbage, wrong length)."""


@dataclass(frozen=True)
class DeviceInfo:
    kind: DeviceKind
    driver: str
    model: str
    serial: str
    firmware: str
    port: str
    simulated: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        sim = " [SIMULATED / SIMULASI]" if self.simulated else ""
        return f"{self.kind.value}: {self.model} ({self.driver}) on {self.port}{sim}"


@dataclass(frozen=True)
class SelfTestStep:
    """One step of a technician's self-test: what was measured against what was expected."""

    device: str  # "fingerprint", "signature", "camera", "iris" or "station"
    name: str  # stable id, e.g. "fingerprint.empty_platen"
    title: Text
    passed: bool
    measured: str
    expected: str
    remedy: Text | None = None
    duration_s: float = 0.0
    error_code: str | None = None  # DeviceError.code when the step failed on an error

    def as_dict(self, lang: str = "id") -> dict[str, Any]:
        return {
            "device": self.device,
            "name": self.name,
            "title": self.title.get(lang),
            "passed": self.passed,
            "measured": self.measured,
            "expected": self.expected,
            "remedy": self.remedy.get(lang) if self.remedy else None,
            "duration_s": round(self.duration_s, 3),
            "error_code": self.error_code,
        }


StepCallback = Callable[[SelfTestStep], None]


class StepLog:
    """Collects a self-test's steps as they happen: each is logged, kept and passed on.

    Every driver's self-test reports through this, so a step looks and is logged the
    same whichever device it comes from, and the app sees each one live.
    """

    def __init__(self, device: str, on_step: StepCallback | None, port: str | None = None) -> None:
        self.device = device
        self.on_step = on_step
        self.port = port
        self.steps: list[SelfTestStep] = []

    def add(self, step: SelfTestStep) -> SelfTestStep:
        log.info(
            "self-test %s on %s: %s (%s; expected %s)",
            step.name,
            self.port or "-",
            "pass" if step.passed else "FAIL",
            step.measured,
            step.expected,
        )
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)
        return step

    def record(
        self,
        name: str,
        title: Text,
        passed: bool,
        measured: str,
        expected: str,
        *,
        started: float,
        remedy: Text | None = None,
        error_code: str | None = None,
    ) -> SelfTestStep:
        """Add a step that began at `started` (time.monotonic()); remedy and code only on failure."""
        return self.add(
            SelfTestStep(
                device=self.device,
                name=name,
                title=title,
                passed=passed,
                measured=measured,
                expected=expected,
                remedy=None if passed else remedy,
                duration_s=time.monotonic() - started,
                error_code=None if passed else error_code,
            )
        )


class Device(abc.ABC):
    """What every device driver offers, whatever its transport."""

    kind: ClassVar[DeviceKind]

    @abc.abstractmethod
    def open(self) -> None:
        """Open the transport and confirm the device answers; raise DeviceError if not."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the port; safe to call twice."""

    @abc.abstractmethod
    def info(self) -> DeviceInfo: ...

    @abc.abstractmethod
    def self_test(
        self,
        *,
        on_step: StepCallback | None = None,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
    ) -> Sequence[SelfTestStep]:
        """Run the technician's steps; every step is reported, failing ones too."""

    def __enter__(self) -> Device:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

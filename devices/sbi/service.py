"""One device of one SBI service, reached through its own I/O thread.

`SbiService` is what the modality drivers (finger here, iris and face later) build on:
it finds the service (the configured URL, or discovery over the configured ports),
reads and checks the device's info, and runs captures on the service's single I/O
thread with a bounded wait, so a hung service never freezes the caller. The preview
(STREAM) runs on a thread of its own because it flows while a capture waits.

`SbiSettings.from_options` reads the driver options a technician sets:
``ports`` ("4501-4600"), ``trust_store`` (a folder of PEM certificates),
``trust_simulator`` (demo stations only: trust the published simulator key),
``env``, ``device_id``, ``timeout_s`` (the device's capture timeout), ``grace_s``,
``discovery_s``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from common.progress import CancelToken
from devices.iothread import PortThread
from devices.sbi import client, errors, jws
from devices.sbi.chain import CaptureChain
from devices.sbi.client import SbiCapture, SbiDevice
from devices.sbi.spec import PORT_RANGE, PURPOSE_REGISTRATION, BioType, DeviceStatus, rcapture_request
from devices.sbi.stream import PreviewReader

log = logging.getLogger(__name__)

T = TypeVar("T")


def parse_ports(text: object) -> range:
    """ "4501-4600" or "4501" to a range inside 1-65535 (at most 200 ports)."""
    raw = str(text).strip()
    first, _, last = raw.partition("-")
    lo, hi = int(first), int(last or first)
    if not (1 <= lo <= hi <= 65535) or hi - lo >= 200:
        raise ValueError(f"port range {raw!r} must be 1-65535 and at most 200 ports")
    return range(lo, hi + 1)


@dataclass(frozen=True)
class SbiSettings:
    trust: jws.TrustStore
    port: int | None = None  # None: discover over `ports`
    ports: range = PORT_RANGE
    env: str | None = None  # None: the device's own env
    device_id: str | None = None
    timeout_s: float = 15.0
    grace_s: float = 3.0
    discovery_s: float = 2.0
    info_timeout_s: float = 5.0
    extra_trust: Sequence[bytes] = field(default_factory=tuple)

    @classmethod
    def from_options(cls, port: str | None, options: Mapping[str, Any]) -> SbiSettings:
        from devices.sbi.simkey import simulator_identity

        pems: list[bytes] = []
        labels: list[str] = []
        anchors: list[Any] = []
        if options.get("trust_store"):
            store = jws.TrustStore.from_dir(Path(str(options["trust_store"])).expanduser())
            anchors.extend(store.anchors)
            labels.append(store.label)
        if options.get("trust_simulator"):
            pems.append(simulator_identity().cert_pem)
            labels.append("simulator key (SIMULATED)")
        trust = jws.TrustStore.from_pems(pems, " + ".join(labels) or "empty")
        trust.anchors.extend(anchors)
        return cls(
            trust=trust,
            port=client.port_from_url(port) if port else None,
            ports=parse_ports(options["ports"]) if options.get("ports") else PORT_RANGE,
            env=str(options["env"]) if options.get("env") else None,
            device_id=str(options["device_id"]) if options.get("device_id") else None,
            timeout_s=float(options.get("timeout_s", 15.0)),
            grace_s=float(options.get("grace_s", 3.0)),
            discovery_s=float(options.get("discovery_s", 2.0)),
        )


class SbiService:
    """The device of `bio_type` on one SBI service."""

    def __init__(self, bio_type: BioType, settings: SbiSettings) -> None:
        self.bio_type = bio_type
        self.settings = settings
        self.port: int | None = settings.port
        self.device: SbiDevice | None = None
        self._io: PortThread | None = None
        self._preview: PreviewReader | None = None
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._io is not None

    @property
    def url(self) -> str | None:
        return client.base_url(self.port) if self.port else None

    def _call(self, fn: Callable[[], T], timeout_s: float) -> T:
        if self._io is None:
            raise errors.not_open(self.url, bio_type=self.bio_type)
        return self._io.call(fn, timeout=timeout_s)

    def find(self) -> int:
        """The configured port, or the first port whose service offers `bio_type`."""
        if self.settings.port is not None:
            return self.settings.port
        devices, problems = client.discover(
            self.settings.ports, self.bio_type.value, timeout_s=self.settings.discovery_s
        )
        chosen = client.pick(devices, self.bio_type, self.settings.device_id)
        if chosen is None:
            ports = f"{self.settings.ports.start}-{self.settings.ports.stop - 1}"
            if problems:
                log.info("SBI discovery problems: %s", problems)
            raise errors.no_service(ports, bio_type=self.bio_type)
        return chosen.port

    def open(self) -> SbiDevice:
        self.port = self.find()
        from devices.sbi.errors import kind_for

        self._io = PortThread(kind_for(self.bio_type), self.url or "sbi")
        return self.refresh()

    def refresh(self) -> SbiDevice:
        """Read the device info again and check it is usable now. `device` is what was read
        (kept when only the status refuses), None when the info itself was refused."""
        port = self.port
        assert port is not None
        self.device = None
        infos = self._call(
            lambda: client.device_info(
                port, self.settings.trust, timeout_s=self.settings.info_timeout_s, bio_type=self.bio_type
            ),
            self.settings.info_timeout_s + 1.0,
        )
        device = client.pick(infos, self.bio_type, self.settings.device_id)
        if device is None:
            raise errors.no_device_of_type(self.url, bio_type=self.bio_type)
        self.device = device
        if device.status != DeviceStatus.READY:
            raise errors.status_refused(device.status, bio_type=self.bio_type, url=self.url)
        if device.error_code not in (0,):
            raise errors.from_device_code(device.error_code, device.error_info, bio_type=self.bio_type, url=self.url)
        if device.purpose != PURPOSE_REGISTRATION:
            raise errors.wrong_purpose(self.url, device.purpose, bio_type=self.bio_type)
        return device

    def capture(
        self, sub_id: int, *, chain: CaptureChain, exceptions: Sequence[str] = (), requested_score: float,
        timeout_s: float | None = None,
    ) -> SbiCapture:  # fmt: skip
        """One RCAPTURE, verified against the chain's current head (the chain is not advanced:
        the caller accepts the capture it keeps with `chain.advance`)."""
        device, port = self.device, self.port
        if device is None or port is None:
            raise errors.not_open(self.url, bio_type=self.bio_type)
        timeout_s = timeout_s or self.settings.timeout_s
        request = rcapture_request(
            bio_type=self.bio_type,
            sub_id=sub_id,
            device_id=device.device_id,
            previous_hash=chain.previous,
            requested_score=requested_score,
            timeout_ms=int(timeout_s * 1000),
            env=self.settings.env or device.env or "Staging",
            exceptions=exceptions,
        )
        grace = self.settings.grace_s
        result = self._call(
            lambda: client.rcapture(port, request, self.settings.trust, grace_s=grace), timeout_s + grace + 1.0
        )
        return SbiCapture(
            transaction_id=result.transaction_id,
            bio_type=result.bio_type,
            sub_id=result.sub_id,
            items=result.items,
            previous_hash=result.previous_hash,
            duration_s=result.duration_s,
            device_code=device.device_code,
        )

    def start_preview(
        self, sub_id: int, on_frame: Callable[[np.ndarray], None], *, duration_s: float = 120.0
    ) -> PreviewReader:
        device, port = self.device, self.port
        if device is None or port is None:
            raise errors.not_open(self.url, bio_type=self.bio_type)
        with self._lock:
            if self._preview is not None:
                self._preview.stop()
            self._preview = PreviewReader(port, device.device_id, sub_id, duration_s=duration_s)
            self._preview.start(on_frame)
            return self._preview

    def stop_preview(self) -> None:
        with self._lock:
            if self._preview is not None:
                self._preview.stop()
                self._preview = None

    def close(self) -> None:
        self.stop_preview()
        if self._io is not None:
            self._io.shutdown()
            self._io = None


def require_open(service: SbiService) -> SbiDevice:
    if service.device is None:
        raise errors.not_open(service.url, bio_type=service.bio_type)
    return service.device


def best_attempt(
    take: Callable[[int], T],
    *,
    attempts: int,
    passed: Callable[[T], bool],
    score: Callable[[T], float],
    cancel: CancelToken,
    on_attempt: Callable[[int, T], None] | None = None,
) -> tuple[T, int]:
    """Take up to `attempts` captures, stop at the first that passes, and return the best
    (passing first, then the highest score) with the number taken. An error from `take`
    ends the loop at once: it needs the operator, not another try."""
    best: T | None = None
    taken = 0
    for n in range(1, max(1, attempts) + 1):
        cancel.raise_if_cancelled()
        current = take(n)
        taken = n
        if on_attempt is not None:
            on_attempt(n, current)
        if best is None or (passed(current), score(current)) > (passed(best), score(best)):
            best = current
        if passed(current):
            break
    assert best is not None
    return best, taken

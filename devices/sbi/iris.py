"""The SBI dual-iris camera: both eyes (or one) with the device's scores and live preview.

`SbiIrisCamera` offers what the iris step needs from the device; the station's own
quality analysis (ISO/IEC 29794-6 components with OpenCV) and the K3 crop belong to
that step, which takes each `EyeCapture.image` as the device sent it. The station has
no iris `DeviceKind` yet, so this is not a registered `Device`: the iris step adds the
kind and wraps this class (its errors already report under DeviceKind.IRIS once that
exists, see errors.kind_for).

Attempts follow MOSIP's defaults (threshold 60 on the device's score, up to 3, the
best kept); a caller with its own ranking takes one attempt at a time
(`attempts=1`) and keeps what it prefers, advancing the chain itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from devices.base import DeviceInfo
from devices.sbi import errors, iso
from devices.sbi.chain import CaptureChain
from devices.sbi.client import SbiCapture
from devices.sbi.driver import SbiDriver, excepted_among
from devices.sbi.service import SbiSettings, require_open
from devices.sbi.spec import ATTEMPTS, EYE_SUBTYPES, IRIS_THRESHOLD, BioType, Eyes

log = logging.getLogger(__name__)

EYE_LABELS = {"Left": Text("Mata kiri", "Left eye"), "Right": Text("Mata kanan", "Right eye")}


@dataclass(frozen=True)
class EyeCapture:
    eye: str  # "Left" or "Right" (the resident's)
    image: np.ndarray  # uint8 grey, as the device sent it (K2 640x480 or K3)
    image_type: int  # ISO 19794-6 image type: 2 (K2, VGA) or 3 (K3, cropped)
    iso: bytes  # the device's signed ISO 19794-6 record
    device_score: float
    hash: str


@dataclass(frozen=True)
class EyesCapture:
    eyes: dict[str, EyeCapture]
    exceptions: tuple[str, ...]
    threshold: float
    attempts: int
    attempt_scores: tuple[dict[str, float], ...]
    sbi: SbiCapture

    @property
    def below_threshold(self) -> list[str]:
        return [e for e, c in self.eyes.items() if c.device_score < self.threshold]

    @property
    def passed(self) -> bool:
        return not self.below_threshold

    @property
    def mean_score(self) -> float:
        return sum(c.device_score for c in self.eyes.values()) / len(self.eyes) if self.eyes else 0.0


class SbiIrisCamera(SbiDriver):
    threshold = IRIS_THRESHOLD
    bio_type = BioType.IRIS
    default_driver_name = "sbi-iris"
    self_test_device = "iris"
    self_test_sub_id = int(Eyes.BOTH)

    def self_test_threshold(self) -> float:
        return self.threshold

    def __enter__(self) -> SbiIrisCamera:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def info(self) -> DeviceInfo:
        d = require_open(self.service)
        return self._device_info(
            errors.kind_for(BioType.IRIS),
            serial=d.device_code,
            extra={"certification": d.certification, "device_sub_type": d.sub_type, "signed_by": d.signed_by or ""},
        )

    def capture_eyes(
        self,
        eyes: Eyes = Eyes.BOTH,
        *,
        exceptions: Sequence[str] = (),
        attempts: int = ATTEMPTS,
        threshold: float | None = None,
        timeout_s: float | None = None,
        chain: CaptureChain | None = None,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
        on_attempt: Callable[[int, EyesCapture], None] | None = None,
    ) -> EyesCapture:
        """Capture `eyes` ("Left"/"Right" in `exceptions` are not asked for), best of `attempts`."""
        cancel = cancel or CancelToken()
        threshold = self.threshold if threshold is None else threshold
        chain = chain if chain is not None else CaptureChain()
        excepted = excepted_among(
            EYE_SUBTYPES[eyes], exceptions, nothing_left="every eye asked for is an exception: nothing to capture"
        )
        history: list[dict[str, float]] = []

        def take(attempt: int) -> EyesCapture:
            progress((attempt - 1) / attempts, Text("Tangkapan iris", "Iris capture").get(self.language))
            sbi = self.service.capture(
                int(eyes), chain=chain, exceptions=excepted, requested_score=threshold, timeout_s=timeout_s
            )
            found: dict[str, EyeCapture] = {}
            for item in sbi.items:
                record = iso.read_iris(item.iso)
                if iso.EYE_LABELS.get(item.bio_sub_type) != record.position:
                    raise errors.protocol(
                        self.service.url, f"{item.bio_sub_type} holds the other eye", bio_type=BioType.IRIS
                    )
                found[item.bio_sub_type] = EyeCapture(
                    item.bio_sub_type, record.decode(), record.image_type, item.iso, item.quality, item.hash
                )
            history.append({e: c.device_score for e, c in found.items()})
            return EyesCapture(found, excepted, threshold, attempt, tuple(history), sbi)

        best = self.keep_best(take, attempts=attempts, chain=chain, cancel=cancel, on_attempt=on_attempt)
        kept = replace(best, attempts=len(history), attempt_scores=tuple(history))
        log.info(
            "SBI iris on %s: %d attempt(s), scores %s (threshold %.0f)",
            self.service.url, len(history), {e: round(c.device_score) for e, c in kept.eyes.items()}, threshold,
        )  # fmt: skip
        return kept

    def start_preview(self, eyes: Eyes, on_frame: Callable[[np.ndarray], None], *, duration_s: float = 120.0) -> None:
        self.service.start_preview(int(eyes), on_frame, duration_s=duration_s)


def simulated_iris_camera(*, fault: str | None = None, seed: int = 1, capture_delay_s: float = 0.2) -> SbiIrisCamera:
    """An (unopened) iris camera on its own in-process simulator; closing it stops the simulator."""
    from devices.sbi import jws
    from devices.sbi.simkey import simulator_identity
    from devices.sbi.simulator import SbiSimulator

    sim = SbiSimulator(types="iris", fault=fault, seed=seed, capture_delay_s=capture_delay_s).start()
    trust = jws.TrustStore.from_pems([simulator_identity().cert_pem], "simulator key (SIMULATED)")
    return SbiIrisCamera(
        SbiSettings(trust=trust, port=sim.port), driver_name="sbi-iris-sim", simulated=True, on_close=sim.stop
    )

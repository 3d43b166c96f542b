"""The SBI dual-iris camera: both eyes (or one) with the device's scores and live preview.

`SbiIrisCamera` is the station's `devices.kinds.IrisCamera` (DeviceKind.IRIS):
`capture_eyes("both")` returns each eye as an `IrisCapture` with the station's
ISO/IEC 29794-6 measures (devices.iris.quality) and the ISO/IEC 19794-6 K3 record that
is stored and sent (devices.iris.iso19794_6), built from the image the device sent.
`capture_sbi(Eyes.BOTH)` is the SBI-level capture under it (`EyesCapture`: per eye the
image as sent, the device's signed record and score, the verified SBI capture).

Attempts follow MOSIP's defaults (threshold 60 on the device's score, up to 3, the
best kept); `capture_eyes` also requires the station's measures to pass before it
stops early, and ranks passing attempts first. A caller with its own ranking takes one
attempt at a time (`attempts=1`) and keeps what it prefers, advancing the chain itself.

The enrollment's `CaptureChain` is not part of the IrisCamera interface: a caller that
keeps one sets `camera.chain` before capturing (as for the SBI face camera);
`camera.last_capture` then holds the verified SBI capture of the eyes kept.
Trap: the record sent is the station's own K3 crop, not the device's signed record, so
the signature and chain vouch for the capture, the hash of the kept record for the item.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from common.progress import CancelToken, Progress, no_progress
from common.text import DEFAULT_LANGUAGE, Text
from devices.base import DeviceInfo, DeviceKind
from devices.kinds import EYES, IrisAttempt, IrisCamera, IrisCapture
from devices.sbi import errors, iso
from devices.sbi.chain import CaptureChain
from devices.sbi.client import SbiCapture
from devices.sbi.driver import SbiDriver, excepted_among
from devices.sbi.service import SbiSettings, best_attempt, require_open
from devices.sbi.spec import ATTEMPTS, EYE_SUBTYPES, IRIS_THRESHOLD, BioType, Eyes

if TYPE_CHECKING:
    from devices.iris.quality import IrisQuality

log = logging.getLogger(__name__)

# The station's eye names ("left"/"right", as in the item kinds) and the SBI's.
SBI_EYE = {"left": "Left", "right": "Right"}
STATION_EYE = {v: k for k, v in SBI_EYE.items()}
EYES_ARG = {"both": Eyes.BOTH, "left": Eyes.LEFT, "right": Eyes.RIGHT}

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


def eyes_arg(eyes: str) -> Eyes:
    """The SBI deviceSubId of the station's `eyes` ("both", "left", "right")."""
    try:
        return EYES_ARG[eyes]
    except KeyError:
        raise ValueError(f"eyes must be one of {sorted(EYES_ARG)}, not {eyes!r}") from None


def station_record(image: np.ndarray, *, eye: str, device_score: float) -> tuple[bytes, IrisQuality]:
    """The station's measures of one eye and the K3 record it stores (see `k3_record`)."""
    from devices.iris.quality import assess_iris

    quality = assess_iris(image)
    return k3_record(image, quality, eye=eye, device_score=device_score), quality


def k3_record(image: np.ndarray, quality: IrisQuality, *, eye: str, device_score: float) -> bytes:
    """The ISO/IEC 19794-6 K3 record of one eye: the iris cropped to 640x480 around the
    station's segmentation (or the whole image brought to 640x480 when no iris was
    found: the operator decided to keep it, so the record holds what was seen), with the
    device's score as the record's quality."""
    import cv2

    from devices.iris.iso19794_6 import crop_k3, encode_iris_record

    if quality.segmentation is not None:
        k3 = crop_k3(image, quality.segmentation)
    elif image.shape[:2] != (480, 640):
        k3 = cv2.resize(image, (640, 480), interpolation=cv2.INTER_AREA)
    else:
        k3 = image
    return encode_iris_record(k3, eye=eye, quality=max(0, min(100, round(device_score))))


@dataclass(frozen=True)
class _Measured:
    """One attempt of `capture_eyes`: the SBI capture and the station's measures of each eye."""

    sbi: EyesCapture
    quality: dict[str, IrisQuality]  # keyed "left"/"right"

    @property
    def passed(self) -> bool:
        return self.sbi.passed and all(q.passed for q in self.quality.values())


class SbiIrisCamera(SbiDriver, IrisCamera):
    threshold = IRIS_THRESHOLD
    device_threshold = IRIS_THRESHOLD
    bio_type = BioType.IRIS
    default_driver_name = "sbi-iris"
    self_test_device = "iris"
    self_test_sub_id = int(Eyes.BOTH)

    def __init__(
        self, settings: SbiSettings, *, driver_name: str | None = None, simulated: bool = False,
        on_close: Callable[[], None] | None = None, language: str = DEFAULT_LANGUAGE,
    ) -> None:  # fmt: skip
        super().__init__(settings, driver_name=driver_name, simulated=simulated, on_close=on_close, language=language)
        self.chain: CaptureChain | None = None
        self.last_capture: SbiCapture | None = None

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
            DeviceKind.IRIS,
            serial=d.device_code,
            extra={"certification": d.certification, "device_sub_type": d.sub_type, "signed_by": d.signed_by or ""},
        )

    def capture_eyes(
        self,
        eyes: str = "both",
        *,
        attempts: int = ATTEMPTS,
        timeout_s: float = 15.0,
        exceptions: Sequence[str] = (),
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
        on_attempt: Callable[[int, dict[str, IrisAttempt]], None] | None = None,
    ) -> dict[str, IrisCapture]:
        """The IrisCamera capture, keyed "left"/"right": up to `attempts` SBI captures,
        each eye measured by the station too; an attempt passes when every eye reaches the
        device threshold AND passes the station's measures, and the best is kept (passing
        first, then the highest mean device score). Only the kept attempt is appended to
        the enrollment's chain (`self.chain`); its eyes get their K3 records."""
        from devices.iris.quality import assess_iris

        cancel = cancel or CancelToken()
        sub_id = eyes_arg(eyes)
        sbi_exceptions = [SBI_EYE[e] for e in exceptions if e in SBI_EYE]
        chain = self.chain if self.chain is not None else CaptureChain()

        def take(n: int) -> _Measured:
            # Every attempt chains from the same head; the kept one is appended below.
            sbi = self.capture_sbi(
                sub_id, exceptions=sbi_exceptions, attempts=1, timeout_s=timeout_s,
                chain=CaptureChain(previous=chain.previous), cancel=cancel, progress=progress,
            )  # fmt: skip
            return _Measured(sbi, {STATION_EYE[e]: assess_iris(c.image) for e, c in sbi.eyes.items()})

        def each(n: int, attempt: _Measured) -> None:
            if on_attempt is not None:
                on_attempt(n, {
                    STATION_EYE[e]: IrisAttempt(STATION_EYE[e], c.image, c.device_score, attempt.quality[STATION_EYE[e]])
                    for e, c in attempt.sbi.eyes.items()
                })  # fmt: skip

        kept, taken = best_attempt(
            take, attempts=attempts, passed=lambda a: a.passed, score=lambda a: a.sbi.mean_score, cancel=cancel,
            on_attempt=each,
        )  # fmt: skip
        chain.advance(kept.sbi.sbi.hashes, after=kept.sbi.sbi.previous_hash)
        self.last_capture = kept.sbi.sbi
        device = self.info()
        out: dict[str, IrisCapture] = {}
        for sbi_eye, c in kept.sbi.eyes.items():
            eye = STATION_EYE[sbi_eye]
            record = k3_record(c.image, kept.quality[eye], eye=eye, device_score=c.device_score)
            out[eye] = IrisCapture(eye, c.image, record, c.device_score, kept.quality[eye], taken, device)
        progress(1.0, Text("Tangkapan iris", "Iris capture").get(self.language))
        log.info(
            "iris on %s: %d attempt(s), kept %s (device %s, station %s)", self.service.url, taken,
            "passing" if kept.passed else "the best failing", {e: round(c.device_score) for e, c in out.items()},
            {e: "pass" if c.quality.passed else "fail" for e, c in out.items()},
        )  # fmt: skip
        return {e: out[e] for e in EYES if e in out}

    def capture_sbi(
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

    def start_preview(
        self, eyes: str | Eyes, on_frame: Callable[[np.ndarray], None], *, duration_s: float = 120.0
    ) -> None:
        """The device's live preview of `eyes` ("both": both eyes side by side, the
        resident's right eye on the image's left), BGR frames on the stream's own thread."""
        sub_id = eyes if isinstance(eyes, Eyes) else eyes_arg(eyes)
        self.service.start_preview(int(sub_id), on_frame, duration_s=duration_s)


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

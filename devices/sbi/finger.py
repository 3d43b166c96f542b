"""The SBI fingerprint driver: 4-4-2 slaps (and single fingers) through any certified device.

`SbiFingerprintScanner` is a `devices.kinds.FingerprintScanner`, so today's
single-finger flow works unchanged (`capture_finger` asks the slap that holds the
finger for that finger alone). A slap-aware caller (the wizard's 4-4-2 step) uses
`capture_slap`, which returns a `SlapCapture`: each finger's image, WSQ and the
device's quality score, the exceptions sent in `exception[]`, every attempt's scores,
and the verified SBI capture kept (ISO records, hashes, transaction id).

Attempts (MOSIP's defaults: threshold 40, up to 3 attempts, the best kept): an
attempt passes when every finger reaches the threshold; otherwise the next one is
taken and the best attempt (passing first, then the highest mean score) is kept.
Every attempt chains from the same hash, and only the kept one is appended to the
enrollment's `CaptureChain`, so the record's chain holds exactly what it stores.

A wrong hand, a missing finger, a device error or a failed check is raised at once
(a `DeviceError`, `errors.WrongSubtypes` for the first two): the operator must act,
so another silent attempt would only repeat it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from common.biometrics import FingerPosition
from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from devices.base import DeviceInfo
from devices.kinds import FingerCapture, FingerprintScanner
from devices.sbi import errors, iso
from devices.sbi.chain import CaptureChain
from devices.sbi.client import SbiCapture
from devices.sbi.driver import SbiDriver, excepted_among
from devices.sbi.service import require_open
from devices.sbi.spec import (
    ATTEMPTS,
    FINGER_BY_SUBTYPE,
    FINGER_SUBTYPES,
    FINGER_THRESHOLD,
    SLAP_FINGERS,
    SLAP_OF,
    BioType,
    Slap,
)

log = logging.getLogger(__name__)

SLAP_LABELS: dict[Slap, Text] = {
    Slap.LEFT: Text("Empat jari tangan kiri", "Left four fingers"),
    Slap.RIGHT: Text("Empat jari tangan kanan", "Right four fingers"),
    Slap.THUMBS: Text("Kedua ibu jari", "Both thumbs"),
}


@dataclass(frozen=True)
class SlapCapture:
    slap: Slap
    fingers: dict[FingerPosition, FingerCapture]
    exceptions: tuple[FingerPosition, ...]
    threshold: float
    attempts: int
    attempt_scores: tuple[dict[FingerPosition, float], ...]
    sbi: SbiCapture
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def scores(self) -> dict[FingerPosition, float]:
        return {p: c.quality for p, c in self.fingers.items()}

    @property
    def below_threshold(self) -> list[FingerPosition]:
        return [p for p, c in self.fingers.items() if c.quality < self.threshold]

    @property
    def passed(self) -> bool:
        return not self.below_threshold

    @property
    def mean_score(self) -> float:
        return sum(self.scores.values()) / len(self.fingers) if self.fingers else 0.0


def better(a: SlapCapture, b: SlapCapture | None) -> bool:
    """Whether attempt `a` should be kept over `b`: passing first, then the higher mean
    (the rule `capture_slap` applies; a wizard taking one attempt at a time uses it too)."""
    return b is None or (a.passed, a.mean_score) > (b.passed, b.mean_score)


class SbiFingerprintScanner(SbiDriver, FingerprintScanner):
    quality_threshold = FINGER_THRESHOLD
    bio_type = BioType.FINGER
    default_driver_name = "sbi-finger"
    self_test_device = "fingerprint"
    self_test_sub_id = int(Slap.THUMBS)

    @property
    def is_open(self) -> bool:
        return self.service.device is not None

    def self_test_threshold(self) -> float:
        return self.quality_threshold

    @property
    def is_slap_scanner(self) -> bool:
        """True for a 4-4-2 scanner: the wizard then takes slaps instead of single fingers."""
        d = self.service.device
        return d is not None and d.sub_type == "Slap" and {1, 2, 3} <= set(d.sub_ids)

    def info(self) -> DeviceInfo:
        d = require_open(self.service)
        return self._device_info(
            self.kind,
            serial=d.device_code or d.digital_id.get("serialNo", ""),
            extra={
                "protocol": "MOSIP SBI " + (d.spec_versions[0] if d.spec_versions else "?"),
                "certification": d.certification,
                "device_sub_type": d.sub_type,
                "device_sub_ids": list(d.sub_ids),
                "purpose": d.purpose,
                "env": d.env,
                "signed_by": d.signed_by or "",
                "slap": self.is_slap_scanner,
            },
        )

    def _finger(self, item_iso: bytes, quality: float, attempts: int) -> tuple[FingerPosition, FingerCapture]:
        from devices.fingerprint.driver import encode_wsq
        from devices.fingerprint.quality import assess

        record = iso.read_finger(item_iso)
        image = record.decode()
        position = FingerPosition(record.position)
        proxy = assess(image)
        capture = FingerCapture(
            position=position,
            image=image,
            wsq=encode_wsq(image),
            quality=quality,
            quality_components={"device_score": quality, "station_proxy": proxy.score, **proxy.components()},
            attempts=attempts,
            device=self.info(),
        )
        return position, capture

    def capture_slap(
        self,
        slap: Slap,
        *,
        exceptions: Sequence[FingerPosition] = (),
        attempts: int = ATTEMPTS,
        threshold: float | None = None,
        timeout_s: float | None = None,
        chain: CaptureChain | None = None,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
        on_attempt: Callable[[int, SlapCapture], None] | None = None,
    ) -> SlapCapture:
        """Capture one slap (up to `attempts` times, the best kept); see the module doc."""
        cancel = cancel or CancelToken()
        threshold = self.quality_threshold if threshold is None else threshold
        chain = chain if chain is not None else CaptureChain()
        excepted = excepted_among(
            SLAP_FINGERS[slap], exceptions, nothing_left="every finger of this slap is an exception: nothing to capture"
        )
        history: list[dict[FingerPosition, float]] = []

        def take(attempt: int) -> SlapCapture:
            progress((attempt - 1) / attempts, SLAP_LABELS[slap].get(self.language))
            sbi = self.service.capture(
                int(slap), chain=chain, exceptions=[FINGER_SUBTYPES[p] for p in excepted], requested_score=threshold,
                timeout_s=timeout_s,
            )  # fmt: skip
            fingers: dict[FingerPosition, FingerCapture] = {}
            for item in sbi.items:
                position, finger = self._finger(item.iso, item.quality, attempt)
                if FINGER_BY_SUBTYPE.get(item.bio_sub_type) != position:
                    raise errors.protocol(
                        self.service.url, f"{item.bio_sub_type} holds finger {int(position)}", bio_type=BioType.FINGER
                    )
                fingers[position] = finger
            history.append({p: c.quality for p, c in fingers.items()})
            return SlapCapture(slap, fingers, excepted, threshold, attempt, tuple(history), sbi)

        best = self.keep_best(take, attempts=attempts, chain=chain, cancel=cancel, on_attempt=on_attempt)
        kept = replace(best, attempts=len(history), attempt_scores=tuple(history))
        progress(1.0, SLAP_LABELS[slap].get(self.language))
        log.info(
            "SBI slap %s on %s: %d attempt(s), scores %s (threshold %.0f)",
            slap.name, self.service.url, len(history), {int(p): round(q) for p, q in kept.scores.items()}, threshold,
        )  # fmt: skip
        return kept

    def capture_finger(
        self,
        position: FingerPosition,
        *,
        attempts: int = 3,
        timeout_s: float = 15.0,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
        on_attempt: Callable[[int, np.ndarray, float], None] | None = None,
    ) -> FingerCapture:
        """One finger: its slap with the slap's other fingers sent as exceptions."""
        slap = SLAP_OF[position]
        others = [p for p in SLAP_FINGERS[slap] if p != position]

        def each(n: int, capture: SlapCapture) -> None:
            if on_attempt is not None and position in capture.fingers:
                found = capture.fingers[position]
                on_attempt(n, found.image, found.quality)

        slap_capture = self.capture_slap(
            slap, exceptions=others, attempts=attempts, timeout_s=timeout_s, cancel=cancel, progress=progress,
            on_attempt=each,
        )  # fmt: skip
        return slap_capture.fingers[position]

    def start_preview(self, slap: Slap, on_frame: Callable[[np.ndarray], None], *, duration_s: float = 120.0) -> None:
        """The device's live MJPEG preview of `slap`, BGR frames on the stream's own thread."""
        self.service.start_preview(int(slap), on_frame, duration_s=duration_s)

"""The four device interfaces and what their captures return.

The station and the app program against these classes only; a driver for a vendor SDK
or an SBI HTTP service implements the same methods.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from common.biometrics import FingerPosition
from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from devices.base import Device, DeviceInfo, DeviceKind

if TYPE_CHECKING:  # the quality module imports OpenCV; a driver imports it when it captures
    from devices.iris.quality import IrisQuality

# --- fingerprint -----------------------------------------------------------------


@dataclass(frozen=True)
class FingerCapture:
    position: FingerPosition
    image: np.ndarray  # uint8 grey, rows x cols (288 x 256 for EF01 modules)
    wsq: bytes  # WSQ-compressed 8-bit image, what is stored and sent
    quality: float  # 0-100, the station's documented proxy (not NFIQ 2)
    quality_components: dict[str, float]
    attempts: int
    device: DeviceInfo


class FingerprintScanner(Device):
    kind: ClassVar[DeviceKind] = DeviceKind.FINGERPRINT
    quality_threshold: ClassVar[float] = 40.0

    @abc.abstractmethod
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
        """Wait for a finger, upload and score up to `attempts` images, keep the best.

        Raises DeviceError with code ``fingerprint.ghost_finger`` when the platen reports
        a finger before the resident has placed one (dirty glass).
        """


# --- signature -------------------------------------------------------------------


@dataclass(frozen=True)
class PenPoint:
    x: float  # 0..1 of the pad's reported x maximum
    y: float  # 0..1 of the pad's reported y maximum
    pressure: float  # 0..1 of the reported pressure maximum
    t: float  # seconds since capture start
    tip: bool = True


@dataclass(frozen=True)
class SignatureCapture:
    strokes: list[list[PenPoint]]
    image_png: bytes  # rendered for review and the receipt preview
    pad_max: tuple[int, int, int]  # x_max, y_max, pressure_max reported by the pad
    device: DeviceInfo
    extra: dict[str, float] = field(default_factory=dict)


class SignaturePad(Device):
    kind: ClassVar[DeviceKind] = DeviceKind.SIGNATURE

    @abc.abstractmethod
    def capture_signature(
        self,
        *,
        done: threading.Event | None = None,
        cancel: CancelToken | None = None,
        timeout_s: float = 60.0,
        idle_finish_s: float | None = 2.0,
        on_point: Callable[[PenPoint], None] | None = None,
    ) -> SignatureCapture:
        """Stream pen packets until `done` is set, or the pen has been idle for
        `idle_finish_s` after some ink; reject an empty or trivial signature."""


# --- camera ----------------------------------------------------------------------


@dataclass(frozen=True)
class FaceCheck:
    name: str  # "one_face", "head_size", "centring", "roll", "sharpness", "exposure", "background", "backdrop"
    passed: bool
    value: float | None
    reason: Text


@dataclass(frozen=True)
class FaceAnalysis:
    checks: list[FaceCheck]
    face_box: tuple[int, int, int, int] | None  # x, y, w, h in source-frame pixels

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


@dataclass(frozen=True)
class FaceCapture:
    jpeg: bytes  # cropped to the 3:4 photo layout
    analysis: FaceAnalysis
    width: int
    height: int
    device: DeviceInfo
    automatic: bool


class Camera(Device):
    kind: ClassVar[DeviceKind] = DeviceKind.CAMERA

    @abc.abstractmethod
    def start_preview(self, on_frame: Callable[[np.ndarray], None]) -> None:
        """Deliver BGR frames from the camera's own I/O thread at the source rate."""

    @abc.abstractmethod
    def stop_preview(self) -> None: ...

    @abc.abstractmethod
    def capture_photo(
        self,
        *,
        birth_year: int | None,
        timeout_s: float = 30.0,
        manual: threading.Event | None = None,
        cancel: CancelToken | None = None,
        on_analysis: Callable[[np.ndarray, FaceAnalysis], None] | None = None,
    ) -> FaceCapture:
        """Analyse frames until all checks pass over several consecutive frames
        (automatic capture) or `manual` is set; crop to 3:4 and JPEG-encode."""


# --- iris ------------------------------------------------------------------------

EYES = ("left", "right")  # the resident's eyes, as item kinds and captures name them


@dataclass(frozen=True)
class IrisAttempt:
    """One eye in one attempt, as `IrisCamera.capture_eyes` reports it while it goes on."""

    eye: str  # "left" | "right"
    image: np.ndarray  # uint8 grey NIR as the device sent it
    device_score: float
    quality: IrisQuality | None = None  # the station's measures of this attempt


@dataclass(frozen=True)
class IrisCapture:
    """One eye, kept: what the iris step shows and turns into an item (station.captures)."""

    eye: str  # "left" | "right" (the resident's)
    image: np.ndarray  # uint8 grey NIR as the device gave it
    record: bytes  # ISO/IEC 19794-6:2011 K3 record: what is stored and sent
    device_score: float  # the device's qualityScore, 0-100 (MOSIP threshold 60)
    quality: IrisQuality  # the station's ISO/IEC 29794-6 measures (devices.iris.quality)
    attempts: int
    device: DeviceInfo

    @property
    def passed(self) -> bool:
        """Both verdicts hold: the device's score reaches the threshold and every station measure passes."""
        return self.device_score >= IrisCamera.device_threshold and self.quality.passed


class IrisCamera(Device):
    """A dual-iris camera. `eyes` is "both", "left" or "right"; results are keyed "left"/"right"."""

    kind: ClassVar[DeviceKind] = DeviceKind.IRIS
    device_threshold: ClassVar[float] = 60.0  # MOSIP's registration client default

    @abc.abstractmethod
    def capture_eyes(
        self,
        eyes: str = "both",
        *,
        attempts: int = 3,
        timeout_s: float = 15.0,
        exceptions: Sequence[str] = (),
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
        on_attempt: Callable[[int, dict[str, IrisAttempt]], None] | None = None,
    ) -> dict[str, IrisCapture]:
        """Capture `eyes` (an eye in `exceptions` is not asked for), best of `attempts`;
        each kept eye with its K3 record, the device's score and the station's measures."""

    @abc.abstractmethod
    def start_preview(self, eyes: str, on_frame: Callable[[np.ndarray], None], *, duration_s: float = 120.0) -> None:
        """Deliver the device's preview frames (BGR) from its own I/O thread."""

    @abc.abstractmethod
    def stop_preview(self) -> None: ...


SIMULATED_LABEL = Text("SIMULASI", "SIMULATED")

"""The SBI face camera as a `devices.kinds.Camera`: today's photo step, a certified device.

The preview is the device's STREAM; the station runs its own face checks
(devices.camera.face_checks) on the preview frames, as it does for a USB camera, and when
they pass over `required_passes` frames in a row (or the operator presses capture) it
asks the device for the registration image with RCAPTURE. That image, signed and
chained like every SBI capture, is checked again; the photo is cropped to 3:4 and
JPEG-encoded from it, never from a preview frame.

The enrollment's `CaptureChain` is not part of the Camera interface: a caller that keeps
one sets `camera.chain` before capturing; `camera.last_capture` then holds the verified
SBI capture (hash, ISO record) of the photo kept.

Traps: the device's preview is low-rate (>= 3 fps by the spec), so the automatic capture
needs `required_passes` preview frames, about a second; and an automatic capture whose
registration image fails the checks is not kept: the loop goes on until it passes, the
operator presses capture, or the time runs out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from common.progress import CancelToken
from common.text import DEFAULT_LANGUAGE
from devices.base import DeviceInfo
from devices.kinds import Camera, FaceAnalysis, FaceCapture
from devices.sbi import errors, iso
from devices.sbi.chain import CaptureChain
from devices.sbi.client import SbiCapture
from devices.sbi.driver import SbiDriver
from devices.sbi.service import SbiSettings, require_open
from devices.sbi.spec import FACE_SUB_ID, BioType

log = logging.getLogger(__name__)

FACE_THRESHOLD = 9.0  # MOSIP's registration client default for face devices
FRAME_TIMEOUT_S = 3.0


class SbiFaceCamera(SbiDriver, Camera):
    bio_type = BioType.FACE
    default_driver_name = "sbi-face"
    self_test_device = "camera"
    self_test_sub_id = FACE_SUB_ID

    def __init__(
        self, settings: SbiSettings, *, driver_name: str | None = None, simulated: bool = False,
        on_close: Callable[[], None] | None = None, language: str = DEFAULT_LANGUAGE, required_passes: int = 3,
    ) -> None:  # fmt: skip
        super().__init__(settings, driver_name=driver_name, simulated=simulated, on_close=on_close, language=language)
        self.required_passes = max(1, required_passes)
        self.chain: CaptureChain | None = None
        self.last_capture: SbiCapture | None = None
        self._frame_cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self._frame_no = 0
        self._frame_at = 0.0
        self._viewer: Callable[[np.ndarray], None] | None = None
        self._streaming = False
        self._capturing = threading.Lock()

    def close(self) -> None:
        self.stop_preview()
        super().close()

    def self_test_threshold(self) -> float:
        return FACE_THRESHOLD

    def info(self) -> DeviceInfo:
        d = require_open(self.service)
        return self._device_info(
            self.kind,
            serial=d.device_code,
            extra={"protocol": "MOSIP SBI", "certification": d.certification, "signed_by": d.signed_by or ""},
        )

    # --- preview -----------------------------------------------------------------

    def _on_frame(self, frame: np.ndarray) -> None:
        with self._frame_cond:
            self._frame, self._frame_no, self._frame_at = frame, self._frame_no + 1, time.monotonic()
            self._frame_cond.notify_all()
            viewer = self._viewer
        if viewer is not None:
            viewer(frame)

    def _ensure_stream(self) -> None:
        if not self._streaming:
            self.service.start_preview(FACE_SUB_ID, self._on_frame, duration_s=3600.0)
            self._streaming = True

    def start_preview(self, on_frame: Callable[[np.ndarray], None]) -> None:
        self._viewer = on_frame
        self._ensure_stream()

    def stop_preview(self) -> None:
        self._viewer = None
        if self._streaming:
            self.service.stop_preview()
            self._streaming = False

    def _newer_frame(self, seen: int, wait_s: float) -> tuple[int, np.ndarray | None]:
        with self._frame_cond:
            self._frame_cond.wait_for(lambda: self._frame_no > seen, timeout=wait_s)
            return self._frame_no, self._frame if self._frame_no > seen else None

    # --- capture -----------------------------------------------------------------

    def capture_photo(
        self,
        *,
        birth_year: int | None,
        timeout_s: float = 30.0,
        manual: threading.Event | None = None,
        cancel: CancelToken | None = None,
        on_analysis: Callable[[np.ndarray, FaceAnalysis], None] | None = None,
    ) -> FaceCapture:
        """Analyse preview frames until the checks pass `required_passes` times in a row or
        `manual` is set, then take, check, crop and encode the device's registration image."""
        from devices.camera import errors as camera_errors

        if not self._capturing.acquire(blocking=False):
            raise camera_errors.camera_error(camera_errors.BUSY, self.port_name)
        had_viewer = self._viewer is not None
        try:
            self._ensure_stream()
            return self._capture_loop(birth_year, timeout_s, manual, cancel, on_analysis)
        finally:
            if not had_viewer and self._viewer is None:
                self.stop_preview()
            self._capturing.release()

    def _capture_loop(
        self,
        birth_year: int | None,
        timeout_s: float,
        manual: threading.Event | None,
        cancel: CancelToken | None,
        on_analysis: Callable[[np.ndarray, FaceAnalysis], None] | None,
    ) -> FaceCapture:
        from devices.camera import analyze_frame
        from devices.camera import errors as camera_errors
        from devices.camera.face_checks import describe_failures, failing_checks

        deadline = time.monotonic() + timeout_s
        seen, streak, last_frame_at = 0, 0, time.monotonic()
        analysis: FaceAnalysis | None = None
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled()
            now = time.monotonic()
            if now >= deadline:
                failing = tuple(c.name for c in failing_checks(analysis)) if analysis is not None else ()
                text = camera_errors.message(
                    camera_errors.CAPTURE_TIMEOUT,
                    port=self.port_name,
                    seconds=timeout_s,
                    failures=describe_failures(analysis),
                )
                raise camera_errors.CaptureTimeoutError(text, port=self.port_name, analysis=analysis, failing=failing)
            seen_now, frame = self._newer_frame(seen, min(0.5, max(deadline - now, 0.01)))
            if frame is None:
                if time.monotonic() - last_frame_at > FRAME_TIMEOUT_S:
                    raise camera_errors.camera_error(camera_errors.NO_FRAMES, self.port_name, seconds=FRAME_TIMEOUT_S)
                continue
            seen, last_frame_at = seen_now, time.monotonic()
            analysis = analyze_frame(frame, birth_year)
            if on_analysis is not None:
                on_analysis(frame, analysis)
            streak = streak + 1 if analysis.passed else 0
            pressed = manual is not None and manual.is_set()
            if streak < self.required_passes and not pressed:
                continue
            photo = self._registration_photo(birth_year, automatic=not pressed)
            if photo is not None:
                return photo
            streak = 0

    def _registration_photo(self, birth_year: int | None, *, automatic: bool) -> FaceCapture | None:
        """RCAPTURE, checked again; None when an automatic capture's image fails the checks."""
        import cv2

        from devices.camera import analyze_frame
        from devices.camera.photo import PHOTO_SIZE, crop_photo, encode_jpeg

        chain = self.chain if self.chain is not None else CaptureChain()
        capture = self.service.capture(FACE_SUB_ID, chain=chain, requested_score=FACE_THRESHOLD)
        from devices.sbi.stream import fits

        data = iso.face_image(capture.items[0].iso).image_bytes
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if fits(data) else None
        if image is None:
            raise errors.protocol(self.port_name, "the face image does not decode", bio_type=BioType.FACE)
        final = analyze_frame(image, birth_year)
        if automatic and not final.passed:
            log.info("SBI face on %s: the registration image failed the checks; going on", self.port_name)
            return None
        chain.advance(capture.hashes, after=capture.previous_hash)
        self.last_capture = capture
        jpeg = encode_jpeg(crop_photo(image, final.face_box))
        return FaceCapture(jpeg, final, PHOTO_SIZE[0], PHOTO_SIZE[1], self.info(), automatic)

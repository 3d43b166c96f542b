"""OpenCvCamera: the Camera driver over cv2.VideoCapture, for USB cameras, files and the simulator.

Three threads meet here, and only through `FrameGrabber` and `CaptureSession`:

* the camera's I/O thread (grabber.py) owns the VideoCapture, calls `on_frame` for the
  preview at the source rate, and publishes the latest frame;
* the analysis thread (analysis.py) runs the face checks on the newest frame, downscaled,
  only while a capture is in progress;
* the caller of `capture_photo` (a station worker, never the GUI thread) waits on the
  session in short slices, so cancel, the manual button, the capture timeout and a
  camera that stops sending frames (``camera.no_frames`` after `frame_timeout_s`) are
  all noticed within a fraction of a second.

Traps: frames handed to `on_frame` are read-only and shared with the analysis thread
(copy before drawing on them); `on_frame` runs on the I/O thread and must return quickly
(emit a Qt signal, do not paint); `close()` of a simulated camera also deletes its clip,
so a self-test that opened the camera itself stops the threads without closing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import cv2
import numpy as np

from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from devices.base import DeviceError, DeviceInfo, DeviceKind, SelfTestStep, StepCallback
from devices.camera import errors
from devices.camera.analysis import Analysed, AnalysisWorker, CaptureSession
from devices.camera.face_checks import describe_failures, failing_checks
from devices.camera.grabber import CameraSource, CaptureProperties, FrameGrabber, VideoCaptureLike, open_video_capture
from devices.camera.photo import PHOTO_SIZE, crop_photo, encode_jpeg
from devices.camera.selftest import run_self_test
from devices.kinds import Camera, FaceAnalysis, FaceCapture

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often a waiting capture looks at cancel, manual and the watchdog
BLACK_GRACE_S = 1.0  # black frames for this long during a capture raise camera.black_frames


class OpenCvCamera(Camera):
    """A camera read through cv2.VideoCapture; see the module docstring for the threads."""

    def __init__(
        self,
        source: CameraSource,
        *,
        driver: str = "opencv",
        simulated: bool = False,
        requested_size: tuple[int, int] | None = None,
        expected_fps: float = 30.0,
        open_timeout_s: float = 5.0,
        frame_timeout_s: float = 2.0,
        analysis_width: int = 320,
        required_passes: int = 3,
        factory: Callable[[CameraSource], VideoCaptureLike] = open_video_capture,
        on_close: Callable[[], None] | None = None,
        extra_info: Mapping[str, Any] | None = None,
    ) -> None:
        self.source = source
        self.driver = driver
        self.simulated = simulated
        self.requested_size = requested_size or source.requested_size
        self.expected_fps = expected_fps
        self.open_timeout_s = open_timeout_s
        self.frame_timeout_s = frame_timeout_s
        self.analysis_width = analysis_width
        self.required_passes = required_passes
        self._factory = factory
        self._on_close = on_close
        self._extra = dict(extra_info or {})
        self._lock = threading.Lock()
        self._capturing = threading.Lock()
        self._grabber: FrameGrabber | None = None
        self._worker: AnalysisWorker | None = None
        self._preview: Callable[[np.ndarray], None] | None = None
        self.properties: CaptureProperties | None = None

    # --- lifecycle -------------------------------------------------------------------

    @property
    def port(self) -> str:
        return self.source.port

    @property
    def is_open(self) -> bool:
        grabber = self._grabber
        return grabber is not None and grabber.alive

    def open(self) -> None:
        """Start the I/O thread and wait (bounded) for the capture to open and send a frame."""
        with self._lock:
            if self.is_open:
                return
            self._stop_threads()
            grabber = FrameGrabber(self.source, factory=self._factory, listener=self._preview)
            grabber.start()
            try:
                self.properties = grabber.wait_opened(self.open_timeout_s)
                if grabber.wait_newer(0, self.frame_timeout_s) is None:
                    raise errors.camera_error(errors.NO_FRAMES, self.port, seconds=self.frame_timeout_s)
            except DeviceError:
                grabber.stop(0.5)
                raise
            worker = AnalysisWorker(grabber, analysis_width=self.analysis_width)
            worker.start()
            self._grabber, self._worker = grabber, worker

    def stop_io(self) -> None:
        """Stop both threads and release the capture, keeping a simulated clip for a later open()."""
        with self._lock:
            self._stop_threads()

    def _stop_threads(self) -> None:
        grabber, worker = self._grabber, self._worker
        self._grabber = self._worker = None
        if worker is not None:
            worker.stop()
        if grabber is not None:
            grabber.stop()

    def close(self) -> None:
        self.stop_io()
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def info(self) -> DeviceInfo:
        props = self.properties
        extra: dict[str, Any] = {"opencv": cv2.__version__, **self._extra}
        if props is not None:
            extra.update(width=props.width, height=props.height, reported_fps=props.reported_fps)
        return DeviceInfo(
            kind=DeviceKind.CAMERA,
            driver=self.driver,
            model=props.backend if props is not None else "unknown",
            serial="unknown",  # UVC serials are not exposed through VideoCapture
            firmware="unknown",
            port=self.port,
            simulated=self.simulated,
            extra=extra,
        )

    def grabber(self) -> FrameGrabber:
        """The running frame grabber (opening the camera if needed); for the self-test."""
        self.open()
        grabber = self._grabber
        if grabber is None:
            raise errors.camera_error(errors.NO_CAMERA, self.port)
        return grabber

    # --- preview ---------------------------------------------------------------------

    def start_preview(self, on_frame: Callable[[np.ndarray], None]) -> None:
        """Open if needed and deliver every frame to `on_frame` on the camera's I/O thread."""
        self._preview = on_frame
        self.open()
        if self._grabber is not None:
            self._grabber.listener = on_frame

    def stop_preview(self) -> None:
        self._preview = None
        if self._grabber is not None:
            self._grabber.listener = None

    # --- capture ---------------------------------------------------------------------

    def capture_photo(
        self,
        *,
        birth_year: int | None,
        timeout_s: float = 30.0,
        manual: threading.Event | None = None,
        cancel: CancelToken | None = None,
        on_analysis: Callable[[np.ndarray, FaceAnalysis], None] | None = None,
    ) -> FaceCapture:
        """Auto-capture after `required_passes` steady, all-pass analysed frames, or take the
        latest analysed frame when `manual` is set; crop to 3:4 and JPEG-encode in memory.

        Opens the camera if needed (it then stays open until close()). Raises
        CaptureTimeoutError (camera.capture_timeout, naming the failing checks) after
        `timeout_s`, camera.black_frames after BLACK_GRACE_S of black frames (even if
        `manual` is set: a black photo is never fit), camera.no_frames when the camera
        goes silent, camera.busy if another capture is running, Cancelled on `cancel`.
        """
        grabber = self.grabber()
        worker = self._worker
        if worker is None:
            raise errors.camera_error(errors.NO_CAMERA, self.port)
        if not self._capturing.acquire(blocking=False):
            raise errors.camera_error(errors.BUSY, self.port)
        session = CaptureSession(birth_year, self.required_passes)
        worker.attach(session)
        try:
            chosen, automatic = self._await_photo(session, grabber, timeout_s, manual, cancel, on_analysis)
        finally:
            worker.attach(None)
            self._capturing.release()
        jpeg = encode_jpeg(crop_photo(chosen.frame.image, chosen.analysis.face_box))
        log.info(
            "camera %s: photo captured (%s, %d bytes, after %d analysed frames)",
            self.port,
            "automatic" if automatic else "manual",
            len(jpeg),
            chosen.count,
        )
        return FaceCapture(
            jpeg=jpeg,
            analysis=chosen.analysis,
            width=PHOTO_SIZE[0],
            height=PHOTO_SIZE[1],
            device=self.info(),
            automatic=automatic,
        )

    def _await_photo(
        self,
        session: CaptureSession,
        grabber: FrameGrabber,
        timeout_s: float,
        manual: threading.Event | None,
        cancel: CancelToken | None,
        on_analysis: Callable[[np.ndarray, FaceAnalysis], None] | None,
    ) -> tuple[Analysed, bool]:
        deadline = time.monotonic() + timeout_s
        seen = 0
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled()
            result = session.wait_newer(seen, POLL_S)
            if result is not None and result.count > seen:
                seen = result.count
                if on_analysis is not None:
                    try:
                        on_analysis(result.frame.image, result.analysis)
                    except Exception:
                        log.exception("camera %s: on_analysis callback failed", self.port)
            with session.cond:
                accepted, black_since = session.accepted, session.black_since
            if accepted is not None:
                return accepted, True
            if result is not None and black_since is not None and result.frame.t - black_since >= BLACK_GRACE_S:
                raise errors.camera_error(errors.BLACK_FRAMES, self.port)
            if manual is not None and manual.is_set() and result is not None:
                return result, False
            now = time.monotonic()
            self._raise_if_stalled(grabber, now)
            if now >= deadline:
                raise self._timeout_error(result, session, timeout_s)

    def _raise_if_stalled(self, grabber: FrameGrabber, now: float) -> None:
        latest = grabber.latest()
        if not grabber.alive or latest is None or now - latest.t > self.frame_timeout_s:
            log.warning("camera %s: no frame for %.1f s", self.port, self.frame_timeout_s)
            raise errors.camera_error(errors.NO_FRAMES, self.port, seconds=self.frame_timeout_s)

    def _timeout_error(self, result: Analysed | None, session: CaptureSession, timeout_s: float) -> DeviceError:
        analysis = result.analysis if result is not None else None
        failing = tuple(c.name for c in failing_checks(analysis)) if analysis is not None else ()
        failures = describe_failures(analysis)
        if analysis is not None and not failing and session.unsteady:
            failing = ("steady",)
            failures = Text(
                "gambar tidak stabil (kamera atau warga bergerak; periksa tripod).",
                "picture not steady (camera or resident moving; check the tripod).",
            )
        log.info("camera %s: capture timed out; failing: %s", self.port, ", ".join(failing) or "-")
        text = errors.message(errors.CAPTURE_TIMEOUT, port=self.port, seconds=timeout_s, failures=failures)
        return errors.CaptureTimeoutError(text, port=self.port, analysis=analysis, failing=failing)

    # --- self-test -------------------------------------------------------------------

    def self_test(
        self,
        *,
        on_step: StepCallback | None = None,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
    ) -> Sequence[SelfTestStep]:
        """Open, resolution, frame rate, exposure, face, motion, sharpness (see selftest.py)."""
        was_open = self.is_open
        try:
            return run_self_test(self, on_step=on_step, cancel=cancel, progress=progress)
        finally:
            if not was_open:
                self.stop_io()

"""The one thread that owns a cv2.VideoCapture.

Every call on the VideoCapture (open, set, read, release) happens on this thread; other
threads only look at the latest `Frame` it published. The traps this avoids:

* `VideoCapture.read()` cannot be interrupted and may block for seconds (V4L2 waits up to
  10 s in select() when a USB camera stalls). Nobody else ever waits on it: consumers wait
  on `wait_newer` with a timeout and turn silence into ``camera.no_frames``. If the thread
  is stuck in read() at close, it is left to finish on its own (daemon thread) and releases
  the capture when read() returns.
* A file plays back as fast as it can be decoded; `CameraSource.live=False` paces reads to
  the file's frame rate and rewinds at the end (`loop`), so a file behaves like a camera.
* A zero-frame or vanished file would make "rewind and read again" spin; after a rewind
  that yields nothing the thread backs off like a stalled camera instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np

from devices.base import DeviceError
from devices.camera import errors

log = logging.getLogger(__name__)


class VideoCaptureLike(Protocol):
    """The part of cv2.VideoCapture the grabber uses (tests substitute a stalling fake)."""

    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's name
    def read(self) -> tuple[bool, Any]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...
    def getBackendName(self) -> str: ...  # noqa: N802 - OpenCV's name


@dataclass(frozen=True)
class CameraSource:
    """What to open: a camera index, a device path, a video file or an image-sequence pattern."""

    target: int | str
    api_preference: int = cv2.CAP_ANY
    live: bool = True  # a camera; False for a file, which is paced and looped
    fps: float | None = None  # pacing rate for a file; None = the rate the file reports
    loop: bool = True
    requested_size: tuple[int, int] | None = None  # (width, height) asked of a live camera

    @property
    def port(self) -> str:
        return str(self.target)


def parse_source(
    port: str | None, *, requested_size: tuple[int, int] | None = None, fps: float | None = None
) -> CameraSource:
    """Read a configured port: "0" -> camera 0, "/dev/video2" -> that device, "x.avi" or
    "frames/%04d.jpg" -> a looping file source paced at `fps` (an image sequence reports
    no rate of its own, so it gets 30 fps unless told otherwise)."""
    text = (port or "0").strip()
    if text.isdigit():
        return CameraSource(int(text), requested_size=requested_size)
    if text.startswith("/dev/video"):
        return CameraSource(text, cv2.CAP_V4L2, requested_size=requested_size)
    if "%" in text:
        return CameraSource(text, cv2.CAP_IMAGES, live=False, fps=fps or 30.0)
    return CameraSource(text, cv2.CAP_ANY, live=False, fps=fps)


def open_video_capture(source: CameraSource) -> VideoCaptureLike:
    return cv2.VideoCapture(source.target, source.api_preference)


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR, read-only: shared by preview, analysis and capture
    seq: int
    t: float  # time.monotonic() when published


@dataclass(frozen=True)
class CaptureProperties:
    backend: str
    width: int
    height: int
    reported_fps: float


class FrameGrabber:
    """Runs the capture thread; publishes the latest frame and calls the frame listener."""

    def __init__(
        self,
        source: CameraSource,
        *,
        factory: Callable[[CameraSource], VideoCaptureLike] = open_video_capture,
        listener: Callable[[np.ndarray], None] | None = None,
    ) -> None:
        self.source = source
        self._factory = factory
        self.listener = listener
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._stop = threading.Event()
        self._opened = threading.Event()
        self._open_error: DeviceError | None = None
        self.properties: CaptureProperties | None = None
        self.failed_reads = 0
        self._thread = threading.Thread(target=self._run, name=f"camera-io:{source.port}", daemon=True)

    # --- consumer side (any thread) --------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def wait_opened(self, timeout_s: float) -> CaptureProperties:
        """Block until the capture opened; DeviceError camera.no_camera if not within `timeout_s`."""
        if not self._opened.wait(timeout_s):
            log.warning("camera %s did not open within %.1f s", self.source.port, timeout_s)
            raise errors.camera_error(errors.NO_CAMERA, self.source.port)
        if self._open_error is not None:
            raise self._open_error
        assert self.properties is not None
        return self.properties

    def latest(self) -> Frame | None:
        with self._cond:
            return self._latest

    def wait_newer(self, seq: int, timeout_s: float) -> Frame | None:
        """The latest frame with a sequence number above `seq`, or None after `timeout_s`.

        Returns the newest frame, not the next one: a slow consumer drops stale frames.
        """
        with self._cond:
            self._cond.wait_for(lambda: self._latest is not None and self._latest.seq > seq, timeout=timeout_s)
            if self._latest is not None and self._latest.seq > seq:
                return self._latest
            return None

    def stop(self, join_timeout_s: float = 1.0) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(join_timeout_s)
            if self._thread.is_alive():
                log.warning("camera %s: I/O thread still blocked in OpenCV; left to exit on its own", self.source.port)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    # --- the capture thread ----------------------------------------------------------

    def _run(self) -> None:
        try:
            cap = self._open()
        except Exception:
            log.exception("camera %s: opening failed", self.source.port)
            self._open_error = errors.camera_error(errors.NO_CAMERA, self.source.port)
            self._opened.set()
            return
        if cap is None:
            return
        try:
            self._loop(cap)
        except Exception:
            log.exception("camera %s: capture thread failed", self.source.port)
        finally:
            cap.release()
            log.debug("camera %s: capture released", self.source.port)

    def _open(self) -> VideoCaptureLike | None:
        if not self.source.live and "%" not in self.source.port and not os.path.exists(self.source.port):
            self._open_error = errors.camera_error(errors.NO_CAMERA, self.source.port)
            self._opened.set()
            return None
        cap = self._factory(self.source)
        if not cap.isOpened() or self._stop.is_set():
            cap.release()
            self._open_error = errors.camera_error(errors.NO_CAMERA, self.source.port)
            self._opened.set()
            return None
        if self.source.live:
            self._configure_live(cap)
        self.properties = CaptureProperties(
            backend=cap.getBackendName(),
            width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            reported_fps=float(cap.get(cv2.CAP_PROP_FPS) or 0.0),
        )
        log.info("camera %s opened: %s", self.source.port, self.properties)
        self._opened.set()
        return cap

    def _configure_live(self, cap: VideoCaptureLike) -> None:
        """Best effort: MJPG keeps 720p/1080p within USB 2 bandwidth; the read timeout is
        honoured by some backends only, which is why consumers never rely on it."""
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        if self.source.requested_size is not None:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.source.requested_size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.source.requested_size[1])
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        cap.set(cv2.CAP_PROP_READ_TIMEOUT_MSEC, 2000)

    def _loop(self, cap: VideoCaptureLike) -> None:
        fps = self.source.fps or (self.properties.reported_fps if self.properties else 0.0) or 30.0
        period = 1.0 / fps
        next_due = time.monotonic()
        seq = 0
        rewound_without_frame = False
        while not self._stop.is_set():
            ok, image = cap.read()
            if not ok or image is None:
                if not self.source.live and self.source.loop and not rewound_without_frame:
                    rewound_without_frame = True
                    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    continue
                self.failed_reads += 1
                if self.failed_reads == 1:
                    log.warning("camera %s: read() returned no frame", self.source.port)
                self._stop.wait(min(0.5, 0.02 * self.failed_reads))
                continue
            rewound_without_frame = False
            self.failed_reads = 0
            if not self.source.live:
                delay = next_due - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    break
                next_due = max(next_due + period, time.monotonic() - period)
            seq += 1
            self._publish(image, seq)

    def _publish(self, image: np.ndarray, seq: int) -> None:
        image.setflags(write=False)
        frame = Frame(image, seq, time.monotonic())
        with self._cond:
            self._latest = frame
            self._cond.notify_all()
        listener = self.listener
        if listener is not None:
            try:
                listener(image)
            except Exception:
                log.exception("camera %s: preview callback failed", self.source.port)

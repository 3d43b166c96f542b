"""The analysis thread: face checks on the latest frame, off the frame-grabbing thread.

Analysis (~20-40 ms a frame here) is slower than a 30 fps source, so it must never run
on the capture thread or the preview would drop to the analysis rate. This thread always
takes the newest frame (stale ones are skipped, never queued) and runs only while a
`CaptureSession` is attached, so an idle preview costs no CPU for face detection.

The session counts "steady passes": consecutive analysed frames where every check passed
and the picture moved at most STEADY_MAX_PX (phase correlation against the previously
analysed frame) - a best-effort guard against capturing while the resident or a loose
tripod moves. Haar face boxes jitter by several pixels between frames of a still subject,
so steadiness is measured on the whole picture, not on the box. Counting on this thread
(not in the waiting caller) means a caller that is slow to wake cannot miss a frame that
broke the streak.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera.face_checks import analyze_frame_and_grey
from devices.camera.grabber import Frame, FrameGrabber
from devices.kinds import FaceAnalysis

log = logging.getLogger(__name__)

STEADY_MAX_PX = 2.0  # picture shift between analysed frames, pixels at 320 wide
MIN_RESPONSE = 0.3  # phase-correlation peak below which a shift is noise (flat or black picture)
BLACK_LUMA = 12.0  # mean grey level below which a frame counts as black


def is_black(image: np.ndarray) -> bool:
    mean = cv2.mean(image)
    return float(np.mean(mean[:3])) < BLACK_LUMA


def global_shift(previous: np.ndarray, current: np.ndarray) -> float | None:
    """Whole-picture shift in pixels between two grey frames of one size, or None if untrackable.

    A flat backdrop or a black frame gives a phase-correlation peak near 0 and a random
    shift; those are reported as None rather than as a huge movement.
    """
    window = cv2.createHanningWindow((current.shape[1], current.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(previous.astype(np.float32), current.astype(np.float32), window)
    return float(np.hypot(dx, dy)) if response >= MIN_RESPONSE else None


@dataclass(frozen=True)
class Analysed:
    frame: Frame
    analysis: FaceAnalysis
    count: int  # 1-based number of this result in the session
    steady_passes: int
    black: bool
    shift_px: float | None  # movement since the previous analysed frame, at 320 px wide


class CaptureSession:
    """Results of one capture_photo call, shared between the analysis thread and the caller."""

    def __init__(self, birth_year: int | None, required_passes: int) -> None:
        self.birth_year = birth_year
        self.required_passes = required_passes
        self.cond = threading.Condition()
        self.latest: Analysed | None = None
        self.accepted: Analysed | None = None  # first result that completed the streak
        self.black_since: float | None = None  # frame time of the first black frame in a row
        self.unsteady = 0  # passing frames rejected for movement

    def deliver(self, frame: Frame, analysis: FaceAnalysis, shift_px: float | None) -> None:
        black = is_black(frame.image)
        with self.cond:
            previous = self.latest
            streak = 0
            if analysis.passed:
                if shift_px is None or shift_px <= STEADY_MAX_PX:
                    streak = (previous.steady_passes if previous is not None else 0) + 1
                else:
                    self.unsteady += 1
                    streak = 1
            count = previous.count + 1 if previous is not None else 1
            self.latest = Analysed(frame, analysis, count, streak, black, shift_px)
            if black:
                self.black_since = self.black_since if self.black_since is not None else frame.t
            else:
                self.black_since = None
            if self.accepted is None and streak >= self.required_passes:
                self.accepted = self.latest
            self.cond.notify_all()

    def wait_newer(self, count: int, timeout_s: float) -> Analysed | None:
        with self.cond:
            self.cond.wait_for(lambda: self.latest is not None and self.latest.count > count, timeout=timeout_s)
            return self.latest


class AnalysisWorker:
    """Owns the analysis thread of one camera."""

    def __init__(self, grabber: FrameGrabber, *, analysis_width: int = 320) -> None:
        self._grabber = grabber
        self._analysis_width = analysis_width
        self._session: CaptureSession | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.analysed = 0
        self._thread = threading.Thread(target=self._run, name=f"camera-analysis:{grabber.source.port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def attach(self, session: CaptureSession | None) -> None:
        self._session = session
        self._wake.set()

    def stop(self, join_timeout_s: float = 1.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(join_timeout_s)

    def _run(self) -> None:
        last_seq = -1
        previous: tuple[CaptureSession, np.ndarray] | None = None
        while not self._stop.is_set():
            session = self._session
            if session is None:
                self._wake.wait(0.2)
                self._wake.clear()
                continue
            frame = self._grabber.wait_newer(last_seq, 0.2)
            if frame is None or self._stop.is_set():
                continue
            last_seq = frame.seq
            try:
                analysis, grey = analyze_frame_and_grey(
                    frame.image, session.birth_year, analysis_width=self._analysis_width
                )
                shift = None
                if previous is not None and previous[0] is session and previous[1].shape == grey.shape:
                    shift = global_shift(previous[1], grey)
                    shift = None if shift is None else shift * 320.0 / grey.shape[1]
            except Exception:
                log.exception("camera %s: face analysis failed", self._grabber.source.port)
                self._stop.wait(0.1)
                continue
            previous = (session, grey)
            self.analysed += 1
            session.deliver(frame, analysis, shift)

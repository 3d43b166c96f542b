"""The camera's technician self-test: a few seconds, each step measured against what is expected.

Steps, in order: open; resolution (CAP_PROP read back and the real frame size against the
request); frame rate (timestamps of N frames: CAP_PROP_FPS is what the driver claims, not
what arrives); exposure (catches black frames); face (Haar face and eyes on the reference
subject); motion (phase correlation between consecutive frames over `MOTION_S`: a loose
tripod moves the whole picture); sharpness (on the face).

Motion and sharpness need something in view: on an empty backdrop phase correlation
locks onto noise and the Laplacian sees none, so both then report "not measured" (failed,
no error code) instead of a made-up number; the face step before them names the cause.
A step that fails on an error no later step can survive (camera.no_camera,
camera.no_frames, camera.black_frames) ends the test; every step run is reported.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

import cv2
import numpy as np

from common.progress import CancelToken, Progress
from common.text import Text
from devices.base import DeviceError, SelfTestStep, StepCallback, StepLog
from devices.camera import errors
from devices.camera.analysis import BLACK_LUMA, global_shift
from devices.camera.face_checks import FACE_NORM, SHARPNESS_MIN, analyze_frame, face_sharpness
from devices.camera.grabber import Frame, FrameGrabber

if TYPE_CHECKING:
    from devices.camera.driver import OpenCvCamera

log = logging.getLogger(__name__)

RATE_FRAMES = 20
MOTION_S = 1.5
MOTION_MAX_PX = 1.5  # median frame-to-frame shift at 320 px wide (0.5 % of the width)
RATE_MIN_FRACTION = 0.8
EXPOSURE_RANGE = (40.0, 215.0)  # whole-frame mean grey level
FACE_FRAMES = 3
ANALYSIS_WIDTH = 320

_TITLES: dict[str, Text] = {
    "open": Text("Kamera terbuka", "Camera opens"),
    "resolution": Text("Resolusi", "Resolution"),
    "frame_rate": Text("Laju gambar", "Frame rate"),
    "exposure": Text("Pencahayaan", "Exposure"),
    "motion": Text("Kestabilan tripod", "Tripod steadiness"),
    "face": Text("Wajah subjek uji", "Reference subject's face"),
    "sharpness": Text("Ketajaman", "Sharpness"),
}
_LIGHT_REMEDY = Text(
    "Atur lampu: wajah terang merata tanpa silau; tutup tirai jendela di belakang warga.",
    "Adjust the lights: face evenly lit without glare; close window curtains behind the resident.",
)
_SUBJECT_REMEDY = Text(
    "Dudukkan satu orang (subjek uji) di kursi warga, menghadap kamera, lalu ulangi uji.",
    "Seat one person (the reference subject) in the resident's chair, facing the camera, and test again.",
)


class _Fatal(Exception):
    """Stops the self-test after a step that failed on an unrecoverable error."""


class _Run:
    def __init__(self, camera: OpenCvCamera, on_step: StepCallback | None, cancel: CancelToken | None) -> None:
        self.camera = camera
        self.log = StepLog("camera", on_step, camera.port)
        self.cancel = cancel
        self.steps = self.log.steps
        self.frames_seen: list[Frame] = []  # from the frame-rate step, newest last
        self.face: tuple[np.ndarray, tuple[int, int, int, int]] | None = None

    def report(
        self,
        name: str,
        started: float,
        passed: bool,
        measured: str,
        expected: str,
        remedy: Text | None = None,
        error_code: str | None = None,
    ) -> SelfTestStep:
        return self.log.record(
            f"camera.{name}",
            _TITLES[name],
            passed,
            measured,
            expected,
            started=started,
            remedy=remedy,
            error_code=error_code,
        )

    def fail_on(self, name: str, started: float, exc: DeviceError, expected: str) -> NoReturn:
        self.report(name, started, False, exc.code, expected, exc.remedy, exc.code)
        raise _Fatal

    def check_cancel(self) -> None:
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()

    def frames(self, grabber: FrameGrabber, count: int, seconds: float) -> list[Frame]:
        """Up to `count` fresh frames, as many as arrive within `seconds`; camera.no_frames on silence."""
        out: list[Frame] = []
        latest = grabber.latest()
        seq = latest.seq if latest is not None else 0
        end = time.monotonic() + seconds
        while len(out) < count and time.monotonic() < end:
            self.check_cancel()
            frame = grabber.wait_newer(seq, self.camera.frame_timeout_s)
            if frame is None:
                raise errors.camera_error(errors.NO_FRAMES, self.camera.port, seconds=self.camera.frame_timeout_s)
            out.append(frame)
            seq = frame.seq
        return out


def run_self_test(
    camera: OpenCvCamera,
    *,
    on_step: StepCallback | None = None,
    cancel: CancelToken | None = None,
    progress: Progress,
) -> list[SelfTestStep]:
    run = _Run(camera, on_step, cancel)
    stages: list[tuple[str, Callable[[_Run], None]]] = [
        ("open", _step_open),
        ("resolution", _step_resolution),
        ("frame_rate", _step_frame_rate),
        ("exposure", _step_exposure),
        ("face", _step_face),
        ("motion", _step_motion),
        ("sharpness", _step_sharpness),
    ]
    try:
        for index, (name, stage) in enumerate(stages):
            run.check_cancel()
            progress(index / len(stages), _TITLES[name].en)
            stage(run)
    except _Fatal:
        pass
    progress(1.0, "done")
    return run.steps


def _step_open(run: _Run) -> None:
    started = time.monotonic()
    expected = f"opens and sends a frame within {run.camera.open_timeout_s + run.camera.frame_timeout_s:g} s"
    try:
        run.camera.open()
    except DeviceError as exc:
        run.fail_on("open", started, exc, expected)
    props = run.camera.properties
    run.report("open", started, True, f"{props.backend if props else '?'} on {run.camera.port}", expected)


def _step_resolution(run: _Run) -> None:
    started = time.monotonic()
    grabber = run.camera.grabber()
    frame = grabber.latest()
    props = run.camera.properties
    reported = (props.width, props.height) if props is not None else (0, 0)
    actual = (frame.image.shape[1], frame.image.shape[0]) if frame is not None else (0, 0)
    wanted = run.camera.requested_size or actual
    passed = reported == wanted and actual == wanted
    measured = f"{actual[0]}x{actual[1]} (reported {reported[0]}x{reported[1]})"
    expected = f"{wanted[0]}x{wanted[1]}"
    remedy = errors.remedy(errors.RESOLUTION)
    run.report("resolution", started, passed, measured, expected, remedy, errors.RESOLUTION)


def _step_frame_rate(run: _Run) -> None:
    started = time.monotonic()
    minimum = RATE_MIN_FRACTION * run.camera.expected_fps
    expected = f">= {minimum:.1f} fps"
    limit = max(2.0, 3.0 * RATE_FRAMES / run.camera.expected_fps)  # a slow camera is measured, not waited for
    try:
        frames = run.frames(run.camera.grabber(), RATE_FRAMES, limit)
        if len(frames) < 2:
            raise errors.camera_error(errors.NO_FRAMES, run.camera.port, seconds=limit)
    except DeviceError as exc:
        run.fail_on("frame_rate", started, exc, expected)
    fps = (len(frames) - 1) / max(frames[-1].t - frames[0].t, 1e-6)
    run.frames_seen = frames
    remedy = errors.remedy(errors.FRAME_RATE)
    run.report("frame_rate", started, fps >= minimum, f"{fps:.1f} fps", expected, remedy, errors.FRAME_RATE)


def _grey_small(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    small = cv2.resize(image, (ANALYSIS_WIDTH, round(height * ANALYSIS_WIDTH / width)), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


def _step_exposure(run: _Run) -> None:
    started = time.monotonic()
    mean = float(np.mean([cv2.mean(_grey_small(f.image))[0] for f in run.frames_seen[-5:]]))
    lo, hi = EXPOSURE_RANGE
    expected = f"mean grey {lo:g}-{hi:g}"
    measured = f"mean grey {mean:.0f}"
    if mean < BLACK_LUMA:
        exc = errors.camera_error(errors.BLACK_FRAMES, run.camera.port)
        run.report("exposure", started, False, measured, expected, exc.remedy, exc.code)
        raise _Fatal
    run.report("exposure", started, lo <= mean <= hi, measured, expected, _LIGHT_REMEDY)


def _step_motion(run: _Run) -> None:
    started = time.monotonic()
    expected = f"median shift <= {MOTION_MAX_PX:g} px/frame at {ANALYSIS_WIDTH} px wide"
    try:
        frames = run.frames(run.camera.grabber(), 10_000, MOTION_S)
    except DeviceError as exc:
        run.fail_on("motion", started, exc, expected)
    greys = [_grey_small(f.image) for f in frames]
    pairs = list(zip(greys, greys[1:], strict=False))
    shifts = [s for s in (global_shift(a, b) for a, b in pairs) if s is not None]
    if len(shifts) * 2 <= len(pairs):
        measured = f"not measured: nothing to track in {len(pairs) - len(shifts)}/{len(pairs)} frame pairs"
        run.report("motion", started, False, measured, expected, _SUBJECT_REMEDY)
        return
    median = float(np.median(shifts))
    worst = float(np.percentile(shifts, 90))
    measured = f"median {median:.2f} px/frame, p90 {worst:.2f} over {len(shifts)} pairs"
    remedy = errors.remedy(errors.SHAKING)
    run.report("motion", started, median <= MOTION_MAX_PX, measured, expected, remedy, errors.SHAKING)


def _step_face(run: _Run) -> None:
    started = time.monotonic()
    counts: list[int] = []
    eyes = 0
    best: tuple[np.ndarray, tuple[int, int, int, int]] | None = None
    for frame in run.frames_seen[-FACE_FRAMES:]:
        analysis = analyze_frame(frame.image, None, analysis_width=ANALYSIS_WIDTH)
        checks = {c.name: c for c in analysis.checks}
        counts.append(int(checks["one_face"].value or 0))
        if analysis.face_box is not None:
            eyes += int(checks["roll"].value is not None)
            best = (frame.image, analysis.face_box)
    faces = max(set(counts), key=counts.count)
    passed = faces == 1 and eyes * 2 > len(counts)
    run.face = best if faces == 1 else None
    measured = f"{faces} face(s), eyes found in {eyes}/{len(counts)} frames"
    code = errors.NO_FACE if faces == 0 else None
    run.report("face", started, passed, measured, "1 face with 2 eyes", _SUBJECT_REMEDY, code)


def _step_sharpness(run: _Run) -> None:
    started = time.monotonic()
    expected = f">= {SHARPNESS_MIN:g} on the face"
    if run.face is None:
        run.report("sharpness", started, False, "not measured: no single face in view", expected, _SUBJECT_REMEDY)
        return
    image, (x, y, w, h) = run.face
    grey = cv2.cvtColor(image[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY)
    face = cv2.resize(grey, (FACE_NORM, FACE_NORM), interpolation=cv2.INTER_AREA if h > FACE_NORM else cv2.INTER_LINEAR)
    value = face_sharpness(face)
    remedy = errors.remedy(errors.BLURRED)
    run.report("sharpness", started, value >= SHARPNESS_MIN, f"{value:.0f}", expected, remedy, errors.BLURRED)

"""The simulated camera: a generated MJPG .avi (or JPEG sequence) read through cv2.VideoCapture.

The simulator does not fake the driver: it writes a short clip of the subject in front of
the e-KTP backdrop, with small periodic sway and lighting drift, to a temporary directory
and hands its path to the same `OpenCvCamera` that opens a USB camera. The clip is
periodic, so the driver's loop-at-end (file sources) shows no jump at the seam.

Faults (names are a contract with the station's `--fault` options and tests):

* ``no_camera``      - the path does not exist, so VideoCapture cannot open it.
* ``black_frames``   - near-black frames (lens cap on, dead sensor).
* ``blur``           - focus loss: Gaussian blur of 3.5 px (at 640 wide).
* ``shaking``        - loose tripod: every frame jumps 10-25 px in a random direction.
* ``frame_drops``    - the clip ends after ``drop_after_s`` and the source is marked not to
  loop, so the driver sees what a stalled USB camera gives it: no new frames.
* ``wrong_backdrop`` - the backdrop of the other birth-year parity.
* ``two_faces``      - two people in front of the backdrop.
* ``no_face``        - an empty backdrop.

This is synthetic simulator data, not a resident's biometric; the temporary directory
is removed by `SimulatedSource.cleanup` (called from the camera's close()).
"""

from __future__ import annotations

import functools
import logging
import math
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from devices.camera import FAULTS
from devices.camera.driver import OpenCvCamera
from devices.camera.grabber import CameraSource
from devices.camera.options import float_option, int_option, size_option, str_option
from devices.camera.photo import encode_jpeg
from devices.camera.scene import (
    PHOTO_SUBJECT,
    Scene,
    Subject,
    backdrop_for_birth_year,
    other_backdrop,
    render_scene,
    sway,
)

log = logging.getLogger(__name__)

FORMATS = ("avi", "sequence")
BLUR_SIGMA = 3.5
SHAKE_PX = (10.0, 25.0)  # at 640 wide
TWO_FACES = (Subject(cx=0.27, crown_y=0.2, head_h=0.38), Subject(cx=0.73, crown_y=0.2, head_h=0.38))


@dataclass(frozen=True)
class SimulatedSource:
    directory: Path
    port: str  # what is handed to cv2.VideoCapture
    api_preference: int
    fps: float
    size: tuple[int, int]
    loop: bool
    fault: str | None
    backdrop: str
    frame_count: int

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def scene_at(
    index: int, count: int, *, backdrop: str, fault: str | None, size: tuple[int, int], rng: np.random.Generator
) -> Scene:
    """The scene of frame `index` of a periodic clip of `count` frames."""
    dx, dy, roll, gain = sway(index, float(count))
    subjects: tuple[Subject, ...] = (Subject(),)
    if fault == "two_faces":
        subjects = TWO_FACES
    elif fault == "no_face":
        subjects = ()
    subjects = tuple(replace(s, cx=s.cx + dx, crown_y=s.crown_y + dy, roll_deg=s.roll_deg + roll) for s in subjects)
    scene = Scene(backdrop=backdrop, subjects=subjects, gain=gain)
    if fault == "black_frames":
        scene = replace(scene, black=True)
    elif fault == "blur":
        scene = replace(scene, blur_sigma=BLUR_SIGMA)
    elif fault == "shaking":
        radius = rng.uniform(*SHAKE_PX) * size[0] / 640.0
        angle = rng.uniform(0.0, 2.0 * math.pi)
        scene = replace(scene, shift=(radius * math.cos(angle), radius * math.sin(angle)))
    return scene


def resolve_backdrop(birth_year: int | None, backdrop: str | None, fault: str | None) -> str:
    """The backdrop the clip shows: the birth-year rule (or an explicit colour), flipped for wrong_backdrop."""
    chosen = backdrop or (backdrop_for_birth_year(birth_year) if birth_year is not None else "blue")
    if chosen not in ("red", "blue"):
        raise ValueError(f"backdrop must be 'red' or 'blue', not {chosen!r}")
    return other_backdrop(chosen) if fault == "wrong_backdrop" else chosen


def generate_source(
    *,
    fault: str | None = None,
    birth_year: int | None = None,
    backdrop: str | None = None,
    seed: int = 0,
    fps: float = 30.0,
    size: tuple[int, int] = (640, 480),
    seconds: float = 2.0,
    fmt: str = "avi",
    drop_after_s: float = 1.0,
) -> SimulatedSource:
    """Write the simulated clip to a new temporary directory and describe how to open it."""
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"unknown camera fault {fault!r}; known: {', '.join(FAULTS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown simulator format {fmt!r}; known: {', '.join(FORMATS)}")
    colour = resolve_backdrop(birth_year, backdrop, fault)
    directory = Path(tempfile.mkdtemp(prefix="station-camsim-"))
    seconds_written = drop_after_s if fault == "frame_drops" else seconds
    count = max(2, round(seconds_written * fps))
    period = max(2, round(seconds * fps))
    api = cv2.CAP_FFMPEG if fmt == "avi" else cv2.CAP_IMAGES
    port = str(directory / ("camera.avi" if fmt == "avi" else "frame_%04d.jpg"))
    if fault == "no_camera":
        port = str(directory / "no-camera-here.avi")
        count = 0
    else:
        try:
            _write_clip(port, fmt, count, period, colour, fault, fps, size, seed)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
    log.info("simulated camera clip: %d frames %dx%d at %g fps, fault=%s, in %s", count, *size, fps, fault, directory)
    return SimulatedSource(directory, port, api, fps, size, fault != "frame_drops", fault, colour, count)


def _write_clip(
    port: str,
    fmt: str,
    count: int,
    period: int,
    backdrop: str,
    fault: str | None,
    fps: float,
    size: tuple[int, int],
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    writer = None
    if fmt == "avi":
        writer = cv2.VideoWriter(port, cv2.CAP_FFMPEG, cv2.VideoWriter.fourcc(*"MJPG"), fps, size)
        if not writer.isOpened():
            raise RuntimeError("OpenCV cannot write MJPG .avi here (no FFmpeg backend)")
    try:
        for index in range(count):
            frame = render_scene(scene_at(index, period, backdrop=backdrop, fault=fault, size=size, rng=rng), size, rng)
            if writer is not None:
                writer.write(frame)
            elif not cv2.imwrite(port % index, frame, [cv2.IMWRITE_JPEG_QUALITY, 90]):
                raise RuntimeError(f"cannot write {port % index}")
    finally:
        if writer is not None:
            writer.release()


# --- synthetic enrollment photos ---------------------------------------------------


@functools.lru_cache(maxsize=4)
def _photo_base(backdrop: str) -> np.ndarray:
    """The noise-free 3:4 photo on `backdrop`, rendered once (read-only)."""
    base = render_scene(Scene(backdrop=backdrop, subjects=(PHOTO_SUBJECT,), noise=0.0), (480, 640))
    base.setflags(write=False)
    return base


def synthetic_face_jpeg(seed: int, birth_year: int) -> bytes:
    """A 3:4 480x640 JPEG (about 30-45 KB) of the simulator subject on the right backdrop.

    Deterministic for (seed, birth_year) and fast (a few ms): the composed photo is cached
    per backdrop and each seed only adds a small shift, a lighting change and sensor noise.
    For bulk synthetic enrollments; it is no one's biometric.
    """
    rng = np.random.default_rng([seed & 0xFFFFFFFF, birth_year & 0xFFFFFFFF])
    base = _photo_base(backdrop_for_birth_year(birth_year))
    dx, dy = rng.uniform(-6.0, 6.0, size=2)
    gain = rng.uniform(0.94, 1.06)
    move = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], np.float64)
    shifted = cv2.warpAffine(base, move, (480, 640), borderMode=cv2.BORDER_REPLICATE)
    noise = rng.normal(0.0, 2.5, size=(640, 480, 1)).astype(np.float32)
    photo = cv2.convertScaleAbs(shifted.astype(np.float32) * gain + noise)
    return encode_jpeg(photo)


# --- the simulated camera -----------------------------------------------------------


def create_simulated_camera(options: Mapping[str, Any]) -> OpenCvCamera:
    """Generate the clip described by `options` and return an OpenCvCamera reading it.

    Options: fault, birth_year, backdrop ("red"/"blue"), seed, fps (30), size ("640x480"),
    format ("avi" or "sequence"), seconds (2), drop_after_s (1), frame_timeout_s (2),
    open_timeout_s (5), required_passes (3). The camera's close() deletes the clip; a
    finaliser deletes it too if the camera is dropped without close().
    """
    port = "simulator"
    fault = str_option(options, "fault", FAULTS, port)
    fmt = str_option(options, "format", FORMATS, port) or "avi"
    backdrop = str_option(options, "backdrop", ("red", "blue"), port)
    fps = float_option(options, "fps", 30.0, port)
    size = size_option(options, "size", port) or (640, 480)
    source = generate_source(
        fault=fault,
        birth_year=int_option(options, "birth_year", None, port),
        backdrop=backdrop,
        seed=int_option(options, "seed", 0, port) or 0,
        fps=fps,
        size=size,
        seconds=float_option(options, "seconds", 2.0, port),
        fmt=fmt,
        drop_after_s=float_option(options, "drop_after_s", 1.0, port),
    )
    camera = OpenCvCamera(
        CameraSource(source.port, source.api_preference, live=False, fps=source.fps, loop=source.loop),
        driver="opencv-sim",
        simulated=True,
        requested_size=size,
        expected_fps=fps,
        open_timeout_s=float_option(options, "open_timeout_s", 5.0, port),
        frame_timeout_s=float_option(options, "frame_timeout_s", 2.0, port),
        required_passes=int_option(options, "required_passes", 3, port) or 3,
        on_close=source.cleanup,
        extra_info={"fault": fault, "backdrop": source.backdrop, "format": fmt},
    )
    weakref.finalize(camera, source.cleanup)
    return camera

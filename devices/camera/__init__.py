"""Camera drivers: OpenCV over cv2.VideoCapture (USB camera, file) and its simulator.

Found by the registry through the entry points ``devices.camera:OPENCV`` and
``devices.camera:OPENCV_SIM``. Importing this package never imports cv2: a station
without OpenCV gets a reason string from `unavailable_reason`, not an ImportError. The
helpers below import their modules on first use for the same reason.

Public API for the station and the app:

* `OPENCV`, `OPENCV_SIM` - DriverSpec objects; `create(settings)` returns an
  `OpenCvCamera` (a `devices.kinds.Camera`).
* `analyze_frame(frame_bgr, birth_year, analysis_width=320) -> FaceAnalysis`
* `synthetic_face_jpeg(seed, birth_year) -> bytes` for bulk synthetic enrollments.
* `FAULTS` - the simulator's fault names.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from common.text import Text
from devices.base import Device, DeviceKind
from devices.registry import DeviceSettings, DriverSpec

if TYPE_CHECKING:
    import numpy as np

    from devices.kinds import FaceAnalysis

log = logging.getLogger(__name__)

FAULTS = ("no_camera", "black_frames", "blur", "shaking", "frame_drops", "wrong_backdrop", "two_faces", "no_face")


def _opencv_reason() -> str | None:
    try:
        import cv2
    except Exception as exc:  # ImportError, or a broken native library
        return f"OpenCV (cv2) cannot be imported: {exc}"
    from pathlib import Path

    cascade = Path(cv2.data.haarcascades) / "haarcascade_frontalface_alt2.xml"  # type: ignore[attr-defined]
    if not cascade.exists():
        return f"OpenCV {cv2.__version__} ships no Haar cascades (needs opencv-python-headless<5)"
    return None


def _simulator_reason() -> str | None:
    reason = _opencv_reason()
    if reason is not None:
        return reason
    from pathlib import Path

    if not (Path(__file__).with_name("data") / "portrait.png").exists():
        return "simulator portrait devices/camera/data/portrait.png is missing"
    return None


def _create_opencv(settings: DeviceSettings) -> Device:
    from devices.camera.driver import OpenCvCamera
    from devices.camera.grabber import parse_source
    from devices.camera.options import float_option, size_option

    options = settings.options
    size = size_option(options, "size", settings.port)
    fps_given = "fps" in options
    fps = float_option(options, "fps", 30.0, settings.port)
    source = parse_source(settings.port, requested_size=size, fps=fps if fps_given else None)
    return OpenCvCamera(
        source,
        driver="opencv",
        requested_size=size,
        expected_fps=fps,
        frame_timeout_s=float_option(options, "frame_timeout_s", 2.0, settings.port),
    )


def _create_simulated(settings: DeviceSettings) -> Device:
    from devices.camera.simulator import create_simulated_camera

    return create_simulated_camera(settings.options)


def _probe(port: str, baud: int | None, timeout_s: float) -> bool:
    """True if `port` (index or path) opens and yields one frame within `timeout_s`. Never raises.

    The attempt runs on a throw-away daemon thread, because VideoCapture's constructor and
    read() cannot be interrupted; a camera that hangs is simply reported absent.
    """
    if _opencv_reason() is not None:
        return False
    result: list[bool] = []

    def attempt() -> None:
        try:
            from devices.camera.grabber import open_video_capture, parse_source

            cap = open_video_capture(parse_source(port))
            try:
                ok, frame = cap.read() if cap.isOpened() else (False, None)
                result.append(bool(ok) and frame is not None)
            finally:
                cap.release()
        except Exception as exc:
            log.debug("camera probe of %s failed: %s", port, exc)
            result.append(False)

    try:
        thread = threading.Thread(target=attempt, name=f"camera-probe:{port}", daemon=True)
        thread.start()
        thread.join(max(0.0, timeout_s))
    except Exception as exc:
        log.debug("camera probe of %s could not run: %s", port, exc)
        return False
    return bool(result and result[0])


OPENCV = DriverSpec(
    name="opencv",
    kind=DeviceKind.CAMERA,
    simulated=False,
    title=Text("Kamera USB (OpenCV)", "USB camera (OpenCV)"),
    create=_create_opencv,
    unavailable_reason=_opencv_reason,
    probe=_probe,
)

OPENCV_SIM = DriverSpec(
    name="opencv-sim",
    kind=DeviceKind.CAMERA,
    simulated=True,
    title=Text("Kamera simulasi", "Simulated camera"),
    create=_create_simulated,
    unavailable_reason=_simulator_reason,
)


def analyze_frame(frame_bgr: np.ndarray, birth_year: int | None, *, analysis_width: int = 320) -> FaceAnalysis:
    """Run the face photo checks on one BGR frame (see devices.camera.face_checks)."""
    from devices.camera.face_checks import analyze_frame as impl

    return impl(frame_bgr, birth_year, analysis_width=analysis_width)


def synthetic_face_jpeg(seed: int, birth_year: int) -> bytes:
    """A deterministic 3:4 JPEG of the simulator subject on the e-KTP backdrop for `birth_year`."""
    from devices.camera.simulator import synthetic_face_jpeg as impl

    return impl(seed, birth_year)


__all__ = ["FAULTS", "OPENCV", "OPENCV_SIM", "analyze_frame", "synthetic_face_jpeg"]

"""Camera benchmark: face-analysis rate, and whether the preview keeps the source rate while analysis runs.

Keys: face_analysis_fps (analyze_frame on 640x480 simulator frames, one thread; goal >= 15),
preview_fps (frames delivered to a preview consumer while a capture's analysis thread
runs, over PREVIEW_S seconds), source_fps (the simulated source's rate), preview_vs_source
(their ratio; 1.0 means analysis costs the preview nothing), plus analysed_fps_in_camera
(how many frames the analysis thread got through meanwhile) and synthetic_face_jpeg_ms.

Run: ``.venv/bin/python benchmarks/bench_devices_cam.py [--json]``; the last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from typing import Any

import numpy as np

from devices.base import DeviceKind
from devices.camera import OPENCV_SIM, analyze_frame, synthetic_face_jpeg
from devices.camera.driver import OpenCvCamera
from devices.camera.scene import Scene, Subject, render_scene, sway
from devices.kinds import FaceAnalysis
from devices.registry import DeviceSettings

log = logging.getLogger(__name__)

SOURCE_FPS = 30.0
ANALYSIS_S = 3.0
PREVIEW_S = 4.0


def _frames(count: int = 12) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(count):
        dx, dy, roll, gain = sway(i, float(count))
        subject = Subject(cx=0.5 + dx, crown_y=0.17 + dy, roll_deg=roll)
        out.append(render_scene(Scene("red", (subject,), gain=gain), (640, 480), rng))
    return out


def measure_analysis(seconds: float = ANALYSIS_S) -> float:
    frames = _frames()
    analyze_frame(frames[0], 1991)  # load the cascades outside the timing
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        analyze_frame(frames[done % len(frames)], 1991)
        done += 1
    return done / (time.perf_counter() - started)


def measure_preview(seconds: float = PREVIEW_S) -> tuple[float, float]:
    """(preview fps, analyses per second) while a capture that never auto-captures runs."""
    settings = DeviceSettings(DeviceKind.CAMERA, driver="opencv-sim", options={"birth_year": 1991, "fps": SOURCE_FPS})
    camera = OPENCV_SIM.create(settings)
    assert isinstance(camera, OpenCvCamera)
    stamps: list[float] = []
    analyses: list[float] = []
    manual = threading.Event()

    def on_analysis(frame: np.ndarray, analysis: FaceAnalysis) -> None:
        analyses.append(time.monotonic())

    try:
        camera.start_preview(lambda frame: stamps.append(time.monotonic()))
        timer = threading.Timer(seconds + 0.5, manual.set)
        timer.start()
        # birth year 1990 asks for a blue backdrop: the red one never passes, so analysis runs throughout
        camera.capture_photo(birth_year=1990, timeout_s=seconds + 10.0, manual=manual, on_analysis=on_analysis)
        timer.cancel()
    finally:
        camera.close()
    start = stamps[0] + 0.5
    window = [t for t in stamps if start <= t <= start + seconds]
    preview = (len(window) - 1) / (window[-1] - window[0])
    analysed = [t for t in analyses if start <= t <= start + seconds]
    return preview, len(analysed) / seconds


def measure_synthetic(count: int = 50) -> float:
    synthetic_face_jpeg(0, 1991)
    started = time.perf_counter()
    for seed in range(count):
        synthetic_face_jpeg(seed, 1990 + seed % 2)
    return (time.perf_counter() - started) / count * 1000.0


def measure() -> dict[str, Any]:
    face_fps = measure_analysis()
    preview_fps, analysed_fps = measure_preview()
    return {
        "face_analysis_fps": round(face_fps, 1),
        "preview_fps": round(preview_fps, 1),
        "source_fps": SOURCE_FPS,
        "preview_vs_source": round(preview_fps / SOURCE_FPS, 3),
        "analysed_fps_in_camera": round(analysed_fps, 1),
        "synthetic_face_jpeg_ms": round(measure_synthetic(), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    args = parser.parse_args()
    result = measure()
    if not args.json:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

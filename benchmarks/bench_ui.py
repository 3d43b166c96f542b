"""UI benchmark: one scripted enrollment through the real widgets of the app, with the
simulated camera, fingerprint module and signature pad (device pacing off), while a
timer on the GUI thread measures how long the event loop is ever kept from running.

Phases, each measured with the same stall monitor (a 2 ms precise QTimer; a stall is
the gap between two ticks beyond the interval):
- enrollment: (the counter idle first, as between two residents, so the app has
  built the next wizard and laid out its pages) "New enrollment" clicked, demographics
  typed in, photo captured automatically from the live preview, ten fingers, signature
  (signed again if refused, as an operator would: `signature_retries`), review, seal,
  and the receipt written; `enroll_software_s` is its wall time (goal <= 2);
- preview: the photo step's live preview with the face checks running for a few
  seconds (the simulated camera's wrong_backdrop fault keeps one check red, so no
  capture ends the preview).

Prints one JSON object last: enroll_software_s, max_stall_ms (goal <= 50),
p99_stall_ms (goal <= 16), the same per phase with the stalls over 16 ms and when each
step was entered, frames painted, and the machine (with a calibration time).

    python benchmarks/bench_ui.py [--json] [--preview-s 5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QElapsedTimer, Qt, QTimer  # noqa: E402

from common.biometrics import FACE, SIGNATURE  # noqa: E402
from devices.base import DeviceKind  # noqa: E402
from station.config import save_config  # noqa: E402
from station.core import StationCore  # noqa: E402
from station.synthetic import synthetic_resident  # noqa: E402
from station.workflow import Step  # noqa: E402

PASSWORD = "benchmark-ui-1"
TICK_MS = 2


class StallMonitor:
    """Records the gaps between ticks of a precise GUI-thread timer."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self.big: list[tuple[float, float, str]] = []  # (at s, stall ms, where) for stalls > 16 ms
        self.where = lambda: ""
        self.entered: list[tuple[str, float]] = []  # (where, at s) each time `where` changes
        self._last: int | None = None

    def start(self) -> None:
        self.gaps = []
        self.big = []
        self.entered = []
        self.clock.start()
        self._last = None
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.gaps

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        where = self.where()
        if not self.entered or self.entered[-1][0] != where:
            self.entered.append((where, round(now / 1e9, 3)))
        if self._last is not None:
            gap = max(0.0, (now - self._last) / 1e6 - TICK_MS)
            self.gaps.append(gap)
            if gap > 16:
                self.big.append((round(now / 1e9, 3), round(gap, 1), where))
        self._last = now


def summary(gaps: list[float]) -> dict[str, Any]:
    if not gaps:
        return {"max_stall_ms": 0.0, "p99_stall_ms": 0.0, "ticks": 0}
    ordered = sorted(gaps)
    return {
        "max_stall_ms": round(ordered[-1], 1),
        "p99_stall_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
        "ticks": len(ordered),
    }


def calibration_ms() -> float:
    """A fixed single-threaded workload (Python loop, hashing, a numpy reduction), best
    of three: how fast this machine is right now, to read the figures against (25-35 ms
    on the shared 2-core machine these figures were first taken on)."""
    import hashlib

    import numpy as np

    data = os.urandom(4 << 20)
    a = np.random.default_rng(1).random((512, 512))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        total = 0
        for i in range(300_000):
            total += i * i % 7
        hashlib.sha256(data).digest()
        float((a @ a).sum())
        best = min(best, time.perf_counter() - t)
    return round(best * 1000, 1)


def wait_until(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        QCoreApplication.processEvents()
        time.sleep(0.0005)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--preview-s", type=float, default=5.0)
    args = ap.parse_args()
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "station"
        os.environ["STATION_HOME"] = str(home)
        result = run(home, args.preview_s, say)
    print(json.dumps(result))


def run(home: Path, preview_s: float, say: Any) -> dict[str, Any]:
    from ui import i18n
    from ui.app_context import AppContext
    from ui.main_window import MainWindow
    from ui.tasks import Tasks
    from ui.wizard.photo import PhotoPage
    from ui.wizard.signature import SignaturePage

    core = StationCore.init(
        station_code="320412-01",
        station_name="bench",
        supervisor="spv",
        supervisor_name="Bench",
        password=PASSWORD,
        home=home,
    )
    resident = synthetic_resident(5, date.today()).demographics
    core.config.demo = True
    core.config.camera.driver = "opencv-sim"
    core.config.fingerprint.driver = "ef01-sim"
    core.config.signature.driver = "isdv4-sim"
    core.config.fingerprint.options.update(appear_after=1)
    # The pad's packets back to back at the line rate (19200 baud: 213 a second) and the
    # hand 15x faster: a signature then takes about 0.2 s and still has 10 points or
    # more. At 20x and the pad's usual 133 packets a second, about 7 in 100 simulated
    # signatures had fewer than 8 points and were rightly refused as trivial.
    core.config.signature.options.update(tempo=15.0, packet_rate="line")
    save_config(core.config, home)
    from ui.app import make_app

    app = make_app()  # the app's own QApplication settings
    i18n.install(app, "id")  # type: ignore[arg-type]
    ctx = AppContext(core, Tasks(), lang="id")
    window = MainWindow(ctx)
    window.resize(1366, 768)
    window.show()
    monitor = StallMonitor()
    try:
        window.login_page.username.setText("spv")
        window.login_page.password.setText(PASSWORD)
        window.login_page.button.click()
        wait_until(lambda: window.stack.currentWidget() is window.home, 30, "login")
        wait_until(lambda: all(s.state == "ready" for s in ctx.devices.states.values()), 60, "devices")
        # The counter between residents: the app builds the next wizard while idle.
        wait_until(lambda: window.spare.ready, 10, "the next resident's wizard")
        say("devices open; enrolling ...")

        monitor.where = lambda: str(window.controller.workflow.step) if window.controller else "home"
        monitor.start()
        started = time.perf_counter()
        window.home.new_button.click()
        wait_until(lambda: window.wizard_page is not None, 10, "the wizard")
        page = window.wizard_page
        assert page is not None and window.controller is not None
        wf = window.controller.workflow
        sig = page.pages[Step.SIGNATURE]
        assert isinstance(sig, SignaturePage)
        sig.idle_finish_s = 0.15
        demo = page.pages[Step.DEMOGRAPHICS]
        demo.fill(resident, {})  # type: ignore[attr-defined]
        demo.next_button.click()  # type: ignore[attr-defined]
        wait_until(lambda: FACE in wf.enrollment.items, 60, "the photo")
        wait_until(lambda: wf.complete(Step.FINGERPRINTS), 120, "ten fingers")
        retries = [0]

        def signed() -> bool:
            # Refused (too short, say): the operator asks again, as at the counter.
            if sig.retry_button.isVisible() and not sig.capturing and retries[0] < 3:
                retries[0] += 1
                sig.retry_button.click()
            return SIGNATURE in wf.enrollment.items

        wait_until(signed, 60, "the signature")
        wait_until(lambda: wf.step == Step.REVIEW, 10, "the review")
        review = page.pages[Step.REVIEW]
        controller = window.controller
        wait_until(lambda: page.stack.currentWidget() is review and not controller.busy, 10, "the review page")
        review.seal_button.click()  # type: ignore[attr-defined]
        wait_until(lambda: page.sealed_page.pdf_path is not None, 30, "seal + receipt")
        enroll_s = time.perf_counter() - started
        enroll = summary(monitor.stop())
        enroll["stalls_over_16ms"] = monitor.big
        enroll["signature_retries"] = retries[0]
        enroll["steps_entered_at_s"] = monitor.entered
        say(f"enrolled in {enroll_s:.2f} s; preview soak {preview_s:.0f} s ...")
        page.sealed_page.next_button.click()
        wait_until(lambda: window.stack.currentWidget() is window.home, 10, "home")

        # Preview soak: the wrong backdrop keeps the checks red, so the preview just runs.
        core.config.camera.options["fault"] = "wrong_backdrop"
        ctx.devices.reset(DeviceKind.CAMERA)  # re-opened with the new option by the photo step
        window.home.new_button.click()
        wait_until(lambda: window.wizard_page is not None, 10, "the wizard")
        page = window.wizard_page
        assert page is not None
        demo = page.pages[Step.DEMOGRAPHICS]
        demo.fill(resident, {})  # type: ignore[attr-defined]
        demo.next_button.click()  # type: ignore[attr-defined]
        photo = page.pages[Step.PHOTO]
        assert isinstance(photo, PhotoPage)
        wait_until(lambda: photo.preview.frames_painted > 0, 30, "the preview")
        painted0 = photo.preview.frames_painted
        monitor.start()
        t0 = time.perf_counter()
        wait_until(lambda: time.perf_counter() - t0 >= preview_s, preview_s + 5, "the soak")
        preview = summary(monitor.stop())
        preview["stalls_over_16ms"] = monitor.big
        fps = (photo.preview.frames_painted - painted0) / (time.perf_counter() - t0)
    finally:
        window.close()
        ctx.close()
        core.close()
    worst = max(enroll["max_stall_ms"], preview["max_stall_ms"])
    p99 = max(enroll["p99_stall_ms"], preview["p99_stall_ms"])
    return {
        "enroll_software_s": round(enroll_s, 2),
        "max_stall_ms": worst,
        "p99_stall_ms": p99,
        "enrollment": enroll,
        "preview": {**preview, "seconds": preview_s, "frames_painted_per_s": round(fps, 1)},
        "goals": {"enroll_software_s": "<= 2", "max_stall_ms": "<= 50", "p99_stall_ms": "<= 16"},
        "machine": {"cpus": os.cpu_count(), "calibration_ms": calibration_ms()},
    }


if __name__ == "__main__":
    main()

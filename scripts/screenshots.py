"""Render the app's screens offscreen into docs/screenshots/ (Bahasa Indonesia, 1366x768).

A throwaway demo station with the demo's simulated kit (camera opencv-sim, SBI slap
scanner sbi-finger-sim, signature pad isdv4-sim, SBI dual-iris camera sbi-iris-sim); the
real MainWindow is driven through one enrollment and each screen is grabbed on the way:
the photo step with its live preview and checks, the signature with its strokes, the
slap view after its first slap (while the second one's live preview runs), the iris
step with its live preview and checks:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py

Only this station is slowed down for the grabs: the camera never takes the photo by
itself (it is taken by hand once every check is green), the pad's capture waits for Done
instead of ending on an idle pen, and the slap scanner holds each capture two seconds so
that its live preview is on screen. The look-up page, the receipt, the queue and the
consoles have their own shots (made with the tests of those screens).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "latihan-demo-1"


def wait_until(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        QCoreApplication.processEvents()
        time.sleep(0.005)


def settle(seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.005)


def wait_quiet(count: Any, quiet_s: float, timeout_s: float, what: str) -> None:
    """Wait until `count()` has not changed for `quiet_s` (a pen lifted at the end of a
    signature), at most `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    last, since = count(), time.monotonic()
    while time.monotonic() - since < quiet_s:
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        QCoreApplication.processEvents()
        time.sleep(0.005)
        now = count()
        if now != last:
            last, since = now, time.monotonic()


def grab(widget: QWidget, name: str) -> None:
    settle()
    widget.grab().save(str(OUT / name))
    print(f"wrote docs/screenshots/{name}")  # noqa: T201 - a developer script


def main() -> None:
    from station.auth import Role, User
    from station.config import save_config
    from station.core import StationCore
    from station.enroll_synthetic import enroll_synthetic
    from station.synthetic import synthetic_resident
    from station.workflow import Step
    from ui import i18n
    from ui.app import make_app
    from ui.app_context import AppContext
    from ui.main_window import MainWindow
    from ui.setup import SetupDialog
    from ui.tasks import Tasks
    from ui.wizard.signature import SignaturePage

    OUT.mkdir(parents=True, exist_ok=True)
    app = make_app()
    i18n.install(app, "id")
    with tempfile.TemporaryDirectory() as tmp:
        tasks = Tasks()
        setup = SetupDialog(Path(tmp) / "new", tasks, "id")
        setup.code.setText("320412-01")
        setup.name.setText("Kecamatan Contoh, loket 1")
        setup.demo.setChecked(True)
        setup.show()
        grab(setup, "setup.png")
        setup.close()

        home = Path(tmp) / "station"
        os.environ["STATION_HOME"] = str(home)
        core = StationCore.init(
            station_code="320412-01",
            station_name="Kecamatan Contoh, loket 1 (DEMO / LATIHAN)",
            supervisor="supervisor",
            supervisor_name="Supervisor Latihan",
            password=PASSWORD,
            home=home,
        )
        core.config.demo = True
        core.config.camera.driver = "opencv-sim"
        core.config.fingerprint.driver = "sbi-finger-sim"
        core.config.signature.driver = "isdv4-sim"
        core.config.iris.driver = "sbi-iris-sim"
        core.config.camera.options.update(required_passes=100_000)  # the photo is taken by hand
        core.config.fingerprint.options.update(capture_delay_s=2.0)  # each slap's preview stays on screen
        core.config.signature.options.update(tempo=4.0)
        SignaturePage.idle_finish_s = None  # the capture ends on Done, after the grab
        save_config(core.config, home)
        spv = User("supervisor", "Supervisor Latihan", Role.SUPERVISOR)
        enroll_synthetic(core, 12, seed=40, operator=spv, approver=spv)
        ctx = AppContext(core, tasks, lang="id")
        w = MainWindow(ctx)
        w.resize(1366, 768)
        w.show()
        grab(w, "login.png")
        w.login_page.username.setText("supervisor")
        w.login_page.password.setText(PASSWORD)
        w.login_page.button.click()
        wait_until(lambda: w.stack.currentWidget() is w.home, 30, "login")
        tickets = w.home.tickets
        wait_until(lambda: tickets.snapshot is not None, 30, "tickets panel")
        for n, name in enumerate(("SITI AMINAH", "BUDI SANTOSO", ""), start=1):
            # The button is off while the previous ticket is being issued: a click then is lost.
            wait_until(lambda: tickets.issue_button.isEnabled(), 30, "the issue button")
            tickets.name_edit.setText(name)
            tickets.issue_button.click()
            wait_until(lambda n=n: tickets.waiting.rowCount() == n, 30, f"ticket {n}")
        wait_until(lambda: all(s.state == "ready" for s in ctx.devices.states.values()), 60, "devices")
        wait_until(lambda: tickets.waiting.rowCount() == 3, 30, "tickets")
        grab(w, "home.png")

        resident = synthetic_resident(31, date.today()).demographics
        tickets.call_next_button.click()
        wait_until(lambda: w.wizard_page is not None, 30, "wizard")
        page = w.wizard_page
        assert page is not None and w.controller is not None
        wf = w.controller.workflow
        demo = page.pages[Step.DEMOGRAPHICS]
        demo.fill(resident, {})  # type: ignore[attr-defined]
        demo.line("nik").setText(resident.nik[:6] + "3112" + resident.nik[10:])  # type: ignore[attr-defined]
        wait_until(lambda: demo.next_button.isEnabled(), 30, "the new draft saved")  # type: ignore[attr-defined]
        demo.next_button.click()  # type: ignore[attr-defined]
        errors = demo.errors.values()  # type: ignore[attr-defined]
        wait_until(lambda: any(e.text() for e in errors), 10, "refusal")
        grab(w, "wizard-demographics.png")
        demo.line("nik").setText(resident.nik)  # type: ignore[attr-defined]
        demo.next_button.click()  # type: ignore[attr-defined]

        photo = page.pages[Step.PHOTO]
        checks = photo.checks  # type: ignore[attr-defined]
        wait_until(
            lambda: (
                page.current is photo
                and photo.preview.frames_painted >= 10  # type: ignore[attr-defined]
                and all(checks.passed(name) for name in checks.rows)
            ),
            60,
            "the photo preview with every check green",
        )
        grab(w, "wizard-photo.png")
        photo.manual_button.click()  # type: ignore[attr-defined]

        wait_until(lambda: wf.step == Step.SIGNATURE, 60, "the photo saved")
        signature = page.pages[Step.SIGNATURE]
        canvas = signature.canvas  # type: ignore[attr-defined]
        wait_until(lambda: page.current is signature and canvas.ink_points > 0, 60, "the pen on the pad")
        wait_quiet(lambda: canvas.points_seen, 1.0, 60, "the end of the signature")
        grab(w, "wizard-signature.png")
        signature.done_button.click()  # type: ignore[attr-defined]

        wait_until(lambda: wf.step == Step.FINGERPRINTS, 60, "the signature saved")
        fingers = page.pages[Step.FINGERPRINTS]
        wait_until(lambda: page.current is fingers and fingers.slaps is not None, 60, "the slap scanner")  # type: ignore[attr-defined]
        slaps = fingers.slaps  # type: ignore[attr-defined]
        wait_until(
            lambda: len(slaps.kept) >= 1 and slaps.capturing and slaps.preview_frames >= 3,
            60,
            "the first slap kept and the second one's live preview",
        )
        grab(w, "wizard-fingers.png")

        wait_until(lambda: wf.step == Step.IRIS, 120, "the slaps")
        iris = page.pages[Step.IRIS]
        wait_until(lambda: page.current is iris and iris.analyses_shown >= 3, 60, "the iris preview")  # type: ignore[attr-defined]
        grab(w, "wizard-iris.png")
        iris.capture_button.click()  # type: ignore[attr-defined]
        wait_until(lambda: wf.step == Step.REVIEW and not w.controller.busy, 120, "captures")
        review = page.pages[Step.REVIEW]
        wait_until(lambda: len(review.images) >= 12, 30, "review images")  # type: ignore[attr-defined]
        grab(w, "wizard-review.png")
        review.seal_button.click()  # type: ignore[attr-defined]
        wait_until(lambda: page.sealed_page.pdf_path is not None, 30, "seal")
        grab(w, "wizard-sealed.png")
        page.sealed_page.next_button.click()
        wait_until(lambda: w.stack.currentWidget() is w.home, 10, "home")
        w.resize(1366, 768)  # the sealed page's receipt made the window taller
        w.lock()
        grab(w, "lock.png")
        w.close()
        ctx.close()
        core.close()


if __name__ == "__main__":
    main()

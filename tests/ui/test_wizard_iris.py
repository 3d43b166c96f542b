"""The wizard's iris step against the SBI simulator's dual-iris camera over real
loopback HTTP: the live preview with the station's checks (value and limit), both
eyes captured into the workflow, an eye-closed fault named with what to do (the
resident's, the camera stays ready), a low-quality capture held for the operator, a
busy or unregistered camera named with its remedy (the camera's fault), and a missing
eye approved by a supervisor so the step completes with one eye."""

from __future__ import annotations

from typing import Any

import pytest

from common.biometrics import IRIS_LEFT, IRIS_RIGHT, ITEM_EXCEPTION_LABELS, ItemException
from devices.base import DeviceKind
from devices.iris.quality import MEASURE_NAMES
from station.device_manager import FAULT, READY
from station.workflow import Step
from tests.ui.test_capture_pages import WAIT_MS, approve, shown, when_modal, wizard_for
from ui.widgets import SupervisorDialog


def iris_wizard(ctx: Any, *, fault: str | None = None) -> Any:
    """A workflow whose next step is the iris, with the simulated SBI iris camera."""
    ctx.core.config.iris.driver = "sbi-iris-sim"
    ctx.core.config.iris.options.update(capture_delay_s=0.05)
    if fault is not None:
        ctx.core.config.iris.options["fault"] = fault
    return wizard_for(ctx)


def test_the_preview_shows_each_check_live_and_capture_takes_both_eyes(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.iris import IrisPage

    wizard = iris_wizard(supervisor_ctx)
    page = shown(qtbot, IrisPage(supervisor_ctx, wizard))
    # Frames arrive over the STREAM, and the checks of both eyes show values and limits.
    qtbot.waitUntil(lambda: page.frames_shown >= 2 and page.analyses_shown >= 1, timeout=WAIT_MS)
    assert page.preview.frames_painted > 0 or page.preview.frame is not None
    for eye in ("right", "left"):
        for name in MEASURE_NAMES:
            assert page.checks.passed(eye, name) is not None, (eye, name)
            assert any(ch.isdigit() for ch in page.checks.text(eye, name)), (eye, name)
        assert page.checks.passed(eye, "device_score") is None  # the device scores a capture only
    assert page.checks.limits["pupil_iris_ratio"].text() == "20–70"
    assert page.checks.limits["iris_pupil_concentricity"].text() == "≥ 90"
    assert page.checks.limits["device_score"].text() == "≥ 60"
    assert all(page.checks.passed("right", name) for name in MEASURE_NAMES)  # the simulator's eyes are good
    assert not wizard.workflow.enrollment.items.get(IRIS_RIGHT)  # nothing is taken before Capture

    assert page.capture_button.isEnabled()
    page.capture_button.click()
    wf = wizard.workflow
    qtbot.waitUntil(lambda: IRIS_LEFT in wf.enrollment.items and IRIS_RIGHT in wf.enrollment.items, timeout=WAIT_MS)
    for kind in (IRIS_LEFT, IRIS_RIGHT):
        item = wf.enrollment.items[kind]
        assert item.payload and item.device_driver == "sbi-iris-sim" and item.simulated
        assert item.exception_reason is None
    assert wf.complete(Step.IRIS)
    qtbot.waitUntil(lambda: page.messages.shown == "saved", timeout=WAIT_MS)
    for eye in ("right", "left"):
        assert page.checks.passed(eye, "device_score") is True and "88" in page.checks.text(eye, "device_score")
        assert not page.boxes[eye].image.pixmap().isNull()
    assert page.checks.source.text()  # says the values are the captured images' now
    assert not page.capturing and page.recapture_button.isEnabled()
    page.leave()

    # Back on the done step (a fresh page, as after a language switch): the kept eyes are
    # shown from their records, and nothing is captured again until Recapture.
    again = shown(qtbot, IrisPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: not again.boxes["left"].image.pixmap().isNull(), timeout=WAIT_MS)
    assert not again.boxes["right"].image.pixmap().isNull()
    assert not again.capturing and again.recapture_button.isEnabled()
    again.leave()


def test_an_eye_closed_is_named_with_what_to_do_and_nothing_is_kept(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.iris import IrisPage

    wizard = iris_wizard(supervisor_ctx, fault="eye_closed")
    page = shown(qtbot, IrisPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.analyses_shown >= 1, timeout=WAIT_MS)
    assert page.checks.passed("right", "usable_iris_area") is False  # a closed eye shows no iris
    page.capture_button.click()
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=WAIT_MS)
    text = page.status.line.text()
    assert "101" in text and "membuka" in text  # the device's code, and the remedy (in Bahasa Indonesia)
    wf = wizard.workflow
    assert IRIS_LEFT not in wf.enrollment.items and IRIS_RIGHT not in wf.enrollment.items
    assert supervisor_ctx.devices.states[DeviceKind.IRIS].state == READY  # the resident's eye, not the camera
    page.leave()


def test_a_missing_eye_approved_by_a_supervisor_completes_the_step_with_one_eye(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.iris import IrisPage

    wizard = iris_wizard(supervisor_ctx)
    wf = wizard.workflow
    page = shown(qtbot, IrisPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.capturing, timeout=WAIT_MS)
    page.boxes["left"].exception_button.click()
    assert not page.capturing or page._handle is None or page._handle.cancel_token.cancelled
    panel = page.exception_panel
    assert panel.isVisible()
    panel.reason.setCurrentIndex(panel.reason.findData(ItemException.EYE_MISSING))
    timer = when_modal(SupervisorDialog, approve(qtbot, []))
    panel.confirm_button.click()
    timer.stop()
    qtbot.waitUntil(lambda: IRIS_LEFT in wf.enrollment.items, timeout=WAIT_MS)
    left = wf.enrollment.items[IRIS_LEFT]
    assert (
        left.exception_reason == ItemException.EYE_MISSING.value and left.approved_by == "spv" and left.payload is None
    )
    assert not wf.complete(Step.IRIS)

    # The session starts again for the right eye alone.
    qtbot.waitUntil(lambda: page._session_eyes == "right" and page.capturing, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.analyses_shown >= 1, timeout=WAIT_MS)
    assert set(page.preview.analysis) == {"right"}  # one eye fills the frame now
    page.capture_button.click()
    qtbot.waitUntil(lambda: IRIS_RIGHT in wf.enrollment.items, timeout=WAIT_MS)
    assert wf.enrollment.items[IRIS_RIGHT].payload
    assert wf.enrollment.items[IRIS_LEFT].exception_reason == ItemException.EYE_MISSING.value
    assert wf.complete(Step.IRIS)
    missing = supervisor_ctx.t(ITEM_EXCEPTION_LABELS[ItemException.EYE_MISSING])
    qtbot.waitUntil(lambda: missing in page.boxes["left"].note.text(), timeout=WAIT_MS)
    assert page.checks.passed("left", "device_score") is None  # nothing measured for the missing eye
    page.leave()


def test_a_low_quality_capture_is_held_with_what_to_do_until_recaptured_or_kept(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.iris import IrisPage

    wizard = iris_wizard(supervisor_ctx, fault="low_quality")
    wf = wizard.workflow
    page = shown(qtbot, IrisPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.capturing and page.analyses_shown >= 1, timeout=WAIT_MS)
    page.capture_button.click()
    qtbot.waitUntil(lambda: page.messages.shown == "held", timeout=WAIT_MS)
    assert "60" in page.status.line.text() and page.keep_button.isVisible()  # the device's 38 against MOSIP's 60
    assert page.checks.passed("right", "device_score") is False and "38" in page.checks.text("right", "device_score")
    assert IRIS_LEFT not in wf.enrollment.items and IRIS_RIGHT not in wf.enrollment.items
    assert page.recapture_button.isEnabled()
    page.keep_button.click()  # the operator's decision: kept as they are
    qtbot.waitUntil(lambda: wf.complete(Step.IRIS), timeout=WAIT_MS)
    assert wf.enrollment.items[IRIS_RIGHT].quality == 38.0
    page.leave()


@pytest.mark.parametrize(("fault", "code"), [("busy", 111), ("not_registered", 100)])
def test_a_busy_or_unregistered_camera_is_named_with_its_remedy_and_shown_faulty(
    qtbot, supervisor_ctx, fault: str, code: int
) -> None:  # type: ignore[no-untyped-def]
    from devices.sbi.errors import DEVICE_CODES
    from ui.wizard.iris import IrisPage

    wizard = iris_wizard(supervisor_ctx, fault=fault)
    page = shown(qtbot, IrisPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=WAIT_MS)
    text = page.status.line.text()
    assert DEVICE_CODES[code].remedy.id in text, text  # what to do, in Bahasa Indonesia
    assert supervisor_ctx.devices.states[DeviceKind.IRIS].state == FAULT  # the camera's problem this time
    assert IRIS_LEFT not in wizard.workflow.enrollment.items and not page.capturing
    page.leave()


def test_frames_that_arrive_while_one_is_analysed_are_dropped_except_the_newest(
    qtbot, supervisor_ctx, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import threading

    import numpy as np

    import ui.wizard.iris as iris_module
    from common.progress import CancelToken
    from ui.tasks import TaskHandle

    release = threading.Event()
    analysed: list[int] = []

    def slow_checks(frame: np.ndarray, eyes: str) -> dict[str, Any]:
        analysed.append(int(frame[0, 0, 0]))
        assert release.wait(10), "the test never released the analysis"
        return {}

    monkeypatch.setattr(iris_module, "assess_preview", slow_checks)
    page = iris_module.IrisPage(supervisor_ctx, iris_wizard(supervisor_ctx))
    qtbot.addWidget(page)
    page._active = True
    page._handle = TaskHandle(CancelToken())  # a session running (its frames are shown)
    for n in range(1, 6):  # five frames while the first is still being analysed
        page._show_frame(np.full((240, 640, 3), n, np.uint8))  # returns at once: the GUI thread never waits
    assert page.frames_shown == 5
    qtbot.waitUntil(lambda: analysed == [1], timeout=WAIT_MS)
    release.set()
    qtbot.waitUntil(lambda: analysed == [1, 5] and not page._analysing, timeout=WAIT_MS)  # 2-4 dropped
    assert page.analyses_shown == 2
    page._handle.finished.set()


def test_a_late_answer_of_an_older_session_leaves_the_running_one_alone(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from common.errors import Cancelled
    from ui.tasks import Failure
    from ui.wizard.iris import IrisPage

    wizard = iris_wizard(supervisor_ctx)
    page = shown(qtbot, IrisPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.capturing and page.analyses_shown >= 1, timeout=WAIT_MS)
    running = page._handle
    # A cancelled session's answer reaches the GUI thread after the next session began
    # (its task stopped `running` on the worker first): it must not end the new one.
    page._failed(page._session - 1, Failure(Cancelled(), ""))
    assert page._handle is running and page.capturing and page.capture_button.isEnabled()
    page.capture_button.click()
    qtbot.waitUntil(lambda: wizard.workflow.complete(Step.IRIS), timeout=WAIT_MS)
    page.leave()

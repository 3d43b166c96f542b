"""The three capture steps of the wizard, driven through their real widgets against
the simulated camera, fingerprint module and signature pad."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from common.biometrics import FACE, SIGNATURE, CapturedItem, FingerPosition, ItemException
from devices.base import DeviceKind
from station.auth import Role
from station.captures import face_capture
from station.device_manager import FAULT, READY
from station.synthetic import synthetic_resident
from station.workflow import EnrollmentWorkflow, Step
from tests.conftest import SUPERVISOR_PASSWORD
from tests.ui.conftest import spv_session
from ui.widgets import ERROR_STYLE, SupervisorDialog
from ui.wizard.base import WizardController

WAIT_MS = 20_000


def wizard_for(ctx: Any, seed: int = 7) -> WizardController:
    """A workflow past its demographics step, with the simulated camera set to the
    backdrop the resident's birth year calls for (the trainer's `birth_year` option)."""
    demographics = synthetic_resident(seed, date.today()).demographics
    wf = EnrollmentWorkflow(ctx.core.enrollments, ctx.user)
    wf.submit_demographics(demographics)
    ctx.core.config.camera.options["birth_year"] = demographics.tanggal_lahir.year
    ctx.core.config.signature.options.update(tempo=3.0)
    return WizardController(ctx, wf)


def synthetic_face(wf: EnrollmentWorkflow) -> CapturedItem:
    from devices.base import DeviceInfo
    from devices.camera import synthetic_face_jpeg
    from devices.kinds import FaceAnalysis, FaceCapture

    assert wf.enrollment.demographics is not None
    jpeg = synthetic_face_jpeg(1, wf.enrollment.demographics.tanggal_lahir.year)
    device = DeviceInfo(DeviceKind.CAMERA, "opencv-sim", "sim", "unknown", "-", "simulator", True)
    return face_capture(FaceCapture(jpeg, FaceAnalysis([], None), 480, 640, device, automatic=True))


def shown(qtbot: Any, page: Any) -> Any:
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.enter()
    return page


# --- photo ---------------------------------------------------------------------------


def test_photo_previews_checks_and_captures_automatically(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.photo import PhotoPage

    wizard = wizard_for(supervisor_ctx)
    page = shown(qtbot, PhotoPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: FACE in wizard.workflow.enrollment.items, timeout=WAIT_MS)
    item = wizard.workflow.enrollment.items[FACE]
    assert item.format == "jpeg" and item.device_driver == "opencv-sim" and item.simulated
    assert wizard.workflow.step == Step.SIGNATURE  # the e-KTP order: the signature follows the photo
    assert page.preview.frames_painted > 0
    assert all(page.checks.passed(name) for name in page.checks.rows)
    assert not page.photo_label.pixmap().isNull()
    qtbot.waitUntil(lambda: page.retake_button.isEnabled(), timeout=WAIT_MS)
    assert not page.manual_button.isEnabled()

    first = item.payload
    page.retake_button.click()
    qtbot.waitUntil(lambda: FACE not in wizard.workflow.enrollment.items or page.capturing, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: FACE in wizard.workflow.enrollment.items and wizard.workflow.enrollment.items[FACE].payload != first,
        timeout=WAIT_MS,
    )
    page.leave()


def test_a_failing_check_is_red_and_the_manual_button_still_takes_the_photo(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.photo import PhotoPage

    wizard = wizard_for(supervisor_ctx)
    supervisor_ctx.core.config.camera.options["fault"] = "wrong_backdrop"
    page = shown(qtbot, PhotoPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.checks.passed("backdrop") is False, timeout=WAIT_MS)
    assert page.checks.rows["backdrop"].styleSheet() == ERROR_STYLE and page.checks.rows["backdrop"].text()
    assert FACE not in wizard.workflow.enrollment.items
    assert page.manual_button.isEnabled()
    page.manual_button.click()
    qtbot.waitUntil(lambda: FACE in wizard.workflow.enrollment.items, timeout=WAIT_MS)
    assert page.last_capture is not None and page.last_capture.automatic is False
    assert not page.last_capture.analysis.passed
    page.leave()


def test_a_camera_that_does_not_open_shows_its_error_a_retry_and_a_fault(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.photo import PhotoPage

    wizard = wizard_for(supervisor_ctx)
    supervisor_ctx.core.config.camera.options["fault"] = "no_camera"
    page = shown(qtbot, PhotoPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=WAIT_MS)
    assert supervisor_ctx.devices.states[DeviceKind.CAMERA].state == FAULT
    assert page.status.line.text()

    supervisor_ctx.core.config.camera.options.pop("fault")  # the technician fixed the cable
    page.retry_button.click()
    qtbot.waitUntil(lambda: FACE in wizard.workflow.enrollment.items, timeout=WAIT_MS)
    assert supervisor_ctx.devices.states[DeviceKind.CAMERA].state == READY
    page.leave()


# --- helpers for modal dialogs ---------------------------------------------------------


def when_modal(cls: type, handler: Any) -> QTimer:
    """Run `handler(dialog)` once a modal dialog of `cls` is open (inside its exec loop);
    the dialog is rejected if the handler fails, so a broken test cannot hang on it."""
    timer = QTimer()
    timer.setInterval(20)

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and isinstance(dialog, cls):
            timer.stop()
            try:
                handler(dialog)
            except BaseException:
                dialog.reject()
                raise

    timer.timeout.connect(poll)
    timer.start()
    return timer


def approve(qtbot: Any, refused: list[str], operator: tuple[str, str] | None = None) -> Any:
    """A SupervisorDialog handler: an operator's credentials first (refused), then spv's."""

    def handler(dialog: SupervisorDialog) -> None:
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if operator is not None:
            dialog.username.setText(operator[0])
            dialog.password.setText(operator[1])
            ok.click()
            qtbot.waitUntil(lambda: bool(dialog.error.text()) and ok.isEnabled(), timeout=WAIT_MS)
            refused.append(dialog.error.text())
            assert dialog.isVisible()
        dialog.username.setText("spv")
        dialog.password.setText(SUPERVISOR_PASSWORD)
        ok.click()

    return handler


# --- fingerprints ----------------------------------------------------------------------


def test_ten_fingers_one_exception_approved_by_a_supervisor_not_an_operator(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.fingers import FingerprintPage
    from ui.wizard.hands import FingerState

    supervisor_ctx.core.auth.add_operator(
        "opr", "Operator Uji", Role.OPERATOR, "rahasia-opr-1", by=spv_session(supervisor_ctx.core)
    )
    wizard = wizard_for(supervisor_ctx)
    wf = wizard.workflow
    wf.set_face(synthetic_face(wf))
    page = shown(qtbot, FingerprintPage(supervisor_ctx, wizard))
    assert page.current == FingerPosition.RIGHT_THUMB
    qtbot.waitUntil(lambda: FingerPosition.RIGHT_THUMB.item_kind in wf.enrollment.items, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: page.current == FingerPosition.RIGHT_INDEX, timeout=WAIT_MS)  # the next one follows

    page.diagram.select(FingerPosition.LEFT_INDEX)  # as a click on the diagram does
    assert page.current == FingerPosition.LEFT_INDEX
    assert page.diagram.current == FingerPosition.LEFT_INDEX
    page.exception_button.click()
    panel = page.exception_panel
    assert panel.isVisible()
    panel.reason.setCurrentIndex(panel.reason.findData(ItemException.OTHER))
    panel.confirm_button.click()  # "other" without a note: refused before any password
    assert panel.message.text() and panel.isVisible()
    panel.note.setText("jari kaku sejak lahir")
    refused: list[str] = []
    timer = when_modal(SupervisorDialog, approve(qtbot, refused, ("opr", "rahasia-opr-1")))
    panel.confirm_button.click()
    timer.stop()
    assert refused and "opr" in refused[0]

    qtbot.waitUntil(  # the workflow, then the page (the save's answer reaches the GUI thread after)
        lambda: wf.complete(Step.FINGERPRINTS) and FingerState.MISSING not in page.diagram.states.values(),
        timeout=WAIT_MS,
    )
    assert page.diagram.current is None and "ten" in page.status.line.text()
    exception = wf.enrollment.items[FingerPosition.LEFT_INDEX.item_kind]
    assert exception.exception_reason == "other" and exception.approved_by == "spv"
    assert exception.exception_note == "jari kaku sejak lahir" and exception.payload is None
    for position in FingerPosition:
        if position != FingerPosition.LEFT_INDEX:
            item = wf.enrollment.items[position.item_kind]
            assert item.format == "wsq" and item.device_driver == "ef01-sim"
            assert page.bars[position].value == item.quality
            assert page.diagram.states[position] == FingerState.CAPTURED
    assert page.diagram.states[FingerPosition.LEFT_INDEX] == FingerState.EXCEPTION
    assert wf.step == Step.SIGNATURE
    assert page.attempt_label.text()  # each attempt was shown

    # re-capture one finger
    before = wf.enrollment.items[FingerPosition.RIGHT_RING.item_kind].captured_at
    page.diagram.select(FingerPosition.RIGHT_RING)
    assert not page.capturing and page.recapture_button.isEnabled()
    page.recapture_button.click()
    qtbot.waitUntil(
        lambda: wf.enrollment.items[FingerPosition.RIGHT_RING.item_kind].captured_at != before, timeout=WAIT_MS
    )
    page.leave()


def test_a_ghost_finger_asks_to_clean_the_platen_and_retry_works(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.fingers import FingerprintPage

    wizard = wizard_for(supervisor_ctx)
    supervisor_ctx.core.config.fingerprint.options["fault"] = "ghost_finger"
    page = shown(qtbot, FingerprintPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=WAIT_MS)
    assert "clean the platen" in page.status.line.text()
    assert supervisor_ctx.devices.states[DeviceKind.FINGERPRINT].state == READY  # the scanner itself is fine

    scanner = supervisor_ctx.devices.device(DeviceKind.FINGERPRINT)
    scanner.simulator.set_fault(None)  # the operator cleaned the glass
    page.retry_button.click()
    qtbot.waitUntil(lambda: FingerPosition.RIGHT_THUMB.item_kind in wizard.workflow.enrollment.items, timeout=WAIT_MS)
    assert not page.retry_button.isVisible()
    page.leave()


@pytest.mark.parametrize("fault", ["sensor_fault", "no_reply"])
def test_a_failing_scanner_shows_its_error_a_retry_and_a_fault(qtbot, supervisor_ctx, fault) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.fingers import FingerprintPage

    wizard = wizard_for(supervisor_ctx)
    supervisor_ctx.core.config.fingerprint.options.update(fault=fault, timeout_s=0.3)
    page = shown(qtbot, FingerprintPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=WAIT_MS)
    state = supervisor_ctx.devices.states[DeviceKind.FINGERPRINT]
    assert state.state == FAULT and state.error_code and state.error_code.startswith("fingerprint.")
    assert state.error is not None and state.error.id in page.status.line.text()  # the bilingual message, in id
    assert not wizard.workflow.enrollment.items.get(FingerPosition.RIGHT_THUMB.item_kind)
    page.leave()


# --- signature -------------------------------------------------------------------------


def test_signature_strokes_appear_live_and_done_accepts_them(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from devices.signature import decode_strokes
    from ui.wizard.signature import SignaturePage

    wizard = wizard_for(supervisor_ctx)
    page = SignaturePage(supervisor_ctx, wizard)
    page.idle_finish_s = None  # only Done ends the capture
    shown(qtbot, page)
    qtbot.waitUntil(lambda: page.canvas.ink_points > 0, timeout=WAIT_MS)
    assert page.capturing and SIGNATURE not in wizard.workflow.enrollment.items
    assert page.done_button.isEnabled()
    seen: list[int] = []

    def settled() -> bool:  # the replayed gesture is over when no new point arrives
        seen.append(page.canvas.points_seen)
        return len(seen) > 5 and seen[-1] == seen[-6] and page.canvas.ink_points > 20

    qtbot.waitUntil(settled, timeout=WAIT_MS)
    page.done_button.click()
    qtbot.waitUntil(lambda: SIGNATURE in wizard.workflow.enrollment.items, timeout=WAIT_MS)
    item = wizard.workflow.enrollment.items[SIGNATURE]
    assert item.format == "sigvec" and item.device_driver == "isdv4-sim" and item.simulated
    assert sum(len(s) for s in decode_strokes(item.payload or b"").strokes) >= page.canvas.ink_points > 0
    assert not page.rendered.pixmap().isNull()

    first = item.payload
    qtbot.waitUntil(lambda: page.clear_button.isEnabled() and not wizard.busy, timeout=WAIT_MS)
    page.idle_finish_s = 0.5  # the driver's idle finish this time
    page.clear_button.click()
    qtbot.waitUntil(lambda: page.capturing, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: (
            SIGNATURE in wizard.workflow.enrollment.items
            and wizard.workflow.enrollment.items[SIGNATURE].payload != first
        ),
        timeout=WAIT_MS,
    )
    assert wizard.workflow.complete(Step.SIGNATURE)
    page.leave()


def test_a_resident_who_cannot_sign_is_an_exception_a_supervisor_approves(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.signature import SignaturePage

    wizard = wizard_for(supervisor_ctx)
    page = shown(qtbot, SignaturePage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.capturing, timeout=WAIT_MS)
    page.exception_button.click()
    assert not page.capturing or page._queue.handle is None or page._queue.cancelled
    panel = page.exception_panel
    panel.reason.setCurrentIndex(panel.reason.findData(ItemException.BANDAGED))
    timer = when_modal(SupervisorDialog, approve(qtbot, []))
    panel.confirm_button.click()
    timer.stop()
    qtbot.waitUntil(lambda: SIGNATURE in wizard.workflow.enrollment.items, timeout=WAIT_MS)
    item = wizard.workflow.enrollment.items[SIGNATURE]
    assert item.exception_reason == "bandaged" and item.approved_by == "spv" and item.payload is None
    qtbot.waitUntil(lambda: not page.capturing, timeout=WAIT_MS)
    assert page.canvas.ink_points == 0
    page.leave()


def test_a_silent_signature_pad_shows_its_error_a_retry_and_a_fault(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.wizard.signature import SignaturePage

    wizard = wizard_for(supervisor_ctx)
    supervisor_ctx.core.config.signature.options["fault"] = "no_reply"
    page = shown(qtbot, SignaturePage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: page.retry_button.isVisible(), timeout=WAIT_MS)
    assert supervisor_ctx.devices.states[DeviceKind.SIGNATURE].state == FAULT
    page.leave()


# --- device callbacks ------------------------------------------------------------------


def test_frames_from_a_busy_camera_never_queue_up_only_the_newest_is_delivered(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    import threading

    from PySide6.QtWidgets import QWidget

    from ui.callback_relays import Batched, Latest

    owner = QWidget()
    qtbot.addWidget(owner)
    frames: list[int] = []
    points: list[list[int]] = []
    latest: Latest[int] = Latest(ctx, owner, frames.append)
    batched: Batched[int] = Batched(ctx, owner, points.append)

    def camera_thread() -> None:  # 500 frames while the GUI thread is not looking
        for i in range(1, 501):
            latest(i)
            batched(i)

    worker = threading.Thread(target=camera_thread)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(frames) and bool(points), timeout=WAIT_MS)
    qtbot.wait(50)
    assert frames == [500]  # one delivery, the newest frame
    assert [p for batch in points for p in batch] == list(range(1, 501))  # every pen point, in order
    assert len(points) <= 2
    latest.close()
    latest(501)
    qtbot.wait(50)
    assert frames == [500]  # nothing after close (the page is being deleted)

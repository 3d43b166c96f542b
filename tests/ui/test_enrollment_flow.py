"""A full enrollment through the real widgets of the app, with the simulated camera,
fingerprint module and signature pad on pseudo-terminals and the SBI simulator's iris
camera, in the e-KTP order: login, call a ticket, demographics (a wrong NIK refused
first), photo, signature, ten fingers with one exception a supervisor approves (an
operator cannot), both irises, review, seal (clicked twice), the receipt PDF, and the
sealed record in the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pypdf
from PySide6.QtCore import Qt

from common.biometrics import FACE, IRIS_LEFT, IRIS_RIGHT, SIGNATURE, FingerPosition, ItemException
from station.auth import Role
from station.synthetic import synthetic_resident
from station.workflow import Step
from store.enrollments import DRAFT
from tests.conftest import SUPERVISOR_PASSWORD
from tests.ui.conftest import log_in, spv_session
from tests.ui.test_capture_pages import approve, when_modal
from ui.main_window import MainWindow
from ui.widgets import SupervisorDialog
from ui.wizard.demographics import DemographicsPage
from ui.wizard.fingers import FingerprintPage
from ui.wizard.iris import IrisPage
from ui.wizard.review import ReviewPage

WAIT_MS = 30_000


def test_a_full_enrollment_from_ticket_to_receipt(qtbot, ctx, indonesian) -> None:  # type: ignore[no-untyped-def]
    core = ctx.core
    resident = synthetic_resident(23, date.today()).demographics
    core.config.fingerprint.options.update(appear_after=1)
    core.config.signature.options.update(tempo=4.0)
    core.config.iris.driver = "sbi-iris-sim"  # no discovery of a real SBI service on this machine
    core.auth.add_operator("opr", "Operator Uji", Role.OPERATOR, "rahasia-opr-1", by=spv_session(core))

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)

    # A ticket at the door, then "call next": the wizard opens with the ticket's name.
    tickets = w.home.tickets
    qtbot.waitUntil(lambda: tickets.snapshot is not None, timeout=WAIT_MS)
    tickets.name_edit.setText(resident.nama)
    qtbot.mouseClick(tickets.issue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tickets.waiting.rowCount() == 1, timeout=WAIT_MS)
    qtbot.mouseClick(tickets.call_next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.wizard_page is not None, timeout=WAIT_MS)
    wizard = w.wizard_page.pages
    wf = w.controller.workflow
    demo = wizard[Step.DEMOGRAPHICS]
    assert isinstance(demo, DemographicsPage)
    assert demo.line("nama").text() == resident.nama

    # Demographics: a NIK whose birth date disagrees is refused with its message.
    bad = replace(resident, nik=resident.nik[:6] + "3112" + resident.nik[10:])
    demo.fill(bad, {})
    qtbot.mouseClick(demo.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: demo.errors["tanggal_lahir"].text() != "", timeout=WAIT_MS)
    assert "tidak sesuai dengan NIK" in demo.errors["tanggal_lahir"].text()
    assert wf.step == Step.DEMOGRAPHICS
    demo.fill(resident, {})
    qtbot.mouseClick(demo.next_button, Qt.MouseButton.LeftButton)

    # Photo: captured automatically once every check holds.
    photo = wizard[Step.PHOTO]
    try:
        qtbot.waitUntil(lambda: FACE in wf.enrollment.items, timeout=WAIT_MS)
    except Exception:
        print(
            "DEBUG",
            wf.step,
            photo.status.line.text(),
            {n: photo.checks.passed(n) for n in photo.checks.rows},
            ctx.devices.states,
        )
        raise

    # Signature: the pad replays a signature; the pen's idle finish accepts it.
    qtbot.waitUntil(lambda: SIGNATURE in wf.enrollment.items, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: wf.step == Step.FINGERPRINTS, timeout=WAIT_MS)

    # Fingers: one bandaged finger, approved by the supervisor after an operator is refused.
    fingers = wizard[Step.FINGERPRINTS]
    assert isinstance(fingers, FingerprintPage)
    qtbot.waitUntil(lambda: FingerPosition.RIGHT_THUMB.item_kind in wf.enrollment.items, timeout=WAIT_MS)
    fingers.diagram.select(FingerPosition.LEFT_LITTLE)
    fingers.exception_button.click()
    panel = fingers.exception_panel
    panel.reason.setCurrentIndex(panel.reason.findData(ItemException.BANDAGED))
    refused: list[str] = []
    timer = when_modal(SupervisorDialog, approve(qtbot, refused, ("opr", "rahasia-opr-1")))
    panel.confirm_button.click()
    timer.stop()
    assert refused, "the operator's credentials were not refused"
    try:
        qtbot.waitUntil(lambda: wf.complete(Step.FINGERPRINTS), timeout=WAIT_MS)
    except Exception:
        print(
            "DEBUG",
            sorted(wf.enrollment.items),
            fingers.current,
            fingers.capturing,
            fingers.status.line.text(),
            panel.isVisible(),
            panel.message.text(),
            refused,
        )
        raise

    # Irises: the live checks, then Capture takes both eyes.
    qtbot.waitUntil(lambda: wf.step == Step.IRIS, timeout=WAIT_MS)
    iris = wizard[Step.IRIS]
    assert isinstance(iris, IrisPage)
    try:
        qtbot.waitUntil(lambda: iris.capturing and iris.analyses_shown >= 1, timeout=WAIT_MS)
        iris.capture_button.click()
        qtbot.waitUntil(lambda: {IRIS_LEFT, IRIS_RIGHT} <= set(wf.enrollment.items), timeout=WAIT_MS)
    except Exception:
        print("DEBUG", wf.step, iris.capturing, iris.frames_shown, iris.analyses_shown, iris.status.line.text())
        raise
    qtbot.waitUntil(lambda: wf.step == Step.REVIEW, timeout=WAIT_MS)

    # Review, then Seal clicked twice: sealed exactly once.
    review = wizard[Step.REVIEW]
    assert isinstance(review, ReviewPage)
    qtbot.waitUntil(lambda: w.wizard_page.stack.currentWidget() is review, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(review.images) == 13, timeout=WAIT_MS)  # face, 9 fingers, signature, 2 irises
    review.seal_button.click()
    review.seal_button.click()
    qtbot.keyClick(review.seal_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.wizard_page.sealed is not None, timeout=WAIT_MS)
    sealed = w.wizard_page.sealed_page
    assert sealed is not None
    qtbot.waitUntil(lambda: sealed.pdf_path is not None, timeout=WAIT_MS)

    counts = core.enrollments.state_counts()
    assert counts.get("SEALED") == 1 and counts.get(DRAFT, 0) == 0
    reg_no = sealed.result.reg_no
    [summary] = core.enrollments.find_by_reg(reg_no)
    assert summary.uuid == wf.enrollment.uuid
    data = core.enrollments.load(summary.uuid)
    assert data is not None and len(data.items) == 14
    little = next(i for i in data.items if i.kind == FingerPosition.LEFT_LITTLE.item_kind)
    assert little.exception_reason == "bandaged" and little.approved_by == "spv"

    assert sealed.pdf_path.exists()
    preview = sealed.preview.pixmap()  # the receipt as it will print, beside Print and Save
    assert not preview.isNull() and preview.width() < preview.height()
    w.resize(1366, 768)  # a kecamatan counter's screen: the whole page fits, the receipt with it
    qtbot.waitUntil(lambda: w.height() <= 768 and sealed.preview.pixmap().height() <= sealed.preview.height())
    text = pypdf.PdfReader(str(sealed.pdf_path)).pages[0].extract_text()
    assert reg_no in text and resident.nik not in text

    # Next resident: back at the counter, the ticket served.
    qtbot.mouseClick(sealed.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: tickets.called.rowCount() == 0, timeout=WAIT_MS)
    assert w.controller is None

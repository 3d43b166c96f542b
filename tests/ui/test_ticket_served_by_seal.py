"""The called ticket is served by the seal itself: a logout after the seal, before
"Next resident", leaves it SERVED (it used to stay CALLED, since the window held it)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from common.biometrics import FingerPosition
from station.synthetic import synthetic_resident
from station.synthetic_biometrics import SyntheticBiometrics
from station.tickets import SERVED, CounterTickets
from station.workflow import EnrollmentWorkflow, Step
from tests.conftest import SUPERVISOR_PASSWORD
from tests.ui.conftest import log_in
from ui.main_window import MainWindow

WAIT_MS = 30_000


def fill(wf: EnrollmentWorkflow, seed: int = 31) -> None:
    bio = SyntheticBiometrics()
    resident = synthetic_resident(seed, date.today()).demographics
    wf.submit_demographics(resident)
    wf.set_face(bio.face(seed, resident.tanggal_lahir.year))
    wf.set_signature(bio.signature(seed))
    for position in FingerPosition:
        wf.set_finger(position, bio.finger(seed, position))
    for eye in ("right", "left"):
        wf.set_iris(eye, bio.iris(seed, eye))


def test_a_logout_after_the_seal_before_next_resident_leaves_the_ticket_served(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.show()
    log_in(qtbot, w, "spv", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.home, timeout=WAIT_MS)
    panel = w.home.tickets
    qtbot.waitUntil(lambda: panel.snapshot is not None, timeout=WAIT_MS)
    qtbot.mouseClick(panel.issue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.waiting.rowCount() == 1, timeout=WAIT_MS)
    qtbot.mouseClick(panel.call_next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.wizard_page is not None and w.controller is not None, timeout=WAIT_MS)
    controller = w.controller
    assert controller is not None
    [called] = CounterTickets(ctx.core.db, ctx.core.key).called()
    sealed: list[object] = []
    # The pages' inputs, through the same controller queue the pages use.
    controller.submit(fill)
    controller.submit(lambda wf: wf.seal(), on_done=sealed.append)
    qtbot.waitUntil(lambda: bool(sealed), timeout=WAIT_MS)
    assert controller.snapshot.step == Step.SEALED
    w.logout()  # before "Next resident"
    ticket = CounterTickets(ctx.core.db, ctx.core.key).repo.ticket(called.ticket_id)
    assert ticket is not None and ticket.state == SERVED
    assert ticket.record_uuid == controller.snapshot.uuid

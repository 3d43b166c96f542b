"""End to end with certified-style devices (issue 15's acceptance test): the wizard's
real pages with the SBI simulator's 4-4-2 slap scanner and dual-iris camera over
loopback HTTP, in the e-KTP order (data, photo, signature, fingerprints, iris); the
record sealed with ten fingers and two irises; sent by the station's sync worker to a
real central receiver, which accepts it; and the packet the centre keeps opened with
the centre's own key, its iris records decoded as ISO/IEC 19794-6 K3."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from common.biometrics import FACE, IRIS_LEFT, IRIS_RIGHT, SIGNATURE, FingerPosition
from station.synthetic import synthetic_resident
from station.workflow import ORDER, EnrollmentWorkflow, Step
from testing.harness import CentralServer, join

WAIT_MS = 60_000


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[CentralServer]:
    server = CentralServer(tmp_path / "central").start()
    yield server
    server.stop()


@pytest.fixture
def sbi_ctx(qapp, core, centre) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A demo station joined to the centre, its fingerprint and iris devices the SBI
    simulator's (each on its own service), logged in as the supervisor."""
    from station.config import save_config
    from tests.conftest import SUPERVISOR_PASSWORD
    from ui.app_context import AppContext
    from ui.tasks import Tasks

    join(core, centre)
    core.config.demo = True
    core.config.camera.driver = "opencv-sim"
    core.config.signature.driver = "isdv4-sim"
    core.config.signature.options.update(tempo=4.0)
    core.config.fingerprint.driver = "sbi-finger-sim"
    core.config.fingerprint.options.update(capture_delay_s=0.05)
    core.config.iris.driver = "sbi-iris-sim"
    core.config.iris.options.update(capture_delay_s=0.05)
    save_config(core.config, core.home)
    ctx = AppContext(core, Tasks(), lang="id")
    ctx.set_user(core.auth.login("spv", SUPERVISOR_PASSWORD))
    yield ctx
    ctx.close()


def capture_slaps(qtbot: Any, page: Any, wf: EnrollmentWorkflow) -> None:
    """The fingerprint step with a slap scanner: three slaps, moving on as the page offers."""
    from ui.wizard.slaps import SlapView

    qtbot.waitUntil(lambda: isinstance(page.stack.currentWidget(), SlapView), timeout=WAIT_MS)
    view = page.stack.currentWidget()

    def done() -> bool:
        if wf.complete(Step.FINGERPRINTS):
            return True
        if view.next_button.isVisible() and view.next_button.isEnabled() and not view.capturing:
            view.next_button.click()
        return False

    qtbot.waitUntil(done, timeout=WAIT_MS)


@pytest.mark.timeout(240)
def test_slaps_and_irises_through_the_wizard_reach_the_centre_sealed_and_readable(qtbot, sbi_ctx, centre) -> None:  # type: ignore[no-untyped-def]
    from central.keys import load_keys
    from central.receiver import Receiver
    from central.settings import Settings
    from devices.iris.iso19794_6 import decode_iris_record
    from station.sync.packets import ensure_signing_key
    from station.sync.service import make_worker
    from ui.wizard.base import WizardController
    from ui.wizard.iris import IrisPage
    from ui.wizard.window import WizardPage
    from wire.packet import open_packet

    ctx = sbi_ctx
    core = ctx.core
    assert ORDER[:6] == [Step.DEMOGRAPHICS, Step.PHOTO, Step.SIGNATURE, Step.FINGERPRINTS, Step.IRIS, Step.REVIEW]
    resident = synthetic_resident(29, date.today()).demographics
    core.config.camera.options["birth_year"] = resident.tanggal_lahir.year  # the backdrop for an automatic photo
    wf = EnrollmentWorkflow(core.enrollments, ctx.user)
    wizard = WizardController(ctx, wf)
    window = WizardPage(ctx, wizard)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    pages = window.pages

    demo = pages[Step.DEMOGRAPHICS]
    demo.fill(resident, {})  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: demo.next_button.isEnabled(), timeout=WAIT_MS)  # type: ignore[attr-defined]
    qtbot.mouseClick(demo.next_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: FACE in wf.enrollment.items, timeout=WAIT_MS)  # automatic once the checks hold
    qtbot.waitUntil(lambda: SIGNATURE in wf.enrollment.items, timeout=WAIT_MS)  # the pen's idle finish
    qtbot.waitUntil(lambda: window.current is pages[Step.FINGERPRINTS], timeout=WAIT_MS)
    capture_slaps(qtbot, pages[Step.FINGERPRINTS], wf)

    iris = pages[Step.IRIS]
    assert isinstance(iris, IrisPage)
    qtbot.waitUntil(lambda: window.current is iris and iris.capturing and iris.analyses_shown >= 1, timeout=WAIT_MS)
    iris.capture_button.click()
    qtbot.waitUntil(lambda: wf.step == Step.REVIEW and not wizard.busy, timeout=WAIT_MS)
    review = pages[Step.REVIEW]
    qtbot.waitUntil(lambda: window.current is review, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: {IRIS_LEFT, IRIS_RIGHT} <= set(review.images), timeout=WAIT_MS)  # type: ignore[attr-defined]
    review.seal_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: window.sealed is not None, timeout=WAIT_MS)
    sealed = window.sealed
    assert sealed is not None

    data = core.enrollments.load(sealed.uuid)
    assert data is not None
    kinds = {i.kind: i for i in data.items}
    assert all(p.item_kind in kinds and kinds[p.item_kind].payload for p in FingerPosition)
    assert kinds[IRIS_LEFT].payload and kinds[IRIS_RIGHT].payload
    assert kinds[FingerPosition.RIGHT_THUMB.item_kind].device_driver == "sbi-finger-sim"
    assert kinds[IRIS_LEFT].device_driver == "sbi-iris-sim" and kinds[IRIS_LEFT].simulated

    # The station's sync worker sends it; the centre opens and verifies it on receipt.
    worker = make_worker(core)
    summary = worker.run(until_idle=True, timeout_s=60)
    worker.client.close()
    assert summary.sent == 1 and summary.errors == []
    assert core.enrollments.state_counts().get("SEALED", 0) == 0

    # What the centre keeps, opened with the centre's own key.
    receiver = Receiver(Settings(home=centre.home), create=False)
    try:
        blob = receiver.packet_bytes(core.station().code, sealed.uuid)
    finally:
        receiver.close()
    assert blob is not None
    opened = open_packet(
        blob,
        central_private=load_keys(centre.home).packet_key,
        station_public=ensure_signing_key(core.home).public_key(),
    )
    items = {e["kind"]: opened.items[n] for n, e in enumerate(opened.manifest["items"])}
    assert {p.item_kind for p in FingerPosition} <= set(items)
    for kind, eye in ((IRIS_LEFT, "left"), (IRIS_RIGHT, "right")):
        record = decode_iris_record(items[kind])
        assert record.eye == eye and record.image.shape == (480, 640)
    assert len(blob) <= 150_000, f"the packet is {len(blob)} bytes: over the 2G-link budget"

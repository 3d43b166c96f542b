"""The fingerprint step with a 4-4-2 slap scanner: the real page and its widgets against
the SBI simulator over loopback HTTP, through the station's "sbi-finger" driver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from common.biometrics import FingerPosition, ItemException
from devices.base import DeviceKind
from devices.sbi.simulator import SbiSimulator
from devices.sbi.spec import Slap
from station.device_manager import READY
from station.slaps import kept_attempt
from station.workflow import Step
from tests.ui.test_capture_pages import WAIT_MS, approve, shown, synthetic_face, when_modal, wizard_for
from ui.widgets import SupervisorDialog
from ui.wizard.base import WizardController
from ui.wizard.fingers import FingerprintPage
from ui.wizard.hands import FingerState

pytestmark = pytest.mark.timeout(120)

P = FingerPosition
LEFT_FOUR = (P.LEFT_INDEX, P.LEFT_MIDDLE, P.LEFT_RING, P.LEFT_LITTLE)


class RecordingSimulator(SbiSimulator):
    """The simulator, keeping what each RCAPTURE asked for (its `bio[0]`), with faults
    for the next captures in turn and a gate that holds a capture until the test opens it."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.received: list[dict[str, Any]] = []
        self.next_faults: list[str | None] = []
        self.gate = threading.Event()
        self.gate.set()
        self._lock = threading.Lock()

    def capture(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.received.append(dict(request["bio"][0]))
            if self.next_faults:
                self.set_fault(self.next_faults.pop(0))
        self.gate.wait(WAIT_MS / 1000)
        return super().capture(request)

    def asked(self) -> list[tuple[int, list[str]]]:
        """(deviceSubId, exception[]) of each capture asked for, in order."""
        with self._lock:
            return [(int(b["deviceSubId"]), list(b["exception"])) for b in self.received]


@pytest.fixture
def sim() -> Iterator[RecordingSimulator]:
    s = RecordingSimulator(types="finger", capture_delay_s=0.0, seed=3)
    s.start()
    yield s
    s.gate.set()
    s.stop()


@pytest.fixture
def slap_ctx(supervisor_ctx, sim: RecordingSimulator):  # type: ignore[no-untyped-def]
    """The station's fingerprint scanner is the certified SBI driver on the simulator's port."""
    fingerprint = supervisor_ctx.core.config.fingerprint
    fingerprint.driver = "sbi-finger"
    fingerprint.port = sim.url
    fingerprint.options = {"trust_simulator": True, "timeout_s": 10.0}
    return supervisor_ctx


def slap_page(qtbot: Any, ctx: Any) -> tuple[FingerprintPage, WizardController]:
    wizard = wizard_for(ctx)
    wizard.workflow.set_face(synthetic_face(wizard.workflow))
    page = shown(qtbot, FingerprintPage(ctx, wizard))
    qtbot.waitUntil(lambda: page.slap_mode, timeout=WAIT_MS)
    return page, wizard


def all_done(page: FingerprintPage) -> bool:
    return page.slaps is not None and page.slaps.messages.all_done.is_shown


def test_three_slaps_give_ten_fingers_with_the_devices_qualities_against_40(qtbot, slap_ctx, sim) -> None:  # type: ignore[no-untyped-def]
    page, wizard = slap_page(qtbot, slap_ctx)
    qtbot.waitUntil(lambda: all_done(page), timeout=WAIT_MS)
    view = page.slaps
    assert view is not None
    assert sim.asked() == [(1, []), (2, []), (3, [])]  # 4-4-2: left four, right four, both thumbs
    assert {b["requestedScore"] for b in sim.received} == {40.0}
    assert [len(b["bioSubType"]) for b in sim.received] == [4, 4, 2]
    snapshot = wizard.snapshot
    assert snapshot.is_complete(Step.FINGERPRINTS)
    device_scores = {p: q for c in view.kept.values() for p, q in c.scores.items()}
    assert set(device_scores) == set(FingerPosition)
    assert view.diagram.threshold == 40.0 and view.diagram.below_threshold() == []
    for position in FingerPosition:
        item = snapshot.item(position.item_kind)
        assert item is not None and item.format == "wsq" and item.device_driver == "sbi-finger"
        assert item.quality == round(device_scores[position], 1) and item.quality >= 40.0
        assert view.diagram.states[position] == FingerState.CAPTURED
        assert view.diagram.qualities[position] == item.quality == view.bars[position].value
        assert view.bars[position].threshold == 40.0
        assert f"{item.quality:.0f}" in view.diagram.describe(position) and "40" in view.diagram.describe(position)
    assert all(c.attempts == 1 and c.passed for c in view.kept.values())
    assert "sbi-finger" in view.device_label.text()
    assert all(step.text().startswith("\u2714") for step in view.slap_steps.values())
    page.leave()


def test_a_low_quality_attempt_is_followed_by_a_better_one_which_is_kept(qtbot, slap_ctx, sim) -> None:  # type: ignore[no-untyped-def]
    sim.next_faults = ["low_quality", None]  # the left slap: a smudged first attempt, then a clean one
    page, wizard = slap_page(qtbot, slap_ctx)
    qtbot.waitUntil(lambda: all_done(page), timeout=WAIT_MS)
    view = page.slaps
    assert view is not None
    assert sim.asked() == [(1, []), (1, []), (2, []), (3, [])]
    left = view.kept[Slap.LEFT]
    assert left.attempts == 2 and left.passed and kept_attempt(left) == 2
    first, second = left.attempt_scores
    assert all(q < 40.0 for q in first.values()) and all(q >= 40.0 for q in second.values())
    for position in LEFT_FOUR:
        item = wizard.snapshot.item(position.item_kind)
        assert item is not None and item.quality == round(second[position], 1)  # the better attempt kept
    page.leave()


def test_three_low_attempts_keep_the_best_mark_it_orange_and_wait_for_the_operator(qtbot, slap_ctx, sim) -> None:  # type: ignore[no-untyped-def]
    sim.set_fault("low_quality")
    page, wizard = slap_page(qtbot, slap_ctx)
    view = page.slaps
    assert view is not None
    qtbot.waitUntil(lambda: view.messages.below_threshold.is_shown, timeout=WAIT_MS)
    assert sim.asked() == [(1, [])] * 3  # up to three attempts, then the best is kept
    assert view.kept[Slap.LEFT].attempts == 3 and not view.kept[Slap.LEFT].passed
    assert sorted(view.diagram.below_threshold()) == sorted(LEFT_FOUR)  # drawn orange on the hands
    line = view.status.line.text()
    assert "ambang 40" in line and "telunjuk kiri" in line.lower()  # the core's verdict, in Indonesian
    assert view.slap == Slap.LEFT and not view.capturing  # no silent move to the next slap
    assert view.recapture_button.isEnabled() and view.next_button.isEnabled()
    sim.set_fault(None)  # the glass was cleaned
    view.recapture_button.click()
    qtbot.waitUntil(lambda: all_done(page), timeout=WAIT_MS)
    assert view.diagram.below_threshold() == [] and wizard.snapshot.is_complete(Step.FINGERPRINTS)
    page.leave()


def test_a_bandaged_finger_marked_on_the_diagram_goes_into_exception_and_a_slap_of_three_is_kept(  # type: ignore[no-untyped-def]
    qtbot, slap_ctx, sim
) -> None:
    sim.gate.clear()  # the first left slap waits on the glass while the operator marks the finger
    page, wizard = slap_page(qtbot, slap_ctx)
    view = page.slaps
    assert view is not None
    qtbot.waitUntil(lambda: len(sim.received) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.preview_frames > 0, timeout=WAIT_MS)  # the hand on the glass, live
    assert not view.preview.pixmap().isNull() and sim.requests.get("STREAM", 0) == 1
    view.diagram.select(P.LEFT_INDEX)  # as a click on the diagram does
    assert view.selected == P.LEFT_INDEX and view.slap == Slap.LEFT and view.exception_button.isEnabled()
    view.exception_button.click()
    panel = view.exception_panel
    assert panel.isVisible()
    panel.reason.setCurrentIndex(panel.reason.findData(ItemException.BANDAGED))
    refused: list[str] = []
    timer = when_modal(SupervisorDialog, approve(qtbot, refused))
    panel.confirm_button.click()
    timer.stop()
    sim.gate.set()  # the held capture answers; it was cancelled, so it is discarded
    qtbot.waitUntil(lambda: all_done(page), timeout=WAIT_MS)

    assert sim.asked() == [(1, []), (1, ["Left IndexFinger"]), (2, []), (3, [])]
    again = sim.received[1]
    assert again["bioSubType"] == ["Left MiddleFinger", "Left RingFinger", "Left LittleFinger"] and again["count"] == 3
    assert set(view.kept[Slap.LEFT].fingers) == set(LEFT_FOUR) - {P.LEFT_INDEX}  # three returned: accepted
    snapshot = wizard.snapshot
    assert snapshot.is_complete(Step.FINGERPRINTS)
    bandaged = snapshot.item(P.LEFT_INDEX.item_kind)
    assert bandaged is not None and bandaged.exception_reason == "bandaged" and bandaged.approved_by == "spv"
    assert bandaged.payload is None
    assert view.diagram.states[P.LEFT_INDEX] == FingerState.EXCEPTION and P.LEFT_INDEX not in view.diagram.qualities
    assert view.notes[P.LEFT_INDEX].text() and view.bars[P.LEFT_INDEX].value is None
    for position in LEFT_FOUR[1:]:
        item = snapshot.item(position.item_kind)
        assert item is not None and item.format == "wsq"
    page.leave()


def test_a_wrong_hand_is_named_with_the_remedy_and_retry_takes_the_right_one(qtbot, slap_ctx, sim) -> None:  # type: ignore[no-untyped-def]
    sim.set_fault("wrong_hand")
    page, wizard = slap_page(qtbot, slap_ctx)
    view = page.slaps
    assert view is not None
    qtbot.waitUntil(lambda: view.retry_button.isVisible(), timeout=WAIT_MS)
    assert view.problem is not None and view.problem.code == "sbi.wrong_hand"
    line = view.status.line.text()
    assert "Alat membaca tangan kanan" in line and "tangan kiri" in line  # what happened and what to do
    assert view.messages.resident_problem.is_shown
    assert slap_ctx.devices.states[DeviceKind.FINGERPRINT].state == READY  # the resident's doing, not the device's
    assert not any(wizard.snapshot.has(p.item_kind) for p in FingerPosition)
    sim.set_fault(None)
    view.retry_button.click()
    qtbot.waitUntil(lambda: all_done(page), timeout=WAIT_MS)
    page.leave()


def test_a_missing_finger_is_named_and_selected_for_an_exception(qtbot, slap_ctx, sim) -> None:  # type: ignore[no-untyped-def]
    sim.set_fault("missing_finger")
    page, wizard = slap_page(qtbot, slap_ctx)
    view = page.slaps
    assert view is not None
    qtbot.waitUntil(lambda: view.retry_button.isVisible(), timeout=WAIT_MS)
    assert view.problem is not None and view.problem.missing == (P.LEFT_LITTLE,)
    assert "Kelingking kiri tidak terbaca" in view.status.line.text()
    assert view.selected == P.LEFT_LITTLE and view.diagram.current == P.LEFT_LITTLE
    assert view.exception_button.isEnabled()  # one press from recording it, if it really is missing
    assert not wizard.snapshot.has(P.LEFT_INDEX.item_kind)  # nothing of the short slap was kept
    assert slap_ctx.devices.states[DeviceKind.FINGERPRINT].state == READY
    page.leave()


def test_an_ef01_scanner_keeps_the_single_finger_flow(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    wizard = wizard_for(supervisor_ctx)  # demo station: the ef01-sim module
    page = shown(qtbot, FingerprintPage(supervisor_ctx, wizard))
    qtbot.waitUntil(lambda: wizard.snapshot.has(P.RIGHT_THUMB.item_kind), timeout=WAIT_MS)
    assert not page.slap_mode and page.slaps is None and page.single.isVisible()
    item = wizard.snapshot.item(P.RIGHT_THUMB.item_kind)
    assert item is not None and item.device_driver == "ef01-sim"
    page.leave()


def test_an_exception_is_withdrawn_by_re_capturing_its_slap_with_the_finger_selected(qtbot, slap_ctx, sim) -> None:  # type: ignore[no-untyped-def]
    page, wizard = slap_page(qtbot, slap_ctx)
    view = page.slaps
    assert view is not None
    qtbot.waitUntil(lambda: all_done(page), timeout=WAIT_MS)
    view.diagram.select(P.RIGHT_THUMB)  # done already: selecting takes nothing
    assert not view.capturing and view.slap == Slap.THUMBS and len(sim.received) == 3
    view.exception_button.click()
    view.exception_panel.reason.setCurrentIndex(view.exception_panel.reason.findData(ItemException.SCARRED))
    timer = when_modal(SupervisorDialog, approve(qtbot, []))
    view.exception_panel.confirm_button.click()
    timer.stop()
    qtbot.waitUntil(lambda: view.diagram.states[P.RIGHT_THUMB] == FingerState.EXCEPTION, timeout=WAIT_MS)
    assert view.messages.exception_recorded.is_shown and view.recapture_button.isEnabled()
    assert len(sim.received) == 3  # the thumbs already taken stay; nothing is asked again

    view.recapture_button.click()  # the scar healed: take the thumb after all
    qtbot.waitUntil(lambda: len(sim.received) == 4 and not view.capturing, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.diagram.states[P.RIGHT_THUMB] == FingerState.CAPTURED, timeout=WAIT_MS)
    assert sim.asked()[-1] == (3, [])  # both thumbs asked for again, no exception
    item = wizard.snapshot.item(P.RIGHT_THUMB.item_kind)
    assert item is not None and item.exception_reason is None and item.format == "wsq"
    page.leave()


def test_a_scanner_changed_to_an_ef01_module_goes_back_to_the_single_finger_flow(qtbot, slap_ctx, sim) -> None:  # type: ignore[no-untyped-def]
    sim.set_fault("wrong_hand")  # the slap waits for a Retry
    page, wizard = slap_page(qtbot, slap_ctx)
    view = page.slaps
    assert view is not None
    qtbot.waitUntil(lambda: view.retry_button.isVisible(), timeout=WAIT_MS)
    fingerprint = slap_ctx.core.config.fingerprint  # the technician chooses the EF01 module
    fingerprint.driver, fingerprint.port, fingerprint.options = "ef01-sim", "", {}
    handle = slap_ctx.devices.reset(DeviceKind.FINGERPRINT)
    if handle is not None:
        qtbot.waitUntil(lambda: not handle.running, timeout=WAIT_MS)
    view.retry_button.click()
    qtbot.waitUntil(lambda: not page.slap_mode and page.single.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: wizard.snapshot.has(P.RIGHT_THUMB.item_kind), timeout=WAIT_MS)
    item = wizard.snapshot.item(P.RIGHT_THUMB.item_kind)
    assert item is not None and item.device_driver == "ef01-sim"
    page.leave()

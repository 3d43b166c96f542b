"""The 4-4-2 slap plan's rules, against the SBI simulator over real loopback HTTP and a
real workflow on a fresh store."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from common.biometrics import CapturedItem, FingerPosition, ItemException, ItemFormat
from devices.base import DeviceKind
from devices.registry import DeviceSettings
from devices.sbi import SBI_FINGER_SIM, errors
from devices.sbi.chain import CaptureChain
from devices.sbi.errors import WrongSubtypes
from devices.sbi.finger import SbiFingerprintScanner
from devices.sbi.spec import Slap
from station.auth import Role, User
from station.slaps import (
    SLAP_ATTEMPTS,
    THRESHOLD,
    capture_with_preview,
    kept_attempt,
    next_slap,
    plan_slap,
    record_slap,
    slap_done,
    slap_problem,
    slap_scanner,
    verdict,
)
from station.workflow import EnrollmentWorkflow, Step
from tests.factories import TODAY, resident

pytestmark = pytest.mark.timeout(60)

SUPERVISOR = User("spv", "Supervisor Uji", Role.SUPERVISOR)
P = FingerPosition


def scanner(fault: str | None = None, delay_s: float = 0.0) -> SbiFingerprintScanner:
    options: dict[str, object] = {"capture_delay_s": delay_s, "seed": 7}
    if fault:
        options["fault"] = fault
    device = SBI_FINGER_SIM.create(DeviceSettings(DeviceKind.FINGERPRINT, "sbi-finger-sim", options=options))
    assert isinstance(device, SbiFingerprintScanner)
    device.open()
    return device


@pytest.fixture
def good() -> Iterator[SbiFingerprintScanner]:
    device = scanner()
    yield device
    device.close()


def workflow(core) -> EnrollmentWorkflow:  # type: ignore[no-untyped-def]
    wf = EnrollmentWorkflow(core.enrollments, SUPERVISOR, today=lambda: TODAY)
    wf.submit_demographics(resident())
    return wf


def exception(position: FingerPosition) -> CapturedItem:
    return CapturedItem.exception(position.item_kind, ItemException.BANDAGED, note="", approved_by="spv")


def item(position: FingerPosition) -> CapturedItem:
    return CapturedItem(position.item_kind, ItemFormat.WSQ, b"\xff\xa0x", quality=80.0, device_driver="t",
                        device_model="t", simulated=True)  # fmt: skip


def test_the_plan_asks_for_the_fingers_and_sends_the_approved_exceptions() -> None:
    items = {P.LEFT_INDEX.item_kind: exception(P.LEFT_INDEX), P.RIGHT_RING.item_kind: item(P.RIGHT_RING)}
    left = plan_slap(Slap.LEFT, items)
    assert left.fingers == (P.LEFT_MIDDLE, P.LEFT_RING, P.LEFT_LITTLE) and left.exceptions == (P.LEFT_INDEX,)
    assert left.exception_names == ["Left IndexFinger"] and left.needed
    right = plan_slap(Slap.RIGHT, items)  # a captured finger is asked for again: re-capture takes the slap
    assert len(right.fingers) == 4 and right.exceptions == () and right.exception_names == []
    thumbs = plan_slap(Slap.THUMBS, {P.LEFT_THUMB.item_kind: exception(P.LEFT_THUMB),
                                     P.RIGHT_THUMB.item_kind: exception(P.RIGHT_THUMB)})  # fmt: skip
    assert not thumbs.needed and thumbs.exception_names == ["Left Thumb", "Right Thumb"]
    assert THRESHOLD == 40.0 and SLAP_ATTEMPTS == 3  # MOSIP's defaults


def test_slaps_come_in_the_4_4_2_order_and_exceptions_count_as_done() -> None:
    items: dict[str, CapturedItem] = {}
    assert next_slap(items) == Slap.LEFT
    items.update({p.item_kind: item(p) for p in (P.LEFT_MIDDLE, P.LEFT_RING, P.LEFT_LITTLE)})
    assert not slap_done(Slap.LEFT, items) and next_slap(items) == Slap.LEFT
    items[P.LEFT_INDEX.item_kind] = exception(P.LEFT_INDEX)
    assert slap_done(Slap.LEFT, items) and next_slap(items) == Slap.RIGHT
    assert next_slap(items, after=Slap.RIGHT) == Slap.THUMBS
    assert next_slap(items, after=Slap.THUMBS) == Slap.RIGHT  # wraps round to what is left
    items.update({p.item_kind: exception(p) for p in (P.LEFT_THUMB, P.RIGHT_THUMB)})
    items.update({p.item_kind: item(p) for p in (P.RIGHT_INDEX, P.RIGHT_MIDDLE, P.RIGHT_RING, P.RIGHT_LITTLE)})
    assert next_slap(items) is None


def test_only_a_slap_scanner_takes_the_slap_flow(good: SbiFingerprintScanner) -> None:
    assert slap_scanner(good) is good and good.is_slap_scanner
    assert slap_scanner(object()) is None and slap_scanner(None) is None  # e.g. an EF01 module: single fingers


def test_three_slaps_with_a_bandaged_finger_complete_the_step(core, good: SbiFingerprintScanner) -> None:  # type: ignore[no-untyped-def]
    wf = workflow(core)
    wf.set_finger_exception(P.LEFT_INDEX, ItemException.BANDAGED, approver=SUPERVISOR)
    chain = CaptureChain()
    slap = next_slap(wf.enrollment.items)
    taken: list[tuple[Slap, int]] = []
    while slap is not None:
        plan = plan_slap(slap, wf.enrollment.items)
        capture = good.capture_slap(slap, exceptions=plan.exceptions, chain=chain)
        assert verdict(capture).passed and capture.exceptions == plan.exceptions
        assert record_slap(wf, capture) == list(plan.fingers)
        taken.append((slap, len(capture.fingers)))
        slap = next_slap(wf.enrollment.items, after=slap)
    assert taken == [(Slap.LEFT, 3), (Slap.RIGHT, 4), (Slap.THUMBS, 2)]  # the slap of 3 is accepted
    assert wf.complete(Step.FINGERPRINTS) and len(chain.links) == 9
    assert wf.enrollment.items[P.LEFT_INDEX.item_kind].exception_reason == "bandaged"
    for p in FingerPosition:
        if p != P.LEFT_INDEX:
            stored = wf.enrollment.items[p.item_kind]
            assert stored.format == "wsq" and stored.quality is not None and stored.quality >= THRESHOLD


def test_a_slap_below_the_threshold_keeps_the_best_of_three_and_names_the_fingers(core) -> None:  # type: ignore[no-untyped-def]
    device = scanner("low_quality")
    try:
        capture = device.capture_slap(Slap.RIGHT, chain=CaptureChain())
    finally:
        device.close()
    v = verdict(capture)
    assert not v.passed and v.attempts == SLAP_ATTEMPTS == len(capture.attempt_scores)
    assert kept_attempt(capture) == 1  # three equal attempts: the first is kept
    assert set(v.below) == set(capture.fingers) and len(v.below) == 4
    assert "40" in v.text.en and "right index" in v.text.en.lower() and "telunjuk" in v.text.id.lower()
    wf = workflow(core)
    assert len(record_slap(wf, capture)) == 4  # the best is still kept, as MOSIP's client does
    assert wf.enrollment.items[P.RIGHT_INDEX.item_kind].quality == round(capture.scores[P.RIGHT_INDEX], 1)


def test_an_exception_approved_during_the_capture_wins(core, good: SbiFingerprintScanner) -> None:  # type: ignore[no-untyped-def]
    wf = workflow(core)
    capture = good.capture_slap(Slap.THUMBS, chain=CaptureChain())  # asked for both thumbs
    wf.set_finger_exception(P.LEFT_THUMB, ItemException.SCARRED, approver=SUPERVISOR)
    assert record_slap(wf, capture) == [P.RIGHT_THUMB]
    assert wf.enrollment.items[P.LEFT_THUMB.item_kind].exception_reason == "scarred"


def test_a_wrong_hand_is_named_with_what_to_do() -> None:
    device = scanner("wrong_hand")
    try:
        with pytest.raises(WrongSubtypes) as caught:
            device.capture_slap(Slap.LEFT, chain=CaptureChain())
    finally:
        device.close()
    problem = slap_problem(caught.value, Slap.LEFT)
    assert problem is not None and problem.code == "sbi.wrong_hand" and problem.slap == Slap.LEFT
    assert not problem.missing and not problem.may_be_exception
    assert "right hand" in problem.text.en and "place the left hand" in problem.text.en
    assert "tangan kanan" in problem.text.id and "tangan kiri" in problem.text.id


def test_a_missing_finger_names_the_finger(core) -> None:  # type: ignore[no-untyped-def]
    device = scanner("missing_finger")
    try:
        with pytest.raises(WrongSubtypes) as caught:
            device.capture_slap(Slap.RIGHT, chain=CaptureChain())
    finally:
        device.close()
    problem = slap_problem(caught.value, Slap.RIGHT)
    assert problem is not None and problem.code == "sbi.missing_finger"
    assert problem.missing == (P.RIGHT_LITTLE,) and problem.may_be_exception
    assert "Right little not read" in problem.text.en and "exception" in problem.text.en
    assert P.RIGHT_LITTLE.label.id in problem.text.id


def test_a_device_fault_is_not_the_residents_problem() -> None:
    assert slap_problem(errors.bad_signature("http://127.0.0.1:1", "x", bio_type=None), Slap.LEFT) is None
    assert slap_problem(errors.from_device_code(111, None, bio_type=None, url=None), Slap.LEFT) is None
    assert slap_problem(ValueError("bug"), Slap.LEFT) is None
    no_finger = slap_problem(errors.from_device_code(101, None, bio_type=None, url=None), Slap.THUMBS)
    assert no_finger is not None and no_finger.code == "sbi.no_object" and "flat" in no_finger.text.en


def streams() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sbi-stream") and t.is_alive()]


@pytest.mark.parametrize("fault", [None, "wrong_hand"])
def test_the_live_preview_runs_during_the_capture_and_stops_with_it(fault: str | None) -> None:
    device = scanner(fault, delay_s=0.8)  # the hand stays on the glass for 0.8 s
    frames: list[tuple[int, ...]] = []
    try:
        try:
            capture = capture_with_preview(device, Slap.RIGHT, on_frame=lambda f: frames.append(f.shape))
            assert len(capture.fingers) == 4 and fault is None
        except WrongSubtypes:
            assert fault == "wrong_hand"
        assert not streams()  # stopped however the capture ended
    finally:
        device.close()
    assert frames and all(len(shape) == 3 and shape[2] == 3 for shape in frames)  # BGR frames of the slap

"""The enrollment state machine, driven with plain data against a real store."""

from __future__ import annotations

from datetime import date

import pytest

from common.biometrics import (
    FACE,
    IRIS_LEFT,
    IRIS_RIGHT,
    SIGNATURE,
    FingerPosition,
    ItemException,
    ItemFormat,
)
from common.errors import StateError, ValidationError, ValidationErrors
from station.auth import Role, User
from station.workflow import EnrollmentWorkflow, Step
from tests.conftest import SUPERVISOR_PASSWORD
from tests.factories import TODAY, cap, resident

OPERATOR = User("spv", "Supervisor Uji", Role.SUPERVISOR)
CLERK = User("clerk", "Operator Uji", Role.OPERATOR)


def workflow(core) -> EnrollmentWorkflow:  # type: ignore[no-untyped-def]
    return EnrollmentWorkflow(core.enrollments, OPERATOR, today=lambda: TODAY)


def set_irises(wf: EnrollmentWorkflow) -> None:
    wf.set_iris("right", cap(IRIS_RIGHT, ItemFormat.ISO_19794_6, b"IIR\x00right"))
    wf.set_iris("left", cap(IRIS_LEFT, ItemFormat.ISO_19794_6, b"IIR\x00left"))


def fill(wf: EnrollmentWorkflow, *, skip: FingerPosition | None = None) -> None:
    """Every step in the official e-KTP order: data, photo, signature, fingers, irises."""
    wf.submit_demographics(resident())
    wf.set_face(cap(FACE, ItemFormat.JPEG, b"\xff\xd8\xffface"))
    wf.set_signature(cap(SIGNATURE, ItemFormat.SIGNATURE_VECTORS, b"strokes"))
    for p in FingerPosition:
        if p == skip:
            wf.set_finger_exception(p, ItemException.AMPUTATED, approver=OPERATOR)
        else:
            wf.set_finger(p, cap(p.item_kind))
    set_irises(wf)


def test_steps_advance_in_order_and_seal_assigns_the_first_number(core):
    wf = workflow(core)
    assert wf.step == Step.DEMOGRAPHICS
    wf.submit_demographics(resident())
    assert wf.step == Step.PHOTO
    wf.set_face(cap(FACE, ItemFormat.JPEG))
    assert wf.step == Step.SIGNATURE
    wf.set_signature(cap(SIGNATURE, ItemFormat.SIGNATURE_VECTORS))
    for p in FingerPosition:
        assert wf.step == Step.FINGERPRINTS
        wf.set_finger(p, cap(p.item_kind))
    assert wf.step == Step.IRIS
    wf.set_iris("right", cap(IRIS_RIGHT, ItemFormat.ISO_19794_6))
    assert wf.step == Step.IRIS
    wf.set_iris("left", cap(IRIS_LEFT, ItemFormat.ISO_19794_6))
    assert wf.step == Step.REVIEW
    result = wf.seal()
    assert wf.step == Step.SEALED
    assert result.station_seq == 1 and result.reg_no == "320412-01-0000001"
    detail = core.enrollments.detail(reg_no=result.reg_no)
    assert detail.summary.state == "SEALED"
    assert [t.state for t in detail.timeline] == ["DRAFT", "SEALED"]
    assert len(detail.items) == 14


def test_sealing_twice_is_refused_and_takes_no_second_number(core):
    wf = workflow(core)
    fill(wf)
    wf.seal()
    with pytest.raises(StateError) as info:
        wf.seal()
    assert info.value.code == "state.already_sealed"
    assert core.enrollments.state_counts() == {"SEALED": 1}


def test_a_second_workflow_on_the_same_record_cannot_seal_it_again(core):
    wf = workflow(core)
    fill(wf)
    wf.seal()
    twin = EnrollmentWorkflow.resume(core.enrollments, OPERATOR, wf.to_data(), today=lambda: TODAY)
    twin.step = Step.REVIEW
    with pytest.raises(StateError):
        twin.seal()
    assert core.enrollments.state_counts() == {"SEALED": 1}


def test_cannot_seal_incomplete_and_the_message_names_what_is_missing(core):
    wf = workflow(core)
    wf.submit_demographics(resident())
    wf.set_face(cap(FACE, ItemFormat.JPEG))
    with pytest.raises(StateError) as info:
        wf.seal()
    assert "Right thumb" in info.value.message.en and "Ibu jari kanan" in info.value.message.id


def test_captures_before_demographics_are_refused(core):
    wf = workflow(core)
    with pytest.raises(StateError):
        wf.set_face(cap(FACE, ItemFormat.JPEG))


def test_invalid_demographics_do_not_advance(core):
    wf = workflow(core)
    with pytest.raises((ValidationError, ValidationErrors)):
        wf.submit_demographics(resident(nik="1234"))
    assert wf.step == Step.DEMOGRAPHICS
    assert core.enrollments.drafts() == []


def test_finger_exception_needs_a_supervisor(core):
    core.auth.add_operator(
        "clerk", "Operator Uji", Role.OPERATOR, "rahasia-op-1", by=core.auth.login("spv", SUPERVISOR_PASSWORD)
    )
    wf = EnrollmentWorkflow(core.enrollments, CLERK, today=lambda: TODAY)
    wf.submit_demographics(resident())
    with pytest.raises(StateError) as info:
        wf.set_finger_exception(FingerPosition.LEFT_LITTLE, ItemException.BANDAGED, approver=CLERK)
    assert info.value.code == "auth.role"
    wf.set_finger_exception(FingerPosition.LEFT_LITTLE, ItemException.BANDAGED, approver=OPERATOR)
    assert FingerPosition.LEFT_LITTLE.item_kind in wf.enrollment.items


def test_other_reason_needs_a_note(core):
    wf = workflow(core)
    wf.submit_demographics(resident())
    with pytest.raises(ValidationError):
        wf.set_finger_exception(FingerPosition.LEFT_RING, ItemException.OTHER, note=" ", approver=OPERATOR)


def test_exception_is_stored_with_reason_and_approver(core):
    wf = workflow(core)
    fill(wf, skip=FingerPosition.RIGHT_INDEX)
    reg = wf.seal().reg_no
    items = {i.kind: i for i in core.enrollments.detail(reg_no=reg).items}
    finger = items[FingerPosition.RIGHT_INDEX.item_kind]
    assert finger.exception_reason == "amputated" and finger.approved_by == "spv" and finger.size == 0


def test_go_back_to_any_step_then_return_to_review(core):
    wf = workflow(core)
    fill(wf)
    assert wf.step == Step.REVIEW
    wf.go_to(Step.PHOTO)
    wf.clear_item(FACE)
    with pytest.raises(StateError):
        wf.go_to(Step.REVIEW)
    wf.set_face(cap(FACE, ItemFormat.JPEG, b"\xff\xd8\xffretake"))
    assert wf.step == Step.REVIEW  # complete steps are skipped on the way back
    wf.seal()


def test_draft_survives_and_resumes_at_the_saved_step(core):
    wf = workflow(core)
    wf.submit_demographics(resident())
    wf.set_face(cap(FACE, ItemFormat.JPEG, b"\xff\xd8\xffface"))
    wf.set_signature(cap(SIGNATURE, ItemFormat.SIGNATURE_VECTORS))
    wf.set_finger(FingerPosition.RIGHT_THUMB, cap(FingerPosition.RIGHT_THUMB.item_kind))
    drafts = core.enrollments.drafts()
    assert len(drafts) == 1 and drafts[0].state == "DRAFT"
    data = core.enrollments.load(drafts[0].uuid)
    resumed = EnrollmentWorkflow.resume(core.enrollments, OPERATOR, data, today=lambda: TODAY)
    assert resumed.step == Step.FINGERPRINTS
    assert resumed.enrollment.items[FACE].payload == b"\xff\xd8\xffface"
    for p in list(FingerPosition)[1:]:
        resumed.set_finger(p, cap(p.item_kind))
    assert resumed.step == Step.IRIS
    set_irises(resumed)
    assert resumed.seal().station_seq == 1
    assert core.enrollments.drafts() == []


def test_signature_exception(core):
    wf = workflow(core)
    wf.submit_demographics(resident())
    wf.set_face(cap(FACE, ItemFormat.JPEG))
    wf.set_signature_exception(ItemException.OTHER, note="kedua tangan diperban", approver=OPERATOR)
    assert wf.step == Step.FINGERPRINTS
    for p in FingerPosition:
        wf.set_finger(p, cap(p.item_kind))
    set_irises(wf)
    assert wf.enrollment.items[SIGNATURE].exception_reason == "other"
    wf.seal()


def test_sequence_is_gap_free_across_many_seals(core):
    for _ in range(5):
        wf = workflow(core)
        fill(wf)
        wf.seal()
    summaries = core.enrollments.find_by_name_prefix("CONTOH")
    assert sorted(s.station_seq for s in summaries) == [1, 2, 3, 4, 5]


def test_demographics_are_checked_again_at_seal_time(core):
    wf = EnrollmentWorkflow(core.enrollments, OPERATOR, today=lambda: TODAY)
    fill(wf)
    wf.today = lambda: date(1989, 1, 1)  # a clock set back before the birth date
    with pytest.raises(ValidationErrors):
        wf.seal()


def test_a_correction_is_a_new_record_that_references_the_sealed_one(core):
    first = workflow(core)
    fill(first)
    original = first.seal()
    fix = EnrollmentWorkflow(core.enrollments, OPERATOR, today=lambda: TODAY, corrects_uuid=original.uuid)
    fill(fix)
    corrected = fix.seal()
    assert corrected.station_seq == 2 and corrected.uuid != original.uuid
    assert core.enrollments.detail(reg_no=corrected.reg_no).corrects_uuid == original.uuid
    assert core.enrollments.detail(reg_no=original.reg_no).summary.state == "SEALED"  # untouched


def test_a_correction_of_an_unknown_record_is_refused(core):
    wf = EnrollmentWorkflow(core.enrollments, OPERATOR, today=lambda: TODAY, corrects_uuid="no-such-record")
    with pytest.raises(StateError) as info:
        wf.submit_demographics(resident())
    assert info.value.code == "state.correction_target"


def test_an_item_of_another_kind_is_refused(core):
    wf = workflow(core)
    wf.submit_demographics(resident())
    with pytest.raises(ValueError):
        wf.set_face(cap(SIGNATURE, ItemFormat.SIGNATURE_VECTORS))
    with pytest.raises(ValueError):
        wf.set_finger(FingerPosition.LEFT_RING, cap(FingerPosition.RIGHT_RING.item_kind))
    assert wf.enrollment.items == {}

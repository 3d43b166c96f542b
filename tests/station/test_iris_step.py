"""The iris step of the workflow: after the fingerprints, both eyes captured or excepted.

The official e-KTP order is data verification, photo, signature, fingerprints, iris;
an eye that cannot be captured is an exception a supervisor approves, with a reason
that fits an eye.
"""

from __future__ import annotations

import pytest

from common.biometrics import (
    ALL_ITEM_KINDS,
    FACE,
    IRIS_LEFT,
    IRIS_RIGHT,
    SIGNATURE,
    FingerPosition,
    ItemException,
    ItemFormat,
    exception_reasons,
    item_kind_label,
)
from common.errors import StateError, ValidationError
from devices.sbi.iris import simulated_iris_camera
from station.auth import Role, User
from station.captures import iris_capture
from station.workflow import ORDER, EnrollmentWorkflow, Step
from tests.factories import TODAY, cap, resident

SPV = User("spv", "Supervisor Uji", Role.SUPERVISOR)
CLERK = User("clerk", "Operator Uji", Role.OPERATOR)


def up_to_iris(core) -> EnrollmentWorkflow:  # type: ignore[no-untyped-def]
    wf = EnrollmentWorkflow(core.enrollments, SPV, today=lambda: TODAY)
    wf.submit_demographics(resident())
    wf.set_face(cap(FACE, ItemFormat.JPEG))
    wf.set_signature(cap(SIGNATURE, ItemFormat.SIGNATURE_VECTORS))
    for p in FingerPosition:
        wf.set_finger(p, cap(p.item_kind))
    return wf


def test_the_order_is_the_official_e_ktp_order() -> None:
    assert ORDER == [
        Step.DEMOGRAPHICS,
        Step.PHOTO,
        Step.SIGNATURE,
        Step.FINGERPRINTS,
        Step.IRIS,
        Step.REVIEW,
        Step.SEALED,
    ]
    assert {IRIS_LEFT, IRIS_RIGHT} <= set(ALL_ITEM_KINDS)
    assert item_kind_label(IRIS_LEFT).en == "Left iris" and item_kind_label(IRIS_RIGHT).id == "Iris mata kanan"


def test_the_iris_step_follows_the_fingerprints_and_needs_both_eyes(core):
    wf = up_to_iris(core)
    assert wf.step == Step.IRIS and not wf.complete(Step.IRIS)
    assert [m.en for m in wf.missing()] == ["Right iris: not captured.", "Left iris: not captured."]
    with pytest.raises(StateError):
        wf.go_to(Step.REVIEW)
    wf.set_iris("left", cap(IRIS_LEFT, ItemFormat.ISO_19794_6))
    assert wf.step == Step.IRIS and [m.en for m in wf.missing()] == ["Right iris: not captured."]
    with pytest.raises(StateError):
        wf.seal()
    wf.set_iris("right", cap(IRIS_RIGHT, ItemFormat.ISO_19794_6))
    assert wf.step == Step.REVIEW and wf.missing() == []
    assert wf.snapshot().is_complete(Step.IRIS)
    result = wf.seal()
    kinds = {i.kind for i in core.enrollments.detail(reg_no=result.reg_no).items}
    assert kinds == set(ALL_ITEM_KINDS)


def test_the_iris_step_cannot_be_reached_before_the_fingerprints(core):
    wf = EnrollmentWorkflow(core.enrollments, SPV, today=lambda: TODAY)
    wf.submit_demographics(resident())
    wf.set_face(cap(FACE, ItemFormat.JPEG))
    assert wf.step == Step.SIGNATURE  # the photo is followed by the signature
    wf.set_signature(cap(SIGNATURE, ItemFormat.SIGNATURE_VECTORS))
    assert wf.step == Step.FINGERPRINTS
    with pytest.raises(StateError) as info:
        wf.go_to(Step.IRIS)
    assert info.value.code == "state.incomplete_step"


def test_an_item_for_the_other_eye_or_a_bad_eye_name_is_refused(core):
    wf = up_to_iris(core)
    with pytest.raises(ValueError):
        wf.set_iris("left", cap(IRIS_RIGHT, ItemFormat.ISO_19794_6))
    with pytest.raises(ValueError):
        wf.set_iris("both", cap(IRIS_LEFT, ItemFormat.ISO_19794_6))
    assert IRIS_LEFT not in wf.enrollment.items and IRIS_RIGHT not in wf.enrollment.items


def test_a_missing_eye_is_an_exception_a_supervisor_approves(core):
    wf = up_to_iris(core)
    with pytest.raises(StateError) as info:
        wf.set_iris_exception("right", ItemException.EYE_MISSING, approver=CLERK)
    assert info.value.code == "auth.role" and IRIS_RIGHT not in wf.enrollment.items
    wf.set_iris_exception("right", ItemException.EYE_MISSING, approver=SPV)
    wf.set_iris("left", cap(IRIS_LEFT, ItemFormat.ISO_19794_6))
    assert wf.step == Step.REVIEW
    reg = wf.seal().reg_no
    items = {i.kind: i for i in core.enrollments.detail(reg_no=reg).items}
    right = items[IRIS_RIGHT]
    assert (right.exception_reason, right.approved_by, right.size) == ("eye_missing", "spv", 0)


def test_an_eye_takes_eye_reasons_and_a_finger_takes_finger_reasons(core):
    assert exception_reasons(IRIS_LEFT) == (ItemException.EYE_MISSING, ItemException.EYE_CONDITION, ItemException.OTHER)
    assert ItemException.EYE_MISSING not in exception_reasons(FingerPosition.LEFT_INDEX.item_kind)
    wf = up_to_iris(core)
    with pytest.raises(ValidationError) as info:
        wf.set_iris_exception("left", ItemException.AMPUTATED, approver=SPV)
    assert info.value.field == "reason"
    with pytest.raises(ValidationError):
        wf.set_finger_exception(FingerPosition.LEFT_INDEX, ItemException.EYE_CONDITION, approver=SPV)
    with pytest.raises(ValidationError) as other:
        wf.set_iris_exception("left", ItemException.OTHER, note=" ", approver=SPV)
    assert other.value.field == "note"
    wf.set_iris_exception("left", ItemException.EYE_CONDITION, note="katarak", approver=SPV)
    assert wf.enrollment.items[IRIS_LEFT].exception_note == "katarak"


def test_a_draft_at_the_iris_step_resumes_there(core):
    wf = up_to_iris(core)
    wf.set_iris("right", cap(IRIS_RIGHT, ItemFormat.ISO_19794_6, b"right record"))
    data = core.enrollments.load(core.enrollments.drafts()[0].uuid)
    resumed = EnrollmentWorkflow.resume(core.enrollments, SPV, data, today=lambda: TODAY)
    assert resumed.step == Step.IRIS and resumed.enrollment.items[IRIS_RIGHT].payload == b"right record"
    resumed.set_iris("left", cap(IRIS_LEFT, ItemFormat.ISO_19794_6))
    assert resumed.seal().station_seq == 1


def test_a_retake_clears_one_eye_and_the_step_is_incomplete_again(core):
    wf = up_to_iris(core)
    wf.set_iris("right", cap(IRIS_RIGHT, ItemFormat.ISO_19794_6))
    wf.set_iris("left", cap(IRIS_LEFT, ItemFormat.ISO_19794_6))
    wf.go_to(Step.IRIS)
    wf.clear_item(IRIS_LEFT)
    assert not wf.complete(Step.IRIS)
    with pytest.raises(StateError):
        wf.go_to(Step.REVIEW)


@pytest.mark.timeout(60)
def test_the_simulated_camera_s_eyes_are_sealed_as_the_items_of_those_eyes(core):
    wf = up_to_iris(core)
    camera = simulated_iris_camera(capture_delay_s=0.0, seed=6)
    camera.open()
    try:
        eyes = camera.capture_eyes("both")
    finally:
        camera.close()
    for eye, capture in eyes.items():
        wf.set_iris(eye, iris_capture(capture))
    reg = wf.seal().reg_no
    items = {i.kind: i for i in core.enrollments.detail(reg_no=reg).items}
    for kind, eye in ((IRIS_LEFT, "left"), (IRIS_RIGHT, "right")):
        stored = items[kind]
        assert stored.format == ItemFormat.ISO_19794_6.value and stored.size == len(eyes[eye].record)
        assert stored.quality == round(eyes[eye].device_score, 1)
        assert wf.enrollment.items[kind].device_driver == "sbi-iris-sim" and wf.enrollment.items[kind].simulated

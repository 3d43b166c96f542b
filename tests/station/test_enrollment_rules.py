"""The counter's rules around one enrollment (station.enrollment_rules), against a real
store: who may start, what cancel does, and the ticket served by the seal itself."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from common.biometrics import FingerPosition
from common.errors import AuthError, StateError
from station.auth import Role, User
from station.core import StationCore
from station.enrollment_rules import cancel_enrollment, require_may_start, start_enrollment
from station.sync.limits import EnrollmentBlocked
from station.synthetic import synthetic_resident
from station.synthetic_biometrics import SyntheticBiometrics
from station.tickets import CALLED, SERVED, WAITING, CounterTickets
from station.workflow import EnrollmentWorkflow, Step
from store import audit
from store.models import AuditEvent

TECHNICIAN = User("tek", "Teknisi Uji", Role.TECHNICIAN)


def fill(wf: EnrollmentWorkflow, seed: int = 5) -> None:
    """Every step of a synthetic resident (district codes 90-99), up to the review."""
    today = date.today()
    bio = SyntheticBiometrics()
    resident = synthetic_resident(seed, today)
    wf.submit_demographics(resident.demographics)
    wf.set_face(bio.face(seed, resident.demographics.tanggal_lahir.year))
    wf.set_signature(bio.signature(seed))
    for position in FingerPosition:
        wf.set_finger(position, bio.finger(seed, position))
    for eye in ("right", "left"):
        wf.set_iris(eye, bio.iris(seed, eye))
    assert wf.step == Step.REVIEW


def test_only_operators_and_supervisors_may_start_and_the_refusal_names_the_role(core, supervisor):
    require_may_start(core, supervisor)
    require_may_start(core, User("op", "Operator Uji", Role.OPERATOR))
    with pytest.raises(AuthError) as refused:
        require_may_start(core, TECHNICIAN)
    assert refused.value.code == "auth.role"
    assert "Technician" in refused.value.message.en and "Teknisi" in refused.value.message.id


def test_a_hard_offline_limit_stops_a_start_and_names_the_limit_in_both_languages(core, supervisor):
    core.config.sync.block_free_enrollments = 10**12  # the disk can never hold that many
    with pytest.raises(EnrollmentBlocked) as blocked:
        start_enrollment(core, supervisor)
    assert blocked.value.code == "limits.blocked"
    assert f"limit {10**12}" in blocked.value.message.en and f"batas {10**12}" in blocked.value.message.id


def test_cancel_goes_through_the_workflow_discards_the_draft_and_refuses_a_sealed_record(core, supervisor):
    wf = start_enrollment(core, supervisor)
    fill(wf)
    assert core.enrollments.load(wf.enrollment.uuid) is not None  # a draft was saved
    cancel_enrollment(wf, actor="spv")
    assert core.enrollments.load(wf.enrollment.uuid) is None
    with core.db.read() as session:
        assert ("draft_discarded", "spv") in [(e.action, e.actor) for e in session.scalars(select(AuditEvent))]
    sealed = start_enrollment(core, supervisor)
    fill(sealed, seed=6)
    sealed.seal()
    with pytest.raises(StateError):
        cancel_enrollment(sealed, actor="spv")
    assert core.enrollments.load(sealed.enrollment.uuid) is not None


def test_the_seal_serves_the_called_ticket_in_its_own_transaction_so_a_crash_after_it_leaves_it_served(
    core, supervisor
):
    tickets = CounterTickets(core.db, core.key)
    issued = tickets.issue_ticket("spv")
    called = tickets.call_next("spv")
    assert called is not None and called.ticket_id == issued.ticket_id
    wf = start_enrollment(core, supervisor, ticket_id=called.ticket_id)
    fill(wf)
    # The ticket travels in the draft: a resumed draft still serves it.
    draft = core.enrollments.load(wf.enrollment.uuid)
    assert draft is not None and draft.ticket_id == called.ticket_id
    resumed = EnrollmentWorkflow.resume(core.enrollments, supervisor, draft)
    assert resumed.enrollment.ticket_id == called.ticket_id
    assert tickets.repo.ticket(called.ticket_id).state == CALLED  # type: ignore[union-attr]
    result = resumed.seal()
    # "Crash" before Next resident: nothing else runs; a fresh core finds the ticket served.
    home = core.home
    core.close()
    again = StationCore.open(home)
    try:
        ticket = CounterTickets(again.db, again.key).repo.ticket(called.ticket_id)
        assert ticket is not None and ticket.state == SERVED and ticket.record_uuid == result.uuid
        with again.db.read() as session:
            actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
            count, problems = audit.verify_chain(session)
        assert actions.index("seal") < actions.index("queue_served")
        assert problems == [] and count == len(actions)
    finally:
        again.close()


def test_a_ticket_put_back_in_line_meanwhile_is_left_alone_and_the_seal_still_succeeds(core, supervisor):
    tickets = CounterTickets(core.db, core.key)
    tickets.issue_ticket("spv")
    called = tickets.call_next("spv")
    assert called is not None
    wf = start_enrollment(core, supervisor, ticket_id=called.ticket_id)
    fill(wf)
    tickets.mark_no_show(called.ticket_id, "spv", requeue=True)  # another counter put it back
    result = wf.seal()
    assert core.enrollments.find_by_reg(result.reg_no)[0].state == "SEALED"
    ticket = tickets.repo.ticket(called.ticket_id)
    assert ticket is not None and ticket.state == WAITING and ticket.record_uuid is None


def test_a_ticket_is_attached_only_before_anything_is_saved(core, supervisor):
    wf = start_enrollment(core, supervisor)
    wf.serve_ticket(7)
    assert wf.enrollment.ticket_id == 7
    fill(wf)
    with pytest.raises(StateError):
        wf.serve_ticket(8)


def test_a_workflow_snapshot_is_frozen_and_does_not_follow_the_workflow(core, supervisor):
    import dataclasses

    wf = start_enrollment(core, supervisor)
    fill(wf)
    snap = wf.snapshot()
    assert snap.step == Step.REVIEW and len(snap.items) == 14 and snap.missing == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.step = Step.PHOTO  # type: ignore[misc]
    wf.clear_item("face")
    wf.go_to(Step.PHOTO)
    assert snap.step == Step.REVIEW and snap.has("face") and snap.is_complete(Step.PHOTO)
    assert wf.snapshot().step == Step.PHOTO and not wf.snapshot().has("face")

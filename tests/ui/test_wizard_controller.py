"""The wizard's controller: input queued in order (never refused while busy), and the
GUI thread handed frozen snapshots of the workflow."""

from __future__ import annotations

import threading
from datetime import date

from common.errors import StateError
from station.auth import Role, User
from station.synthetic import synthetic_resident
from station.workflow import EnrollmentWorkflow, Step
from ui.tasks import Failure
from ui.wizard.base import WizardController

WAIT_MS = 15_000
SUPERVISOR = User("spv", "Supervisor Uji", Role.SUPERVISOR)


def test_two_quick_inputs_while_busy_are_both_applied_in_order(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    wf = EnrollmentWorkflow(ctx.core.enrollments, SUPERVISOR)
    wizard = WizardController(ctx, wf)
    resident = synthetic_resident(3, date.today()).demographics
    release = threading.Event()
    applied: list[str] = []
    done: list[str] = []
    busy: list[bool] = []
    wizard.busy_changed.connect(busy.append)

    def first(w: EnrollmentWorkflow) -> None:
        assert release.wait(10), "the test never released the first input"  # held while the second arrives
        w.submit_demographics(resident)
        applied.append("demographics")

    def second(w: EnrollmentWorkflow) -> None:
        w.go_to(Step.PHOTO)  # refused unless the first was applied before it
        applied.append("photo")

    assert wizard.submit(first, on_done=lambda _r: done.append("first"))
    assert wizard.busy
    assert wizard.submit(second, on_done=lambda _r: done.append("second"))  # while busy: queued, not refused
    release.set()
    qtbot.waitUntil(lambda: len(done) == 2, timeout=WAIT_MS)
    assert applied == ["demographics", "photo"]
    assert done == ["first", "second"]
    assert not wizard.busy and busy[0] is True and busy[-1] is False
    assert wizard.snapshot.step == Step.PHOTO and wizard.snapshot.demographics is not None


def test_a_failed_input_does_not_stop_the_ones_queued_behind_it(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    wizard = WizardController(ctx, EnrollmentWorkflow(ctx.core.enrollments, SUPERVISOR))
    release = threading.Event()
    failures: list[Failure] = []
    done: list[str] = []

    def refused(w: EnrollmentWorkflow) -> None:
        assert release.wait(10)
        w.go_to(Step.REVIEW)  # nothing is complete: the workflow refuses

    wizard.submit(refused, on_failed=failures.append)
    wizard.submit(lambda w: w.go_to(Step.DEMOGRAPHICS), on_done=lambda _r: done.append("after"))
    release.set()
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    assert len(failures) == 1 and isinstance(failures[0].error, StateError)
    assert not wizard.busy


def test_a_snapshot_does_not_change_when_the_workflow_changes_afterwards(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    wf = EnrollmentWorkflow(ctx.core.enrollments, SUPERVISOR)
    wizard = WizardController(ctx, wf)
    before = wizard.snapshot
    resident = synthetic_resident(4, date.today()).demographics
    done: list[object] = []
    wizard.submit(lambda w: w.submit_demographics(resident), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    after = wizard.snapshot
    assert after is not before
    assert before.step == Step.DEMOGRAPHICS and before.demographics is None and before.complete == ()
    assert after.step == Step.PHOTO and after.demographics is not None and Step.DEMOGRAPHICS in after.complete
    # The live workflow goes on changing (as the writer thread would); the snapshot does not.
    wf.enrollment.items["face"] = object()  # type: ignore[assignment]
    wf.step = Step.SIGNATURE
    assert after.step == Step.PHOTO and not after.has("face") and after.items == ()
    assert isinstance(after.items, tuple) and isinstance(after.missing, tuple)

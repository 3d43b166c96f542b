"""The wizard's frame: a controller around the Qt-free EnrollmentWorkflow, and the
base class of every step page.

The workflow owns every rule (station/workflow.py); pages only render its state and
feed input back through `WizardController.submit`, which runs the workflow call on
the app's single store-writer thread (each accepted input saves a draft, and a seal
writes a packet: never on the GUI thread).

Input is queued, not refused (STYLE habit 19): a submission made while another runs
waits its turn and runs after it, in the order given; none is dropped. The workflow
itself refuses what no longer applies (a second seal raises StateError), and the
pages disable their buttons while `busy`, so a double click never seals twice or
skips a step.

The GUI thread sees snapshots (habit 20): the writer thread changes the live workflow,
so after each submission a frozen `WorkflowSnapshot` is taken on the writer thread
and handed over with the result; pages read `wizard.snapshot`, never `workflow`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from station.workflow import EnrollmentWorkflow, Step, WorkflowSnapshot
from ui.app_context import AppContext
from ui.tasks import Failure

log = logging.getLogger(__name__)

QUEUE_WARN = 100  # this far behind, the writer is stuck: logged (input is still never dropped)


@dataclass(frozen=True)
class _Submission:
    action: Callable[[EnrollmentWorkflow], Any]
    on_done: Callable[[Any], None] | None
    on_failed: Callable[[Failure], None] | None


class WizardController(QObject):
    """Holds the workflow of the enrollment in progress; survives page rebuilds
    (language switch) and the idle lock."""

    changed = Signal()  # the workflow accepted an input (its step may have moved)
    failed = Signal(object)  # a Failure from the last submission
    busy_changed = Signal(bool)

    def __init__(self, ctx: AppContext, workflow: EnrollmentWorkflow, *, prefill: dict[str, Any] | None = None) -> None:
        super().__init__(ctx)
        self.ctx = ctx
        self.workflow = workflow  # the writer thread's; pages read `snapshot`
        self.prefill = prefill or {}  # what a called ticket's appointment knows (name, nik)
        self.snapshot: WorkflowSnapshot = workflow.snapshot()  # nothing runs yet: safe to take here
        self.busy = False
        self._queue: deque[_Submission] = deque()
        self._running = False

    @property
    def step(self) -> Step:
        return self.snapshot.step

    def submit(
        self,
        action: Callable[[EnrollmentWorkflow], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[Failure], None] | None = None,
    ) -> bool:
        """Run `action(workflow)` on the writer thread after every submission before it;
        always accepted (True), never dropped."""
        if len(self._queue) >= QUEUE_WARN:
            log.warning("%d wizard inputs wait for the writer: is it stuck?", len(self._queue))
        self._queue.append(_Submission(action, on_done, on_failed))
        if not self.busy:
            self._set_busy(True)
        if not self._running:
            self._next()
        return True

    def _next(self) -> None:
        if not self._queue:
            self._running = False
            return
        self._running = True
        sub = self._queue.popleft()
        taken: list[WorkflowSnapshot] = []

        def run(wf: EnrollmentWorkflow) -> Any:
            try:
                return sub.action(wf)
            finally:
                taken.append(wf.snapshot())  # on the writer thread, before anything else changes it

        def done(result: Any) -> None:
            self._settle(taken)
            if sub.on_done is not None:
                sub.on_done(result)
            self.changed.emit()
            self._next()

        def failed(failure: Failure) -> None:
            self._settle(taken)
            if sub.on_failed is not None:
                sub.on_failed(failure)
            self.failed.emit(failure)
            self._next()

        self.ctx.tasks.run(run, self.workflow, on_done=done, on_failed=failed, serial=True, name="workflow", owner=self)

    def _settle(self, taken: list[WorkflowSnapshot]) -> None:
        if taken:
            self.snapshot = taken[-1]
        if not self._queue:
            self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)


class StepPage(QWidget):
    """One step. `enter` when it becomes current (start a preview, render the
    workflow's data), `leave` when another step does (stop previews, cancel captures)."""

    step: ClassVar[Step]

    def __init__(self, ctx: AppContext, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.wizard = wizard

    def enter(self) -> None:
        """The step became current."""

    def leave(self) -> None:
        """Another step became current, or the wizard closes."""

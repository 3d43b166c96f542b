"""The wizard's frame: a controller around the Qt-free EnrollmentWorkflow, and the
base class of every step page.

The workflow owns every rule (station/workflow.py); pages only render its state and
feed input back through `WizardController.submit`, which runs the workflow call on
the app's single store-writer thread (each accepted input saves a draft, and a seal
writes a packet: never on the GUI thread). While one submission runs, further ones
are refused, so a double click or Enter pressed twice never seals twice or skips a
step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from station.workflow import EnrollmentWorkflow, Step
from ui.app_context import AppContext
from ui.tasks import Failure

log = logging.getLogger(__name__)


class WizardController(QObject):
    """Holds the workflow of the enrollment in progress; survives page rebuilds
    (language switch) and the idle lock."""

    changed = Signal()  # the workflow accepted an input (its step may have moved)
    failed = Signal(object)  # a Failure from the last submission
    busy_changed = Signal(bool)

    def __init__(self, ctx: AppContext, workflow: EnrollmentWorkflow, *, prefill: dict[str, Any] | None = None) -> None:
        super().__init__(ctx)
        self.ctx = ctx
        self.workflow = workflow
        self.prefill = prefill or {}  # what a called ticket's appointment knows (name, nik)
        self.busy = False

    @property
    def step(self) -> Step:
        return self.workflow.step

    def submit(
        self,
        action: Callable[[EnrollmentWorkflow], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[Failure], None] | None = None,
    ) -> bool:
        """Run `action(workflow)` on the writer thread; False if one is still running."""
        if self.busy:
            log.info("submission ignored: the previous one is still running")
            return False
        self._set_busy(True)

        def done(result: Any) -> None:
            self._set_busy(False)
            if on_done is not None:
                on_done(result)
            self.changed.emit()

        def failed(failure: Failure) -> None:
            self._set_busy(False)
            if on_failed is not None:
                on_failed(failure)
            self.failed.emit(failure)

        self.ctx.tasks.run(
            action, self.workflow, on_done=done, on_failed=failed, serial=True, name="workflow", owner=self
        )
        return True

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

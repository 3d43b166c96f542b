"""The next resident's wizard, built while the counter is idle.

Building a WizardPage costs about 50 ms of widgets; built when "New enrollment" or
"Call next" is pressed, that is a visible pause. So the window keeps one spare, built
SPARE_DELAY_MS after the home page is shown, then laid out and painted one page per
turn of the event loop (WARM_STEP_MS apart, a few ms each), with `tidy_heap`'s full
collection right after the build (README, "Keeping the window responsive").

Traps: the spare belongs to the user it was built for (a different login drops it);
it lives in the window's PageStack, so a language switch (which rebuilds the stack)
makes a new SpareWizard and the old one dies with the old widgets (its timers take
the stack as their context); nothing here runs unless the counter is idle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from station.auth import User
from station.workflow import EnrollmentWorkflow
from store.records import SealResult
from ui.heap import tidy_heap
from ui.widgets import PageStack
from ui.wizard.base import WizardController
from ui.wizard.window import WizardPage

SPARE_DELAY_MS = 400
WARM_STEP_MS = 30  # between two pages warmed at idle


def drop_page(stack: PageStack, page: WizardPage) -> None:
    """Stop a wizard page's previews and captures and delete it."""
    if shiboken6.isValid(page):
        page.close_pages()
        stack.removeWidget(page)
        page.deleteLater()


class SpareWizard(QObject):
    """One spare (controller, page) for the next resident; `take` hands it over."""

    def __init__(
        self,
        ctx: Any,
        stack: PageStack,
        *,
        is_idle: Callable[[], bool],
        on_finished: Callable[[SealResult | None], None],
    ) -> None:
        super().__init__(stack)  # dies with the stack (a language switch rebuilds it)
        self.ctx = ctx
        self.stack = stack
        self.is_idle = is_idle
        self.on_finished = on_finished
        self.spare: tuple[WizardController, WizardPage] | None = None
        self.warm = False  # the spare's pages laid out and painted once

    @property
    def ready(self) -> bool:
        return self.spare is not None and self.warm

    def schedule(self) -> None:
        """Build the spare a moment after the counter became idle (if it still is)."""
        QTimer.singleShot(SPARE_DELAY_MS, self, self._prepare)

    def _prepare(self) -> None:
        user = self.ctx.user
        if user is None or self.spare is not None or not self.is_idle():
            return
        controller = WizardController(self.ctx, EnrollmentWorkflow(self.ctx.core.enrollments, user))
        page = WizardPage(self.ctx, controller)
        page.finished.connect(self.on_finished)
        self.stack.addWidget(page)
        self.spare = (controller, page)
        self.warm = False
        tidy_heap()
        QTimer.singleShot(WARM_STEP_MS, page, lambda: self._warm(page, None))  # dropped with the page

    def _warm(self, page: WizardPage, todo: list[QWidget] | None) -> None:
        """Lay out and paint the spare wizard and its pages one per turn of the event
        loop (a few ms each), so that no step shows a page for the first time."""
        if self.spare is None or self.spare[1] is not page or not self.is_idle():
            return  # taken, dropped or no longer idle
        if todo is None:
            self.stack.warm(page)
            todo = page.unshown_pages()
        else:
            page.stack.warm(todo.pop(0))  # never empty here: only scheduled with more to do
        if todo:
            QTimer.singleShot(WARM_STEP_MS, page, lambda: self._warm(page, todo))
        else:
            self.warm = True

    def take(self, user: User) -> tuple[WizardController, WizardPage] | None:
        """The spare, if it was built for `user` (else it is dropped)."""
        spare, self.spare = self.spare, None
        if spare is None:
            return None
        controller, page = spare
        if controller.workflow.operator.username == user.username and shiboken6.isValid(page):
            return spare
        drop_page(self.stack, page)
        return None

    def drop(self) -> None:
        spare, self.spare = self.spare, None
        if spare is not None:
            drop_page(self.stack, spare[1])

    def forget(self) -> None:
        """The stack is being rebuilt: its pages go with the old widgets."""
        self.spare = None

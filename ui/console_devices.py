"""The technician's device console: which device is which, choose another driver or
port and re-detect without restarting, the self-test live, its history and report,
the live checks, and (on a demo station) a fault to train on.

Everything a device does runs off the GUI thread: opening and re-detection through
the hub (`ctx.devices.ensure`), the self-test on a task with each step relayed as it
happens, the live checks (ui/console_devices_live.py), the report written by a task.
Store writes (settings change, self-test run, audit) go to the one writer thread.

Traps:
- the self-test opens each device itself: the hub's device is closed first
  (`DeviceHub.reset`) and the test waits for that close, so two owners never fight
  over one serial port; the wizard re-opens the device when it next needs it;
- a reset while the hub is still opening a device would make the hub open it again
  behind the self-test: the test buttons wait until no device is opening;
- saving a device choice writes the file's own configuration with only the driver and
  port changed, so in-memory-only options (a training fault, the demo backdrop) never
  end up in station.toml;
- a training fault is set in memory only and only on a demo station;
- every action hands the logged-in session (not its name) to the core
  (station.device_admin, station.selftest), which checks the role and the idle lock
  itself and stores or audits the authenticated user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from common.text import Text
from devices.base import DeviceError, DeviceKind, SelfTestStep
from station.auth import Role, User, usable
from station.core import StationCore, StationInfo
from station.device_admin import record_device_check, save_device_choice, set_training_fault
from station.device_manager import OPENING, DeviceState
from station.devices import candidate_ports, device_config
from station.selftest import SelfTestReport, history, run_selftest, save_report
from station.selftest_report import build_report, default_file_name, kind_label, local_time, runs_from_history
from station.selftest_report import write_report as write_html
from ui.app_context import AppContext
from ui.callback_relays import Batched
from ui.console_devices_live import LiveChecks
from ui.device_card import DeviceCard
from ui.messages import ErrorMsg, InfoMsg, OkMsg, ScreenMessages
from ui.selftest_views import HistoryTable, StepTable, write_pdf
from ui.tasks import Failure, TaskHandle
from ui.widgets import ERROR_STYLE, OK_STYLE, MessageLine, show_failure

log = logging.getLogger(__name__)

CLOSE_WAIT_S = 10.0  # the hub's close of a device, before the self-test opens it
CARDS_WIDTH = 430  # the device cards; the tabs take the rest of a 1366-pixel screen

# --- plain functions (worker threads) --------------------------------------------------


def selftest_after_close(
    core: StationCore, closing: Sequence[TaskHandle], *, cancel: Any, **kwargs: Any
) -> SelfTestReport:
    """Wait until the hub has let go of the ports, then test (not stored: see save_report)."""
    for handle in closing:
        if not handle.finished.wait(CLOSE_WAIT_S):
            log.warning("a device did not close within %.0f s before the self-test", CLOSE_WAIT_S)
    return run_selftest(core, cancel=cancel, save=False, **kwargs)


def export_report(core: StationCore, run: dict[str, Any] | None, path: Path, lang: str, pdf: bool) -> Path:
    body = build_report(core, run, lang=lang)
    return write_pdf(body, path) if pdf else write_html(path, body)


class DeviceConsole(QWidget):
    """The technician's (and supervisor's) device console."""

    class Messages(ScreenMessages):
        """What this screen may say on its message line."""

        context = "DeviceConsole"
        not_allowed = ErrorMsg(
            QT_TRANSLATE_NOOP(
                "DeviceConsole", "The device console is for technicians and supervisors. Ask one of them to log in."
            )
        )
        choice_saved = OkMsg(QT_TRANSLATE_NOOP("DeviceConsole", "Saved: %1 uses %2 @ %3. Detecting…"))
        training_fault = OkMsg(QT_TRANSLATE_NOOP("DeviceConsole", "Training: %1 now simulates '%2'."))
        training_normal = OkMsg(QT_TRANSLATE_NOOP("DeviceConsole", "Training: %1 works normally again."))
        writing_report = InfoMsg(QT_TRANSLATE_NOOP("DeviceConsole", "Writing the report…"))
        report_saved = OkMsg(QT_TRANSLATE_NOOP("DeviceConsole", "Report saved: %1"))

    roles = (Role.TECHNICIAN, Role.SUPERVISOR)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.allowed = usable(ctx.user, *self.roles)
        self.cards: dict[DeviceKind, DeviceCard] = {}
        self.run: dict[str, Any] | None = None  # the run shown: this session's, or one from the history
        self.runs: list[dict[str, Any]] = []
        self._test: TaskHandle | None = None
        self._opened = False
        self.station: StationInfo | None = None
        layout = QVBoxLayout(self)
        self.message = MessageLine()
        self.messages = DeviceConsole.Messages(self.message, self.ctx)
        self.message.setObjectName("device_console_message")
        if not self.allowed:
            self.messages.not_allowed()
            layout.addWidget(self.message)
            layout.addStretch(1)
            return
        self._steps_in: Batched[tuple[str, SelfTestStep]] = Batched(ctx, self, self._show_steps)

        cards = QWidget()
        cards.setFixedWidth(CARDS_WIDTH)
        left = QVBoxLayout(cards)
        left.setContentsMargins(0, 0, 0, 0)
        for kind in DeviceKind:
            card = DeviceCard(ctx, kind)
            self.cards[kind] = card
            left.addWidget(card)
            card.save_button.clicked.connect(lambda _=False, k=kind: self.save_choice(k))
            card.test_button.clicked.connect(lambda _=False, k=kind: self.run_selftest([k]))
            card.live_button.clicked.connect(lambda _=False, k=kind: self.live_check(k))
            card.fault.currentIndexChanged.connect(
                lambda _=0, k=kind: self.inject_fault(k, self.cards[k].fault.currentData())
            )
        left.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._selftest_tab(), self.tr("Self-test"))
        self.history_table = HistoryTable()
        self.history_table.cellDoubleClicked.connect(self._history_chosen)
        history_page = QWidget()
        history_layout = QVBoxLayout(history_page)
        history_layout.addWidget(QLabel(self.tr("Newest first. Double-click a row to show that run's steps.")))
        history_layout.addWidget(self.history_table, 1)
        self.tabs.addTab(history_page, self.tr("History"))
        self.live = LiveChecks(ctx, self._live_started)
        self.tabs.addTab(self.live, self.tr("Live check"))
        self.tabs.currentChanged.connect(
            lambda _: self.live.stop_all() if self.tabs.currentWidget() is not self.live else None
        )

        body = QHBoxLayout()
        body.addWidget(cards, 0)
        body.addWidget(self.tabs, 1)
        layout.addLayout(body, 1)
        layout.addWidget(self.message)
        for state in ctx.devices.states.values():
            self._state_changed(state)
        ctx.devices.changed.connect(self._state_changed)
        ctx.tasks.run(
            lambda: {k: candidate_ports(k) for k in DeviceKind}, on_done=self._ports, name="candidate ports", owner=self
        )
        ctx.tasks.run(ctx.core.station, on_done=self._station_read, name="station info", owner=self)
        self.refresh_history()
        self._update_buttons()

    def _station_read(self, station: StationInfo) -> None:
        self.station = station

    def may_act(self) -> bool:
        """Every action asks again: a console is never usable behind the idle lock
        (the window closes it on lock; this holds even if one were left open)."""
        return usable(self.ctx.user, *self.roles)

    @property
    def session(self) -> User | None:
        """Who is logged in: every action hands this session to the core, which checks
        it and audits (or stores) under its user."""
        return self.ctx.user

    def _selftest_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        buttons = QHBoxLayout()
        self.run_all_button = QPushButton(self.tr("Test all devices"))
        self.stop_button = QPushButton(self.tr("Stop"))
        self.export_html_button = QPushButton(self.tr("Export HTML…"))
        self.export_pdf_button = QPushButton(self.tr("Export PDF…"))
        for button in (self.run_all_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.export_html_button, self.export_pdf_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.run_label = QLabel(self.tr("No self-test run yet in this session."))
        self.run_label.setObjectName("selftest_run")
        self.run_label.setWordWrap(True)
        layout.addWidget(self.run_label)
        self.steps = StepTable()
        layout.addWidget(self.steps, 1)
        self.run_all_button.clicked.connect(lambda: self.run_selftest(list(DeviceKind)))
        self.stop_button.clicked.connect(lambda: self._test.cancel() if self._test is not None else None)
        self.export_html_button.clicked.connect(lambda: self.export(pdf=False))
        self.export_pdf_button.clicked.connect(lambda: self.export(pdf=True))
        return page

    # --- devices ------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.allowed and not self._opened:
            self._opened = True  # once: show each device's model, serial and firmware
            for kind in DeviceKind:
                self._detect(kind)

    def hideEvent(self, event: Any) -> None:
        if self.allowed:
            self.live.stop_all()
        super().hideEvent(event)

    def _detect(self, kind: DeviceKind) -> None:
        self.ctx.devices.ensure(
            kind, on_ready=lambda device: self._opened_device(kind, device), on_failed=lambda _: None
        )

    def _opened_device(self, kind: DeviceKind, device: Any) -> None:
        self.ctx.tasks.run(device.info, on_done=self.cards[kind].set_info, name=f"info {kind.value}", owner=self)

    def _state_changed(self, state: DeviceState) -> None:
        card = self.cards.get(state.kind)
        if card is not None:
            card.show_state(state)
            self._update_buttons()

    def _ports(self, ports: dict[DeviceKind, list[str]]) -> None:
        for kind, found in ports.items():
            self.cards[kind].set_ports(found)

    def save_choice(self, kind: DeviceKind) -> None:
        """Save & re-detect: station.toml and the audit log first, then the hub re-opens."""
        if not self.may_act():
            return
        driver, port = self.cards[kind].choice()
        self.cards[kind].save_button.setEnabled(False)
        self.ctx.tasks.run(
            save_device_choice,
            self.ctx.core,
            self.session,
            kind,
            driver=driver,
            port=port,
            serial=True,
            on_done=lambda _: self._choice_saved(kind, driver, port),
            on_failed=self._failed,
            name=f"save {kind.value} choice",
            owner=self,
        )

    def _choice_saved(self, kind: DeviceKind, driver: str, port: str) -> None:
        cfg = device_config(self.ctx.core.config, kind)
        cfg.driver, cfg.port = driver, port  # the running station follows the file
        self.cards[kind].info = None
        self.messages.choice_saved(self.cards[kind].title(), driver, port or "-")
        self.live.stop(kind)
        self.ctx.devices.reset(kind)
        self._detect(kind)

    def inject_fault(self, kind: DeviceKind, fault: str | None) -> None:
        """Training (demo station only): the simulator misbehaves as chosen, in memory
        only; set by the core once it has checked the session and audited it."""
        if not self.ctx.core.config.demo or not self.may_act():
            return
        self.ctx.tasks.run(
            set_training_fault,
            self.ctx.core,
            self.session,
            kind,
            fault or None,
            serial=True,
            on_done=lambda _: self._fault_set(kind, fault),
            on_failed=self._failed,
            name="training fault",
            owner=self,
        )

    def _fault_set(self, kind: DeviceKind, fault: str | None) -> None:
        if fault:
            self.messages.training_fault(self.cards[kind].title(), fault)
        else:
            self.messages.training_normal(self.cards[kind].title())
        self.live.stop(kind)
        self.ctx.devices.reset(kind)
        self._detect(kind)

    # --- self-test ----------------------------------------------------------------------

    @property
    def testing(self) -> bool:
        return self._test is not None and self._test.running

    def run_selftest(self, kinds: list[DeviceKind]) -> None:
        if not self.may_act() or self.testing or any(self.ctx.devices.states[k].state == OPENING for k in kinds):
            return
        self.live.stop_all()
        for kind in kinds:
            self.cards[kind].under_test = True
        closing = [h for h in (self.ctx.devices.reset(k) for k in kinds) if h is not None]
        self.steps.setRowCount(0)
        self.run = None
        everything = len(kinds) == len(DeviceKind)
        self.run_label.setStyleSheet("")
        self.run_label.setText(self.tr("Testing… each step appears as it finishes."))
        self.tabs.setCurrentIndex(0)
        self._test = self.ctx.tasks.run(
            selftest_after_close,
            self.ctx.core,
            closing,
            technician=self.session,
            kinds=kinds,
            include_station=everything,
            on_step=self._step_sink(),
            on_done=self._store_then_show,
            on_failed=lambda failure: self._test_failed(failure) if shiboken6.isValid(self) else None,
            cancellable=True,
            name="self-test",
        )  # no owner: a run finished after the console was closed is still stored
        self._update_buttons()

    def _step_sink(self) -> Callable[[str, SelfTestStep], None]:
        """For the test's thread: `Batched` stops delivering (under its lock) once the
        console is being deleted, so the run goes on and is stored."""
        batched = self._steps_in
        return lambda device, step: batched((device, step))

    def _store_then_show(self, report: SelfTestReport) -> None:
        valid = shiboken6.isValid(self)
        self.ctx.tasks.run(
            save_report,
            self.ctx.core,
            report,
            serial=True,
            on_done=lambda _: self.refresh_history() if shiboken6.isValid(self) else None,
            on_failed=lambda failure: self._failed(failure) if shiboken6.isValid(self) else None,
            name="save self-test",
        )
        if valid:
            self._tested(report)

    def _show_steps(self, steps: list[tuple[str, SelfTestStep]]) -> None:
        for device, step in steps:
            self.steps.add_step(kind_label(device, self.ctx.lang), step.as_dict(self.ctx.lang))

    def _test_ended(self) -> None:
        self._test = None
        for card in self.cards.values():
            card.under_test = False
            card.show_state(self.ctx.devices.states[card.kind])

    def _tested(self, report: SelfTestReport) -> None:
        self._test_ended()
        self.run = report.as_dict(self.ctx.lang)
        self._show_verdict(self.run)
        for device in report.devices:
            kind = DeviceKind(device.kind)
            if device.info is not None:
                self.cards[kind].set_info(device.info)
            faults = [s for s in device.steps if not s.passed and s.error_code]
            if faults:  # the health strip shows it until the device is next opened
                step = faults[0]
                message = Text(f"{step.title.id}: {step.measured}", f"{step.title.en}: {step.measured}")
                self.ctx.devices.report_fault(kind, DeviceError(message, code=step.error_code or "", kind=kind))
        self._update_buttons()

    def _show_verdict(self, run: dict[str, Any]) -> None:
        when = local_time(run["at"])
        if run["passed"]:
            text = self.tr("%1, %2: every step passed.")
        else:
            text = self.tr("%1, %2: some steps FAILED; see the remedies.")
        self.run_label.setText(text.replace("%1", when).replace("%2", run["technician"]))
        self.run_label.setStyleSheet(OK_STYLE if run["passed"] else ERROR_STYLE)

    def _test_failed(self, failure: Failure) -> None:
        self._test_ended()
        self._update_buttons()
        if failure.cancelled:
            self.run_label.setText(self.tr("Self-test stopped; nothing was stored."))
            return
        self.run_label.setStyleSheet(ERROR_STYLE)
        self.run_label.setText(failure.message(self.ctx.lang))

    def _update_buttons(self) -> None:
        opening = any(s.state == OPENING for s in self.ctx.devices.states.values())
        self.run_all_button.setEnabled(not self.testing and not opening)
        self.stop_button.setEnabled(self.testing)
        for card in self.cards.values():
            free = not self.testing and self.ctx.devices.states[card.kind].state != OPENING
            card.test_button.setEnabled(free)
            card.save_button.setEnabled(free)  # a re-detection would open the port under the test
            card.fault.setEnabled(free)
            card.live_button.setEnabled(not self.testing)

    # --- history and report ---------------------------------------------------------------

    def refresh_history(self) -> None:
        self.ctx.tasks.run(
            history,
            self.ctx.core,
            on_done=self._show_history,
            on_failed=self._failed,
            name="self-test history",
            owner=self,
        )

    def _show_history(self, rows: list[dict[str, Any]]) -> None:
        self.runs = runs_from_history(rows)
        self.history_table.show_runs(self.runs, self.ctx.lang)

    def _history_chosen(self, row: int, _column: int) -> None:
        index = self.history_table.run_index(row)
        if index is None:
            return
        self.run = self.runs[index]
        self.steps.show_run(self.run, self.ctx.lang)
        self._show_verdict(self.run)
        self.tabs.setCurrentIndex(0)

    def export(self, *, pdf: bool, path: str | Path | None = None) -> None:
        """Export the run shown (else the newest stored) and the history, as HTML or PDF."""
        if path is None:
            code = self.station.code if self.station is not None else "station"
            default = Path.home() / default_file_name(code, datetime.now(), "pdf" if pdf else "html")
            filters = self.tr("PDF (*.pdf)") if pdf else self.tr("Web page (*.html)")
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Export the self-test report"), str(default), filters)
            if not chosen:
                return
            path = chosen
        target = Path(path)
        self.messages.writing_report()
        self.ctx.tasks.run(
            export_report,
            self.ctx.core,
            self.run,
            target,
            self.ctx.lang,
            pdf,
            on_done=lambda written: self.messages.report_saved(str(written)),
            on_failed=self._failed,
            name="export self-test report",
            owner=self,
        )

    # --- live checks ----------------------------------------------------------------------

    def live_check(self, kind: DeviceKind) -> None:
        if not self.may_act():
            return
        self.tabs.setCurrentWidget(self.live)
        self.live.show_check(kind).start()

    def _live_started(self, kind: DeviceKind) -> None:
        for other in DeviceKind:
            if other != kind:
                self.live.stop(other)
        self.ctx.tasks.run(
            record_device_check,
            self.ctx.core,
            self.session,
            kind,
            serial=True,
            on_failed=self._failed,
            name="audit live check",
            owner=self,
        )

    def _failed(self, failure: Failure) -> None:
        self._update_buttons()
        if failure.user_facing:
            self.messages.failure(failure)
        else:
            show_failure(self, self.ctx, failure, self.tr("Device console"))

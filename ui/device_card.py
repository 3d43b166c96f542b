"""A device's card in the device console: what it is, its driver and port, its state,
its tests and (in demo) a training fault.

The card only shows and asks; the console runs the calls (station.device_admin) and
the device manager reports the state the card shows.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from devices.base import DEVICE_KIND_LABELS, DeviceInfo, DeviceKind
from devices.kinds import SIMULATED_LABEL
from devices.registry import load_registry
from station.device_admin import TRAINING_FAULTS
from station.device_manager import FAULT, OPENING, READY, DeviceState
from station.devices import device_config
from ui.app_context import AppContext
from ui.widgets import ERROR_STYLE, OK_STYLE, MessageLine

log = logging.getLogger(__name__)

AMBER_STYLE = "color: #b26a00; font-weight: bold;"
GREY_STYLE = "color: #666666; font-weight: bold;"


class DeviceCard(QGroupBox):
    """One device: what it is, the driver and port to use, its tests and (demo) a fault."""

    def __init__(self, ctx: AppContext, kind: DeviceKind, parent: QWidget | None = None) -> None:
        super().__init__(ctx.t(DEVICE_KIND_LABELS[kind]), parent)
        self.ctx = ctx
        self.kind = kind
        self.info: DeviceInfo | None = None
        self.under_test = False  # the self-test has the device (the hub has let it go)
        self.state_label = QLabel()
        self.state_label.setObjectName(f"{kind.value}_state")
        self.info_label = QLabel()
        self.info_label.setObjectName(f"{kind.value}_info")
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = MessageLine()
        self.note.hide()
        self.driver = QComboBox()
        self.driver.addItem(self.tr("auto (detect, else simulator)"), "auto")
        for spec in load_registry().for_kind(kind):
            sim = f" ({ctx.t(SIMULATED_LABEL).lower()})" if spec.simulated else ""
            self.driver.addItem(f"{spec.name}{sim}", spec.name)
        self.port = QComboBox()
        self.port.setEditable(True)
        self.port.setMinimumContentsLength(14)
        edit = self.port.lineEdit()
        if edit is not None:
            edit.setPlaceholderText(self.tr("any port"))
        self.save_button = QPushButton(self.tr("Save && re-detect"))
        self.test_button = QPushButton(self.tr("Self-test"))
        self.live_button = QPushButton(self.tr("Live check"))
        self.fault = QComboBox()
        self.fault.addItem(self.tr("no fault"), "")
        for name in TRAINING_FAULTS[kind]:
            self.fault.addItem(name, name)

        layout = QVBoxLayout(self)
        layout.setSpacing(3)
        layout.addWidget(self.state_label)
        layout.addWidget(self.info_label)
        layout.addWidget(self.note)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Driver"), self.driver)
        form.addRow(self.tr("Port or URL"), self.port)
        if ctx.core.config.demo:
            form.addRow(self.tr("Training: inject a fault"), self.fault)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.test_button, self.live_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.fault.setVisible(bool(ctx.core.config.demo))
        self.load_choice()

    def load_choice(self) -> None:
        cfg = device_config(self.ctx.core.config, self.kind)
        index = self.driver.findData(cfg.driver)
        self.driver.setCurrentIndex(max(index, 0))
        self.port.setEditText(cfg.port)
        fault = str(cfg.options.get("fault", ""))
        self.fault.blockSignals(True)
        self.fault.setCurrentIndex(max(self.fault.findData(fault), 0))
        self.fault.blockSignals(False)

    def set_ports(self, ports: list[str]) -> None:
        text = self.port.currentText()
        self.port.clear()
        self.port.addItems(ports)
        self.port.setEditText(text)

    def choice(self) -> tuple[str, str]:
        return str(self.driver.currentData()), self.port.currentText().strip()

    def simulated(self, state: DeviceState) -> bool:
        """Whether the device shown is a simulator: the hub knows once it opened it; while
        closed, the last info or else the configured driver tells."""
        if state.state in (READY, FAULT) and state.driver:
            return state.simulated
        if self.info is not None:
            return self.info.simulated
        spec = load_registry().get(device_config(self.ctx.core.config, self.kind).driver)
        return spec is not None and spec.simulated

    def show_state(self, state: DeviceState) -> None:
        simulated = self.simulated(state)
        sim = self.ctx.t(SIMULATED_LABEL) if simulated else self.tr("real device")
        if state.state == READY and not self.under_test:
            status, style = self.tr("ready"), AMBER_STYLE if simulated else OK_STYLE
        elif state.state == FAULT and not self.under_test:
            fault = self.tr("fault")
            status, style = f"{fault} {state.error_code or ''}", ERROR_STYLE
        elif self.under_test:
            status, style = self.tr("self-test running"), GREY_STYLE
        elif state.state == OPENING:
            status, style = self.tr("opening…"), GREY_STYLE
        else:
            status, style = self.tr("closed (opened again when next needed)"), GREY_STYLE
        text = f"{sim} — {status}"
        self.state_label.setText(text)
        self.state_label.setStyleSheet(style)
        if state.state == FAULT and state.error is not None:
            self.note.error(self.ctx.t(state.error))
        elif state.fallback is not None:
            self.note.setText(self.ctx.t(state.fallback))
            self.note.setStyleSheet(AMBER_STYLE)
        self.note.setVisible(state.state == FAULT and state.error is not None or state.fallback is not None)
        self._show_info(state)

    def set_info(self, info: DeviceInfo) -> None:
        self.info = info
        self._show_info(self.ctx.devices.states[self.kind])

    def _show_info(self, state: DeviceState) -> None:
        info = self.info
        driver = (
            (info.driver if info else None) or state.driver or device_config(self.ctx.core.config, self.kind).driver
        )
        port = state.port or (info.port if info else None) or "-"
        lines = [f"{driver} @ {port}"]
        if info is not None:
            lines.append(self.tr("model %1").replace("%1", info.model))
            lines.append(self.tr("s/n %1 · firmware %2").replace("%1", info.serial).replace("%2", info.firmware))
        self.info_label.setText("\n".join(lines))
        self.info_label.setToolTip("\n".join(lines))

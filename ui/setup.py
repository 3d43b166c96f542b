"""First run: set up the station when the data directory has none yet.

Collects the station code and name, the first supervisor, the centre's URL
(optional: the station enrolls without one), runs device detection and shows what
it found (a simulator standing in for a missing device is named as such), then
creates the station through StationCore.init, the same path as `station init`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from common.errors import ValidationError
from common.text import Text
from devices.base import DeviceKind
from station.config import StationConfig
from station.core import StationCore
from station.devices import select_device
from ui.messages import ScreenMessages
from ui.tasks import Failure, Tasks
from ui.widgets import MessageLine

log = logging.getLogger(__name__)

SIMULATORS = {DeviceKind.CAMERA: "opencv-sim", DeviceKind.FINGERPRINT: "ef01-sim", DeviceKind.SIGNATURE: "isdv4-sim"}


def detect_devices(config: StationConfig, lang: str) -> list[str]:
    """One line per device kind: the driver chosen, its port, and any fallback."""
    return [select_device(kind, config).describe(lang) for kind in DeviceKind]


def create_station(home: Path, values: dict[str, Any]) -> StationCore:
    if values["password"] != values["password2"]:
        raise ValidationError(Text("Kata sandi tidak sama.", "The passwords do not match."), field="password2")
    config = StationConfig(demo=values["demo"], central_url=values["central_url"].strip(), language=values["lang"])
    if values["demo"]:
        for kind, driver in SIMULATORS.items():
            getattr(config, kind.value).driver = driver
    config.validate()
    return StationCore.init(
        station_code=values["code"].strip(),
        station_name=values["name"],
        supervisor=values["supervisor"].strip(),
        supervisor_name=values["full_name"].strip() or values["supervisor"].strip(),
        password=values["password"],
        home=home,
        config=config,
    )


class SetupDialog(QDialog):
    class Messages(ScreenMessages):
        """The set-up shows only the core's refusals (in the language chosen here)."""

        context = "SetupDialog"

    def __init__(self, home: Path, tasks: Tasks, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.tasks = tasks
        self.lang = lang
        self.core: StationCore | None = None
        self.setWindowTitle(self.tr("Set up this station"))
        self.setMinimumWidth(560)
        v = QVBoxLayout(self)
        intro = QLabel(
            self.tr("No station is set up in %1 yet. Fill this in once; the supervisor can change it later.").replace(
                "%1", str(home)
            )
        )
        intro.setWordWrap(True)
        v.addWidget(intro)
        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText("320412-01")
        self.name = QLineEdit()
        self.supervisor = QLineEdit()
        self.full_name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.central = QLineEdit()
        self.central.setPlaceholderText(self.tr("optional, e.g. https://sync.example.go.id"))
        self.demo = QCheckBox(self.tr("Training station (DEMO / LATIHAN): simulated devices"))
        for name, w in (
            ("code", self.code),
            ("name", self.name),
            ("supervisor", self.supervisor),
            ("full_name", self.full_name),
            ("password", self.password),
            ("password2", self.password2),
            ("central", self.central),
        ):
            w.setObjectName(f"setup_{name}")
        form.addRow(self.tr("Station code (kecamatan code and counter)"), self.code)
        form.addRow(self.tr("Station name"), self.name)
        form.addRow(self.tr("First supervisor: username"), self.supervisor)
        form.addRow(self.tr("Supervisor's full name"), self.full_name)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Password again"), self.password2)
        form.addRow(self.tr("Central receiver URL"), self.central)
        form.addRow("", self.demo)
        v.addLayout(form)
        self.detect_button = QPushButton(self.tr("Detect devices"))
        self.detect_button.clicked.connect(self.detect)
        v.addWidget(self.detect_button)
        self.devices = QLabel(self.tr("Devices not detected yet."))
        self.devices.setObjectName("setup_devices")
        self.devices.setWordWrap(True)
        v.addWidget(self.devices)
        self.message = MessageLine()
        self.messages = SetupDialog.Messages(self.message, lang=self.lang)
        self.message.setObjectName("setup_message")
        v.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)

    def _config(self) -> StationConfig:
        config = StationConfig(demo=self.demo.isChecked())
        if self.demo.isChecked():
            for kind, driver in SIMULATORS.items():
                getattr(config, kind.value).driver = driver
        return config

    def detect(self) -> None:
        self.detect_button.setEnabled(False)
        self.devices.setText(self.tr("Detecting devices… (probing serial ports and cameras)"))
        self.tasks.run(
            detect_devices, self._config(), self.lang, on_done=self._detected, on_failed=self._detect_failed, owner=self
        )

    def _detected(self, lines: list[str]) -> None:
        self.detect_button.setEnabled(True)
        self.devices.setText("\n".join(lines))

    def _detect_failed(self, failure: Failure) -> None:
        self.detect_button.setEnabled(True)
        self.devices.setText(failure.message(self.lang))

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.text(),
            "name": self.name.text(),
            "supervisor": self.supervisor.text(),
            "full_name": self.full_name.text(),
            "password": self.password.text(),
            "password2": self.password2.text(),
            "central_url": self.central.text(),
            "demo": self.demo.isChecked(),
            "lang": self.lang,
        }

    def submit(self) -> None:
        self.buttons.setEnabled(False)
        self.messages.clear()
        self.tasks.run(
            create_station, self.home, self.values(), on_done=self._created, on_failed=self._refused, owner=self
        )

    def _created(self, core: StationCore) -> None:
        self.core = core
        log.info("station %s set up in %s", core.station().code, self.home)
        self.accept()

    def _refused(self, failure: Failure) -> None:
        self.buttons.setEnabled(True)
        self.messages.failure(failure)

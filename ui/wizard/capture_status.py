"""A capture page's status line with Retry, and which failures are the device's fault.

A failure caused by the resident or the scene (no finger, an empty signature) is shown
with Retry and leaves the device READY; any other device failure marks it faulty in
the health strip (and it is opened again).
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from common.errors import UserFacingError
from devices.base import DEVICE_KIND_LABELS, DeviceError, DeviceKind
from devices.kinds import SIMULATED_LABEL
from ui.app_context import AppContext
from ui.tasks import Failure
from ui.widgets import MessageLine

log = logging.getLogger(__name__)


# Failures caused by the resident or the scene, not by the device: shown with Retry,
# but the health strip keeps the device READY and the device stays open.
RESIDENT_CODES = frozenset(
    {
        "camera.capture_timeout",
        "fingerprint.ghost_finger",
        "fingerprint.timeout_no_finger",
        "sbi.no_object",  # an SBI device saw no eye, finger or face (error 101): an eye closed, say
        "signature.rejected_empty",
        "signature.rejected_trivial",
        "signature.rejected_little_ink",
        "signature.rejected_outside",
    }
)


def is_device_fault(error: BaseException) -> bool:
    """True when the health strip should show the device as faulty (and it is re-opened)."""
    if isinstance(error, DeviceError):
        return error.code not in RESIDENT_CODES
    return not isinstance(error, UserFacingError)  # a bug while talking to the device


def device_line(ctx: AppContext, kind: DeviceKind) -> str:
    """ "Camera: opencv-sim (simulator) - SIMULATED": which device a capture comes from."""
    state = ctx.devices.states[kind]
    text = f"{ctx.t(DEVICE_KIND_LABELS[kind])}: {state.driver or '-'}"
    if state.port:
        text += f" ({state.port})"
    if state.simulated:
        text += f" — {ctx.t(SIMULATED_LABEL)}"
    return text


class CaptureStatus(QWidget):
    """The line under a capture: a prompt, a confirmation, or a device's error with Retry
    (and, for a bug, "Copy details")."""

    def __init__(self, ctx: AppContext, kind: DeviceKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self._details = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.line = MessageLine()
        self.line.setObjectName(f"{kind.value}_status")
        layout.addWidget(self.line, 1)
        self.retry_button = QPushButton(self.tr("Retry"))
        self.retry_button.setObjectName(f"{kind.value}_retry")
        self.retry_button.hide()
        layout.addWidget(self.retry_button)
        self.copy_button = QPushButton(self.tr("Copy details"))
        self.copy_button.hide()
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self._details))
        layout.addWidget(self.copy_button)

    def prompt(self, text: str) -> None:
        self.reset()
        self.line.setStyleSheet("")
        self.line.setText(text)

    def ok(self, text: str) -> None:
        self.reset()
        self.line.ok(text)

    def fail(self, failure: Failure, *, hint: str = "") -> None:
        """Show the failure with Retry; report a device fault to the health strip."""
        self.line.error(" ".join(t for t in (failure.message(self.ctx.lang), hint) if t))
        self.retry_button.show()
        self._details = "" if failure.user_facing else failure.details
        self.copy_button.setVisible(bool(self._details))
        if is_device_fault(failure.error):
            self.ctx.devices.report_fault(self.kind, failure.error)

    def refused(self, failure: Failure) -> None:
        """The workflow refused an input (no Retry: the page says what to do)."""
        self.reset()
        self.line.failure(self.ctx, failure)

    def reset(self) -> None:
        self.retry_button.hide()
        self.copy_button.hide()
        self._details = ""

"""What the three capture pages share: device callbacks that never flood the GUI
thread, a status line with Retry, and the supervisor-approved exception panel.

Traps:
- a camera sends 30 frames a second from its own thread; a queued signal per frame
  piles up whenever the GUI thread is busy for a moment, and the preview then lags
  further and further behind. `Latest` keeps only the newest value and has at most
  one delivery in flight; `Batched` does the same for streams where every item
  counts (pen points);
- a driver callback may fire while its page is being deleted: both stop delivering
  when the page's `destroyed` fires (before the relay, a child, is deleted), and the
  emit and that stop share a lock;
- numpy frames are shared with the driver's analysis thread: `bgr_image` and
  `grey_image` wrap them without copying and keep the array alive with the QImage.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np
from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from common.biometrics import ITEM_EXCEPTION_LABELS, ItemException
from common.errors import UserFacingError
from devices.base import DEVICE_KIND_LABELS, DeviceError, DeviceKind
from devices.kinds import SIMULATED_LABEL
from ui.app_context import AppContext
from ui.tasks import Failure, Relay
from ui.widgets import MessageLine, ask_supervisor

log = logging.getLogger(__name__)

T = TypeVar("T")


# Failures caused by the resident or the scene, not by the device: shown with Retry,
# but the health strip keeps the device READY and the device stays open.
RESIDENT_CODES = frozenset(
    {
        "camera.capture_timeout",
        "fingerprint.ghost_finger",
        "fingerprint.timeout_no_finger",
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


def _emit(relay: Relay) -> None:
    """Called under the owner's lock: `close()` (on the page's `destroyed`, before its
    children - the relay - are deleted) cannot run in the middle of an emit."""
    try:
        relay(None)
    except RuntimeError:  # the relay is already gone
        log.debug("device callback after its page was deleted")


class Latest(Generic[T]):
    """A callable for a driver thread: keeps the newest value, delivers it to `slot` on
    the GUI thread, with at most one delivery queued (older values are dropped)."""

    def __init__(self, ctx: AppContext, owner: QObject, slot: Callable[[T], None]) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None
        self._queued = False
        self._closed = False
        self._slot = slot
        self._relay = ctx.tasks.relay(owner, self._deliver)
        owner.destroyed.connect(self.close)

    def __call__(self, value: T) -> None:
        with self._lock:
            if self._closed:
                return
            self._value = value
            if self._queued:
                return
            self._queued = True
            _emit(self._relay)

    def close(self) -> None:
        """No more deliveries (the page is being deleted; its relay goes next)."""
        with self._lock:
            self._closed = True

    def _deliver(self, _: object) -> None:
        with self._lock:
            value, self._value, self._queued = self._value, None, False
        if value is not None:
            self._slot(value)


class Batched(Generic[T]):
    """Like `Latest`, but keeps every value and delivers them as one list."""

    def __init__(self, ctx: AppContext, owner: QObject, slot: Callable[[list[T]], None]) -> None:
        self._lock = threading.Lock()
        self._items: list[T] = []
        self._closed = False
        self._slot = slot
        self._relay = ctx.tasks.relay(owner, self._deliver)
        owner.destroyed.connect(self.close)

    def __call__(self, value: T) -> None:
        with self._lock:
            if self._closed:
                return
            self._items.append(value)
            if len(self._items) == 1:  # otherwise a delivery is already queued
                _emit(self._relay)

    def close(self) -> None:
        with self._lock:
            self._closed = True

    def _deliver(self, _: object) -> None:
        with self._lock:
            items, self._items = self._items, []
        if items:
            self._slot(items)


def bgr_image(frame: np.ndarray) -> QImage:
    """A QImage over a BGR frame's own memory (no copy; the QImage keeps the array)."""
    if not frame.flags["C_CONTIGUOUS"]:
        frame = np.ascontiguousarray(frame)
    h, w = frame.shape[:2]
    image = QImage(frame.data, w, h, int(frame.strides[0]), QImage.Format.Format_BGR888)
    image._keep = frame  # type: ignore[attr-defined]  # the buffer must outlive the QImage
    return image


def grey_image(gray: np.ndarray) -> QImage:
    """A QImage over an 8-bit grey image (a fingerprint), without copying."""
    if not gray.flags["C_CONTIGUOUS"]:
        gray = np.ascontiguousarray(gray)
    h, w = gray.shape[:2]
    image = QImage(gray.data, w, h, int(gray.strides[0]), QImage.Format.Format_Grayscale8)
    image._keep = gray  # type: ignore[attr-defined]
    return image


def show_image(label: QLabel, data: bytes | None, size: QSize, empty: str) -> None:
    """An encoded image (JPEG, PNG) scaled into `label`, or `empty` as text when there is none."""
    pixmap = QPixmap()
    if data is None or not pixmap.loadFromData(data):
        label.setPixmap(QPixmap())
        label.setText(empty)
        return
    label.setPixmap(pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))


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
        self._reset()
        self.line.setStyleSheet("")
        self.line.setText(text)

    def ok(self, text: str) -> None:
        self._reset()
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
        self._reset()
        self.line.failure(self.ctx, failure)

    def _reset(self) -> None:
        self.retry_button.hide()
        self.copy_button.hide()
        self._details = ""


class ExceptionPanel(QGroupBox):
    """Reason, note (required for "other") and a supervisor's approval for an item that
    cannot be captured; emits `approved(reason, note, supervisor)`.

    The supervisor dialog refuses an operator's credentials itself (Auth.verify_role);
    the workflow checks the role again when the exception is recorded.
    """

    approved = Signal(object, str, object)  # ItemException, note, User

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.ctx = ctx
        self._subject = ""
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.reason = QComboBox()
        for reason in ItemException:
            self.reason.addItem(ctx.t(ITEM_EXCEPTION_LABELS[reason]), reason)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Required for 'Other'"))
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Note"), self.note)
        layout.addLayout(form)
        self.message = MessageLine()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.confirm_button = QPushButton(self.tr("Confirm with supervisor…"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.confirm_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.hide)

    def open_for(self, subject: str) -> None:
        self._subject = subject
        self.setTitle(self.tr("Exception: %1").replace("%1", subject))
        self.reason.setCurrentIndex(0)
        self.note.clear()
        self.message.clear()
        self.show()

    def selected_reason(self) -> ItemException:
        return ItemException(self.reason.currentData())

    def confirm(self) -> None:
        reason, note = self.selected_reason(), self.note.text().strip()
        if reason == ItemException.OTHER and not note:
            self.message.error(self.tr("For reason 'Other', write an explanation."))
            self.note.setFocus()
            return
        self.message.clear()
        question = (
            self.tr("Approve the exception '%1' (%2)?")
            .replace("%1", self._subject)
            .replace("%2", self.reason.currentText())
        )
        approver = ask_supervisor(self, self.ctx, question)
        if approver is None:
            self.message.error(self.tr("Not approved: the exception needs a supervisor's password."))
            return
        self.hide()
        self.approved.emit(reason, note, approver)

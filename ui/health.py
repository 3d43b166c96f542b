"""The health strip: always visible, one glance for the operator.

Each device (real, simulated or in fault), the link (online, degraded, offline, or
no centre configured; or "centre busy, next try in N s" when the centre sheds load:
the link works then, so it is never shown as offline; N is counted when shown, on
the reads below, never by a timer of its own), records waiting to go with the
backlog's ETA, the last successful sync, and the disk left as "enough for about N
more enrollments". The station status is read off the GUI thread (station.status)
whenever the core announces a change it shows (a seal, a record sent or received, the
link, a setting: ui.core_events), and on a slow timer only for what no notification
can tell: the free disk, the clock (an offline limit reached by time passing) and a
`station sync` run by another process. The devices come from the device hub's
signals. Below it: the DEMO banner, and the offline-limit banner naming the limit and
what to do.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from common.text import Text
from devices.base import DeviceKind
from station.device_manager import FAULT, OPENING, READY, DeviceState
from station.events import Change, Changes
from station.status import status_dict
from station.sync.busy import CentreBusy
from station.sync.errors import SyncError
from ui.core_events import Throttle

log = logging.getLogger(__name__)

GREEN, AMBER, RED, GREY = "#1b7f3b", "#b26a00", "#b00020", "#666666"
# What the core announces that changes the strip's figures.
SHOWN_CHANGES = frozenset({Change.SEALED, Change.SYNC, Change.RECEIVED, Change.LINK, Change.SETTINGS})
# Only for what nobody announces: free disk, the clock, another process's sync.
REFRESH_MS = 30_000
# A sync announces every record: read the status at most this often while it runs.
CHANGE_GAP_MS = 1_000


def _chip(label: QLabel, colour: str, text: str, tip: str = "") -> None:
    label.setText(text)
    label.setToolTip(tip)
    label.setStyleSheet(
        f"QLabel {{ color: white; background: {colour}; border-radius: 9px; padding: 2px 8px; font-weight: bold; }}"
    )


def _duration(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "?"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "< 1 menit" if lang == "id" else "< 1 min"
    if minutes < 120:
        return f"{minutes} menit" if lang == "id" else f"{minutes} min"
    return f"{minutes // 60} jam" if lang == "id" else f"{minutes // 60} h"


class HealthStrip(QFrame):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.status: dict[str, Any] | None = None
        self.setObjectName("health_strip")
        self.setStyleSheet("#health_strip { background: #eef2f7; border-bottom: 1px solid #c8d0da; }")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 4)
        row = QHBoxLayout()
        outer.addLayout(row)
        self.devices: dict[DeviceKind, QLabel] = {}
        for kind in DeviceKind:
            chip = QLabel()
            chip.setObjectName(f"health_{kind.value}")
            self.devices[kind] = chip
            row.addWidget(chip)
        row.addSpacing(12)
        self.link = QLabel()
        self.link.setObjectName("health_link")
        row.addWidget(self.link)
        row.addStretch(1)
        # The figures on a second line, so that the strip never makes the window wider
        # than a 1366-pixel counter laptop; each gives way (cut, whole in its tooltip).
        figures = QHBoxLayout()
        outer.addLayout(figures)
        self.backlog = QLabel()
        self.backlog.setObjectName("health_backlog")
        self.last_sync = QLabel()
        self.last_sync.setObjectName("health_last_sync")
        self.disk = QLabel()
        self.disk.setObjectName("health_disk")
        for label, stretch in ((self.backlog, 3), (self.last_sync, 2), (self.disk, 3)):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setMinimumWidth(60)
            figures.addWidget(label, stretch)
        self.limits = QLabel()
        self.limits.setObjectName("limits_banner")
        self.limits.setWordWrap(True)
        self.limits.hide()
        outer.addWidget(self.limits)
        for state in ctx.devices.states.values():
            self.show_device(state)
        ctx.devices.changed.connect(self.show_device)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._refreshing = False
        self._again = False  # a change arrived while a read was under way: read once more
        self._changed = Throttle(self, self.refresh, CHANGE_GAP_MS)
        ctx.events.watch(self, SHOWN_CHANGES, self._core_changed)
        self.refresh()

    def _core_changed(self, _changes: Changes) -> None:
        self._changed.poke()

    def show_device(self, state: DeviceState) -> None:
        chip = self.devices[state.kind]
        name = state.label(self.ctx.lang)
        sim = self.tr("simulated") if state.simulated else self.tr("real")
        if state.state == READY:
            tip = f"{state.driver} @ {state.port or '-'}"
            if state.fallback is not None:
                tip += " — " + self.ctx.t(state.fallback)
            _chip(chip, AMBER if state.simulated else GREEN, f"{name}: {sim}", tip)
        elif state.state == FAULT:
            error = self.ctx.t(state.error) if state.error else ""
            fault = self.tr("fault")
            _chip(chip, RED, f"{name}: {fault}", f"{state.error_code}: {error}")
        elif state.state == OPENING:
            connecting = self.tr("connecting…")
            _chip(chip, GREY, f"{name}: {connecting}")
        else:
            closed = self.tr("not opened")
            _chip(chip, GREY, f"{name}: {closed}")

    def refresh(self) -> None:
        if self._refreshing:
            self._again = True
            return
        self._refreshing = True
        self.ctx.tasks.run(
            status_dict, self.ctx.core, on_done=self.show_status, on_failed=self._failed, name="status", owner=self
        )

    def _read_done(self) -> None:
        self._refreshing = False
        if self._again:
            self._again = False
            self.refresh()

    def _failed(self, failure: Any) -> None:
        log.warning("status refresh failed: %s", failure.error)
        self._read_done()

    def show_status(self, s: dict[str, Any]) -> None:
        self._read_done()
        self.status = s
        lang = self.ctx.lang
        sync = s["sync"]
        link = sync["link_state"]
        labels = {
            "online": (GREEN, self.tr("Link: online")),
            "degraded": (AMBER, self.tr("Link: slow")),
            "offline": (RED, self.tr("Link: offline")),
            "no_central": (GREY, self.tr("No centre configured")),
            "no_central_key": (AMBER, self.tr("Centre key missing")),
        }
        colour, text = labels.get(link, (GREY, self.tr("Link: not tried yet")))
        tip = ""
        if sync.get("rtt_ms"):
            tip = f"RTT {sync['rtt_ms']} ms"
        if sync.get("throughput_bps"):
            tip += f", {sync['throughput_bps'] / 1000:.1f} kB/s"
        busy = sync.get("centre_busy")
        if busy and link not in ("no_central", "no_central_key"):
            # The centre answered and asked to wait: amber, with the wait counted from now.
            shown = CentreBusy.from_dict(busy)
            colour, text = AMBER, self.ctx.t(shown.text())
            if shown.retry_at is not None:
                at = shown.retry_at.astimezone().strftime("%H:%M:%S")
                tip += ("\n" if tip else "") + self.ctx.t(Text(f"Percobaan berikutnya {at}", f"Next try at {at}"))
        if sync.get("last_error"):  # named, with its remedy (station.sync.errors), not a bare code
            named = SyncError(sync["last_error"])
            tip += f"\n{self.ctx.t(named.message)} ({named.code})"
            if named.remedy is not None:
                tip += f"\n{self.ctx.t(named.remedy)}"
            if named.code == "sync.untrusted_answer":  # a rogue answer at the central address: say so
                colour, text = RED, self.ctx.t(Text("Jawaban pusat tidak sah", "Centre answer not trusted"))
        _chip(self.link, colour, text, tip)
        pending = sync["pending_records"]
        if pending:
            eta = _duration(sync["backlog_eta_s"], lang)
            self.backlog.setText(
                self.tr("%1 waiting to be sent (about %2)").replace("%1", str(pending)).replace("%2", eta)
            )
        else:
            self.backlog.setText(self.tr("Nothing waiting to be sent"))
        approval = s.get("approval") or {}
        if approval.get("queue_waits"):  # the queue's head awaits the supervisor (station.approval)
            self.backlog.setText(f"{self.backlog.text()} · {approval['message_id' if lang == 'id' else 'message']}")
        last = sync["last_success_at"]
        if last:
            when = datetime.fromisoformat(last).astimezone().strftime("%d-%m %H:%M")
            self.last_sync.setText(self.tr("last sync %1").replace("%1", when))
        else:
            self.last_sync.setText(self.tr("never synced"))
        room = s["disk_enough_for_enrollments"]
        self.disk.setText(
            self.tr("Disk: enough for about %1 more enrollments").replace("%1", f"{room:,}".replace(",", "."))
        )
        for label in (self.backlog, self.last_sync, self.disk):
            label.setToolTip(label.text())  # the whole text where the strip had to cut it
        key = "message_id" if lang == "id" else "message"
        self.show_limits([(lim["level"], lim[key]) for lim in s["limits"]])

    def show_limits(self, limits: list[tuple[str, str]]) -> None:
        """(level, message in the current language) for each limit reached."""
        if not limits:
            self.limits.hide()
            return
        blocking = any(level == "block" for level, _ in limits)
        self.limits.setStyleSheet(
            f"QLabel {{ color: white; background: {RED if blocking else AMBER}; padding: 4px; font-weight: bold; }}"
        )
        self.limits.setText("\n".join(message for _, message in limits))
        self.limits.show()

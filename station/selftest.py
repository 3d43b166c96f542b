"""The technician's self-test: every device's steps plus the station's own checks.

Each step reports passed or failed, what was measured, what was expected and a
remedy in words a technician understands. Results are stored with the technician
and the time, and the run is audit-logged.

The technician stored is never a typed name: `run_selftest` takes the authenticated
session of a technician or supervisor and checks it (role, idle lock, account still
active) before any device is touched, and a report carries that session, not a
string. A run from a terminal without a station account (`station selftest` without
--technician, which passes `TERMINAL`) is stored under the operating-system account as "cli:USER", which no
station account can be mistaken for (a user name has no colon).
"""

from __future__ import annotations

import getpass
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text

from common.errors import UserFacingError
from common.progress import CancelToken
from common.text import Text
from devices.base import DeviceError, DeviceInfo, DeviceKind, SelfTestStep
from devices.registry import Registry, load_registry
from station.auth import Authenticated, Role, User
from station.core import StationCore
from station.devices import Selection, open_device, select_device, selection_dict
from store import audit
from store.models import AuditEvent, Enrollment, SelfTestRun
from store.types import utcnow

log = logging.getLogger(__name__)

# Free disk below which the station warns: room for this many enrollments.
MIN_FREE_ENROLLMENTS = 5_000
EARLIEST_PLAUSIBLE = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class DeviceReport:
    kind: str
    selection: dict[str, Any]
    info: DeviceInfo | None
    steps: list[SelfTestStep] = field(default_factory=list)
    fallback: Text | None = None

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(s.passed for s in self.steps)

    def as_dict(self, lang: str) -> dict[str, Any]:
        info = None
        if self.info is not None:
            info = {
                "driver": self.info.driver,
                "model": self.info.model,
                "serial": self.info.serial,
                "firmware": self.info.firmware,
                "port": self.info.port,
                "simulated": self.info.simulated,
            }
        return {
            "kind": self.kind,
            "passed": self.passed,
            "selection": {**self.selection, "fallback": self.fallback.get(lang) if self.fallback else None},
            "info": info,
            "steps": [s.as_dict(lang) for s in self.steps],
        }


StepSink = Callable[[str, SelfTestStep], None]


def _step(
    device: str, name: str, title: Text, passed: bool, measured: str, expected: str, remedy: Text | None
) -> SelfTestStep:
    return SelfTestStep(device, name, title, passed, measured, expected, None if passed else remedy)


def detection_step(selection: Selection, demo: bool) -> SelfTestStep:
    """A fallback to the simulator fails the self-test, except on a demo station."""
    kind = selection.kind.value
    if selection.fallback is None:
        measured = f"{selection.spec.name} @ {selection.settings.port or '-'}" + (
            " (simulated)" if selection.simulated else ""
        )
        return _step(
            kind,
            f"{kind}.detect",
            Text("Deteksi perangkat", "Device detection"),
            True,
            measured,
            "configured device",
            None,
        )
    return _step(
        kind,
        f"{kind}.detect",
        Text("Deteksi perangkat", "Device detection"),
        demo,
        f"simulator ({'; '.join(selection.tried) or 'no ports'})",
        "a real device answers" if not demo else "simulator allowed on a demo station",
        _SBI_REMEDY
        if selection.kind == DeviceKind.IRIS
        else Text(
            "Periksa kabel USB/serial dan daya perangkat, lalu pilih port yang benar di pengaturan perangkat.",
            "Check the device's USB/serial cable and power, then choose the right port in the device settings.",
        ),
    )


_SBI_REMEDY = Text(
    "Periksa kabel USB kamera iris dan pastikan layanan SBI vendornya berjalan (port 4501-4600), "
    "lalu ulangi uji mandiri.",
    "Check the iris camera's USB cable and that the vendor's SBI service is running (ports 4501-4600), "
    "then run the self-test again.",
)


def test_device(
    kind: DeviceKind,
    core: StationCore,
    *,
    registry: Registry,
    on_step: StepSink | None = None,
    cancel: CancelToken | None = None,
) -> DeviceReport:
    def emit(step: SelfTestStep) -> None:
        report.steps.append(step)
        if on_step is not None:
            on_step(kind.value, step)

    try:
        selection = select_device(kind, core.config, registry)
    except UserFacingError as exc:
        report = DeviceReport(kind.value, {"kind": kind.value, "driver": None}, None)
        emit(
            _step(
                kind.value,
                f"{kind.value}.detect",
                Text("Deteksi perangkat", "Device detection"),
                False,
                exc.message.en,
                "a driver",
                exc.remedy or exc.message,
            )
        )
        return report
    report = DeviceReport(kind.value, selection_dict(selection), None, fallback=selection.fallback)
    emit(detection_step(selection, core.config.demo))
    started = time.monotonic()
    try:
        device = open_device(selection)
    except DeviceError as exc:
        emit(
            SelfTestStep(
                kind.value,
                f"{kind.value}.open",
                Text("Membuka perangkat", "Opening the device"),
                False,
                exc.message.en,
                "device opens and answers",
                exc.remedy or exc.message,
                time.monotonic() - started,
                exc.code,
            )
        )
        return report
    try:
        report.info = device.info()
        device.self_test(on_step=emit, cancel=cancel)
    except DeviceError as exc:  # a driver that gives up mid-test still yields a named step
        emit(
            SelfTestStep(
                kind.value,
                f"{kind.value}.error",
                Text("Uji perangkat", "Device test"),
                False,
                exc.message.en,
                "every step completes",
                exc.remedy or exc.message,
                0.0,
                exc.code,
            )
        )
    finally:
        device.close()
    return report


def station_steps(core: StationCore) -> list[SelfTestStep]:
    steps = []
    free = core.disk_free_bytes()
    room = core.enrollments_room()
    steps.append(
        _step(
            "station",
            "station.disk_free",
            Text("Ruang disk", "Disk space"),
            room >= MIN_FREE_ENROLLMENTS,
            f"{free / 1e9:.1f} GB (about {room} enrollments)",
            f">= {MIN_FREE_ENROLLMENTS} enrollments",
            Text(
                "Kosongkan disk: kirim/ekspor rekaman lalu hapus file lama.",
                "Free disk space: sync or export records, then remove old files.",
            ),
        )
    )
    with core.db.read() as session:
        integrity = session.execute(text("PRAGMA quick_check")).scalar()
        count, problems = audit.verify_chain(session)
        newest = max(
            (
                t
                for t in (
                    session.scalar(select(func.max(AuditEvent.at))),
                    session.scalar(select(func.max(Enrollment.updated_at))),
                )
                if t
            ),
            default=None,
        )
    steps.append(
        _step(
            "station",
            "station.database",
            Text("Basis data", "Database"),
            integrity == "ok" and not problems,
            f"quick_check {integrity}; audit chain {count} events, {len(problems)} broken",
            "ok; 0 broken",
            Text(
                "Jalankan 'station db check' dan hubungi dukungan teknis dengan hasilnya.",
                "Run 'station db check' and send its output to technical support.",
            ),
        )
    )
    now = datetime.now(UTC)
    clock_ok = now >= EARLIEST_PLAUSIBLE and (newest is None or now >= newest)
    steps.append(
        _step(
            "station",
            "station.clock",
            Text("Jam sistem", "System clock"),
            clock_ok,
            now.strftime("%Y-%m-%d %H:%M UTC") + (f"; newest record {newest:%Y-%m-%d %H:%M} UTC" if newest else ""),
            "after 2025-01-01 and not before the newest record",
            Text(
                "Atur tanggal dan jam komputer (zona WIB/WITA/WIT) lalu ulangi.",
                "Set the computer's date and time (WIB/WITA/WIT zone) and test again.",
            ),
        )
    )
    return steps


class Terminal:
    """The `technician` of a run from a terminal without a station account (`TERMINAL`);
    a distinct value, so a missing session (None) is refused, never taken for it."""

    def __repr__(self) -> str:
        return "TERMINAL"


TERMINAL = Terminal()


def terminal_account() -> str:
    """Who ran a self-test from a terminal without a station account: the OS account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        return "cli:?"


@dataclass
class SelfTestReport:
    devices: list[DeviceReport]
    station: list[SelfTestStep]
    by: Authenticated | None  # checked by run_selftest; None: a terminal, no station account
    at: datetime
    technician: str = field(init=False)  # what is stored: the session's user name, never typed

    def __post_init__(self) -> None:
        if self.by is not None and not isinstance(self.by, Authenticated):
            raise TypeError("a self-test is stored under an authenticated session, not a name")
        self.technician = self.by.username if self.by is not None else terminal_account()

    @property
    def passed(self) -> bool:
        return all(d.passed for d in self.devices) and all(s.passed for s in self.station)

    def as_dict(self, lang: str = "id") -> dict[str, Any]:
        return {
            "passed": self.passed,
            "technician": self.technician,
            "at": self.at.isoformat(),
            "devices": [d.as_dict(lang) for d in self.devices],
            "station": {
                "passed": all(s.passed for s in self.station),
                "steps": [s.as_dict(lang) for s in self.station],
            },
        }


def run_selftest(
    core: StationCore,
    *,
    technician: User | Terminal | None,
    kinds: Sequence[DeviceKind] = tuple(DeviceKind),
    include_station: bool = True,
    on_step: StepSink | None = None,
    cancel: CancelToken | None = None,
    registry: Registry | None = None,
    save: bool = True,
) -> SelfTestReport:
    """Test `kinds` (and the station), reporting each step to `on_step(device, step)`
    as it happens; stored and audited unless `save` is False (the app then saves it on
    its one store-writer thread with `save_report`).

    `technician` is the authenticated session of a technician or supervisor, checked
    here before any device is opened (None is refused like any missing session);
    `TERMINAL` for a run from a terminal without a station account (module docstring)."""
    by = None
    if not isinstance(technician, Terminal):
        by = core.auth.require(technician, Role.TECHNICIAN, Role.SUPERVISOR)
    registry = registry or load_registry()
    reports = [test_device(k, core, registry=registry, on_step=on_step, cancel=cancel) for k in kinds]
    station = station_steps(core) if include_station else []
    if on_step is not None:
        for s in station:
            on_step("station", s)
    report = SelfTestReport(reports, station, by, utcnow())
    if save:
        save_report(core, report)
    return report


def save_report(core: StationCore, report: SelfTestReport) -> None:
    with core.db.write() as session:
        for d in report.devices:
            session.add(
                SelfTestRun(
                    at=report.at,
                    technician=report.technician,
                    device=d.kind,
                    driver=d.selection.get("driver"),
                    simulated=bool(d.selection.get("simulated")),
                    passed=d.passed,
                    report=json.dumps(d.as_dict("en")),
                )
            )
        if report.station:
            session.add(
                SelfTestRun(
                    at=report.at,
                    technician=report.technician,
                    device="station",
                    driver=None,
                    simulated=False,
                    passed=all(s.passed for s in report.station),
                    report=json.dumps({"steps": [s.as_dict("en") for s in report.station]}),
                )
            )
        audit.append(
            session,
            "selftest",
            actor=report.technician,
            target=",".join(d.kind for d in report.devices) or "station",
            detail={
                "passed": report.passed,
                "failed": [s.name for d in report.devices for s in d.steps if not s.passed],
            },
        )


def history(core: StationCore, limit: int = 50) -> list[dict[str, Any]]:
    with core.db.read() as session:
        rows = session.scalars(select(SelfTestRun).order_by(SelfTestRun.id.desc()).limit(limit))
        return [
            {
                "at": r.at.isoformat(),
                "technician": r.technician,
                "device": r.device,
                "driver": r.driver,
                "simulated": r.simulated,
                "passed": r.passed,
                "report": json.loads(r.report),
            }
            for r in rows
        ]


def last_results(core: StationCore) -> dict[str, dict[str, Any]]:
    """The newest self-test verdict of each device."""
    out: dict[str, dict[str, Any]] = {}
    with core.db.read() as session:
        for r in session.scalars(select(SelfTestRun).order_by(SelfTestRun.id.desc()).limit(200)):
            out.setdefault(
                r.device,
                {"at": r.at.isoformat(), "technician": r.technician, "passed": r.passed, "simulated": r.simulated},
            )
    return out

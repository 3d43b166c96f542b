"""The core's device choice, training faults, live-check audit, stored self-tests and the
centre's address and keys take an authenticated session and check it themselves: role,
idle lock, log out, and an account deactivated meanwhile. A bare name gets nowhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from common.errors import AuthError, StateError, ValidationError, ValidationErrors
from devices.base import DeviceKind
from station.admin import Admin
from station.auth import Role
from station.config import load_config, save_config
from station.device_admin import record_device_check, save_device_choice, set_training_fault
from station.selftest import TERMINAL, run_selftest
from station.sync.packets import CENTRAL_KEY
from station.sync.trust import RECEIPT_KEY
from store.models import AuditEvent, SelfTestRun
from tests.conftest import SUPERVISOR_PASSWORD
from tests.station.test_selftest import FAST_PAD
from wire.keys import central_bundle

TECH_PASSWORD = "rahasia-tek-1"
OPR_PASSWORD = "rahasia-opr-1"


@pytest.fixture
def demo(core):  # type: ignore[no-untyped-def]
    """A demo station (training faults; no first-login password change) with a
    technician and an operator besides the supervisor."""
    core.config.demo = True
    save_config(core.config, core.home)
    spv = core.auth.login("spv", SUPERVISOR_PASSWORD)
    core.auth.add_operator("teknisi", "Teknisi Uji", Role.TECHNICIAN, TECH_PASSWORD, by=spv)
    core.auth.add_operator("opr", "Operator Uji", Role.OPERATOR, OPR_PASSWORD, by=spv)
    return core


def audit_rows(core: Any, *actions: str) -> list[tuple[str, str | None, str | None, str]]:
    with core.db.read() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.target, AuditEvent.detail).where(
                AuditEvent.action.in_(actions)
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def refusals(core: Any, supervisor: Any) -> list[tuple[Any, str]]:
    """Every session the device functions must refuse, with the code each gets."""
    locked = core.auth.login("teknisi", TECH_PASSWORD)
    locked.lock()
    ended = core.auth.login("teknisi", TECH_PASSWORD)
    core.auth.logout(ended)
    return [
        (core.auth.login("opr", OPR_PASSWORD), "auth.role"),
        (locked, "auth.session_locked"),
        (ended, "auth.no_session"),
        (supervisor, "auth.no_session"),  # a plain User: a name, no password
        (None, "auth.no_session"),
    ]


DEVICE_CALLS: dict[str, Callable[[Any, Any], object]] = {
    "save_device_choice": lambda core, who: save_device_choice(
        core, who, DeviceKind.FINGERPRINT, driver="ef01", port="/dev/ttyFP"
    ),
    "set_training_fault": lambda core, who: set_training_fault(core, who, DeviceKind.FINGERPRINT, "sensor_fault"),
    "record_device_check": lambda core, who: record_device_check(core, who, DeviceKind.FINGERPRINT),
    "run_selftest": lambda core, who: run_selftest(core, technician=who, kinds=[DeviceKind.FINGERPRINT]),
}


@pytest.mark.parametrize("call", sorted(DEVICE_CALLS))
def test_each_device_function_refuses_every_session_but_an_unlocked_technicians_or_supervisors(
    demo, supervisor, call
) -> None:  # type: ignore[no-untyped-def]
    core = demo
    for who, code in refusals(core, supervisor):
        with pytest.raises(AuthError) as info:
            DEVICE_CALLS[call](core, who)
        assert info.value.code == code, who
    assert load_config(core.home).fingerprint.driver == "auto"
    assert "fault" not in core.config.fingerprint.options
    assert audit_rows(core, "settings_change", "training_fault", "device_check", "selftest") == []
    with core.db.read() as s:
        assert s.scalars(select(SelfTestRun)).all() == []


def test_a_technician_deactivated_meanwhile_may_no_longer_choose_a_device(demo) -> None:  # type: ignore[no-untyped-def]
    core = demo
    tech = core.auth.login("teknisi", TECH_PASSWORD)
    core.auth.set_active("teknisi", False, by=core.auth.login("spv", SUPERVISOR_PASSWORD))
    with pytest.raises(AuthError) as info:
        save_device_choice(core, tech, DeviceKind.CAMERA, driver="opencv-sim")
    assert info.value.code == "auth.role"


def test_a_device_choice_is_saved_checked_and_audited_under_the_session(demo) -> None:  # type: ignore[no-untyped-def]
    core = demo
    tech = core.auth.login("teknisi", TECH_PASSWORD)
    core.config.fingerprint.options["backdrop"] = "in memory only"
    for bad in (
        {"driver": "isdv4"},  # another kind's driver
        {"port": "/dev/tty\x1b[2J"},
        {"port": "x" * 513},
        {"baud": -1},
        {"options": {f"k{i}": i for i in range(40)}},
    ):
        with pytest.raises(ValidationError):
            save_device_choice(core, tech, DeviceKind.FINGERPRINT, **bad)  # type: ignore[arg-type]
    assert audit_rows(core, "settings_change") == []
    saved = save_device_choice(
        core, tech, DeviceKind.FINGERPRINT, driver="ef01", port="/dev/ttyFP", baud=115200, options={"retries": 2}
    )
    assert (saved.driver, saved.port, saved.baud, saved.options) == ("ef01", "/dev/ttyFP", 115200, {"retries": 2})
    on_disk = load_config(core.home).fingerprint
    assert (on_disk.driver, on_disk.port, on_disk.options) == ("ef01", "/dev/ttyFP", {"retries": 2})
    ((action, actor, target, detail),) = audit_rows(core, "settings_change")
    assert (actor, target) == ("teknisi", "devices.fingerprint") and json.loads(detail)["port"] == "/dev/ttyFP"
    spv = core.auth.login("spv", SUPERVISOR_PASSWORD)
    save_device_choice(core, spv, DeviceKind.FINGERPRINT, driver="auto", port="", clear_options=True)
    assert load_config(core.home).fingerprint.options == {}
    assert audit_rows(core, "settings_change")[-1][1] == "spv"


def test_a_training_fault_is_set_in_memory_audited_and_only_on_a_demo_station(demo) -> None:  # type: ignore[no-untyped-def]
    core = demo
    tech = core.auth.login("teknisi", TECH_PASSWORD)
    with pytest.raises(ValidationError):
        set_training_fault(core, tech, DeviceKind.FINGERPRINT, "gremlins")
    set_training_fault(core, tech, DeviceKind.FINGERPRINT, "sensor_fault")
    assert core.config.fingerprint.options["fault"] == "sensor_fault"
    assert "fault" not in load_config(core.home).fingerprint.options
    set_training_fault(core, tech, DeviceKind.FINGERPRINT, None)
    assert "fault" not in core.config.fingerprint.options
    record_device_check(core, tech, DeviceKind.CAMERA)
    assert [(a, actor, target, json.loads(d)) for a, actor, target, d in audit_rows(core, "training_fault")] == [
        ("training_fault", "teknisi", "devices.fingerprint", {"fault": "sensor_fault"}),
        ("training_fault", "teknisi", "devices.fingerprint", {"fault": None}),
    ]
    assert [(actor, target) for _, actor, target, _ in audit_rows(core, "device_check")] == [
        ("teknisi", "devices.camera")
    ]
    core.config.demo = False
    with pytest.raises(StateError):
        set_training_fault(core, tech, DeviceKind.FINGERPRINT, "sensor_fault")
    assert "fault" not in core.config.fingerprint.options


@pytest.mark.timeout(60)
def test_a_stored_self_test_names_the_authenticated_technician_or_the_terminal(demo) -> None:  # type: ignore[no-untyped-def]
    core = demo
    core.config.signature.options.update(FAST_PAD)  # whose run it is, not the pad's pace
    save_config(core.config, core.home)
    tech = core.auth.login("teknisi", TECH_PASSWORD)
    report = run_selftest(core, technician=tech, kinds=[DeviceKind.SIGNATURE], include_station=False)
    assert report.technician == "teknisi" and report.by is tech
    terminal = run_selftest(core, technician=TERMINAL, kinds=[DeviceKind.SIGNATURE], include_station=False)
    assert terminal.technician.startswith("cli:") and terminal.by is None
    with core.db.read() as s:
        assert [r.technician for r in s.scalars(select(SelfTestRun).order_by(SelfTestRun.id))] == [
            "teknisi",
            terminal.technician,
        ]
    assert [actor for _, actor, _, _ in audit_rows(core, "selftest")] == ["teknisi", terminal.technician]
    with pytest.raises(TypeError):  # a report cannot be made to carry a typed name
        type(report)(report.devices, report.station, "teknisi", report.at)  # type: ignore[arg-type]


# --- the centre's address and keys: a supervisor's settings change ------------------------------


def bundle() -> bytes:
    return central_bundle(X25519PrivateKey.generate().public_key(), Ed25519PrivateKey.generate().public_key())


def test_set_central_takes_an_unlocked_supervisor_and_checks_both_before_writing(demo, supervisor) -> None:  # type: ignore[no-untyped-def]
    core = demo
    for who, code in (
        (core.auth.login("teknisi", TECH_PASSWORD), "auth.role"),
        (supervisor, "auth.no_session"),
        (None, "auth.no_session"),
    ):
        with pytest.raises(AuthError) as info:
            Admin(core, who)
        assert info.value.code == code
    session = core.auth.login("spv", SUPERVISOR_PASSWORD)
    admin = Admin(core, session)
    session.lock()  # the idle lock while the administration was open
    with pytest.raises(AuthError) as info:
        admin.set_central(url="http://127.0.0.1:8700", key_bundle=bundle())
    assert info.value.code == "auth.session_locked"
    admin = Admin(core, core.auth.login("spv", SUPERVISOR_PASSWORD))
    with pytest.raises(ValidationError):
        admin.set_central(url="http://127.0.0.1:8700", key_bundle=b"not a key")
    with pytest.raises(ValidationErrors):
        admin.set_central(url="http://10.0.0.5:8700", key_bundle=bundle())  # http:// to another computer
    assert load_config(core.home).central_url == "" and not (core.home / CENTRAL_KEY).exists()
    assert audit_rows(core, "settings_change") == []
    keys = admin.set_central(url="http://127.0.0.1:8700", key_bundle=bundle())
    assert keys.packet_key and keys.receipt_key and (core.home / RECEIPT_KEY).exists()
    assert load_config(core.home).central_url == core.config.central_url == "http://127.0.0.1:8700"
    assert [(actor, target) for _, actor, target, _ in audit_rows(core, "settings_change")] == [
        ("spv", "station.toml"),
        ("spv", "central.keys"),
    ]

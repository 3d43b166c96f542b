"""The core announces what it changed (station.events): a device choice, a training
fault, an account change, a setting and a seal each notify once, after the change is
committed (a subscriber that reads on notification sees it)."""

from __future__ import annotations

from typing import Any

from devices.base import DeviceKind
from station.admin import Admin
from station.auth import Role
from station.config import load_config, save_config
from station.device_admin import save_device_choice, set_training_fault
from station.enroll_synthetic import enroll_synthetic
from station.events import Change, Changes
from store.models import AuditEvent
from tests.conftest import SUPERVISOR_PASSWORD

PW = "Kata-sandi-uji-9"


def listen(core: Any) -> list[Changes]:
    seen: list[Changes] = []
    core.events.subscribe(seen.append)
    return seen


def test_device_changes_are_announced_after_they_are_written(core) -> None:  # type: ignore[no-untyped-def]
    core.config.demo = True
    save_config(core.config, core.home)
    spv = core.auth.login("spv", SUPERVISOR_PASSWORD)
    seen: list[Changes] = []

    def on_change(changes: Changes) -> None:  # reads on notification: the change is there
        seen.append(changes)
        assert load_config(core.home).fingerprint.port == "/dev/ttyNOPE9"

    unsubscribe = core.events.subscribe(on_change)
    save_device_choice(core, spv, DeviceKind.FINGERPRINT, driver="auto", port="/dev/ttyNOPE9")
    unsubscribe()
    assert [c.kinds for c in seen] == [frozenset({Change.DEVICE, Change.SETTINGS, Change.AUDIT})]
    seen2 = listen(core)
    set_training_fault(core, spv, DeviceKind.CAMERA, "blur")
    assert [c.kinds for c in seen2] == [frozenset({Change.DEVICE, Change.AUDIT})]


def test_account_setting_and_seal_changes_are_announced(core) -> None:  # type: ignore[no-untyped-def]
    spv = core.auth.login("spv", SUPERVISOR_PASSWORD)
    admin = Admin(core, spv)
    seen = listen(core)
    admin.add_operator("ani", "Ani", Role.OPERATOR, PW, PW)
    admin.set_active("ani", False)
    assert [c.kinds for c in seen] == [frozenset({Change.OPERATORS, Change.AUDIT})] * 2
    seen.clear()
    admin.apply_settings({"language": "en"})
    admin.apply_settings({"language": "en"})  # nothing changed: nothing announced
    assert [c.kinds for c in seen] == [frozenset({Change.SETTINGS, Change.AUDIT})]
    seen.clear()
    report = enroll_synthetic(core, 1, seed=11, operator=spv, approver=spv)
    assert [c.kinds for c in seen] == [frozenset({Change.SEALED, Change.AUDIT})]
    with core.db.read() as session:
        sealed = session.query(AuditEvent).filter(AuditEvent.action == "seal").one()
    assert seen[0].record_uuid is not None and seen[0].record_uuid in sealed.detail
    assert report.count == 1 and report.first_reg is not None

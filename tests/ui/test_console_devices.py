"""The technician's device console, driven through its real widgets against the
simulated camera, fingerprint module and signature pad."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QPushButton
from sqlalchemy import select

from devices.base import DeviceKind
from devices.kinds import SIMULATED_LABEL
from station.auth import Role, User
from station.config import load_config
from station.selftest_report import report_html, runs_from_history
from store.models import AuditEvent
from tests.ui.conftest import spv_session

WAIT_MS = 30_000
TECH_PASSWORD = "rahasia-tek-1"


def technician(ctx: Any) -> Any:
    ctx.core.auth.add_operator("teknisi", "Teknisi Uji", Role.TECHNICIAN, TECH_PASSWORD, by=spv_session(ctx.core))
    ctx.set_user(ctx.core.auth.login("teknisi", TECH_PASSWORD))
    return ctx


def console(qtbot: Any, ctx: Any) -> Any:
    from ui.console_devices import DeviceConsole

    widget = DeviceConsole(ctx)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    if widget.allowed:  # the console opens every device once to show what it is
        qtbot.waitUntil(lambda: widget.run_all_button.isEnabled(), timeout=WAIT_MS)
    return widget


def audit_events(ctx: Any, action: str) -> list[AuditEvent]:
    with ctx.core.db.read() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def step_rows(widget: Any) -> list[str]:
    return [widget.steps.row_text(r) for r in range(widget.steps.rowCount())]


# --- who may use it ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.SUPERVISOR])
def test_a_technician_or_a_supervisor_gets_the_console(qtbot, ctx, supervisor, role) -> None:  # type: ignore[no-untyped-def]
    if role == Role.TECHNICIAN:
        technician(ctx)
    else:
        ctx.set_user(spv_session(ctx.core))
    widget = console(qtbot, ctx)
    assert widget.allowed and set(widget.cards) == set(DeviceKind)
    fingerprint = widget.cards[DeviceKind.FINGERPRINT]
    qtbot.waitUntil(lambda: fingerprint.info is not None, timeout=WAIT_MS)
    assert ctx.t(SIMULATED_LABEL) in fingerprint.state_label.text()  # a simulator is always labelled
    assert fingerprint.info is not None and fingerprint.info.serial in fingerprint.info_label.text()
    assert fingerprint.info.firmware in fingerprint.info_label.text()
    assert fingerprint.driver.currentData() == "ef01-sim"
    drivers = [fingerprint.driver.itemData(i) for i in range(fingerprint.driver.count())]
    assert drivers[0] == "auto" and {"ef01", "ef01-sim"} <= set(drivers)
    assert "isdv4" not in drivers  # only this kind's drivers


def test_an_operator_is_refused_with_a_message_and_no_controls(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    ctx.core.auth.add_operator("opr", "Operator Uji", Role.OPERATOR, "rahasia-opr-1", by=spv_session(ctx.core))
    ctx.set_user(User("opr", "Operator Uji", Role.OPERATOR))
    widget = console(qtbot, ctx)
    assert not widget.allowed
    assert "technician" in widget.message.text()
    assert widget.findChildren(QPushButton) == [] and widget.findChildren(QComboBox) == []
    assert not widget.cards


# --- self-test ---------------------------------------------------------------------------


def test_an_injected_fault_shows_its_code_and_remedy_live_and_the_run_is_in_the_history(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    from ui.selftest_views import FAIL_BG

    widget = console(qtbot, technician(ctx))
    card = widget.cards[DeviceKind.FINGERPRINT]
    card.fault.setCurrentIndex(card.fault.findData("sensor_fault"))  # the training control
    # set by the core once it has checked the session and audited it
    qtbot.waitUntil(lambda: ctx.core.config.fingerprint.options.get("fault") == "sensor_fault", timeout=WAIT_MS)
    assert "fault" not in load_config(ctx.core.home).fingerprint.options  # in memory only
    qtbot.waitUntil(lambda: card.test_button.isEnabled(), timeout=WAIT_MS)

    seen_while_running: list[str] = []  # each row as it is filled in, while the test still runs
    widget.steps.model().dataChanged.connect(
        lambda index, *_: seen_while_running.append(widget.steps.row_text(index.row())) if widget.testing else None
    )
    card.test_button.click()
    assert widget.testing and ctx.devices.states[DeviceKind.FINGERPRINT].state == "closed"  # port let go
    qtbot.waitUntil(lambda: not widget.testing, timeout=WAIT_MS)
    faulty = [row for row in seen_while_running if "[fingerprint.sensor_fault]" in row]
    assert faulty, step_rows(widget)  # shown live, before the run ended, with its code
    assert "FAILED" in faulty[0] and "periksa konektor sensor" in faulty[0]  # and its remedy, in Indonesian
    failed_row = next(r for r in range(widget.steps.rowCount()) if "sensor_fault" in widget.steps.row_text(r))
    assert widget.steps.item(failed_row, 2).background().color() == FAIL_BG
    assert "FAILED" in widget.run_label.text() and "teknisi" in widget.run_label.text()
    # the health strip shows the fault
    state = ctx.devices.states[DeviceKind.FINGERPRINT]
    assert state.state == "fault" and state.error_code == "fingerprint.sensor_fault"

    qtbot.waitUntil(lambda: widget.history_table.rowCount() > 0, timeout=WAIT_MS)
    newest = widget.history_table.row_text(0)
    assert "teknisi" in newest and "fingerprint.sensor," in newest and "FAILED" in newest
    (event,) = audit_events(ctx, "selftest")
    assert event.actor == "teknisi" and event.target == "fingerprint"
    (training,) = audit_events(ctx, "training_fault")
    assert training.actor == "teknisi" and json.loads(training.detail) == {"fault": "sensor_fault"}

    # the fault taken away, the next run passes and is listed first
    card.fault.setCurrentIndex(card.fault.findData(""))
    qtbot.waitUntil(lambda: "fault" not in ctx.core.config.fingerprint.options, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: card.test_button.isEnabled(), timeout=WAIT_MS)
    card.test_button.click()
    qtbot.waitUntil(lambda: not widget.testing, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(widget.runs) == 2, timeout=WAIT_MS)
    assert widget.runs[0]["passed"] and not widget.runs[1]["passed"]
    older = next(r for r in range(widget.history_table.rowCount()) if "FAILED" in widget.history_table.row_text(r))
    widget.history_table.cellDoubleClicked.emit(older, 0)  # the failed run, shown again
    assert widget.run is widget.runs[1] and widget.tabs.currentIndex() == 0
    assert any("[fingerprint.sensor_fault]" in row for row in step_rows(widget))


def test_the_html_export_has_the_steps_and_the_pdf_is_written(qtbot, ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    widget = console(qtbot, technician(ctx))
    ctx.core.config.signature.options["fault"] = "no_reply"
    widget.cards[DeviceKind.SIGNATURE].test_button.click()
    qtbot.waitUntil(lambda: not widget.testing, timeout=WAIT_MS)
    html_path, pdf_path = tmp_path / "report.html", tmp_path / "report.pdf"
    widget.export(pdf=False, path=html_path)
    qtbot.waitUntil(lambda: html_path.exists(), timeout=WAIT_MS)
    body = html_path.read_text(encoding="utf-8")
    assert "320412-01" in body and "Loket uji" in body and "teknisi" in body
    assert "signature.detect" in body and "[signature." in body  # the steps with the failure's code
    widget.export(pdf=True, path=pdf_path)
    qtbot.waitUntil(lambda: str(pdf_path) in widget.message.text(), timeout=WAIT_MS)
    assert pdf_path.read_bytes().startswith(b"%PDF")


def test_the_report_escapes_every_value_and_rebuilds_runs_from_the_history() -> None:
    hostile = '<script>alert("x")</script>&'
    step = {
        "device": "fingerprint",
        "name": "fingerprint.sensor",
        "title": "Sensor check",
        "passed": False,
        "measured": hostile,
        "expected": "0x00",
        "remedy": "Reseat <b>the</b> cable",
        "error_code": "fingerprint.sensor_fault",
    }
    device = {
        "kind": "fingerprint",
        "passed": False,
        "selection": {"driver": "ef01", "port": "/dev/ttyUSB0", "simulated": False, "fallback": None},
        "info": {"driver": "ef01", "model": hostile, "serial": "S1", "firmware": "F1", "port": "/dev/ttyUSB0"},
        "steps": [step],
    }
    rows = [
        {
            "at": "2025-06-01T02:00:00+00:00",
            "technician": hostile,
            "device": "fingerprint",
            "driver": "ef01",
            "simulated": False,
            "passed": False,
            "report": device,
        }
    ]
    runs = runs_from_history(rows)
    assert len(runs) == 1 and runs[0]["devices"] == [device] and not runs[0]["passed"]
    page = report_html(station_code="320412-01", station_name=hostile, run=runs[0], history=runs, lang="en")
    assert "<script>" not in page and "<b>the</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in page
    assert "Sensor check" in page and "fingerprint.sensor_fault" in page and "S1" in page and "F1" in page
    assert "Reseat &lt;b&gt;the&lt;/b&gt; cable" in page


# --- device choice -----------------------------------------------------------------------


def test_changing_the_driver_and_port_saves_the_config_audits_and_re_detects(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    widget = console(qtbot, technician(ctx))
    ctx.core.config.fingerprint.options["fault"] = "ghost_finger"  # a training fault, in memory only
    card = widget.cards[DeviceKind.FINGERPRINT]
    card.driver.setCurrentIndex(card.driver.findData("auto"))
    card.port.setEditText("/dev/ttyNOPE0")
    card.save_button.click()
    qtbot.waitUntil(lambda: bool(audit_events(ctx, "settings_change")), timeout=WAIT_MS)
    on_disk = load_config(ctx.core.home).fingerprint
    assert (on_disk.driver, on_disk.port) == ("auto", "/dev/ttyNOPE0")
    assert "fault" not in on_disk.options  # the training fault never reaches station.toml
    (event,) = audit_events(ctx, "settings_change")
    assert event.actor == "teknisi" and event.target == "devices.fingerprint"
    assert json.loads(event.detail)["port"] == "/dev/ttyNOPE0"
    # re-detected without a restart: nothing answers there, so the simulator stands in and says why
    qtbot.waitUntil(lambda: ctx.devices.states[DeviceKind.FINGERPRINT].fallback is not None, timeout=WAIT_MS)
    assert ctx.core.config.fingerprint.driver == "auto"
    assert "/dev/ttyNOPE0" in card.note.text() and card.note.isVisible()
    assert ctx.t(SIMULATED_LABEL) in card.state_label.text()


# --- live checks -------------------------------------------------------------------------


def test_the_live_fingerprint_check_shows_an_image_and_its_quality(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    widget = console(qtbot, technician(ctx))
    check = widget.live.checks[DeviceKind.FINGERPRINT]
    widget.cards[DeviceKind.FINGERPRINT].live_button.click()
    assert widget.tabs.currentWidget() is widget.live and widget.live.currentWidget() is check
    qtbot.waitUntil(lambda: check.last is not None, timeout=WAIT_MS)
    assert check.last is not None
    assert not check.image.pixmap().isNull()
    assert check.bar.value == check.last.quality
    assert f"{check.last.quality:.0f}" in check.quality_label.text() and "coherence" in check.quality_label.text()
    (event,) = audit_events(ctx, "device_check")
    assert event.actor == "teknisi" and event.target == "devices.fingerprint"


def test_the_live_signature_check_shows_the_pad_area_and_the_camera_previews(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    widget = console(qtbot, technician(ctx))
    ctx.core.config.signature.options.update(tempo=3.0)
    signature = widget.live.checks[DeviceKind.SIGNATURE]
    widget.live_check(DeviceKind.SIGNATURE)
    qtbot.waitUntil(lambda: signature.canvas.ink_points > 20, timeout=WAIT_MS)
    assert "24576" in signature.area_label.text() and "%" in signature.area_label.text()
    signature.stop_button.click()  # Done
    qtbot.waitUntil(lambda: not signature.running, timeout=WAIT_MS)

    camera = widget.live.checks[DeviceKind.CAMERA]
    widget.live_check(DeviceKind.CAMERA)
    qtbot.waitUntil(lambda: camera.preview.frames_painted > 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: camera.checks.passed("one_face") is True, timeout=WAIT_MS)
    widget.tabs.setCurrentIndex(0)  # leaving the tab stops the preview
    qtbot.waitUntil(lambda: not camera.running, timeout=WAIT_MS)


def test_the_console_speaks_indonesian(qtbot, ctx, indonesian) -> None:  # type: ignore[no-untyped-def]
    widget = console(qtbot, technician(ctx))
    assert widget.run_all_button.text() != "Test all devices"
    assert widget.tabs.tabText(2) != "Live check"
    assert widget.live.checks[DeviceKind.FINGERPRINT].start_button.text() != "Capture a finger"


def test_a_run_is_stored_even_when_the_console_is_closed_during_it(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    from station.selftest import history
    from ui.console_devices import DeviceConsole

    technician(ctx)
    # The pad's gestures twice as fast at the line rate (the run still lasts seconds,
    # its stream step alone 3 s): what matters is that the console closes mid-run.
    ctx.core.config.signature.options.update(tempo=2.0, packet_rate="line")
    widget = DeviceConsole(ctx)
    widget.show()
    qtbot.waitUntil(lambda: widget.run_all_button.isEnabled(), timeout=WAIT_MS)
    widget.cards[DeviceKind.SIGNATURE].test_button.click()
    qtbot.waitUntil(lambda: widget.steps.rowCount() > 0, timeout=WAIT_MS)
    widget.close()
    widget.deleteLater()  # the technician went back to the counter mid-test
    qtbot.waitUntil(lambda: bool(history(ctx.core)), timeout=WAIT_MS)
    (row,) = history(ctx.core)
    assert row["technician"] == "teknisi" and row["device"] == "signature" and row["passed"]


def test_behind_the_lock_the_console_does_nothing_and_the_core_refuses_the_session(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """Were a console left open behind the idle lock, its buttons reach nothing: the
    console asks first, and the core checks the session itself."""
    from common.errors import AuthError
    from station.device_admin import record_device_check, save_device_choice, set_training_fault

    widget = console(qtbot, technician(ctx))
    card = widget.cards[DeviceKind.FINGERPRINT]
    ctx.user.lock()
    card.fault.setCurrentIndex(card.fault.findData("sensor_fault"))
    card.port.setEditText("/dev/ttyNOPE0")
    card.save_button.click()
    widget.run_selftest([DeviceKind.SIGNATURE])
    assert not widget.testing
    for call in (
        lambda: save_device_choice(ctx.core, ctx.user, DeviceKind.FINGERPRINT, port="/dev/ttyNOPE0"),
        lambda: set_training_fault(ctx.core, ctx.user, DeviceKind.FINGERPRINT, "sensor_fault"),
        lambda: record_device_check(ctx.core, ctx.user, DeviceKind.FINGERPRINT),
    ):
        with pytest.raises(AuthError) as info:
            call()
        assert info.value.code == "auth.session_locked"
    assert "fault" not in ctx.core.config.fingerprint.options
    assert load_config(ctx.core.home).fingerprint.port != "/dev/ttyNOPE0"
    assert not [
        e for a in ("settings_change", "training_fault", "device_check", "selftest") for e in audit_events(ctx, a)
    ]


def test_the_iris_camera_has_a_card_labelled_simulated_and_a_live_check(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    widget = console(qtbot, technician(ctx))
    card = widget.cards[DeviceKind.IRIS]
    assert card.driver.findData("sbi-iris") >= 0 and card.driver.findData("sbi-iris-sim") >= 0
    assert card.fault.findData("eye_closed") >= 0 and card.fault.findData("wrong_hand") < 0
    check = widget.live.checks[DeviceKind.IRIS]
    card.live_button.click()
    assert widget.live.currentWidget() is check
    qtbot.waitUntil(lambda: check.last is not None, timeout=WAIT_MS)
    assert check.last is not None and set(check.last) == {"left", "right"}
    assert check.preview.frames_painted > 0 or check.preview.frame is not None
    text = check.result_label.text()
    assert "Left eye" in text and "Right eye" in text and "(minimum 60)" in text
    assert ctx.t(SIMULATED_LABEL) in card.state_label.text()
    (event,) = audit_events(ctx, "device_check")
    assert event.target == "devices.iris"

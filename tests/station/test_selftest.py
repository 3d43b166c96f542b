"""`station selftest`, `station devices` and `station sim`, end to end through the CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from station.cli.main import main
from station.config import load_config, save_config
from store.models import AuditEvent, SelfTestRun
from tests.conftest import SUPERVISOR_PASSWORD


def as_user(monkeypatch: pytest.MonkeyPatch, *argv: str, password: str = SUPERVISOR_PASSWORD) -> int:
    """A command that asks for a password, with `password` on standard input."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main([*argv, "--password-stdin"])


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    rc = main([*argv, "--json"])
    out, _ = capsys.readouterr()
    return rc, json.loads(out)


# The simulated pad playing its gestures twice as fast, back to back at the line rate:
# tests/devices/test_signature_selftest.py runs every step and fault this way. A test
# whose subject is not the pad's pace takes it (at the real pace a pad's self-test is
# about 5 s; test_all_simulators_pass keeps the real pace).
FAST_PAD = {"tempo": 2.0, "packet_rate": "line"}


def use_simulators(home: Path, *, fast_pad: bool = False, **faults: str) -> None:
    config = load_config(home)
    sims = (("camera", "opencv-sim"), ("fingerprint", "ef01-sim"), ("signature", "isdv4-sim"), ("iris", "sbi-iris-sim"))
    for kind, driver in sims:
        cfg = getattr(config, kind)
        cfg.driver = driver
        cfg.options = {"fault": faults[kind]} if kind in faults else {}
        if kind == "signature" and fast_pad:
            cfg.options.update(FAST_PAD)
    save_config(config, home)


def steps(report: dict, kind: str) -> dict[str, dict]:  # type: ignore[type-arg]
    device = next(d for d in report["devices"] if d["kind"] == kind)
    return {s["name"]: s for s in device["steps"]}


@pytest.mark.timeout(120)
def test_all_simulators_pass_and_the_run_is_stored_with_the_technician(core, capsys):
    use_simulators(core.home)
    rc, report = run_json(capsys, "selftest")
    assert rc == 0, [s for d in report["devices"] for s in d["steps"] if not s["passed"]]
    assert report["passed"] is True
    assert {d["kind"] for d in report["devices"]} == {"camera", "fingerprint", "signature", "iris"}
    for d in report["devices"]:
        assert d["info"]["simulated"] is True and d["selection"]["simulated"] is True
        assert all(s["measured"] and s["expected"] for s in d["steps"])
    assert [s["name"] for s in report["station"]["steps"]] == ["station.disk_free", "station.database", "station.clock"]
    with core.db.read() as s:
        runs = s.scalars(select(SelfTestRun)).all()
        assert {r.device for r in runs} == {"camera", "fingerprint", "signature", "iris", "station"}
        assert all(r.technician.startswith("cli:") and r.passed for r in runs)
        assert s.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == "selftest"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("kind", "fault", "step", "code"),
    [
        ("fingerprint", "sensor_fault", "fingerprint.sensor", "fingerprint.sensor_fault"),
        ("fingerprint", "ghost_finger", "fingerprint.empty_platen", "fingerprint.ghost_finger"),
        ("signature", "noise", "signature.noise", "signature.noise"),
        ("signature", "stuck_tip", "signature.stuck_tip", "signature.stuck_tip"),
        ("camera", "black_frames", "camera.exposure", "camera.black_frames"),
        ("camera", "shaking", "camera.motion", "camera.shaking"),
    ],
)
def test_an_injected_fault_is_named_with_its_remedy(core, capsys, kind, fault, step, code):
    use_simulators(core.home, fast_pad=True, **{kind: fault})
    rc, report = run_json(capsys, "--lang", "en", "selftest", "--device", kind)
    assert rc == 1
    failed = {n: s for n, s in steps(report, kind).items() if not s["passed"]}
    assert step in failed, sorted(failed)
    assert failed[step]["error_code"] == code
    assert failed[step]["remedy"]


@pytest.mark.timeout(60)
def test_fallback_to_the_simulator_is_never_silent(core, capsys):
    config = load_config(core.home)
    config.fingerprint.port = str(core.home / "no-such-port")
    save_config(config, core.home)
    rc, report = run_json(capsys, "--lang", "en", "selftest", "--device", "fingerprint")
    assert rc == 1
    device = report["devices"][0]
    assert device["selection"]["simulated"] is True
    assert "no real device answered" in device["selection"]["fallback"]
    assert str(core.home / "no-such-port") in device["selection"]["fallback"]
    detect = steps(report, "fingerprint")["fingerprint.detect"]
    assert detect["passed"] is False and "simulator" in detect["measured"]
    rc = main(["devices", "list"])
    out, _ = capsys.readouterr()
    assert "SIMULATED" in out and "no-such-port" in out


@pytest.mark.timeout(60)
def test_demo_station_accepts_the_simulator_fallback(core, capsys):
    config = load_config(core.home)
    config.demo = True
    save_config(config, core.home)
    rc, report = run_json(capsys, "selftest", "--device", "fingerprint")
    assert steps(report, "fingerprint")["fingerprint.detect"]["passed"] is True
    assert report["devices"][0]["selection"]["fallback"]  # still said, even where allowed


@pytest.mark.timeout(90)
def test_selftest_against_a_simulator_started_by_hand_names_its_fault(core, capsys, tmp_path, monkeypatch):
    link = tmp_path / "fp"
    env = {**os.environ, "STATION_HOME": str(core.home)}
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "station.cli.main",
            "sim",
            "fingerprint",
            "--link",
            str(link),
            "--fault",
            "sensor_fault",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sim.stdout is not None
        path = sim.stdout.readline().strip()
        assert path.startswith("/dev/pts/")
        deadline = time.monotonic() + 10
        while not link.is_symlink() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.readlink(link) == path
        choice = ("devices", "set", "fingerprint", "--driver", "ef01", "--port", str(link), "--technician", "spv")
        assert as_user(monkeypatch, *choice) == 0
        capsys.readouterr()
        rc, report = run_json(capsys, "selftest", "--device", "fingerprint")
        assert rc == 1
        device = report["devices"][0]
        assert device["selection"]["simulated"] is False and device["selection"]["port"] == str(link)
        codes = {s["error_code"] for s in device["steps"] if not s["passed"]}
        assert "fingerprint.sensor_fault" in codes
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    assert not link.exists(), "the simulator removes its link when stopped"


def test_unknown_driver_and_fault_are_refused(core, capsys, monkeypatch):
    assert as_user(monkeypatch, "devices", "set", "fingerprint", "--driver", "nope", "--technician", "spv") == 2
    assert "ef01" in capsys.readouterr().err
    assert main(["sim", "fingerprint", "--fault", "gremlins"]) == 2
    assert "sensor_fault" in capsys.readouterr().err


# --- who: a device choice and a stored self-test name an authenticated account ----------


def audit_rows(core, action: str) -> list[tuple[str | None, str | None]]:  # type: ignore[no-untyped-def]
    with core.db.read() as s:
        return [
            tuple(r) for r in s.execute(select(AuditEvent.actor, AuditEvent.target).where(AuditEvent.action == action))
        ]  # type: ignore[misc]


def add_account(core, username: str, role: str, password: str) -> None:  # type: ignore[no-untyped-def]
    from station.auth import Role

    core.config.demo = True  # a demo station: no first-login password change in the way
    core.auth.add_operator(
        username, username.title(), Role(role), password, by=core.auth.login("spv", SUPERVISOR_PASSWORD)
    )


def test_devices_set_takes_a_technicians_password_and_is_audited_under_that_account(core, capsys, monkeypatch):
    add_account(core, "teknisi", "technician", "rahasia-tek-1")
    add_account(core, "ani", "operator", "rahasia-ani-1")
    choice = ("--lang", "en", "devices", "set", "fingerprint", "--driver", "ef01-sim", "--port", "/dev/ttyFP")
    with pytest.raises(SystemExit):  # argparse: --technician is required, nothing is read
        main(list(choice))
    assert as_user(monkeypatch, *choice, "--technician", "teknisi", password="salah-sekali-1") == 2
    assert "Wrong username or password" in capsys.readouterr().err
    assert as_user(monkeypatch, *choice, "--technician", "ani", password="rahasia-ani-1") == 2
    err = capsys.readouterr().err
    assert "may not do this" in err and err.count("\n") == 1 and "Traceback" not in err
    assert load_config(core.home).fingerprint.port == "" and audit_rows(core, "settings_change") == []
    assert as_user(monkeypatch, *choice, "--technician", "teknisi", password="rahasia-tek-1") == 0
    assert "driver=ef01-sim port=/dev/ttyFP" in capsys.readouterr().out
    assert (load_config(core.home).fingerprint.driver, load_config(core.home).fingerprint.port) == (
        "ef01-sim",
        "/dev/ttyFP",
    )
    assert audit_rows(core, "settings_change") == [("teknisi", "devices.fingerprint")]
    # a supervisor may too
    assert as_user(monkeypatch, *choice[:-2], "--port", "", "--technician", "spv") == 0
    assert audit_rows(core, "settings_change")[-1] == ("spv", "devices.fingerprint")


@pytest.mark.timeout(120)
def test_selftest_with_technician_stores_the_authenticated_account(core, capsys, monkeypatch):
    use_simulators(core.home, fast_pad=True)
    add_account(core, "teknisi", "technician", "rahasia-tek-1")
    add_account(core, "ani", "operator", "rahasia-ani-1")
    run = ("--lang", "en", "selftest", "--device", "signature", "--json", "--technician")
    assert as_user(monkeypatch, *run, "teknisi", password="salah-sekali-1") == 2
    assert "Wrong username or password" in capsys.readouterr().err
    assert as_user(monkeypatch, *run, "ani", password="rahasia-ani-1") == 2
    assert "may not do this" in capsys.readouterr().err
    with core.db.read() as s:
        assert s.scalars(select(SelfTestRun)).all() == []  # refused before any device was opened
    assert as_user(monkeypatch, *run, "teknisi", password="rahasia-tek-1") == 0
    assert json.loads(capsys.readouterr().out)["technician"] == "teknisi"
    with core.db.read() as s:
        assert [r.technician for r in s.scalars(select(SelfTestRun))] == ["teknisi"]
    assert audit_rows(core, "selftest") == [("teknisi", "signature")]

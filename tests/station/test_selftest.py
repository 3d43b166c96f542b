"""`station selftest`, `station devices` and `station sim`, end to end through the CLI."""

from __future__ import annotations

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


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    rc = main([*argv, "--json"])
    out, _ = capsys.readouterr()
    return rc, json.loads(out)


def use_simulators(home: Path, **faults: str) -> None:
    config = load_config(home)
    for kind, driver in (("camera", "opencv-sim"), ("fingerprint", "ef01-sim"), ("signature", "isdv4-sim")):
        cfg = getattr(config, kind)
        cfg.driver = driver
        cfg.options = {"fault": faults[kind]} if kind in faults else {}
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
    assert {d["kind"] for d in report["devices"]} == {"camera", "fingerprint", "signature"}
    for d in report["devices"]:
        assert d["info"]["simulated"] is True and d["selection"]["simulated"] is True
        assert all(s["measured"] and s["expected"] for s in d["steps"])
    assert [s["name"] for s in report["station"]["steps"]] == ["station.disk_free", "station.database", "station.clock"]
    with core.db.read() as s:
        runs = s.scalars(select(SelfTestRun)).all()
        assert {r.device for r in runs} == {"camera", "fingerprint", "signature", "station"}
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
    use_simulators(core.home, **{kind: fault})
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
def test_selftest_against_a_simulator_started_by_hand_names_its_fault(core, capsys, tmp_path):
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
        assert main(["devices", "set", "fingerprint", "--driver", "ef01", "--port", str(link)]) == 0
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


def test_unknown_driver_and_fault_are_refused(core, capsys):
    assert main(["devices", "set", "fingerprint", "--driver", "nope"]) == 2
    assert "ef01" in capsys.readouterr().err
    assert main(["sim", "fingerprint", "--fault", "gremlins"]) == 2
    assert "sensor_fault" in capsys.readouterr().err

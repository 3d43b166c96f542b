"""The `station` command: one clear line and a non-zero exit for every user error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from station.cli.main import main


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None, monkeypatch=None
) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    if stdin is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def init(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rc, out, err = run(
        capsys,
        "init",
        "--station-code",
        "320412-01",
        "--station-name",
        "Loket 1",
        "--supervisor",
        "spv",
        "--password-stdin",
        stdin="rahasia-spv-1\n",
        monkeypatch=monkeypatch,
    )
    assert rc == 0, err


def test_init_then_refuses_to_run_twice(capsys, monkeypatch, station_home: Path):
    init(capsys, monkeypatch)
    assert (station_home / "station.db").exists() and (station_home / "keys" / "data.key").exists()
    rc, out, err = run(
        capsys,
        "init",
        "--station-code",
        "320412-01",
        "--station-name",
        "X",
        "--supervisor",
        "spv2",
        "--password-stdin",
        stdin="rahasia-spv-2\n",
        monkeypatch=monkeypatch,
    )
    assert rc == 2
    assert err.count("\n") == 1 and "dua kali" in err


@pytest.mark.parametrize("code", ["3204-01", "320412", "ABCDEF-01", "320412-1"])
def test_init_refuses_a_malformed_station_code(capsys, monkeypatch, station_home: Path, code: str):
    rc, out, err = run(
        capsys,
        "init",
        "--station-code",
        code,
        "--station-name",
        "X",
        "--supervisor",
        "spv",
        "--password-stdin",
        stdin="rahasia-spv-1\n",
        monkeypatch=monkeypatch,
    )
    assert rc == 2 and "320412-01" in err
    assert not (station_home / "station.db").exists()


def test_commands_before_init_say_to_run_init(capsys):
    rc, out, err = run(capsys, "status")
    assert rc == 2 and "station init" in err


def test_enroll_status_find_show(capsys, monkeypatch):
    init(capsys, monkeypatch)
    rc, out, err = run(capsys, "--lang", "en", "enroll-synthetic", "--count", "12", "--seed", "3")
    assert rc == 0 and "12 synthetic records sealed" in out and "/s" in out
    rc, out, err = run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["counts"] == {"SEALED": 12}
    assert status["oldest_unsynced"]["reg_no"] == "320412-01-0000001"
    assert status["disk_free_bytes"] > 0 and status["disk_enough_for_enrollments"] > 0
    iris = next(d for d in status["devices"] if d["kind"] == "iris")  # no SBI service here: the simulator, saying why
    assert iris["driver"] == "sbi-iris-sim" and iris["simulated"] and "SBI" in iris["fallback"]
    rc, out, err = run(capsys, "--lang", "en", "status")
    assert "iris" in out and "sbi-iris-sim" in out and "[SIMULATED]" in out
    rc, out, err = run(capsys, "records", "find", "--reg", "320412-01-0000005", "--json")
    found = json.loads(out)
    assert [r["reg_no"] for r in found] == ["320412-01-0000005"]
    name = found[0]["name"]
    rc, out, err = run(capsys, "records", "find", "--name", name[:4], "--json")
    assert "320412-01-0000005" in [r["reg_no"] for r in json.loads(out)]
    rc, out, err = run(capsys, "records", "show", "320412-01-0000005", "--json")
    shown = json.loads(out)
    assert [t["state"] for t in shown["timeline"]] == ["DRAFT", "SEALED"]
    assert "*" * 8 in shown["nik_masked"]


def test_find_by_nik_finds_and_masks(capsys, monkeypatch, station_home):
    init(capsys, monkeypatch)
    run(capsys, "enroll-synthetic", "--count", "3")
    from station.core import StationCore

    core = StationCore.open(station_home)
    summary = core.enrollments.find_by_reg("320412-01-0000002")[0]
    nik = core.enrollments.load(summary.uuid).nik
    core.close()
    rc, out, err = run(capsys, "records", "find", "--nik", nik)
    assert rc == 0 and "320412-01-0000002" in out and nik not in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["records", "find", "--nik", "12345"], "16 digit"),
        (["records", "find", "--nik", "1004120101900011"], "provinsi"),
        (["records", "show", "320412-01-9999999"], "tidak ditemukan"),
        (["enroll-synthetic", "--count", "0"], "--count"),
        (["operators", "lock", "nobody", "--supervisor", "spv", "--password-stdin"], "nobody"),
    ],
)
def test_user_errors_are_one_line(capsys, monkeypatch, argv, needle):
    init(capsys, monkeypatch)
    rc, out, err = run(capsys, *argv, stdin="rahasia-spv-1\n", monkeypatch=monkeypatch)
    assert rc == 2
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_operators_add_list_lock_unlock(capsys, monkeypatch):
    """Every change needs the supervisor's password: first line of stdin; the new
    account's password on the second."""
    init(capsys, monkeypatch)
    rc, _, err = run(
        capsys,
        "operators",
        "add",
        "ani",
        "--full-name",
        "Ani Operator",
        "--supervisor",
        "spv",
        "--password-stdin",
        stdin="rahasia-spv-1\nkata-sandi-1\n",
        monkeypatch=monkeypatch,
    )
    assert rc == 0, err
    spv = ("--supervisor", "spv", "--password-stdin")
    rc, out, err = run(capsys, "operators", "lock", "ani", *spv, stdin="rahasia-spv-1\n", monkeypatch=monkeypatch)
    assert rc == 0, err
    rc, out, _ = run(capsys, "operators", "list", "--json")
    ani = next(o for o in json.loads(out) if o["username"] == "ani")
    assert ani["role"] == "operator" and ani["locked_until"] is not None
    rc, out, err = run(capsys, "operators", "unlock", "ani", *spv, stdin="rahasia-spv-1\n", monkeypatch=monkeypatch)
    assert rc == 0, err
    rc, out, _ = run(capsys, "operators", "list", "--json")
    assert next(o for o in json.loads(out) if o["username"] == "ani")["locked_until"] is None


def _audit_actions(station_home: Path) -> list[tuple[str, str | None, str | None]]:
    import sqlite3

    with sqlite3.connect(station_home / "station.db") as conn:
        return list(conn.execute("SELECT action, actor, target FROM audit_events ORDER BY seq"))


def test_operators_changes_refuse_a_wrong_or_non_supervisor_password(capsys, monkeypatch, station_home):
    init(capsys, monkeypatch)
    add = ("operators", "add", "ani", "--full-name", "Ani", "--password-stdin")
    rc, _, err = run(
        capsys, *add, "--supervisor", "spv", stdin="salah-sekali-1\nkata-sandi-1\n", monkeypatch=monkeypatch
    )
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    rc, out, _ = run(capsys, "operators", "list", "--json")
    assert [o["username"] for o in json.loads(out)] == ["spv"]
    rc, _, err = run(
        capsys, *add, "--supervisor", "spv", stdin="rahasia-spv-1\nkata-sandi-1\n", monkeypatch=monkeypatch
    )
    assert rc == 0, err
    # ani is no supervisor, and must first choose her own password anyway.
    lock = ("operators", "lock", "spv", "--supervisor", "ani", "--password-stdin")
    rc, _, err = run(capsys, *lock, stdin="kata-sandi-1\n", monkeypatch=monkeypatch)
    assert rc == 2 and "kata sandi" in err.lower() and "Traceback" not in err
    rc, out, _ = run(capsys, "operators", "list", "--json")
    assert next(o for o in json.loads(out) if o["username"] == "spv")["locked_until"] is None
    assert ("operator_add", "spv", "ani") in _audit_actions(station_home)
    assert ("login_failed", "spv", "spv") in _audit_actions(station_home)
    # Without --supervisor argparse refuses before anything is read.
    with pytest.raises(SystemExit):
        main(["operators", "unlock", "ani"])


def test_operators_prompt_for_both_passwords_at_a_terminal(capsys, monkeypatch):
    import getpass

    init(capsys, monkeypatch)
    answers = iter(["rahasia-spv-1", "kata-sandi-1", "kata-sandi-1"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    rc, _, err = run(capsys, "operators", "add", "ani", "--full-name", "Ani", "--supervisor", "spv")
    assert rc == 0, err
    assert "supervisor" in prompts[0] and "ani" in prompts[1] and len(prompts) == 3


def test_an_account_that_must_change_its_password_is_refused_clearly(capsys, monkeypatch):
    from station.core import StationCore

    init(capsys, monkeypatch)
    rc, _, err = run(
        capsys, "operators", "add", "kepala", "--full-name", "Kepala", "--role", "supervisor",
        "--supervisor", "spv", "--password-stdin", stdin="rahasia-spv-1\nkata-sandi-1\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert rc == 0, err
    rc, _, err = run(
        capsys, "--lang", "en", "records", "requeue", "320412-01-0000001", "--supervisor", "kepala",
        "--password-stdin", stdin="kata-sandi-1\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert rc == 2 and "choose your own password" in err and err.count("\n") == 1
    core = StationCore.open()
    try:
        core.auth.change_password_at_login("kepala", "kata-sandi-1", "pilihan-saya-1", "pilihan-saya-1")
    finally:
        core.close()
    rc, _, err = run(
        capsys, "--lang", "en", "records", "requeue", "320412-01-0000001", "--supervisor", "kepala",
        "--password-stdin", stdin="pilihan-saya-1\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert rc == 2 and "not found" in err  # past the password: the record does not exist


def test_subprocess_error_has_no_traceback_and_english_on_request(tmp_path: Path):
    env = {**os.environ, "STATION_HOME": str(tmp_path / "none"), "STATION_LANG": "en"}
    p = subprocess.run(
        [sys.executable, "-m", "station.cli.main", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 2
    assert p.stderr.strip().startswith("station: No station is set up") and "Traceback" not in p.stderr


def test_a_hard_offline_limit_blocks_new_enrollments_with_its_reason(capsys, monkeypatch, station_home):
    from station.config import load_config, save_config

    init(capsys, monkeypatch)
    run(capsys, "enroll-synthetic", "--count", "3")
    config = load_config(station_home)
    config.sync.warn_pending, config.sync.block_pending = 2, 3
    save_config(config, station_home)
    rc, out, err = run(capsys, "--lang", "en", "status", "--json")
    assert [(lim["name"], lim["level"]) for lim in json.loads(out)["limits"]] == [("pending", "block")]
    rc, out, err = run(capsys, "--lang", "en", "enroll-synthetic", "--count", "1")
    assert rc == 2
    assert "New enrollments are stopped" in err and "3 records are waiting" in err and "export to USB" in err


def test_enroll_synthetic_asks_the_core_whether_its_operator_may_enroll(capsys, monkeypatch, station_home):
    """The app's rule (station.enrollment_rules), not a copy: a technician may not enroll."""
    init(capsys, monkeypatch)
    add = ("operators", "add", "tek", "--full-name", "Teknisi", "--role", "technician", "--supervisor", "spv")
    rc, _, err = run(capsys, *add, "--password-stdin", stdin="rahasia-spv-1\nkata-sandi-1\n", monkeypatch=monkeypatch)
    assert rc == 0, err
    rc, out, err = run(capsys, "--lang", "en", "enroll-synthetic", "--count", "1", "--operator", "tek")
    assert rc == 2 and "Technician role may not start an enrollment" in err and "Traceback" not in err
    rc, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["counts"].get("SEALED", 0) == 0


def test_the_demo_accounts_of_scripts_start_log_in_with_their_documented_passwords(
    capsys, monkeypatch, tmp_path, station_home
):
    """scripts/start's own commands: on a demo station the added accounts are not made
    to change the README's demo passwords (which contain their user names), and the
    device choices (the technician's password) and the centre's address and keys (the
    supervisor's) are made with them and audited under those accounts."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from station.core import StationCore
    from wire.keys import central_bundle

    rc, _, err = run(
        capsys, "init", "--demo", "--station-code", "320412-01", "--station-name", "Demo", "--supervisor",
        "supervisor", "--password-stdin", stdin="latihan-demo-1\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert rc == 0, err
    for username, role, password in (
        ("operator", "operator", "latihan-operator-1"),
        ("teknisi", "technician", "latihan-teknisi-1"),
    ):
        rc, _, err = run(
            capsys, "operators", "add", username, "--full-name", username.title(), "--role", role,
            "--supervisor", "supervisor", "--password-stdin", stdin=f"latihan-demo-1\n{password}\n",
            monkeypatch=monkeypatch,
        )  # fmt: skip
        assert rc == 0, err
    for kind, driver in (("camera", "opencv-sim"), ("fingerprint", "ef01-sim"), ("signature", "isdv4-sim")):
        rc, _, err = run(
            capsys, "devices", "set", kind, "--driver", driver, "--technician", "teknisi", "--password-stdin",
            stdin="latihan-teknisi-1\n", monkeypatch=monkeypatch,
        )  # fmt: skip
        assert rc == 0, err
    keys = tmp_path / "central-demo.pub"
    keys.write_bytes(
        central_bundle(X25519PrivateKey.generate().public_key(), Ed25519PrivateKey.generate().public_key())
    )
    rc, out, err = run(
        capsys, "--lang", "en", "central", "set", "--url", "http://127.0.0.1:8700", "--public-key", str(keys),
        "--supervisor", "supervisor", "--password-stdin", stdin="latihan-demo-1\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert rc == 0 and "packet key installed; receipt key installed" in out, err
    changes = [(actor, target) for a, actor, target in _audit_actions(station_home) if a == "settings_change"]
    assert changes == [
        ("teknisi", "devices.camera"), ("teknisi", "devices.fingerprint"), ("teknisi", "devices.signature"),
        ("supervisor", "station.toml"), ("supervisor", "central.keys"),
    ]  # fmt: skip
    core = StationCore.open()
    try:
        assert core.auth.login("operator", "latihan-operator-1").role.value == "operator"
        assert core.auth.login("teknisi", "latihan-teknisi-1").role.value == "technician"
        assert core.auth.login("supervisor", "latihan-demo-1").role.value == "supervisor"
    finally:
        core.close()

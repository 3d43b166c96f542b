"""`station-central`: init, pubkey, stations, hand-carry import, report; one-line errors."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.app import create_app
from central.cli import main
from central.keys import load_keys
from central.receiver import Receiver
from central.settings import Settings
from tests.central.support import NIK_A, Api, FakeClock, FakeStation, TestClient
from tests.central.trust_support import export_stick as export
from wire.keys import load_central_bundle, load_x25519_public, public_pem

CODE = "329104-01"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def cli_station(central_home: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> FakeStation:
    """An initialised centre (through the CLI) with one registered station."""
    rc, out, _ = run(capsys, "init", "--home", str(central_home), "--db", db_url)
    assert rc == 0 and "BEGIN PUBLIC KEY" in out
    st = FakeStation(CODE, load_x25519_public(load_keys(central_home).public_pem()))
    (tmp_path / "station.pub").write_bytes(public_pem(st.key))
    rc, out, err = run(
        capsys, "stations", "add", "--code", CODE, "--public-key", str(tmp_path / "station.pub"), "--name", "Loket uji",
        "--home", str(central_home), "--db", db_url,
    )  # fmt: skip
    assert rc == 0, err
    return st


def test_init_makes_owner_only_keys_and_pubkey_prints_them(
    central_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, _, err = run(capsys, "pubkey", "--home", str(central_home))
    assert rc == 2 and err.startswith("station-central: error:") and "init" in err and "Traceback" not in err
    assert run(capsys, "init", "--home", str(central_home))[0] == 0
    for name in ("central_x25519.key", "central_receipt_ed25519.key", "nik_hmac.key"):
        assert stat.S_IMODE((central_home / "keys" / name).stat().st_mode) == 0o600
    rc, out, _ = run(capsys, "pubkey")  # CENTRAL_HOME from the environment
    keys = load_keys(central_home)
    assert rc == 0 and out == keys.bundle().decode()
    packet_key, receipt_key = load_central_bundle(out.encode())
    assert packet_key.public_bytes_raw() == keys.packet_key.public_key().public_bytes_raw()
    assert receipt_key is not None
    assert receipt_key.public_bytes_raw() == keys.receipt_key.public_key().public_bytes_raw()
    assert run(capsys, "init")[0] == 0 and load_keys(central_home).bundle().decode() == out  # never replaced


def test_a_home_without_a_receipt_key_gets_one_at_init_and_is_refused_until_then(
    central_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "init")[0] == 0
    receipt = central_home / "keys" / "central_receipt_ed25519.key"
    packet_key = (central_home / "keys" / "central_x25519.key").read_bytes()
    receipt.unlink()  # a home made before the receipt key existed
    rc, out, err = run(capsys, "pubkey")
    assert rc == 2 and out == "" and "receipt key" in err and "station-central init" in err
    rc, out, _ = run(capsys, "init")
    assert rc == 0 and stat.S_IMODE(receipt.stat().st_mode) == 0o600
    assert (central_home / "keys" / "central_x25519.key").read_bytes() == packet_key  # the packet key is kept
    assert run(capsys, "pubkey")[1] == load_keys(central_home).bundle().decode()


def test_stations_add_and_list(
    cli_station: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, _ = run(capsys, "stations", "list", "--json", "--db", db_url)
    assert rc == 0 and [s["code"] for s in json.loads(out)] == [CODE]
    again = run(
        capsys, "stations", "add", "--code", CODE, "--public-key", str(tmp_path / "station.pub"), "--db", db_url
    )
    assert again[0] == 2 and "already registered" in again[2]
    (tmp_path / "bad.pub").write_text("not a key")
    bad = run(
        capsys, "stations", "add", "--code", "329104-02", "--public-key", str(tmp_path / "bad.pub"), "--db", db_url
    )
    assert bad[0] == 2 and "Ed25519" in bad[2]
    missing = run(capsys, "stations", "add", "--code", "329104-02", "--public-key", str(tmp_path / "none.pub"))
    assert missing[0] == 2 and "none.pub" in missing[2] and "Traceback" not in missing[2]


def test_import_is_idempotent_and_matches_uploads(
    cli_station: FakeStation, central_home: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    st = cli_station
    packets = [st.packet(n) for n in (1, 2, 3)]
    receiver = Receiver(Settings(home=central_home, db_url=db_url), create=False)
    try:
        with TestClient(create_app(receiver.settings, receiver=receiver)) as http:
            uploaded = Api(http, st).send_all(packets[0])
    finally:
        receiver.close()
    stick = export(tmp_path / "usb", st, packets)
    rc, out, _ = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 0 and "2 imported, 1 already received, 0 refused" in out
    rc, out, _ = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 0 and "0 imported, 3 already received, 0 refused" in out
    rc, out, _ = run(capsys, "report", "--json", "--db", db_url)
    report = json.loads(out)
    mine = report["stations"][0]
    assert [r["station_seq"] for r in mine["records"]] == [1, 2, 3]
    assert mine["records"][0]["receipt_id"] == uploaded["receipt_id"]
    assert [r["via"] for r in mine["records"]] == ["upload", "import", "import"]
    assert mine["watermark"] == 3 and mine["gaps"] == [] and report["committed_more_than_once"] == 0


def test_import_refuses_a_bad_manifest_signature_whole(
    cli_station: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stick = export(tmp_path / "usb", cli_station, [cli_station.packet(1)], key=Ed25519PrivateKey.generate())
    rc, out, err = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 2 and "manifest.sig does not verify" in err and out == ""
    rc, out, _ = run(capsys, "report", "--json", "--db", db_url)
    assert json.loads(out)["received"] == 0


def test_import_names_each_refused_packet(
    cli_station: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    st = cli_station
    good = st.packet(1)
    forged = st.packet(2, key=Ed25519PrivateKey.generate())
    stick = export(tmp_path / "usb", st, [good, forged])
    (stick / "stray.pkt").write_bytes(b"not listed")
    rc, out, _ = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 1
    assert "1 imported, 0 already received, 2 refused" in out
    assert f"refused {forged.record_uuid}.pkt ({forged.record_uuid}): packet.signature" in out
    assert "refused stray.pkt (no uuid): import.unlisted" in out
    rc, out, _ = run(capsys, "report", "--json", "--db", db_url)
    records = json.loads(out)["stations"][0]["records"]
    assert [(r["station_seq"], r["status"], r["reason"]) for r in records] == [
        (1, "received", None),
        (2, "rejected", "packet.signature"),
    ]


def test_import_refuses_a_file_that_differs_from_the_manifest(
    cli_station: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = cli_station.packet(1)
    stick = export(tmp_path / "usb", cli_station, [p])
    altered = p.blob[:-1] + bytes([p.blob[-1] ^ 0x01])  # flipping a bit always changes it
    assert altered != p.blob
    (stick / f"{p.record_uuid}.pkt").write_bytes(altered)
    rc, out, _ = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 1 and "import.file_mismatch" in out


def test_manifest_signature_may_be_base64(
    cli_station: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stick = export(tmp_path / "usb", cli_station, [cli_station.packet(1)])
    sig = (stick / "manifest.sig").read_bytes()
    (stick / "manifest.sig").write_text(base64.b64encode(sig).decode() + "\n")
    assert run(capsys, "import", str(stick), "--db", db_url)[0] == 0


def test_report_text_and_json_never_show_a_nik(
    cli_station: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stick = export(tmp_path / "usb", cli_station, [cli_station.packet(n, nik=NIK_A) for n in (1, 3)])
    run(capsys, "import", str(stick), "--db", db_url)
    rc, out, _ = run(capsys, "report", "--json", "--db", db_url)
    report = json.loads(out)
    mine = report["stations"][0]
    assert mine["gaps"] == [2] and mine["watermark"] == 1
    assert [r["downstream"] for r in mine["records"]] in (["PENDING", "PENDING"], ["PRINT_READY", "DUPLICATE"])
    assert set(mine["records"][0]) >= {"record_uuid", "station_seq", "sha256", "receipt_id", "server_seq", "status"}
    text = run(capsys, "report", "--db", db_url)[1]
    assert NIK_A not in out and NIK_A not in text
    assert hashlib.sha256(NIK_A.encode()).hexdigest() not in out


def test_report_json_has_the_operational_numbers(
    cli_station: FakeStation, central_home: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    st = cli_station
    clock = FakeClock()
    receiver = Receiver(Settings(home=central_home, db_url=db_url), create=False, clock=clock)
    try:
        lenient = replace(receiver.settings, skew_s=86400)  # the centre's clock is moved below, not the station's
        with TestClient(create_app(lenient, receiver=receiver)) as http:
            api = Api(http, st)
            api.send_all(st.packet(1), chunk=64 * 1024)
            clock.advance(-7200)  # this one was received two hours ago: outside both windows
            api.send_all(st.packet(2), chunk=64 * 1024)
            clock.advance(7200 - 30)
            api.send_all(st.packet(3), chunk=64 * 1024)  # 30 s ago, seen from the report's "now"
            assert api.register(st.packet(4)).status_code == 201  # registered 30 s ago, not sent
    finally:
        receiver.close()
    rc, out, _ = run(capsys, "report", "--json", "--db", db_url)
    ops = json.loads(out)["operational"]
    assert rc == 0 and ops["states"] == {"registered": 1, "received": 3, "rejected": 0}
    assert (ops["received_last_minute"], ops["received_last_hour"]) == (2, 2)
    assert ops["received_per_s_last_minute"] == round(2 / 60, 3)
    backlog = ops["backlog"]
    assert backlog["records"] == 1 and backlog["stations"][0]["station"] == CODE
    assert 25 <= backlog["oldest_age_s"] < 600 and backlog["stations"][0]["age_s"] == backlog["oldest_age_s"]
    assert json.loads(out)["stations"][0]["backlog_age_s"] == backlog["oldest_age_s"]
    assert "backlog: 1 records" in run(capsys, "report", "--db", db_url)[1]


def test_module_entry_point_runs(central_home: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "central.cli", "report"], capture_output=True, text=True, timeout=60, check=False
    )
    assert r.returncode == 2 and r.stderr.startswith("station-central: error:") and "Traceback" not in r.stderr

"""What the station believes, without a network: the centre's key bundle, the http://
rule, the receipt verifier, retention on a verified proof, and bounded answers."""

from __future__ import annotations

import io
import socket
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from common.errors import ValidationError
from station.cli.main import main
from station.config import insecure_http, is_loopback_host, load_config, save_config
from station.core import StationCore
from station.enroll_synthetic import enroll_synthetic
from station.sync.client import CentralClient
from station.sync.errors import AMBIGUOUS, STATION, SyncError
from station.sync.http1 import TIMEOUT, TOO_LARGE, Http1Client, TransportError
from station.sync.packets import CENTRAL_KEY, ensure_signing_key, packet_path
from station.sync.service import apply_retention, make_client
from station.sync.trust import RECEIPT_KEY, ReceiptVerifier, install_central_keys, proof_json
from store.outbox import RECEIVED, Outbox, OutboxRecord
from store.types import utcnow
from tests.conftest import SUPERVISOR_PASSWORD
from tests.sync.test_http1 import answer, read_request, scripted
from wire.keys import central_bundle, public_pem
from wire.receipts import sign_verdict


@pytest.fixture
def centre_keys() -> tuple[X25519PrivateKey, Ed25519PrivateKey]:
    return X25519PrivateKey.generate(), Ed25519PrivateKey.generate()


def bundle(keys: tuple[X25519PrivateKey, Ed25519PrivateKey]) -> bytes:
    return central_bundle(keys[0].public_key(), keys[1].public_key())


def central_set(monkeypatch, argv: list[str], password: str = SUPERVISOR_PASSWORD) -> int:  # type: ignore[no-untyped-def]
    """`station central set` as the supervisor spv, the password on stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main([*argv, "--supervisor", "spv", "--password-stdin"])


# --- the http:// rule -------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["10.0.0.5", "128.0.0.1", "localhost.evil.example", "example.org", "::2", "0.0.0.0"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback_host(host)


def test_only_http_to_another_computer_is_insecure() -> None:
    assert insecure_http("http://10.0.0.5:8700")
    assert insecure_http("HTTP://pusat.example.go.id")
    assert not insecure_http("http://127.0.0.1:8700")
    assert not insecure_http("http://[::1]:8700/v1")
    assert not insecure_http("https://pusat.example.go.id")


def test_settings_refuse_remote_http_unless_allowed(core: StationCore) -> None:
    core.config.central_url = "http://10.0.0.5:8700"
    with pytest.raises(ValidationError) as info:
        save_config(core.config, core.home)
    assert info.value.field == "central_url" and "sync.allow_insecure_http" in info.value.message.en
    assert "sync.allow_insecure_http" in info.value.message.id
    core.config.sync.allow_insecure_http = True
    save_config(core.config, core.home)
    assert load_config(core.home).sync.allow_insecure_http is True
    core.config.central_url = "https://pusat.example.go.id"
    core.config.sync.allow_insecure_http = False
    save_config(core.config, core.home)


def test_a_file_from_before_the_rule_still_loads_and_its_sync_refuses_the_url(core: StationCore) -> None:
    path = core.home / "station.toml"
    path.write_text(path.read_text().replace('central_url = ""', 'central_url = "http://10.0.0.5:8700"'))
    config = load_config(core.home)  # the station still starts
    assert config.central_url == "http://10.0.0.5:8700"
    core.config = config
    (core.home / CENTRAL_KEY).write_bytes(public_pem(X25519PrivateKey.generate()))
    (core.home / RECEIPT_KEY).write_bytes(public_pem(Ed25519PrivateKey.generate()))
    with pytest.raises(SyncError) as info:
        make_client(core)
    assert info.value.code == "sync.insecure_http" and info.value.outcome == STATION


def test_a_non_boolean_allow_is_refused(core: StationCore) -> None:
    path = core.home / "station.toml"
    path.write_text(path.read_text().replace("allow_insecure_http = false", 'allow_insecure_http = "yes"'))
    with pytest.raises(ValidationError) as info:
        load_config(core.home)
    assert info.value.field == "sync.allow_insecure_http"


def test_the_client_refuses_remote_http_itself(core: StationCore) -> None:
    key = ensure_signing_key(core.home)
    with pytest.raises(SyncError) as info:
        CentralClient("http://10.0.0.5:8700", station="320412-01", signing_key=key)
    assert info.value.code == "sync.insecure_http"
    assert "sync.allow_insecure_http" in info.value.remedy.en  # type: ignore[union-attr]
    CentralClient("http://10.0.0.5:8700", station="320412-01", signing_key=key, allow_insecure_http=True).close()
    CentralClient("https://pusat.example.go.id", station="320412-01", signing_key=key).close()


def test_central_set_refuses_remote_http_and_saves_nothing(core: StationCore, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert central_set(monkeypatch, ["central", "set", "--url", "http://10.0.0.5:8700"]) == 2
    err = capsys.readouterr().err
    assert "sync.allow_insecure_http" in err and "Traceback" not in err
    assert load_config(core.home).central_url == ""
    assert central_set(monkeypatch, ["central", "set", "--url", "http://127.0.0.1:8700"]) == 0


def test_central_set_is_a_supervisors_settings_change(
    core: StationCore, centre_keys, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Refused without --supervisor, with a wrong password and for a non-supervisor; a bad
    key file leaves the URL unsaved; accepted, it is audited under the supervisor."""
    import json

    from sqlalchemy import select

    from station.auth import Role
    from store.models import AuditEvent

    f = tmp_path / "central.pub"
    f.write_bytes(bundle(centre_keys))
    url = ["--lang", "en", "central", "set", "--url", "http://127.0.0.1:8700", "--public-key", str(f)]
    with pytest.raises(SystemExit):  # argparse: --supervisor is required, nothing is read
        main(url)
    assert central_set(monkeypatch, url, password="salah-sekali-1") == 2
    assert "Wrong username or password" in capsys.readouterr().err
    core.config.demo = True  # so ani need not change her password first
    core.auth.add_operator(
        "ani", "Ani", Role.TECHNICIAN, "kata-sandi-1", by=core.auth.login("spv", SUPERVISOR_PASSWORD)
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO("kata-sandi-1\n"))
    assert main([*url, "--supervisor", "ani", "--password-stdin"]) == 2
    assert "not a Supervisor" in capsys.readouterr().err
    bad = tmp_path / "bad.pub"
    bad.write_bytes(b"not a key")
    assert central_set(monkeypatch, [*url[:-2], "--public-key", str(bad)]) == 2
    assert "station-central pubkey" in capsys.readouterr().err
    assert load_config(core.home).central_url == "" and not (core.home / CENTRAL_KEY).exists()
    assert central_set(monkeypatch, url) == 0, capsys.readouterr().err
    assert load_config(core.home).central_url == "http://127.0.0.1:8700" and (core.home / RECEIPT_KEY).exists()
    with core.db.read() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.target, AuditEvent.detail).where(AuditEvent.action == "settings_change")
        ).all()
    assert [(actor, target) for actor, target, _ in rows] == [("spv", "station.toml"), ("spv", "central.keys")]
    assert json.loads(rows[0][2]) == {"central_url": {"before": "", "after": "http://127.0.0.1:8700"}}
    assert json.loads(rows[1][2])["receipt_key_installed"] is True


# --- the key bundle ---------------------------------------------------------------------


def test_the_bundle_installs_both_keys(core: StationCore, centre_keys, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "central.pub"
    f.write_bytes(bundle(centre_keys))
    assert central_set(monkeypatch, ["--lang", "en", "central", "set", "--public-key", str(f)]) == 0
    out = capsys.readouterr()
    assert "packet key installed; receipt key installed" in out.out and out.err == ""
    assert (core.home / CENTRAL_KEY).read_bytes() == public_pem(centre_keys[0])
    assert (core.home / RECEIPT_KEY).read_bytes() == public_pem(centre_keys[1])


def test_an_old_single_key_file_installs_the_packet_key_and_says_the_receipt_key_is_missing(
    core: StationCore, centre_keys, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "central.pub"
    f.write_bytes(public_pem(centre_keys[0]))
    argv = ["--lang", "en", "central", "set", "--url", "http://127.0.0.1:9", "--public-key", str(f)]
    assert central_set(monkeypatch, argv) == 0
    out = capsys.readouterr()
    assert "receipt key missing" in out.out and "station-central pubkey" in out.err
    assert (core.home / CENTRAL_KEY).exists() and not (core.home / RECEIPT_KEY).exists()
    assert main(["--lang", "en", "sync", "--once"]) == 2
    err = capsys.readouterr().err
    assert "receipt key is not installed" in err and "station-central pubkey" in err


def test_keys_of_two_centres_are_never_mixed(core: StationCore, centre_keys) -> None:  # type: ignore[no-untyped-def]
    install_central_keys(core.home, bundle(centre_keys))
    same = install_central_keys(core.home, public_pem(centre_keys[0]))  # the same centre's v1 file
    assert same.receipt_key
    other = install_central_keys(core.home, public_pem(X25519PrivateKey.generate()))
    assert not other.receipt_key and not (core.home / RECEIPT_KEY).exists()


@pytest.mark.parametrize(
    "data",
    [b"", b"not a key", public_pem(Ed25519PrivateKey.generate()), b"-----BEGIN PUBLIC KEY-----\n" * 5000],
)
def test_a_bad_key_file_is_refused_by_name(core: StationCore, tmp_path: Path, data: bytes, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "x.pub"
    f.write_bytes(data)
    assert central_set(monkeypatch, ["--lang", "en", "central", "set", "--public-key", str(f)]) == 2
    err = capsys.readouterr().err
    assert "station-central pubkey" in err and "Traceback" not in err
    assert not (core.home / CENTRAL_KEY).exists()


# --- the verifier and retention ----------------------------------------------------------


def sealed(core: StationCore, supervisor, centre_keys, n: int = 2) -> list[OutboxRecord]:  # type: ignore[no-untyped-def]
    install_central_keys(core.home, bundle(centre_keys))
    enroll_synthetic(core, n, seed=71, operator=supervisor, approver=supervisor)
    return Outbox(core.db).in_states(("SEALED",))


def verdict_for(key: Ed25519PrivateKey, rec: OutboxRecord, **changes) -> dict:  # type: ignore[no-untyped-def,type-arg]
    fields = {
        "state": "received",
        "station": "320412-01",
        "record_uuid": rec.uuid,
        "station_seq": rec.station_seq,
        "sha256": rec.packet_sha256,
        "receipt_id": "r-1",
        "server_seq": 7,
        "received_at": "2024-05-01T00:00:00Z",
    }
    fields.update(changes)
    return sign_verdict(key, **fields)  # type: ignore[arg-type]


def test_the_verifier_names_every_mismatch(core: StationCore, supervisor, centre_keys) -> None:  # type: ignore[no-untyped-def]
    first, second = sealed(core, supervisor, centre_keys)
    verifier = ReceiptVerifier.load(core.home, "320412-01")
    good = verdict_for(centre_keys[1], first)
    assert verifier.check(good, first, "received").receipt_id == "r-1"
    for answer_, rec in [
        (good, second),  # replayed for another record
        (verdict_for(Ed25519PrivateKey.generate(), first), first),
        (verdict_for(centre_keys[1], first, sha256="0" * 64), first),
        (verdict_for(centre_keys[1], first, station="320412-99"), first),
        ({**good, "receipt_id": "FORGED"}, first),
        ({k: v for k, v in good.items() if k != "signature"}, first),
        ("received", first),
        (None, first),
    ]:
        with pytest.raises(SyncError) as info:
            verifier.check(answer_, rec, "received")
        assert info.value.code == "sync.untrusted_answer" and info.value.outcome == AMBIGUOUS
    with pytest.raises(SyncError):
        verifier.check(good, first, "rejected")


def test_retention_deletes_only_on_a_proof_that_verifies_now(
    core: StationCore, supervisor, centre_keys, caplog
) -> None:  # type: ignore[no-untyped-def]
    recs = sealed(core, supervisor, centre_keys, 4)
    core.config.sync.retention_days = 0
    outbox = Outbox(core.db)
    genuine = ReceiptVerifier(centre_keys[1].public_key(), "320412-01")
    other_key = Ed25519PrivateKey.generate()
    proofs = [
        proof_json(genuine.check(verdict_for(centre_keys[1], recs[0]), recs[0])),
        None,  # marked received by an older version: no proof
        proof_json(  # a verdict of another key, written into the database
            ReceiptVerifier(other_key.public_key(), "320412-01").check(verdict_for(other_key, recs[2]), recs[2])
        ),
        proof_json(genuine.check(verdict_for(centre_keys[1], recs[0]), recs[0])),  # record 1's proof on record 4
    ]
    for rec, proof in zip(recs, proofs, strict=True):
        outbox.transition(rec.uuid, RECEIVED, "test", receipt_id="r", received_at=utcnow(), receipt_proof=proof)
    caplog.set_level("INFO")
    assert apply_retention(core) == 1
    assert not packet_path(core.home, recs[0].uuid).exists()
    assert all(packet_path(core.home, r.uuid).exists() for r in recs[1:])
    kept = [r.message for r in caplog.records if "no signed receipt" in r.message]
    assert len(kept) == 1 and "3 packet files kept" in kept[0]
    (core.home / RECEIPT_KEY).unlink()
    outbox.set_fields(recs[3].uuid, receipt_proof=proofs[0])
    assert apply_retention(core) == 0  # no receipt key: nothing is deleted


def test_reconcile_asks_about_records_received_without_a_proof(core: StationCore, supervisor, centre_keys) -> None:  # type: ignore[no-untyped-def]
    recs = sealed(core, supervisor, centre_keys, 2)
    outbox = Outbox(core.db)
    outbox.transition(recs[0].uuid, "RECEIVED", "old version", receipt_id="r")
    outbox.transition(recs[0].uuid, "PRINT_READY", "old version")
    asked = {r.uuid for r in outbox.unconfirmed()}
    assert recs[0].uuid in asked
    outbox.set_fields(recs[0].uuid, receipt_proof="{}")
    assert recs[0].uuid not in {r.uuid for r in outbox.unconfirmed()}


# --- bounded answers ---------------------------------------------------------------------


def test_an_answer_declaring_a_huge_body_is_refused_unread() -> None:
    def script(conn: socket.socket) -> None:
        read_request(conn, bytearray())
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 900000000\r\n\r\n{")
        time.sleep(0.5)

    with scripted(script) as (port, _errors):
        client = Http1Client(f"http://127.0.0.1:{port}", read_timeout_s=5)
        with pytest.raises(TransportError) as info:
            client.request("GET", "/v1/health")
        client.close()
    assert info.value.kind == TOO_LARGE


def test_a_trickled_answer_ends_at_the_answer_deadline() -> None:
    def script(conn: socket.socket) -> None:
        read_request(conn, bytearray())
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(30):  # a byte every 0.1 s: never a read timeout, never done
            try:
                conn.sendall(b" ")
            except OSError:
                return
            time.sleep(0.1)

    with scripted(script) as (port, _errors):
        client = Http1Client(f"http://127.0.0.1:{port}", read_timeout_s=1.0, answer_deadline_s=1.0)
        started = time.monotonic()
        with pytest.raises(TransportError) as info:
            client.request("GET", "/v1/health")
        client.close()
    assert info.value.kind == TIMEOUT and time.monotonic() - started < 2.5


def test_an_error_answer_nested_deep_is_no_crash(core: StationCore) -> None:
    deep = b"[" * 50_000 + b"]" * 50_000

    def script(conn: socket.socket) -> None:
        read_request(conn, bytearray())
        conn.sendall(answer(422, deep, "Content-Type: application/json\r\n"))

    with scripted(script) as (port, _errors):
        client = CentralClient(
            f"http://127.0.0.1:{port}", station="320412-01", signing_key=ensure_signing_key(core.home)
        )
        with pytest.raises(SyncError) as info:
            client.register("9" * 8 + "-0000-4000-8000-" + "0" * 12, 1, "a" * 64, 10)
        client.close()
    assert info.value.code == "sync.protocol"


def test_the_admin_setting_takes_a_real_boolean_only(core: StationCore) -> None:
    from common.errors import ValidationErrors
    from station.admin import Admin
    from tests.conftest import SUPERVISOR_PASSWORD

    admin = Admin(core, core.auth.login("spv", SUPERVISOR_PASSWORD))
    with pytest.raises((ValidationError, ValidationErrors)):
        admin.apply_settings({"sync.allow_insecure_http": "False"})  # a non-empty string is true: refused
    assert load_config(core.home).sync.allow_insecure_http is False
    with pytest.raises((ValidationError, ValidationErrors)):
        admin.apply_settings({"central_url": "http://10.0.0.5:8700"})
    admin.apply_settings({"central_url": "http://10.0.0.5:8700", "sync.allow_insecure_http": True})
    assert load_config(core.home).sync.allow_insecure_http is True

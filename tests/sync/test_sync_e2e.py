"""The station's sync worker against a real central receiver on loopback."""

from __future__ import annotations

import hashlib
import io
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from station.cli.main import main
from station.enroll_synthetic import enroll_synthetic
from station.sync.errors import SyncError
from station.sync.packets import packet_path
from station.sync.service import make_worker
from store.models import AuditEvent, Enrollment
from store.outbox import Outbox
from tests.conftest import SUPERVISOR_PASSWORD


def states(core) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return core.enrollments.state_counts()


def timeline(core, reg_no: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.state for t in core.enrollments.detail(reg_no=reg_no).timeline]


@pytest.mark.timeout(120)
def test_records_reach_the_centre_in_order_with_receipts_then_print_ready(joined, supervisor, server):
    core = joined
    report = enroll_synthetic(core, 5, seed=11, operator=supervisor, approver=supervisor)
    worker = make_worker(core)
    summary = worker.run(until_idle=True, timeout_s=60)
    worker.client.close()
    assert summary.sent == 5 and summary.errors == []
    # The centre's downstream result arrives on the reconcile at the end of the run.
    assert states(core) == {"PRINT_READY": 5}
    assert timeline(core, report.first_reg) == [
        "DRAFT",
        "SEALED",
        "REGISTERED",
        "UPLOADING",
        "UPLOADED",
        "RECEIVED",
        "PRINT_READY",
    ]
    central = server.report()
    station = central["stations"][0] if isinstance(central["stations"], list) else central["stations"]["320412-01"]
    seqs = [r["station_seq"] for r in station["records"]]
    assert sorted(seqs) == [1, 2, 3, 4, 5]
    by_seq = sorted(station["records"], key=lambda r: r["station_seq"])
    assert [r["server_seq"] for r in by_seq] == sorted(r["server_seq"] for r in by_seq)  # FIFO
    assert station["watermark"] == 5 and station["gaps"] == []
    with core.db.read() as s:
        local = dict(s.execute(select(Enrollment.uuid, Enrollment.receipt_id)).all())
        hashes = dict(s.execute(select(Enrollment.uuid, Enrollment.packet_sha256)).all())
    for r in station["records"]:
        assert local[r["record_uuid"]] == r["receipt_id"]
        assert hashes[r["record_uuid"]] == r["sha256"]
    info = Outbox(core.db).info()
    assert info["watermark"] == 5 and info["last_success_at"] is not None


@pytest.mark.timeout(60)
def test_unregistered_station_gets_its_own_message(core, supervisor, server):
    from testing.harness import join

    join(core, server, register=False)
    enroll_synthetic(core, 1, seed=1, operator=supervisor, approver=supervisor)
    worker = make_worker(core)
    with pytest.raises(SyncError) as info:
        worker.run(until_idle=True, timeout_s=20)
    assert info.value.code == "auth.unknown_station"
    assert "not registered" in info.value.message.en and info.value.remedy is not None
    assert states(core) == {"SEALED": 1}  # nothing was blamed on the record


@pytest.mark.timeout(60)
def test_clock_skew_is_named_with_both_times(joined, supervisor, monkeypatch):
    from station.sync import client as client_module
    from wire.auth import sign_headers

    def skewed(*args, **kw):  # type: ignore[no-untyped-def]
        return sign_headers(*args, **kw, now=datetime.now(UTC) + timedelta(hours=2))

    monkeypatch.setattr(client_module, "sign_headers", skewed)
    enroll_synthetic(joined, 1, seed=1, operator=supervisor, approver=supervisor)
    with pytest.raises(SyncError) as info:
        make_worker(joined).run(until_idle=True, timeout_s=20)
    assert info.value.code == "auth.clock_skew" and "server time" in info.value.message.en


@pytest.mark.timeout(60)
def test_bad_signature_is_named(joined, supervisor, monkeypatch):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    enroll_synthetic(joined, 1, seed=1, operator=supervisor, approver=supervisor)
    worker = make_worker(joined)
    worker.client.key = Ed25519PrivateKey.generate()  # not the key the centre knows
    with pytest.raises(SyncError) as info:
        worker.run(until_idle=True, timeout_s=20)
    assert info.value.code == "auth.bad_signature"


@pytest.mark.timeout(60)
def test_no_centre_running_is_offline_and_the_record_waits_to_retry(core, supervisor, server):
    from testing.harness import join

    join(core, server, url="http://127.0.0.1:9")  # nothing listens on the discard port
    enroll_synthetic(core, 1, seed=1, operator=supervisor, approver=supervisor)
    summary = make_worker(core).run(until_idle=True, timeout_s=20)
    assert summary.sent == 0 and summary.retries >= 1  # more than one if a jittered wait came out tiny
    head = Outbox(core.db).head()
    assert head.state == "WAITING_RETRY" and head.last_error == "sync.offline" and head.attempts == summary.retries
    assert head.next_attempt_at is not None


@pytest.mark.timeout(120)
def test_a_rejected_record_is_quarantined_and_the_queue_moves_on(joined, supervisor, capsys, monkeypatch):
    core = joined
    report = enroll_synthetic(core, 3, seed=4, operator=supervisor, approver=supervisor)
    first = core.enrollments.find_by_reg(report.first_reg)[0].uuid
    path = packet_path(core.home, first)
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0xFF  # damage the ciphertext, keep the record consistent with its file
    path.write_bytes(bytes(blob))
    with core.db.write() as s:
        s.execute(
            update(Enrollment).where(Enrollment.uuid == first).values(packet_sha256=hashlib.sha256(blob).hexdigest())
        )
    summary = make_worker(core).run(until_idle=True, timeout_s=60)
    assert summary.rejected == 1 and summary.sent == 2
    detail = core.enrollments.detail(reg_no=report.first_reg)
    assert detail.summary.state == "REJECTED"
    assert "packet.decrypt" in detail.timeline[-1].detail
    # A supervisor requeues it (credentials required, audited).
    monkeypatch.setattr(sys, "stdin", io.StringIO(SUPERVISOR_PASSWORD + "\n"))
    rc = main(["records", "requeue", report.first_reg, "--supervisor", "spv", "--password-stdin"])
    assert rc == 0
    assert core.enrollments.detail(reg_no=report.first_reg).summary.state == "SEALED"
    with core.db.read() as s:
        assert s.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == "requeue"


def export(monkeypatch, *argv: str, password: str = SUPERVISOR_PASSWORD) -> int:  # type: ignore[no-untyped-def]
    """`station export`, as the supervisor spv with `password` on stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main([*argv, "--supervisor", "spv", "--password-stdin"])


@pytest.mark.timeout(120)
def test_export_import_then_reconcile_learns_the_receipts(joined, supervisor, server, tmp_path, capsys, monkeypatch):
    core = joined
    report = enroll_synthetic(core, 3, seed=8, operator=supervisor, approver=supervisor)
    usb = tmp_path / "usb"
    assert export(monkeypatch, "--lang", "en", "export", "--to", str(usb), password="salah-sekali-1") == 2
    assert "Wrong username or password" in capsys.readouterr().err
    assert states(core) == {"SEALED": 3} and not usb.exists()
    assert export(monkeypatch, "--lang", "en", "export", "--to", str(usb)) == 0
    assert "3 records" in capsys.readouterr().out
    assert states(core) == {"EXPORTED": 3}
    with core.db.read() as s:
        assert s.execute(select(AuditEvent.actor, AuditEvent.target).where(AuditEvent.action == "export")).all() == [
            ("spv", str(usb))
        ]
    assert sorted(p.name for p in usb.iterdir())[-2:] == ["manifest.json", "manifest.sig"]
    from testing.harness import central

    first = central(server.home, "import", str(usb))
    assert first.returncode == 0, first.stdout + first.stderr
    again = central(server.home, "import", str(usb))
    assert again.returncode == 0, again.stderr  # idempotent
    summary = make_worker(core).run(until_idle=True, timeout_s=60)
    assert summary.sent == 0
    assert states(core) == {"PRINT_READY": 3}
    assert timeline(core, report.first_reg)[2:] == ["EXPORTED", "RECEIVED", "PRINT_READY"]


@pytest.mark.timeout(60)
def test_import_refuses_a_tampered_manifest(joined, supervisor, server, tmp_path, capsys, monkeypatch):
    enroll_synthetic(joined, 2, seed=8, operator=supervisor, approver=supervisor)
    usb = tmp_path / "usb"
    assert export(monkeypatch, "export", "--to", str(usb)) == 0
    manifest = (usb / "manifest.json").read_text().replace('"station_seq":1', '"station_seq":7')
    (usb / "manifest.json").write_text(manifest)
    from testing.harness import central

    result = central(server.home, "import", str(usb))
    assert result.returncode != 0 and "manifest.sig does not verify" in result.stderr


@pytest.mark.timeout(120)
def test_force_sync_via_cli_needs_a_supervisor_and_never_starts_a_second_worker(
    joined, supervisor, monkeypatch, capsys
):
    from station.sync.worker import WorkerLock

    core = joined
    enroll_synthetic(core, 2, seed=2, operator=supervisor, approver=supervisor)
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong-password\n"))
    assert main(["sync", "--force", "--supervisor", "spv", "--password-stdin"]) == 2
    held = WorkerLock(core.home)
    held.acquire()
    try:
        capsys.readouterr()
        assert main(["--lang", "en", "sync", "--once"]) == 2
        assert "already running" in capsys.readouterr().err
        monkeypatch.setattr(sys, "stdin", io.StringIO(SUPERVISOR_PASSWORD + "\n"))
        assert main(["--lang", "en", "sync", "--force", "--supervisor", "spv", "--password-stdin"]) == 0
        assert "Asked the running worker" in capsys.readouterr().out
        assert (core.home / "sync.force").exists()
    finally:
        held.release()
    monkeypatch.setattr(sys, "stdin", io.StringIO(SUPERVISOR_PASSWORD + "\n"))
    assert main(["sync", "--force", "--until-idle", "--timeout", "60", "--supervisor", "spv", "--password-stdin"]) == 0
    assert states(core) == {"PRINT_READY": 2}
    with core.db.read() as s:
        actions = list(s.scalars(select(AuditEvent.action)))
    assert actions.count("force_sync") == 2


@pytest.mark.timeout(120)
def test_retention_deletes_packets_but_keeps_the_record(joined, supervisor):
    from station.sync.service import apply_retention

    core = joined
    report = enroll_synthetic(core, 2, seed=3, operator=supervisor, approver=supervisor)
    make_worker(core).run(until_idle=True, timeout_s=60)
    core.config.sync.retention_days = 0
    assert apply_retention(core) == 2
    uuid = core.enrollments.find_by_reg(report.first_reg)[0].uuid
    assert not packet_path(core.home, uuid).exists()
    assert core.enrollments.detail(reg_no=report.first_reg).summary.state == "PRINT_READY"

"""At-rest encryption: nothing readable on disk, and moved or altered blobs are caught."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update

from station.enroll_synthetic import enroll_synthetic
from store.crypto import DataKey, TamperedError
from store.models import BiometricItem, Enrollment

# File signatures of the image formats the station handles. Each is long enough that
# random ciphertext will not contain it by chance (a 3-byte JPEG SOI alone appears in
# a few MB of random bytes about one time in three).
JPEG_SOI = b"\xff\xd8\xff"
JPEG_JFIF = b"\xff\xd8\xff\xe0\x00\x10JFIF"
JPEG_DQT = b"\xff\xd8\xff\xdb\x00\x43\x00"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WSQ_SOI = b"\xff\xa0\xff\xa8"
WSQ_NIST_COM = b"NIST_COM"  # the comment NBIS writes right after the WSQ start of image


def _all_bytes(root: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in root.rglob("*") if p.is_file()]


def test_no_image_and_no_nik_in_the_clear_after_synthetic_enrollments(core, supervisor):
    report = enroll_synthetic(core, 30, seed=7, operator=supervisor, approver=supervisor, batch=10)
    assert report.count == 30
    # The payloads really are images before encryption (else this test proves nothing).
    data = core.enrollments.load(core.enrollments.find_by_reg(report.first_reg)[0].uuid)
    kinds = {i.kind: i.payload for i in data.items if i.payload}
    assert kinds["face"].startswith(JPEG_SOI)
    assert kinds["finger_1"].startswith(b"\xff\xa0")
    niks = [core.enrollments.load(s.uuid).nik.encode() for s in core.enrollments.find_by_name_prefix("A", 10)]
    assert niks
    core.db.engine.dispose()  # checkpoint is not needed: the WAL is scanned too
    heads = [p[:24] for p in kinds.values()]  # the real plaintexts' first bytes
    for path, blob in _all_bytes(core.home):
        for magic in (JPEG_JFIF, JPEG_DQT, PNG_MAGIC, WSQ_SOI + b"\x00", WSQ_NIST_COM, *heads):
            assert magic not in blob, (path, magic)
        for nik in niks:
            assert nik not in blob, path


def test_data_key_binds_ciphertext_to_record_and_kind():
    key = DataKey(os.urandom(32))
    blob = key.encrypt(b"finger", record_uuid="u1", kind="finger_1")
    assert key.decrypt(blob, record_uuid="u1", kind="finger_1") == b"finger"
    for uuid, kind in [("u2", "finger_1"), ("u1", "finger_2")]:
        with pytest.raises(TamperedError):
            key.decrypt(blob, record_uuid=uuid, kind=kind)
    flipped = bytearray(blob)
    flipped[20] ^= 1
    with pytest.raises(TamperedError):
        key.decrypt(bytes(flipped), record_uuid="u1", kind="finger_1")


def _run_check(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STATION_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "station.cli.main", "db", "check"], env=env, capture_output=True, text=True, timeout=120
    )


def test_db_check_passes_then_names_a_swapped_blob(core, supervisor):
    enroll_synthetic(core, 3, seed=1, operator=supervisor, approver=supervisor)
    ok = _run_check(core.home)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with core.db.write() as s:
        a, b = s.execute(select(Enrollment.id, Enrollment.reg_no).order_by(Enrollment.id).limit(2)).all()
        pa = s.scalar(
            select(BiometricItem.payload).where(BiometricItem.enrollment_id == a.id, BiometricItem.kind == "face")
        )
        pb = s.scalar(
            select(BiometricItem.payload).where(BiometricItem.enrollment_id == b.id, BiometricItem.kind == "face")
        )
        s.execute(
            update(BiometricItem)
            .where(BiometricItem.enrollment_id == a.id, BiometricItem.kind == "face")
            .values(payload=pb)
        )
        s.execute(
            update(BiometricItem)
            .where(BiometricItem.enrollment_id == b.id, BiometricItem.kind == "face")
            .values(payload=pa)
        )
    bad = _run_check(core.home)
    assert bad.returncode == 1
    assert f"{a.reg_no}: face does not decrypt" in bad.stdout
    assert f"{b.reg_no}: face does not decrypt" in bad.stdout
    assert "FAIL  payloads_decrypt" in bad.stdout


def test_db_check_names_a_sequence_gap(core, supervisor):
    enroll_synthetic(core, 4, seed=1, operator=supervisor, approver=supervisor)
    with core.db.write() as s:
        s.execute(update(Enrollment).where(Enrollment.station_seq == 2).values(station_seq=99))
    bad = _run_check(core.home)
    assert bad.returncode == 1
    assert "FAIL  sequence_gap_free" in bad.stdout and "missing station_seq: [2," in bad.stdout


def test_db_check_names_an_altered_audit_row(core, supervisor):
    from store.models import AuditEvent

    enroll_synthetic(core, 2, seed=1, operator=supervisor, approver=supervisor)
    with core.db.write() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="someone-else"))
    bad = _run_check(core.home)
    assert bad.returncode == 1
    assert "audit event 2: content does not match its hash (row altered)" in bad.stdout


def test_db_check_names_a_deleted_audit_row(core, supervisor):
    from sqlalchemy import delete

    from store.models import AuditEvent

    enroll_synthetic(core, 2, seed=1, operator=supervisor, approver=supervisor)
    with core.db.write() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    bad = _run_check(core.home)
    assert bad.returncode == 1
    assert "audit event 3: sequence jumps from 1 to 3 (rows deleted)" in bad.stdout
    assert "audit event 3: previous-hash link broken" in bad.stdout


def test_key_file_is_owner_only_and_a_readable_one_is_refused(core):
    from common.errors import StorageError
    from store.crypto import load_key_file

    key_path = core.home / "keys" / "data.key"
    assert key_path.stat().st_mode & 0o077 == 0
    assert (core.home / "keys").stat().st_mode & 0o077 == 0
    key_path.chmod(0o644)
    with pytest.raises(StorageError) as info:
        load_key_file(key_path)
    assert info.value.code == "storage.key_permissions"

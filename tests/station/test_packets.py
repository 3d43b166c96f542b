"""Every seal writes one signed, encrypted packet inside the sealing transaction."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from station.enroll_synthetic import enroll_synthetic
from station.sync.packets import CENTRAL_KEY, ensure_signing_key, packet_path, remove_orphans
from store.models import Enrollment
from wire.keys import public_pem
from wire.packet import PacketError, open_packet


@pytest.fixture
def central_key(core) -> X25519PrivateKey:  # type: ignore[no-untyped-def]
    key = X25519PrivateKey.generate()
    (core.home / CENTRAL_KEY).write_bytes(public_pem(key))
    return key


def test_sealed_record_has_a_packet_that_the_centre_can_open(core, supervisor, central_key):
    report = enroll_synthetic(core, 3, seed=5, operator=supervisor, approver=supervisor)
    summary = core.enrollments.find_by_reg(report.first_reg)[0]
    blob = packet_path(core.home, summary.uuid).read_bytes()
    with core.db.read() as s:
        sha, size = s.execute(
            select(Enrollment.packet_sha256, Enrollment.packet_size).where(Enrollment.uuid == summary.uuid)
        ).one()
    assert sha == hashlib.sha256(blob).hexdigest() and size == len(blob)
    station_pub = ensure_signing_key(core.home).public_key()
    opened = open_packet(blob, central_private=central_key, station_public=station_pub)
    assert opened.manifest["reg_no"] == report.first_reg and opened.manifest["station_seq"] == 1
    kinds = {e["kind"] for e in opened.manifest["items"]}
    assert {"face", "signature", "finger_1", "finger_10"} <= kinds
    assert opened.items[[e["kind"] for e in opened.manifest["items"]].index("face")].startswith(b"\xff\xd8\xff")
    assert {"iris_left", "iris_right"} <= kinds
    assert size <= 150_000, "a record must fit the 2G-link budget (tests/station/test_wire_budget.py)"
    assert b"JFIF" not in blob and opened.manifest["demographics"]["nik"].encode() not in blob


def test_another_centre_cannot_open_the_packet(core, supervisor, central_key):
    report = enroll_synthetic(core, 1, seed=5, operator=supervisor, approver=supervisor)
    uuid = core.enrollments.find_by_reg(report.first_reg)[0].uuid
    with pytest.raises(PacketError) as info:
        open_packet(
            packet_path(core.home, uuid).read_bytes(),
            central_private=X25519PrivateKey.generate(),
            station_public=ensure_signing_key(core.home).public_key(),
        )
    assert info.value.code == "packet.decrypt"


def test_without_a_central_key_sealing_still_works_and_the_packet_waits(core, supervisor):
    report = enroll_synthetic(core, 1, seed=5, operator=supervisor, approver=supervisor)
    uuid = core.enrollments.find_by_reg(report.first_reg)[0].uuid
    assert not packet_path(core.home, uuid).exists()
    with core.db.read() as s:
        assert s.scalar(select(Enrollment.packet_sha256).where(Enrollment.uuid == uuid)) is None


def test_orphan_packets_are_removed(core, supervisor, central_key):
    enroll_synthetic(core, 1, seed=5, operator=supervisor, approver=supervisor)
    orphan = packet_path(core.home, "00000000-0000-0000-0000-000000000000")
    orphan.write_bytes(b"left by a crash between rename and commit")
    (orphan.parent / "x.tmp").write_bytes(b"half written")
    with core.db.read() as s:
        assert remove_orphans(core.home, s.connection()) == 2
    assert not orphan.exists()
    assert len(list(orphan.parent.glob("*.pkt"))) == 1


def test_a_packet_write_failure_rolls_the_seal_back(core, supervisor, central_key, monkeypatch):
    from common.errors import StorageError
    from station.sync import packets

    def full_disk(path, blob):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(packets, "write_atomically", full_disk)
    with pytest.raises(StorageError) as info:
        enroll_synthetic(core, 1, seed=5, operator=supervisor, approver=supervisor)
    assert info.value.code == "storage.packet_write"
    assert core.enrollments.state_counts() == {}

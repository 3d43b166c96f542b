"""Iris items reach the centre like every other item, and the centre can read them.

A station seals a synthetic enrollment (two irises as ISO/IEC 19794-6 K3 records),
its sync worker sends it to a real central receiver on loopback, and the packet the
centre stored is decrypted with the centre's own key: both iris records decode, with
the eye the manifest names and the hash the station sealed.
"""

from __future__ import annotations

import hashlib

import pytest

from central.keys import load_keys
from central.receiver import Receiver
from central.settings import Settings
from common.biometrics import IRIS_LEFT, IRIS_RIGHT
from devices.iris.iso19794_6 import decode_iris_record
from station.enroll_synthetic import enroll_synthetic
from station.sync.packets import ensure_signing_key
from station.sync.service import make_worker
from wire.packet import open_packet


@pytest.mark.timeout(120)
def test_the_centre_decrypts_the_iris_items_of_a_received_record(joined, supervisor, server):
    core = joined
    report = enroll_synthetic(core, 1, seed=41, operator=supervisor, approver=supervisor)
    worker = make_worker(core)
    summary = worker.run(until_idle=True, timeout_s=60)
    worker.client.close()
    assert summary.sent == 1 and summary.errors == []
    (record,) = core.enrollments.find_by_reg(report.first_reg)
    station = core.station().code

    receiver = Receiver(Settings(home=server.home), create=False)
    try:
        blob = receiver.packet_bytes(station, record.uuid)
    finally:
        receiver.close()
    assert blob is not None
    opened = open_packet(
        blob,
        central_private=load_keys(server.home).packet_key,
        station_public=ensure_signing_key(core.home).public_key(),
    )
    entries = opened.manifest["items"]
    kinds = [e["kind"] for e in entries]
    for kind, eye in ((IRIS_RIGHT, "right"), (IRIS_LEFT, "left")):
        entry, payload = entries[kinds.index(kind)], opened.items[kinds.index(kind)]
        assert entry["format"] == "iso19794-6" and entry["sha256"] == hashlib.sha256(payload).hexdigest()
        iris = decode_iris_record(payload)
        assert iris.eye == eye and iris.image.shape == (480, 640) and iris.image.std() > 10

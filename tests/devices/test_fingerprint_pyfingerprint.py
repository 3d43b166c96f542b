"""The oracle: pyfingerprint 1.5 from PyPI, unmodified, drives the simulator through a pty.

An independent client written against real modules accepting every reply is the
best evidence that the simulator is faithful (lengths, checksums, the packet-size
*code*, the baud *N*, the swapped UpImage name). pyfingerprint loops or blocks on
silence, so it runs in a thread with a join timeout, and stopping the simulator
closes the pty under it (its next read fails instead of hanging).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pyfingerprint.pyfingerprint import PyFingerprint

from devices.fingerprint import imagegen, protocol, start_simulator
from devices.fingerprint.platen import Placement

pytestmark = pytest.mark.timeout(60)

RESIDENT, SAME, OTHER = 4242, 2, 3


def wait_for_finger(f: PyFingerprint) -> bool:
    for _ in range(50):  # the simulator shows the next finger after a few polls
        if f.readImage():
            return True
    return False


def enroll_and_search(path: str, bmp: Path, out: dict[str, Any]) -> None:
    f = PyFingerprint(path, 57600, 0xFFFFFFFF, 0x00000000)
    out["verify"] = f.verifyPassword()
    out["params"] = f.getSystemParameters()
    out["packet_size"] = f.getMaxPacketSize()
    out["baud"] = f.getBaudRate()
    out["capacity"] = f.getStorageCapacity()
    out["count_before"] = f.getTemplateCount()

    out["read1"] = wait_for_finger(f)
    f.downloadImage(str(bmp))
    out["convert1"] = f.convertImage(0x01)
    out["read2"] = wait_for_finger(f)
    out["convert2"] = f.convertImage(0x02)
    out["create"] = f.createTemplate()
    out["stored_at"] = f.storeTemplate()
    out["count_after"] = f.getTemplateCount()

    out["read3"] = wait_for_finger(f)
    f.convertImage(0x01)
    out["search_same"] = f.searchTemplate()
    out["read4"] = wait_for_finger(f)
    f.convertImage(0x01)
    out["search_other"] = f.searchTemplate()
    out["done"] = True


def test_pyfingerprint_enrolls_and_searches_against_the_simulator(tmp_path: Path) -> None:
    sim = start_simulator(seed=9, auto=False, appear_after=2)
    sim.queue_placements(
        [
            Placement(RESIDENT, SAME, 1.0),
            Placement(RESIDENT, SAME, 0.9),
            Placement(RESIDENT, SAME, 0.8),
            Placement(RESIDENT, OTHER, 1.0),
        ]
    )
    out: dict[str, Any] = {}
    errors: list[BaseException] = []
    bmp = tmp_path / "finger.bmp"

    def target() -> None:
        try:
            enroll_and_search(sim.path, bmp, out)
        except BaseException as exc:  # reported below, with what was reached
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(timeout=40)
    sim.stop()  # unblocks pyfingerprint if it is still reading
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert not errors, f"pyfingerprint failed after {sorted(out)}: {errors[0]!r}"
    assert out.get("done"), sorted(out)
    assert time.monotonic() - started < 30

    assert out["verify"] is True
    assert out["params"] == (4, 0, 1000, 3, 0xFFFFFFFF, 2, 6)
    assert (out["packet_size"], out["baud"], out["capacity"]) == (128, 57600, 1000)
    assert out["count_before"] == 0 and out["count_after"] == 1
    assert all(out[k] is True for k in ("read1", "convert1", "read2", "convert2", "create", "read3", "read4"))
    assert out["stored_at"] == 0
    position, score = out["search_same"]
    assert position == 0 and score >= 50
    assert out["search_other"] == (-1, -1)

    downloaded = np.asarray(Image.open(bmp).convert("L"))
    expected = protocol.unpack_image(protocol.pack_image(imagegen.synthetic_fingerprint(RESIDENT, SAME, 1.0)))
    assert downloaded.shape == (288, 256)
    assert np.array_equal(downloaded, expected)


def test_pyfingerprint_sees_a_wrong_password() -> None:
    sim = start_simulator(password=0xCAFE)
    result: list[object] = []
    thread = threading.Thread(
        target=lambda: result.append(PyFingerprint(sim.path, 57600, 0xFFFFFFFF, 0).verifyPassword()), daemon=True
    )
    thread.start()
    thread.join(timeout=10)
    sim.stop()
    thread.join(timeout=5)
    assert result == [False]

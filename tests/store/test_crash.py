"""Kill a process that is writing enrollments with SIGKILL at random instants.

After every kill the store must pass `db check` (integrity, audit chain, gap-free
sequence, complete sealed records, payloads decrypt), and every enrollment the child
reported sealed must be there, sealed, with its number.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.biometrics import FingerPosition
from station.core import StationCore
from station.synthetic_biometrics import SyntheticBiometrics
from store.check import run_all

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 25
TIME_LIMIT_S = 150


def write_captures(folder: Path) -> Path:
    """One set of synthetic captures (face, ten fingers, signature, both irises) as files
    for the writers: made once here, not by each of the 25 writers (over a second each,
    with the imports of the image libraries)."""
    bio = SyntheticBiometrics()
    items = [
        bio.face(0, 1990),
        *(bio.finger(0, p) for p in FingerPosition),
        bio.signature(0),
        *(bio.iris(0, eye) for eye in ("right", "left")),
    ]
    folder.mkdir()
    entries = []
    for item in items:
        assert item.payload is not None and item.format is not None
        (folder / item.kind).write_bytes(item.payload)
        entries.append(
            {
                "kind": item.kind,
                "format": str(item.format),
                "file": item.kind,
                "quality": item.quality,
                "device_driver": item.device_driver,
                "device_model": item.device_model,
            }
        )
    (folder / "captures.json").write_text(json.dumps(entries))
    return folder


def _writer(home: Path, seed: int, captures: Path) -> subprocess.Popen[str]:
    """A crash_writer process, warming up (imports, captures) until told GO."""
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(home), str(seed), str(captures)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "STATION_HOME": str(home)},
    )


def _expect(child: subprocess.Popen[str], word: str) -> None:
    assert child.stdout is not None
    line = child.stdout.readline()
    if line.strip() != word:
        child.kill()
        _, err = child.communicate(timeout=30)
        raise AssertionError(f"the writer said {line!r}, not {word}: {err}")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_at_random_instants_loses_nothing_reported_and_leaves_no_gap(core, tmp_path):
    home = core.home
    core.close()
    captures = write_captures(tmp_path / "captures")
    rng = random.Random(20261122)
    reported: dict[str, str] = {}
    started = time.monotonic()
    kills = 0
    spare = _writer(home, 0, captures)
    try:
        while kills < KILLS and time.monotonic() - started < TIME_LIMIT_S:
            child, spare = spare, None
            _expect(child, "WARM")
            assert child.stdin is not None
            child.stdin.write("GO\n")  # the previous writer is dead and its store checked
            child.stdin.flush()
            _expect(child, "READY")
            spare = _writer(home, kills + 1, captures)  # warms up while this one writes
            time.sleep(rng.uniform(0.02, 0.6))
            os.kill(child.pid, signal.SIGKILL)
            out, err = child.communicate(timeout=30)
            assert child.returncode == -signal.SIGKILL, err
            for line in out.splitlines():
                if line.startswith("SEALED "):
                    _, reg_no, record_uuid = line.split()
                    reported[record_uuid] = reg_no
            kills += 1

            reopened = StationCore.open(home)
            try:
                results = run_all(reopened.db, reopened.key)
                assert all(r.passed for r in results), [(r.name, r.problems) for r in results if not r.passed]
                for record_uuid, reg_no in reported.items():
                    detail = reopened.enrollments.detail(record_uuid=record_uuid)
                    assert detail is not None, f"{reg_no} was reported sealed but is gone"
                    assert detail.summary.state == "SEALED" and detail.summary.reg_no == reg_no
            finally:
                reopened.close()
    finally:
        if spare is not None:  # never told GO: it has not opened the store
            spare.kill()
            spare.communicate(timeout=30)
    assert kills >= 10, "too few kills in the time limit to mean anything"
    assert len(reported) > kills, "the child sealed too little between kills"

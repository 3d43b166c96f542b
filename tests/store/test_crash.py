"""Kill a process that is writing enrollments with SIGKILL at random instants.

After every kill the store must pass `db check` (integrity, audit chain, gap-free
sequence, complete sealed records, payloads decrypt), and every enrollment the child
reported sealed must be there, sealed, with its number.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from station.core import StationCore
from store.check import run_all

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 25
TIME_LIMIT_S = 150


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_at_random_instants_loses_nothing_reported_and_leaves_no_gap(core):
    home = core.home
    core.close()
    rng = random.Random(20261122)
    reported: dict[str, str] = {}
    started = time.monotonic()
    kills = 0
    while kills < KILLS and time.monotonic() - started < TIME_LIMIT_S:
        child = subprocess.Popen(
            [sys.executable, str(WRITER), str(home), str(kills)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "STATION_HOME": str(home)},
        )
        assert child.stdout is not None
        ready = child.stdout.readline()
        assert ready.strip() == "READY", child.stderr.read() if child.stderr else ""
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
    assert kills >= 10, "too few kills in the time limit to mean anything"
    assert len(reported) > kills, "the child sealed too little between kills"

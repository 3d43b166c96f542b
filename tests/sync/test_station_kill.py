"""kill -9 of the station's `station sync` process at random instants, then restart.

The OS lock is released by the kernel, nothing stays stuck in UPLOADING once a
worker runs again, and after the last restart drains the queue the checker finds
nothing lost, duplicated, corrupted, falsely acknowledged or out of order.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest

from station.config import load_config, save_config
from station.enroll_synthetic import enroll_synthetic
from station.sync.worker import WorkerLock
from store.check import run_all
from store.outbox import Outbox
from testing.checker import check
from testing.fault_proxy import FaultProxy
from testing.harness import join, station_env

KILLS = 8


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sync_process_killed_at_random_instants_resumes_and_loses_nothing(core, server, supervisor):
    proxy = FaultProxy("127.0.0.1", server.port).start()
    try:
        join(core, server, url=proxy.url)
        config = load_config(core.home)
        config.sync.backoff_base_s, config.sync.backoff_cap_s = 0.05, 0.5
        save_config(config, core.home)
        enroll_synthetic(core, 30, seed=31, operator=supervisor, approver=supervisor)
        proxy.set(bandwidth_bps=400_000)  # about 4 records a second: kills land mid-transfer
        rng = random.Random(31)
        killed_mid_queue = 0
        for _ in range(KILLS):
            child = subprocess.Popen(
                [sys.executable, "-m", "station.cli.main", "sync", "--until-idle", "--timeout", "60"],
                env=station_env(core.home),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            time.sleep(rng.uniform(0.8, 2.5))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=20)
            killed_mid_queue += Outbox(core.db).pending_totals()[0] > 0
            lock = WorkerLock(core.home)
            lock.acquire()  # the dead worker's lock is free again
            lock.release()
        assert killed_mid_queue >= 3, "the kills came too late to interrupt anything"
        proxy.heal()
        final = subprocess.run(
            [sys.executable, "-m", "station.cli.main", "sync", "--until-idle", "--timeout", "120"],
            env=station_env(core.home),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert final.returncode == 0, final.stdout + final.stderr
    finally:
        proxy.stop()
    counts = core.enrollments.state_counts()
    assert counts == {"PRINT_READY": 30}, counts
    verdict = check(core, server.report())
    assert verdict.failures == 0 and verdict.received == 30, verdict.lines()
    assert all(r.passed for r in run_all(core.db, core.key))

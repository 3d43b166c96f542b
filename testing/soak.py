"""A seeded soak: N synthetic records sent under a schedule of mixed faults, then heal,
force sync, drain, and the checker's verdict printed as "N passed, N failed".

    python -m testing.soak [--records 200] [--seconds 60] [--seed 7]

Everything runs on 127.0.0.1; the fault schedule and every wait are bounded.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from common.progress import CancelToken
from station.auth import Role, User
from station.core import StationCore
from station.enroll_synthetic import enroll_synthetic
from station.sync.policy import CircuitBreaker
from station.sync.worker import SyncWorker
from store.check import run_all
from testing.checker import Verdict, check
from testing.fault_proxy import FaultProxy
from testing.harness import CentralServer, join
from testing.multistation import sync_worker

FAULTS = ("latency", "bandwidth", "cut", "reset", "black_hole", "down", "drop_commit", "kill_receiver", "calm")


@dataclass
class SoakResult:
    verdict: Verdict
    faults: dict[str, int]
    db_ok: bool
    seconds: float

    @property
    def checks(self) -> list[tuple[str, bool]]:
        v = self.verdict
        return [
            ("nothing lost", not v.lost),
            ("nothing duplicated", v.duplicated == 0),
            ("nothing corrupted", not v.corrupted),
            ("no false acknowledgement", not v.falsely_acknowledged),
            ("strict order", v.out_of_order == 0),
            ("everything received", v.received == v.sealed),
            ("station db check", self.db_ok),
        ]

    def summary_line(self) -> str:
        passed = sum(1 for _, ok in self.checks if ok)
        return f"{passed} passed, {len(self.checks) - passed} failed"


def _worker(core: StationCore) -> SyncWorker:
    return sync_worker(core, read_timeout_s=2.0, breaker=CircuitBreaker(threshold=8, cool_down_s=1.0))


def _apply(fault: str, proxy: FaultProxy, server: CentralServer, rng: random.Random) -> None:
    proxy.heal()
    if fault == "latency":
        proxy.set(latency_s=rng.uniform(0.05, 0.3))
    elif fault == "bandwidth":
        proxy.set(bandwidth_bps=rng.choice([32_000, 64_000, 200_000]))
    elif fault == "cut":
        proxy.cut_after(rng.randint(1_000, 150_000), direction="up", count=1)
    elif fault == "reset":
        proxy.reset_after(rng.randint(1_000, 150_000), count=1)
    elif fault == "black_hole":
        proxy.black_hole(True)
    elif fault == "down":
        proxy.down_for(rng.uniform(0.5, 2.0))
    elif fault == "drop_commit":
        proxy.drop_responses(match=r"^(PATCH|POST) ", count=1)  # the committing PATCH among them
    elif fault == "kill_receiver":
        server.kill()
        server.start()


def run_soak(workdir: Path, *, records: int = 200, seconds: float = 60.0, seed: int = 7) -> SoakResult:
    started = time.monotonic()
    rng = random.Random(seed)
    core = StationCore.init(
        station_code="320412-09",
        station_name="soak",
        supervisor="spv",
        supervisor_name="Soak",
        password="soak-password-1",
        home=workdir / "station",
    )
    server = CentralServer(workdir / "central", downstream_delay=0.0).start()
    proxy = FaultProxy("127.0.0.1", server.port).start()
    faults: dict[str, int] = {}
    try:
        join(core, server, url=proxy.url)
        spv = User("spv", "Soak", Role.SUPERVISOR)
        enroll_synthetic(core, records, seed=seed, operator=spv, approver=spv, batch=50)
        cancel = CancelToken()
        worker = _worker(core)
        thread = threading.Thread(
            target=lambda: worker.run(until_idle=False, wait_for_retry=True, timeout_s=seconds + 30, cancel=cancel),
            name="soak-worker",
        )
        thread.start()
        end = time.monotonic() + seconds
        while time.monotonic() < end and thread.is_alive():
            fault = rng.choice(FAULTS)
            faults[fault] = faults.get(fault, 0) + 1
            _apply(fault, proxy, server, rng)
            time.sleep(rng.uniform(0.5, 2.0))
        proxy.heal()
        cancel.cancel()
        thread.join(timeout=30)
        worker.client.close()
        # Heal, force sync, drain.
        final = _worker(core)
        final.force()
        final.run(until_idle=True, wait_for_retry=True, timeout_s=120)
        final.client.close()
        verdict = check(core, server.report())
        db_ok = all(r.passed for r in run_all(core.db, core.key))
    finally:
        proxy.stop()
        server.stop()
        core.close()
    return SoakResult(verdict, faults, db_ok, time.monotonic() - started)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_soak(Path(tmp), records=args.records, seconds=args.seconds, seed=args.seed)
    for line in result.verdict.lines():
        print(line)
    print(f"faults injected: {result.faults}; {result.seconds:.0f} s")
    for name, ok in result.checks:
        print(f"{'PASS' if ok else 'FAIL'} {name}")
    print(result.summary_line())
    return 0 if all(ok for _, ok in result.checks) else 1


if __name__ == "__main__":
    sys.exit(main())

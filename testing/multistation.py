"""Many real stations against one real centre: their homes, their sync workers, and the
end of the centre's log for a failure's message.

The multi-station tests (tests/central/test_multinode.py, test_surge.py) and the soak
(testing/soak.py) set stations up the same way; this is that way, written once.

Traps:
- A station home hashes its supervisor's password with argon2 at `StationCore.init`,
  about a second each on a busy machine. Tests that make many homes swap in
  `CHEAP_PASSWORD_HASHER` first (pytest's `monkeypatch.setattr(station.auth, "_hasher",
  ...)`): the password plays no part in syncing. The soak, one home, keeps the real one.
- The workers' backoff is short (0.05-0.5 s) so a test stays bounded; how soon the breaker
  opens is the caller's choice (a surge or a kill wants it never to open).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher

from station.core import StationCore
from station.sync.client import CentralClient
from station.sync.packets import ensure_signing_key
from station.sync.policy import Backoff, CircuitBreaker
from station.sync.worker import SyncWorker
from store.outbox import Outbox

CHEAP_PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
SUPERVISOR = "spv"
SUPERVISOR_NAME = "Supervisor Uji"
SUPERVISOR_PASSWORD = "rahasia-spv-1"


@contextmanager
def station_homes(root: Path, count: int, *, code_prefix: str) -> Iterator[list[StationCore]]:
    """`count` real station homes under `root` (station-0, station-1, ...), coded
    `{code_prefix}{10 + i}-01`, closed on the way out, also when one fails to start."""
    cores: list[StationCore] = []
    try:
        for i in range(count):
            cores.append(
                StationCore.init(
                    station_code=f"{code_prefix}{i + 10:02d}-01",
                    station_name=f"Loket {i}",
                    supervisor=SUPERVISOR,
                    supervisor_name=SUPERVISOR_NAME,
                    password=SUPERVISOR_PASSWORD,
                    home=root / f"station-{i}",
                )
            )
        yield cores
    finally:
        for core in cores:
            core.close()


def sync_worker(
    core: StationCore,
    *,
    read_timeout_s: float,
    breaker: CircuitBreaker,
    seed: int | None = None,
    client_type: type[CentralClient] = CentralClient,
) -> SyncWorker:
    """The station's real sync worker with a short backoff (jitter seeded by `seed`, or
    unseeded) and a client of `client_type` (a test's subclass may watch the exchanges)."""
    client = client_type(
        core.config.central_url,
        station=core.station().code,
        signing_key=ensure_signing_key(core.home),
        connect_timeout_s=2.0,
        read_timeout_s=read_timeout_s,
    )
    return SyncWorker(
        home=core.home,
        outbox=Outbox(core.db),
        client=client,
        backoff=Backoff(base_s=0.05, cap_s=0.5, rng=random.Random(seed)),
        breaker=breaker,
    )


def log_tail(log: Path, limit: int = 4000) -> str:
    """The end of the receivers' stderr, for a failure's message (tracebacks name no resident)."""
    return log.read_text(errors="replace")[-limit:] if log.exists() else "(no log)"
